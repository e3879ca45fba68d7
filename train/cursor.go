package train

import "math/rand/v2"

// Cursor walks a training set of n examples in the order of a mode, step by
// step and epoch by epoch (docs/notation.md, "Gradients and the update"):
// Batch takes the whole set, in its order, each step; Stochastic takes one
// example per step and MiniBatch b examples per step (the last step of an
// epoch may take fewer), both in an order shuffled at the start of every
// epoch (Fisher–Yates, from rng). Train and the playground (backprop serve)
// walk their data with it.
type Cursor struct {
	perm     []int
	size     int  // examples per step
	shuffled bool // Stochastic and MiniBatch shuffle every epoch
	rng      *rand.Rand
	pos      int // the next index of perm in the current epoch
	epoch    int // completed epochs
}

// NewCursor returns a cursor at the start of the first epoch over n ≥ 1
// examples, for mode (batch is MiniBatch's b; "" means MiniBatch and 0
// DefaultBatch, as in Config). rng shuffles.
func NewCursor(n int, mode Mode, batch int, rng *rand.Rand) *Cursor {
	c := &Cursor{perm: make([]int, n), rng: rng}
	for i := range c.perm {
		c.perm[i] = i
	}
	c.SetMode(mode, batch)
	return c
}

// SetMode changes the mode and batch size from the next step on, keeping
// the position in the epoch and its order.
func (c *Cursor) SetMode(mode Mode, batch int) {
	n := len(c.perm)
	if batch == 0 {
		batch = DefaultBatch
	}
	switch mode {
	case Batch:
		c.size, c.shuffled = n, false
	case Stochastic:
		c.size, c.shuffled = 1, true
	default:
		c.size, c.shuffled = min(batch, n), true
	}
}

// StepsPerEpoch returns the number of steps of an epoch.
func (c *Cursor) StepsPerEpoch() int { return (len(c.perm) + c.size - 1) / c.size }

// Epoch returns the number of completed epochs.
func (c *Cursor) Epoch() int { return c.epoch }

// Next returns the examples of the next step (a view, valid until the next
// call). The first step of an epoch shuffles the order (Stochastic,
// MiniBatch); after the last one the epoch is complete.
func (c *Cursor) Next() []int {
	if c.pos == 0 && c.shuffled {
		shuffle(c.rng, c.perm)
	}
	end := min(c.pos+c.size, len(c.perm))
	idx := c.perm[c.pos:end]
	c.pos = end
	if c.pos >= len(c.perm) {
		c.pos = 0
		c.epoch++
	}
	return idx
}

// Skip passes over k whole epochs without stepping, shuffling as they would
// have: a resumed run replays the order of the epochs it has done from the
// seed. It must be called at the start of an epoch.
func (c *Cursor) Skip(k int) {
	for range k {
		if c.shuffled {
			shuffle(c.rng, c.perm)
		}
		c.epoch++
	}
}

// shuffle permutes perm in place (Fisher–Yates).
func shuffle(rng *rand.Rand, perm []int) {
	for i := len(perm) - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		perm[i], perm[j] = perm[j], perm[i]
	}
}
