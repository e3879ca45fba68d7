package backprop_test

import (
	"testing"

	"github.com/backprop-go/backprop"
)

// BenchmarkW4 is the anchors' W4: one SGD step (batch 1) of a 2-3-2-1
// sigmoid network with the log loss on an XOR point: Forward, Gradient,
// Step.
func BenchmarkW4(b *testing.B) { benchW4(b, false) }

// BenchmarkW4Loss is BenchmarkW4 with Backward, which also computes E.
func BenchmarkW4Loss(b *testing.B) { benchW4(b, true) }

func benchW4(b *testing.B, loss bool) {
	net, _ := backprop.New[float32](2, backprop.Log, 1,
		backprop.LayerSpec{Units: 3, Activation: backprop.Sigmoid},
		backprop.LayerSpec{Units: 2, Activation: backprop.Sigmoid},
		backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
	x := []float32{0, 0, 0, 1, 1, 0, 1, 1}
	y := []float32{0, 1, 1, 0}
	ws := net.NewWorkspace(1)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r := i & 3
		ws.Forward(x[2*r : 2*r+2])
		if loss {
			ws.Backward(y[r : r+1])
		} else {
			ws.Gradient(y[r : r+1])
		}
		ws.Step(0.5)
	}
}

// BenchmarkW1Step is one training step of the anchors' W1 network
// (784-256-128-10 relu, softmax + cross-entropy) on a batch of 64.
func BenchmarkW1Step(b *testing.B) {
	net, _ := backprop.New[float32](784, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 256, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 128, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 10, Activation: backprop.Softmax})
	x := make([]float32, 64*784)
	y := make([]float32, 64*10)
	for i := range x {
		x[i] = float32(i%255) / 255
	}
	for r := range 64 {
		y[r*10+r%10] = 1
	}
	ws := net.NewWorkspace(64)
	b.ReportAllocs()
	for b.Loop() {
		ws.Forward(x)
		ws.Backward(y)
		ws.Step(0.1 / 64)
	}
}

// TestNoAllocs: a steady-state step of the engine allocates nothing.
func TestNoAllocs(t *testing.T) {
	net, _ := backprop.New[float32](2, backprop.Log, 1,
		backprop.LayerSpec{Units: 3, Activation: backprop.Sigmoid},
		backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
	ws := net.NewWorkspace(1)
	x, y := []float32{1, 0}, []float32{1}
	if n := testing.AllocsPerRun(100, func() { ws.Forward(x); ws.Backward(y); ws.Step(0.1) }); n != 0 {
		t.Errorf("%v allocations per step, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { ws.Forward(x); ws.Gradient(y); ws.Step(0.1) }); n != 0 {
		t.Errorf("%v allocations per step with Gradient, want 0", n)
	}
}
