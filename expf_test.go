package backprop

import (
	"math"
	"testing"
)

// TestExpf: expf agrees with math.Exp to 2 ulp of float32 over its range,
// and the ends give 0 and +Inf as e^x does.
func TestExpf(t *testing.T) {
	for x := float32(-104); x <= 88.7; x += 0.00731 {
		got, want := float64(expf(x)), math.Exp(float64(x))
		if want > 0x1p-126 && math.Abs(got-want) > 2.5e-7*want {
			t.Fatalf("expf(%v) = %v, want %v (relative error %.2g)", x, got, want, math.Abs(got-want)/want)
		}
	}
	if expf(-200) != 0 || !math.IsInf(float64(expf(200)), 1) || expf(0) != 1 {
		t.Errorf("expf(-200), expf(200), expf(0) = %v, %v, %v", expf(-200), expf(200), expf(0))
	}
	if v := expf(float32(math.NaN())); v == v {
		t.Errorf("expf(NaN) = %v", v)
	}
}
