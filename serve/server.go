package serve

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits bound what one client can make the server do. The zero value of a
// field means its default (DefaultLimits).
type Limits struct {
	MaxSessions     int           `json:"max_sessions"` // sessions at once
	IdleTimeout     time.Duration `json:"-"`            // a session unused this long is deleted
	IdleSeconds     float64       `json:"idle_timeout_seconds"`
	MaxHiddenLayers int           `json:"max_hidden_layers"`
	MaxUnits        int           `json:"max_units"`  // neurons per hidden layer
	MaxPoints       int           `json:"max_points"` // examples of a dataset, train and test
	MaxSteps        int           `json:"max_steps"`  // optimisation steps per train request
	StepTime        time.Duration `json:"-"`          // wall time per train request
	StepMillis      float64       `json:"max_train_milliseconds"`
	MaxGrid         int           `json:"max_grid"`            // cells per side of the output map
	MaxNeuronGrid   int           `json:"max_neuron_grid"`     // cells per side of a neuron's map
	MaxBody         int64         `json:"max_body_bytes"`      // of a request
	MaxBusy         int           `json:"max_concurrent_work"` // train/state requests computing at once
}

// DefaultLimits are the limits of `backprop serve`.
func DefaultLimits() Limits {
	return Limits{
		MaxSessions: 64, IdleTimeout: 15 * time.Minute,
		MaxHiddenLayers: 6, MaxUnits: 16, MaxPoints: 2000,
		MaxSteps: 2000, StepTime: 300 * time.Millisecond,
		MaxGrid: 100, MaxNeuronGrid: 32, MaxBody: 64 << 10,
		MaxBusy: runtime.GOMAXPROCS(0),
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.MaxSessions, d.MaxSessions)
	set(&l.MaxHiddenLayers, d.MaxHiddenLayers)
	set(&l.MaxUnits, d.MaxUnits)
	set(&l.MaxPoints, d.MaxPoints)
	set(&l.MaxSteps, d.MaxSteps)
	set(&l.MaxGrid, d.MaxGrid)
	set(&l.MaxNeuronGrid, d.MaxNeuronGrid)
	set(&l.MaxBusy, d.MaxBusy)
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	if l.StepTime <= 0 {
		l.StepTime = d.StepTime
	}
	if l.MaxBody <= 0 {
		l.MaxBody = d.MaxBody
	}
	l.IdleSeconds, l.StepMillis = l.IdleTimeout.Seconds(), float64(l.StepTime.Milliseconds())
	return l
}

// Server is the playground: the page and its JSON API. It holds one session
// per browser tab, each deleted after Limits.IdleTimeout without a request.
type Server struct {
	lim Limits
	now func() time.Time
	mux *http.ServeMux

	mu       sync.Mutex
	sessions map[string]*session
	sweeper  *time.Timer   // deletes expired sessions while there are any; nil when stopped
	busy     chan struct{} // a slot per computing request
}

// New returns a playground server with the given limits (zero fields take
// their defaults). now is the clock for expiry; nil means time.Now.
func New(lim Limits, now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	s := &Server{lim: lim.withDefaults(), now: now, sessions: map[string]*session{}}
	s.busy = make(chan struct{}, s.lim.MaxBusy)
	sub, _ := fs.Sub(static, "static")
	mux := http.NewServeMux()
	files := http.FileServerFS(sub)
	mux.HandleFunc("GET /api/limits", func(w http.ResponseWriter, r *http.Request) { reply(w, http.StatusOK, s.lim) })
	mux.HandleFunc("POST /api/sessions", s.create)
	mux.HandleFunc("GET /api/sessions/{id}", s.with(s.getState))
	mux.HandleFunc("PUT /api/sessions/{id}/config", s.with(s.putConfig))
	mux.HandleFunc("POST /api/sessions/{id}/reset", s.with(s.postReset))
	mux.HandleFunc("POST /api/sessions/{id}/train", s.with(s.postTrain))
	mux.HandleFunc("POST /api/sessions/{id}/step", s.with(s.postStep))
	mux.HandleFunc("POST /api/sessions/{id}/article", s.with(s.postArticle))
	mux.HandleFunc("PUT /api/sessions/{id}/weight", s.with(s.putWeight))
	mux.HandleFunc("DELETE /api/sessions/{id}", s.remove)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/"):
			fail(w, http.StatusNotFound, fmt.Errorf("no API route %s %s (see the package doc of serve for the routes)", r.Method, r.URL.Path))
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			files.ServeHTTP(w, r)
		default:
			w.Header().Set("Allow", "GET, HEAD")
			fail(w, http.StatusMethodNotAllowed, fmt.Errorf("%s %s: the page is read with GET", r.Method, r.URL.Path))
		}
	})
	s.mux = mux
	return s
}

// CSP is the Content-Security-Policy of every answer: the page loads only
// its own files (the WebAssembly engine among them), shows only its own
// images and data: URLs, and may not be framed.
const CSP = "default-src 'self'; img-src 'self' data:; script-src 'self' 'wasm-unsafe-eval'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// ServeHTTP serves the page and the API. The API answers only requests
// addressed to this machine by an IP address or localhost (a page on a
// domain that rebinds its name to 127.0.0.1 is refused), and changes
// sessions only for requests with a JSON body type (which a page on another
// origin cannot send without the browser asking first) and without a
// foreign Origin.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		h.Set("Cache-Control", "no-store")
		if status, err := guard(r); err != nil {
			fail(w, status, err)
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// guard refuses API requests that a page of another site could make: a
// Host that is a name other than localhost (DNS rebinding), and writes
// whose Content-Type is not application/json or whose Origin is not the
// server's own.
func guard(r *http.Request) (int, error) {
	if !localHost(r.Host) {
		return http.StatusForbidden, fmt.Errorf("Host %q: the API answers requests addressed to an IP address or localhost only", r.Host)
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return 0, nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return http.StatusUnsupportedMediaType, fmt.Errorf("Content-Type %q: API writes take application/json", r.Header.Get("Content-Type"))
	}
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host && o != "https://"+r.Host {
		return http.StatusForbidden, fmt.Errorf("Origin %q: the API takes writes from its own page (%s) only", o, "http://"+r.Host)
	}
	return 0, nil
}

// localHost reports whether host (of a Host header, with or without a
// port) is an IP address or localhost: names a DNS rebinding cannot use.
func localHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	_, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return err == nil
}

// AddrWarning returns a warning for listening on addr when it is not a
// loopback address (the playground then answers anyone who can reach the
// machine), or "" for a loopback address.
func AddrWarning(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if ok && tcp.IP.IsLoopback() {
		return ""
	}
	return fmt.Sprintf("warning: %s is not a loopback address: anyone who can reach this machine can use the playground and its CPU (bind 127.0.0.1 to keep it to yourself)", addr)
}

// Sessions returns the number of live sessions (after deleting the expired).
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	return len(s.sessions)
}

// sweep deletes the sessions idle for longer than the limit; s.mu is held.
func (s *Server) sweep() {
	now := s.now()
	for id, ss := range s.sessions {
		if now.Sub(time.Unix(0, ss.last.Load())) > s.lim.IdleTimeout {
			delete(s.sessions, id)
		}
	}
}

// sweepEvery is how often the timer deletes expired sessions: a quarter of
// the idle timeout, at most a minute.
func (s *Server) sweepEvery() time.Duration { return min(s.lim.IdleTimeout/4, time.Minute) }

// startSweeper runs the sweeper while there are sessions (so an idle
// server holds no timer); s.mu is held.
func (s *Server) startSweeper() {
	if s.sweeper != nil {
		return
	}
	s.sweeper = time.AfterFunc(s.sweepEvery(), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.sweep()
		if len(s.sessions) == 0 {
			s.sweeper = nil
			return
		}
		s.sweeper.Reset(s.sweepEvery())
	})
}

// evict deletes the least recently used session not in use, to make room
// for a new one; it reports whether it found one. s.mu is held.
func (s *Server) evict() bool {
	var oldest *session
	for _, ss := range s.sessions {
		if oldest == nil || ss.last.Load() < oldest.last.Load() {
			if ss.mu.TryLock() { // not computing right now
				ss.mu.Unlock()
				oldest = ss
			}
		}
	}
	if oldest == nil {
		return false
	}
	delete(s.sessions, oldest.id)
	return true
}

// apiError is the body of every error answer: {"error": "...", "field": "..."}.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func reply(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		status = http.StatusInternalServerError
		b.Reset()
		json.NewEncoder(&b).Encode(apiError{Error: "encoding the answer: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func fail(w http.ResponseWriter, status int, err error) {
	e := apiError{Error: err.Error()}
	var fe *fieldError
	if errors.As(err, &fe) {
		e.Field = fe.field
	}
	reply(w, status, e)
}

// readBody reads a request body of at most MaxBody bytes: 413 only when it
// is longer, 400 when reading it fails otherwise.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.lim.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body over %d bytes", s.lim.MaxBody)
		}
		return nil, http.StatusBadRequest, fmt.Errorf("reading the request body: %w", err)
	}
	return body, 0, nil
}

// decodeJSON decodes body, one JSON object and nothing after it, into v (a
// pointer to a struct): no unknown fields, and null only for the optional
// fields (pointers); any other field is given a value or left out.
func decodeJSON(body []byte, v any) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	t := reflect.TypeOf(v).Elem()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if m, ok := raw[name]; ok && f.Type.Kind() != reflect.Pointer && string(bytes.TrimSpace(m)) == "null" {
			return bad(name, "null: give a value, or leave the field out")
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("request body: data after the JSON object")
	}
	return nil
}

// decode reads a JSON body (at most MaxBody bytes, no unknown fields, no
// nulls, nothing after it) into v; an empty body leaves v as it is.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) (status int, err error) {
	body, status, err := s.readBody(w, r)
	if err != nil {
		return status, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return 0, nil
	}
	if err := decodeJSON(body, v); err != nil {
		return http.StatusBadRequest, err
	}
	return 0, nil
}

// newID returns a random session id of 32 hex digits.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// create handles POST /api/sessions: a new session, configured by the body
// (fields left out take DefaultConfig's values). Answers 201 with the state.
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	cfg, status, err := s.readConfig(w, r, DefaultConfig())
	if err != nil {
		fail(w, status, err)
		return
	}
	if err := cfg.check(s.lim); err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	ss := &session{id: newID()}
	ss.last.Store(s.now().UnixNano())
	if err := ss.configure(cfg); err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	s.mu.Lock()
	s.sweep()
	if len(s.sessions) >= s.lim.MaxSessions && !s.evict() {
		s.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		fail(w, http.StatusServiceUnavailable, fmt.Errorf("too many sessions (%d, the limit), all computing right now: try again", s.lim.MaxSessions))
		return
	}
	s.sessions[ss.id] = ss
	s.startSweeper()
	s.mu.Unlock()
	if !s.acquire(w, r) {
		return
	}
	defer s.release()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	st, err := s.stateOf(ss, r)
	if err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	reply(w, http.StatusCreated, st)
}

// remove handles DELETE /api/sessions/{id}.
func (s *Server) remove(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	_, ok := s.sessions[r.PathValue("id")]
	delete(s.sessions, r.PathValue("id"))
	s.mu.Unlock()
	if !ok {
		fail(w, http.StatusNotFound, s.noSession(r.PathValue("id")))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) noSession(id string) error {
	return fmt.Errorf("no session %q: it expired (after %v unused) or never existed; create one with POST /api/sessions", id, s.lim.IdleTimeout)
}

// with looks up the session of the path, locks it, marks it used and calls h.
func (s *Server) with(h func(w http.ResponseWriter, r *http.Request, ss *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.sweep()
		ss := s.sessions[r.PathValue("id")]
		s.mu.Unlock()
		if ss == nil {
			fail(w, http.StatusNotFound, s.noSession(r.PathValue("id")))
			return
		}
		ss.last.Store(s.now().UnixNano())
		if !s.acquire(w, r) {
			return
		}
		defer s.release()
		ss.mu.Lock()
		defer ss.mu.Unlock()
		h(w, r, ss)
	}
}

// acquire takes a work slot, waiting at most 5 s; on failure it has answered.
func (s *Server) acquire(w http.ResponseWriter, r *http.Request) bool {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	select {
	case s.busy <- struct{}{}:
		return true
	case <-ctx.Done():
		w.Header().Set("Retry-After", "1")
		fail(w, http.StatusServiceUnavailable, errors.New("the server is busy training other sessions: try again"))
		return false
	}
}

func (s *Server) release() { <-s.busy }

// stateOf reads the query of a state request: grid (the output map's cells
// per side, default 0), neurons (each neuron's map, default 0) and data=1
// (the points).
func (s *Server) stateOf(ss *session, r *http.Request) (state, error) {
	q := r.URL.Query()
	num := func(name string, limit int) (int, error) {
		v := q.Get(name)
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > limit {
			return 0, bad(name, "%q, want 0 to %d (the playground's limit)", v, limit)
		}
		return n, nil
	}
	res, err := num("grid", s.lim.MaxGrid)
	if err != nil {
		return state{}, err
	}
	nres, err := num("neurons", s.lim.MaxNeuronGrid)
	if err != nil {
		return state{}, err
	}
	data := q.Get("data") == "1" || q.Get("data") == "true"
	return ss.state(res, nres, data, s.lim, s.lim.IdleTimeout), nil
}

// getState handles GET /api/sessions/{id}?grid=50&neurons=16&data=1.
func (s *Server) getState(w http.ResponseWriter, r *http.Request, ss *session) {
	st, err := s.stateOf(ss, r)
	if err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	reply(w, http.StatusOK, st)
}

// readConfig reads a Config from the body: the fields given replace base's.
// When the dataset changes between classification and regression and the
// body gives no output or loss, these follow the task; when the network's
// fields change and no preset is given, the preset is cleared.
func (s *Server) readConfig(w http.ResponseWriter, r *http.Request, base Config) (Config, int, error) {
	body, status, err := s.readBody(w, r)
	if err != nil {
		return base, status, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return base, 0, nil
	}
	cfg := base
	cfg.Hidden = append([]LayerConfig(nil), base.Hidden...)
	if err := decodeJSON(body, &cfg); err != nil {
		return base, http.StatusBadRequest, err
	}
	if cfg.Hidden == nil {
		cfg.Hidden = []LayerConfig{} // no hidden layer: [], never null
	}
	var raw map[string]json.RawMessage
	json.Unmarshal(body, &raw) // decodeJSON read it
	wasReg, _ := isRegression(base.Dataset)
	if isReg, ok := isRegression(cfg.Dataset); ok && isReg != wasReg {
		_, hasOut := raw["output"]
		_, hasLoss := raw["loss"]
		if !hasOut && !hasLoss {
			cfg.Output, cfg.Loss = "sigmoid", "log"
			if isReg {
				cfg.Output, cfg.Loss = "identity", "squared"
			}
		}
	}
	if _, ok := raw["preset"]; !ok && cfg.netKey() != base.netKey() {
		cfg.Preset = "" // the network was changed by hand
	}
	return cfg, 0, nil
}

// putConfig handles PUT /api/sessions/{id}/config: the fields given replace
// the session's; the data and the network are rebuilt when theirs change.
// When the dataset changes between classification and regression and the
// body gives no output or loss, these follow the task. Answers the state as
// GET does with the same query.
//
// PUT .../config?seq=n numbers the change: a change numbered at most the
// number of one already applied is refused (409), so that of two changes
// in flight the later one wins whatever order they arrive in.
func (s *Server) putConfig(w http.ResponseWriter, r *http.Request, ss *session) {
	var seq int64
	if v := r.URL.Query().Get("seq"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			fail(w, http.StatusBadRequest, bad("seq", "%q, want a positive integer", v))
			return
		}
		if n <= ss.seq {
			fail(w, http.StatusConflict, bad("seq", "%d: change %d, a later one, has been applied already", n, ss.seq))
			return
		}
		seq = n
	}
	cfg, status, err := s.readConfig(w, r, ss.cfg)
	if err != nil {
		fail(w, status, err)
		return
	}
	if err := cfg.check(s.lim); err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	if err := ss.configure(cfg); err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	ss.seq = max(ss.seq, seq)
	s.getState(w, r, ss)
}

// postReset handles POST /api/sessions/{id}/reset {"seed": n}: new initial
// weights (from seed, default the configuration's), progress cleared.
func (s *Server) postReset(w http.ResponseWriter, r *http.Request, ss *session) {
	req := struct {
		Seed *uint64 `json:"seed"`
	}{}
	if status, err := s.decode(w, r, &req); err != nil {
		fail(w, status, err)
		return
	}
	seed := ss.cfg.Seed
	if req.Seed != nil {
		seed = *req.Seed
	}
	if err := ss.reset(seed); err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	s.getState(w, r, ss)
}

// postTrain handles POST /api/sessions/{id}/train {"steps": n}: up to n
// optimisation steps (1 to MaxSteps), stopped after StepTime.
func (s *Server) postTrain(w http.ResponseWriter, r *http.Request, ss *session) {
	req := struct {
		Steps int `json:"steps"`
	}{Steps: 1}
	if status, err := s.decode(w, r, &req); err != nil {
		fail(w, status, err)
		return
	}
	if req.Steps < 1 || req.Steps > s.lim.MaxSteps {
		fail(w, http.StatusBadRequest, bad("steps", "%d, want 1 to %d per request (the playground's limit)", req.Steps, s.lim.MaxSteps))
		return
	}
	reply(w, http.StatusOK, ss.trainSteps(req.Steps, time.Now().Add(s.lim.StepTime)))
}

// postStep handles POST /api/sessions/{id}/step: one plain gradient step on
// one example, every number of it (explain.Step).
func (s *Server) postStep(w http.ResponseWriter, r *http.Request, ss *session) {
	var req stepRequest
	if status, err := s.decode(w, r, &req); err != nil {
		fail(w, status, err)
		return
	}
	res, err := ss.step(req)
	if err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	// The answer is encoded before the step is kept: a step whose numbers
	// cannot be written changes nothing.
	apply := req.Apply == nil || *req.Apply
	res.Applied = apply
	body, err := json.Marshal(res)
	if err != nil {
		fail(w, http.StatusBadRequest, bad("x", "the step's numbers are out of range (%v): its values or the network's weights are too large", err))
		return
	}
	if apply {
		ss.apply(res.Trace)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(append(body, '\n'))
}

// putWeight handles PUT /api/sessions/{id}/weight {"layer": l, "i": i,
// "j": j, "value": v}: sets w^l_ij (i 1-based in layer l, j 1-based in
// layer l-1, 0 for the bias) to v. Answers the state as GET does.
func (s *Server) putWeight(w http.ResponseWriter, r *http.Request, ss *session) {
	var req struct {
		Layer int     `json:"layer"`
		I     int     `json:"i"`
		J     int     `json:"j"`
		Value float64 `json:"value"`
	}
	if status, err := s.decode(w, r, &req); err != nil {
		fail(w, status, err)
		return
	}
	if err := ss.setWeight(req.Layer, req.I, req.J, req.Value); err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	s.getState(w, r, ss)
}

// postArticle handles POST /api/sessions/{id}/article: the session takes the
// network of the worked example (docs/notation.md); the answer is the state and the
// example to step on, {"state": ..., "example": {"x": [1, 0], "y": [1],
// "alpha": 0.5}}.
func (s *Server) postArticle(w http.ResponseWriter, r *http.Request, ss *session) {
	if err := ss.loadArticle(); err != nil {
		fail(w, http.StatusInternalServerError, err)
		return
	}
	st, err := s.stateOf(ss, r)
	if err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	reply(w, http.StatusOK, map[string]any{
		"state":   st,
		"example": map[string]any{"x": []float64{1, 0}, "y": []float64{1}, "alpha": 0.5},
	})
}
