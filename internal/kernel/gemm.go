package kernel

import (
	"fmt"
	"unsafe"
)

// Work thresholds, in multiply-adds (m·n·k).
const (
	// smallWork: at or below it, Gemm runs plain loops on the caller's slices:
	// no packing, no dispatch, a few nanoseconds for the tiny products of a
	// small network.
	smallWork = 4096
	// parallelWork: at or above it, Gemm splits C among the worker pool.
	parallelWork = 1 << 20
)

// Gemm computes C = op(A)·op(B) + beta·C; see Ref for the shapes. With
// beta = 0, C is overwritten and NaN in C does not propagate.
//
// Small products run plain loops; larger ones are cache-blocked, with panels
// of op(A) and op(B) packed into reusable buffers and multiplied by the
// fastest micro-kernel of this CPU (see Info); products above about a million
// multiply-adds are split among GOMAXPROCS long-lived workers. It never
// allocates in steady state.
//
// It panics if a slice is too short for its shape and stride.
func Gemm[T Float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	if m*n*k <= smallWork { // bounds-checked Go: no need for checkShapes
		if k < 0 {
			panic("kernel: Gemm with k < 0")
		}
		gemmSmall(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	checkShapes(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if unsafe.Sizeof(beta) == 4 {
		gemmBlocked(kern32, &pool32, transA, transB, m, n, k, as32(a), lda, as32(b), ldb, float32(beta), as32(c), ldc)
	} else {
		gemmBlocked(kern64, &pool64, transA, transB, m, n, k, as64(a), lda, as64(b), ldb, float64(beta), as64(c), ldc)
	}
}

// as32 views a slice of a 4-byte Float as []float32.
func as32[T Float](s []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// as64 views a slice of an 8-byte Float as []float64.
func as64[T Float](s []T) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// checkShapes panics unless A, B and C hold their shapes at their strides
// (the assembly kernels do not check bounds). m, n > 0.
func checkShapes(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	if k < 0 {
		panic(fmt.Sprintf("kernel: Gemm with k = %d", k))
	}
	if k > 0 {
		ra, ca := m, k
		if transA {
			ra, ca = k, m
		}
		checkMatrix("A", ra, ca, la, lda)
		rb, cb := k, n
		if transB {
			rb, cb = n, k
		}
		checkMatrix("B", rb, cb, lb, ldb)
	}
	checkMatrix("C", m, n, lc, ldc)
}

// checkMatrix panics unless a slice of length l holds a rows×cols matrix with
// row stride ld.
func checkMatrix(name string, rows, cols, l, ld int) {
	if (rows > 1 && ld < cols) || l < (rows-1)*ld+cols {
		panic(fmt.Sprintf("kernel: Gemm: %s is %d×%d with stride %d, needs stride ≥ %d and length ≥ %d, has length %d",
			name, rows, cols, ld, cols, (rows-1)*ld+cols, l))
	}
}

// gemmSmall is Gemm as plain loops on the caller's slices: each C[i,j] is a
// dot product accumulated in a register, one loop nest per transposition
// (few live values, so the compiler keeps them in registers). k may be 0
// (C = beta·C).
func gemmSmall[T Float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		for j := range ci {
			var s T
			switch {
			case !transA && !transB: // Σ_p A[i,p]·B[p,j]
				y := j
				for _, av := range a[i*lda : i*lda+k] {
					s += av * b[y]
					y += ldb
				}
			case !transA && transB: // Σ_p A[i,p]·B[j,p]
				ai := a[i*lda : i*lda+k]
				bj := b[j*ldb : j*ldb+len(ai)]
				for p, av := range ai {
					s += av * bj[p]
				}
			case transA && !transB: // Σ_p A[p,i]·B[p,j]
				x, y := i, j
				for p := 0; p < k; p++ {
					s += a[x] * b[y]
					x += lda
					y += ldb
				}
			default: // Σ_p A[p,i]·B[j,p]
				x := i
				for _, bv := range b[j*ldb : j*ldb+k] {
					s += a[x] * bv
					x += lda
				}
			}
			if beta == 0 {
				ci[j] = s
			} else {
				ci[j] = s + beta*ci[j]
			}
		}
	}
}
