package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExp: Exp gives math.Exp's bits on values across its whole range — the
// softmax's (−60 … 0), every binade from subnormal to overflow, both signs,
// the edges where the result leaves the normal range (near −708, −745 and
// +709.78), ±0, ±Inf and NaNs — in groups that mix values the packed path
// takes with values it leaves, at every length and offset.
func TestExp(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	var x []float64
	for range 20000 {
		x = append(x, -60*r.Float64())
	}
	for e := -1074; e <= 1023; e += 3 {
		v := math.Ldexp(1+r.Float64(), e)
		x = append(x, v, -v)
	}
	for _, edge := range []float64{-708.3964185322641, -708.39641853226408, -709.0895657128241, -744.4400719213812, -745.1332191019411, 709.782712893384, 7.09782712893384e+02} {
		for d := -20; d <= 20; d++ {
			x = append(x, edge+float64(d)*1e-13, math.Nextafter(edge, math.Inf(1)), math.Nextafter(edge, math.Inf(-1)))
		}
	}
	x = append(x, 0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), -math.NaN(), 1e-310, -1e-310, 88.7, -103.9, 1e300, -1e300)
	for range 5000 {
		x = append(x, (r.Float64()*2-1)*800)
	}
	r.Shuffle(len(x), func(i, j int) { x[i], x[j] = x[j], x[i] })
	dst := make([]float64, len(x))
	for _, cut := range [][2]int{{0, len(x)}, {1, len(x) - 2}, {3, 10}, {5, 6}, {7, 7}} {
		xs := x[cut[0]:cut[1]]
		Exp(dst[:len(xs)], xs)
		for i, v := range xs {
			if want := math.Exp(v); math.Float64bits(dst[i]) != math.Float64bits(want) {
				t.Fatalf("Exp(%v) = %v (%#x), math.Exp %v (%#x)", v, dst[i], math.Float64bits(dst[i]), want, math.Float64bits(want))
			}
		}
	}
	y := append([]float64(nil), x[:100]...)
	Exp(y, y) // in place
	for i, v := range x[:100] {
		if math.Float64bits(y[i]) != math.Float64bits(math.Exp(v)) {
			t.Fatalf("Exp in place: Exp(%v) = %v", v, y[i])
		}
	}
}

// BenchmarkExp: the softmax's values, Exp against math.Exp one by one.
func BenchmarkExp(b *testing.B) {
	x, dst := make([]float64, 1000), make([]float64, 1000)
	for i := range x {
		x[i] = -float64(i%97) / 7
	}
	b.Run("Exp", func(b *testing.B) {
		for b.Loop() {
			Exp(dst, x)
		}
	})
	b.Run("math.Exp", func(b *testing.B) {
		for b.Loop() {
			for i, v := range x {
				dst[i] = math.Exp(v)
			}
		}
	})
}
