package backprop_test

import (
	"testing"

	"github.com/backprop-go/backprop"
)

// BenchmarkW5Batch1 is the anchors' W5 at batch 1: the forward pass of the
// W1 network (784-256-128-10 relu, softmax) on one example per call.
func BenchmarkW5Batch1(b *testing.B) {
	net, _ := backprop.New[float32](784, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 256, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 128, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 10, Activation: backprop.Softmax})
	x := make([]float32, 16*784)
	for i := range x {
		x[i] = float32(i%255) / 255
	}
	ws := net.NewWorkspace(1)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r := i & 15
		ws.Forward(x[r*784 : (r+1)*784])
	}
}

// TestBatch1NoAllocs: one example's forward pass through layers large
// enough for the kernel's dot products (784-256-128-10) allocates nothing,
// through the workspace and through Model.Predict.
func TestBatch1NoAllocs(t *testing.T) {
	net, _ := backprop.New[float32](784, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 256, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 128, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 10, Activation: backprop.Softmax})
	x := make([]float32, 784)
	ws := net.NewWorkspace(1)
	if n := testing.AllocsPerRun(50, func() { ws.Forward(x) }); n != 0 {
		t.Errorf("Forward: %v allocations per example", n)
	}
	m, err := backprop.NewModel(net, backprop.Pipeline{})
	if err != nil {
		t.Fatal(err)
	}
	rec, dst := make([]float64, 784), make([]float64, 10)
	m.Predict(dst, rec) // the model's pool of workspaces
	if n := testing.AllocsPerRun(50, func() { m.Predict(dst, rec) }); n != 0 {
		t.Errorf("Predict: %v allocations per example", n)
	}
}

// BenchmarkW5Batch10000 is the anchors' W5 at batch 10,000: the forward
// pass of the W1 network over 10,000 examples at once (samples/s reported).
func BenchmarkW5Batch10000(b *testing.B) {
	net, _ := backprop.New[float32](784, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 256, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 128, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 10, Activation: backprop.Softmax})
	const rows = 10000
	x := make([]float32, rows*784)
	for i := range x {
		x[i] = float32(i%251) / 251
	}
	ws := net.NewWorkspace(rows)
	ws.Forward(x)
	b.ReportAllocs()
	for b.Loop() {
		ws.Forward(x)
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "samples/s")
}
