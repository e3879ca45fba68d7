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
	"net/url"
	"reflect"
	"runtime"
	"slices"
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
	MaxClasses      int           `json:"max_classes"`         // classes of a table's target
	MaxInputs       int           `json:"max_inputs"`          // the network's inputs from a table
}

// DefaultLimits are the limits of `backprop serve`.
func DefaultLimits() Limits {
	return Limits{
		MaxSessions: 64, IdleTimeout: 15 * time.Minute,
		MaxHiddenLayers: 6, MaxUnits: 16, MaxPoints: 2000,
		MaxSteps: 2000, StepTime: 300 * time.Millisecond,
		MaxGrid: 100, MaxNeuronGrid: 32, MaxBody: 64 << 10,
		MaxBusy: runtime.GOMAXPROCS(0), MaxClasses: 10, MaxInputs: 32,
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
	set(&l.MaxClasses, d.MaxClasses)
	set(&l.MaxInputs, d.MaxInputs)
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
	return s
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

// request is an API request, from the network (ServeHTTP) or not (Call):
// the session id of its path, its query and its body (or why the body
// could not be read).
type request struct {
	ctx        context.Context
	method     string
	path       string
	id         string
	query      url.Values
	body       []byte
	bodyStatus int
	bodyErr    error
}

// out is the answer to a request: a status, headers and a JSON body.
type out struct {
	status int
	header [][2]string
	body   []byte
}

func (w *out) set(name, value string) { w.header = append(w.header, [2]string{name, value}) }

// The HTTP statuses the API answers.
const (
	statusOK                    = 200
	statusCreated               = 201
	statusNoContent             = 204
	statusBadRequest            = 400
	statusForbidden             = 403
	statusNotFound              = 404
	statusMethodNotAllowed      = 405
	statusConflict              = 409
	statusRequestEntityTooLarge = 413
	statusUnsupportedMediaType  = 415
	statusInternalServerError   = 500
	statusServiceUnavailable    = 503
)

// route answers an API request (r.path begins /api/).
func (s *Server) route(r *request) *out {
	w := &out{}
	rest, isSession := strings.CutPrefix(r.path, "/api/sessions/")
	var h func(w *out, r *request)
	allow := ""
	switch {
	case r.path == "/api/limits":
		allow = "GET"
		h = func(w *out, r *request) { reply(w, statusOK, s.lim) }
	case r.path == "/api/sessions":
		allow, h = "POST", s.create
	case isSession && rest != "":
		id, action, _ := strings.Cut(rest, "/")
		r.id = id
		m := map[string]map[string]func(w *out, r *request){
			"":        {"GET": s.with(s.getState), "DELETE": s.remove},
			"config":  {"PUT": s.with(s.putConfig)},
			"reset":   {"POST": s.with(s.postReset)},
			"train":   {"POST": s.with(s.postTrain)},
			"step":    {"POST": s.with(s.postStep)},
			"article": {"POST": s.with(s.postArticle)},
			"weight":  {"PUT": s.with(s.putWeight)},
			"table":   {"POST": s.with(s.postTable)},
			"model":   {"GET": s.with(s.getModel)},
		}[action]
		if m != nil && !strings.Contains(action, "/") {
			if h = m[r.method]; h == nil {
				var methods []string
				for k := range m {
					methods = append(methods, k)
				}
				slices.Sort(methods)
				allow = strings.Join(methods, ", ")
			}
		}
	}
	switch {
	case h != nil && (allow == "" || allow == r.method):
		h(w, r)
	case allow != "":
		w.set("Allow", allow)
		fail(w, statusMethodNotAllowed, fmt.Errorf("%s %s: want %s", r.method, r.path, allow))
	default:
		fail(w, statusNotFound, fmt.Errorf("no API route %s %s (see the package doc of serve for the routes)", r.method, r.path))
	}
	if w.status == 0 {
		fail(w, statusInternalServerError, fmt.Errorf("%s %s: no answer", r.method, r.path))
	}
	return w
}

// apiError is the body of every error answer: {"error": "...", "field": "..."}.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func reply(w *out, status int, v any) {
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		status = statusInternalServerError
		b.Reset()
		json.NewEncoder(&b).Encode(apiError{Error: "encoding the answer: " + err.Error()})
	}
	w.status, w.body = status, b.Bytes()
}

func fail(w *out, status int, err error) {
	e := apiError{Error: err.Error()}
	var fe *fieldError
	if errors.As(err, &fe) {
		e.Field = fe.field
	}
	reply(w, status, e)
}

// readBody returns the request's body, or why it could not be read: 413
// only when it is over MaxBody bytes, 400 when reading it failed otherwise.
func (s *Server) readBody(_ *out, r *request) ([]byte, int, error) {
	return r.body, r.bodyStatus, r.bodyErr
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
func (s *Server) decode(w *out, r *request, v any) (status int, err error) {
	body, status, err := s.readBody(w, r)
	if err != nil {
		return status, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return 0, nil
	}
	if err := decodeJSON(body, v); err != nil {
		return statusBadRequest, err
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
func (s *Server) create(w *out, r *request) {
	cfg, fit, status, err := s.readConfig(w, r, DefaultConfig())
	if err != nil {
		fail(w, status, err)
		return
	}
	if err := cfg.check(s.lim); err != nil {
		fail(w, statusBadRequest, err)
		return
	}
	ss := &session{id: newID(), lim: s.lim}
	ss.last.Store(s.now().UnixNano())
	if err := ss.configureWith(cfg, nil, fit); err != nil {
		fail(w, statusBadRequest, err)
		return
	}
	s.mu.Lock()
	s.sweep()
	if len(s.sessions) >= s.lim.MaxSessions && !s.evict() {
		s.mu.Unlock()
		w.set("Retry-After", "1")
		fail(w, statusServiceUnavailable, fmt.Errorf("too many sessions (%d, the limit), all computing right now: try again", s.lim.MaxSessions))
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
		fail(w, statusBadRequest, err)
		return
	}
	reply(w, statusCreated, st)
}

// remove handles DELETE /api/sessions/{id}.
func (s *Server) remove(w *out, r *request) {
	s.mu.Lock()
	_, ok := s.sessions[r.id]
	delete(s.sessions, r.id)
	s.mu.Unlock()
	if !ok {
		fail(w, statusNotFound, s.noSession(r.id))
		return
	}
	w.status = statusNoContent
}

func (s *Server) noSession(id string) error {
	return fmt.Errorf("no session %q: it expired (after %v unused) or never existed; create one with POST /api/sessions", id, s.lim.IdleTimeout)
}

// with looks up the session of the path, locks it, marks it used and calls h.
func (s *Server) with(h func(w *out, r *request, ss *session)) func(w *out, r *request) {
	return func(w *out, r *request) {
		s.mu.Lock()
		s.sweep()
		ss := s.sessions[r.id]
		s.mu.Unlock()
		if ss == nil {
			fail(w, statusNotFound, s.noSession(r.id))
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
func (s *Server) acquire(w *out, r *request) bool {
	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	defer cancel()
	select {
	case s.busy <- struct{}{}:
		return true
	case <-ctx.Done():
		w.set("Retry-After", "1")
		fail(w, statusServiceUnavailable, errors.New("the server is busy training other sessions: try again"))
		return false
	}
}

func (s *Server) release() { <-s.busy }

// stateOf reads the query of a state request: grid (the output map's cells
// per side, default 0), neurons (each neuron's map, default 0) and data=1
// (the points).
func (s *Server) stateOf(ss *session, r *request) (state, error) {
	q := r.query
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
func (s *Server) getState(w *out, r *request, ss *session) {
	st, err := s.stateOf(ss, r)
	if err != nil {
		fail(w, statusBadRequest, err)
		return
	}
	reply(w, statusOK, st)
}

// readConfig reads a Config from the body: the fields given replace base's.
// fit reports that the body gives neither the output nor the loss, which
// then follow the data's task if it changes (see session.configureWith);
// when the network's fields change and no preset is given, the preset is
// cleared.
func (s *Server) readConfig(w *out, r *request, base Config) (cfg Config, fit bool, status int, err error) {
	body, status, err := s.readBody(w, r)
	if err != nil {
		return base, false, status, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return base, true, 0, nil
	}
	cfg = base // with copies of its slices, which decoding would write into
	cfg.Hidden, cfg.Features, cfg.View = slices.Clone(base.Hidden), slices.Clone(base.Features), slices.Clone(base.View)
	if err := decodeJSON(body, &cfg); err != nil {
		return base, false, statusBadRequest, err
	}
	if cfg.Hidden == nil {
		cfg.Hidden = []LayerConfig{} // no hidden layer: [], never null
	}
	if len(cfg.View) == 0 {
		cfg.View = nil // the default view
	}
	var raw map[string]json.RawMessage
	json.Unmarshal(body, &raw) // decodeJSON read it
	_, hasOut := raw["output"]
	_, hasLoss := raw["loss"]
	if _, ok := raw["preset"]; !ok && cfg.netKey() != base.netKey() {
		cfg.Preset = "" // the network was changed by hand
	}
	return cfg, !hasOut && !hasLoss, 0, nil
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
func (s *Server) putConfig(w *out, r *request, ss *session) {
	var seq int64
	if v := r.query.Get("seq"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			fail(w, statusBadRequest, bad("seq", "%q, want a positive integer", v))
			return
		}
		if n <= ss.seq {
			fail(w, statusConflict, bad("seq", "%d: change %d, a later one, has been applied already", n, ss.seq))
			return
		}
		seq = n
	}
	cfg, fit, status, err := s.readConfig(w, r, ss.cfg)
	if err != nil {
		fail(w, status, err)
		return
	}
	if err := cfg.check(s.lim); err != nil {
		fail(w, statusBadRequest, err)
		return
	}
	if err := ss.configureWith(cfg, ss.table, fit); err != nil {
		fail(w, statusBadRequest, err)
		return
	}
	ss.seq = max(ss.seq, seq)
	s.getState(w, r, ss)
}

// postReset handles POST /api/sessions/{id}/reset {"seed": n}: new initial
// weights (from seed, default the configuration's), progress cleared.
func (s *Server) postReset(w *out, r *request, ss *session) {
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
		fail(w, statusBadRequest, err)
		return
	}
	s.getState(w, r, ss)
}

// postTrain handles POST /api/sessions/{id}/train {"steps": n}: up to n
// optimisation steps (1 to MaxSteps), stopped after StepTime.
func (s *Server) postTrain(w *out, r *request, ss *session) {
	req := struct {
		Steps int `json:"steps"`
	}{Steps: 1}
	if status, err := s.decode(w, r, &req); err != nil {
		fail(w, status, err)
		return
	}
	if req.Steps < 1 || req.Steps > s.lim.MaxSteps {
		fail(w, statusBadRequest, bad("steps", "%d, want 1 to %d per request (the playground's limit)", req.Steps, s.lim.MaxSteps))
		return
	}
	reply(w, statusOK, ss.trainSteps(req.Steps, time.Now().Add(s.lim.StepTime)))
}

// postStep handles POST /api/sessions/{id}/step: one plain gradient step on
// one example, every number of it (explain.Step).
func (s *Server) postStep(w *out, r *request, ss *session) {
	var req stepRequest
	if status, err := s.decode(w, r, &req); err != nil {
		fail(w, status, err)
		return
	}
	res, err := ss.step(req)
	if err != nil {
		fail(w, statusBadRequest, err)
		return
	}
	// The answer is encoded before the step is kept: a step whose numbers
	// cannot be written changes nothing.
	apply := req.Apply == nil || *req.Apply
	res.Applied = apply
	body, err := json.Marshal(res)
	if err != nil {
		fail(w, statusBadRequest, bad("x", "the step's numbers are out of range (%v): its values or the network's weights are too large", err))
		return
	}
	if apply {
		ss.apply(res.Trace)
	}
	w.status, w.body = statusOK, append(body, '\n')
}

// putWeight handles PUT /api/sessions/{id}/weight {"layer": l, "i": i,
// "j": j, "value": v}: sets w^l_ij (i 1-based in layer l, j 1-based in
// layer l-1, 0 for the bias) to v. Answers the state as GET does.
func (s *Server) putWeight(w *out, r *request, ss *session) {
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
		fail(w, statusBadRequest, err)
		return
	}
	s.getState(w, r, ss)
}

// postArticle handles POST /api/sessions/{id}/article: the session takes the
// network of the worked example (docs/notation.md); the answer is the state and the
// example to step on, {"state": ..., "example": {"x": [1, 0], "y": [1],
// "alpha": 0.5}}.
func (s *Server) postArticle(w *out, r *request, ss *session) {
	if err := ss.loadArticle(); err != nil {
		fail(w, statusInternalServerError, err)
		return
	}
	st, err := s.stateOf(ss, r)
	if err != nil {
		fail(w, statusBadRequest, err)
		return
	}
	reply(w, statusOK, map[string]any{
		"state":   st,
		"example": map[string]any{"x": []float64{1, 0}, "y": []float64{1}, "alpha": 0.5},
	})
}
