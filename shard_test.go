package backprop

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestShardBounds: the shards of every batch up to 600 rows cover it in
// order, at least shardMin − 7 rows each (less the rounding), inner bounds on
// whole groups of 8 rows, no more than maxShards, one shard below 2·shardMin.
func TestShardBounds(t *testing.T) {
	var b [maxShards + 1]int
	for rows := 1; rows <= 600; rows++ {
		n := shardBounds(rows, &b)
		if (rows < 2*shardMin) != (n == 1) || n > maxShards || b[0] != 0 || b[n] != rows {
			t.Fatalf("%d rows: %d shards, bounds %v", rows, n, b[:n+1])
		}
		for s := 1; s < n; s++ {
			if b[s]%8 != 0 || b[s]-b[s-1] < shardMin-7 || b[s+1]-b[s] < shardMin-7 {
				t.Fatalf("%d rows: bounds %v", rows, b[:n+1])
			}
		}
	}
}

// TestForwardRowsIsForward: ForwardRows on rows idx of a set gives bit for
// bit the outputs, deltas and gradients of Forward on the same rows copied
// out, for batches of one shard and of several, in float32 and float64; an
// index out of range panics with a message naming it.
func TestForwardRowsIsForward(t *testing.T) {
	testForwardRows[float32](t)
	testForwardRows[float64](t)
}

func testForwardRows[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	net, err := New[T](40, CrossEntropy, 7, LayerSpec{Units: 48, Activation: ReLU}, LayerSpec{Units: 24, Activation: Tanh},
		LayerSpec{Units: 5, Activation: Softmax})
	if err != nil {
		t.Fatal(err)
	}
	const N = 300
	X, Y := make([]T, N*40), make([]T, N*5)
	for i := range X {
		X[i] = T(rng.NormFloat64())
	}
	for r := range N {
		Y[r*5+rng.IntN(5)] = 1
	}
	a, b := net.NewWorkspace(200), net.NewWorkspace(200)
	for _, rows := range []int{1, 20, 33, 64, 200} {
		idx := make([]int, rows)
		x, y := make([]T, rows*40), make([]T, rows*5)
		for r := range idx {
			idx[r] = rng.IntN(N)
			copy(x[r*40:(r+1)*40], X[idx[r]*40:])
			copy(y[r*5:(r+1)*5], Y[idx[r]*5:(idx[r]+1)*5])
		}
		oa, ob := a.Forward(x), b.ForwardRows(X, idx)
		for k := range oa {
			if oa[k] != ob[k] {
				t.Fatalf("%d rows: output %d is %v by Forward, %v by ForwardRows", rows, k, oa[k], ob[k])
			}
		}
		if ea, eb := a.Backward(y), b.Backward(y); ea != eb {
			t.Fatalf("%d rows: E %v by Forward, %v by ForwardRows", rows, ea, eb)
		}
		for l := 1; l <= net.L(); l++ {
			for k := range a.DW[l] {
				if a.DW[l][k] != b.DW[l][k] {
					t.Fatalf("%d rows: ∂E/∂W^%d[%d] differs", rows, l, k)
				}
			}
		}
	}
	defer func() {
		if msg, _ := recover().(string); !strings.Contains(msg, "row 300 of 300 examples") {
			t.Errorf("ForwardRows with an index out of range: panic %q", msg)
		}
	}()
	b.ForwardRows(X, []int{0, 300})
}

// TestRowsIndependentOfShards: a row's z, a and δ of every layer are the same
// bits whether its batch is cut into eight shards that read (W^l)ᵀ written
// once, after the first two layers computed over the whole batch, and with
// the delta rule through W² over the whole batch too (200 rows), two whose
// products pack W^l themselves (50 rows), or is one shard (25 rows), in
// float32 and float64; also when every layer's product runs over the whole
// batch (5400 rows of relu, relu, relu, identity), so that no shard runs a
// layer of the forward pass and Backward's shards still see their rows.
func TestRowsIndependentOfShards(t *testing.T) {
	testRowsIndependentOfShards[float32](t, 200, CrossEntropy, Sigmoid, Softmax)
	testRowsIndependentOfShards[float64](t, 200, CrossEntropy, Sigmoid, Softmax)
	// every layer's product over the whole batch (none run shard by shard)
	testRowsIndependentOfShards[float32](t, 5400, Squared, ReLU, Identity)
}

// testRowsIndependentOfShards compares a batch of N rows through
// 70-96-64-33-6 (relu, relu, f3, f4) with batches of 50 and 25.
func testRowsIndependentOfShards[T Float](t *testing.T, N int, loss Loss, f3, f4 Activation) {
	rng := rand.New(rand.NewPCG(5, 6))
	net, err := New[T](70, loss, 9, LayerSpec{Units: 96, Activation: ReLU}, LayerSpec{Units: 64, Activation: ReLU},
		LayerSpec{Units: 33, Activation: f3}, LayerSpec{Units: 6, Activation: f4})
	if err != nil {
		t.Fatal(err)
	}
	x, y := make([]T, N*70), make([]T, N*6)
	for i := range x {
		x[i] = T(rng.NormFloat64())
	}
	for r := range N {
		y[r*6+rng.IntN(6)] = 1
	}
	whole := net.NewWorkspace(N)
	whole.Forward(x)
	whole.Backward(y)
	switch {
	case N == 200 && (!whole.wide(1) || !whole.wide(2) || !whole.wideBack(2) || whole.wideBack(3)):
		t.Fatal("the batch of 200 no longer runs layers 1 and 2 and the delta rule through W² (only) over the whole batch")
	case N > 200 && !(whole.wide(1) && whole.wide(2) && whole.wide(3) && whole.wide(4)):
		t.Fatalf("the batch of %d no longer runs every layer over the whole batch", N)
	}
	for _, rows := range []int{50, 25} {
		ws := net.NewWorkspace(rows)
		for r0 := 0; r0 < N; r0 += rows {
			ws.Forward(x[r0*70 : (r0+rows)*70])
			ws.Backward(y[r0*6 : (r0+rows)*6])
			for l := 1; l <= net.L(); l++ {
				n := net.Layer(l).Out
				for k := range rows * n {
					for _, q := range [][2][]T{{ws.Z[l], whole.Z[l]}, {ws.A[l], whole.A[l]}, {ws.Delta[l], whole.Delta[l]}} {
						if q[0][k] != q[1][r0*n+k] {
							t.Fatalf("batches of %d: row %d, layer %d: %v, in the batch of %d: %v", rows, r0+k/n, l, q[0][k], N, q[1][r0*n+k])
						}
					}
				}
			}
		}
	}
}

// TestApply: Apply calls f on every entry of every parameter vector exactly
// once, for a network updated by one goroutine and for one shared among
// the cores, reports false when one range does, and allocates nothing.
func TestApply(t *testing.T) {
	for _, hidden := range []int{8, 300} { // 8·10 parameters and more than 32768
		net, err := New[float32](100, Squared, 1, LayerSpec{Units: hidden, Activation: ReLU}, LayerSpec{Units: 10, Activation: Identity})
		if err != nil {
			t.Fatal(err)
		}
		ws := net.NewWorkspace(1)
		params := net.Params()
		seen := make([][]int, len(params))
		for p := range params {
			seen[p] = make([]int, len(params[p]))
		}
		bad := -1
		f := func(p, lo, hi int) bool {
			for k := lo; k < hi; k++ {
				seen[p][k]++
			}
			return p != bad
		}
		if !ws.Apply(f) {
			t.Errorf("%d hidden: Apply reported a range not finite", hidden)
		}
		for p := range seen {
			for k, n := range seen[p] {
				if n != 1 {
					t.Fatalf("%d hidden: parameter %d, entry %d: %d calls", hidden, p, k, n)
				}
			}
		}
		bad = len(params) - 1
		if ws.Apply(f) {
			t.Errorf("%d hidden: Apply missed a range not finite", hidden)
		}
		bad = -1
		if n := testing.AllocsPerRun(20, func() { ws.Apply(f) }); n != 0 {
			t.Errorf("%d hidden: %v allocations per Apply", hidden, n)
		}
	}
}
