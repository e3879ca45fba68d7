package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

func TestRate(t *testing.T) {
	const a = 0.8
	cases := []struct {
		cfg  Config
		want []float64 // epochs 1, 2, ...
	}{
		{Config{Alpha: a, Epochs: 4}, []float64{a, a, a, a}},
		{Config{Alpha: a, Epochs: 4, Schedule: Constant}, []float64{a, a, a, a}},
		{Config{Alpha: a, Epochs: 7, Schedule: StepDecay, Gamma: 0.5, Every: 3},
			[]float64{a, a, a, a / 2, a / 2, a / 2, a / 4}},
		{Config{Alpha: a, Epochs: 21, Schedule: StepDecay}, // γ = 0.1 every 10 epochs
			[]float64{a, a, a, a, a, a, a, a, a, a, a * 0.1, a * 0.1, a * 0.1, a * 0.1, a * 0.1, a * 0.1, a * 0.1, a * 0.1, a * 0.1, a * 0.1, a * 0.1 * 0.1}},
		// α/2 (1 + cos(π (e−1)/4)): 1, (1+√½)/2, ½, (1−√½)/2.
		{Config{Alpha: a, Epochs: 4, Schedule: Cosine},
			[]float64{a, a * (1 + math.Sqrt(0.5)) / 2, a / 2, a * (1 - math.Sqrt(0.5)) / 2}},
	}
	for _, c := range cases {
		for e, want := range c.want {
			if got := c.cfg.Rate(e + 1); math.Abs(got-want) > 1e-15 {
				t.Errorf("%s schedule, epoch %d: α = %v, want %v", c.cfg.Schedule, e+1, got, want)
			}
		}
		// Train records the same α per epoch.
		c.cfg.Epochs = len(c.want)
		res, err := Train(context.Background(), linear(t, handW0), handSet(), Set[float64]{}, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		for e, ep := range res.History {
			if ep.Alpha != c.cfg.Rate(e+1) || ep.Epoch != e+1 {
				t.Errorf("%s schedule: history[%d] is epoch %d with α = %v, want epoch %d with %v", c.cfg.Schedule, e, ep.Epoch, ep.Alpha, e+1, c.cfg.Rate(e+1))
			}
		}
	}
}

// TestEarlyStopping trains o = w x towards y = 2x while the validation set
// wants y = x: from w = 0, the validation loss falls until w passes 1, then
// rises. Training must stop Patience epochs after the best epoch and end with
// its weights.
func TestEarlyStopping(t *testing.T) {
	net, err := backprop.New[float64](1, backprop.Squared, 1, backprop.LayerSpec{Units: 1, Activation: backprop.Identity, NoBias: true})
	if err != nil {
		t.Fatal(err)
	}
	net.Layers[0].W[0] = 0
	train := Set[float64]{X: []float64{1, 2}, Y: []float64{2, 4}, N: 2}
	val := Set[float64]{X: []float64{1, -1}, Y: []float64{1, -1}, N: 2}
	var weights []float64 // after each epoch
	cfg := Config{Mode: Batch, Epochs: 100, Alpha: 0.05, Patience: 3,
		OnEpoch: func(Epoch) { weights = append(weights, net.Layers[0].W[0]) }}
	res, err := Train(context.Background(), net, train, val, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !res.EarlyStopped || len(res.History) != res.BestEpoch+cfg.Patience {
		t.Fatalf("stopped after %d epochs (early: %v), best epoch %d, want %d epochs", len(res.History), res.EarlyStopped, res.BestEpoch, res.BestEpoch+cfg.Patience)
	}
	best := 0
	for e, ep := range res.History {
		if ep.Val == nil {
			t.Fatalf("epoch %d has no validation score", e+1)
		}
		if ep.Val.Loss < res.History[best].Val.Loss {
			best = e
		}
	}
	if best+1 != res.BestEpoch || res.BestEpoch < 2 {
		t.Errorf("best epoch %d, want %d (the lowest validation loss, after a few epochs)", res.BestEpoch, best+1)
	}
	if w := net.Layers[0].W[0]; w != weights[res.BestEpoch-1] || w == weights[len(weights)-1] {
		t.Errorf("w = %v after training, want %v (the best epoch's), not the last epoch's %v", w, weights[res.BestEpoch-1], weights[len(weights)-1])
	}
	if want := math.Pow(net.Layers[0].W[0]-1, 2) / 2; math.Abs(res.History[best].Val.Loss-want) > 1e-15 {
		t.Errorf("best validation loss %v, want ½(w−1)² = %v", res.History[best].Val.Loss, want)
	}
}

// TestDivergence trains with a huge α until the loss overflows, and checks the
// error names the epoch and step and that the weights are the best finite
// ones the run had: those of the epoch with the lowest training loss, or the
// initial weights when no epoch beat them.
func TestDivergence(t *testing.T) {
	for _, tc := range []struct {
		mode  Mode
		alpha float64
	}{{Batch, 1e4}, {Stochastic, 0.45}, {Stochastic, 0.6}} {
		net := linear(t, handW0)
		type state struct {
			loss float64
			w    []float64
		}
		m, _ := Evaluate(net, handSet(), TaskRegression)
		best, bestEpoch := state{m.Loss, slices.Clone(net.Layers[0].W)}, 0
		cfg := Config{Mode: tc.mode, Epochs: 1000, Alpha: tc.alpha, OnEpoch: func(e Epoch) {
			if m, _ := Evaluate(net, handSet(), TaskRegression); m.Loss < best.loss {
				best, bestEpoch = state{m.Loss, slices.Clone(net.Layers[0].W)}, e.Epoch
			}
		}}
		res, err := Train(context.Background(), net, handSet(), Set[float64]{}, cfg)
		var div *DivergedError
		if !errors.As(err, &div) {
			t.Fatalf("err = %v, want a *DivergedError", err)
		}
		if !regexp.MustCompile(`^(training )?loss became (\+Inf|NaN) at epoch [0-9]+, step [0-9]+: lower the learning rate \(now [0-9e+.]+\)$`).MatchString(err.Error()) {
			t.Errorf("message %q", err)
		}
		if div.Epoch < 2 || div.Epoch != len(res.History)+1 {
			t.Errorf("diverged at epoch %d after %d epochs", div.Epoch, len(res.History))
		}
		if res.Kept != bestEpoch {
			t.Errorf("α %g: kept epoch %d, want %d (the lowest training loss)", tc.alpha, res.Kept, bestEpoch)
		}
		t.Logf("%s α %g: diverged at epoch %d, kept epoch %d", tc.mode, tc.alpha, div.Epoch, res.Kept)
		near(t, "w", net.Layers[0].W, best.w, 0)
		if err := net.Validate(); err != nil {
			t.Error(err)
		}
	}
	// A run resumed after 3 good epochs with a rate that diverges at once
	// keeps epoch 3, from its state.
	net := linear(t, handW0)
	var st *State
	cfg := Config{Mode: Batch, Epochs: 3, Alpha: 0.05, CheckpointEvery: 3, OnCheckpoint: func(s *State) error { st = s; return nil }}
	if _, err := Train(context.Background(), net, handSet(), Set[float64]{}, cfg); err != nil || st == nil || st.BestEpoch != 3 {
		t.Fatalf("%v %+v", err, st)
	}
	at3 := slices.Clone(net.Layers[0].W)
	res, err := Train(context.Background(), net, handSet(), Set[float64]{}, Config{Mode: Batch, Epochs: 100, Alpha: 1e4, Resume: st})
	var div *DivergedError
	if !errors.As(err, &div) || res.Kept != 3 {
		t.Errorf("resumed at α 1e4: %v, kept epoch %d, want 3", err, res.Kept)
	}
	near(t, "w", net.Layers[0].W, at3, 0)

	// In float32, stochastic mode: the error names the step within the epoch.
	net32 := backprop.Convert[float32](linear(t, handW0))
	set := Set[float32]{X: []float32{1, 2, 3, -1, -2, 0.5}, Y: []float32{1, 2, -1}, N: 3}
	_, err = Train(context.Background(), net32, set, Set[float32]{}, Config{Mode: Stochastic, Epochs: 100, Alpha: 1e3})
	if !errors.As(err, &div) || !regexp.MustCompile(`^loss became \+Inf at epoch [0-9]+, step [1-3]: lower the learning rate \(now 1000\)$`).MatchString(err.Error()) {
		t.Errorf("float32: err = %v", err)
	}
	if err := net32.Validate(); err != nil {
		t.Errorf("float32: %v", err)
	}

	// A finite loss (computed in float64) with a gradient that overflows
	// float32: the weights become infinite, and Step says so.
	big := backprop.Convert[float32](linear(t, []float64{1, 0}))
	tr, err := NewTrainer(big, Config{Epochs: 1, Alpha: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Step(Set[float32]{X: []float32{1e30, 0}, Y: []float32{0}, N: 1}, []int{0})
	if err == nil || err.Error() != "weights became -Inf at step 1: lower the learning rate (now 0.1)" {
		t.Errorf("float32 weights: err = %v", err)
	}
}

// TestCancel cancels during epoch 2 and checks the error and the weights.
func TestCancel(t *testing.T) {
	for _, withVal := range []bool{false, true} {
		net := linear(t, handW0)
		ctx, cancel := context.WithCancel(context.Background())
		var atEpoch1 []float64
		cfg := Config{Mode: Stochastic, Epochs: 5, Alpha: 0.01, Seed: 3,
			OnEpoch: func(Epoch) { atEpoch1 = append(atEpoch1[:0], net.Layers[0].W...) },
			OnStep: func(done, total int, _ float64) {
				if atEpoch1 != nil && done == 2 {
					cancel()
				}
			}}
		var val Set[float64]
		if withVal {
			val = handSet()
		}
		res, err := Train(ctx, net, handSet(), val, cfg)
		cancel()
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "training cancelled at epoch 2 after step 2 of 3") {
			t.Fatalf("err = %v", err)
		}
		if len(res.History) != 1 || res.Steps != 5 {
			t.Errorf("%d epochs, %d steps; want 1 and 5", len(res.History), res.Steps)
		}
		w := net.Layers[0].W
		switch {
		case withVal && (w[0] != atEpoch1[0] || w[1] != atEpoch1[1]):
			t.Errorf("with validation: w = %v, want the best (epoch 1) weights %v", w, atEpoch1)
		case !withVal && w[0] == atEpoch1[0]:
			t.Errorf("without validation: w = %v, want the weights after the last step", w)
		}
	}
}

// xorSet is XOR: the output is 1 when exactly one input is.
func xorSet() Set[float64] {
	return Set[float64]{X: []float64{0, 0, 0, 1, 1, 0, 1, 1}, Y: []float64{0, 1, 1, 0}, N: 4}
}

func xorNet(t testing.TB, seed uint64) *backprop.Network[float64] {
	net, err := backprop.New[float64](2, backprop.Log, seed,
		backprop.LayerSpec{Units: 4, Activation: backprop.Tanh},
		backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func TestXORLearns(t *testing.T) {
	for _, opt := range []Optimizer{SGD, Momentum, Nesterov, Adam} {
		net := xorNet(t, 1)
		alpha := 0.05 // momentum multiplies the step by up to 1/(1−μ) = 10
		if opt == SGD {
			alpha = 0.5
		}
		cfg := Config{Mode: Stochastic, Epochs: 500, Alpha: alpha, Optimizer: opt, Seed: 1}
		res, err := Train(context.Background(), net, xorSet(), Set[float64]{}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Evaluate(net, xorSet(), "")
		if err != nil {
			t.Fatal(err)
		}
		if m.Accuracy != 1 || m.Loss > 0.1 {
			t.Errorf("%s: accuracy %v, loss %v after %d epochs", opt, m.Accuracy, m.Loss, len(res.History))
		}
	}
}

// TestReproducible trains twice with the same seed and compares the weights
// bit for bit, and their model files byte for byte.
func TestReproducible(t *testing.T) {
	set := randomSet(rand.New(rand.NewPCG(9, 9)), 300, 5, 3, true)
	run := func(seed uint64) (*backprop.Network[float32], []byte) {
		net, err := backprop.New[float32](5, backprop.CrossEntropy, 2,
			backprop.LayerSpec{Units: 8, Activation: backprop.ReLU},
			backprop.LayerSpec{Units: 3, Activation: backprop.Softmax})
		if err != nil {
			t.Fatal(err)
		}
		s := Set[float32]{X: make([]float32, len(set.X)), Y: make([]float32, len(set.Y)), N: set.N}
		for k, v := range set.X {
			s.X[k] = float32(v)
		}
		for k, v := range set.Y {
			s.Y[k] = float32(v)
		}
		cfg := Config{Mode: MiniBatch, Batch: 16, Epochs: 5, Alpha: 0.01, Optimizer: Adam, L2: 1e-3, Seed: seed}
		if _, err := Train(context.Background(), net, s, Set[float32]{}, cfg); err != nil {
			t.Fatal(err)
		}
		b, err := net.MarshalModel()
		if err != nil {
			t.Fatal(err)
		}
		return net, b
	}
	a, ab := run(1)
	b, bb := run(1)
	c, _ := run(2)
	for p, w := range a.Params() {
		for k := range w {
			if math.Float32bits(w[k]) != math.Float32bits(b.Params()[p][k]) {
				t.Fatalf("param %d[%d]: %v and %v from the same seed", p, k, w[k], b.Params()[p][k])
			}
		}
	}
	if !bytes.Equal(ab, bb) {
		t.Error("model files differ for the same seed")
	}
	if a.Layers[0].W[0] == c.Layers[0].W[0] {
		t.Error("seeds 1 and 2 gave the same weights: the seed does not shuffle")
	}
}

func TestConfigErrors(t *testing.T) {
	ok := Config{Epochs: 1, Alpha: 0.1}
	cases := []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Epochs = 0 }, "epochs: 0, want at least 1"},
		{func(c *Config) { c.Alpha = 0 }, "learning rate alpha: 0, want a number > 0"},
		{func(c *Config) { c.Alpha = math.NaN() }, "learning rate alpha: NaN"},
		{func(c *Config) { c.Mode = "full" }, `unknown mode "full" (want batch, sgd, minibatch)`},
		{func(c *Config) { c.Optimizer = "adamw" }, `unknown optimizer "adamw" (want sgd, momentum, nesterov, adam)`},
		{func(c *Config) { c.Schedule = "linear" }, `unknown schedule "linear" (want constant, step, cosine)`},
		{func(c *Config) { c.Task = "ranking" }, `unknown task "ranking"`},
		{func(c *Config) { c.Batch = -1 }, "batch size: -1"},
		{func(c *Config) { c.Momentum = 1 }, "momentum: 1, want a number in (0, 1)"},
		{func(c *Config) { c.Beta2 = 1.5 }, "beta2: 1.5"},
		{func(c *Config) { c.L2 = -1 }, "l2: -1"},
		{func(c *Config) { c.L1 = -1 }, "l1: -1, want a number ≥ 0"},
		{func(c *Config) { c.L1 = math.Inf(1) }, "l1: +Inf"},
		{func(c *Config) { c.Gamma = 2 }, "gamma: 2"},
		{func(c *Config) { c.Patience = 2 }, "patience 2: early stopping needs a validation set"},
	}
	for _, c := range cases {
		cfg := ok
		c.edit(&cfg)
		_, err := Train(context.Background(), linear(t, handW0), handSet(), Set[float64]{}, cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want %q", err, c.want)
		}
	}
	bad := []struct {
		train, val Set[float64]
		want       string
	}{
		{Set[float64]{}, Set[float64]{}, "train set: no examples"},
		{Set[float64]{X: handX[:5], Y: handY, N: 3}, Set[float64]{}, "train set: 5 input values, want 6 (3 examples × 2 inputs of the network)"},
		{Set[float64]{X: handX, Y: handY[:2], N: 3}, Set[float64]{}, "train set: 2 target values, want 3"},
		{Set[float64]{X: []float64{1, math.NaN()}, Y: []float64{1}, N: 1}, Set[float64]{}, "train set: example 0, input 1 is NaN"},
		{handSet(), Set[float64]{X: handX, Y: handY, N: 2}, "validation set: 6 input values, want 4"},
	}
	for _, c := range bad {
		_, err := Train(context.Background(), linear(t, handW0), c.train, c.val, ok)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want %q", err, c.want)
		}
	}
}

// TestEvaluateClassification fixes the outputs of a softmax layer (zero
// weights, biases only: every example gets class 2, then class 0 when its
// input pushes it) and checks the counts by hand.
func TestEvaluateClassification(t *testing.T) {
	net, err := backprop.New[float64](1, backprop.CrossEntropy, 1, backprop.LayerSpec{Units: 3, Activation: backprop.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	// z = (10x, 0, 1): class 0 when x > 0.1, else class 2.
	copy(net.Layers[0].W, []float64{10, 0, 0})
	copy(net.Layers[0].B, []float64{0, 0, 1})
	set := Set[float64]{
		X: []float64{1, 1, 0, 0, 0, 1},
		Y: []float64{1, 0, 0 /**/, 0, 1, 0 /**/, 0, 0, 1 /**/, 0, 0, 1 /**/, 1, 0, 0 /**/, 0, 0, 1},
		N: 6,
	}
	m, err := Evaluate(net, set, TaskClassification)
	if err != nil {
		t.Fatal(err)
	}
	// predicted: 0, 0, 2, 2, 2, 0; true: 0, 1, 2, 2, 0, 2.
	want := [][]int{{1, 0, 1}, {1, 0, 0}, {1, 0, 2}}
	for i := range want {
		for j := range want[i] {
			if m.Confusion[i][j] != want[i][j] {
				t.Fatalf("confusion %v, want %v", m.Confusion, want)
			}
		}
	}
	if m.Accuracy != 0.5 || m.N != 6 || m.Task != TaskClassification {
		t.Errorf("accuracy %v, n %d, task %s", m.Accuracy, m.N, m.Task)
	}
	// class 0: TP 1, predicted 3, support 2; class 1: none predicted; class 2:
	// TP 2, predicted 3, support 3.
	wantC := []ClassMetrics{{1.0 / 3, 0.5, 2 * (1.0 / 3 * 0.5) / (1.0/3 + 0.5), 2}, {0, 0, 0, 1}, {2.0 / 3, 2.0 / 3, 2.0 / 3, 3}}
	for i, c := range m.Classes {
		if math.Abs(c.Precision-wantC[i].Precision) > 1e-15 || math.Abs(c.Recall-wantC[i].Recall) > 1e-15 ||
			math.Abs(c.F1-wantC[i].F1) > 1e-15 || c.Support != wantC[i].Support {
			t.Errorf("class %d: %+v, want %+v", i, c, wantC[i])
		}
	}
	// The loss is the mean of −log o_y.
	var E float64
	for r := range 6 {
		z := []float64{10 * set.X[r], 0, 1}
		lse := math.Log(math.Exp(z[0]) + math.Exp(z[1]) + math.Exp(z[2]))
		for k := range 3 {
			E -= set.Y[3*r+k] * (z[k] - lse)
		}
	}
	if math.Abs(m.Loss-E/6) > 1e-12 {
		t.Errorf("loss %v, want %v", m.Loss, E/6)
	}
}

// TestEvaluateManyClasses: a classifier of more than MaxConfusionClasses
// outputs gets no confusion matrix (K×K counts would outgrow memory for a
// network of many outputs) but the same per-class metrics, counted in O(K),
// as one just under the cap computes with its matrix.
func TestEvaluateManyClasses(t *testing.T) {
	for _, K := range []int{MaxConfusionClasses, MaxConfusionClasses + 1, 100000} {
		net, err := backprop.New[float32](1, backprop.CrossEntropy, 1, backprop.LayerSpec{Units: K, Activation: backprop.Softmax})
		if err != nil {
			t.Fatal(err)
		}
		// z_k = b_k + x·w_k: class 3 when x = 0; class 5 when x = 1.
		clear(net.Layers[0].W)
		clear(net.Layers[0].B)
		net.Layers[0].B[3], net.Layers[0].W[5] = 1, 2
		// true classes 3, 5, 5, 7; predicted 3, 5, 3, 5
		set := Set[float32]{X: []float32{0, 1, 0, 1}, Y: make([]float32, 4*K), N: 4}
		for r, c := range []int{3, 5, 5, 7} {
			set.Y[r*K+c] = 1
		}
		m, err := Evaluate(net, set, TaskClassification)
		if err != nil {
			t.Fatal(err)
		}
		if (m.Confusion != nil) != (K <= MaxConfusionClasses) || len(m.Classes) != K {
			t.Fatalf("K = %d: confusion %d rows, %d classes", K, len(m.Confusion), len(m.Classes))
		}
		want := map[int]ClassMetrics{3: {0.5, 1, 2.0 / 3, 1}, 5: {0.5, 0.5, 0.5, 2}, 7: {0, 0, 0, 1}}
		for i, c := range m.Classes {
			if c != want[i] {
				t.Fatalf("K = %d: class %d: %+v, want %+v", K, i, c, want[i])
			}
		}
		if m.Accuracy != 0.5 {
			t.Errorf("K = %d: accuracy %v, want 0.5", K, m.Accuracy)
		}
	}
}

// TestEvaluateRegression checks MSE and R² by hand on a set larger than one
// inference batch, and the single-output classification rule o ≥ 0.5.
func TestEvaluateRegression(t *testing.T) {
	net := linear(t, []float64{1, 0}) // o = x1
	const n = 700
	set := Set[float64]{X: make([]float64, 2*n), Y: make([]float64, n), N: n}
	var mean float64
	for r := range n {
		set.X[2*r] = float64(r%10) / 10
		set.Y[r] = float64(r%10)/10 + 0.1*float64(r%3-1)
		mean += set.Y[r] / n
	}
	var sse, sst float64
	for r := range n {
		sse += math.Pow(set.X[2*r]-set.Y[r], 2)
		sst += math.Pow(set.Y[r]-mean, 2)
	}
	m, err := Evaluate(net, set, "")
	if err != nil {
		t.Fatal(err)
	}
	if m.Task != TaskRegression || math.Abs(m.MSE-sse/n) > 1e-12 || math.Abs(m.R2-(1-sse/sst)) > 1e-12 || math.Abs(m.Loss-sse/2/n) > 1e-12 {
		t.Errorf("got %+v, want MSE %v, R² %v, loss %v", m.Score, sse/n, 1-sse/sst, sse/2/n)
	}
	if m.Confusion != nil || m.Accuracy != 0 {
		t.Errorf("regression has classification metrics: %+v", m)
	}

	// The same network read as a classifier of y ≥ 0.5 by o ≥ 0.5.
	m, err = Evaluate(net, set, TaskClassification)
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for r := range n {
		if (set.X[2*r] >= 0.5) == (set.Y[r] >= 0.5) {
			correct++
		}
	}
	if m.Accuracy != float64(correct)/n || len(m.Confusion) != 2 {
		t.Errorf("accuracy %v, want %v; confusion %v", m.Accuracy, float64(correct)/n, m.Confusion)
	}
}

func TestHistoryCSVAndJSON(t *testing.T) {
	h := []Epoch{
		{Epoch: 1, Alpha: 0.1, Train: Score{Loss: 0.5, Accuracy: 0.75}, Val: &Score{Loss: 0.625, Accuracy: 0.5}, Seconds: 0.25},
		{Epoch: 2, Alpha: 0.05, Train: Score{Loss: 0.25, Accuracy: 1}, Seconds: 0.5},
	}
	var b strings.Builder
	if err := WriteHistoryCSV(&b, h); err != nil {
		t.Fatal(err)
	}
	want := "epoch,alpha,loss,accuracy,val_loss,val_accuracy,seconds\n1,0.1,0.5,0.75,0.625,0.5,0.25\n2,0.05,0.25,1,,,0.5\n"
	if b.String() != want {
		t.Errorf("classification CSV:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := WriteHistoryCSV(&b, []Epoch{{Epoch: 1, Alpha: 1, Train: Score{Loss: 2, MSE: 4, R2: -0.5}, Seconds: 1}}); err != nil {
		t.Fatal(err)
	}
	if want := "epoch,alpha,loss,mse,r2,seconds\n1,1,2,4,-0.5,1\n"; b.String() != want {
		t.Errorf("regression CSV:\n%s\nwant:\n%s", b.String(), want)
	}
	j, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"epoch":1,"alpha":0.1,"train":{"loss":0.5,"accuracy":0.75},"val":{"loss":0.625,"accuracy":0.5},"seconds":0.25},{"epoch":2,"alpha":0.05,"train":{"loss":0.25,"accuracy":1},"seconds":0.5}]`; string(j) != want {
		t.Errorf("JSON %s\nwant %s", j, want)
	}
	var back []Epoch
	if err := json.Unmarshal(j, &back); err != nil || back[0].Val.Accuracy != 0.5 || back[1].Val != nil {
		t.Errorf("JSON round trip: %v %+v", err, back)
	}
}

// TestTrainMetrics checks the running training score against Evaluate in
// batch mode, where the single step scores the whole set before its update.
func TestTrainMetrics(t *testing.T) {
	net := xorNet(t, 2)
	before, err := Evaluate(net, xorSet(), "")
	if err != nil {
		t.Fatal(err)
	}
	var seen []Epoch
	cfg := Config{Mode: Batch, Epochs: 1, Alpha: 0.1, OnEpoch: func(ep Epoch) { seen = append(seen, ep) }}
	res, err := Train(context.Background(), net, xorSet(), xorSet(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	after, err := Evaluate(net, xorSet(), "")
	if err != nil {
		t.Fatal(err)
	}
	ep := res.History[0]
	if ep.Train != before.Score || len(seen) != 1 || seen[0].Train != ep.Train || ep.Seconds <= 0 {
		t.Errorf("train score %+v, want %+v (before the step)", ep.Train, before.Score)
	}
	if ep.Val == nil || *ep.Val != after.Score {
		t.Errorf("validation score %+v, want %+v (after the epoch)", ep.Val, after.Score)
	}
}
