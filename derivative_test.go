package backprop

import (
	"math"
	"math/big"
	"testing"

	"github.com/backprop-go/backprop/internal/exact"
)

// TestDerivativesAtTheEdges: the table's f′ of sigmoid and tanh, given z and
// the engine's a = f(z), against σ′(z) = e/(1 + e)², e = e^(−|z|), and
// tanh′(z) = 4e/(1 + e)², e = e^(−2|z|), in 256-bit arithmetic, from |z| = 0
// to 1e4 on both sides of the switch to the exact form (where a(1 − a) alone
// gives 0 once a rounds to 1): to 2 ulps in float64; in float32 to 2e-6
// beyond z = 8 and to 5e-5 below it, where float32 keeps a(1 − a) as
// float32 frameworks do (activation.go, dsigmoid32).
func TestDerivativesAtTheEdges(t *testing.T) {
	closed := func(scale, z float64) float64 { // scale·e/(1 + e)², e = e^(−k|z|)
		k := 1.0
		if scale == 4 {
			k = 2
		}
		e := exact.Exp(new(big.Float).SetPrec(256).SetFloat64(-k * math.Abs(z)))
		one := new(big.Float).SetPrec(256).SetFloat64(1)
		d := new(big.Float).SetPrec(256).Add(one, e)
		d.Mul(d, d)
		v, _ := new(big.Float).SetPrec(256).Quo(new(big.Float).SetPrec(256).Mul(e, new(big.Float).SetFloat64(scale)), d).Float64()
		return v
	}
	check := func(name string, z, got, want, rel float64) {
		t.Helper()
		if !(math.Abs(got-want) <= rel*want+0x1p-1074) {
			t.Errorf("%s at z = %v: %v, want %v (relative error %.2g)", name, z, got, want, math.Abs(got-want)/want)
		}
	}
	for _, z := range []float64{0, 0.5, -1, 0.9, 1, 1.1, 1.9, 2, 2.1, 2.9, 3, 3.1, -5, 7.9, 8, 8.1, 10, -10, 30, 60, -60, 100, 700, -750, 1e4} {
		wantS, wantT := closed(1, z), closed(4, z)
		check("sigmoid′ float64", z, activationRules[Sigmoid].deriv(z, sigmoid(z), 0), wantS, 4.5e-16)
		check("tanh′ float64", z, activationRules[Tanh].deriv(z, math.Tanh(z), 0), wantT, 4.5e-16)
		z32 := float32(z)
		tol32 := 2e-6
		if z > 3 && z <= 8 {
			tol32 = 5e-5
		}
		check("sigmoid′ float32", z, float64(dsigmoid32(z32, sigmoid32(z32))), float64(float32(wantS)), tol32)
		var g [1]float32 = [1]float32{1}
		backward(Sigmoid, 0, []float32{z32}, []float32{sigmoid32(z32)}, g[:], nil, 1, 1)
		check("sigmoid′ float32 (the vector loop)", z, float64(g[0]), float64(float32(wantS)), tol32)
	}
}

// sigmoid32 is the engine's float32 sigmoid of one z.
func sigmoid32(z float32) float32 {
	a := []float32{0}
	sigmoids32([]float32{z}, a, nil)
	return a[0]
}
