package serve

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/explain"
	"github.com/backprop-go/backprop/train"
)

// Config is what a session trains: the dataset and the network, and how to
// train it. Its JSON form is the body of PUT /api/sessions/{id}/config,
// where fields left out keep their values.
type Config struct {
	Dataset       string  `json:"dataset"`        // xor, circles, spirals, blobs, surface
	Noise         float64 `json:"noise"`          // standard deviation of the jitter, 0 to 0.5
	Points        int     `json:"points"`         // examples in all, train and test
	TrainFraction float64 `json:"train_fraction"` // the share of the points to train on, 0.1 to 0.9
	Seed          uint64  `json:"seed"`           // of the data and the initial weights

	Hidden []LayerConfig `json:"hidden"` // the hidden layers 1..L-1
	Output string        `json:"output"` // the activation of the output layer L (one neuron)
	Loss   string        `json:"loss"`   // squared, log

	Mode         string  `json:"mode"`          // batch, sgd, minibatch
	Batch        int     `json:"batch"`         // examples per step in minibatch mode
	LearningRate float64 `json:"learning_rate"` // α
	Optimizer    string  `json:"optimizer"`     // sgd, momentum, nesterov, adam
	L2           float64 `json:"l2"`            // weight decay λ

	// Preset "article" is the network of the worked example (docs/notation.md) (2-3-2-1
	// sigmoid with absent connections), set by POST .../article; changing
	// the network's fields clears it.
	Preset string `json:"preset,omitempty"`
}

// LayerConfig is one hidden layer.
type LayerConfig struct {
	Units      int    `json:"units"`
	Activation string `json:"activation"`
}

// DefaultConfig is the configuration of a new session: XOR, hidden tanh
// layers of 6 and 4, Adam.
func DefaultConfig() Config {
	return Config{
		Dataset: "xor", Noise: 0, Points: 300, TrainFraction: 0.6, Seed: 1,
		Hidden: []LayerConfig{{6, "tanh"}, {4, "tanh"}},
		Output: "sigmoid", Loss: "log",
		Mode: "minibatch", Batch: 10, LearningRate: 0.03, Optimizer: "adam",
	}
}

// fieldError is a configuration value out of range: a 400 naming the field.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func bad(field, format string, args ...any) error {
	return &fieldError{field, fmt.Sprintf(format, args...)}
}

// check validates c against the limits.
func (c *Config) check(lim Limits) error {
	regression, ok := isRegression(c.Dataset)
	if !ok {
		return bad("dataset", "unknown dataset %q (want %s)", c.Dataset, datasetNames())
	}
	switch {
	case !(c.Noise >= 0 && c.Noise <= 0.5):
		return bad("noise", "%v, want 0 to 0.5", c.Noise)
	case c.Points < 10 || c.Points > lim.MaxPoints:
		return bad("points", "%d, want 10 to %d (the playground's limit)", c.Points, lim.MaxPoints)
	case !(c.TrainFraction >= 0.1 && c.TrainFraction <= 0.9):
		return bad("train_fraction", "%v, want 0.1 to 0.9", c.TrainFraction)
	case len(c.Hidden) > lim.MaxHiddenLayers:
		return bad("hidden", "%d layers, want 0 to %d (the playground's limit)", len(c.Hidden), lim.MaxHiddenLayers)
	}
	for i, h := range c.Hidden {
		if h.Units < 1 || h.Units > lim.MaxUnits {
			return bad(fmt.Sprintf("hidden[%d].units", i), "%d, want 1 to %d (the playground's limit)", h.Units, lim.MaxUnits)
		}
		if _, err := backprop.ParseActivation(h.Activation); err != nil {
			return bad(fmt.Sprintf("hidden[%d].activation", i), "%v", err)
		}
		if h.Activation == "softmax" {
			return bad(fmt.Sprintf("hidden[%d].activation", i), "softmax of a whole layer is not offered for hidden layers here (want identity, sigmoid, tanh, relu, leaky-relu)")
		}
	}
	out, err := backprop.ParseActivation(c.Output)
	if err != nil {
		return bad("output", "%v", err)
	}
	if out == backprop.Softmax {
		return bad("output", "softmax over a single output is always 1 (want identity, sigmoid, tanh, relu, leaky-relu)")
	}
	J, err := backprop.ParseLoss(c.Loss)
	if err != nil {
		return bad("loss", "%v", err)
	}
	if J == backprop.CrossEntropy {
		return bad("loss", "cross-entropy needs a softmax over several outputs; the playground has one output (want squared, log)")
	}
	if J == backprop.Log && out != backprop.Sigmoid {
		return bad("loss", "log needs outputs in (0, 1), but the output activation is %s (use sigmoid, or the squared loss)", out)
	}
	if J == backprop.Log && regression {
		return bad("loss", "log needs 0/1 targets, but %s is a regression dataset (use squared)", c.Dataset)
	}
	switch c.Mode {
	case "batch", "sgd", "minibatch":
	default:
		return bad("mode", "unknown mode %q (want batch, sgd, minibatch)", c.Mode)
	}
	if c.Batch < 1 || c.Batch > c.Points {
		return bad("batch", "%d, want 1 to %d (the number of points)", c.Batch, c.Points)
	}
	if !(c.LearningRate > 0 && c.LearningRate <= 10) {
		return bad("learning_rate", "%v, want a number in (0, 10]", c.LearningRate)
	}
	switch c.Optimizer {
	case "sgd", "momentum", "nesterov", "adam":
	default:
		return bad("optimizer", "unknown optimizer %q (want sgd, momentum, nesterov, adam)", c.Optimizer)
	}
	if !(c.L2 >= 0 && c.L2 <= 1) {
		return bad("l2", "%v, want 0 to 1", c.L2)
	}
	if c.Preset != "" && c.Preset != "article" {
		return bad("preset", "unknown preset %q (want article, or none)", c.Preset)
	}
	return nil
}

func (c *Config) dataKey() string {
	return fmt.Sprint(c.Dataset, c.Noise, c.Points, c.TrainFraction, c.Seed)
}

func (c *Config) netKey() string {
	return fmt.Sprint(c.Hidden, c.Output, c.Loss, c.Seed, c.Preset)
}

// session is one tab's playground: its data, network and trainer. Its
// methods are called with mu held.
type session struct {
	mu   sync.Mutex
	id   string
	last atomic.Int64 // the time of the last request (Unix ns), for expiry; read without mu

	cfg        Config
	regression bool
	trainSet   train.Set[float64]
	testSet    train.Set[float64]

	net     *backprop.Network[float64]
	tr      *train.Trainer[float64]
	rng     *rand.Rand
	perm    []int
	pos     int // the next index of perm in the current epoch
	epoch   int // completed epochs
	steps   int // optimisation steps taken
	history []historyPoint

	trainLoss, testLoss float64
	diverged            string
}

// historyPoint is the losses after a number of steps.
type historyPoint struct {
	Step  int     `json:"step"`
	Train float64 `json:"train"`
	Test  float64 `json:"test"`
}

// maxHistory bounds the loss curve; past it every other point is dropped.
const maxHistory = 400

// configure applies cfg (checked), regenerating the data and rebuilding the
// network only when their fields changed; the trainer is always rebuilt.
func (s *session) configure(cfg Config) error {
	old := s.cfg
	fresh := s.net == nil
	if fresh || cfg.dataKey() != old.dataKey() {
		if err := s.makeData(cfg); err != nil {
			return err
		}
	}
	if fresh || cfg.netKey() != old.netKey() {
		if cfg.Preset == "article" {
			s.net, _, _, _ = explain.Article()
		} else {
			net, err := buildNet(cfg)
			if err != nil {
				return err
			}
			s.net = net
		}
		s.restart()
	}
	s.cfg = cfg
	return s.newTrainer()
}

// makeData generates the points and splits them into train and test sets.
func (s *session) makeData(cfg Config) error {
	n := cfg.Points
	p, err := generate(cfg.Dataset, n, cfg.Noise, cfg.Seed)
	if err != nil {
		return bad("dataset", "%v", err)
	}
	s.regression, _ = isRegression(cfg.Dataset)
	order := rand.New(rand.NewPCG(cfg.Seed, 0x73706c6974)).Perm(n) // "split"
	nTrain := int(math.Round(cfg.TrainFraction * float64(n)))
	pick := func(idx []int) train.Set[float64] {
		set := train.Set[float64]{N: len(idx)}
		for _, i := range idx {
			set.X = append(set.X, p.X[2*i], p.X[2*i+1])
			set.Y = append(set.Y, p.Y[i])
		}
		return set
	}
	s.trainSet, s.testSet = pick(order[:nTrain]), pick(order[nTrain:])
	s.restart()
	return nil
}

// buildNet builds cfg's network with weights drawn from its seed.
func buildNet(cfg Config) (*backprop.Network[float64], error) {
	J, _ := backprop.ParseLoss(cfg.Loss)
	var specs []backprop.LayerSpec
	for _, h := range cfg.Hidden {
		f, _ := backprop.ParseActivation(h.Activation)
		specs = append(specs, backprop.LayerSpec{Units: h.Units, Activation: f})
	}
	out, _ := backprop.ParseActivation(cfg.Output)
	specs = append(specs, backprop.LayerSpec{Units: 1, Activation: out})
	net, err := backprop.New[float64](2, J, cfg.Seed, specs...)
	if err != nil {
		return nil, bad("hidden", "%v", err)
	}
	return net, nil
}

// restart clears the training progress (not the weights).
func (s *session) restart() {
	s.epoch, s.steps, s.pos, s.history, s.diverged = 0, 0, 0, nil, ""
	s.perm = nil
	s.tr = nil
}

// reset draws the weights afresh (from seed) and clears the progress; the
// article preset returns to the worked example's weights.
func (s *session) reset(seed uint64) error {
	if s.cfg.Preset == "article" {
		s.net, _, _, _ = explain.Article()
	} else {
		s.net.Init(seed)
	}
	s.restart()
	return s.newTrainer()
}

// newTrainer builds the trainer for the current network and configuration
// (the optimizer's state starts at 0) and scores the network.
func (s *session) newTrainer() error {
	cfg := s.cfg
	tr, err := train.NewTrainer(s.net, train.Config{
		Mode: train.Mode(cfg.Mode), Batch: cfg.Batch, Epochs: 1, Alpha: cfg.LearningRate,
		Optimizer: train.Optimizer(cfg.Optimizer), L2: cfg.L2, Seed: cfg.Seed,
	})
	if err != nil {
		return bad("network", "%v", err)
	}
	s.tr = tr
	if s.rng == nil || s.perm == nil {
		s.rng = rand.New(rand.NewPCG(cfg.Seed, 0x73687566666c65))
		s.perm = make([]int, s.trainSet.N)
		for i := range s.perm {
			s.perm[i] = i
		}
		s.pos = 0
	}
	s.score()
	if len(s.history) == 0 {
		s.record()
	}
	return nil
}

// score computes the mean losses on the train and test sets.
func (s *session) score() {
	s.trainLoss = meanLoss(s.net, s.trainSet)
	s.testLoss = meanLoss(s.net, s.testSet)
}

func meanLoss(net *backprop.Network[float64], set train.Set[float64]) float64 {
	if set.N == 0 {
		return 0
	}
	m, err := train.Evaluate(net, set, train.TaskAuto)
	if err != nil {
		return math.NaN()
	}
	return m.Loss
}

// record appends the current losses to the history, thinning it past
// maxHistory points.
func (s *session) record() {
	s.history = append(s.history, historyPoint{s.steps, finite(s.trainLoss), finite(s.testLoss)})
	if len(s.history) > maxHistory {
		kept := s.history[:1]
		for i := 2; i < len(s.history); i += 2 {
			kept = append(kept, s.history[i])
		}
		if last := s.history[len(s.history)-1]; kept[len(kept)-1] != last {
			kept = append(kept, last)
		}
		s.history = kept
	}
}

// finite returns v, or -1 for NaN and infinities (JSON has no NaN).
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return -1
	}
	return v
}

// trainResult is the answer to POST .../train.
type trainResult struct {
	Steps     int     `json:"steps"`   // taken by this request
	Stopped   string  `json:"stopped"` // "done", "time limit" or "diverged"
	Error     string  `json:"error,omitempty"`
	Epoch     int     `json:"epoch"`
	Total     int     `json:"total_steps"`
	TrainLoss float64 `json:"train_loss"`
	TestLoss  float64 `json:"test_loss"`
}

// trainSteps takes up to n optimisation steps, stopping at the deadline. On
// divergence it restores the weights of before the request.
func (s *session) trainSteps(n int, deadline time.Time) trainResult {
	res := trainResult{Stopped: "done"}
	if s.diverged != "" {
		res.Stopped, res.Error = "diverged", s.diverged
		return s.finish(res)
	}
	backup := s.net.Clone()
	N := s.trainSet.N
	size := N
	switch s.cfg.Mode {
	case "sgd":
		size = 1
	case "minibatch":
		size = min(s.cfg.Batch, N)
	}
	for res.Steps < n {
		if s.pos >= N {
			s.pos = 0
			s.epoch++
		}
		if s.pos == 0 && s.cfg.Mode != "batch" {
			s.rng.Shuffle(N, func(i, j int) { s.perm[i], s.perm[j] = s.perm[j], s.perm[i] })
		}
		end := min(s.pos+size, N)
		if _, err := s.tr.Step(s.trainSet, s.perm[s.pos:end]); err != nil {
			for l, lay := range backup.Layers {
				copy(s.net.Layers[l].W, lay.W)
				copy(s.net.Layers[l].B, lay.B)
			}
			s.diverged = err.Error() + "; the weights are those before this request: lower the learning rate and reset"
			res.Stopped, res.Error = "diverged", s.diverged
			break
		}
		s.pos = end
		s.steps++
		res.Steps++
		if time.Now().After(deadline) && res.Steps < n {
			res.Stopped = "time limit"
			break
		}
	}
	if s.pos >= N {
		s.pos = 0
		s.epoch++
	}
	s.score()
	if res.Steps > 0 {
		s.record()
	}
	return s.finish(res)
}

func (s *session) finish(res trainResult) trainResult {
	res.Epoch, res.Total = s.epoch, s.steps
	res.TrainLoss, res.TestLoss = finite(s.trainLoss), finite(s.testLoss)
	return res
}

// state is the answer to GET .../state: everything the page draws.
type state struct {
	ID         string         `json:"id"`
	Config     Config         `json:"config"`
	Task       string         `json:"task"` // classification or regression
	Epoch      int            `json:"epoch"`
	Steps      int            `json:"total_steps"`
	TrainLoss  float64        `json:"train_loss"`
	TestLoss   float64        `json:"test_loss"`
	Diverged   string         `json:"diverged,omitempty"`
	History    []historyPoint `json:"history"`
	Network    netJSON        `json:"network"`
	Boundary   *grid          `json:"boundary,omitempty"`
	Neurons    []neuronMap    `json:"neurons,omitempty"`
	Data       *dataJSON      `json:"data,omitempty"`
	Limits     Limits         `json:"limits"`
	ExpiresSec float64        `json:"expires_in_seconds"`
}

// netJSON is the network as the page draws it; Layers[l-1] is layer l.
type netJSON struct {
	Inputs int         `json:"inputs"`
	Loss   string      `json:"loss"`
	Layers []layerJSON `json:"layers"`
}

type layerJSON struct {
	Activation string      `json:"activation"`
	Weights    [][]float64 `json:"weights"`        // n_l × n_(l-1): weights[i][j] = w^l_(i,j+1)
	Bias       []float64   `json:"bias,omitempty"` // b^l = w^l_i0; absent without a bias
	Mask       [][]bool    `json:"mask,omitempty"` // false: the connection is absent
}

func netOf(net *backprop.Network[float64]) netJSON {
	out := netJSON{Inputs: net.Inputs, Loss: net.Loss.String()}
	for _, lay := range net.Layers {
		lj := layerJSON{Activation: lay.Activation.String(), Weights: matrix(lay.W, lay.In), Bias: lay.B}
		if lay.Mask != nil {
			for i := range lay.Out {
				lj.Mask = append(lj.Mask, lay.Mask[i*lay.In:(i+1)*lay.In])
			}
		}
		out.Layers = append(out.Layers, lj)
	}
	return out
}

func matrix(s []float64, width int) [][]float64 {
	var m [][]float64
	for r := 0; r+width <= len(s); r += width {
		m = append(m, s[r:r+width])
	}
	return m
}

// grid is a map of a value over the square [-1, 1]²: Res×Res cells, row-major
// from the top row (x2 = 1) down, each row from x1 = -1 to 1, at the cells'
// centres.
type grid struct {
	Res    int       `json:"res"`
	Values []float64 `json:"values"`
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
}

// neuronMap is the output map of neuron Index (0-based) of layer Layer (1..L).
type neuronMap struct {
	Layer int `json:"layer"`
	Index int `json:"index"`
	grid
}

type dataJSON struct {
	Train [][3]float64 `json:"train"` // rows of x1, x2, y
	Test  [][3]float64 `json:"test"`
}

func rowsOfSet(set train.Set[float64]) [][3]float64 {
	rows := make([][3]float64, set.N)
	for i := range rows {
		rows[i] = [3]float64{set.X[2*i], set.X[2*i+1], set.Y[i]}
	}
	return rows
}

// gridInputs returns the res×res cell centres as rows of (x1, x2).
func gridInputs(res int) []float64 {
	x := make([]float64, 0, 2*res*res)
	for r := range res {
		x2 := 1 - (float64(r)+0.5)*2/float64(res)
		for c := range res {
			x1 := -1 + (float64(c)+0.5)*2/float64(res)
			x = append(x, x1, x2)
		}
	}
	return x
}

// round4 keeps 4 decimals, enough for a picture, to keep the JSON small.
func round4(v float64) float64 { return finite(math.Round(v*1e4) / 1e4) }

// maps runs the network on a res×res grid and returns the maps of the
// neurons of layers from..to (1-based, inclusive).
func (s *session) maps(res, from, to int) []neuronMap {
	ws := s.net.NewWorkspace(res * res)
	ws.Forward(gridInputs(res))
	var out []neuronMap
	for l := from; l <= to; l++ {
		n := s.net.Layer(l).Out
		for i := range n {
			m := neuronMap{Layer: l, Index: i, grid: grid{Res: res, Values: make([]float64, res*res), Min: math.Inf(1), Max: math.Inf(-1)}}
			for r := range res * res {
				v := ws.A[l][r*n+i]
				m.Values[r] = round4(v)
				m.Min, m.Max = min(m.Min, v), max(m.Max, v)
			}
			m.Min, m.Max = round4(m.Min), round4(m.Max)
			out = append(out, m)
		}
	}
	return out
}

// state returns the session's state, with the output map at res (0: none),
// the neurons' maps at neuronRes (0: none) and the data points if asked.
func (s *session) state(res, neuronRes int, data bool, lim Limits, expires time.Duration) state {
	st := state{
		ID: s.id, Config: s.cfg, Task: "classification",
		Epoch: s.epoch, Steps: s.steps, TrainLoss: finite(s.trainLoss), TestLoss: finite(s.testLoss),
		Diverged: s.diverged, History: s.history, Network: netOf(s.net), Limits: lim,
		ExpiresSec: expires.Seconds(),
	}
	if st.History == nil {
		st.History = []historyPoint{}
	}
	if s.regression {
		st.Task = "regression"
	}
	L := s.net.L()
	if res > 0 {
		g := s.maps(res, L, L)[0].grid
		st.Boundary = &g
	}
	if neuronRes > 0 {
		st.Neurons = s.maps(neuronRes, 1, L)
	}
	if data {
		st.Data = &dataJSON{Train: rowsOfSet(s.trainSet), Test: rowsOfSet(s.testSet)}
	}
	return st
}

// stepRequest is the body of POST .../step: one plain gradient step on one
// example, either a point of the data (Set and Index) or X and Y given.
type stepRequest struct {
	Set   string    `json:"set"`   // "train" or "test"
	Index *int      `json:"index"` // 0-based, in that set
	X     []float64 `json:"x"`
	Y     []float64 `json:"y"`
	Alpha float64   `json:"alpha"` // 0: the session's learning rate
	// Apply, true unless given false, keeps the step's weights in the
	// session's network.
	Apply *bool `json:"apply"`
}

// stepResult is the answer to POST .../step: every number of
// explain.Step's trace, arranged by layer, with the delta rule's terms.
type stepResult struct {
	X            []float64      `json:"x"`
	Y            []float64      `json:"y"`
	Alpha        float64        `json:"alpha"`
	Loss         float64        `json:"loss"`       // E = J(y, o) before the step
	LossAfter    float64        `json:"loss_after"` // after it
	OutputBefore []float64      `json:"output_before"`
	OutputAfter  []float64      `json:"output_after"`
	Layers       []stepLayer    `json:"layers"` // Layers[l-1] is layer l
	Applied      bool           `json:"applied"`
	Text         string         `json:"text"` // what `backprop explain` prints for this step
	Trace        *explain.Trace `json:"trace"`
}

// stepLayer is layer l of a step: its neurons' z, a and δ, its weights before
// and after, and each weight's gradient (weights[i][j] is w^l_(i,j+1); the
// bias w^l_i0 is apart).
type stepLayer struct {
	Activation   string      `json:"activation"`
	Derivative   string      `json:"derivative"`      // f'(z), the engine's formula (s: the slope)
	Slope        float64     `json:"slope,omitempty"` // leaky relu's s`
	Z            []float64   `json:"z"`
	A            []float64   `json:"a"`
	Delta        []float64   `json:"delta"`
	Weights      [][]float64 `json:"weights"`
	Bias         []float64   `json:"bias,omitempty"`
	Mask         [][]bool    `json:"mask,omitempty"`
	GradWeights  [][]float64 `json:"grad_weights"`
	GradBias     []float64   `json:"grad_bias,omitempty"`
	WeightsAfter [][]float64 `json:"weights_after"`
	BiasAfter    []float64   `json:"bias_after,omitempty"`
	Rules        []deltaRule `json:"delta_rule"` // one per neuron
}

// deltaRule shows how δ^l_i was computed. Hidden neuron:
// δ^l_i = f'(z^l_i) · Σ_j w^(l+1)_ji δ^(l+1)_j, with the terms of the sum.
// Output neuron: δ = o − y for a matched pair (sigmoid + log, identity +
// squared), else δ = ∂J/∂o · f'(z).
type deltaRule struct {
	Output  bool        `json:"output"`
	Matched bool        `json:"matched,omitempty"`
	DJdO    float64     `json:"dJdo,omitempty"`
	FPrime  float64     `json:"fprime"`
	Terms   []deltaTerm `json:"terms,omitempty"`
	Sum     float64     `json:"sum"`
	Delta   float64     `json:"delta"`
}

// deltaTerm is w^(l+1)_ji · δ^(l+1)_j, J the 0-based neuron of layer l+1.
type deltaTerm struct {
	J       int     `json:"j"`
	W       float64 `json:"w"`
	Delta   float64 `json:"delta"`
	Product float64 `json:"product"`
}

// step runs explain.Step on one example and, if asked, keeps its weights.
func (s *session) step(req stepRequest) (*stepResult, error) {
	x, y := req.X, req.Y
	if req.Index != nil || req.Set != "" {
		if x != nil || y != nil {
			return nil, bad("x", "give either set and index, or x and y")
		}
		set := s.trainSet
		switch req.Set {
		case "train", "":
		case "test":
			set = s.testSet
		default:
			return nil, bad("set", "unknown set %q (want train, test)", req.Set)
		}
		if req.Index == nil || *req.Index < 0 || *req.Index >= set.N {
			i := -1
			if req.Index != nil {
				i = *req.Index
			}
			return nil, bad("index", "%d, want 0 to %d (the %s set's examples)", i, set.N-1, cmpOr(req.Set, "train"))
		}
		i := *req.Index
		x, y = set.X[2*i:2*i+2], set.Y[i:i+1]
	}
	if len(x) != s.net.Inputs {
		return nil, bad("x", "%d values, want %d (the network's inputs)", len(x), s.net.Inputs)
	}
	if len(y) != s.net.Outputs() {
		return nil, bad("y", "%d values, want %d (the network's outputs)", len(y), s.net.Outputs())
	}
	if err := s.net.CheckTargets(y); err != nil {
		return nil, bad("y", "%v", err)
	}
	alpha := req.Alpha
	if alpha == 0 {
		alpha = s.cfg.LearningRate
	}
	if !(alpha > 0 && alpha <= 10) {
		return nil, bad("alpha", "%v, want a number in (0, 10]", alpha)
	}
	t, err := explain.Step(s.net, [][]float64{x}, [][]float64{y}, alpha)
	if err != nil {
		return nil, bad("x", "%v", err)
	}
	var text strings.Builder
	if err := t.WriteText(&text); err != nil {
		return nil, err
	}
	res := &stepResult{
		X: x, Y: y, Alpha: alpha, Loss: t.Loss, LossAfter: t.LossAfter,
		OutputAfter: t.OutputAfter[0], Text: text.String(), Trace: t,
	}
	net, L := t.Net, t.Net.L()
	res.OutputBefore = t.Layer(L).A[0]
	for l := 1; l <= L; l++ {
		lay, lt := net.Layer(l), t.Layer(l)
		sl := stepLayer{
			Activation: lay.Activation.String(), Derivative: lay.Activation.Formulas().Derivative, Slope: lay.Slope,
			Z: lt.Z[0], A: lt.A[0], Delta: lt.Delta[0],
			Weights: matrix(lay.W, lay.In), Bias: lay.B, Mask: netOf(net).Layers[l-1].Mask,
			GradWeights: lt.GradWeights, GradBias: lt.GradBias,
			WeightsAfter: lt.WeightsAfter, BiasAfter: lt.BiasAfter,
		}
		for i := range lay.Out {
			// The engine's numbers, from its trace: f'(z), ∂E/∂a (∂J/∂o at
			// the output, Σ_j w_ji δ_j below it), δ.
			r := deltaRule{FPrime: lt.FPrime[0][i], Sum: lt.G[0][i], Delta: lt.Delta[0][i]}
			if l == L {
				r.Output = true
				r.Matched = backprop.Matched(lay.Activation, net.Loss)
				r.DJdO = lt.G[0][i]
			} else {
				next, nt := net.Layer(l+1), t.Layer(l+1)
				for j := range next.Out {
					k := j*next.In + i
					if next.Mask != nil && !next.Mask[k] {
						continue
					}
					w, dj := next.W[k], nt.Delta[0][j]
					r.Terms = append(r.Terms, deltaTerm{J: j, W: w, Delta: dj, Product: w * dj})
				}
			}
			sl.Rules = append(sl.Rules, r)
		}
		res.Layers = append(res.Layers, sl)
	}
	if req.Apply == nil || *req.Apply {
		for l, lt := range t.Layers {
			lay := s.net.Layers[l]
			for i, row := range lt.WeightsAfter {
				copy(lay.W[i*lay.In:(i+1)*lay.In], row)
			}
			copy(lay.B, lt.BiasAfter)
		}
		s.steps++
		s.score()
		s.record()
		res.Applied = true
	}
	return res, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// loadArticle puts the worked example (docs/notation.md) into the session: its
// network (2 inputs, 3 + 2 sigmoid neurons, 1 sigmoid output, log loss,
// with the article's absent connections), α = 0.5 and plain SGD, on a
// classification dataset (XOR if the current one is regression).
func (s *session) loadArticle() error {
	cfg := s.cfg
	if s.regression {
		cfg.Dataset = "xor"
	}
	cfg.Preset = "article"
	cfg.Hidden = []LayerConfig{{3, "sigmoid"}, {2, "sigmoid"}}
	cfg.Output, cfg.Loss = "sigmoid", "log"
	cfg.LearningRate, cfg.Optimizer, cfg.Mode = 0.5, "sgd", "sgd"
	if s.cfg.Preset == "article" {
		s.cfg.Preset = "" // force a fresh copy of the article's weights
	}
	return s.configure(cfg)
}
