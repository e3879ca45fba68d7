package backprop

import (
	"math"
	"testing"

	"github.com/backprop-go/backprop/internal/kernel"
)

// TestExpNeg: expNeg agrees with math.Exp to 2 ulp of float32 over x ≤ 0,
// and gives 1 at 0, 0 far below and NaN for NaN, as e^x does.
func TestExpNeg(t *testing.T) {
	for x := float32(-104); x <= 0; x += 0.00731 {
		got, want := float64(expNeg(x)), math.Exp(float64(x))
		if want > 0x1p-126 && math.Abs(got-want) > 2.5e-7*want {
			t.Fatalf("expNeg(%v) = %v, want %v (relative error %.2g)", x, got, want, math.Abs(got-want)/want)
		}
	}
	if expNeg(-200) != 0 || expNeg(float32(math.Inf(-1))) != 0 || expNeg(0) != 1 || expNeg(float32(math.Copysign(0, -1))) != 1 {
		t.Errorf("expNeg(-200), expNeg(-Inf), expNeg(0), expNeg(-0) = %v, %v, %v, %v", expNeg(-200), expNeg(float32(math.Inf(-1))), expNeg(0), expNeg(float32(math.Copysign(0, -1))))
	}
	if v := expNeg(float32(math.NaN())); v == v {
		t.Errorf("expNeg(NaN) = %v", v)
	}
}

// TestReluMask: the branchless mask keeps g exactly where z > 0.
func TestReluMask(t *testing.T) {
	zs := []float64{1, -1, 0, math.Copysign(0, -1), 1e-45, -1e-45, math.Inf(1), math.Inf(-1), 3.5, -0.25, 5e-324}
	g32, g64 := make([]float32, len(zs)), make([]float64, len(zs))
	z32 := make([]float32, len(zs))
	for i, z := range zs {
		z32[i], g32[i], g64[i] = float32(z), 2, 2
	}
	kernel.ReLUMask(z32, g32)
	kernel.ReLUMask(zs, g64)
	for i, z := range zs {
		want := 0.0
		if z > 0 {
			want = 2
		}
		want32 := 0.0
		if z32[i] > 0 {
			want32 = 2
		}
		if g64[i] != want || float64(g32[i]) != want32 {
			t.Errorf("z = %v: g = %v (float64), %v (float32); want %v, %v", z, g64[i], g32[i], want, want32)
		}
	}
}
