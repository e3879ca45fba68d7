package kernel

// Gemm computes C = op(A)·op(B) + beta·C; see Ref for the shapes.
func Gemm[T Float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	Ref(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}
