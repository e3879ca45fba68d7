package main

import (
	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
)

// checkClasses refuses a classifier with more outputs than data.MaxClasses:
// its class names and its K×K confusion matrix are sized by them.
func (t *trained) checkClasses() error {
	if n := t.m.Net.Outputs(); n > data.MaxClasses {
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
