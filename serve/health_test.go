package serve

import (
	"net/http"
	"testing"
)

// TestStateHealth: the state carries each layer's health on the training
// set, for the |δ| bars and the marked neurons: six sigmoid layers give
// layer 1 deltas orders of magnitude below the output's, six relu layers do
// not.
func TestStateHealth(t *testing.T) {
	s := New(Limits{}, nil)
	ratio := map[string]float64{}
	for _, act := range []string{"sigmoid", "relu"} {
		var hidden []LayerConfig
		for range 6 {
			hidden = append(hidden, LayerConfig{4, act})
		}
		st := newSession(t, s, map[string]any{"dataset": "xor", "hidden": hidden})
		var got state
		if code, body := api(t, s, "GET", "/api/sessions/"+st.ID, nil, &got); code != http.StatusOK {
			t.Fatalf("state: %d %s", code, body)
		}
		if len(got.Health) != 7 {
			t.Fatalf("%s: %d layers of health, want 7", act, len(got.Health))
		}
		for _, h := range got.Health {
			if !(h.MeanAbsDelta > 0) || h.Activation == "" {
				t.Errorf("%s: layer %d: %+v", act, h.Layer, h)
			}
		}
		ratio[act] = got.Health[6].MeanAbsDelta / got.Health[0].MeanAbsDelta
	}
	t.Logf("output/layer-1 mean |δ|: %v", ratio)
	if ratio["sigmoid"] < 100 || ratio["relu"] > 50 {
		t.Errorf("output/layer-1 mean |δ|: sigmoid %v (want > 100), relu %v (want < 50)", ratio["sigmoid"], ratio["relu"])
	}
}
