package serve

import (
	"encoding/json"
	"errors"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// snapshot is what a failing request must leave as it was: the session's
// configuration, progress, data and every weight.
func snapshot(ss *session) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	b, _ := json.Marshal(struct {
		Cfg            Config
		Steps          int
		TrainX, TrainY []float64
		W              [][]float64
		History        []historyPoint
	}{ss.cfg, ss.steps, ss.trainSet.X, ss.trainSet.Y, weightsOf(ss), ss.history})
	return string(b)
}

func weightsOf(ss *session) [][]float64 {
	var w [][]float64
	for _, lay := range ss.net.Layers {
		w = append(w, slices.Clone(lay.W), slices.Clone(lay.B))
	}
	return w
}

// TestOutOfRangeChangesNothing: values out of range, or a step whose numbers
// overflow, are a 400 naming the field, and no failing request changes the
// session.
func TestOutOfRangeChangesNothing(t *testing.T) {
	s := New(Limits{}, nil)
	reg := newSession(t, s, map[string]any{"dataset": "surface"})
	cls := newSession(t, s, nil)
	api(t, s, "POST", "/api/sessions/"+reg.ID+"/train", map[string]int{"steps": 5}, nil)
	for _, tc := range []struct {
		id, method, path string
		body             any
		field            string
	}{
		{reg.ID, "POST", "/step", `{"x":[0.1,0.2],"y":[1e200]}`, "y[0]"},
		{reg.ID, "POST", "/step", `{"x":[1e308,1e308],"y":[0.5]}`, "x[0]"},
		{cls.ID, "POST", "/step", `{"x":[0.1,-1e308],"y":[1]}`, "x[1]"},
		{reg.ID, "POST", "/step", `{"x":[1000,1000],"y":[1000],"alpha":10}`, ""}, // in range; checked below whether it overflows
		{reg.ID, "POST", "/step", `{"x":[0.1,0.2],"y":[0.5],"alpha":1e300}`, "alpha"},
		{reg.ID, "PUT", "/config", `{"noise":1e308}`, "noise"},
		{reg.ID, "PUT", "/config", `{"l1":-0.001}`, "l1"},
		{reg.ID, "PUT", "/config", `{"l1":1e308}`, "l1"},
		{reg.ID, "PUT", "/config", `{"learning_rate":1e400}`, ""},
		{reg.ID, "PUT", "/config", `{"hidden":null}`, "hidden"},
		{reg.ID, "PUT", "/config", `{"dataset":"xor","hidden":[{"units":99,"activation":"tanh"}]}`, "hidden[0].units"},
		{reg.ID, "PUT", "/config", `{"dataset":"xor"} {"dataset":"circles"}`, ""},
		{reg.ID, "PUT", "/config", `{"dataset":"xor"}garbage`, ""},
		{reg.ID, "POST", "/train", `{"steps":5}{}`, ""},
		{reg.ID, "POST", "/reset", `{"seed":-1}`, ""},
	} {
		before := snapshot(s.sessions[tc.id])
		code, body := api(t, s, tc.method, "/api/sessions/"+tc.id+tc.path, tc.body, nil)
		after := snapshot(s.sessions[tc.id])
		if code == 200 {
			// the one in range: its step answers only finite numbers
			if strings.Contains(body, "Inf") || strings.Contains(body, "NaN") {
				t.Errorf("%s %s: 200 with non-finite numbers", tc.path, tc.body)
			}
			continue
		}
		var e apiError
		json.Unmarshal([]byte(body), &e)
		if code != 400 || (tc.field != "" && e.Field != tc.field) {
			t.Errorf("%s %v: %d %s; want 400 naming %q", tc.path, tc.body, code, body, tc.field)
		}
		if before != after {
			t.Errorf("%s %v failed (%d) but changed the session", tc.path, tc.body, code)
		}
	}
	// A step whose weights overflow float64 is refused and not applied.
	ss := s.sessions[reg.ID]
	for _, lay := range ss.net.Layers {
		for k := range lay.W {
			lay.W[k] = 1e300
		}
	}
	before := snapshot(ss)
	code, body := api(t, s, "POST", "/api/sessions/"+reg.ID+"/step", `{"x":[1,1],"y":[1],"alpha":10}`, nil)
	if code != 400 || snapshot(ss) != before {
		t.Errorf("overflowing step: %d %s; changed: %v", code, body, snapshot(ss) != before)
	}
}

// TestEvictsLeastRecentlyUsed: when every slot is taken a new session
// takes the place of the least recently used one, not a 503.
func TestEvictsLeastRecentlyUsed(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(time.Second); return now }
	s := New(Limits{MaxSessions: 3}, clock)
	ids := []string{newSession(t, s, nil).ID, newSession(t, s, nil).ID, newSession(t, s, nil).ID}
	api(t, s, "GET", "/api/sessions/"+ids[0], nil, nil) // ids[1] is now the least recently used
	for range 64 {
		newSession(t, s, nil)
		if code, _ := api(t, s, "GET", "/api/sessions/"+ids[0], nil, nil); code != 200 {
			t.Fatal("a session in use was evicted")
		}
	}
	if code, _ := api(t, s, "GET", "/api/sessions/"+ids[1], nil, nil); code != 404 {
		t.Error("the least recently used session is still there")
	}
	if n := s.Sessions(); n != 3 {
		t.Errorf("%d sessions, want 3", n)
	}
}

// TestRefusesForeignWrites: API writes need Content-Type application/json
// and the server's own Origin (if any); the API needs a Host that is an IP
// address or localhost (a rebound DNS name is refused).
func TestRefusesForeignWrites(t *testing.T) {
	s := New(Limits{}, nil)
	st := newSession(t, s, nil)
	for _, tc := range []struct {
		method, path, host, ctype, origin string
		status                            int
	}{
		{"POST", "/api/sessions", "127.0.0.1:8080", "text/plain", "", 415},
		{"POST", "/api/sessions", "127.0.0.1:8080", "", "", 415},
		{"POST", "/api/sessions", "127.0.0.1:8080", "application/x-www-form-urlencoded", "", 415},
		{"POST", "/api/sessions", "127.0.0.1:8080", "application/json", "http://evil.example", 403},
		{"POST", "/api/sessions", "127.0.0.1:8080", "application/json", "null", 403},
		{"DELETE", "/api/sessions/" + st.ID, "127.0.0.1:8080", "application/json", "http://127.0.0.1:9999", 403},
		{"PUT", "/api/sessions/" + st.ID + "/config", "evil.example:8080", "application/json", "http://evil.example:8080", 403},
		{"GET", "/api/sessions/" + st.ID, "rebind.evil.example:8080", "", "", 403},
		{"POST", "/api/sessions", "127.0.0.1:8080", "application/json", "http://127.0.0.1:8080", 201},
		{"POST", "/api/sessions", "localhost:8080", "application/json; charset=utf-8", "http://localhost:8080", 201},
		{"POST", "/api/sessions", "[::1]:8080", "application/json", "", 201},
		{"GET", "/api/sessions/" + st.ID, "localhost:8080", "", "", 200},
	} {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader("{}"))
		req.Host = tc.host
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s %s Host %s, Content-Type %q, Origin %q: %d %s, want %d", tc.method, tc.path, tc.host, tc.ctype, tc.origin, rec.Code, rec.Body, tc.status)
		}
	}
	if n := s.Sessions(); n != 4 {
		t.Errorf("%d sessions, want 4 (1 + 3 allowed)", n)
	}
}

// TestConfigSequence: of two numbered changes, the later wins in whatever
// order they arrive.
func TestConfigSequence(t *testing.T) {
	s := New(Limits{}, nil)
	st := newSession(t, s, nil)
	path := "/api/sessions/" + st.ID + "/config?seq="
	var got state
	if code, body := api(t, s, "PUT", path+"2", map[string]string{"dataset": "spirals"}, &got); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	code, body := api(t, s, "PUT", path+"1", map[string]string{"dataset": "circles"}, nil) // sent first, arrived late
	if code != http.StatusConflict || !strings.Contains(body, `"field":"seq"`) {
		t.Errorf("an earlier change: %d %s", code, body)
	}
	api(t, s, "GET", "/api/sessions/"+st.ID, nil, &got)
	if got.Config.Dataset != "spirals" {
		t.Errorf("dataset %s, want spirals", got.Config.Dataset)
	}
	if code, _ := api(t, s, "PUT", path+"3", map[string]string{"dataset": "xor"}, &got); code != 200 || got.Config.Dataset != "xor" {
		t.Errorf("a later change: %d %s", code, got.Config.Dataset)
	}
	if code, _ := api(t, s, "PUT", path+"x", map[string]string{"dataset": "xor"}, nil); code != 400 {
		t.Errorf("seq=x: %d", code)
	}
}

// TestSecurityHeaders: every answer carries a strict CSP, no framing, no
// referrer.
func TestSecurityHeaders(t *testing.T) {
	s := New(Limits{}, nil)
	for _, path := range []string{"/", "/app.js", "/api/limits"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Host = "127.0.0.1:8080"
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "img-src 'self' data:", "script-src 'self' 'wasm-unsafe-eval'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// TestBodyReadError: a body that cannot be read is a 400 that says so; 413
// is for bodies over the limit only.
func TestBodyReadError(t *testing.T) {
	s := New(Limits{}, nil)
	st := newSession(t, s, nil)
	for _, path := range []string{"/api/sessions", "/api/sessions/" + st.ID + "/config", "/api/sessions/" + st.ID + "/train"} {
		method := "POST"
		if strings.HasSuffix(path, "/config") {
			method = "PUT"
		}
		req := httptest.NewRequest(method, path, failingReader{})
		req.Host = "127.0.0.1:8080"
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "connection reset") {
			t.Errorf("%s: %d %s, want 400 reading the request body", path, rec.Code, rec.Body)
		}
	}
}

// TestSweptByTimer: expired sessions are deleted by a timer, without a
// request arriving.
func TestSweptByTimer(t *testing.T) {
	s := New(Limits{IdleTimeout: 40 * time.Millisecond}, nil)
	newSession(t, s, nil)
	newSession(t, s, nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock() // not s.Sessions(), which sweeps itself
		n, timer := len(s.sessions), s.sweeper
		s.mu.Unlock()
		if n == 0 && timer == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions after 5 s (timer %v)", n, timer != nil)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestNullsAndTrailingData: a field given as null, and data after the JSON
// object, are refused by every endpoint that reads a body.
func TestNullsAndTrailingData(t *testing.T) {
	s := New(Limits{}, nil)
	st := newSession(t, s, nil)
	id := st.ID
	for _, tc := range []struct{ method, path, body, want string }{
		{"POST", "/api/sessions", `{"hidden": null}`, "hidden: null"},
		{"PUT", "/api/sessions/" + id + "/config", `{"hidden": null}`, "hidden: null"},
		{"PUT", "/api/sessions/" + id + "/config", `{"dataset": null}`, "dataset: null"},
		{"POST", "/api/sessions/" + id + "/train", `{"steps": null}`, "steps: null"},
		{"POST", "/api/sessions", `{"points": 100} x`, "after top-level value"},
		{"PUT", "/api/sessions/" + id + "/config", `{"points": 100}{}`, "after top-level value"},
		{"POST", "/api/sessions/" + id + "/train", `{"steps": 1} 2`, "after top-level value"},
		{"POST", "/api/sessions/" + id + "/step", `{"set":"train","index":0}]`, "after top-level value"},
		{"POST", "/api/sessions/" + id + "/reset", `{"seed": 1}{"seed": 2}`, "after top-level value"},
	} {
		code, body := api(t, s, tc.method, tc.path, tc.body, nil)
		if code != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s %s: %d %s, want 400 %q", tc.method, tc.path, tc.body, code, body, tc.want)
		}
	}
	var got state
	api(t, s, "GET", "/api/sessions/"+id, nil, &got)
	if got.Steps != 0 || got.Config.Points != 300 || len(got.Config.Hidden) != 2 {
		t.Errorf("a refused request changed the session: %+v", got.Config)
	}
}

func TestAddrWarning(t *testing.T) {
	for _, tc := range []struct {
		addr string
		warn bool
	}{{"127.0.0.1:8080", false}, {"[::1]:8080", false}, {"0.0.0.0:8080", true}, {"[::]:80", true}, {"192.168.1.4:8080", true}} {
		a, err := net.ResolveTCPAddr("tcp", tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		if w := AddrWarning(a); (w != "") != tc.warn || (tc.warn && !strings.Contains(w, "not a loopback address")) {
			t.Errorf("%s: %q", tc.addr, w)
		}
	}
	_ = math.Inf
}

// TestSetWeight: a weight set by hand is the network's; what it cannot be
// is refused, naming the field, and changes nothing.
func TestSetWeight(t *testing.T) {
	s := New(Limits{}, nil)
	st := newSession(t, s, map[string]any{"preset": "article"})
	ss := s.sessions[st.ID]
	path := "/api/sessions/" + st.ID + "/weight"
	var got state
	if code, body := api(t, s, "PUT", path, map[string]any{"layer": 2, "i": 1, "j": 2, "value": -0.25}, &got); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if w := ss.net.Layer(2).W[1]; w != -0.25 || got.Network.Layers[1].Weights[0][1] != -0.25 {
		t.Errorf("w2_12 = %v", w)
	}
	if code, _ := api(t, s, "PUT", path, map[string]any{"layer": 1, "i": 3, "j": 0, "value": 2}, nil); code != 200 || ss.net.Layer(1).B[2] != 2 {
		t.Errorf("bias w1_30: %d, %v", code, ss.net.Layer(1).B[2])
	}
	before := snapshot(ss)
	for _, tc := range []struct {
		body  string
		field string
	}{
		{`{"layer": 4, "i": 1, "j": 1, "value": 1}`, "layer"},
		{`{"layer": 1, "i": 4, "j": 1, "value": 1}`, "i"},
		{`{"layer": 1, "i": 1, "j": 3, "value": 1}`, "j"},
		{`{"layer": 1, "i": 1, "j": 2, "value": 1}`, "j"}, // w1_12 is absent in the worked example
		{`{"layer": 1, "i": 1, "j": 1, "value": 1e300}`, "value"},
		{`{"layer": 1, "i": 1, "j": 1, "value": null}`, "value"},
	} {
		code, body := api(t, s, "PUT", path, tc.body, nil)
		var e apiError
		json.Unmarshal([]byte(body), &e)
		if code != 400 || e.Field != tc.field {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.body, code, body, tc.field)
		}
	}
	if snapshot(ss) != before {
		t.Error("a refused weight changed the session")
	}
}
