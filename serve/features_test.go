package serve

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestFeatures: the network takes the inputs chosen, computed from the
// points; with x1² and x2², circles are separable without a hidden layer.
func TestFeatures(t *testing.T) {
	s := New(Limits{}, nil)
	st := newSession(t, s, map[string]any{"dataset": "circles", "features": []string{"x1sq", "x2sq"}, "hidden": []LayerConfig{},
		"learning_rate": 0.3, "mode": "batch", "optimizer": "adam"})
	ss := s.sessions[st.ID]
	// no hidden layer is [], also after a change that leaves it out
	var again state
	api(t, s, "PUT", "/api/sessions/"+st.ID+"/config", map[string]any{"l2": 0.001}, &again)
	if st.Config.Hidden == nil || again.Config.Hidden == nil {
		t.Errorf("hidden: %v, then %v; want []", st.Config.Hidden, again.Config.Hidden)
	}
	if ss.net.Inputs != 2 || st.Network.Inputs != 2 {
		t.Fatalf("inputs %d", ss.net.Inputs)
	}
	for i := range ss.trainSet.N {
		x1, x2 := ss.trainXY[2*i], ss.trainXY[2*i+1]
		if ss.trainSet.X[2*i] != x1*x1 || ss.trainSet.X[2*i+1] != x2*x2 {
			t.Fatalf("row %d: inputs %v for the point (%v, %v)", i, ss.trainSet.X[2*i:2*i+2], x1, x2)
		}
	}
	var res trainResult
	api(t, s, "POST", "/api/sessions/"+st.ID+"/train", map[string]int{"steps": 1500}, &res)
	if res.TestLoss >= 0.2 {
		t.Errorf("circles on x1², x2², no hidden layer: test loss %v after %d steps", res.TestLoss, res.Total)
	}
	// all seven inputs; the state's points stay the points
	var got state
	if code, body := api(t, s, "PUT", "/api/sessions/"+st.ID+"/config?data=1&grid=4", map[string]any{"features": []string{"x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"}}, &got); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if got.Network.Inputs != 7 || math.Abs(got.Data.Train[0][0]) > 1 || got.Boundary == nil {
		t.Errorf("7 inputs: %d, first point %v", got.Network.Inputs, got.Data.Train[0])
	}
	// a step on a point: the answer's x are the inputs of that point
	var step stepResult
	if code, body := api(t, s, "POST", "/api/sessions/"+st.ID+"/step", map[string]any{"x": []float64{0.5, -0.25}, "y": []float64{1}}, &step); code != 200 {
		t.Fatalf("step: %d %s", code, body)
	}
	want := []float64{0.5, -0.25, 0.25, 0.0625, -0.125, math.Sin(0.5), math.Sin(-0.25)}
	for k := range want {
		if step.X[k] != want[k] {
			t.Errorf("step x = %v, want %v", step.X, want)
			break
		}
	}
	for _, tc := range []struct{ features, want string }{
		{`[]`, "features: none"},
		{`["x1","x3"]`, `features[1]: unknown input "x3"`},
		{`["x1","x1"]`, `features[1]: "x1" given twice`},
	} {
		code, body := api(t, s, "PUT", "/api/sessions/"+st.ID+"/config", `{"features":`+tc.features+`}`, nil)
		var e apiError
		json.Unmarshal([]byte(body), &e)
		if code != 400 || !strings.HasPrefix(e.Error, tc.want) {
			t.Errorf("%s: %d %s", tc.features, code, body)
		}
	}
}
