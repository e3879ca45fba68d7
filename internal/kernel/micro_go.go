package kernel

import "unsafe"

// microGo is the portable 4×4 micro-kernel, the one a purego build runs; its
// loop is the reference every assembly micro-kernel follows. a is a panel of
// op(A), k×4 with row stride lda (4 when packed); b a panel of op(B), k×4 with
// row stride ldb (4 when packed); c a full 4×4 tile of C with row stride ldc
// (the mask of the assembly kernels is ignored: the tile is full):
//
//	C[i][j] = Σ_p a[p*lda+i]·b[p*ldb+j] + beta·C[i][j]   (beta = 0: C is not read)
func microGo[T float32 | float64](k int, a *T, lda int, b *T, ldb int, c *T, ldc int, beta T, _ uint64) {
	ap := unsafe.Slice(a, (k-1)*lda+4)
	bp := unsafe.Slice(b, (k-1)*ldb+4)
	var c00, c01, c02, c03 T
	var c10, c11, c12, c13 T
	var c20, c21, c22, c23 T
	var c30, c31, c32, c33 T
	for p := 0; p < k; p++ {
		av := ap[p*lda : p*lda+4 : p*lda+4]
		bv := bp[p*ldb : p*ldb+4 : p*ldb+4]
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		a0 := av[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := av[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := av[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := av[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	cs := unsafe.Slice(c, 3*ldc+4)
	storeRow4(cs[0:4:4], c00, c01, c02, c03, beta)
	storeRow4(cs[ldc:ldc+4:ldc+4], c10, c11, c12, c13, beta)
	storeRow4(cs[2*ldc:2*ldc+4:2*ldc+4], c20, c21, c22, c23, beta)
	storeRow4(cs[3*ldc:3*ldc+4:3*ldc+4], c30, c31, c32, c33, beta)
}

// storeRow4 stores one row of a 4×4 tile: r = s + beta·r, or r = s when beta is 0.
func storeRow4[T float32 | float64](r []T, s0, s1, s2, s3, beta T) {
	if beta == 0 {
		r[0], r[1], r[2], r[3] = s0, s1, s2, s3
		return
	}
	r[0] = s0 + beta*r[0]
	r[1] = s1 + beta*r[1]
	r[2] = s2 + beta*r[2]
	r[3] = s3 + beta*r[3]
}
