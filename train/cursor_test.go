package train

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestCursor: each mode visits every example once per epoch in steps of its
// size (the last step of an epoch takes the rest), shuffling every epoch
// except in batch mode; Skip leaves the generator where stepping would;
// SetMode keeps the place in the epoch.
func TestCursor(t *testing.T) {
	for _, c := range []struct {
		mode  Mode
		batch int
		sizes []int
	}{{Batch, 0, []int{10}}, {Stochastic, 0, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, {MiniBatch, 4, []int{4, 4, 2}}, {MiniBatch, 64, []int{10}}} {
		cur := NewCursor(10, c.mode, c.batch, rand.New(rand.NewPCG(1, 2)))
		if cur.StepsPerEpoch() != len(c.sizes) {
			t.Errorf("%s/%d: %d steps per epoch, want %d", c.mode, c.batch, cur.StepsPerEpoch(), len(c.sizes))
		}
		var orders [][]int
		for e := range 3 {
			var seen []int
			for s, size := range c.sizes {
				idx := cur.Next()
				if len(idx) != size {
					t.Fatalf("%s/%d: epoch %d step %d: %d examples, want %d", c.mode, c.batch, e, s, len(idx), size)
				}
				seen = append(seen, idx...)
			}
			if cur.Epoch() != e+1 {
				t.Errorf("%s/%d: Epoch() = %d after epoch %d", c.mode, c.batch, cur.Epoch(), e+1)
			}
			sorted := slices.Sorted(slices.Values(seen))
			if !slices.Equal(sorted, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
				t.Fatalf("%s/%d: epoch %d visited %v", c.mode, c.batch, e, seen)
			}
			orders = append(orders, seen)
		}
		if c.mode == Batch && !slices.Equal(orders[1], []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Errorf("batch mode reordered the set: %v", orders[1])
		}
		if c.mode != Batch && slices.Equal(orders[0], orders[1]) {
			t.Errorf("%s: the order was not shuffled between epochs: %v", c.mode, orders[0])
		}
		// Skipping two epochs, then stepping, gives the third epoch's order.
		skip := NewCursor(10, c.mode, c.batch, rand.New(rand.NewPCG(1, 2)))
		skip.Skip(2)
		var third []int
		for range c.sizes {
			third = append(third, skip.Next()...)
		}
		if !slices.Equal(third, orders[2]) || skip.Epoch() != 3 {
			t.Errorf("%s: after Skip(2) the epoch was %v (epoch %d), want %v", c.mode, third, skip.Epoch(), orders[2])
		}
	}
	cur := NewCursor(10, MiniBatch, 4, rand.New(rand.NewPCG(1, 2)))
	first := slices.Clone(cur.Next())
	cur.SetMode(Stochastic, 0)
	if idx := cur.Next(); len(idx) != 1 || slices.Contains(first, idx[0]) || cur.Epoch() != 0 {
		t.Errorf("after SetMode: %v (epoch %d), want one example not in %v", idx, cur.Epoch(), first)
	}
}
