package backprop_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/internal/exact"
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

// TestGradCheckSaturated: the finite-difference check of every pair where
// the outputs have saturated (|z^L| from about 30 to 200, the output layer's
// weights scaled up), with the exact loss of Loss as the oracle.
func TestGradCheckSaturated(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, p := range pairs() {
		f, _ := backprop.ParseActivation(p[0])
		J, _ := backprop.ParseLoss(p[1])
		for _, scale := range []float64{30, 200} {
			net, err := randomNet(rng, backprop.Tanh, f, J, false)
			if err != nil {
				t.Fatal(err)
			}
			out := net.Layers[net.L()-1]
			for k := range out.W {
				out.W[k] *= scale
			}
			for k := range out.B {
				out.B[k] *= scale
			}
			x, y := randomBatch(rng, net, 3)
			checks, err := backprop.GradCheck(net, x, y)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range checks {
				if c.Worst > 1e-6 {
					t.Errorf("%s+%s ×%g: layer %d %s[%d][%d]: backward %.10g, finite difference %.10g (relative error %.2g)",
						p[0], p[1], scale, c.Layer, c.Param, c.I, c.J, c.Backward, c.Numeric, c.Worst)
				}
			}
		}
	}
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
				// o − y, up to its rounding: the output nearest 1 takes it as
				// (1 − y) − (1 − o), 1 − o from z (output.go): for a sigmoid
				// σ(−z), for a softmax the sum of the other outputs. o and
				// 1 − o are then each a rounded quotient or sum of up to n
				// terms, which adds up to about 2n roundings of 2⁻⁵³ at 1: the
				// bound, whatever the last bits of z (a product fused into one
				// FMA, as arm64 and GOAMD64=v3 compile x*y + z, moves them).
				if want := or[i] - yr[i]; math.Abs(got-want) > float64(max(n, 2))*0x1p-52 {
					t.Errorf("%s+%s: δ^L[%d][%d] = %.17g, want o − y = %.17g", p.f, p.J, r, i, got, want)
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

// pairs lists every defined activation × loss pair at the output.
func pairs() (ps [][2]string) {
	for _, f := range activations {
		for _, J := range losses {
			if J == backprop.Squared || f == backprop.Sigmoid || f == backprop.Softmax {
				ps = append(ps, [2]string{f.String(), J.String()})
			}
		}
	}
	return ps
}

// edgeTargets are the targets of the edge tests, in each loss's domain, for
// two outputs.
func edgeTargets(J string) [][]float64 {
	if J == "squared" {
		return [][]float64{{1, 0}, {0, 1}, {0.25, -0.5}, {1, -1}}
	}
	return [][]float64{{1, 0}, {0, 1}, {0.25, 0.75}}
}

// edgeSlope is the leaky slope of the edge tests (exact in float32).
const edgeSlope = 0.125

// outputNet is one layer on one input x = 1 without bias, so that z^1 = W.
func outputNet[T backprop.Float](f backprop.Activation, J backprop.Loss, z []float64) *backprop.Network[T] {
	W := make([]T, len(z))
	for k, v := range z {
		W[k] = T(v)
	}
	return &backprop.Network[T]{Inputs: 1, Loss: J, Layers: []*backprop.Layer[T]{
		{Activation: f, Slope: edgeSlope, In: 1, Out: len(z), W: W}}}
}

// TestExactAtTheEdges: for every activation × loss pair, at z = ±10, ±60,
// ±750 and ±1e4, E and δ^L agree with closed forms computed in 256-bit
// arithmetic (internal/exact): to 1e-14 relative in float64 and to float32
// precision in float32.
func TestExactAtTheEdges(t *testing.T) {
	for _, p := range pairs() {
		f, _ := backprop.ParseActivation(p[0])
		J, _ := backprop.ParseLoss(p[1])
		for _, s := range []float64{10, 60, 750, 1e4} {
			for _, sign := range []float64{1, -1} {
				z := []float64{sign * s, -sign * s}
				for _, y := range edgeTargets(p[1]) {
					wantE, wantD := exact.Closed(p[0], p[1], edgeSlope, z, y)
					name := fmt.Sprintf("%s+%s z=%v y=%v", p[0], p[1], z, y)
					E, d := edgeStep[float64](f, J, z, y)
					checkClose(t, name+" float64 E", E, wantE, 1e-14, 0)
					E32, d32 := edgeStep[float32](f, J, z, y)
					checkClose(t, name+" float32 E", E32, wantE, 3e-7, 0)
					for k := range d {
						checkClose(t, fmt.Sprintf("%s float64 δ_%d", name, k+1), d[k], wantD[k], 1e-14, 0x1p-1074)
						checkClose(t, fmt.Sprintf("%s float32 δ_%d", name, k+1), d32[k], float64(float32(wantD[k])), 3e-7, 0x1p-149)
					}
				}
			}
		}
	}
}

// TestExactByDefinition: for every pair, on three outputs (softmax couples
// them) with net inputs up to ±60, E and δ^L agree with the definitions
// (o = f(z), J(y, o), δ = J_f(z)ᵀ ∇_o J) evaluated at a precision where
// nothing cancels.
func TestExactByDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, p := range pairs() {
		f, _ := backprop.ParseActivation(p[0])
		J, _ := backprop.ParseLoss(p[1])
		for _, s := range []float64{0.5, 3, 10, 60} {
			for range 4 {
				z := []float64{s * (2*rng.Float64() - 1), s * (2*rng.Float64() - 1), s * (2*rng.Float64() - 1)}
				z[rng.IntN(3)] = s * float64(1-2*rng.IntN(2))
				y := make([]float64, 3)
				switch p[1] {
				case "squared":
					for k := range y {
						y[k] = rng.NormFloat64()
					}
				case "log":
					for k := range y {
						y[k] = float64(rng.IntN(3)) / 2
					}
				default:
					y[rng.IntN(3)] = 0.5
					y[rng.IntN(3)] += 0.5
				}
				wantE, wantD := exact.Definition(p[0], p[1], edgeSlope, z, y)
				name := fmt.Sprintf("%s+%s z=%v y=%v", p[0], p[1], z, y)
				E, d := edgeStep[float64](f, J, z, y)
				checkClose(t, name+" E", E, wantE, 1e-13, 0)
				var scale float64 // δ's size: a component near 0 is compared absolutely
				for _, v := range wantD {
					scale = math.Max(scale, math.Abs(v))
				}
				for k := range d {
					checkClose(t, fmt.Sprintf("%s δ_%d", name, k+1), d[k], wantD[k], 1e-13, 1e-15*scale)
				}
			}
		}
	}
}

// edgeStep runs Forward and Backward on outputNet with x = 1 and returns E
// and δ^L in float64.
func edgeStep[T backprop.Float](f backprop.Activation, J backprop.Loss, z, y []float64) (float64, []float64) {
	net := outputNet[T](f, J, z)
	ws := net.NewWorkspace(1)
	ws.Forward([]T{1})
	yt := make([]T, len(y))
	for k, v := range y {
		yt[k] = T(v)
	}
	E := ws.Backward(yt)
	if E2 := ws.Loss(yt); E2 != E {
		panic(fmt.Sprintf("Loss %v, Backward %v", E2, E))
	}
	d := make([]float64, len(z))
	for k, v := range ws.Delta[1] {
		d[k] = float64(v)
	}
	return E, d
}

// checkClose reports got ≠ want beyond rel·|want| + abs.
func checkClose(t *testing.T, name string, got, want, rel, abs float64) {
	t.Helper()
	if !(math.Abs(got-want) <= rel*math.Abs(want)+abs) {
		t.Errorf("%s: %.17g, want %.17g (relative error %.2g)", name, got, want, math.Abs(got-want)/math.Abs(want))
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

// TestCheckTargets: targets outside the loss's domain are refused, naming the
// example and the output; targets inside it pass.
func TestCheckTargets(t *testing.T) {
	mk := func(f backprop.Activation, J backprop.Loss, n int) *backprop.Network[float64] {
		net, err := backprop.New[float64](2, J, 1, backprop.LayerSpec{Units: n, Activation: f})
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	logNet, ceNet, sqNet := mk(backprop.Sigmoid, backprop.Log, 1), mk(backprop.Softmax, backprop.CrossEntropy, 3), mk(backprop.Identity, backprop.Squared, 1)
	for _, c := range []struct {
		net  *backprop.Network[float64]
		y    []float64
		want string
	}{
		{logNet, []float64{0, 1, 0.25}, ""},
		{logNet, []float64{2}, "y_1 = 2, want a value in [0, 1] (the log loss's targets are probabilities)"},
		{logNet, []float64{1, -0.5}, "example 2: y_1 = -0.5, want a value in [0, 1] (the log loss's targets are probabilities)"},
		{ceNet, []float64{0, 1, 0, 0.25, 0.25, 0.5}, ""},
		{ceNet, []float64{0.1, 0.2, 0.3}, "the targets sum to 0.6, want 1 (cross-entropy's targets are a distribution over the classes: one 1 for the class, 0 elsewhere)"},
		{ceNet, []float64{1.5, -0.5, 0}, "y_2 = -0.5, want a value ≥ 0 (cross-entropy's targets are a distribution over the classes)"},
		{ceNet, []float64{0, 1}, "y: 2 values do not make rows of 3 (the network's outputs)"},
		{sqNet, []float64{-7, 1e6}, ""},
		{sqNet, []float64{math.NaN()}, "y_1 = NaN, want a finite number"},
	} {
		err := c.net.CheckTargets(c.y)
		if got := fmt.Sprint(err); (c.want == "" && err != nil) || (c.want != "" && got != c.want) {
			t.Errorf("%s y=%v: %v, want %q", c.net.Loss, c.y, err, c.want)
		}
	}
}

// TestTraceChangesNothing: with the trace on, every pair gives bit for bit
// the E, deltas and gradients of the trace off (whose products apply the
// bias, f and f′ in their epilogues where the kernel has f), for a batch of
// one shard and of two; the trace's G^l is the
// delta rule's sum (W^(l+1))ᵀ δ^(l+1) below the output, and
// δ^l = f′(z^l)·G^l for the elementwise layers.
func TestTraceChangesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, p := range pairs() {
		f, _ := backprop.ParseActivation(p[0])
		J, _ := backprop.ParseLoss(p[1])
		for _, hidden := range activations {
			net, err := randomNet(rng, hidden, f, J, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, rows := range []int{3, 60} { // one shard, and two
				testTraceChangesNothing(t, rng, net, rows, fmt.Sprintf("%s+%s hidden %s, %d rows", p[0], p[1], hidden, rows))
			}
		}
	}
}

func testTraceChangesNothing(t *testing.T, rng *rand.Rand, net *backprop.Network[float64], rows int, name string) {
	x, y := randomBatch(rng, net, rows)
	off, on := net.NewWorkspace(rows), net.NewWorkspace(rows)
	on.EnableTrace()
	off.Forward(x)
	on.Forward(x)
	Eoff, Eon := off.Backward(y), on.Backward(y)
	if Eoff != Eon {
		t.Errorf("%s: E %v with the trace, %v without", name, Eon, Eoff)
	}
	for l := 1; l <= net.L(); l++ {
		for k := range off.Delta[l] {
			if off.Delta[l][k] != on.Delta[l][k] {
				t.Fatalf("%s: δ^%d[%d] differs with the trace", name, l, k)
			}
		}
		for k := range off.DW[l] {
			if off.DW[l][k] != on.DW[l][k] {
				t.Fatalf("%s: ∂E/∂W^%d[%d] differs with the trace", name, l, k)
			}
		}
	}
	for l := 1; l < net.L(); l++ {
		lay, next := net.Layer(l), net.Layer(l+1)
		for r := range rows {
			for i := range lay.Out {
				var g float64
				for j := range next.Out {
					g += next.W[j*next.In+i] * on.Delta[l+1][r*next.Out+j]
				}
				k := r*lay.Out + i
				if math.Abs(on.G[l][k]-g) > 1e-12*(1+math.Abs(g)) {
					t.Errorf("%s: G^%d[%d] = %v, the delta rule's sum %v", name, l, k, on.G[l][k], g)
				}
				if lay.Activation != backprop.Softmax && on.Delta[l][k] != on.FPrime[l][k]*on.G[l][k] {
					t.Errorf("%s: δ^%d[%d] = %v, f′·G = %v", name, l, k, on.Delta[l][k], on.FPrime[l][k]*on.G[l][k])
				}
			}
		}
	}
}
