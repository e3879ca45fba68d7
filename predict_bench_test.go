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
