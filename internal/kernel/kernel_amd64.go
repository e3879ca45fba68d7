//go:build !purego

package kernel

import "golang.org/x/sys/cpu"

//go:generate go run ./asmgen

// The assembly micro-kernels are declared in kernel_decl_amd64.go, written
// with kernel_amd64.s by asmgen; each one's doc comment in kernel_amd64.s is
// its plain-Go reference loop.

//go:noescape
func transpose8x8F32(nb int, src *float32, lds int, dst *float32, ldd int)

//go:noescape
func transpose6x8F32(nb int, src *float32, lds int, dst *float32)

// pack6F32 packs 8-column blocks of six rows as an AVX2 panel of A (see
// packT6), if the CPU has AVX2.
var pack6F32 = func() func(int, *float32, int, *float32) {
	if cpu.X86.HasAVX2 {
		return transpose6x8F32
	}
	return nil
}()

//go:noescape
func transpose4x4F64(nb int, src *float64, lds int, dst *float64, ldd int)

// The AVX2 epilogues (steps 1 to 3 of an Epilogue), if the CPU has AVX2.
var epilogueF32, epilogueF64 = func() (func(*float32, int, int, int, *float32, *float32, int, *float32, int, int, float32), func(*float64, int, int, int, *float64, *float64, int, *float64, int, int, float64)) {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return epilogueF32AVX2, epilogueF64AVX2
	}
	return nil, nil
}()

// expAsm says whether Exp runs expF64AVX2: if the CPU has AVX2 and FMA
// (math.Exp's FMA path is then the one it takes). A direct call, not
// through a func value, so that the slices do not escape.
var expAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// archKernels lists the micro-kernels this CPU runs, fastest first; the
// portable Go kernels are appended by the caller.
func archKernels() (k32 []*microKernel[float32], k64 []*microKernel[float64]) {
	if cpu.X86.HasAVX512F {
		k32 = append(k32, &microKernel[float32]{name: "avx512", mr: 8, nr: 32, mc: 128, kc: 256, nc: 3072,
			rows: gemmF32AVX512Rows[:], masked: true, dot: dotF32AVX512, lanes: 16, tr: transpose8x8F32, tb: 8})
		k64 = append(k64, &microKernel[float64]{name: "avx512", mr: 8, nr: 16, mc: 128, kc: 256, nc: 1536,
			rows: gemmF64AVX512Rows[:], masked: true, dot: dotF64AVX512, lanes: 8, tr: transpose4x4F64, tb: 4})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		k32 = append(k32, &microKernel[float32]{name: "avx2", mr: 6, nr: 16, mc: 144, kc: 256, nc: 3072,
			rows: gemmF32AVX2Rows[:], rowA: gemmF32AVX2RowARows[:], rowAEp: gemmF32AVX2RowAEpRows[:],
			rowAStrip: gemmF32AVX2RowAStrip, rowAEpStrip: gemmF32AVX2RowAEpStrip, dot: dotF32AVX2, lanes: 8, tr: transpose8x8F32, tb: 8})
		k64 = append(k64, &microKernel[float64]{name: "avx2", mr: 6, nr: 8, mc: 96, kc: 256, nc: 1536,
			rows: gemmF64AVX2Rows[:], rowA: gemmF64AVX2RowARows[:], rowAEp: gemmF64AVX2RowAEpRows[:],
			rowAStrip: gemmF64AVX2RowAStrip, rowAEpStrip: gemmF64AVX2RowAEpStrip, dot: dotF64AVX2, lanes: 4, tr: transpose4x4F64, tb: 4})
	}
	return k32, k64
}
