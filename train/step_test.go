package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/backprop-go/backprop"
)

// The hand-computed cases: one identity neuron without bias and the squared
// loss, o = w1 x1 + w2 x2, J = ½ (o − y)², so ∂J/∂w_j = (o − y) x_j.
var (
	handX  = []float64{1, 2, 3, -1, -2, 0.5} // three examples of two inputs
	handY  = []float64{1, 2, -1}
	handW0 = []float64{0.1, -0.2}
)

// linear returns the network o = w·x with weights w.
func linear(t testing.TB, w []float64) *backprop.Network[float64] {
	t.Helper()
	net, err := backprop.New[float64](2, backprop.Squared, 1, backprop.LayerSpec{Units: 1, Activation: backprop.Identity, NoBias: true})
	if err != nil {
		t.Fatal(err)
	}
	copy(net.Layers[0].W, w)
	return net
}

// handGrad returns the mean gradient (1/n) Σ_r (o_r − y_r) x_r over the
// examples idx, worked out without the engine.
func handGrad(w []float64, idx ...int) [2]float64 {
	var g [2]float64
	for _, r := range idx {
		x1, x2, y := handX[2*r], handX[2*r+1], handY[r]
		o := w[0]*x1 + w[1]*x2
		g[0] += (o - y) * x1
		g[1] += (o - y) * x2
	}
	g[0] /= float64(len(idx))
	g[1] /= float64(len(idx))
	return g
}

func handSet() Set[float64] { return Set[float64]{X: handX, Y: handY, N: 3} }

func near(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for k := range got {
		if math.Abs(got[k]-want[k]) > tol*math.Max(1, math.Abs(want[k])) {
			t.Errorf("%s[%d] = %.17g, want %.17g", what, k, got[k], want[k])
		}
	}
}

// TestOptimizersByHand takes two steps of every optimizer on the batch of
// examples 0 and 1 (so n = 2 and the step is α/2 times the summed gradient)
// and compares with the update rules worked out here.
func TestOptimizersByHand(t *testing.T) {
	const alpha, mu = 0.1, 0.9
	const b1, b2, eps = 0.9, 0.999, 1e-8
	type state struct{ w, v, m [2]float64 }
	cases := []struct {
		opt  Optimizer
		step func(s *state, t int) // one step by hand
	}{
		{SGD, func(s *state, _ int) {
			g := handGrad(s.w[:], 0, 1)
			for j := range 2 {
				s.w[j] -= alpha * g[j]
			}
		}},
		{Momentum, func(s *state, _ int) {
			g := handGrad(s.w[:], 0, 1)
			for j := range 2 {
				s.v[j] = mu*s.v[j] + g[j]
				s.w[j] -= alpha * s.v[j]
			}
		}},
		{Nesterov, func(s *state, _ int) {
			g := handGrad(s.w[:], 0, 1)
			for j := range 2 {
				s.v[j] = mu*s.v[j] + g[j]
				s.w[j] -= alpha * (g[j] + mu*s.v[j])
			}
		}},
		{Adam, func(s *state, t int) {
			g := handGrad(s.w[:], 0, 1)
			for j := range 2 {
				s.m[j] = b1*s.m[j] + (1-b1)*g[j]
				s.v[j] = b2*s.v[j] + (1-b2)*g[j]*g[j]
				mhat := s.m[j] / (1 - math.Pow(b1, float64(t)))
				vhat := s.v[j] / (1 - math.Pow(b2, float64(t)))
				s.w[j] -= alpha * mhat / (math.Sqrt(vhat) + eps)
			}
		}},
	}
	for _, c := range cases {
		t.Run(string(c.opt), func(t *testing.T) {
			net := linear(t, handW0)
			tr, err := NewTrainer(net, Config{Mode: Batch, Epochs: 1, Alpha: alpha, Optimizer: c.opt})
			if err != nil {
				t.Fatal(err)
			}
			s := state{w: [2]float64(handW0)}
			for step := 1; step <= 2; step++ {
				loss, err := tr.Step(handSet(), []int{0, 1})
				if err != nil {
					t.Fatal(err)
				}
				// The mean loss, before the update.
				o1, o2 := s.w[0]*1+s.w[1]*2, s.w[0]*3+s.w[1]*-1
				wantLoss := ((o1-1)*(o1-1)/2 + (o2-2)*(o2-2)/2) / 2
				if math.Abs(loss-wantLoss) > 1e-12 {
					t.Errorf("step %d: loss %.17g, want %.17g", step, loss, wantLoss)
				}
				c.step(&s, step)
				near(t, "w", net.Layers[0].W, s.w[:], 1e-12)
			}
		})
	}
}

// TestL2ByHand checks that weight decay adds λw to the mean gradient of the
// weights and leaves the bias alone.
func TestL2ByHand(t *testing.T) {
	const alpha, lambda = 0.1, 0.01
	net, err := backprop.New[float64](2, backprop.Squared, 1, backprop.LayerSpec{Units: 1, Activation: backprop.Identity})
	if err != nil {
		t.Fatal(err)
	}
	w, b := []float64{0.1, -0.2}, 0.3
	copy(net.Layers[0].W, w)
	net.Layers[0].B[0] = b
	tr, err := NewTrainer(net, Config{Epochs: 1, Alpha: alpha, L2: lambda})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Step(handSet(), []int{0, 2}); err != nil {
		t.Fatal(err)
	}
	// o = w·x + b; mean gradient over examples 0 and 2.
	var gw [2]float64
	var gb float64
	for _, r := range []int{0, 2} {
		x1, x2, y := handX[2*r], handX[2*r+1], handY[r]
		d := w[0]*x1 + w[1]*x2 + b - y
		gw[0] += d * x1 / 2
		gw[1] += d * x2 / 2
		gb += d / 2
	}
	wantW := []float64{w[0] - alpha*(gw[0]+lambda*w[0]), w[1] - alpha*(gw[1]+lambda*w[1])}
	near(t, "W", net.Layers[0].W, wantW, 1e-12)
	near(t, "b", net.Layers[0].B, []float64{b - alpha*gb}, 1e-12)
}

// TestModesByHand trains one epoch in each mode on the three examples and
// replays the epoch by hand, in the order the mode takes them: batch mode in
// the set's order, the other modes shuffled from the seed.
func TestModesByHand(t *testing.T) {
	const alpha = 0.05
	// The first seed whose shuffle moves the first example, so that order
	// matters to the test.
	var seed uint64
	order := []int{0, 1, 2}
	for order[0] == 0 {
		seed++
		order = []int{0, 1, 2}
		shuffle(rand.New(rand.NewPCG(seed, shuffleStream)), order)
	}
	cases := []struct {
		mode    Mode
		batch   int
		batches [][]int
	}{
		{Batch, 0, [][]int{{0, 1, 2}}},
		{Stochastic, 0, [][]int{order[:1], order[1:2], order[2:]}},
		{MiniBatch, 2, [][]int{order[:2], order[2:]}},
		{MiniBatch, 5, [][]int{order}},
	}
	for _, c := range cases {
		t.Run(string(c.mode), func(t *testing.T) {
			net := linear(t, handW0)
			cfg := Config{Mode: c.mode, Batch: c.batch, Epochs: 1, Alpha: alpha, Seed: seed}
			var steps []int
			cfg.OnStep = func(done, total int, _ float64) { steps = append(steps, done, total) }
			res, err := Train(context.Background(), net, handSet(), Set[float64]{}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			w := append([]float64(nil), handW0...)
			for _, idx := range c.batches {
				g := handGrad(w, idx...)
				w[0] -= alpha * g[0]
				w[1] -= alpha * g[1]
			}
			near(t, "w", net.Layers[0].W, w, 1e-12)
			if res.Steps != len(c.batches) || len(steps) != 2*len(c.batches) || steps[len(steps)-2] != len(c.batches) || steps[1] != len(c.batches) {
				t.Errorf("%d steps, OnStep saw %v; want %d steps", res.Steps, steps, len(c.batches))
			}
		})
	}
}

// TestBatchGradientIsSum checks, on a random two-layer network, that the
// engine's batch gradient is the sum of the per-example gradients, and that a
// batch-mode step over more rows than one chunk (here 600 > 256) uses it:
// w ← w − (α/n) Σ_r ∂J_r/∂w.
func TestBatchGradientIsSum(t *testing.T) {
	net, err := backprop.New[float64](3, backprop.CrossEntropy, 5,
		backprop.LayerSpec{Units: 4, Activation: backprop.Tanh},
		backprop.LayerSpec{Units: 3, Activation: backprop.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	const n = 600
	set := randomSet(rand.New(rand.NewPCG(1, 2)), n, 3, 3, true)
	sum := zeros(net.Params())
	one := net.NewWorkspace(1)
	for r := range n {
		one.Forward(set.X[3*r : 3*r+3])
		one.Backward(set.Y[3*r : 3*r+3])
		for p, g := range one.Grads() {
			for k, v := range g {
				sum[p][k] += v
			}
		}
	}
	all := net.NewWorkspace(n)
	all.Forward(set.X)
	all.Backward(set.Y)
	for p, g := range all.Grads() {
		near(t, "batch gradient", g, sum[p], 1e-12)
	}

	const alpha = 0.3
	want := net.Clone().Params()
	for p := range want {
		for k := range want[p] {
			want[p][k] -= alpha / n * sum[p][k]
		}
	}
	tr, err := NewTrainer(net, Config{Mode: Batch, Epochs: 1, Alpha: alpha})
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if _, err := tr.Step(set, idx); err != nil {
		t.Fatal(err)
	}
	for p, w := range net.Params() {
		near(t, "weights after a batch step", w, want[p], 1e-12)
	}
}

// randomSet returns n examples with inputs in [-1, 1) and, if onehot, one-hot
// targets of out classes, else targets in [-1, 1).
func randomSet(rng *rand.Rand, n, in, out int, onehot bool) Set[float64] {
	s := Set[float64]{X: make([]float64, n*in), Y: make([]float64, n*out), N: n}
	for k := range s.X {
		s.X[k] = 2*rng.Float64() - 1
	}
	for r := range n {
		if onehot {
			s.Y[r*out+rng.IntN(out)] = 1
			continue
		}
		for k := range out {
			s.Y[r*out+k] = 2*rng.Float64() - 1
		}
	}
	return s
}

// TestMaskedWeightsStayZero trains a network with absent connections under
// every optimizer with weight decay, alone and with the L1 penalty
// (sign(0) = 0), and checks that they are still exactly 0 while the present
// weights moved.
func TestMaskedWeightsStayZero(t *testing.T) {
	for _, opt := range []Optimizer{SGD, Momentum, Nesterov, Adam} {
		for _, l1 := range []float64{0, 0.1} {
			t.Run(fmt.Sprintf("%s/l1=%g", opt, l1), func(t *testing.T) {
				net, err := backprop.New[float64](3, backprop.Log, 3,
					backprop.LayerSpec{Units: 4, Activation: backprop.Sigmoid},
					backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
				if err != nil {
					t.Fatal(err)
				}
				for _, lay := range net.Layers {
					lay.Mask = make([]bool, len(lay.W))
					for k := range lay.Mask {
						lay.Mask[k] = k%3 != 1
					}
				}
				net.Init(3)
				before := net.Clone()
				set := randomSet(rand.New(rand.NewPCG(4, 5)), 50, 3, 1, false)
				for k := range set.Y {
					set.Y[k] = math.Round((set.Y[k] + 1) / 2)
				}
				cfg := Config{Mode: MiniBatch, Batch: 8, Epochs: 5, Alpha: 0.1, Optimizer: opt, L2: 0.1, L1: l1, Seed: 1}
				if _, err := Train(context.Background(), net, set, Set[float64]{}, cfg); err != nil {
					t.Fatal(err)
				}
				for l, lay := range net.Layers {
					for k, present := range lay.Mask {
						switch {
						case !present && lay.W[k] != 0:
							t.Errorf("layer %d: absent weight %d is %v, want 0", l+1, k, lay.W[k])
						case present && lay.W[k] == before.Layers[l].W[k]:
							t.Errorf("layer %d: weight %d did not move", l+1, k)
						}
					}
				}
				if err := net.Validate(); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// TestStepAllocatesNothing measures one step of every optimizer, for a batch
// of one chunk and one of several chunks, with the running metrics on, and
// with the layers' health off and on (a measured step), without and with the
// L1 penalty.
func TestStepAllocatesNothing(t *testing.T) {
	for _, opt := range []Optimizer{SGD, Momentum, Nesterov, Adam} {
		for _, n := range []int{32, 300} {
			for _, c := range []struct {
				withHealth bool
				l1         float64
			}{{false, 0}, {true, 0}, {false, 1e-4}, {true, 1e-4}} {
				withHealth := c.withHealth
				net, err := backprop.New[float32](8, backprop.CrossEntropy, 1,
					backprop.LayerSpec{Units: 16, Activation: backprop.ReLU},
					backprop.LayerSpec{Units: 4, Activation: backprop.Softmax})
				if err != nil {
					t.Fatal(err)
				}
				s64 := randomSet(rand.New(rand.NewPCG(1, 1)), 400, 8, 4, true)
				set := Set[float32]{X: make([]float32, len(s64.X)), Y: make([]float32, len(s64.Y)), N: s64.N}
				for k, v := range s64.X {
					set.X[k] = float32(v)
				}
				for k, v := range s64.Y {
					set.Y[k] = float32(v)
				}
				tr, err := NewTrainer(net, Config{Mode: MiniBatch, Batch: n, Epochs: 1, Alpha: 0.01, Optimizer: opt, L2: 1e-4, L1: c.l1})
				if err != nil {
					t.Fatal(err)
				}
				tr.score = newScorer(tr.task, 4, set.Y, set.N, false)
				if withHealth {
					tr.health = newHealth(net, tr.params)
					tr.health.sample = true
				}
				idx := make([]int, n)
				for i := range idx {
					idx[i] = (7 * i) % set.N
				}
				allocs := testing.AllocsPerRun(20, func() {
					if _, err := tr.Step(set, idx); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Errorf("%s, batch of %d, health %v, l1 %v: %v allocations per step, want 0", opt, n, withHealth, c.l1, allocs)
				}
			}
		}
	}
}

// TestTrainAllocationsDoNotGrowWithSteps runs Train on 300 and on 3000
// examples, one per step, with OnStep and a cancellable context, and expects
// the same number of allocations: none of them is per step. (Both sets are
// larger than a batch of the evaluation, whose workspace, cut into shards,
// costs more allocations than a small one.)
func TestTrainAllocationsDoNotGrowWithSteps(t *testing.T) {
	allocs := func(n int) float64 {
		set := randomSet(rand.New(rand.NewPCG(1, 1)), n, 2, 1, false)
		net := linear(t, handW0)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var calls int
		cfg := Config{Mode: Stochastic, Epochs: 2, Alpha: 0.01, Optimizer: Adam, OnStep: func(int, int, float64) { calls++ }}
		return testing.AllocsPerRun(5, func() {
			if _, err := Train(ctx, net, set, set, cfg); err != nil {
				t.Fatal(err)
			}
		})
	}
	if a, b := allocs(300), allocs(3000); a != b {
		t.Errorf("%v allocations for 600 steps, %v for 6000", a, b)
	}
}
