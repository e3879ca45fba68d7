package main

import (
	"fmt"
	"math/rand"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gorgonia: a symbolic graph of fixed shapes, differentiated by G.Grad and
// run by a TapeMachine; a solver updates the bound values. Its init panics on
// Go 1.26 with the go4.org/unsafe/assume-no-moving-gc its go.mod names: this
// module requires the 2023-11 version, which asks the runtime instead.

func init() {
	register("gorgonia", "gorgonia.org/gorgonia v0.9.18, gorgonia.org/tensor v0.9.24",
		"float32 graphs (W4 float64); VanillaSolver; one graph per batch size",
		map[string]func(*env) (map[string]any, error){"w1": gorgoniaW1, "w4": gorgoniaW4, "w5": gorgoniaW5, "gemm": gorgoniaGEMM})
}

// gorgoniaMLP adds x·W + b layers to g (act between them, none after the
// last) and returns the output and the learnables [W1, b1, W2, b2, …].
// weights, if given, are the initial [W, b] values; else Glorot-uniform and 0.
func gorgoniaMLP(g *G.ExprGraph, dt tensor.Dtype, x *G.Node, sizes []int, act func(*G.Node) (*G.Node, error), weights []any) (*G.Node, G.Nodes, error) {
	var learn G.Nodes
	a := x
	for l := range len(sizes) - 1 {
		wOpt, bOpt := G.WithInit(G.GlorotU(1)), G.WithInit(G.Zeroes())
		if weights != nil {
			wOpt = G.WithValue(tensor.New(tensor.WithShape(sizes[l], sizes[l+1]), tensor.WithBacking(weights[2*l])))
			bOpt = G.WithValue(tensor.New(tensor.WithShape(1, sizes[l+1]), tensor.WithBacking(weights[2*l+1])))
		}
		W := G.NewMatrix(g, dt, G.WithShape(sizes[l], sizes[l+1]), G.WithName(fmt.Sprintf("W%d", l+1)), wOpt)
		b := G.NewMatrix(g, dt, G.WithShape(1, sizes[l+1]), G.WithName(fmt.Sprintf("b%d", l+1)), bOpt)
		learn = append(learn, W, b)
		xw, err := G.Mul(a, W)
		if err != nil {
			return nil, nil, err
		}
		if a, err = G.BroadcastAdd(xw, b, nil, []byte{0}); err != nil {
			return nil, nil, err
		}
		if l < len(sizes)-2 {
			if a, err = act(a); err != nil {
				return nil, nil, err
			}
		}
	}
	return a, learn, nil
}

type gorgoniaW1Net struct {
	train  *Dataset
	x, y   *G.Node
	learn  G.Nodes
	vm     G.VM
	solver G.Solver
	xb, yb []float32
}

func (g *gorgoniaW1Net) epoch(order []int) error {
	d := g.train.D
	for i := 0; i < len(order); i += w1Batch {
		clear(g.yb)
		for r, k := range order[i : i+w1Batch] {
			copy(g.xb[r*d:(r+1)*d], g.train.Row(k))
			g.yb[r*10+int(g.train.Y[k])] = 1
		}
		if err := G.Let(g.x, tensor.New(tensor.WithShape(w1Batch, d), tensor.WithBacking(g.xb))); err != nil {
			return err
		}
		if err := G.Let(g.y, tensor.New(tensor.WithShape(w1Batch, 10), tensor.WithBacking(g.yb))); err != nil {
			return err
		}
		if err := g.vm.RunAll(); err != nil {
			return err
		}
		if err := g.solver.Step(G.NodesToValueGrads(g.learn)); err != nil {
			return err
		}
		g.vm.Reset()
	}
	return nil
}

func (g *gorgoniaW1Net) classify(test *Dataset) ([]int, error) {
	var weights []any
	for _, n := range g.learn {
		weights = append(weights, n.Value().Data().([]float32))
	}
	run, err := gorgoniaInfer(weights, test.N)
	if err != nil {
		return nil, err
	}
	return run(test, 0, test.N)
}

// gorgoniaInfer builds a forward graph for batch bs with the given weights.
func gorgoniaInfer(weights []any, bs int) (w5Net, error) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(bs, 784), G.WithName("x"))
	out, _, err := gorgoniaMLP(g, tensor.Float32, x, w1Sizes, G.Rectify, weights)
	if err != nil {
		return nil, err
	}
	var o G.Value
	G.Read(out, &o)
	vm := G.NewTapeMachine(g)
	return func(test *Dataset, i, b int) ([]int, error) {
		if b != bs {
			return nil, fmt.Errorf("gorgonia: graph built for batch %d, asked for %d", bs, b)
		}
		xb := test.X[i*784 : (i+b)*784]
		if err := G.Let(x, tensor.New(tensor.WithShape(b, 784), tensor.WithBacking(xb))); err != nil {
			return nil, err
		}
		if err := vm.RunAll(); err != nil {
			return nil, err
		}
		defer vm.Reset()
		v := o.Data().([]float32)
		pred := make([]int, b)
		for r := range pred {
			pred[r] = argmax(v[r*10 : (r+1)*10])
		}
		return pred, nil
	}, nil
}

func gorgoniaW1(e *env) (map[string]any, error) {
	return runW1(e, func(train *Dataset, rng *rand.Rand) (w1Net, error) {
		g := G.NewGraph()
		x := G.NewMatrix(g, tensor.Float32, G.WithShape(w1Batch, 784), G.WithName("x"))
		y := G.NewMatrix(g, tensor.Float32, G.WithShape(w1Batch, 10), G.WithName("y"))
		logits, learn, err := gorgoniaMLP(g, tensor.Float32, x, w1Sizes, G.Rectify, nil)
		if err != nil {
			return nil, err
		}
		lsm, err := G.LogSoftMax(logits)
		if err != nil {
			return nil, err
		}
		// cross-entropy, the mean over the batch: -mean(Σ_k y_k log softmax_k)
		cost := G.Must(G.Neg(G.Must(G.Mean(G.Must(G.Sum(G.Must(G.HadamardProd(lsm, y)), 1))))))
		if _, err := G.Grad(cost, learn...); err != nil {
			return nil, err
		}
		return &gorgoniaW1Net{train: train, x: x, y: y, learn: learn,
			vm: G.NewTapeMachine(g, G.BindDualValues(learn...)), solver: G.NewVanillaSolver(G.WithLearnRate(0.1)),
			xb: make([]float32, w1Batch*784), yb: make([]float32, w1Batch*10)}, nil
	})
}

type gorgoniaW4Net struct {
	x, y   *G.Node
	xs, ys []*tensor.Dense
	o      G.Value
	vm     G.VM
	solver G.Solver
	vg     []G.ValueGrad
}

func (g *gorgoniaW4Net) run(k int) error {
	if err := G.Let(g.x, g.xs[k]); err != nil {
		return err
	}
	if err := G.Let(g.y, g.ys[k]); err != nil {
		return err
	}
	return g.vm.RunAll()
}

func (g *gorgoniaW4Net) train(steps int) error {
	for s := range steps {
		if err := g.run(s % 4); err != nil {
			return err
		}
		if err := g.solver.Step(g.vg); err != nil {
			return err
		}
		g.vm.Reset()
	}
	return nil
}

func (g *gorgoniaW4Net) out(k int) (float64, error) {
	defer g.vm.Reset()
	if err := g.run(k); err != nil {
		return 0, err
	}
	return g.o.Data().([]float64)[0], nil
}

func gorgoniaW4(e *env) (map[string]any, error) {
	return runW4(e, func(rng *rand.Rand) (w4Net, error) {
		sizes := []int{2, 3, 2, 1}
		var weights []any
		for l := range len(sizes) - 1 {
			weights = append(weights, glorot(rng, sizes[l], sizes[l+1]), make([]float64, sizes[l+1]))
		}
		g := G.NewGraph()
		x := G.NewMatrix(g, tensor.Float64, G.WithShape(1, 2), G.WithName("x"))
		y := G.NewMatrix(g, tensor.Float64, G.WithShape(1, 1), G.WithName("y"))
		z, learn, err := gorgoniaMLP(g, tensor.Float64, x, sizes, G.Sigmoid, weights)
		if err != nil {
			return nil, err
		}
		o := G.Must(G.Sigmoid(z))
		// log loss: -(y log o + (1 - y) log(1 - o))
		one := G.NewConstant(1.0)
		t1 := G.Must(G.HadamardProd(y, G.Must(G.Log(o))))
		t2 := G.Must(G.HadamardProd(G.Must(G.Sub(one, y)), G.Must(G.Log(G.Must(G.Sub(one, o))))))
		cost := G.Must(G.Neg(G.Must(G.Sum(G.Must(G.Add(t1, t2))))))
		if _, err := G.Grad(cost, learn...); err != nil {
			return nil, err
		}
		net := &gorgoniaW4Net{x: x, y: y, solver: G.NewVanillaSolver(G.WithLearnRate(0.5)), vg: G.NodesToValueGrads(learn)}
		G.Read(o, &net.o) // before the machine is made: Read adds a node to the graph
		net.vm = G.NewTapeMachine(g, G.BindDualValues(learn...))
		for k := range 4 {
			net.xs = append(net.xs, tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{xorX[k][0], xorX[k][1]})))
			net.ys = append(net.ys, tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float64{xorY[k]})))
		}
		return net, nil
	})
}

func gorgoniaW5(e *env) (map[string]any, error) {
	return runW5(e, func(rng *rand.Rand) (w5Net, error) {
		var weights []any
		for l := range len(w1Sizes) - 1 {
			w := make([]float32, w1Sizes[l]*w1Sizes[l+1])
			for i, v := range glorot(rng, w1Sizes[l], w1Sizes[l+1]) {
				w[i] = float32(v)
			}
			weights = append(weights, w, make([]float32, w1Sizes[l+1]))
		}
		nets := map[int]w5Net{} // one graph per batch size
		return func(test *Dataset, i, b int) ([]int, error) {
			if nets[b] == nil {
				n, err := gorgoniaInfer(weights, b)
				if err != nil {
					return nil, err
				}
				nets[b] = n
			}
			return nets[b](test, i, b)
		}, nil
	})
}

func gorgoniaGEMM(e *env) (map[string]any, error) {
	return runGEMM(e, func(n int, a, b []float32) (func() ([]float32, error), error) {
		A := tensor.New(tensor.WithShape(n, n), tensor.WithBacking(a))
		B := tensor.New(tensor.WithShape(n, n), tensor.WithBacking(b))
		C := tensor.New(tensor.WithShape(n, n), tensor.Of(tensor.Float32))
		return func() ([]float32, error) {
			_, err := tensor.MatMul(A, B, tensor.WithReuse(C))
			return C.Data().([]float32), err
		}, nil
	})
}
