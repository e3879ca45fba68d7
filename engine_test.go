package backprop_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

var activations = []backprop.Activation{backprop.Identity, backprop.Sigmoid, backprop.Tanh, backprop.ReLU, backprop.LeakyReLU, backprop.Softmax}
var losses = []backprop.Loss{backprop.Squared, backprop.Log, backprop.CrossEntropy}

// randomNet builds a 3-layer network with the given hidden and output
// activations, random weights and biases, and optionally a mask and a layer
// without bias.
func randomNet(rng *rand.Rand, hidden, out backprop.Activation, J backprop.Loss, masked bool) (*backprop.Network[float64], error) {
	net, err := backprop.New[float64](4, J, rng.Uint64(),
		backprop.LayerSpec{Units: 5, Activation: hidden, Slope: 0.1},
		backprop.LayerSpec{Units: 4, Activation: hidden, Slope: 0.1, NoBias: masked},
		backprop.LayerSpec{Units: 3, Activation: out, Slope: 0.1})
	if err != nil {
		return nil, err
	}
	for _, lay := range net.Layers {
		for i := range lay.B {
			lay.B[i] = rng.NormFloat64() * 0.5
		}
		if masked {
			lay.Mask = make([]bool, len(lay.W))
			for k := range lay.Mask {
				lay.Mask[k] = rng.IntN(3) > 0
				if !lay.Mask[k] {
					lay.W[k] = 0
				}
			}
		}
	}
	return net, nil
}

func randomBatch(rng *rand.Rand, net *backprop.Network[float64], rows int) (x, y []float64) {
	n := net.Outputs()
	for range rows * net.Inputs {
		x = append(x, rng.NormFloat64())
	}
	for range rows {
		k := rng.IntN(n)
		for i := range n {
			switch {
			case net.Loss == backprop.Squared:
				y = append(y, rng.NormFloat64())
			case net.Loss == backprop.Log:
				y = append(y, float64(rng.IntN(2)))
			case i == k:
				y = append(y, 1)
			default:
				y = append(y, 0)
			}
		}
	}
	return x, y
}

// TestGradCheckEveryPair checks backward against central finite differences
// for every defined activation × loss pair at the output, every activation in
// the hidden layers, with and without masks and bias-free layers.
func TestGradCheckEveryPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var worst float64
	pairs := 0
	for _, out := range activations {
		for _, J := range losses {
			for _, hidden := range activations {
				for _, masked := range []bool{false, true} {
					name := fmt.Sprintf("%s-%s/hidden-%s/masked-%v", out, J, hidden, masked)
					net, err := randomNet(rng, hidden, out, J, masked)
					if J != backprop.Squared && out != backprop.Sigmoid && out != backprop.Softmax {
						if err == nil {
							t.Errorf("%s: undefined pair accepted", name)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					x, y := randomBatch(rng, net, 3)
					checks, err := backprop.GradCheck(net, x, y)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					for _, c := range checks {
						worst = math.Max(worst, c.Worst)
						if c.Worst > 1e-6 {
							t.Errorf("%s: layer %d %s[%d][%d]: backward %.10g, finite difference %.10g (relative error %.2g)",
								name, c.Layer, c.Param, c.I, c.J, c.Backward, c.Numeric, c.Worst)
						}
					}
					pairs++
				}
			}
		}
	}
	t.Logf("%d networks checked; worst relative error %.2g", pairs, worst)
}

// TestMatchedEqualsGeneral proves the named fast path δ^L = o − y equal to
// the general rule J_f(z)ᵀ ∇_o J for the three matched pairs: a network of the
// pair and the same network with its output as a separate step give the same
// gradient as finite differences (already proved), and the output delta
// matches the general formula computed here by hand.
func TestMatchedEqualsGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, p := range []struct {
		f backprop.Activation
		J backprop.Loss
	}{{backprop.Identity, backprop.Squared}, {backprop.Sigmoid, backprop.Log}, {backprop.Softmax, backprop.CrossEntropy}} {
		net, err := randomNet(rng, backprop.Tanh, p.f, p.J, false)
		if err != nil {
			t.Fatal(err)
		}
		x, y := randomBatch(rng, net, 2)
		ws := net.NewWorkspace(2)
		o := ws.Forward(x)
		ws.Backward(y)
		L := net.L()
		n := net.Outputs()
		for r := range 2 {
			or, yr := o[r*n:(r+1)*n], y[r*n:(r+1)*n]
			for i := range n {
				// general rule: δ_i = Σ_k ∂o_k/∂z_i · ∂J/∂o_k
				var g float64
				for k := range n {
					var dok float64 // ∂o_k/∂z_i
					switch p.f {
					case backprop.Identity:
						if i == k {
							dok = 1
						}
					case backprop.Sigmoid:
						if i == k {
							dok = or[k] * (1 - or[k])
						}
					case backprop.Softmax:
						dok = or[k] * (kron(i, k) - or[i])
					}
					var dJ float64 // ∂J/∂o_k
					switch p.J {
					case backprop.Squared:
						dJ = or[k] - yr[k]
					case backprop.Log:
						dJ = -yr[k]/or[k] + (1-yr[k])/(1-or[k])
					case backprop.CrossEntropy:
						dJ = -yr[k] / or[k]
					}
					g += dok * dJ
				}
				got := ws.Delta[L][r*n+i]
				if math.Abs(got-g) > 1e-12*math.Max(1, math.Abs(g)) {
					t.Errorf("%s+%s: δ^L[%d][%d] = %.15g, general rule %.15g", p.f, p.J, r, i, got, g)
				}
				if want := or[i] - yr[i]; got != want {
					t.Errorf("%s+%s: δ^L[%d][%d] = %.15g, want o − y = %.15g", p.f, p.J, r, i, got, want)
				}
			}
		}
	}
}

func kron(i, k int) float64 {
	if i == k {
		return 1
	}
	return 0
}

// TestBatchIsSumOfExamples: the gradient of a batch is the sum of the
// gradients of its examples, and E the sum of their losses.
func TestBatchIsSumOfExamples(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	net, err := randomNet(rng, backprop.Sigmoid, backprop.Softmax, backprop.CrossEntropy, true)
	if err != nil {
		t.Fatal(err)
	}
	const rows = 4
	x, y := randomBatch(rng, net, rows)
	ws := net.NewWorkspace(rows)
	ws.Forward(x)
	E := ws.Backward(y)
	batch := cloneAll(ws.Grads())
	sum := cloneAll(ws.Grads())
	for _, g := range sum {
		clear(g)
	}
	var Esum float64
	n0, nL := net.Inputs, net.Outputs()
	for r := range rows {
		ws.Forward(x[r*n0 : (r+1)*n0])
		Esum += ws.Backward(y[r*nL : (r+1)*nL])
		for p, g := range ws.Grads() {
			for k, v := range g {
				sum[p][k] += v
			}
		}
	}
	if math.Abs(E-Esum) > 1e-12*Esum {
		t.Errorf("E of the batch = %.15g, sum of the examples' = %.15g", E, Esum)
	}
	for p := range batch {
		for k := range batch[p] {
			if d := math.Abs(batch[p][k] - sum[p][k]); d > 1e-12 {
				t.Errorf("param %d[%d]: batch gradient %.15g, sum of examples %.15g", p, k, batch[p][k], sum[p][k])
			}
		}
	}
}

func cloneAll(s [][]float64) [][]float64 {
	out := make([][]float64, len(s))
	for i, v := range s {
		out[i] = append([]float64(nil), v...)
	}
	return out
}

// TestMaskedStayZero: absent connections get gradient 0 and stay 0 over many
// steps.
func TestMaskedStayZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	net, err := randomNet(rng, backprop.ReLU, backprop.Sigmoid, backprop.Log, true)
	if err != nil {
		t.Fatal(err)
	}
	x, y := randomBatch(rng, net, 5)
	ws := net.NewWorkspace(5)
	for range 50 {
		ws.Forward(x)
		ws.Backward(y)
		ws.Step(0.3)
	}
	for l, lay := range net.Layers {
		for k, present := range lay.Mask {
			if !present && (lay.W[k] != 0 || ws.DW[l+1][k] != 0) {
				t.Errorf("layer %d: absent weight %d = %g, gradient %g", l+1, k, lay.W[k], ws.DW[l+1][k])
			}
		}
	}
}

// TestSoftmaxRowsSumToOne, also for extreme net inputs.
func TestSoftmaxRowsSumToOne(t *testing.T) {
	net := &backprop.Network[float64]{Inputs: 2, Loss: backprop.CrossEntropy, Layers: []*backprop.Layer[float64]{
		{Activation: backprop.Softmax, In: 2, Out: 3, W: []float64{1e4, 0, -1e4, 0, 0, 1e4}},
	}}
	ws := net.NewWorkspace(2)
	o := ws.Forward([]float64{1, 0, 0.5, -0.3})
	for r := range 2 {
		var s float64
		for _, v := range o[r*3 : (r+1)*3] {
			s += v
		}
		if math.Abs(s-1) > 1e-15 {
			t.Errorf("row %d sums to %.17g", r, s)
		}
	}
}

// TestStableForLargeZ: every activation × loss pair gives finite outputs,
// losses and deltas for |z| up to 1e4, in both precisions.
func TestStableForLargeZ(t *testing.T) {
	for _, f := range activations {
		for _, J := range losses {
			for _, z := range []float64{1e4, -1e4, 750, -750, 100, -100} {
				testStable[float64](t, f, J, z)
				testStable[float32](t, f, J, z)
			}
		}
	}
}

func testStable[T backprop.Float](t *testing.T, f backprop.Activation, J backprop.Loss, z float64) {
	net := &backprop.Network[T]{Inputs: 1, Loss: J, Layers: []*backprop.Layer[T]{
		{Activation: backprop.Tanh, In: 1, Out: 2, W: []T{1, 1}},
		{Activation: f, Slope: 0.01, In: 2, Out: 2, W: []T{T(z / 2), T(z / 2), T(-z / 2), 0}},
	}}
	if err := net.Validate(); err != nil {
		return // an undefined pair
	}
	ws := net.NewWorkspace(1)
	ws.Forward([]T{20}) // tanh(20) = 1 to the last bit
	y := []T{1, 0}
	E := ws.Backward(y)
	bad := math.IsNaN(E) || math.IsInf(E, 0)
	for _, s := range [][]T{ws.A[2], ws.Delta[2], ws.Delta[1], ws.DW[2], ws.DW[1]} {
		for _, v := range s {
			bad = bad || math.IsNaN(float64(v)) || math.IsInf(float64(v), 0)
		}
	}
	if bad {
		t.Errorf("%T %s+%s at z=%g: E=%g o=%v δ=%v", T(0), f, J, z, E, ws.A[2], ws.Delta[2])
	}
}

// TestUndefinedPairsRefused: the log losses on outputs that are not
// probabilities are refused when the network is built.
func TestUndefinedPairsRefused(t *testing.T) {
	_, err := backprop.New[float64](2, backprop.CrossEntropy, 1, backprop.LayerSpec{Units: 3, Activation: backprop.ReLU})
	want := "layer 1: loss cross-entropy needs outputs in (0, 1), but the output activation is relu (use sigmoid or softmax, or the squared loss)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestParseNames(t *testing.T) {
	for _, f := range activations {
		if g, err := backprop.ParseActivation(f.String()); err != nil || g != f {
			t.Errorf("ParseActivation(%q) = %v, %v", f, g, err)
		}
	}
	for _, J := range losses {
		if g, err := backprop.ParseLoss(J.String()); err != nil || g != J {
			t.Errorf("ParseLoss(%q) = %v, %v", J, g, err)
		}
	}
	_, err := backprop.ParseActivation("sigmod")
	if want := `unknown activation "sigmod" (want identity, sigmoid, tanh, relu, leaky-relu, softmax)`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	_, err = backprop.ParseLoss("mse")
	if want := `unknown loss "mse" (want squared, log, cross-entropy)`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestFloat32MatchesFloat64 on random networks: the float32 path follows the
// float64 engine to float32 precision.
func TestFloat32MatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, f := range activations {
		net, err := randomNet(rng, f, backprop.Softmax, backprop.CrossEntropy, false)
		if err != nil {
			t.Fatal(err)
		}
		x, y := randomBatch(rng, net, 8)
		n32 := backprop.Convert[float32](net)
		ws, ws32 := net.NewWorkspace(8), n32.NewWorkspace(8)
		ws.Forward(x)
		E := ws.Backward(y)
		ws32.Forward(toF32(x))
		E32 := ws32.Backward(toF32(y))
		if math.Abs(E-E32) > 1e-5*math.Abs(E) {
			t.Errorf("hidden %s: E float32 %g, float64 %g", f, E32, E)
		}
		for p, g := range ws.Grads() {
			g32 := ws32.Grads()[p]
			var scale float64
			for _, v := range g {
				scale = math.Max(scale, math.Abs(v))
			}
			for k := range g {
				if d := math.Abs(float64(g32[k]) - g[k]); d > 1e-4*scale {
					t.Errorf("hidden %s: param %d[%d] float32 %g, float64 %g", f, p, k, g32[k], g[k])
				}
			}
		}
	}
}

func toF32(s []float64) []float32 {
	out := make([]float32, len(s))
	for i, v := range s {
		out[i] = float32(v)
	}
	return out
}
