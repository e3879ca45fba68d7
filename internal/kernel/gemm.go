package kernel

import (
	"fmt"
	"unsafe"
)

// Work thresholds, in multiply-adds (m·n·k).
const (
	// smallWork: at or below it, Gemm runs plain loops on the caller's slices:
	// no packing, no dispatch, a few nanoseconds for the tiny products of a
	// small network. (The blocked path costs some 50–100 ns to set up, and
	// overtakes the loops near 8×8×8.)
	smallWork = 128
	// parallelWork: at or above it, Gemm splits C among the worker pool.
	parallelWork = 1 << 20
)

// Gemm computes C = op(A)·op(B) + beta·C; see Ref for the shapes. With
// beta = 0, C is overwritten and NaN in C does not propagate.
//
// Small products run plain loops; larger ones are cache-blocked, with panels
// of op(A) and op(B) packed into reusable buffers (or read in place) and
// multiplied by the fastest micro-kernel of this CPU (see Info); products
// above about a million multiply-adds are split among GOMAXPROCS long-lived
// workers. It never allocates in steady state. See the package doc.
//
// It panics if a slice is too short for its shape and stride.
func Gemm[T Float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemm(false, transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// Gemm1 is Gemm on the calling goroutine alone, for work that Parallel
// already spreads over the threads.
func Gemm1[T Float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemm(true, transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

func gemm[T Float](serial, transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	if m*n*k > smallWork {
		gemmLarge(serial, transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	// Plain loops on the caller's slices (bounds-checked, so no checkShapes),
	// for tiny products where any set-up would cost more than the arithmetic:
	// row i of C is set to op(A)[i,0]·op(B)[0,:] + beta·C[i,:], then
	// op(A)[i,p]·op(B)[p,:] is added for each further p.
	if k <= 0 {
		if k < 0 {
			panic("kernel: Gemm with k < 0")
		}
		for i := 0; i < m; i++ {
			scaleRow(c[i*ldc:i*ldc+n], beta)
		}
		return
	}
	ai, ap := lda, 1 // op(A)[i,p] = a[i*ai+p*ap]
	if transA {
		ai, ap = 1, lda
	}
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		x := i * ai
		av := a[x]
		if !transB { // op(B)[p,:] = b[p*ldb : p*ldb+n]
			b0 := b[:len(ci)]
			if beta == 0 {
				for j, bv := range b0 {
					ci[j] = av * bv
				}
			} else {
				for j, bv := range b0 {
					ci[j] = av*bv + beta*ci[j]
				}
			}
			for p := 1; p < k; p++ {
				av := a[x+p*ap]
				bp := b[p*ldb : p*ldb+len(ci)]
				for j, bv := range bp {
					ci[j] += av * bv
				}
			}
			continue
		}
		// op(B)[p,j] = b[j*ldb+p]
		if beta == 0 {
			for j := range ci {
				ci[j] = av * b[j*ldb]
			}
		} else {
			for j := range ci {
				ci[j] = av*b[j*ldb] + beta*ci[j]
			}
		}
		for p := 1; p < k; p++ {
			av := a[x+p*ap]
			for j := range ci {
				ci[j] += av * b[j*ldb+p]
			}
		}
	}
}

// gemmLarge is Gemm for products past smallWork: shapes checked, then the
// blocked kernels of the element's width.
func gemmLarge[T Float](serial, transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	checkShapes(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if unsafe.Sizeof(beta) == 4 {
		gemmBlocked(kern32, &pool32, serial, 0, transA, transB, m, n, k, as32(a), lda, as32(b), ldb, float32(beta), as32(c), ldc, nil)
	} else {
		gemmBlocked(kern64, &pool64, serial, 0, transA, transB, m, n, k, as64(a), lda, as64(b), ldb, float64(beta), as64(c), ldc, nil)
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

// scaleRow sets r = beta·r; beta = 0 zeroes r (NaN does not propagate).
func scaleRow[T Float](r []T, beta T) {
	switch beta {
	case 0:
		clear(r)
	case 1:
	default:
		for j := range r {
			r[j] *= beta
		}
	}
}
