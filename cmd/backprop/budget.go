package main

import (
	"math"
	"strconv"
	"strings"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
)

// checkClasses refuses a classifier with more outputs than data.MaxClasses:
// its class names and its K×K confusion matrix are sized by them.
func (t *trained) checkClasses() error {
	if n := t.m.Net.Outputs(); t.m.Classifier() && n > data.MaxClasses {
		return usagef("%s: %d outputs, more than the limit of %d classes (data.MaxClasses)", t.path, n, data.MaxClasses)
	}
	return nil
}

// checkWork refuses a gradient check or an explanation of a network of
// params parameters over rows examples beyond its budget.
func checkWork(verb string, params, rows int) error {
	switch verb {
	case "gradcheck":
		if params > 0 && params > backprop.MaxGradCheckWork/params/max(rows, 1) {
			return usagef("gradcheck: %d parameters × %d parameters × %d example(s) of finite differences, more than the limit of %d (MaxGradCheckWork): check a smaller network or fewer examples",
				params, params, rows, int64(backprop.MaxGradCheckWork))
		}
	case "explain":
		if params > backprop.MaxExplainWork/max(rows, 1) {
			return usagef("explain: %d parameters × %d example(s) to show, more than the limit of %d (MaxExplainWork): explain a smaller network or fewer examples",
				params, rows, backprop.MaxExplainWork)
		}
	}
	return nil
}

// countParams returns the parameters of net.
func countParams[T backprop.Float](net *backprop.Network[T]) int {
	n := 0
	for _, lay := range net.Layers {
		n += len(lay.W) + len(lay.B)
	}
	return n
}

// maxEpochs bounds --epochs: the history, in memory and in the model file,
// holds one entry an epoch.
const maxEpochs = 100_000

// checkTrainFlags refuses the numeric flags of train that no later check
// sees whole: fractions outside [0, 1), NaN and infinities.
func checkTrainFlags(f *trainFlags) error {
	for _, fl := range []struct {
		name string
		v    float64
	}{{"val-split", f.valSplit}, {"test-split", f.testSplit}} {
		if !(fl.v >= 0 && fl.v < 1) {
			return usagef("train: --%s %v: want a fraction from 0 to below 1", fl.name, fl.v)
		}
	}
	for _, fl := range []struct {
		name string
		v    float64
	}{{"slope", f.slope}, {"momentum", f.momentum}, {"l2", f.l2}, {"l1", f.l1}, {"gamma", f.gamma}} {
		if math.IsNaN(fl.v) || math.IsInf(fl.v, 0) {
			return usagef("train: --%s %v: want a finite number", fl.name, fl.v)
		}
	}
	for _, fl := range []struct {
		name string
		v    int
	}{{"batch", f.batch}, {"epochs", f.epochs}, {"every", f.every}} {
		given := fl.name == "every" || fl.name == "batch" && f.batchGiven || fl.name == "epochs" && f.epochsGiven
		if fl.v < 0 || fl.v == 0 && given { // not given, 0 is the mark of a value chosen on the data
			hint := ""
			if fl.name != "every" {
				hint = " (leave it out to choose it on the data)"
			}
			return usagef("train: --%s %d: want at least 1%s", fl.name, fl.v, hint)
		}
	}
	if f.epochs > maxEpochs {
		return usagef("train: --epochs %d: more than the limit of %d (each epoch is kept in the history and the model file)", f.epochs, maxEpochs)
	}
	if f.patience < 0 {
		return usagef("train: --patience %d: want 0 (never stop early) or more", f.patience)
	}
	if !(f.gamma > 0 && f.gamma <= 1) {
		return usagef("train: --gamma %v: want a factor in (0, 1]", f.gamma)
	}
	if !(f.momentum >= 0 && f.momentum < 1) {
		return usagef("train: --momentum %v: want μ from 0 to below 1", f.momentum)
	}
	if !(f.l2 >= 0) {
		return usagef("train: --l2 %v: want λ ≥ 0", f.l2)
	}
	if !(f.l1 >= 0) {
		return usagef("train: --l1 %v: want λ₁ ≥ 0", f.l1)
	}
	if !(f.slope >= 0 && f.slope < 1) {
		return usagef("train: --slope %v: want a slope from 0 to below 1", f.slope)
	}
	if f.checkpointEvery < 1 {
		return usagef("train: --checkpoint-every %d: want at least 1", f.checkpointEvery)
	}
	if f.lr <= 0 || math.IsInf(f.lr, 0) { // NaN: the default
		return usagef("train: --lr %v: want a positive, finite learning rate", f.lr)
	}
	return nil
}

// checkTrainMemory refuses a network of the given widths (inputs first)
// whose training would set aside more than MaxTrainBytes: the weights,
// their gradients (and a sum of them when a batch runs in chunks), the
// best weights, the optimizer's state, and the workspaces of a step and of
// an evaluation (256 rows, four buffers a unit).
func checkTrainMemory(widths []int, size int, f *trainFlags) error {
	params, units := 0, 0
	for l, n := range widths {
		units += n
		if l > 0 {
			params += n * (widths[l-1] + 1)
		}
	}
	copies := 4
	switch f.optimizer {
	case "adam":
		copies += 2
	case "momentum", "nesterov":
		copies++
	}
	need := (int64(params)*int64(copies) + 2*256*4*int64(units)) * int64(size)
	if need > backprop.MaxTrainBytes {
		return usagef("train: a network of %d parameters (%s) needs about %d MiB to train with %s, more than the limit of %d MiB (MaxTrainBytes): use fewer or narrower hidden layers",
			params, widthsText(widths), need>>20, f.optimizer, backprop.MaxTrainBytes>>20)
	}
	return nil
}

func widthsText(widths []int) string {
	s := make([]string, len(widths))
	for i, n := range widths {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, "-")
}
