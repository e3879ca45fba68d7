package main

import (
	"fmt"
	"math/rand"

	"github.com/born-ml/born/autodiff"
	"github.com/born-ml/born/backend/cpu"
	"github.com/born-ml/born/nn"
	"github.com/born-ml/born/optim"
	"github.com/born-ml/born/tensor"
)

// born: a PyTorch-like eager API (nn.Sequential, nn.Linear, optim.SGD) over
// its CPU backend (float32, Go-assembly GEMM), with an autodiff backend that
// records a tape for the backward pass.

func init() {
	register("born", "github.com/born-ml/born v0.9.24 (CPU backend)",
		"float32; autodiff tape; no binary cross-entropy, so W4's log loss is written with tensor ops",
		map[string]func(*env) (map[string]any, error){"w1": bornW1, "w4": bornW4, "w5": bornW5, "gemm": bornGEMM})
}

type bornBE = *autodiff.Backend[*cpu.Backend]

type bornTensor = *tensor.Tensor[float32, bornBE]

// bornMLP: Linear layers (born's Xavier init, zero bias), act between them.
func bornMLP(be bornBE, sizes []int, act func() nn.Module[bornBE]) *nn.Sequential[bornBE] {
	var mods []nn.Module[bornBE]
	for l := range len(sizes) - 1 {
		mods = append(mods, nn.NewLinear[bornBE](sizes[l], sizes[l+1], be))
		if l < len(sizes)-2 {
			mods = append(mods, act())
		}
	}
	return nn.NewSequential[bornBE](mods...)
}

func bornMatrix(be bornBE, data []float32, rows, cols int) (bornTensor, error) {
	raw, err := tensor.NewRaw(tensor.Shape{rows, cols}, tensor.Float32, be.Device())
	if err != nil {
		return nil, err
	}
	copy(raw.AsFloat32(), data)
	return tensor.New[float32, bornBE](raw, be), nil
}

type bornW1Net struct {
	be    bornBE
	model *nn.Sequential[bornBE]
	opt   *optim.SGD[bornBE]
	train *Dataset
	xb    []float32
}

func (b *bornW1Net) epoch(order []int) error {
	d := b.train.D
	b.be.Tape().StartRecording()
	defer b.be.Tape().StopRecording()
	for i := 0; i < len(order); i += w1Batch {
		for r, k := range order[i : i+w1Batch] {
			copy(b.xb[r*d:(r+1)*d], b.train.Row(k))
		}
		x, err := bornMatrix(b.be, b.xb, w1Batch, d)
		if err != nil {
			return err
		}
		y, err := tensor.NewRaw(tensor.Shape{w1Batch}, tensor.Int32, b.be.Device())
		if err != nil {
			return err
		}
		for r, k := range order[i : i+w1Batch] {
			y.AsInt32()[r] = int32(b.train.Y[k])
		}
		b.opt.ZeroGrad()
		loss := tensor.New[float32, bornBE](b.be.CrossEntropy(b.model.Forward(x).Raw(), y), b.be)
		b.opt.Step(autodiff.Backward(loss, b.be))
		b.be.Tape().Clear()
	}
	return nil
}

func bornClassifier(be bornBE, model *nn.Sequential[bornBE]) w5Net {
	return func(test *Dataset, i, b int) (pred []int, err error) {
		autodiff.NoGrad(be, func() {
			var x bornTensor
			if x, err = bornMatrix(be, test.X[i*784:(i+b)*784], b, 784); err != nil {
				return
			}
			o := model.Forward(x).Raw().AsFloat32()
			for r := range b {
				pred = append(pred, argmax(o[r*10:(r+1)*10]))
			}
		})
		return pred, err
	}
}

func (b *bornW1Net) classify(test *Dataset) ([]int, error) {
	return bornClassifier(b.be, b.model)(test, 0, test.N)
}

func bornW1(e *env) (map[string]any, error) {
	return runW1(e, func(train *Dataset, rng *rand.Rand) (w1Net, error) {
		nn.SetSeed(rng.Int63())
		be := autodiff.New(cpu.New())
		model := bornMLP(be, w1Sizes, func() nn.Module[bornBE] { return nn.NewReLU[bornBE]() })
		return &bornW1Net{be: be, model: model, train: train, xb: make([]float32, w1Batch*784),
			opt: optim.NewSGD[bornBE](model.Parameters(), optim.SGDConfig{LR: 0.1}, be)}, nil
	})
}

type bornW4Net struct {
	be     bornBE
	model  *nn.Sequential[bornBE]
	opt    *optim.SGD[bornBE]
	xs, ys []bornTensor
}

func (b *bornW4Net) train(steps int) error {
	b.be.Tape().StartRecording()
	defer b.be.Tape().StopRecording()
	for s := range steps {
		x, y := b.xs[s%4], b.ys[s%4]
		b.opt.ZeroGrad()
		o := b.model.Forward(x)
		// log loss -(y log o + (1 - y) log(1 - o))
		ll := y.Mul(o.Log()).Add(y.MulScalar(-1).AddScalar(1).Mul(o.MulScalar(-1).AddScalar(1).Log()))
		b.opt.Step(autodiff.Backward(ll.Sum().MulScalar(-1), b.be))
		b.be.Tape().Clear()
	}
	return nil
}

func (b *bornW4Net) out(k int) (o float64, err error) {
	autodiff.NoGrad(b.be, func() { o = float64(b.model.Forward(b.xs[k]).Raw().AsFloat32()[0]) })
	return o, nil
}

func bornW4(e *env) (map[string]any, error) {
	return runW4(e, func(rng *rand.Rand) (w4Net, error) {
		nn.SetSeed(rng.Int63())
		be := autodiff.New(cpu.New())
		sig := func() nn.Module[bornBE] { return nn.NewSigmoid[bornBE]() }
		// 2-3-2-1 with a sigmoid after every layer, the output's too
		model := nn.NewSequential[bornBE](nn.NewLinear[bornBE](2, 3, be), sig(), nn.NewLinear[bornBE](3, 2, be), sig(),
			nn.NewLinear[bornBE](2, 1, be), sig())
		net := &bornW4Net{be: be, model: model, opt: optim.NewSGD[bornBE](model.Parameters(), optim.SGDConfig{LR: 0.5}, be)}
		for k := range 4 {
			x, err := bornMatrix(be, []float32{float32(xorX[k][0]), float32(xorX[k][1])}, 1, 2)
			if err != nil {
				return nil, err
			}
			y, err := bornMatrix(be, []float32{float32(xorY[k])}, 1, 1)
			if err != nil {
				return nil, err
			}
			net.xs, net.ys = append(net.xs, x), append(net.ys, y)
		}
		return net, nil
	})
}

func bornW5(e *env) (map[string]any, error) {
	return runW5(e, func(rng *rand.Rand) (w5Net, error) {
		nn.SetSeed(rng.Int63())
		be := autodiff.New(cpu.New())
		return bornClassifier(be, bornMLP(be, w1Sizes, func() nn.Module[bornBE] { return nn.NewReLU[bornBE]() })), nil
	})
}

func bornGEMM(e *env) (map[string]any, error) {
	return runGEMM(e, func(n int, a, b []float32) (func() ([]float32, error), error) {
		be := cpu.New()
		A, err := tensor.FromSlice[float32, *cpu.Backend](a, tensor.Shape{n, n}, be)
		if err != nil {
			return nil, err
		}
		B, err := tensor.FromSlice[float32, *cpu.Backend](b, tensor.Shape{n, n}, be)
		if err != nil {
			return nil, err
		}
		return func() ([]float32, error) {
			C := A.MatMul(B)
			if s := C.Shape(); len(s) != 2 || s[0] != n || s[1] != n {
				return nil, fmt.Errorf("born: product of shape %v", s)
			}
			return C.Raw().AsFloat32(), nil
		}, nil
	})
}
