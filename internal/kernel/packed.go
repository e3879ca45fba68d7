package kernel

import (
	"fmt"
	"unsafe"
)

// A Packed holds op(B) of products C = A·op(B) (k×n) packed once into the
// panels the micro-kernels read, for many products with the same op(B): a
// network's forward pass over a large batch, a block of rows at a time, packs
// each layer's Wᵀ once rather than once per block. The zero value is empty;
// Pack fills it.
type Packed[T Float] struct {
	k, n int
	p    []T
}

// Pack packs op(B) into pb: op(B) is k×n, B itself (row stride ldb) or, if
// transB, the transpose of B (n×k, row stride ldb). It reuses pb's buffer,
// allocating only to grow it. It panics if b is too short.
func (pb *Packed[T]) Pack(transB bool, k, n int, b []T, ldb int) {
	if k < 1 || n < 1 {
		panic(fmt.Sprintf("kernel: Pack of a %d×%d op(B)", k, n))
	}
	rb, cb := k, n
	if transB {
		rb, cb = n, k
	}
	checkMatrix("B", rb, cb, len(b), ldb)
	pb.k, pb.n = k, n
	size := packedLen(kern64, k, n)
	if unsafe.Sizeof(b[0]) == 4 {
		size = packedLen(kern32, k, n)
	}
	if cap(pb.p) < size {
		pb.p = make([]T, size)
	}
	pb.p = pb.p[:size]
	if unsafe.Sizeof(b[0]) == 4 {
		packAll(kern32, transB, k, n, as32(b), ldb, as32(pb.p))
	} else {
		packAll(kern64, transB, k, n, as64(b), ldb, as64(pb.p))
	}
}

// packedLen is the length of op(B), k×n, packed for kern: k rows of n
// columns rounded up to whole panels.
func packedLen[T float32 | float64](kern *microKernel[T], k, n int) int {
	return k * ((n + kern.nr - 1) / kern.nr * kern.nr)
}

// packAll packs op(B) as part.gemm's loops read it: for each nc-wide block
// of columns, for each kc-deep block of rows, the block's panels (as packB
// writes them); block (jc, pc) starts at jc·k + pc·nc rounded up to panels.
func packAll[T float32 | float64](kern *microKernel[T], transB bool, k, n int, b []T, ldb int, dst []T) {
	nr := kern.nr
	kcMax := min(kern.kc, k)
	ncMax := min(max(kern.nc/nr, 1)*nr, (n+nr-1)/nr*nr)
	off := 0
	for jc := 0; jc < n; jc += ncMax {
		nc := min(ncMax, n-jc)
		for pc := 0; pc < k; pc += kcMax {
			kc := min(kcMax, k-pc)
			packB(kern, transB, b, ldb, pc, kc, jc, nc, dst[off:])
			off += kc * ((nc + nr - 1) / nr * nr)
		}
	}
}

// GemmPackedEp1 computes C = A·op(B), A m×k row-major with row stride lda and
// op(B) packed in pb, and finishes each element of C with ep (nil: nothing),
// on the calling goroutine. Each element is the same sum in the same order
// as by the blocked products of GemmEp (those past a few thousand
// multiply-adds with more than four rows), so it has the same bits, how ever
// the rows are cut into calls. It never allocates in steady state.
//
// It panics if a slice is too short for its shape and stride.
func GemmPackedEp1[T Float](m int, a []T, lda int, pb *Packed[T], c []T, ldc int, ep *Epilogue[T]) {
	n, k := pb.n, pb.k
	if m <= 0 || n <= 0 {
		return
	}
	checkMatrix("A", m, k, len(a), lda)
	checkMatrix("C", m, n, len(c), ldc)
	if ep != nil {
		checkEpilogue(ep, m, n)
	}
	if unsafe.Sizeof(pb.p[0]) == 4 {
		var e *Epilogue[float32]
		if ep != nil {
			ev := epilogueOf[T, float32](ep)
			e = &ev
		}
		gemmPacked(kern32, &pool32, m, n, k, as32(a), lda, as32(pb.p), as32(c), ldc, e)
	} else {
		var e *Epilogue[float64]
		if ep != nil {
			ev := epilogueOf[T, float64](ep)
			e = &ev
		}
		gemmPacked(kern64, &pool64, m, n, k, as64(a), lda, as64(pb.p), as64(c), ldc, e)
	}
}

// gemmPacked is GemmPackedEp1 with kern, whose packAll wrote packed.
func gemmPacked[T float32 | float64](kern *microKernel[T], pool *callPool[T], m, n, k int, a []T, lda int, packed []T, c []T, ldc int, ep *Epilogue[T]) {
	cl := pool.get()
	p := &cl.parts[0]
	p.kern, p.transA, p.transB, p.transC, p.m, p.n, p.k = kern, false, false, false, m, n, k
	p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc, p.packed = a, lda, nil, 0, 0, c, ldc, packed
	p.hasEp, p.i0, p.j0 = ep != nil, 0, 0
	if ep != nil {
		p.ep = *ep
	}
	p.gemm()
	p.a, p.c, p.packed, p.ep = nil, nil, nil, Epilogue[T]{}
	pool.put(cl)
}

// Blocked reports whether Gemm and GemmEp compute an m×n×k product with
// the blocked micro-kernels (not plain loops nor, with m of at most four
// rows, dot products), whose sums GemmPackedEp1 repeats bit for bit.
func Blocked(m, n, k int) bool { return m*n*k > smallWork && m > dotRows }
