package main

import (
	"fmt"
	"math/rand"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// GoMLX: graphs written as Go functions over a context of variables, compiled
// per input shape by a backend; here its pure-Go backend simplego (the XLA
// backend needs cgo and a plugin binary fetched at run time).

func init() {
	register("gomlx", "github.com/gomlx/gomlx v0.26.0 (simplego backend)",
		"float32; Trainer.TrainStep per batch, compiled before timing",
		map[string]func(*env) (map[string]any, error){"w1": gomlxW1, "w4": gomlxW4, "w5": gomlxW5, "gemm": gomlxGEMM})
}

// gomlxMLP: dense layers with bias, act between them, logits out.
func gomlxMLP(ctx *context.Context, x *graph.Node, sizes []int, act func(*graph.Node) *graph.Node) *graph.Node {
	for l := 1; l < len(sizes); l++ {
		x = layers.Dense(ctx.In(fmt.Sprintf("l%d", l)), x, true, sizes[l])
		if l < len(sizes)-1 {
			x = act(x)
		}
	}
	return x
}

func gomlxContext(seed int64) (*context.Context, error) {
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(seed); err != nil {
		return nil, err
	}
	return ctx.WithInitializer(initializers.GlorotUniformFn(ctx)), nil
}

func gomlxTrainer(backend backends.Backend, ctx *context.Context, sizes []int, act func(*graph.Node) *graph.Node, loss losses.LossFn, alpha float64) *train.Trainer {
	model := func(ctx *context.Context, _ any, in []*graph.Node) []*graph.Node {
		return []*graph.Node{gomlxMLP(ctx, in[0], sizes, act)}
	}
	opt := optimizers.StochasticGradientDescent().WithLearningRate(alpha).WithDecay(false).Done()
	return train.NewTrainer(backend, ctx, model, loss, opt, nil, nil)
}

// gomlxClassifier compiles the W1 network's forward pass over ctx's variables.
func gomlxClassifier(backend backends.Backend, ctx *context.Context) (w5Net, error) {
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
		return gomlxMLP(ctx, x, w1Sizes, activations.Relu)
	})
	if err != nil {
		return nil, err
	}
	return func(test *Dataset, i, b int) ([]int, error) {
		outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(test.X[i*784:(i+b)*784], b, 784))
		if err != nil {
			return nil, err
		}
		defer outs[0].FinalizeAll()
		pred := make([]int, b)
		outs[0].ConstFlatData(func(flat any) {
			o := flat.([]float32)
			for r := range pred {
				pred[r] = argmax(o[r*10 : (r+1)*10])
			}
		})
		return pred, nil
	}, nil
}

type gomlxW1Net struct {
	backend backends.Backend
	ctx     *context.Context
	trainer *train.Trainer
	train   *Dataset
	xb      []float32
	yb      []int32
}

func (g *gomlxW1Net) epoch(order []int) error {
	d := g.train.D
	for i := 0; i < len(order); i += w1Batch {
		for r, k := range order[i : i+w1Batch] {
			copy(g.xb[r*d:(r+1)*d], g.train.Row(k))
			g.yb[r] = int32(g.train.Y[k])
		}
		x := tensors.FromFlatDataAndDimensions(g.xb, w1Batch, d)
		y := tensors.FromFlatDataAndDimensions(g.yb, w1Batch, 1)
		if _, err := g.trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y}); err != nil {
			return err
		}
	}
	return nil
}

func (g *gomlxW1Net) classify(test *Dataset) ([]int, error) {
	run, err := gomlxClassifier(g.backend, g.ctx.Reuse())
	if err != nil {
		return nil, err
	}
	return run(test, 0, test.N)
}

func gomlxW1(e *env) (map[string]any, error) {
	backend, err := simplego.New("")
	if err != nil {
		return nil, err
	}
	return runW1(e, func(train *Dataset, rng *rand.Rand) (w1Net, error) {
		ctx, err := gomlxContext(rng.Int63())
		if err != nil {
			return nil, err
		}
		net := &gomlxW1Net{backend: backend, ctx: ctx, train: train,
			trainer: gomlxTrainer(backend, ctx, w1Sizes, activations.Relu, losses.SparseCategoricalCrossEntropyLogits, 0.1),
			xb:      make([]float32, w1Batch*784), yb: make([]int32, w1Batch)}
		// compile the training step (one untimed step)
		return net, net.epoch(make([]int, w1Batch))
	})
}

type gomlxW4Net struct {
	backend backends.Backend
	ctx     *context.Context
	trainer *train.Trainer
	xs, ys  []*tensors.Tensor
}

func (g *gomlxW4Net) train(steps int) error {
	for s := range steps {
		if _, err := g.trainer.TrainStep(nil, []*tensors.Tensor{g.xs[s%4]}, []*tensors.Tensor{g.ys[s%4]}); err != nil {
			return err
		}
	}
	return nil
}

func (g *gomlxW4Net) out(k int) (float64, error) {
	exec, err := context.NewExec(g.backend, g.ctx.Reuse(), func(ctx *context.Context, x *graph.Node) *graph.Node {
		return graph.Sigmoid(gomlxMLP(ctx, x, []int{2, 3, 2, 1}, graph.Sigmoid))
	})
	if err != nil {
		return 0, err
	}
	outs, err := exec.Exec(g.xs[k])
	if err != nil {
		return 0, err
	}
	defer outs[0].FinalizeAll()
	var o float64
	outs[0].ConstFlatData(func(flat any) { o = float64(flat.([]float32)[0]) })
	return o, nil
}

func gomlxW4(e *env) (map[string]any, error) {
	backend, err := simplego.New("")
	if err != nil {
		return nil, err
	}
	return runW4(e, func(rng *rand.Rand) (w4Net, error) {
		ctx, err := gomlxContext(rng.Int63())
		if err != nil {
			return nil, err
		}
		// sigmoid hidden layers; the output's sigmoid and the log loss are
		// BinaryCrossentropyLogits on its logit
		net := &gomlxW4Net{backend: backend, ctx: ctx,
			trainer: gomlxTrainer(backend, ctx, []int{2, 3, 2, 1}, graph.Sigmoid, losses.BinaryCrossentropyLogits, 0.5)}
		for k := range 4 {
			net.xs = append(net.xs, tensors.FromFlatDataAndDimensions([]float32{float32(xorX[k][0]), float32(xorX[k][1])}, 1, 2))
			net.ys = append(net.ys, tensors.FromFlatDataAndDimensions([]float32{float32(xorY[k])}, 1, 1))
		}
		// compile the training step (one untimed step)
		return net, net.train(1)
	})
}

func gomlxW5(e *env) (map[string]any, error) {
	backend, err := simplego.New("")
	if err != nil {
		return nil, err
	}
	return runW5(e, func(rng *rand.Rand) (w5Net, error) {
		ctx, err := gomlxContext(rng.Int63())
		if err != nil {
			return nil, err
		}
		return gomlxClassifier(backend, ctx)
	})
}

func gomlxGEMM(e *env) (map[string]any, error) {
	backend, err := simplego.New("")
	if err != nil {
		return nil, err
	}
	return runGEMM(e, func(n int, a, b []float32) (func() ([]float32, error), error) {
		exec, err := graph.NewExec(backend, func(a, b *graph.Node) *graph.Node { return graph.MatMul(a, b) })
		if err != nil {
			return nil, err
		}
		A, B := tensors.FromFlatDataAndDimensions(a, n, n), tensors.FromFlatDataAndDimensions(b, n, n)
		c := make([]float32, n*n)
		return func() ([]float32, error) {
			outs, err := exec.Exec(A, B)
			if err != nil {
				return nil, err
			}
			outs[0].ConstFlatData(func(flat any) { copy(c, flat.([]float32)) })
			return c, outs[0].FinalizeAll()
		}, nil
	})
}
