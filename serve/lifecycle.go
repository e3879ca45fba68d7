package serve

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/explain"
	"github.com/backprop-go/backprop/train"
)

// A session's life: its data and network built from its configuration,
// reconfigured, reset, trained step by step (train.Trainer and train.Cursor,
// as train.Train walks the data), and scored.

// session is one tab's playground: its data, network and trainer. Its
// methods are called with mu held.
type session struct {
	mu   sync.Mutex
	id   string
	last atomic.Int64 // the time of the last request (Unix ns), for expiry; read without mu
	seq  int64        // the number of the last numbered configuration change (PUT .../config?seq=n)

	cfg   Config
	lim   Limits
	table *table // the CSV file given (POST .../table), nil until one is
	dataset

	net     *backprop.Network[float64]
	tr      *train.Trainer[float64]
	cur     *train.Cursor // the order of the steps, as train.Train walks it
	steps   int           // optimisation steps taken
	history []historyPoint

	trainLoss, testLoss float64
	diverged            string
}

// dataset is what a session trains on and draws: the examples as the
// network's inputs and targets, each example's point on the maps, and the
// network's inputs at any point of them. A built-in dataset's points are
// its 2-D points and its inputs their features (Config.Features); a
// table's inputs are its pipeline's, its points two of its columns.
type dataset struct {
	regression        bool
	outputs           int                // K, the network's outputs
	trainSet          train.Set[float64] // X: the network's inputs
	testSet           train.Set[float64]
	trainXY, testXY   []float64 // each example's point on the maps, rows of (x1, x2) in [-1, 1]²
	trainDot, testDot []float64 // each example's target as drawn: its class, or its number
	inputs            []string  // the names of the network's inputs
	// at returns the network's inputs at points xy of the maps (rows of
	// x1, x2 in [-1, 1]²), one row each.
	at  func(xy []float64) []float64
	tab *tableRows // a table's pipeline and rows; nil for a built-in dataset
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
// Everything is built before anything is replaced: on an error the session
// is as it was.
func (s *session) configure(cfg Config) error { return s.configureWith(cfg, s.table, false) }

// configureWith is configure with tbl as the session's table, which it
// takes only if everything builds. With fit, when the data's task changes
// (regression, two classes, several) the output activation and the loss
// follow it (identity and squared, sigmoid and log, softmax and
// cross-entropy).
func (s *session) configureWith(cfg Config, tbl *table, fit bool) error {
	fresh := s.net == nil
	newData := fresh || cfg.dataKey() != s.cfg.dataKey() || tbl != s.table
	ds := s.dataset
	if newData {
		var err error
		if ds, err = makeData(cfg, tbl, s.lim); err != nil {
			return err
		}
	}
	was := "two classes" // a new session's, DefaultConfig's XOR
	if !fresh {
		was = s.task()
	}
	if task := ds.task(); fit && task != was {
		cfg.Output, cfg.Loss = outputFor[task][0], outputFor[task][1]
	}
	if err := cfg.checkOutput(ds.outputs, ds.regression); err != nil {
		return err
	}
	net := s.net
	newNet := fresh || cfg.netKey() != s.cfg.netKey() || net.Inputs != len(ds.inputs) || net.Outputs() != ds.outputs
	if newNet {
		if cfg.Preset == "article" {
			net, _, _, _ = explain.Article()
		} else {
			var err error
			if net, err = buildNet(cfg, len(ds.inputs), ds.outputs); err != nil {
				return err
			}
		}
	}
	tr, err := train.NewTrainer(net, cfg.trainConfig())
	if err != nil {
		return bad("network", "%v", err)
	}
	s.cfg, s.net, s.table, s.dataset = cfg, net, tbl, ds
	if newData || newNet {
		s.restart()
	}
	s.useTrainer(tr)
	return nil
}

// task is the kind of the data's targets: "regression", "two classes" (one
// output) or "classes" (one output per class).
func (ds *dataset) task() string {
	switch {
	case ds.regression:
		return "regression"
	case ds.outputs == 1:
		return "two classes"
	}
	return "classes"
}

// outputFor is the output activation and loss of each task.
var outputFor = map[string][2]string{
	"regression": {"identity", "squared"}, "two classes": {"sigmoid", "log"}, "classes": {"softmax", "cross-entropy"},
}

// makeData builds cfg's data: the table's (dataset csv) or a built-in
// dataset's points, split into train and test sets.
func makeData(cfg Config, tbl *table, lim Limits) (dataset, error) {
	if cfg.Dataset == tableDataset {
		return readTable(cfg, tbl, lim)
	}
	return pointData(cfg)
}

// pointData generates cfg's points, splits them into train and test sets
// of the network's inputs (the points' features), and keeps the points.
func pointData(cfg Config) (dataset, error) {
	n := cfg.Points
	p, err := generate(cfg.Dataset, n, cfg.Noise, cfg.Seed)
	if err != nil {
		return dataset{}, bad("dataset", "%v", err)
	}
	ds := dataset{outputs: 1, inputs: cfg.Features, at: func(xy []float64) []float64 { return featurize(cfg.Features, xy) }}
	ds.regression, _ = isRegression(cfg.Dataset)
	order := rand.New(rand.NewPCG(cfg.Seed, 0x73706c6974)).Perm(n) // "split"
	nTrain := int(math.Round(cfg.TrainFraction * float64(n)))
	pick := func(idx []int) (train.Set[float64], []float64) {
		set, xy := train.Set[float64]{N: len(idx)}, []float64{}
		for _, i := range idx {
			xy = append(xy, p.X[2*i], p.X[2*i+1])
			set.Y = append(set.Y, p.Y[i])
		}
		set.X = featurize(cfg.Features, xy)
		return set, xy
	}
	ds.trainSet, ds.trainXY = pick(order[:nTrain])
	ds.testSet, ds.testXY = pick(order[nTrain:])
	ds.trainDot, ds.testDot = ds.trainSet.Y, ds.testSet.Y
	return ds, nil
}

// buildNet builds cfg's network of n_0 inputs and K outputs, with weights
// drawn from its seed.
func buildNet(cfg Config, inputs, K int) (*backprop.Network[float64], error) {
	J, _ := backprop.ParseLoss(cfg.Loss)
	var specs []backprop.LayerSpec
	for _, h := range cfg.Hidden {
		f, _ := backprop.ParseActivation(h.Activation)
		specs = append(specs, backprop.LayerSpec{Units: h.Units, Activation: f})
	}
	out, _ := backprop.ParseActivation(cfg.Output)
	specs = append(specs, backprop.LayerSpec{Units: K, Activation: out})
	net, err := backprop.New[float64](inputs, J, cfg.Seed, specs...)
	if err != nil {
		return nil, bad("hidden", "%v", err)
	}
	return net, nil
}

// restart clears the training progress (not the weights).
func (s *session) restart() {
	s.steps, s.history, s.diverged = 0, nil, ""
	s.cur = nil
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
	tr, err := train.NewTrainer(s.net, s.cfg.trainConfig())
	if err != nil {
		return bad("network", "%v", err)
	}
	s.useTrainer(tr)
	return nil
}

// useTrainer takes tr, a trainer for the current network and configuration
// (the optimizer's state starts at 0), and scores the network.
func (s *session) useTrainer(tr *train.Trainer[float64]) {
	cfg := s.cfg.trainConfig()
	s.tr = tr
	if s.cur == nil {
		s.cur = train.NewCursor(s.trainSet.N, cfg.Mode, cfg.Batch, rand.New(rand.NewPCG(cfg.Seed, 0x73687566666c65)))
	} else { // the same data: keep the place in the epoch
		s.cur.SetMode(cfg.Mode, cfg.Batch)
	}
	s.score()
	if len(s.history) == 0 {
		s.record()
	}
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
	for res.Steps < n {
		if _, err := s.tr.Step(s.trainSet, s.cur.Next()); err != nil {
			for l, lay := range backup.Layers {
				copy(s.net.Layers[l].W, lay.W)
				copy(s.net.Layers[l].B, lay.B)
			}
			s.diverged = err.Error() + "; the weights are those before this request: lower the learning rate and reset"
			res.Stopped, res.Error = "diverged", s.diverged
			break
		}
		s.steps++
		res.Steps++
		if time.Now().After(deadline) && res.Steps < n {
			res.Stopped = "time limit"
			break
		}
	}
	s.score()
	if res.Steps > 0 {
		s.record()
	}
	return s.finish(res)
}

func (s *session) finish(res trainResult) trainResult {
	res.Epoch, res.Total = s.cur.Epoch(), s.steps
	res.TrainLoss, res.TestLoss = finite(s.trainLoss), finite(s.testLoss)
	return res
}

// loadArticle puts the worked example (docs/notation.md) into the session: its
// network (2 inputs, 3 + 2 sigmoid neurons, 1 sigmoid output, log loss,
// with the article's absent connections), α = 0.5 and plain SGD, on a
// classification dataset (XOR if the current one is regression or a table).
func (s *session) loadArticle() error {
	cfg := s.cfg
	if s.regression || cfg.Dataset == tableDataset {
		cfg.Dataset = "xor"
	}
	cfg.Preset, cfg.Features = "article", []string{"x1", "x2"}
	cfg.Hidden = []LayerConfig{{3, "sigmoid"}, {2, "sigmoid"}}
	cfg.Output, cfg.Loss = "sigmoid", "log"
	cfg.LearningRate, cfg.Optimizer, cfg.Mode = 0.5, "sgd", "sgd"
	was := s.cfg.Preset
	if was == "article" {
		s.cfg.Preset = "" // force a fresh copy of the article's weights
	}
	err := s.configure(cfg)
	if err != nil {
		s.cfg.Preset = was
	}
	return err
}

// setWeight sets w^l_ij (i 1-based in layer l; j 1-based in layer l-1, 0
// for the bias) to v, checked first: a weight the network has, present
// (not an absent connection), v finite and within ±maxValue. The losses are
// scored again; the optimizer's state is kept.
func (s *session) setWeight(l, i, j int, v float64) error {
	L := s.net.L()
	if l < 1 || l > L {
		return bad("layer", "%d, want 1 to %d", l, L)
	}
	lay := s.net.Layer(l)
	if i < 1 || i > lay.Out {
		return bad("i", "%d, want 1 to %d (the neurons of layer %d)", i, lay.Out, l)
	}
	if j < 0 || j > lay.In {
		return bad("j", "%d, want 0 (the bias) to %d (the neurons of layer %d)", j, lay.In, l-1)
	}
	if j == 0 && lay.B == nil {
		return bad("j", "0: layer %d has no bias", l)
	}
	if j > 0 && lay.Mask != nil && !lay.Mask[(i-1)*lay.In+j-1] {
		return bad("j", "w%d_%d%d is an absent connection", l, i, j)
	}
	if !(math.Abs(v) <= maxValue) {
		return bad("value", "%v, want a number from %d to %d", v, -maxValue, maxValue)
	}
	if j == 0 {
		lay.B[i-1] = v
	} else {
		lay.W[(i-1)*lay.In+j-1] = v
	}
	s.diverged = ""
	s.score()
	s.record()
	return nil
}
