package serve

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backprop-go/backprop/explain"
)

// api calls the handler as a browser would and decodes the JSON answer into
// out (when not nil). It returns the status and the raw body.
func api(t *testing.T, h http.Handler, method, path string, body any, out any) (int, string) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, r)
	req.Host = "127.0.0.1:8080"
	if method != "GET" && method != "HEAD" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if out != nil && rec.Code < 300 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, rec.Body)
		}
	}
	return rec.Code, rec.Body.String()
}

// newSession creates a session with cfg (nil: the default) and returns its state.
func newSession(t *testing.T, h http.Handler, cfg any) state {
	t.Helper()
	var st state
	if code, body := api(t, h, "POST", "/api/sessions", cfg, &st); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	return st
}

func TestTrainXORAndReadTheBoundary(t *testing.T) {
	s := New(Limits{}, nil)
	st := newSession(t, s, map[string]any{"dataset": "xor", "hidden": []LayerConfig{{8, "tanh"}, {8, "tanh"}}})
	if st.Task != "classification" || len(st.Network.Layers) != 3 || st.Config.Output != "sigmoid" || st.Config.Loss != "log" {
		t.Fatalf("state: %+v", st)
	}
	var res trainResult
	for i := 0; i < 20 && (res.TestLoss == 0 || res.TestLoss >= 0.1); i++ {
		if code, body := api(t, s, "POST", "/api/sessions/"+st.ID+"/train", map[string]int{"steps": 200}, &res); code != 200 {
			t.Fatalf("train: %d %s", code, body)
		}
	}
	if res.TestLoss >= 0.1 || res.Total < 200 {
		t.Fatalf("after %d steps the test loss is %v, want < 0.1", res.Total, res.TestLoss)
	}
	var got state
	if code, body := api(t, s, "GET", "/api/sessions/"+st.ID+"?grid=20&neurons=8&data=1", nil, &got); code != 200 {
		t.Fatalf("state: %d %s", code, body)
	}
	b := got.Boundary
	if b == nil || b.Res != 20 || len(b.Values) != 400 || !(b.Min < 0.2 && b.Max > 0.8) {
		t.Fatalf("boundary: %+v", b)
	}
	// XOR: class 1 where x1·x2 > 0, so the top-right cell (row 0, last
	// column) is near 1 and the top-left cell near 0.
	if tr, tl := b.Values[19], b.Values[0]; tr < 0.7 || tl > 0.3 {
		t.Errorf("top-right %v, top-left %v; want ≈1 and ≈0", tr, tl)
	}
	if len(got.Neurons) != 8+8+1 || got.Neurons[0].Res != 8 || len(got.Neurons[16].Values) != 64 {
		t.Errorf("neuron maps: %d", len(got.Neurons))
	}
	if n := len(got.Data.Train) + len(got.Data.Test); n != 300 || len(got.Data.Train) != 180 {
		t.Errorf("data: %d train, %d test", len(got.Data.Train), len(got.Data.Test))
	}
	if len(got.History) < 2 || got.History[0].Step != 0 || got.History[len(got.History)-1].Step != res.Total {
		t.Errorf("history: %+v", got.History)
	}
}

// TestStepIsExplainStep: the numbers of step mode are explain.Step's, the
// text is what `backprop explain` prints, and the step is applied.
func TestStepIsExplainStep(t *testing.T) {
	s := New(Limits{}, nil)
	st := newSession(t, s, map[string]any{"dataset": "circles", "hidden": []LayerConfig{{3, "relu"}, {2, "tanh"}}, "learning_rate": 0.1})
	ss := s.sessions[st.ID]
	net := ss.net.Clone()
	i := 7
	x, y := ss.trainSet.X[2*i:2*i+2], ss.trainSet.Y[i:i+1]
	want, err := explain.Step(net, [][]float64{x}, [][]float64{y}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	want.WriteText(&text)

	var got stepResult
	if code, body := api(t, s, "POST", "/api/sessions/"+st.ID+"/step", map[string]any{"set": "train", "index": i}, &got); code != 200 {
		t.Fatalf("step: %d %s", code, body)
	}
	if got.Text != text.String() {
		t.Errorf("text differs from explain's:\n%s\nwant\n%s", got.Text, text.String())
	}
	if got.Loss != want.Loss || got.LossAfter != want.LossAfter || !slices.Equal(got.OutputAfter, want.OutputAfter[0]) || !slices.Equal(got.X, x) {
		t.Errorf("loss %v → %v, output after %v; want %v → %v, %v", got.Loss, got.LossAfter, got.OutputAfter, want.Loss, want.LossAfter, want.OutputAfter)
	}
	for l, wl := range want.Layers {
		gl := got.Layers[l]
		for _, c := range []struct {
			name      string
			got, want []float64
		}{
			{"z", gl.Z, wl.Z[0]}, {"a", gl.A, wl.A[0]}, {"delta", gl.Delta, wl.Delta[0]},
			{"grad_bias", gl.GradBias, wl.GradBias}, {"bias_after", gl.BiasAfter, wl.BiasAfter},
		} {
			if !slices.Equal(c.got, c.want) {
				t.Errorf("layer %d %s = %v, want %v", l+1, c.name, c.got, c.want)
			}
		}
		if !slices.EqualFunc(gl.GradWeights, wl.GradWeights, slices.Equal) || !slices.EqualFunc(gl.WeightsAfter, wl.WeightsAfter, slices.Equal) {
			t.Errorf("layer %d gradients or weights after differ", l+1)
		}
		// The delta rule's sum, times f'(z), is δ.
		for n, r := range gl.Rules {
			if d := r.FPrime * r.Sum; math.Abs(d-gl.Delta[n]) > 1e-12*max(1, math.Abs(d)) && l < len(want.Layers)-1 {
				t.Errorf("layer %d neuron %d: f'·Σ = %v, δ = %v", l+1, n+1, d, gl.Delta[n])
			}
		}
	}
	// Applied: the session's network holds the weights after the step.
	for l, lay := range ss.net.Layers {
		if !slices.Equal(lay.B, want.Layers[l].BiasAfter) || lay.W[0] != want.Layers[l].WeightsAfter[0][0] {
			t.Errorf("layer %d: the step was not applied", l+1)
		}
	}
	// apply: false leaves the network as it is.
	before := ss.net.Clone()
	if code, body := api(t, s, "POST", "/api/sessions/"+st.ID+"/step", map[string]any{"x": []float64{0.5, -0.5}, "y": []float64{1}, "apply": false}, &got); code != 200 || got.Applied {
		t.Fatalf("step: %d %s", code, body)
	}
	if !slices.Equal(before.Layers[0].W, ss.net.Layers[0].W) {
		t.Error("apply: false changed the weights")
	}
}

// TestWorkedExample: one click loads the worked example (docs/notation.md); its step gives
// 0.671846 → 0.698076 and the article's delta rule for h1.
func TestWorkedExample(t *testing.T) {
	s := New(Limits{}, nil)
	st := newSession(t, s, map[string]any{"dataset": "surface"})
	var art struct {
		State   state
		Example stepRequest
	}
	if code, body := api(t, s, "POST", "/api/sessions/"+st.ID+"/article", nil, &art); code != 200 {
		t.Fatalf("article: %d %s", code, body)
	}
	if art.State.Config.Preset != "article" || art.State.Config.Dataset != "xor" || art.Example.Alpha != 0.5 {
		t.Fatalf("article state: %+v %+v", art.State.Config, art.Example)
	}
	var got stepResult
	if code, body := api(t, s, "POST", "/api/sessions/"+st.ID+"/step", art.Example, &got); code != 200 {
		t.Fatalf("step: %d %s", code, body)
	}
	if math.Abs(got.OutputBefore[0]-0.671846) > 5e-7 || math.Abs(got.OutputAfter[0]-0.698076) > 5e-7 {
		t.Errorf("output %v → %v, want 0.671846 → 0.698076", got.OutputBefore, got.OutputAfter)
	}
	if !strings.Contains(got.Text, "0.698076") || !strings.Contains(got.Text, "0.7043") {
		t.Errorf("text:\n%s", got.Text)
	}
	h1 := got.Layers[0].Rules[0]
	if len(h1.Terms) != 2 || h1.Terms[0].W != -0.5 || h1.Terms[1].W != 0.3 ||
		math.Abs(h1.Terms[0].Delta-(-0.0409249)) > 5e-8 || math.Abs(h1.Delta-0.00118889) > 5e-9 {
		t.Errorf("delta rule of h1: %+v", h1)
	}
	// h3 → h4 is absent: h3's sum has only the term of h5.
	if h3 := got.Layers[0].Rules[2]; len(h3.Terms) != 1 || h3.Terms[0].J != 1 || h3.Terms[0].W != 0.4 {
		t.Errorf("delta rule of h3: %+v", h3)
	}
	if r := got.Layers[2].Rules[0]; !r.Output || !r.Matched || math.Abs(r.Delta-(-0.328154)) > 5e-7 {
		t.Errorf("output delta: %+v", r)
	}
	// A second click starts again from the article's weights.
	api(t, s, "POST", "/api/sessions/"+st.ID+"/article", nil, &art)
	api(t, s, "POST", "/api/sessions/"+st.ID+"/step", art.Example, &got)
	if math.Abs(got.OutputAfter[0]-0.698076) > 5e-7 {
		t.Errorf("second time: output after %v", got.OutputAfter)
	}
	// Training the article's network keeps its absent connections at 0.
	var res trainResult
	api(t, s, "POST", "/api/sessions/"+st.ID+"/train", map[string]int{"steps": 50}, &res)
	if w := s.sessions[st.ID].net.Layers[0].W; w[1] != 0 || w[5] != 0 || w[0] == 0.3 {
		t.Errorf("after training, layer 1 weights %v", w)
	}
}

func TestConfigure(t *testing.T) {
	s := New(Limits{}, nil)
	st := newSession(t, s, nil)
	ss := s.sessions[st.ID]
	api(t, s, "POST", "/api/sessions/"+st.ID+"/train", map[string]int{"steps": 30}, nil)
	w := slices.Clone(ss.net.Layers[0].W)
	var got state
	// A new learning rate keeps the network and the progress.
	if code, body := api(t, s, "PUT", "/api/sessions/"+st.ID+"/config", map[string]any{"learning_rate": 0.1}, &got); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if got.Config.LearningRate != 0.1 || got.Steps != 30 || !slices.Equal(ss.net.Layers[0].W, w) || got.Config.Dataset != "xor" {
		t.Errorf("after a new rate: %+v, steps %d", got.Config, got.Steps)
	}
	// A regression dataset brings an identity output and the squared loss.
	if code, body := api(t, s, "PUT", "/api/sessions/"+st.ID+"/config", map[string]any{"dataset": "surface"}, &got); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if got.Task != "regression" || got.Config.Output != "identity" || got.Config.Loss != "squared" || got.Steps != 0 {
		t.Errorf("surface: %+v", got.Config)
	}
	// A new architecture.
	if code, body := api(t, s, "PUT", "/api/sessions/"+st.ID+"/config", map[string]any{"hidden": []LayerConfig{{5, "relu"}}}, &got); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if len(got.Network.Layers) != 2 || len(got.Network.Layers[0].Weights) != 5 {
		t.Errorf("network: %+v", got.Network)
	}
	// Reset: fresh weights from another seed.
	api(t, s, "POST", "/api/sessions/"+st.ID+"/train", map[string]int{"steps": 5}, nil)
	if code, _ := api(t, s, "POST", "/api/sessions/"+st.ID+"/reset", map[string]int{"seed": 9}, &got); code != 200 || got.Steps != 0 || len(got.History) != 1 {
		t.Errorf("reset: %d, %d steps", code, got.Steps)
	}
	for _, name := range []string{"xor", "circles", "spirals", "blobs", "surface"} {
		if code, body := api(t, s, "PUT", "/api/sessions/"+st.ID+"/config", map[string]any{"dataset": name, "noise": 0.2}, &got); code != 200 {
			t.Errorf("%s: %d %s", name, code, body)
		}
	}
}

// TestLimits: what is too big, or wrong, is refused with a 4xx and a JSON
// error that says why.
func TestLimits(t *testing.T) {
	s := New(Limits{}, nil)
	st := newSession(t, s, nil)
	id := st.ID
	big := `{"points": 10, "dataset": "` + strings.Repeat("x", 70<<10) + `"}`
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
		want         string
	}{
		{"POST", "/api/sessions", map[string]any{"hidden": []LayerConfig{{1000, "tanh"}}}, 400, "hidden[0].units: 1000, want 1 to 16 (the playground's limit)"},
		{"POST", "/api/sessions", map[string]any{"hidden": slices.Repeat([]LayerConfig{{4, "tanh"}}, 7)}, 400, "hidden: 7 layers, want 0 to 6 (the playground's limit)"},
		{"POST", "/api/sessions", map[string]any{"points": 1000000}, 400, "points: 1000000, want 10 to 2000 (the playground's limit)"},
		{"POST", "/api/sessions", map[string]any{"dataset": "moons"}, 400, `dataset: unknown dataset "moons" (want xor, circles, spirals, blobs, surface, or csv after a table is given)`},
		{"POST", "/api/sessions", map[string]any{"hidden": []LayerConfig{{4, "sigmod"}}}, 400, `hidden[0].activation: unknown activation "sigmod" (want identity, sigmoid, tanh, relu, leaky-relu, softmax)`},
		{"POST", "/api/sessions", map[string]any{"output": "relu"}, 400, "loss: log needs outputs in (0, 1), but the output activation is relu (use sigmoid, or the squared loss)"},
		{"POST", "/api/sessions", map[string]any{"learning_rate": -1}, 400, "learning_rate: -1, want a number in (0, 10]"},
		{"POST", "/api/sessions", map[string]any{"layers": 3}, 400, `request body: json: unknown field "layers"`},
		{"POST", "/api/sessions", big, 413, "request body over 65536 bytes"},
		{"POST", "/api/sessions/" + id + "/train", map[string]int{"steps": 1000000000}, 400, "steps: 1000000000, want 1 to 2000 per request (the playground's limit)"},
		{"POST", "/api/sessions/" + id + "/train", map[string]int{"steps": 0}, 400, "steps: 0, want 1 to 2000 per request (the playground's limit)"},
		{"GET", "/api/sessions/" + id + "?grid=5000", nil, 400, `grid: "5000", want 0 to 100 (the playground's limit)`},
		{"GET", "/api/sessions/" + id + "?neurons=64", nil, 400, `neurons: "64", want 0 to 32 (the playground's limit)`},
		{"PUT", "/api/sessions/" + id + "/config", map[string]any{"batch": 5000}, 400, "batch: 5000, want 1 to 300 (the number of points)"},
		{"POST", "/api/sessions/" + id + "/step", map[string]any{"set": "train", "index": 5000}, 400, "index: 5000, want 0 to 179 (the train set's examples)"},
		{"POST", "/api/sessions/" + id + "/step", map[string]any{"x": []float64{1, 2, 3}, "y": []float64{1}}, 400, "x: 3 values, want 2 (the point x1, x2"},
		{"POST", "/api/sessions/" + id + "/step", map[string]any{"x": []float64{1, 0}, "y": []float64{2}}, 400, "y: y_1 = 2, want a value in [0, 1] (the log loss's targets are probabilities)"},
		{"GET", "/api/sessions/nope", nil, 404, `no session "nope": it expired (after 15m0s unused) or never existed; create one with POST /api/sessions`},
		{"POST", "/api/sessions/nope/train", nil, 404, `no session "nope"`},
		{"GET", "/api/nothing", nil, 404, "no API route GET /api/nothing"},
	} {
		code, body := api(t, s, tc.method, tc.path, tc.body, nil)
		var e apiError
		if err := json.Unmarshal([]byte(body), &e); err != nil || code != tc.status || !strings.HasPrefix(e.Error, tc.want) {
			t.Errorf("%s %s: %d %s\nwant %d and %q", tc.method, tc.path, code, body, tc.status, tc.want)
		}
	}
	if code, body := api(t, s, "POST", "/api/sessions", map[string]any{"hidden": []LayerConfig{{99, "tanh"}}}, nil); !strings.Contains(body, `"field":"hidden[0].units"`) || code != 400 {
		t.Errorf("no field in %s", body)
	}
}

// TestTimeLimit: a train request stops at its time limit, having taken at
// least one step.
func TestTimeLimit(t *testing.T) {
	s := New(Limits{StepTime: time.Nanosecond}, nil)
	st := newSession(t, s, map[string]any{"mode": "batch", "points": 2000, "batch": 100})
	var res trainResult
	api(t, s, "POST", "/api/sessions/"+st.ID+"/train", map[string]int{"steps": 2000}, &res)
	if res.Stopped != "time limit" || res.Steps < 1 || res.Steps >= 2000 {
		t.Errorf("%+v", res)
	}
}

// TestSessionsExpireAndAreBounded.
func TestSessionsExpireAndAreBounded(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s := New(Limits{MaxSessions: 2, IdleTimeout: 10 * time.Minute}, clock)
	a, b := newSession(t, s, nil), newSession(t, s, nil)
	advance(time.Minute)
	api(t, s, "GET", "/api/sessions/"+a.ID, nil, nil) // b is the least recently used
	c := newSession(t, s, nil)                        // in b's place
	if code, body := api(t, s, "GET", "/api/sessions/"+b.ID, nil, nil); code != 404 || !strings.Contains(body, "no session") {
		t.Errorf("b after a third session: %d %s", code, body)
	}
	api(t, s, "DELETE", "/api/sessions/"+c.ID, nil, nil)
	b = newSession(t, s, nil)
	advance(6 * time.Minute)
	if code, _ := api(t, s, "GET", "/api/sessions/"+a.ID, nil, nil); code != 200 { // a is used again
		t.Errorf("a: %d", code)
	}
	advance(6 * time.Minute) // b idle 12 min, a 6
	if code, body := api(t, s, "GET", "/api/sessions/"+b.ID, nil, nil); code != 404 || !strings.Contains(body, "expired") {
		t.Errorf("b after 12 minutes: %d %s", code, body)
	}
	if n := s.Sessions(); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
	newSession(t, s, nil) // b's place is free
	if code, _ := api(t, s, "DELETE", "/api/sessions/"+a.ID, nil, nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if n := s.Sessions(); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
}

// TestPage: the page and its assets are served from the binary.
func TestPage(t *testing.T) {
	s := New(Limits{}, nil)
	for path, want := range map[string]string{
		"/": "<canvas", "/app.js": "/api/sessions", "/style.css": "body",
	} {
		code, body := api(t, s, "GET", path, nil, nil)
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("%s: %d, lacks %q", path, code, want)
		}
	}
	code, body := api(t, s, "GET", "/", nil, nil)
	if code != 200 || strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		t.Error("the page loads something from outside")
	}
}

func TestDatasets(t *testing.T) {
	for _, d := range datasets {
		p, err := generate(d.name, 400, 0.1, 3)
		if err != nil {
			t.Fatal(err)
		}
		ones := 0
		for i, v := range p.X {
			if v < -1 || v > 1 || math.IsNaN(v) {
				t.Fatalf("%s: x[%d] = %v", d.name, i, v)
			}
		}
		for _, y := range p.Y {
			if !d.regression && y != 0 && y != 1 {
				t.Fatalf("%s: target %v", d.name, y)
			}
			if y == 1 {
				ones++
			}
		}
		if !d.regression && (ones < 150 || ones > 250) {
			t.Errorf("%s: %d of 400 in class 1", d.name, ones)
		}
		// Noise does not pile points up on the border of the square.
		heavy, _ := generate(d.name, 400, 0.5, 3)
		border := 0
		for _, v := range heavy.X {
			if math.Abs(v) >= 0.999 {
				border++
			}
		}
		if !d.regression && border > 4 {
			t.Errorf("%s, noise 0.5: %d of 800 coordinates on the border", d.name, border)
		}
		q, _ := generate(d.name, 400, 0.1, 3)
		if !slices.Equal(p.X, q.X) {
			t.Errorf("%s: not reproducible", d.name)
		}
	}
}

// TestConcurrentSessions: tabs train side by side (run with -race).
func TestConcurrentSessions(t *testing.T) {
	s := New(Limits{MaxBusy: 2}, nil)
	var wg sync.WaitGroup
	for k := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := newSession(t, s, map[string]any{"seed": k + 1})
			for range 5 {
				var res trainResult
				if code, body := api(t, s, "POST", "/api/sessions/"+st.ID+"/train", map[string]int{"steps": 20}, &res); code != 200 {
					t.Errorf("train: %d %s", code, body)
					return
				}
				if code, _ := api(t, s, "GET", "/api/sessions/"+st.ID+"?grid=10&neurons=4", nil, nil); code != 200 {
					t.Errorf("state: %d", code)
				}
			}
			s.Sessions()
		}()
	}
	wg.Wait()
	if n := s.Sessions(); n != 4 {
		t.Errorf("%d sessions, want 4", n)
	}
}
