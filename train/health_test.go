package train

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

// TestHealthFiguresByHand trains one batch-mode epoch (one SGD step on the
// whole set) and recomputes the health of every layer from the engine's own
// gradient of the initial weights: the RMS of g = G/n and ‖α g‖/‖w‖. A relu
// unit whose bias keeps it off is dead; a sigmoid unit with huge weights in
// is saturated.
func TestHealthFiguresByHand(t *testing.T) {
	set := randomSet(rand.New(rand.NewPCG(3, 4)), 50, 3, 2, true)
	net, err := backprop.New[float64](3, backprop.CrossEntropy, 7,
		backprop.LayerSpec{Units: 4, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 5, Activation: backprop.Sigmoid},
		backprop.LayerSpec{Units: 2, Activation: backprop.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	net.Layers[0].B[2] = -100 // unit 3 of layer 1: z < 0 on every example (|x| ≤ 1)
	for j := range 4 {
		net.Layers[1].W[0*4+j] = 200 // units 1 and 2 of layer 2: f′ ≈ 0 on most examples
		net.Layers[1].W[1*4+j] = -200
	}
	net.Layers[1].B[0], net.Layers[1].B[1] = 50, -50

	// The engine's gradient of the initial weights, summed over the set.
	before := net.Clone()
	ws := before.NewWorkspace(set.N)
	ws.Forward(set.X)
	ws.Backward(set.Y)
	const alpha = 0.3
	res, err := Train(context.Background(), net, set, Set[float64]{}, Config{Mode: Batch, Epochs: 1, Alpha: alpha, Health: true})
	if err != nil {
		t.Fatal(err)
	}
	h := res.History[0].Health
	if len(h) != 3 {
		t.Fatalf("%d layers of health, want 3", len(h))
	}
	for l := 1; l <= 3; l++ {
		lay := before.Layer(l)
		var g2, w2 float64
		for k, g := range ws.DW[l] {
			g /= float64(set.N)
			g2 += g * g
			w2 += lay.W[k] * lay.W[k]
		}
		for k, g := range ws.DB[l] {
			g /= float64(set.N)
			g2 += g * g
			w2 += lay.B[k] * lay.B[k]
		}
		rms := math.Sqrt(g2 / float64(len(lay.W)+len(lay.B)))
		ratio := alpha * math.Sqrt(g2) / math.Sqrt(w2)
		got := h[l-1]
		if got.Layer != l || got.Activation != lay.Activation.String() ||
			math.Abs(got.GradRMS-rms) > 1e-12*rms || math.Abs(got.UpdateRatio-ratio) > 1e-9*ratio {
			t.Errorf("layer %d: %+v, want grad RMS %v, update/weight %v", l, got, rms, ratio)
		}
	}
	if h[0].Dead != 0.25 || h[0].Saturated != 0 {
		t.Errorf("layer 1: dead %v, saturated %v; want 0.25 (unit 3), 0", h[0].Dead, h[0].Saturated)
	}
	if h[1].Saturated != 0.4 || h[1].Dead != 0 {
		t.Errorf("layer 2: saturated %v, dead %v; want 0.4 (units 1, 2), 0", h[1].Saturated, h[1].Dead)
	}
	if h[2].Dead != 0 || h[2].Saturated != 0 {
		t.Errorf("output layer: dead %v, saturated %v; want 0 (not measured)", h[2].Dead, h[2].Saturated)
	}
}

// TestHealthOff: without Config.Health the history has none, and the
// weights are those of a run with it (health only reads).
func TestHealthOff(t *testing.T) {
	set := randomSet(rand.New(rand.NewPCG(5, 6)), 200, 4, 3, true)
	var weights [2][]float64
	for k, on := range []bool{false, true} {
		net, err := backprop.New[float64](4, backprop.CrossEntropy, 2,
			backprop.LayerSpec{Units: 8, Activation: backprop.Tanh},
			backprop.LayerSpec{Units: 3, Activation: backprop.Softmax})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Train(context.Background(), net, set, Set[float64]{}, Config{Batch: 16, Epochs: 3, Alpha: 0.1, Seed: 9, Health: on})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.History[2].Health != nil; got != on {
			t.Errorf("health %v: history has health %v", on, got)
		}
		for _, p := range net.Params() {
			weights[k] = append(weights[k], p...)
		}
	}
	for k := range weights[0] {
		if weights[0][k] != weights[1][k] {
			t.Fatalf("parameter %d: %v without health, %v with it", k, weights[0][k], weights[1][k])
		}
	}
}

// TestDiagnose: each warning from the figures that call for it, naming the
// layer, the figure and what helps; healthy figures give none.
func TestDiagnose(t *testing.T) {
	ep := func(e int, hs ...LayerHealth) Epoch {
		for i := range hs {
			hs[i].Layer = i + 1
		}
		return Epoch{Epoch: e, Alpha: 0.5, Health: hs}
	}
	healthy := ep(1, LayerHealth{GradRMS: 0.01, Activation: "relu"}, LayerHealth{GradRMS: 0.02, Activation: "softmax"})
	cases := []struct {
		name    string
		history []Epoch
		kind    string
		layer   int
		says    []string
	}{
		{"healthy", []Epoch{healthy}, "", 0, nil},
		{"no health", []Epoch{{Epoch: 1}}, "", 0, nil},
		{"vanishing", []Epoch{ep(4, LayerHealth{GradRMS: 1e-6}, LayerHealth{GradRMS: 1e-5}, LayerHealth{GradRMS: 2e-3})},
			"vanishing", 1, []string{"layer 1's gradient RMS (1e-06)", "2000 times smaller than layer 3's", "ReLU-family", "He or Glorot"}},
		{"exploding back", []Epoch{ep(2, LayerHealth{GradRMS: 50}, LayerHealth{GradRMS: 0.1})},
			"exploding", 1, []string{"500 times larger", "lower learning rate (now 0.5)"}},
		{"exploding over time", []Epoch{ep(1, LayerHealth{GradRMS: 0.01}, LayerHealth{GradRMS: 0.01}),
			ep(2, LayerHealth{GradRMS: 0.1}, LayerHealth{GradRMS: 0.1}), ep(3, LayerHealth{GradRMS: 0.02}, LayerHealth{GradRMS: 1.5})},
			"exploding", 2, []string{"layer 2's gradient RMS grew from 0.01 at epoch 1 to 1.5 at epoch 3 (150 times)", "input scaling"}},
		{"dead", []Epoch{ep(3, LayerHealth{GradRMS: 0.01, Dead: 0.75, Activation: "relu"}, LayerHealth{GradRMS: 0.01})},
			"dead", 1, []string{"75% of layer 1's relu units were never active over epoch 3", "leaky relu"}},
		{"saturated", []Epoch{ep(3, LayerHealth{GradRMS: 0.01}, LayerHealth{GradRMS: 0.01, Saturated: 0.6, Activation: "tanh"}, LayerHealth{GradRMS: 0.01})},
			"saturated", 2, []string{"60% of layer 2's tanh units", "input scaling"}},
	}
	for _, c := range cases {
		ws := Diagnose(c.history)
		if c.kind == "" {
			if len(ws) != 0 {
				t.Errorf("%s: %v, want no warning", c.name, ws)
			}
			continue
		}
		if len(ws) != 1 || ws[0].Kind != c.kind || ws[0].Layer != c.layer {
			t.Errorf("%s: %+v, want one %s warning on layer %d", c.name, ws, c.kind, c.layer)
			continue
		}
		for _, s := range c.says {
			if !strings.Contains(ws[0].Text, s) {
				t.Errorf("%s: %q does not say %q", c.name, ws[0].Text, s)
			}
		}
	}
}

// TestMeasureHealth: on a set, without a step, the gradient RMS is that of
// the engine's gradient over the whole set, divided by its size; the units
// are counted over every example, in chunks of any size.
func TestMeasureHealth(t *testing.T) {
	set := randomSet(rand.New(rand.NewPCG(7, 8)), 600, 3, 2, true) // more than one chunk
	net, err := backprop.New[float64](3, backprop.CrossEntropy, 7,
		backprop.LayerSpec{Units: 4, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 2, Activation: backprop.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	net.Layers[0].B[1] = -100
	h, err := MeasureHealth(net, set)
	if err != nil {
		t.Fatal(err)
	}
	ws := net.NewWorkspace(set.N)
	ws.Forward(set.X)
	ws.Backward(set.Y)
	for l := 1; l <= 2; l++ {
		var g2 float64
		for _, g := range append(append([]float64(nil), ws.DW[l]...), ws.DB[l]...) {
			g2 += g * g / float64(set.N*set.N)
		}
		want := math.Sqrt(g2 / float64(len(ws.DW[l])+len(ws.DB[l])))
		if math.Abs(h[l-1].GradRMS-want) > 1e-12*want || h[l-1].UpdateRatio != 0 {
			t.Errorf("layer %d: %+v, want grad RMS %v", l, h[l-1], want)
		}
	}
	if h[0].Dead != 0.25 || len(h[0].Off) != 1 || h[0].Off[0] != 1 {
		t.Errorf("layer 1: dead %v, off %v; want 0.25, unit 1", h[0].Dead, h[0].Off)
	}
	for l := 1; l <= 2; l++ {
		var s float64
		for _, d := range ws.Delta[l][:set.N*net.Layer(l).Out] {
			s += math.Abs(d)
		}
		if want := s / float64(set.N*net.Layer(l).Out); math.Abs(h[l-1].MeanAbsDelta-want) > 1e-12*want {
			t.Errorf("layer %d: mean |δ| %v, want %v", l, h[l-1].MeanAbsDelta, want)
		}
	}
	if _, err := MeasureHealth(net, Set[float64]{X: []float64{1}, Y: []float64{1, 0}, N: 1}); err == nil {
		t.Error("a set of the wrong width: no error")
	}
}
