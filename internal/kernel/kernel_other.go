//go:build purego || !amd64

package kernel

// Without assembly, an Epilogue runs its Go loops.
var (
	epilogueF32 func(*float32, int, int, int, *float32, *float32, int, *float32, int, int, float32)
	epilogueF64 func(*float64, int, int, int, *float64, *float64, int, *float64, int, int, float64)
)

// Without assembly, Exp calls math.Exp for each value.
const expAsm = false

func expF64AVX2(dst, x *float64, n int) int { panic("kernel: no assembly") }

// Without assembly, panels of six rows are packed by packT6's loop.
var pack6F32 func(int, *float32, int, *float32)

// archKernels lists no assembly micro-kernel: the portable Go kernels are the
// only ones in a purego build or off amd64.
func archKernels() (k32 []*microKernel[float32], k64 []*microKernel[float64]) {
	return nil, nil
}
