package serve

import (
	"net/http"
	"testing"
)

// TestStepSaturated: step mode on an output saturated far beyond float64
// (z ≈ −1e6: o = 0, ∂J/∂o = −y/o overflows) answers 200 with the engine's
// exact δ = o − y = −1, not a 500 from a number JSON cannot hold.
func TestStepSaturated(t *testing.T) {
	s := New(Limits{}, nil)
	st := newSession(t, s, map[string]any{"preset": "article"})
	sess := s.sessions[st.ID]
	out := sess.net.Layer(sess.net.L())
	for k := range out.W {
		out.W[k] = -1e6
	}
	var res stepResult
	code, body := api(t, s, "POST", "/api/sessions/"+st.ID+"/step", map[string]any{"x": []float64{1, 0}, "y": []float64{1}, "apply": false}, &res)
	if code != http.StatusOK {
		t.Fatalf("step: %d %s", code, body)
	}
	L := len(res.Layers)
	r := res.Layers[L-1].Rules[0]
	if r.Delta != -1 || !(r.DJdO < -1e300) {
		t.Errorf("δ = %v, ∂J/∂o = %v; want -1 and a huge negative number", r.Delta, r.DJdO)
	}
}
