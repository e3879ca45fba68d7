package backprop

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSoftmaxBits: the softmax of forward (exponentials several rows at a
// time through kernel.Exp) gives, row by row, the bits of its formula with
// math.Exp one value at a time — a, and the trace's sum — for widths from 1
// to past its buffer (300), in float32 and float64, with rows of large,
// tiny, equal, infinite and NaN values (a NaN's sign and payload are the
// compiler's choice of operand order, not the formula's, so any NaN is
// the same value here).
func TestSoftmaxBits(t *testing.T) {
	testSoftmaxBits[float32](t)
	testSoftmaxBits[float64](t)
}

func testSoftmaxBits[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, n := range []int{1, 2, 3, 10, 33, 255, 256, 257, 300} {
		rows := 1 + 700/n
		z := make([]T, rows*n)
		for i := range z {
			z[i] = T(rng.NormFloat64() * 30)
		}
		for range 1 + rows/5 { // specials, and a row of equal values
			z[rng.IntN(len(z))] = T([]float64{math.Inf(1), math.Inf(-1), math.NaN(), 1e30, -1e30, 0}[rng.IntN(6)])
		}
		for i := range n {
			z[(rows-1)*n+i] = 7
		}
		a, norm := make([]T, len(z)), make([]T, len(z))
		forward(Softmax, 0, z, a, nil, norm, rows, n)
		for r := range rows {
			zr := z[r*n : (r+1)*n]
			m := zr[0]
			for _, v := range zr {
				m = max(m, v)
			}
			want := make([]T, n)
			var s float64
			for i, v := range zr {
				e := math.Exp(float64(v - m))
				want[i] = T(e)
				s += e
			}
			for i := range want {
				want[i] = T(float64(want[i]) / s)
			}
			for i := range want {
				if !sameValue(a[r*n+i], want[i]) {
					t.Fatalf("%T n=%d row %d: a[%d] = %v, want %v", z[0], n, r, i, a[r*n+i], want[i])
				}
			}
			if w := T(s * math.Exp(float64(m))); !sameValue(norm[r*n], w) {
				t.Fatalf("%T n=%d row %d: norm %v, want %v", z[0], n, r, norm[r*n], w)
			}
		}
	}
}

// sameValue reports whether x and y have the same bits or are both NaN.
func sameValue[T Float](x, y T) bool {
	return math.Float64bits(float64(x)) == math.Float64bits(float64(y)) || x != x && y != y
}
