package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/backprop-go/backprop"
)

// Epoch records one epoch of training.
type Epoch struct {
	Epoch int     `json:"epoch"` // 1-based
	Alpha float64 `json:"alpha"` // the learning rate of the epoch
	// Train is the running score of the epoch: each step's batch scored
	// with the weights before its update, as Keras reports it (free to
	// compute; call Evaluate for end-of-epoch numbers).
	Train Score `json:"train"`
	// Val is the score on the validation set after the epoch; nil without
	// one.
	Val     *Score  `json:"val,omitempty"`
	Seconds float64 `json:"seconds"` // wall time of the epoch, validation included
	// Health is each layer's health over the epoch (Health[l-1] is layer
	// l), with Config.Health; see [LayerHealth] and [Diagnose].
	Health []LayerHealth `json:"health,omitempty"`
}

// Result describes a training run.
type Result struct {
	History []Epoch `json:"history"` // the completed epochs
	Steps   int     `json:"steps"`   // the optimisation steps taken
	// BestEpoch, with a validation set, is the epoch of the lowest
	// validation loss, whose weights the network holds when Train returns
	// (0: no epoch improved on the initial weights). 0 without one.
	BestEpoch int `json:"best_epoch,omitempty"`
	// EarlyStopped says that training stopped after Patience epochs without
	// improvement, before cfg.Epochs.
	EarlyStopped bool `json:"early_stopped,omitempty"`
	// Kept, after a divergence, is the epoch whose weights net holds: the
	// best finite state of the run (0: no epoch was better than the initial
	// weights, which net then holds). See Train.
	Kept int `json:"kept,omitempty"`
}

// shuffleStream is the second word of the PCG state that shuffles ("shuffle").
const shuffleStream = 0x73687566666c65

// Train trains net in place on the training set for cfg.Epochs epochs and
// returns the history. val, if it has examples, is scored after every epoch.
//
// Each epoch takes steps of Trainer.Step on the examples in the order of the
// mode: batch mode, one step on the whole set in its order; Stochastic, one
// step per example; MiniBatch, one step per cfg.Batch examples (the last
// batch of an epoch may be smaller). Stochastic and MiniBatch shuffle the
// order at the start of every epoch from cfg.Seed, so the same network, data,
// configuration and seed give bit-identical weights. The learning rate of
// epoch e is cfg.Rate(e).
//
// Which weights net holds at the end:
//   - with a validation set, always those of the epoch with the lowest
//     validation loss (or the initial weights if no epoch beat them), however
//     training ends: after cfg.Epochs, early stopping (cfg.Patience epochs in
//     a row without a new lowest validation loss), cancellation or
//     divergence;
//   - without one, the weights after the last step, except on divergence,
//     where they are those of the epoch with the lowest training loss (the
//     loss of the whole training set with the weights at the end of the
//     epoch, measured after every epoch for this), or the initial weights if
//     no epoch beat them.
//
// So a run that diverges ends with the best finite state it had, never one
// worse than the initial network, and Result.Kept says which epoch that is.
//
// If ctx is cancelled, Train stops after the current step and returns an
// error that wraps ctx.Err() (context.Canceled) and names the epoch and step.
// If the loss or a weight becomes NaN or infinite, it stops with a
// *[DivergedError]. In both cases the Result holds the completed epochs.
func Train[T backprop.Float](ctx context.Context, net *backprop.Network[T], train, val Set[T], cfg Config) (Result, error) {
	tr, err := NewTrainer(net, cfg)
	if err != nil {
		return Result{}, err
	}
	if err := train.check(net, "train set"); err != nil {
		return Result{}, err
	}
	if train.N == 0 {
		return Result{}, errors.New("train set: no examples")
	}
	if err := val.check(net, "validation set"); err != nil {
		return Result{}, err
	}
	if tr.cfg.Patience > 0 && val.N == 0 {
		return Result{}, fmt.Errorf("patience %d: early stopping needs a validation set", tr.cfg.Patience)
	}
	return tr.run(ctx, setPart(train), setPart(val))
}

// run is Train (and TrainSource) after the checks.
func (tr *Trainer[T]) run(ctx context.Context, train, val part[T]) (Result, error) {
	cfg := &tr.cfg
	tr.score = newPartScorer(tr.task, tr.net.Outputs(), train, false)
	defer func() { tr.score = nil }()

	// rs.good holds the weights to return: the best on validation, or those
	// of the last complete epoch.
	rs := &runState[T]{pcg: rand.NewPCG(cfg.Seed, shuffleStream), best: math.Inf(1), validated: val.n > 0}
	walk := newWalker(tr, train, rand.New(rs.pcg))
	steps := walk.steps()
	rs.good = make([][]T, len(tr.params))
	for p, w := range tr.params {
		rs.good[p] = append([]T(nil), w...)
	}
	restore := func() {
		for p, w := range tr.params {
			copy(w, rs.good[p])
		}
	}
	res := &rs.res
	var ev *evaluator[T]
	if val.n > 0 {
		ev = newEvaluator(tr.net, val, tr.task)
	}
	// Without a validation set, the training set's loss after each epoch
	// chooses the weights to keep if training diverges.
	var evTrain *evaluator[T]
	if ev == nil {
		evTrain = newEvaluator(tr.net, train, tr.task)
	}
	diverged := func(err error) (Result, error) {
		restore()
		res.Kept = rs.bestEpoch
		return *res, err
	}
	// stopped ends a run that cannot go on (cancelled, a source failing):
	// with a validation set, the best weights.
	stopped := func(err error) (Result, error) {
		if ev != nil {
			restore()
		}
		return *res, err
	}
	if cfg.Resume != nil {
		// Each epoch shuffles the order of the last, so the order is replayed
		// from the seed; the generator must then be where the state says.
		walk.skip(min(max(cfg.Resume.Epoch, 0), cfg.Epochs))
		if err := tr.resume(cfg.Resume, rs); err != nil {
			return Result{}, &ResumeError{err}
		}
	} else {
		if ev != nil {
			if err := ev.run(val); err != nil {
				return Result{}, fmt.Errorf("validation set: %w", err)
			}
			rs.best = ev.s.score().Loss
		} else {
			if err := evTrain.run(train); err != nil {
				return Result{}, fmt.Errorf("train set: %w", err)
			}
			rs.best = evTrain.s.score().Loss
		}
		if math.IsNaN(rs.best) {
			rs.best = math.Inf(1) // any finite loss is better
		}
	}
	every := max(cfg.CheckpointEvery, 1)
	stride := max(1, steps/healthSamples) // the steps health measures the gradient and update on
	if cfg.Health {
		tr.health = newHealth(tr.net, tr.params)
		defer func() { tr.health = nil }()
	}
	for e := rs.epoch + 1; e <= cfg.Epochs; e++ {
		if cfg.Patience > 0 && rs.stale >= cfg.Patience { // a resumed run that had stopped early
			res.EarlyStopped = e <= cfg.Epochs
			break
		}
		start := time.Now()
		tr.epoch, tr.step = e, 0
		tr.alpha = cfg.Rate(e)
		tr.score.reset()
		if tr.health != nil {
			tr.health.reset()
		}
		if err := walk.start(); err != nil {
			return stopped(fmt.Errorf("train set, epoch %d: %w", e, err))
		}
		for s := range steps {
			if tr.health != nil {
				tr.health.sample = s%stride == 0
			}
			if err := ctx.Err(); err != nil {
				return stopped(fmt.Errorf("training cancelled at epoch %d after step %d of %d: %w", e, s, steps, err))
			}
			loss, err := walk.step(tr)
			if err != nil {
				if _, ok := errors.AsType[*DivergedError](err); ok {
					return diverged(err)
				}
				return stopped(fmt.Errorf("train set, epoch %d, step %d: %w", e, s+1, err))
			}
			res.Steps++
			if cfg.OnStep != nil {
				cfg.OnStep(s+1, steps, loss)
			}
			if cfg.OnRunning != nil {
				cfg.OnRunning(s+1, steps, tr.score.score())
			}
		}
		ep := Epoch{Epoch: e, Alpha: tr.alpha, Train: tr.score.score()}
		if tr.health != nil {
			ep.Health = tr.health.epoch()
		}
		improved := true
		if ev != nil {
			if err := ev.run(val); err != nil {
				return stopped(fmt.Errorf("validation set, epoch %d: %w", e, err))
			}
			sc := ev.s.score()
			if math.IsNaN(sc.Loss) || math.IsInf(sc.Loss, 0) {
				return diverged(&DivergedError{What: "validation loss", Value: sc.Loss, Epoch: e, Step: steps, Alpha: tr.alpha})
			}
			ep.Val = &sc
			improved = sc.Loss < rs.best
			if improved {
				rs.best, rs.bestEpoch, res.BestEpoch, rs.stale = sc.Loss, e, e, 0
			} else {
				rs.stale++
			}
		} else {
			if err := evTrain.run(train); err != nil {
				return stopped(fmt.Errorf("train set, epoch %d: %w", e, err))
			}
			loss := evTrain.s.score().Loss
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return diverged(&DivergedError{What: "training loss", Value: loss, Epoch: e, Step: steps, Alpha: tr.alpha})
			}
			improved = loss < rs.best
			if improved {
				rs.best, rs.bestEpoch = loss, e
			}
		}
		if improved {
			for p, w := range tr.params {
				copy(rs.good[p], w)
			}
		}
		ep.Seconds = time.Since(start).Seconds()
		res.History = append(res.History, ep)
		rs.epoch = e
		if cfg.OnEpoch != nil {
			cfg.OnEpoch(ep)
		}
		if cfg.OnCheckpoint != nil && e%every == 0 {
			st, err := tr.export(rs)
			if err == nil {
				err = cfg.OnCheckpoint(st)
			}
			if err != nil {
				return stopped(fmt.Errorf("checkpoint at epoch %d: %w", e, err))
			}
		}
		if cfg.Patience > 0 && rs.stale >= cfg.Patience {
			res.EarlyStopped = e < cfg.Epochs
			break
		}
	}
	if ev != nil {
		restore()
	}
	return *res, nil
}
