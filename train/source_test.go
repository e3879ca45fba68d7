package train

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

// setSource is a Source over a Set, in its order, that records what it
// gives and can fail at an example.
type setSource[T backprop.Float] struct {
	set    Set[T]
	i      int
	passes int
	failAt int // 1-based example of a pass that fails; 0 never
}

func (s *setSource[T]) Len() int     { return s.set.N }
func (s *setSource[T]) Reset() error { s.i = 0; s.passes++; return nil }
func (s *setSource[T]) Next(x, y []T) error {
	if s.i == s.set.N {
		return io.EOF
	}
	if s.i+1 == s.failAt {
		return fmt.Errorf("bad.csv:%d:2: \"oops\" is not a number", s.i+2)
	}
	n0, nL := len(x), len(y)
	copy(x, s.set.X[s.i*n0:(s.i+1)*n0])
	copy(y, s.set.Y[s.i*nL:(s.i+1)*nL])
	s.i++
	return nil
}

// TestShuffleBuffer walks sources through buffers of several sizes and
// checks each epoch: every example taken once, none more than the buffer's
// size earlier than the source gave it, batches of the right size, the
// order changing from epoch to epoch and the same for the same seed; a
// buffer as large as the source reads it once.
func TestShuffleBuffer(t *testing.T) {
	const n = 103
	set := Set[float64]{X: make([]float64, n), Y: make([]float64, n), N: n}
	for i := range n {
		set.X[i] = float64(i) // the example's position in the source
	}
	net := linear(t, handW0)
	net, _ = backprop.New[float64](1, backprop.Squared, 1, backprop.LayerSpec{Units: 1, Activation: backprop.Identity})
	for _, size := range []int{1, 7, 32, 102, 103, 1000} {
		for _, batch := range []int{1, 10, 103} {
			var pcg *rand.PCG // the generator after the walk
			order := func(seed uint64) [][]int {
				src := &setSource[float64]{set: set}
				tr, err := NewTrainer(net, Config{Alpha: 0.1, Epochs: 1, Batch: batch, Shuffle: size, Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
				pcg = rand.NewPCG(seed, shuffleStream)
				w := newWalker(tr, part[float64]{src: src, n: n}, rand.New(pcg)).(*bufferWalker[float64])
				var epochs [][]int
				for range 3 {
					if err := w.start(); err != nil {
						t.Fatal(err)
					}
					var got []int
					for s := range w.steps() {
						b, idx, err := w.next()
						if err != nil {
							t.Fatal(err)
						}
						if want := min(batch, n-s*batch); len(idx) != want {
							t.Fatalf("buffer %d, batch %d: step %d takes %d examples, want %d", size, batch, s, len(idx), want)
						}
						for _, r := range idx {
							got = append(got, int(b.X[r]))
						}
					}
					epochs = append(epochs, got)
				}
				if wantPasses := map[bool]int{true: 1, false: 3}[size >= n || batch >= n]; src.passes != wantPasses {
					t.Errorf("buffer %d: %d passes over the source in 3 epochs, want %d", size, src.passes, wantPasses)
				}
				return epochs
			}
			epochs := order(5)
			for e, got := range epochs {
				if !slices.Equal(slices.Sorted(slices.Values(got)), seqTo(n)) {
					t.Fatalf("buffer %d, batch %d, epoch %d: examples %v, want each once", size, batch, e+1, got)
				}
				for pos, i := range got {
					if pos < i-size+1-batch {
						t.Fatalf("buffer %d, batch %d: example %d taken at position %d", size, batch, i, pos)
					}
				}
			}
			if size > 1 && slices.Equal(epochs[0], epochs[1]) {
				t.Errorf("buffer %d, batch %d: epochs 1 and 2 in the same order", size, batch)
			}
			if again := order(5); !slices.Equal(again[2], epochs[2]) {
				t.Errorf("buffer %d, batch %d: the same seed gave another order", size, batch)
			}
			// A resumed run replays the draws of the epochs done without
			// reading the source: the generator ends where the walk left it.
			tr, _ := NewTrainer(net, Config{Alpha: 0.1, Epochs: 1, Batch: batch, Shuffle: size, Seed: 5})
			replay := rand.NewPCG(5, shuffleStream)
			src := &setSource[float64]{set: set}
			newWalker(tr, part[float64]{src: src, n: n}, rand.New(replay)).skip(3)
			walked, _ := pcg.MarshalBinary()
			skipped, _ := replay.MarshalBinary()
			if !bytes.Equal(walked, skipped) || src.passes != 0 {
				t.Errorf("buffer %d, batch %d: skipping 3 epochs left the generator elsewhere than walking them (%d passes read)", size, batch, src.passes)
			}
		}
	}
}

func seqTo(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestTrainSource trains a classifier from a source twice (identical
// weights), checks it learns, that a failing source stops the run with
// the source's error and the epochs done, and that Batch mode, Resume and
// a source that lies about its length are refused.
func TestTrainSource(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	set := randomSet(rng, 600, 2, 2, false)
	for r := range set.N { // class 1 inside the circle of radius 0.7
		x0, x1 := set.X[2*r], set.X[2*r+1]
		in := x0*x0+x1*x1 < 0.5
		set.Y[2*r], set.Y[2*r+1] = 1, 0
		if in {
			set.Y[2*r], set.Y[2*r+1] = 0, 1
		}
	}
	val := Set[float64]{X: set.X[:400], Y: set.Y[:400], N: 200}
	trainSet := Set[float64]{X: set.X[800:], Y: set.Y[800:], N: 200}
	newNet := func() *backprop.Network[float64] {
		net, err := backprop.New[float64](2, backprop.CrossEntropy, 4,
			backprop.LayerSpec{Units: 16, Activation: backprop.Tanh}, backprop.LayerSpec{Units: 2, Activation: backprop.Softmax})
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	cfg := Config{Alpha: 0.01, Epochs: 40, Batch: 16, Optimizer: Adam, Shuffle: 50, Seed: 9}
	run := func(cfg Config, fail int) (*backprop.Network[float64], Result, error) {
		net := newNet()
		res, err := TrainSource(context.Background(), net, &setSource[float64]{set: trainSet, failAt: fail}, &setSource[float64]{set: val}, cfg)
		return net, res, err
	}
	a, res, err := run(cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := run(cfg, 0)
	heldValues = 10 // the validation source read every epoch, not held: the same run
	c, _, err := run(cfg, 0)
	heldValues = MaxHeldValues
	if err != nil {
		t.Fatal(err)
	}
	for l := range a.Layers {
		if !slices.Equal(a.Layers[l].W, b.Layers[l].W) || !slices.Equal(a.Layers[l].B, b.Layers[l].B) {
			t.Fatalf("layer %d: two runs of the same seed differ", l+1)
		}
		if !slices.Equal(a.Layers[l].W, c.Layers[l].W) || !slices.Equal(a.Layers[l].B, c.Layers[l].B) {
			t.Fatalf("layer %d: validation held and read every epoch differ", l+1)
		}
	}
	if acc := res.History[res.BestEpoch-1].Val.Accuracy; acc < 0.9 {
		t.Errorf("validation accuracy %.3f, want at least 0.9", acc)
	}
	m, err := EvaluateSource(a, &setSource[float64]{set: val}, TaskAuto)
	if err != nil {
		t.Fatal(err)
	}
	if want, err := Evaluate(a, val, TaskAuto); err != nil || m.Loss != want.Loss || m.Accuracy != want.Accuracy {
		t.Errorf("EvaluateSource %+v, Evaluate %+v", m.Score, want.Score)
	}

	cfg.Epochs = 3
	_, res, err = run(cfg, 150)
	if err == nil || !strings.Contains(err.Error(), `train set, epoch 1, step`) || !strings.Contains(err.Error(), `bad.csv:151:2: "oops" is not a number`) {
		t.Errorf("error %v, want the source's, with the epoch", err)
	}
	if len(res.History) != 0 {
		t.Errorf("%d epochs recorded before the failure in epoch 1", len(res.History))
	}

	for _, c := range []struct {
		cfg Config
		src Source[float64]
		err string
	}{
		{Config{Alpha: 0.1, Epochs: 1, Resume: &State{}}, &setSource[float64]{set: trainSet}, `resume: the state is of optimizer ""`},
		{Config{Alpha: 0.1, Epochs: 1}, &setSource[float64]{}, "no examples"},
		{Config{Alpha: 0.1, Epochs: 1, Shuffle: 10}, &shortSource{setSource[float64]{set: trainSet}, 1}, "ended after 200 of its 201"},
		{Config{Alpha: 0.1, Epochs: 1, Shuffle: 10}, &shortSource{setSource[float64]{set: trainSet}, -1}, "more than its 199"},
	} {
		_, err := TrainSource(context.Background(), newNet(), c.src, nil, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%+v: error %v, want %s", c.cfg, err, c.err)
		}
	}
}

// shortSource claims short more examples than it has (negative: fewer).
type shortSource struct {
	setSource[float64]
	short int
}

func (s *shortSource) Len() int { return s.set.N + s.short }

// TestTrainSourceBatchAndResume: batch mode from a source gives Train's
// weights on a Set of the same examples, bit for bit (one chunk, and
// several summed); and a run resumed from the checkpoint of any epoch
// ends with the weights of the run that never stopped — every mode
// (minibatch through a buffer smaller than the source, whose draws are
// replayed, and larger; sgd; batch), every optimizer state, with and
// without a validation source.
func TestTrainSourceBatchAndResume(t *testing.T) {
	newNet := func() *backprop.Network[float64] {
		net, err := backprop.New[float64](3, backprop.CrossEntropy, 4,
			backprop.LayerSpec{Units: 5, Activation: backprop.Tanh}, backprop.LayerSpec{Units: 3, Activation: backprop.Softmax})
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	same := func(a, b *backprop.Network[float64]) bool {
		for l := range a.Layers {
			if !slices.Equal(a.Layers[l].W, b.Layers[l].W) || !slices.Equal(a.Layers[l].B, b.Layers[l].B) {
				return false
			}
		}
		return true
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{200, 700} {
		set := randomSet(rng, n, 3, 3, true)
		cfg := Config{Mode: Batch, Alpha: 0.05, Epochs: 4, Optimizer: Momentum, Seed: 2}
		a, b := newNet(), newNet()
		if _, err := Train(context.Background(), a, set, Set[float64]{}, cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := TrainSource(context.Background(), b, &setSource[float64]{set: set}, nil, cfg); err != nil {
			t.Fatal(err)
		}
		if !same(a, b) {
			t.Errorf("batch mode, %d examples: TrainSource's weights differ from Train's", n)
		}
	}
	set := randomSet(rng, 300, 3, 3, true)
	val := randomSet(rng, 60, 3, 3, true)
	for _, c := range []Config{
		{Mode: MiniBatch, Batch: 16, Shuffle: 40, Optimizer: Adam, Alpha: 0.01},
		{Mode: MiniBatch, Batch: 16, Shuffle: 1000, Optimizer: Nesterov, Alpha: 0.01},
		{Mode: Stochastic, Shuffle: 7, Optimizer: SGD, Alpha: 0.01},
		{Mode: Batch, Optimizer: Adam, Alpha: 0.01},
	} {
		for _, v := range []*setSource[float64]{nil, {set: val}} {
			c.Epochs, c.Seed = 4, 3
			if v != nil {
				c.Patience = 10
			}
			var states []*State
			var weights []*backprop.Network[float64]
			whole := newNet()
			c.OnCheckpoint = func(s *State) error {
				states, weights = append(states, s), append(weights, whole.Clone())
				return nil
			}
			valSrc := func() Source[float64] {
				if v == nil {
					return nil
				}
				return &setSource[float64]{set: val}
			}
			want, err := TrainSource(context.Background(), whole, &setSource[float64]{set: set}, valSrc(), c)
			if err != nil {
				t.Fatal(err)
			}
			c.OnCheckpoint = nil
			for k, st := range states[:len(states)-1] {
				net := weights[k]
				c.Resume = st
				got, err := TrainSource(context.Background(), net, &setSource[float64]{set: set}, valSrc(), c)
				if err != nil {
					t.Fatalf("%s, resumed after epoch %d: %v", c.Mode, k+1, err)
				}
				if !same(net, whole) || got.Steps != want.Steps || len(got.History) != len(want.History) || got.BestEpoch != want.BestEpoch {
					t.Errorf("%s, batch %d, buffer %d, validation %v: resumed after epoch %d, the run differs from the one that never stopped", c.Mode, c.Batch, c.Shuffle, v != nil, k+1)
				}
			}
			c.Resume = nil
		}
	}
}

// TestEvaluateSourceExact checks EvaluateSource and MeasureHealthSource
// against Evaluate and MeasureHealth on the same examples: the same
// figures, bit for bit — R² included, whose sum of squares a source's
// second pass accumulates about the means of its first — on sets above and
// below an evaluation chunk, for regression (two outputs, targets far from
// 0) and classification; a failing source is an error.
func TestEvaluateSourceExact(t *testing.T) {
	for _, n := range []int{1, 300, 1000} {
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		reg := randomSet(rng, n, 3, 2, false)
		for k := range reg.Y {
			reg.Y[k] = 100 + 3*reg.Y[k] // far from 0: a naive Σy² − (Σy)²/n would lose digits
		}
		cls := randomSet(rng, n, 3, 4, true)
		for _, c := range []struct {
			set  Set[float64]
			loss backprop.Loss
			act  backprop.Activation
			task Task
		}{{reg, backprop.Squared, backprop.Identity, TaskRegression}, {cls, backprop.CrossEntropy, backprop.Softmax, TaskClassification}} {
			net, err := backprop.New[float64](3, c.loss, 7, backprop.LayerSpec{Units: 5, Activation: backprop.Tanh},
				backprop.LayerSpec{Units: len(c.set.Y) / n, Activation: c.act})
			if err != nil {
				t.Fatal(err)
			}
			want, _ := Evaluate(net, c.set, c.task)
			got, err := EvaluateSource(net, &setSource[float64]{set: c.set}, c.task)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("n %d, %s: EvaluateSource %+v (%v), Evaluate %+v", n, c.task, got, err, want)
			}
			wantH, _ := MeasureHealth(net, c.set)
			gotH, err := MeasureHealthSource(net, &setSource[float64]{set: c.set})
			if err != nil || !reflect.DeepEqual(gotH, wantH) {
				t.Errorf("n %d, %s: MeasureHealthSource %+v (%v), MeasureHealth %+v", n, c.task, gotH, err, wantH)
			}
			if _, err := EvaluateSource(net, &setSource[float64]{set: c.set, failAt: n}, c.task); err == nil || !strings.Contains(err.Error(), "oops") {
				t.Errorf("n %d, %s: a failing source evaluated (%v)", n, c.task, err)
			}
			if _, err := MeasureHealthSource(net, &shortSource{setSource: setSource[float64]{set: c.set}, short: 1}); err == nil {
				t.Errorf("n %d, %s: a source shorter than its Len measured", n, c.task)
			}
		}
	}
}

// TestTrainSourceAllocations runs TrainSource on 300 and on 3000 examples,
// one per step, through a buffer smaller than both, and expects the same
// number of allocations: none of them is per step or per example. (Both
// sets are larger than a batch of the evaluation, whose workspace, cut into
// shards, costs more allocations to make than a small one.)
func TestTrainSourceAllocations(t *testing.T) {
	allocs := func(n int) float64 {
		set := randomSet(rand.New(rand.NewPCG(1, 1)), n, 2, 1, false)
		net := linear(t, handW0)
		cfg := Config{Mode: Stochastic, Epochs: 2, Alpha: 0.01, Optimizer: Adam, Shuffle: 16}
		return testing.AllocsPerRun(5, func() {
			if _, err := TrainSource(context.Background(), net, &setSource[float64]{set: set}, &setSource[float64]{set: set}, cfg); err != nil {
				t.Fatal(err)
			}
		})
	}
	if a, b := allocs(300), allocs(3000); a != b {
		t.Errorf("%v allocations for 600 steps, %v for 6000", a, b)
	}
}
