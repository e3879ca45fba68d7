package kernel

// Float is the element type of every kernel.
type Float interface{ ~float32 | ~float64 }

// Ref computes C = op(A)·op(B) + beta·C with the naive triple loop, where
// op(A) is m×k (A is m×k, or k×m when transA) and op(B) is k×n (B is k×n, or
// n×k when transB). C is m×n. With beta = 0, C is overwritten (NaN in C does
// not propagate).
//
// It is the reference every fast kernel is tested against.
func Ref[T Float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s T
			for p := 0; p < k; p++ {
				var av, bv T
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = s
			} else {
				c[i*ldc+j] = s + beta*c[i*ldc+j]
			}
		}
	}
}
