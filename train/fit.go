package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/backprop-go/backprop"
)

// The sizes that decide Fit's plan (see [Fit]).
const (
	// FitCVRows is the largest training set that Fit cross-validates;
	// above it, one hold-out of a tenth of the rows chooses the epochs.
	FitCVRows = 10000
	// FitFolds is k of Fit's k-fold cross-validation.
	FitFolds = 5
	// FitMaxEpochs caps the epochs of every run of Fit.
	FitMaxEpochs = 200
	// FitWork caps the examples one run of Fit processes, epochs × rows,
	// so that a large set trains for fewer epochs (60000 rows: 10).
	FitWork = 600_000
	// FitPatience is the epochs without a new lowest validation loss after
	// which a run of the search stops.
	FitPatience = 20
	// FitL2Scale is c of the weight decay λ = c/N that Fit chooses: the
	// penalty (λ/2)‖W‖² weighs as much against the mean loss of N examples
	// as a fixed prior would against their sum, so it fades as data grows.
	FitL2Scale = 10
)

// FitBatch is the mini-batch size Fit chooses for n training rows: 32
// (DefaultBatch), or 128 above FitCVRows rows, where larger batches keep the
// epochs fast; never more than n.
func FitBatch(n int) int {
	b := DefaultBatch
	if n > FitCVRows {
		b = 128
	}
	return max(1, min(b, n))
}

// FitL2 is the weight decay λ = FitL2Scale/n that Fit chooses for n
// training rows.
func FitL2(n int) float64 { return FitL2Scale / float64(max(n, 1)) }

// FitEpochs is the cap on the epochs of Fit's runs for n rows: FitMaxEpochs,
// or fewer when FitWork/n is fewer (but at least 1).
func FitEpochs(n int) int { return max(1, min(FitMaxEpochs, FitWork/max(n, 1))) }

// FitOptions are the choices Fit leaves to its caller; the zero value lets
// Fit choose everything it can.
type FitOptions struct {
	// KeepL2 takes Config.L2 as given instead of choosing λ = FitL2(N).
	KeepL2 bool
	// OnPlan, if not nil, is called once the epochs are chosen, before the
	// refit on all the rows.
	OnPlan func(Plan)
	// OnSearch, if not nil, is called after every epoch of the runs that
	// choose the epochs, with the run (1-based) and the number of runs.
	OnSearch func(run, runs int, e Epoch)
}

// Plan is what [Fit] chose from the size of the training set, and what the
// choice measured.
type Plan struct {
	Rows int `json:"rows"` // N, the training rows; all of them train the final network
	// Folds is k of the k-fold cross-validation that chose the epoch
	// count; 0 when one hold-out chose it.
	Folds int `json:"folds,omitempty"`
	// Holdout is the rows of the hold-out that chose the epoch count
	// (Folds = 0); 0 with cross-validation.
	Holdout   int     `json:"holdout,omitempty"`
	MaxEpochs int     `json:"max_epochs"` // the cap of every run
	Batch     int     `json:"batch"`      // the mini-batch size of every run
	L2        float64 `json:"l2"`         // the weight decay λ of every run
	// Best holds the epoch of the lowest validation loss of each fold (the
	// hold-out's: one); 0 for a fold where no epoch beat the initial
	// weights.
	Best []int `json:"best"`
	// Epochs is the chosen epoch count, the median of Best (at least 1):
	// the refit on all the rows trains for it.
	Epochs int `json:"epochs"`
	// Estimate is the validation score at each fold's best epoch, averaged
	// over the folds: an estimate of the final network's quality on new
	// rows from the same source (a little optimistic, as the best epochs
	// were picked on the same rows). Range is the lowest and highest fold's
	// accuracy (classification) or R² (regression).
	Estimate Score      `json:"estimate"`
	Range    [2]float64 `json:"range"`
}

// Warnings are what the plan says about the run: no fold's epoch beat the
// initial weights, or the validation loss still fell at the cap.
func (p Plan) Warnings() []string {
	var w []string
	if slices.Max(p.Best) == 0 {
		w = append(w, "no epoch beat the initial weights on the validation loss of any fold: the model is nearly untrained (try another --lr, --hidden or --seed)")
	} else if p.Epochs >= p.MaxEpochs {
		w = append(w, fmt.Sprintf("the validation loss was still falling at the cap of %d epochs: more --epochs may help", p.MaxEpochs))
	}
	return w
}

// Fit trains net on every example of set, for a number of epochs chosen on
// the data, with a mini-batch size and weight decay chosen from its size:
// the defaults of the train command, for when the caller has not said how
// long to train.
//
// The plan, from N = set.N:
//   - batch: cfg.Batch, or FitBatch(N) when 0;
//   - weight decay: λ = FitL2(N) = 10/N (cfg.L2 with opt.KeepL2);
//   - the epoch cap: cfg.Epochs, or FitEpochs(N) when 0 (200, fewer for
//     large sets);
//   - N ≤ FitCVRows: k = 5-fold cross-validation, stratified by class for
//     classification; otherwise one hold-out of a tenth of the rows. Each
//     run trains a copy of net (its initial weights) on the other rows
//     and stops FitPatience epochs after its lowest validation loss;
//   - the epoch count is the median of the runs' best epochs;
//   - then net trains on all N rows for that many epochs, without
//     validation, as [Train] with cfg (its callbacks and checkpoints apply
//     to this run only), and the Result is this run's.
//
// The folds and the hold-out are drawn from cfg.Seed, so the same network,
// data, configuration and seed give the same plan and bit-identical
// weights. Fit needs at least 2 examples. If a run of the search fails
// (cancelled, diverged), Fit returns its error with net as it was and an
// empty Result; the Plan then lacks the epochs (0).
func Fit[T backprop.Float](ctx context.Context, net *backprop.Network[T], set Set[T], cfg Config, opt FitOptions) (Plan, Result, error) {
	if err := set.check(net, "train set"); err != nil {
		return Plan{}, Result{}, err
	}
	N := set.N
	if N < 2 {
		return Plan{}, Result{}, fmt.Errorf("train set: %d examples, want at least 2 to choose the epochs on", N)
	}
	if cfg.Resume != nil {
		return Plan{}, Result{}, fmt.Errorf("fit: a resumed run trains for the epochs it chose: use Train")
	}
	p := Plan{Rows: N, Batch: cfg.Batch, MaxEpochs: cfg.Epochs, L2: cfg.L2}
	if p.Batch == 0 {
		p.Batch = FitBatch(N)
	}
	if p.MaxEpochs == 0 {
		p.MaxEpochs = FitEpochs(N)
	}
	if !opt.KeepL2 {
		p.L2 = FitL2(N)
	}
	cfg.Batch, cfg.L2 = p.Batch, p.L2
	search := cfg
	search.Epochs, search.Patience = p.MaxEpochs, FitPatience
	search.OnEpoch, search.OnStep, search.OnRunning, search.OnCheckpoint = nil, nil, nil, nil
	search.Health = false
	if err := search.Validate(); err != nil {
		return p, Result{}, err
	}
	task := cfg.Task.resolve(net.Loss == backprop.Squared)
	nL := net.Outputs()
	strata := make([]int, N)
	if task == TaskClassification {
		for r := range N {
			strata[r] = backprop.ClassOf(set.Y[r*nL : (r+1)*nL])
		}
	}
	var folds [][]int
	if N <= FitCVRows {
		p.Folds = min(FitFolds, N)
		folds = Folds(strata, p.Folds, cfg.Seed)
	} else {
		folds = Folds(strata, 10, cfg.Seed)[:1]
		p.Holdout = len(folds[0])
	}
	p.Range = [2]float64{math.Inf(1), math.Inf(-1)}
	var sum Score
	for i, val := range folds {
		tr, va := splitSet(set, net.Inputs, nL, val)
		if opt.OnSearch != nil {
			search.OnEpoch = func(e Epoch) { opt.OnSearch(i+1, len(folds), e) }
		}
		res, err := Train(ctx, net.Clone(), tr, va, search)
		if err != nil { // net is untouched: no Result of its own
			return p, Result{}, fmt.Errorf("choosing the epochs (run %d of %d): %w", i+1, len(folds), err)
		}
		p.Best = append(p.Best, res.BestEpoch)
		s := *res.History[max(res.BestEpoch, 1)-1].Val
		sum.Loss += s.Loss
		sum.Accuracy += s.Accuracy
		sum.MSE += s.MSE
		sum.R2 += s.R2
		fig := s.Accuracy
		if task == TaskRegression {
			fig = s.R2
		}
		p.Range[0], p.Range[1] = min(p.Range[0], fig), max(p.Range[1], fig)
	}
	k := float64(len(folds))
	p.Estimate = Score{Loss: sum.Loss / k, Accuracy: sum.Accuracy / k, MSE: sum.MSE / k, R2: sum.R2 / k}
	sorted := slices.Sorted(slices.Values(p.Best))
	p.Epochs = max(1, sorted[len(sorted)/2])
	if opt.OnPlan != nil {
		opt.OnPlan(p)
	}
	cfg.Epochs, cfg.Patience = p.Epochs, 0
	res, err := Train(ctx, net, set, Set[T]{}, cfg)
	return p, res, err
}

// foldStream is the second word of the PCG state that deals folds ("folds").
const foldStream = 0x666f6c6473

// Folds deals rows 0…len(strata)−1 into k folds, as Fit does: the rows of
// each stratum (a class; all 0 for no stratification) in an order shuffled
// from seed, dealt in turn, continuing from stratum to stratum, so every
// fold has ⌊N/k⌋ or ⌈N/k⌉ rows and about its share of each stratum. Each
// fold's rows are sorted.
func Folds(strata []int, k int, seed uint64) [][]int {
	rng := rand.New(rand.NewPCG(seed, foldStream))
	by := map[int][]int{}
	for r, s := range strata {
		by[s] = append(by[s], r)
	}
	folds := make([][]int, k)
	next := 0
	for _, s := range slices.Sorted(func(yield func(int) bool) {
		for s := range by {
			if !yield(s) {
				return
			}
		}
	}) {
		rows := by[s]
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		for _, r := range rows {
			folds[next] = append(folds[next], r)
			next = (next + 1) % k
		}
	}
	for _, f := range folds {
		slices.Sort(f)
	}
	return folds
}

// splitSet returns the rows of set not in val and those in val, each in
// the order of set.
func splitSet[T backprop.Float](set Set[T], n0, nL int, val []int) (tr, va Set[T]) {
	in := make([]bool, set.N)
	for _, r := range val {
		in[r] = true
	}
	nv := len(val)
	tr = Set[T]{X: make([]T, 0, (set.N-nv)*n0), Y: make([]T, 0, (set.N-nv)*nL)}
	va = Set[T]{X: make([]T, 0, nv*n0), Y: make([]T, 0, nv*nL)}
	for r := range set.N {
		d := &tr
		if in[r] {
			d = &va
		}
		d.X = append(d.X, set.X[r*n0:(r+1)*n0]...)
		d.Y = append(d.Y, set.Y[r*nL:(r+1)*nL]...)
		d.N++
	}
	return tr, va
}
