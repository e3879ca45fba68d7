package train

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/backprop-go/backprop"
)

// State is what Train needs to continue a run from the end of an epoch as if
// it had never stopped. Together with the network's weights at that point
// (saved beside it, e.g. by Network.Save), a run resumed from it with
// Config.Resume takes the same steps, on the same shuffles, to the same
// weights, bit for bit, as the run that wrote it would have.
//
// A State marshals to JSON without loss: the optimizer's state and the best
// weights are float64, which holds every float32 exactly, and encoding/json
// writes float64 in a form that reads back to the same value.
type State struct {
	Epoch     int       `json:"epoch"`     // the epochs completed
	Steps     int       `json:"steps"`     // the optimisation steps taken
	Optimizer Optimizer `json:"optimizer"` // the optimizer whose state V, M and T are
	// T is Adam's step count t.
	T int `json:"t,omitempty"`
	// V is the velocity of Momentum and Nesterov, or Adam's v; M is Adam's
	// m. One slice per parameter vector, in the order of Network.Params.
	V [][]float64 `json:"v,omitempty"`
	M [][]float64 `json:"m,omitempty"`
	// RNG is the shuffling generator after the last shuffle, as
	// (*rand.PCG).MarshalBinary writes it. The order of the examples is
	// replayed from Config.Seed on resuming, and must lead to this state.
	RNG []byte `json:"rng"`

	// Validated says the run has a validation set. The best weights so far
	// are those of the lowest validation loss with one, of the lowest
	// training loss without (kept in case training diverges): that loss
	// (nil if it is infinite), the epoch that reached it (0: the initial
	// weights) and its weights in the order of Network.Params; Stale counts
	// the epochs since (validation only).
	Validated bool        `json:"validated,omitempty"`
	BestLoss  *float64    `json:"best_loss,omitempty"`
	BestEpoch int         `json:"best_epoch,omitempty"`
	Stale     int         `json:"stale,omitempty"`
	Best      [][]float64 `json:"best"`

	History []Epoch `json:"history"` // the completed epochs
}

// ResumeError is the error of a Config.Resume state that does not fit the
// run (another network, configuration, seed or data size): Train returns it
// before taking any step.
type ResumeError struct{ Err error }

func (e *ResumeError) Error() string { return e.Err.Error() }
func (e *ResumeError) Unwrap() error { return e.Err }

// runState is the state of a run of Train between epochs.
type runState[T backprop.Float] struct {
	epoch     int
	pcg       *rand.PCG
	good      [][]T   // the best weights so far (see State.Best)
	best      float64 // their loss, validation or training
	bestEpoch int     // their epoch (0: the initial weights)
	stale     int
	res       Result
	validated bool // there is a validation set: stale means something
}

// export returns the State of tr and rs at the end of epoch rs.epoch.
func (tr *Trainer[T]) export(rs *runState[T]) (*State, error) {
	rng, err := rs.pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	s := &State{Epoch: rs.epoch, Steps: rs.res.Steps, Optimizer: tr.cfg.Optimizer, T: tr.t,
		V: toFloat64(tr.v), M: toFloat64(tr.m), RNG: rng,
		History: append([]Epoch(nil), rs.res.History...)}
	if !math.IsInf(rs.best, 0) && !math.IsNaN(rs.best) {
		best := rs.best
		s.BestLoss = &best
	}
	s.Validated, s.BestEpoch, s.Stale, s.Best = rs.validated, rs.bestEpoch, rs.stale, toFloat64(rs.good)
	return s, nil
}

// resume loads s into tr and rs, after checking that it fits them. The
// network already holds the weights of the end of epoch s.Epoch.
func (tr *Trainer[T]) resume(s *State, rs *runState[T]) error {
	switch {
	case s.Epoch < 0 || s.Epoch > tr.cfg.Epochs:
		return fmt.Errorf("resume: the state is at epoch %d, want 0 to %d (the epochs of the run)", s.Epoch, tr.cfg.Epochs)
	case s.Optimizer != tr.cfg.Optimizer:
		return fmt.Errorf("resume: the state is of optimizer %q, the run uses %q", s.Optimizer, tr.cfg.Optimizer)
	case s.Steps < 0 || s.T < 0 || s.Stale < 0 || s.BestEpoch < 0 || s.BestEpoch > s.Epoch:
		return errors.New("resume: the state has a negative count or a best epoch after its epoch")
	case len(s.History) != s.Epoch:
		return fmt.Errorf("resume: the state has %d epochs of history for epoch %d", len(s.History), s.Epoch)
	case s.Best == nil:
		return errors.New("resume: the state has no best weights (a checkpoint of an older version: start again)")
	case rs.validated != s.Validated:
		if rs.validated {
			return errors.New("resume: the state was saved without a validation set, the run has one")
		}
		return errors.New("resume: the state was saved with a validation set, the run has none")
	}
	if rng, err := rs.pcg.MarshalBinary(); err != nil || !bytes.Equal(rng, s.RNG) {
		return fmt.Errorf("resume: the shuffling generator of the state is not the one of seed %d after %d epochs (the state is of another run)", tr.cfg.Seed, s.Epoch)
	}
	if err := load(tr.v, s.V, "v"); err != nil {
		return err
	}
	if err := load(tr.m, s.M, "m"); err != nil {
		return err
	}
	if err := load(rs.good, s.Best, "best"); err != nil {
		return err
	}
	rs.best = math.Inf(1)
	if s.BestLoss != nil {
		rs.best = *s.BestLoss
	}
	rs.stale, rs.bestEpoch = s.Stale, s.BestEpoch
	if rs.validated {
		rs.res.BestEpoch = s.BestEpoch
	}
	tr.t = s.T
	rs.epoch, rs.res.Steps = s.Epoch, s.Steps
	rs.res.History = append([]Epoch(nil), s.History...)
	return nil
}

// load copies src into dst, which it must match in shape, every value finite.
func load[T backprop.Float](dst [][]T, src [][]float64, name string) error {
	if len(src) != len(dst) {
		return fmt.Errorf("resume: %s: %d parameter vectors, want %d", name, len(src), len(dst))
	}
	for p, s := range src {
		if len(s) != len(dst[p]) {
			return fmt.Errorf("resume: %s[%d]: %d values, want %d", name, p, len(s), len(dst[p]))
		}
		for k, v := range s {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("resume: %s[%d][%d]: %v is not a finite number", name, p, k, v)
			}
			dst[p][k] = T(v)
		}
	}
	return nil
}

func toFloat64[T backprop.Float](s [][]T) [][]float64 {
	if s == nil {
		return nil
	}
	out := make([][]float64, len(s))
	for p, v := range s {
		out[p] = make([]float64, len(v))
		for k, x := range v {
			out[p][k] = float64(x)
		}
	}
	return out
}
