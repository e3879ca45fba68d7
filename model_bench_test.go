package backprop_test

import (
	"testing"

	"github.com/backprop-go/backprop"
)

// BenchmarkReadModel reads a 784-256-128-10 model (Fashion-MNIST's shape).
func BenchmarkReadModel(b *testing.B) {
	net, err := backprop.New[float32](784, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 256, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 128, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 10, Activation: backprop.Softmax})
	if err != nil {
		b.Fatal(err)
	}
	data, err := net.MarshalModel()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := backprop.UnmarshalModel[float32](data); err != nil {
			b.Fatal(err)
		}
	}
}
