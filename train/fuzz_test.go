package train

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzResumeState: no checkpoint state, whatever its JSON says, makes Train
// panic; a state that does not fit the run is a *ResumeError.
func FuzzResumeState(f *testing.F) {
	for _, opt := range []Optimizer{SGD, Momentum, Adam} {
		for _, val := range []bool{false, true} {
			var st *State
			cfg := Config{Mode: MiniBatch, Batch: 2, Epochs: 2, Alpha: 0.05, Optimizer: opt, Seed: 5, CheckpointEvery: 1,
				OnCheckpoint: func(s *State) error { st = s; return nil }}
			if opt == Momentum {
				cfg.Momentum = 0.9
			}
			var v Set[float64]
			if val {
				v = xorSet()
			}
			if _, err := Train(context.Background(), xorNet(f, 1), xorSet(), v, cfg); err != nil {
				f.Fatal(err)
			}
			b, _ := json.Marshal(st)
			f.Add(b, uint8(opt[0])%4, val)
		}
	}
	f.Add([]byte(`{"epoch":1,"best":[[1e308]],"v":[[],[]],"rng":"AAAA"}`), uint8(0), false)
	f.Fuzz(func(t *testing.T, b []byte, o uint8, val bool) {
		var s State
		if json.Unmarshal(b, &s) != nil {
			return
		}
		opt := []Optimizer{SGD, Momentum, Nesterov, Adam}[o%4]
		cfg := Config{Mode: MiniBatch, Batch: 2, Epochs: 3, Alpha: 0.05, Optimizer: opt, Seed: 5, Resume: &s}
		if opt == Momentum || opt == Nesterov {
			cfg.Momentum = 0.9
		}
		var v Set[float64]
		if val {
			v = xorSet()
		}
		net := xorNet(t, 1)
		_, err := Train(context.Background(), net, xorSet(), v, cfg)
		var re *ResumeError
		var div *DivergedError
		if err != nil && !errors.As(err, &re) && !errors.As(err, &div) {
			t.Fatalf("not a ResumeError: %v", err)
		}
		if err := net.Validate(); err != nil {
			t.Fatalf("the network is invalid after resuming: %v", err)
		}
	})
}
