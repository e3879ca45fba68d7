package train

import (
	"testing"

	"github.com/backprop-go/backprop"
)

// BenchmarkW1Step is one SGD step of the anchors' W1 (784-256-128-10 relu,
// softmax + cross-entropy, batch 64) through the trainer.
func BenchmarkW1Step(b *testing.B) {
	for _, opt := range []Optimizer{SGD, Adam} {
		b.Run(string(opt), func(b *testing.B) {
			net, _ := backprop.New[float32](784, backprop.CrossEntropy, 1,
				backprop.LayerSpec{Units: 256, Activation: backprop.ReLU},
				backprop.LayerSpec{Units: 128, Activation: backprop.ReLU},
				backprop.LayerSpec{Units: 10, Activation: backprop.Softmax})
			const n = 640
			set := Set[float32]{X: make([]float32, n*784), Y: make([]float32, n*10), N: n}
			for i := range set.X {
				set.X[i] = float32(i%255) / 255
			}
			for r := range n {
				set.Y[r*10+r%10] = 1
			}
			tr, err := NewTrainer(net, Config{Batch: 64, Epochs: 1, Alpha: 0.01, Optimizer: opt})
			if err != nil {
				b.Fatal(err)
			}
			idx := make([]int, 64)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				for r := range idx {
					idx[r] = (i*64 + r) % n
				}
				if _, err := tr.Step(set, idx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
