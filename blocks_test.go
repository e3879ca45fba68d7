package backprop

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestBlocksSameBits: a batch run in blocks of rows gives every z^l, a^l
// (and the softmax sums of the trace), the deltas, E and the gradients of
// the following Backward the same bits as the same batch run shard by shard
// (the path before blocks), for networks of odd sizes and every activation,
// in float32 and float64, from Forward and from ForwardRows, with batches
// that end in a partial block; a network with a layer too small for the
// kernel's blocked products keeps the shards.
func TestBlocksSameBits(t *testing.T) {
	nets := []struct {
		in    int
		loss  Loss
		specs []LayerSpec
	}{
		{37, CrossEntropy, []LayerSpec{{Units: 29, Activation: ReLU}, {Units: 13, Activation: LeakyReLU}, {Units: 5, Activation: Softmax}}},
		{50, Squared, []LayerSpec{{Units: 31, Activation: Tanh}, {Units: 7, Activation: Sigmoid}}},
		{20, CrossEntropy, []LayerSpec{{Units: 3, Activation: Identity}, {Units: 1, Activation: Sigmoid}}},
		{1, Squared, []LayerSpec{{Units: 1, Activation: Identity}}},
	}
	for i, n := range nets {
		for _, rows := range []int{1001, 300} {
			// the 3×1 layer of net 2 is blocked in shards of 62 rows, not 25
			blocked := i < 2 || i == 2 && rows == 1001
			t.Run(fmt.Sprintf("net%d/rows%d", i, rows), func(t *testing.T) {
				testBlocksSameBits[float32](t, n.in, n.loss, n.specs, rows, blocked)
				testBlocksSameBits[float64](t, n.in, n.loss, n.specs, rows, blocked)
			})
		}
	}
}

func testBlocksSameBits[T Float](t *testing.T, in int, loss Loss, specs []LayerSpec, rows int, blocked bool) {
	defer func(b int) { blocksPerThread = b }(blocksPerThread)
	rng := rand.New(rand.NewPCG(uint64(in), uint64(rows)))
	net, err := New[T](in, loss, 3, specs...)
	if err != nil {
		t.Fatal(err)
	}
	for l := 1; l <= net.L(); l++ {
		for j := range net.Layer(l).B {
			net.Layer(l).B[j] = T(rng.NormFloat64() / 4)
		}
	}
	N := rows + 17
	X, Y := make([]T, N*in), make([]T, N*net.Outputs())
	for i := range X {
		X[i] = T(rng.NormFloat64())
	}
	for i := range Y {
		Y[i] = T(rng.IntN(2))
	}
	idx := rng.Perm(N)[:rows]
	x, y := make([]T, rows*in), make([]T, rows*net.Outputs())
	for r, i := range idx {
		copy(x[r*in:(r+1)*in], X[i*in:])
		copy(y[r*net.Outputs():(r+1)*net.Outputs()], Y[i*net.Outputs():])
	}
	// want: shard by shard; got: in blocks, from Forward and ForwardRows
	blocksPerThread = math.MaxInt / (4 * blockRows * 64)
	want := net.NewWorkspace(rows)
	want.EnableTrace()
	want.Forward(x)
	Ew := want.Backward(y)
	blocksPerThread = 0
	for _, gather := range []bool{false, true} {
		got := net.NewWorkspace(rows)
		got.EnableTrace()
		if gather {
			got.ForwardRows(X, idx)
		} else {
			got.Forward(x)
		}
		if got.blockwise() != blocked {
			t.Fatalf("%T: blockwise() = %v, want %v", x[0], !blocked, blocked)
		}
		Eg := got.Backward(y)
		if Eg != Ew {
			t.Errorf("%T gather=%v: E = %v in blocks, %v in shards", x[0], gather, Eg, Ew)
		}
		for l := 1; l <= net.L(); l++ {
			for name, q := range map[string][2][]T{"z": {got.Z[l], want.Z[l]}, "a": {got.A[l], want.A[l]},
				"norm": {got.Norm[l], want.Norm[l]}, "δ": {got.Delta[l], want.Delta[l]},
				"∂E/∂W": {got.DW[l], want.DW[l]}, "∂E/∂b": {got.DB[l], want.DB[l]}} {
				for k := range q[1] {
					if math.Float64bits(float64(q[0][k])) != math.Float64bits(float64(q[1][k])) {
						t.Fatalf("%T gather=%v: layer %d: %s[%d] = %v in blocks, %v in shards", x[0], gather, l, name, k, q[0][k], q[1][k])
					}
				}
			}
		}
	}
}

// TestBlocksNoAllocs: a Forward in blocks allocates nothing once its
// packed weights exist.
func TestBlocksNoAllocs(t *testing.T) {
	defer func(b int) { blocksPerThread = b }(blocksPerThread)
	blocksPerThread = 0
	net, _ := New[float32](784, CrossEntropy, 1, LayerSpec{Units: 256, Activation: ReLU},
		LayerSpec{Units: 128, Activation: ReLU}, LayerSpec{Units: 10, Activation: Softmax})
	x := make([]float32, 600*784)
	ws := net.NewWorkspace(600)
	ws.Forward(x)
	if !ws.blockwise() {
		t.Fatal("600 rows of W1 not in blocks")
	}
	if n := testing.AllocsPerRun(5, func() { ws.Forward(x) }); n != 0 {
		t.Errorf("Forward in blocks: %v allocations", n)
	}
}

// TestBlockRanges: the blocks of every batch up to 3000 rows, for 1 to 8
// goroutines, cover its rows once, in order, each starting on a whole
// number of register tiles (tailRows rows), no block empty.
func TestBlockRanges(t *testing.T) {
	var b blocks[float32]
	for threads := 1; threads <= 8; threads++ {
		for rows := 1; rows <= 3000; rows++ {
			units := b.split(rows, threads)
			next := 0
			for u := range units {
				r0, r1 := b.blockRange(u, rows)
				if r0 != next || r1 <= r0 || r0%tailRows != 0 || r1-r0 > blockRows {
					t.Fatalf("%d threads, %d rows: block %d is rows %d…%d after %d", threads, rows, u, r0, r1, next)
				}
				next = r1
			}
			if next != rows {
				t.Fatalf("%d threads, %d rows: the blocks end at %d", threads, rows, next)
			}
		}
	}
}
