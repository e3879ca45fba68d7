package exact

import (
	"fmt"
	"math"
	"math/big"
	"testing"
)

// TestElementary: Exp, Log and Log1p against float64 and identities.
func TestElementary(t *testing.T) {
	for _, x := range []float64{-745, -60, -1, -1e-9, 0, 0.5, 1, 10, 700} {
		// Within an ulp of math.Exp, which is not correctly rounded on
		// every architecture where the result is subnormal: e^−745 ≈
		// 2.8e−324 rounds to 5e−324, math.Exp gives that on amd64 but 0 on
		// arm64 (its assembly).
		if got, want := f64(Exp(num(x, 256))), math.Exp(x); math.Abs(got-want) > max(2e-16*want, 0x1p-1074) {
			t.Errorf("Exp(%v) = %v, want %v", x, got, want)
		}
	}
	for _, x := range []float64{1e-300, 1e-9, 0.5, 1, 2, 10, 1e300} {
		if got, want := f64(Log(num(x, 256))), math.Log(x); math.Abs(got-want) > 2e-16*math.Max(1, math.Abs(want)) {
			t.Errorf("Log(%v) = %v, want %v", x, got, want)
		}
	}
	// log1p(e^-700) = e^-700 to the last bit (far below float64's ε relative to 1).
	tiny := Exp(num(-700, 256))
	if got, want := f64(Log1p(tiny)), math.Exp(-700); math.Abs(got-want) > 2e-16*want {
		t.Errorf("Log1p(e^-700) = %v, want %v", got, want)
	}
	// exp(log x) = x at 256 bits.
	x := num(3.7, 256)
	if d := new(big.Float).Sub(Exp(Log(x)), x); math.Abs(f64(d)) > 1e-70 {
		t.Errorf("exp(log 3.7) − 3.7 = %v", d)
	}
}

// TestClosedMatchesDefinition: the two oracles, derived independently,
// agree for every pair where the definitions can be evaluated (|z| ≤ 60).
func TestClosedMatchesDefinition(t *testing.T) {
	pairs := [][2]string{{"identity", "squared"}, {"sigmoid", "squared"}, {"tanh", "squared"}, {"relu", "squared"},
		{"leaky-relu", "squared"}, {"softmax", "squared"}, {"sigmoid", "log"}, {"softmax", "log"},
		{"sigmoid", "cross-entropy"}, {"softmax", "cross-entropy"}}
	for _, p := range pairs {
		for _, s := range []float64{0.3, 2, 10, 60} {
			for _, z := range [][]float64{{s, -s}, {-s, s}, {s, s / 3}} {
				for _, y := range [][]float64{{1, 0}, {0, 1}, {0.25, 0.75}} {
					name := fmt.Sprintf("%s+%s z=%v y=%v", p[0], p[1], z, y)
					E1, d1 := Closed(p[0], p[1], 0.125, z, y)
					E2, d2 := Definition(p[0], p[1], 0.125, z, y)
					if math.Abs(E1-E2) > 1e-15*math.Abs(E2) {
						t.Errorf("%s: E closed %v, definition %v", name, E1, E2)
					}
					for k := range d1 {
						if math.Abs(d1[k]-d2[k]) > 1e-15*math.Abs(d2[k]) {
							t.Errorf("%s: δ_%d closed %v, definition %v", name, k+1, d1[k], d2[k])
						}
					}
				}
			}
		}
	}
}
