package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

// blobs returns a small 3-class problem of n examples on 4 inputs.
func blobs[T backprop.Float](n int, seed uint64) Set[T] {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := Set[T]{X: make([]T, n*4), Y: make([]T, n*3), N: n}
	for r := range n {
		c := r % 3
		for j := range 4 {
			s.X[r*4+j] = T(float64(c*(j%2)) + rng.NormFloat64()*0.7)
		}
		s.Y[r*3+c] = 1
	}
	return s
}

func blobNet[T backprop.Float](t testing.TB) *backprop.Network[T] {
	net, err := backprop.New[T](4, backprop.CrossEntropy, 7,
		backprop.LayerSpec{Units: 6, Activation: backprop.Tanh},
		backprop.LayerSpec{Units: 3, Activation: backprop.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// TestResumeIsExact: for every optimizer and mode, with and without a
// validation set and early stopping, a run resumed from the checkpoint of
// any epoch (through JSON and the model file, as the CLI stores them) ends
// with the same weights, bit for bit, and the same result as the run that
// was never interrupted.
func TestResumeIsExact(t *testing.T) {
	testResume[float32](t)
	testResume[float64](t)
}

func testResume[T backprop.Float](t *testing.T) {
	train, val := blobs[T](50, 1), blobs[T](20, 2)
	for _, opt := range []Optimizer{SGD, Momentum, Nesterov, Adam} {
		for _, mode := range []Mode{MiniBatch, Stochastic, Batch} {
			for _, v := range []Set[T]{{}, val} {
				cfg := Config{Mode: mode, Batch: 8, Epochs: 7, Alpha: 0.05, Optimizer: opt, Seed: 3, L2: 1e-3, Schedule: Cosine}
				if opt == Adam {
					cfg.Alpha = 0.01
				}
				if v.N > 0 {
					cfg.Patience = 3
				}
				name := string(opt) + "/" + string(mode)
				// The whole run, saving the weights and the state at every epoch.
				net := blobNet[T](t)
				var models, states [][]byte
				cfg.OnCheckpoint = func(s *State) error {
					m, err := net.MarshalModel()
					if err != nil {
						return err
					}
					j, err := json.Marshal(s)
					models, states = append(models, m), append(states, j)
					return err
				}
				want, err := Train(context.Background(), net, train, v, cfg)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				wantModel, _ := net.MarshalModel()
				cfg.OnCheckpoint = nil
				for k := range states {
					var s State
					if err := json.Unmarshal(states[k], &s); err != nil {
						t.Fatal(err)
					}
					net2, err := backprop.UnmarshalModel[T](models[k])
					if err != nil {
						t.Fatal(err)
					}
					cfg.Resume = &s
					got, err := Train(context.Background(), net2, train, v, cfg)
					if err != nil {
						t.Fatalf("%s: resuming after epoch %d: %v", name, k+1, err)
					}
					gotModel, _ := net2.MarshalModel()
					if !bytes.Equal(gotModel, wantModel) {
						t.Errorf("%s (val %d): resumed after epoch %d: other weights", name, v.N, k+1)
					}
					if !sameResult(got, want) {
						t.Errorf("%s (val %d): resumed after epoch %d: result %+v, want %+v", name, v.N, k+1, got, want)
					}
				}
				cfg.Resume = nil
			}
		}
	}
}

// sameResult compares two results but for the times.
func sameResult(a, b Result) bool {
	strip := func(r Result) string {
		for i := range r.History {
			r.History[i].Seconds = 0
		}
		j, _ := json.Marshal(r)
		return string(j)
	}
	return strip(a) == strip(b)
}

func TestCheckpointEveryAndErrors(t *testing.T) {
	train := blobs[float64](30, 1)
	var epochs []int
	cfg := Config{Epochs: 7, Alpha: 0.05, CheckpointEvery: 3, OnCheckpoint: func(s *State) error {
		epochs = append(epochs, s.Epoch)
		return nil
	}}
	if _, err := Train(context.Background(), blobNet[float64](t), train, Set[float64]{}, cfg); err != nil {
		t.Fatal(err)
	}
	if len(epochs) != 2 || epochs[0] != 3 || epochs[1] != 6 {
		t.Errorf("checkpoints at epochs %v, want [3 6]", epochs)
	}
	boom := errors.New("disk full")
	cfg.OnCheckpoint = func(*State) error { return boom }
	res, err := Train(context.Background(), blobNet[float64](t), train, Set[float64]{}, cfg)
	if !errors.Is(err, boom) || err.Error() != "checkpoint at epoch 3: disk full" || len(res.History) != 3 {
		t.Errorf("hook error: %v, %d epochs", err, len(res.History))
	}

	// A state that does not fit the run.
	var st *State
	cfg = Config{Epochs: 4, Alpha: 0.05, Optimizer: Adam, Seed: 5, OnCheckpoint: func(s *State) error { st = s; return nil }}
	if _, err := Train(context.Background(), blobNet[float64](t), train, Set[float64]{}, cfg); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		change func(c *Config, s *State)
		want   string
	}{
		{func(c *Config, s *State) { c.Optimizer = Momentum }, `resume: the state is of optimizer "adam", the run uses "momentum"`},
		{func(c *Config, s *State) { c.Epochs = 3 }, `resume: the state is at epoch 4, want 0 to 3 (the epochs of the run)`},
		{func(c *Config, s *State) { c.Seed = 6 }, `resume: the shuffling generator of the state is not the one of seed 6 after 4 epochs (the state is of another run)`},
		{func(c *Config, s *State) { s.M = s.M[:1] }, `resume: m: 1 parameter vectors, want 4`},
		{func(c *Config, s *State) { s.V[1] = s.V[1][:2] }, `resume: v[1]: 2 values, want 6`},
		{func(c *Config, s *State) { s.History = s.History[:2] }, `resume: the state has 2 epochs of history for epoch 4`},
	} {
		c := cfg
		c.OnCheckpoint = nil
		c.Epochs = 10
		var s State
		j, _ := json.Marshal(st)
		json.Unmarshal(j, &s)
		tc.change(&c, &s)
		c.Resume = &s
		_, err := Train(context.Background(), blobNet[float64](t), train, Set[float64]{}, c)
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
	// A state with validation on a run without.
	c := Config{Epochs: 2, Alpha: 0.05, Resume: &State{Optimizer: SGD, Validated: true, Best: [][]float64{}, RNG: st.RNG}}
	_, err = Train(context.Background(), blobNet[float64](t), train, Set[float64]{}, c)
	if err == nil || !strings.Contains(err.Error(), "with a validation set, the run has none") {
		t.Errorf("validation mismatch: %v", err)
	}
}
