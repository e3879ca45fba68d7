package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
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

// BenchmarkW1EpochHealth is one epoch of W1 (784-256-128-10 relu, softmax +
// cross-entropy, SGD, batch 64) on Fashion-MNIST's 60,000 training images
// (apt-get install -y dataset-fashion-mnist; else a synthetic set of the same
// size), with the layers' health off and on, alternating: the cost of
// Config.Health is the ratio of the two. Run it with
//
//	go test ./train -run '^$' -bench W1EpochHealth -count 6 -benchtime 1x
func BenchmarkW1EpochHealth(b *testing.B) {
	const n0, nL = 784, 10
	set := fashionW1(b)
	for _, health := range []bool{false, true} {
		b.Run(fmt.Sprintf("health=%v", health), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				net := newW1(b)
				b.StartTimer()
				if _, err := Train(context.Background(), net, set, Set[float32]{}, Config{Batch: 64, Epochs: 1, Alpha: 0.01, Health: health}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkW1StepHealth measures the cost of the layers' health on a
// machine shared with other work: it alternates W1 steps (SGD, batch 64,
// Fashion-MNIST) without and with health, step by step, so that both see
// the same load (in turn first and second), and reports the mean of each,
// the overhead of the means and the median overhead of the pairs, in
// percent (the median resists the bursts of a shared machine).
// The steps with health measure the gradient and update as Train does, on
// one step in steps-per-epoch/16.
//
//	go test ./train -run '^$' -bench W1StepHealth -benchtime 2000x
func BenchmarkW1StepHealth(b *testing.B) {
	set := fashionW1(b)
	net := newW1(b)
	tr, err := NewTrainer(net, Config{Batch: 64, Epochs: 1, Alpha: 0.01})
	if err != nil {
		b.Fatal(err)
	}
	h := newHealth(net, tr.params)
	steps := (set.N + 63) / 64
	stride := max(1, steps/healthSamples)
	idx := make([]int, 64)
	var off, on time.Duration
	var ratios []float64 // per pair: with health / without
	for i := 0; b.Loop(); i++ {
		for r := range idx {
			idx[r] = (i*64 + r) % set.N
		}
		h.sample = i%stride == 0
		// Which goes first alternates, so that neither gains from the
		// other's warm caches.
		var pair [2]time.Duration
		for k := range 2 {
			withHealth := (i+k)%2 == 1
			tr.health = nil
			if withHealth {
				tr.health = h
			}
			t0 := time.Now()
			if _, err := tr.Step(set, idx); err != nil {
				b.Fatal(err)
			}
			d := time.Since(t0)
			if withHealth {
				on, pair[1] = on+d, d
			} else {
				off, pair[0] = off+d, d
			}
		}
		ratios = append(ratios, float64(pair[1])/float64(pair[0]))
		if i%steps == steps-1 {
			h.epoch()
			h.reset()
		}
	}
	b.ReportMetric(float64(off.Nanoseconds())/float64(b.N), "ns/step-off")
	b.ReportMetric(float64(on.Nanoseconds())/float64(b.N), "ns/step-health")
	b.ReportMetric(100*(float64(on)-float64(off))/float64(off), "%overhead-mean")
	sort.Float64s(ratios)
	b.ReportMetric(100*(ratios[len(ratios)/2]-1), "%overhead-median")
}

// fashionW1 is Fashion-MNIST's training set, or a synthetic set of its size.
func fashionW1(b *testing.B) Set[float32] {
	const n0, nL = 784, 10
	var set Set[float32]
	if tr, _, err := data.LoadIDXDir("/usr/share/datasets/fashion-mnist"); err == nil {
		set = Set[float32]{X: tr.X, Y: tr.Y, N: tr.N}
	} else {
		b.Logf("Fashion-MNIST: %v; a synthetic set of the same size instead", err)
		const n = 60000
		set = Set[float32]{X: make([]float32, n*n0), Y: make([]float32, n*nL), N: n}
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range set.X {
			set.X[i] = rng.Float32()
		}
		for r := range n {
			set.Y[r*nL+rng.IntN(nL)] = 1
		}
	}
	return set
}

// newW1 is W1: 784-256-128-10, relu, softmax + cross-entropy.
func newW1(b *testing.B) *backprop.Network[float32] {
	net, err := backprop.New[float32](784, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 256, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 128, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 10, Activation: backprop.Softmax})
	if err != nil {
		b.Fatal(err)
	}
	return net
}
