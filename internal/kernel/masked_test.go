package kernel

import (
	"math/bits"
	"unsafe"
)

// maskedGo returns a test micro-kernel family in plain Go with what the
// AVX-512 family has — a routine for every height 1…mr and column masks —
// so that the driver's paths for masked kernels (edge tiles in place, edge
// panels read in place, a narrow C computed transposed, the epilogue's
// coordinates there) are tested on every machine, not only on one with
// AVX-512. Columns outside the mask are neither read nor written. It also
// has routines reading A by rows (rowA), so that the driver's path for
// them is tested without AVX2 too.
func maskedGo[T float32 | float64](mr, nr int) *microKernel[T] {
	k := &microKernel[T]{name: "maskedgo", mr: mr, nr: nr, mc: 4 * mr, kc: 64, nc: 4 * nr, masked: true}
	for r := 1; r <= mr; r++ {
		k.rows = append(k.rows, maskedGoTile[T](r, nr, false))
		k.rowA = append(k.rowA, maskedGoTile[T](r, nr, true))
	}
	return k
}

// maskedGoTile is maskedGo's routine for r rows; byRows: A's element (i,
// p) at a[i*lda+p], else at a[p*lda+i].
func maskedGoTile[T float32 | float64](r, nr int, byRows bool) func(kc int, a *T, lda int, b *T, ldb int, c *T, ldc int, beta T, mask uint64) {
	return func(kc int, a *T, lda int, b *T, ldb int, c *T, ldc int, beta T, mask uint64) {
		w := min(nr, bits.Len64(mask)) // the columns in the tile
		if w == 0 {
			return
		}
		ai, ap := 1, lda // A's element (i, p) at as[i*ai+p*ap]
		if byRows {
			ai, ap = lda, 1
		}
		as := unsafe.Slice(a, (kc-1)*ap+(r-1)*ai+1)
		bs := unsafe.Slice(b, (kc-1)*ldb+w)
		cs := unsafe.Slice(c, (r-1)*ldc+w)
		for i := 0; i < r; i++ {
			for j := 0; j < w; j++ {
				if mask>>j&1 == 0 {
					continue
				}
				var s T
				for p := 0; p < kc; p++ {
					s += as[i*ai+p*ap] * bs[p*ldb+j]
				}
				if beta == 0 {
					cs[i*ldc+j] = s
				} else {
					cs[i*ldc+j] = s + beta*cs[i*ldc+j]
				}
			}
		}
	}
}

// withMasked is the kernels of this CPU and the masked Go family.
func withMasked[T float32 | float64](kernels []*microKernel[T]) []*microKernel[T] {
	return append(append([]*microKernel[T](nil), kernels...), maskedGo[T](3, 8))
}
