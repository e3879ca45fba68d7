package main

import (
	"math/rand"
	"runtime"

	deep "github.com/patrikeh/go-deep"
	"github.com/patrikeh/go-deep/training"
)

// go-deep: a float64 network of neuron and synapse objects, trained one
// example at a time; BatchTrainer spreads a batch's examples over workers.

func init() {
	register("godeep", "github.com/patrikeh/go-deep v0.0.0-20230427173908-a2775168ab3d",
		"float64; BatchTrainer sums the batch gradient, so α is passed as 0.1/64; no batched inference (W5 \"batch 10,000\" is a loop of Predict calls); its trainers shuffle the examples themselves",
		map[string]func(*env) (map[string]any, error){"w1": godeepW1, "w4": godeepW4, "w5": godeepW5})
}

// godeepNet builds a network with Glorot-uniform weights and zero biases
// (go-deep's own initializers draw one distribution for every layer).
func godeepNet(rng *rand.Rand, sizes []int, act deep.ActivationType, mode deep.Mode) *deep.Neural {
	n := deep.NewNeural(&deep.Config{Inputs: sizes[0], Layout: sizes[1:], Activation: act, Mode: mode,
		Weight: deep.NewUniform(0.1, 0), Bias: true})
	w := n.Weights() // [layer][neuron][inputs..., bias]
	for l := range w {
		g := glorot(rng, sizes[l], sizes[l+1])
		for j := range w[l] {
			for k := range w[l][j] {
				w[l][j][k] = 0
				if k < sizes[l] {
					w[l][j][k] = g[k*sizes[l+1]+j]
				}
			}
		}
	}
	n.ApplyWeights(w)
	return n
}

type godeepW1Net struct {
	n        *deep.Neural
	bt       *training.BatchTrainer
	examples training.Examples
}

func (g *godeepW1Net) epoch(order []int) error {
	ex := make(training.Examples, len(order))
	for i, k := range order {
		ex[i] = g.examples[k]
	}
	g.bt.Train(g.n, ex, nil, 1)
	return nil
}

func (g *godeepW1Net) classify(test *Dataset) ([]int, error) {
	pred := make([]int, test.N)
	x := make([]float64, test.D)
	for i := range pred {
		pred[i] = argmax(g.n.Predict(test.Row64(i, x)))
	}
	return pred, nil
}

func godeepW1(e *env) (map[string]any, error) {
	return runW1(e, func(train *Dataset, rng *rand.Rand) (w1Net, error) {
		ex := make(training.Examples, train.N)
		for i := range ex {
			y := make([]float64, 10)
			y[train.Y[i]] = 1
			ex[i] = training.Example{Input: train.Row64(i, make([]float64, train.D)), Response: y}
		}
		return &godeepW1Net{
			n:        godeepNet(rng, w1Sizes, deep.ActivationReLU, deep.ModeMultiClass),
			bt:       training.NewBatchTrainer(training.NewSGD(0.1/w1Batch, 0, 0, false), 0, w1Batch, runtime.GOMAXPROCS(0)),
			examples: ex,
		}, nil
	})
}

type godeepW4Net struct {
	n  *deep.Neural
	tr *training.OnlineTrainer
	ex training.Examples
}

// train runs go-deep's OnlineTrainer: steps/4 passes over the 4 points.
func (g *godeepW4Net) train(steps int) error { g.tr.Train(g.n, g.ex, nil, steps/4); return nil }

func (g *godeepW4Net) out(k int) (float64, error) { return g.n.Predict(xorX[k])[0], nil }

func godeepW4(e *env) (map[string]any, error) {
	return runW4(e, func(rng *rand.Rand) (w4Net, error) {
		ex := make(training.Examples, 4)
		for k := range ex {
			ex[k] = training.Example{Input: xorX[k], Response: []float64{xorY[k]}}
		}
		return &godeepW4Net{n: godeepNet(rng, []int{2, 3, 2, 1}, deep.ActivationSigmoid, deep.ModeBinary),
			tr: training.NewTrainer(training.NewSGD(0.5, 0, 0, false), 0), ex: ex}, nil
	})
}

func godeepW5(e *env) (map[string]any, error) {
	return runW5(e, func(rng *rand.Rand) (w5Net, error) {
		n := godeepNet(rng, w1Sizes, deep.ActivationReLU, deep.ModeMultiClass)
		x := make([]float64, 784)
		return func(test *Dataset, i, b int) ([]int, error) {
			pred := make([]int, b)
			for r := range pred {
				pred[r] = argmax(n.Predict(test.Row64(i+r, x)))
			}
			return pred, nil
		}, nil
	})
}
