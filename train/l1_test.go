package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/backprop-go/backprop"
)

// TestL1ByHand checks that the L1 penalty adds λ₁·sign(w) to the mean
// gradient of the weights, nothing for a weight at exactly 0 (sign(0) = 0)
// and nothing to the bias, alone and beside L2, with every optimizer's
// first step reduced to plain SGD's where it is one (SGD) and checked
// against the same g otherwise through Adam's first step, −α·sign(g).
func TestL1ByHand(t *testing.T) {
	const alpha, l1, l2 = 0.1, 0.05, 0.01
	w, b := []float64{0.3, -0.2, 0}, 0.3
	x := []float64{1, 2, -1, 3, -1, 0.5, -2, 0.5, 2}
	y := []float64{1, 2, -1}
	set := Set[float64]{X: x, Y: y, N: 3}
	idx := []int{0, 2}
	// o = w·x + b; mean gradient over the examples idx, then the penalties.
	g := make([]float64, 3)
	var gb float64
	for _, r := range idx {
		d := w[0]*x[3*r] + w[1]*x[3*r+1] + w[2]*x[3*r+2] + b - y[r]
		for j := range g {
			g[j] += d * x[3*r+j] / 2
		}
		gb += d / 2
	}
	for _, lambda2 := range []float64{0, l2} {
		gw := []float64{
			g[0] + lambda2*w[0] + l1, // w > 0: sign 1
			g[1] + lambda2*w[1] - l1, // w < 0: sign −1
			g[2],                     // w = 0: sign 0, and λ·0 = 0
		}
		net, err := backprop.New[float64](3, backprop.Squared, 1, backprop.LayerSpec{Units: 1, Activation: backprop.Identity})
		if err != nil {
			t.Fatal(err)
		}
		copy(net.Layers[0].W, w)
		net.Layers[0].B[0] = b
		tr, err := NewTrainer(net, Config{Epochs: 1, Alpha: alpha, L1: l1, L2: lambda2})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Step(set, idx); err != nil {
			t.Fatal(err)
		}
		want := make([]float64, 3)
		for j := range want {
			want[j] = w[j] - alpha*gw[j]
		}
		near(t, "W", net.Layers[0].W, want, 1e-12)
		near(t, "b", net.Layers[0].B, []float64{b - alpha*gb}, 1e-12)

		// Adam's first step is w − α·g/(|g| + ε): the sign of the same g.
		net2, _ := backprop.New[float64](3, backprop.Squared, 1, backprop.LayerSpec{Units: 1, Activation: backprop.Identity})
		copy(net2.Layers[0].W, w)
		net2.Layers[0].B[0] = b
		tr2, err := NewTrainer(net2, Config{Epochs: 1, Alpha: alpha, Optimizer: Adam, L1: l1, L2: lambda2})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr2.Step(set, idx); err != nil {
			t.Fatal(err)
		}
		for j := range want {
			want[j] = w[j] - alpha*gw[j]/(math.Abs(gw[j])+DefaultEps)
		}
		near(t, "Adam W", net2.Layers[0].W, want, 1e-12)
	}
}

// TestL1FiniteDifference checks one SGD step with the L1 penalty on a
// network of two layers against central finite differences of
// F = E/n + λ₁ Σ |w^l_ij|, the function the subgradient descends, at weights
// away from 0 (where |w| is differentiable): (w − w′)/α = ∂F/∂w for every
// weight and bias.
func TestL1FiniteDifference(t *testing.T) {
	const alpha, l1, h = 0.01, 0.03, 1e-6
	net, err := backprop.New[float64](3, backprop.Squared, 2,
		backprop.LayerSpec{Units: 4, Activation: backprop.Tanh},
		backprop.LayerSpec{Units: 2, Activation: backprop.Sigmoid})
	if err != nil {
		t.Fatal(err)
	}
	net.Init(5)
	for _, lay := range net.Layers { // keep every weight away from the kink at 0
		for k, v := range lay.W {
			if math.Abs(v) < 0.05 {
				lay.W[k] = math.Copysign(0.05, v)
			}
		}
	}
	set := randomSet(rand.New(rand.NewPCG(7, 8)), 6, 3, 2, false)
	for k := range set.Y {
		set.Y[k] = (set.Y[k] + 1) / 2 // sigmoid targets in [0, 1]
	}
	F := func() float64 {
		m, err := Evaluate(net, set, TaskRegression)
		if err != nil {
			t.Fatal(err)
		}
		F := m.Loss
		for _, lay := range net.Layers {
			for _, v := range lay.W {
				F += l1 * math.Abs(v)
			}
		}
		return F
	}
	before := net.Clone()
	params := net.Params()
	want := make([][]float64, len(params))
	for p, w := range params {
		want[p] = make([]float64, len(w))
		for k := range w {
			v := w[k]
			w[k] = v + h
			fp := F()
			w[k] = v - h
			fm := F()
			w[k] = v
			want[p][k] = (fp - fm) / (2 * h)
		}
	}
	tr, err := NewTrainer(net, Config{Epochs: 1, Alpha: alpha, L1: l1})
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, set.N)
	for i := range idx {
		idx[i] = i
	}
	if _, err := tr.Step(set, idx); err != nil {
		t.Fatal(err)
	}
	old := before.Params()
	for p, w := range params {
		for k := range w {
			got := (old[p][k] - w[k]) / alpha
			if math.Abs(got-want[p][k]) > 1e-7*math.Max(1, math.Abs(want[p][k])) {
				t.Errorf("param %d[%d]: step's gradient %.10g, finite difference %.10g", p, k, got, want[p][k])
			}
		}
	}
}
