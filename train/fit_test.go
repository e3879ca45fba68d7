package train

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

// TestFolds: every row in exactly one fold, folds of ⌊N/k⌋ or ⌈N/k⌉ rows
// holding each class's share to within one, sorted; the same seed deals the
// same folds, another seed others.
func TestFolds(t *testing.T) {
	strata := make([]int, 103)
	for r := range strata {
		strata[r] = r % 3 * (r % 2) // classes 0, 1, 2 in uneven numbers
	}
	for _, k := range []int{2, 5, 10} {
		folds := Folds(strata, k, 7)
		seen := make([]int, len(strata))
		for _, f := range folds {
			if n := len(f); n != len(strata)/k && n != (len(strata)+k-1)/k {
				t.Errorf("k = %d: a fold of %d rows", k, n)
			}
			if !slices.IsSorted(f) {
				t.Errorf("k = %d: fold not sorted", k)
			}
			count := map[int]int{}
			for _, r := range f {
				seen[r]++
				count[strata[r]]++
			}
			total := map[int]int{}
			for _, s := range strata {
				total[s]++
			}
			for c, n := range total {
				if share := float64(n) / float64(k); math.Abs(float64(count[c])-share) > 1 {
					t.Errorf("k = %d: class %d has %d rows in a fold, want about %.1f", k, c, count[c], share)
				}
			}
		}
		for r, n := range seen {
			if n != 1 {
				t.Fatalf("k = %d: row %d in %d folds", k, r, n)
			}
		}
		if !reflect.DeepEqual(folds, Folds(strata, k, 7)) {
			t.Errorf("k = %d: the same seed dealt other folds", k)
		}
		if reflect.DeepEqual(folds, Folds(strata, k, 8)) {
			t.Errorf("k = %d: another seed dealt the same folds", k)
		}
	}
}

// TestFitRefitsOnAllRows: Fit's plan is the median of the folds' best
// epochs, and its network is exactly Train's on all the rows for that many
// epochs from the same initial weights (with the chosen batch and decay);
// the same seed gives the same plan and bit-identical weights.
func TestFitRefitsOnAllRows(t *testing.T) {
	set := blobs[float64](150, 1)
	cfg := Config{Alpha: 0.01, Optimizer: Adam, Seed: 3, Epochs: 60}
	net := blobNet[float64](t)
	net.InitWith(3, backprop.InitGlorot)
	start := net.Clone()
	var planned Plan
	searched := 0
	p, res, err := Fit(context.Background(), net, set, cfg, FitOptions{
		OnPlan:   func(p Plan) { planned = p },
		OnSearch: func(run, runs int, e Epoch) { searched++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 150 || p.Folds != FitFolds || p.Holdout != 0 || p.MaxEpochs != 60 || p.Batch != 32 || p.L2 != FitL2(150) || len(p.Best) != FitFolds {
		t.Fatalf("plan %+v", p)
	}
	if !reflect.DeepEqual(planned, p) || searched < FitFolds {
		t.Errorf("OnPlan saw %+v, OnSearch %d epochs", planned, searched)
	}
	if med := slices.Sorted(slices.Values(p.Best))[len(p.Best)/2]; p.Epochs != max(med, 1) {
		t.Errorf("epochs %d, the median of %v is %d", p.Epochs, p.Best, med)
	}
	if want := p.Epochs * ((150 + 31) / 32); len(res.History) != p.Epochs || res.Steps != want {
		t.Errorf("the refit: %d epochs, %d steps; want %d epochs of all 150 rows, %d steps", len(res.History), res.Steps, p.Epochs, want)
	}
	if !(p.Estimate.Accuracy > 0.6) || p.Range[0] > p.Estimate.Accuracy || p.Range[1] < p.Estimate.Accuracy {
		t.Errorf("estimate %+v, range %v", p.Estimate, p.Range)
	}
	ref := start.Clone()
	want := cfg
	want.Epochs, want.Batch, want.L2 = p.Epochs, p.Batch, p.L2
	if _, err := Train(context.Background(), ref, set, Set[float64]{}, want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ref.Params(), net.Params()) {
		t.Error("Fit's network differs from Train's on all the rows for the chosen epochs")
	}
	again := start.Clone()
	q, _, err := Fit(context.Background(), again, set, cfg, FitOptions{})
	if err != nil || !reflect.DeepEqual(p, q) || !reflect.DeepEqual(again.Params(), net.Params()) {
		t.Errorf("a second Fit with the same seed: plan %+v (was %+v), same weights %v, %v", q, p, reflect.DeepEqual(again.Params(), net.Params()), err)
	}
	// A cancelled search leaves net as it was, with no Result.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stopped := start.Clone()
	q, r, err := Fit(ctx, stopped, set, cfg, FitOptions{})
	if !errors.Is(err, context.Canceled) || q.Epochs != 0 || r.Steps != 0 || !reflect.DeepEqual(stopped.Params(), start.Params()) {
		t.Errorf("a cancelled search: %v, plan %+v, %d steps, net changed %v", err, q, r.Steps, !reflect.DeepEqual(stopped.Params(), start.Params()))
	}
	// KeepL2 and a given batch are used as given.
	cfg.L2, cfg.Batch = 0, 16
	q, _, err = Fit(context.Background(), start.Clone(), set, cfg, FitOptions{KeepL2: true})
	if err != nil || q.L2 != 0 || q.Batch != 16 {
		t.Errorf("KeepL2, batch 16: plan %+v, %v", q, err)
	}
}

// TestFitRegressionAndHoldout: a regression target is dealt into folds
// without strata and estimated by R²; above FitCVRows rows one hold-out
// of a tenth chooses the epochs, with batches of 128.
func TestFitRegressionAndHoldout(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	n := FitCVRows + 1
	set := Set[float64]{N: n}
	for range n {
		x := rng.Float64()*2 - 1
		set.X = append(set.X, x)
		set.Y = append(set.Y, 2*x+0.1*rng.NormFloat64())
	}
	net, err := backprop.New[float64](1, backprop.Squared, 1,
		backprop.LayerSpec{Units: 4, Activation: backprop.Tanh}, backprop.LayerSpec{Units: 1, Activation: backprop.Identity})
	if err != nil {
		t.Fatal(err)
	}
	p, res, err := Fit(context.Background(), net, set, Config{Alpha: 0.01, Optimizer: Adam, Epochs: 3, Seed: 1}, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Folds != 0 || p.Holdout != (n+9)/10 && p.Holdout != n/10 || p.Batch != 128 || len(p.Best) != 1 || p.MaxEpochs != 3 {
		t.Errorf("plan %+v", p)
	}
	if !(p.Estimate.R2 > 0.5) || res.Steps != p.Epochs*((n+127)/128) {
		t.Errorf("R² %v, %d steps", p.Estimate.R2, res.Steps)
	}
	if _, _, err := Fit(context.Background(), net, Set[float64]{X: []float64{1}, Y: []float64{1}, N: 1}, Config{Alpha: 0.1}, FitOptions{}); err == nil {
		t.Error("Fit on one example: no error")
	}
}

// TestFitSizes: the choices from the size, and the plan's warnings.
func TestFitSizes(t *testing.T) {
	for _, c := range []struct{ n, batch, epochs int }{{1, 1, 200}, {20, 20, 200}, {150, 32, 200}, {10000, 32, 60}, {60000, 128, 10}, {10_000_000, 128, 1}} {
		if b, e := FitBatch(c.n), FitEpochs(c.n); b != c.batch || e != c.epochs {
			t.Errorf("%d rows: batch %d, epochs %d; want %d, %d", c.n, b, e, c.batch, c.epochs)
		}
	}
	if l := FitL2(150); math.Abs(l-10.0/150) > 1e-15 {
		t.Errorf("FitL2(150) = %v", l)
	}
	for _, c := range []struct {
		p    Plan
		want string
	}{
		{Plan{Best: []int{0, 0, 0}, Epochs: 1, MaxEpochs: 200}, "no epoch beat the initial weights"},
		{Plan{Best: []int{200, 150, 200}, Epochs: 200, MaxEpochs: 200}, "still falling at the cap of 200 epochs"},
		{Plan{Best: []int{20, 0, 40}, Epochs: 20, MaxEpochs: 200}, ""},
	} {
		got := strings.Join(c.p.Warnings(), "; ")
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.p, got, c.want)
		}
	}
}
