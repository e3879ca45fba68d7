package backprop

import (
	"testing"
	"time"
)

// BenchmarkW1Phases times the parallel phases of a W1 training step (batch
// 64 gathered from a larger set, 784-256-128-10 relu, softmax + cross-entropy,
// SGD) one by one and reports each as µs per step: the forward pass (with
// the gather), the deltas, the gradients and the update. Run it at
// GOMAXPROCS=1 and 2 to see which phases gain from the second core (the
// README's "Scaling" section); the sum is a step without the trainer around it.
func BenchmarkW1Phases(b *testing.B) {
	net, err := New[float32](784, CrossEntropy, 1,
		LayerSpec{Units: 256, Activation: ReLU},
		LayerSpec{Units: 128, Activation: ReLU},
		LayerSpec{Units: 10, Activation: Softmax})
	if err != nil {
		b.Fatal(err)
	}
	const N, rows = 6400, 64
	X, y := make([]float32, N*784), make([]float32, rows*10)
	for i := range X {
		X[i] = float32(i%255) / 255
	}
	for r := range rows {
		y[r*10+r%10] = 1
	}
	idx := make([]int, rows)
	ws := net.NewWorkspace(rows)
	var t [4]time.Duration
	for i := 0; b.Loop(); i++ {
		for r := range idx {
			idx[r] = (i*rows + r*97) % N
		}
		t0 := time.Now()
		ws.ForwardRows(X, idx)
		t1 := time.Now()
		ws.y, ws.loss = y, true
		if ws.nsh > 1 {
			ws.deltasSharded()
		} else {
			ws.deltas(y, true)
		}
		t2 := time.Now()
		if ws.nsh > 1 {
			ws.team.run(len(ws.gblocks), ws.doGrad)
		} else {
			ws.grads()
		}
		t3 := time.Now()
		ws.Step(1e-4)
		t4 := time.Now()
		t[0], t[1], t[2], t[3] = t[0]+t1.Sub(t0), t[1]+t2.Sub(t1), t[2]+t3.Sub(t2), t[3]+t4.Sub(t3)
	}
	for k, name := range []string{"forward-µs", "deltas-µs", "grads-µs", "update-µs"} {
		b.ReportMetric(float64(t[k].Microseconds())/float64(b.N), name)
	}
}
