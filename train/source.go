package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/backprop-go/backprop"
)

// Source is a set of examples read one at a time, pass after pass, for data
// too large to hold in memory ([TrainSource], [EvaluateSource]); package
// data's Table gives one for a CSV file or an IDX directory.
type Source[T backprop.Float] interface {
	// Len returns the number of examples of a pass.
	Len() int
	// Reset starts a pass: the next example is the first.
	Reset() error
	// Next reads the next example of the pass: its inputs into x (n_0
	// values) and its targets into y (n_L values). It returns io.EOF after
	// the last example.
	Next(x, y []T) error
}

// TrainSource is [Train] on examples read from sources rather than held in
// memory: every epoch reads the training source once, through a shuffle
// buffer, and the validation source (nil for none) once more to score it —
// unless it holds at most MaxHeldValues values, when it is read once, at
// the start, and held. Memory is the network's, the trainer's, the
// buffer's and at most that of MaxHeldValues, whatever the sources' sizes.
//
// The shuffle buffer holds cfg.Shuffle examples (DefaultShuffle for 0; at
// least a batch, at most the source).
// Each epoch fills it with the first examples of the pass; each step then
// takes its batch at random (without replacement) from the examples in the
// buffer and puts the next examples of the pass in their places, and once
// the pass is over the steps take what the buffer still holds. So an
// example may move anywhere later in the epoch, but at most cfg.Shuffle
// places earlier. A source no larger than the buffer is read once and
// shuffled whole every epoch, as Train shuffles. The random choices come
// from cfg.Seed as in Train: the same network, sources, configuration and
// seed give bit-identical weights.
//
// Batch mode reads the whole training source for each step, in chunks,
// and sums their gradients, in the order Train sums a Set's: the same
// network, examples and configuration give the weights Train gives, bit
// for bit.
//
// Everything else is as in Train — the schedule, the weights kept, early
// stopping, cancellation, divergence, checkpoints (Config.OnCheckpoint)
// and resuming (Config.Resume: the shuffle buffer's draws of the epochs
// done are replayed from the seed, without reading the source, to the
// generator the State holds; a resumed run takes the same steps to the
// same weights as one that never stopped) — but for one thing: without a
// validation source the training loss that chooses the weights kept on
// divergence is measured by one more pass over the training source every
// epoch. A source's error (a malformed record) stops training, with the
// epochs completed in the Result.
func TrainSource[T backprop.Float](ctx context.Context, net *backprop.Network[T], train, val Source[T], cfg Config) (Result, error) {
	tr, err := NewTrainer(net, cfg)
	if err != nil {
		return Result{}, err
	}
	switch {
	case train == nil || train.Len() < 1:
		return Result{}, errors.New("train source: no examples")
	case tr.cfg.Patience > 0 && (val == nil || val.Len() == 0):
		return Result{}, fmt.Errorf("patience %d: early stopping needs a validation set", tr.cfg.Patience)
	}
	v := part[T]{}
	if val != nil && val.Len() > 0 {
		v = part[T]{src: val, n: val.Len()}
		if n0, nL := net.Inputs, net.Outputs(); v.n <= heldValues/(n0+nL) {
			set, err := hold(val, n0, nL)
			if err != nil {
				return Result{}, fmt.Errorf("validation set: %w", err)
			}
			v = setPart(set)
		}
	}
	return tr.run(ctx, part[T]{src: train, n: train.Len()}, v)
}

// MaxHeldValues bounds the validation source TrainSource reads once into
// memory rather than once an epoch: 2^24 values (inputs and targets), 64
// MiB of float32, 128 MiB of float64. A larger one is read again every
// epoch.
const MaxHeldValues = 1 << 24

var heldValues = MaxHeldValues // lowered by a test

// hold reads a pass of src into a Set.
func hold[T backprop.Float](src Source[T], n0, nL int) (Set[T], error) {
	n := src.Len()
	s := Set[T]{X: make([]T, n*n0), Y: make([]T, n*nL), N: n}
	if err := src.Reset(); err != nil {
		return s, err
	}
	for i := range n {
		err := src.Next(s.X[i*n0:(i+1)*n0], s.Y[i*nL:(i+1)*nL])
		if err == io.EOF {
			return s, fmt.Errorf("the source ended after %d of its %d examples", i, n)
		}
		if err != nil {
			return s, err
		}
	}
	switch err := src.Next(make([]T, n0), make([]T, nL)); err {
	case io.EOF:
		return s, nil
	case nil:
		return s, fmt.Errorf("the source holds more than its %d examples", n)
	default:
		return s, err
	}
}

// EvaluateSource is [Evaluate] on the examples of src: the same Metrics,
// bit for bit, as Evaluate gives on a Set of the same examples in the same
// order. It reads one pass of src, two for a regression (the first for
// the targets' means, which R²'s sum of squares needs before it starts).
func EvaluateSource[T backprop.Float](net *backprop.Network[T], src Source[T], task Task) (Metrics, error) {
	if err := checkEvaluate(net, task); err != nil {
		return Metrics{}, err
	}
	p := part[T]{src: src, n: src.Len()}
	ev := newEvaluator(net, p, task.resolve(net.Loss == backprop.Squared))
	if ev.s.task == TaskRegression {
		nL := net.Outputs()
		mean := make([]float64, nL)
		err := chunks(p, ev.ws.Cap, ev.x, ev.y, func(_, y []T) {
			for k, v := range y {
				mean[k%nL] += float64(v)
			}
		})
		if err != nil {
			return Metrics{}, err
		}
		for k := range mean {
			mean[k] /= float64(max(p.n, 1))
		}
		ev.s.online, ev.s.means = false, mean
	}
	if err := ev.run(p); err != nil {
		return Metrics{}, err
	}
	return ev.s.metrics(), nil
}

// part is a set of examples run trains on or scores: a Set in memory, or a
// Source (src not nil) of n examples.
type part[T backprop.Float] struct {
	set Set[T]
	src Source[T]
	n   int
}

func setPart[T backprop.Float](s Set[T]) part[T] { return part[T]{set: s, n: s.N} }

// walker takes the steps of an epoch, on the examples of each in turn: a
// Cursor over a Set, a shuffle buffer over a Source, or a whole Source in
// batch mode.
type walker[T backprop.Float] interface {
	steps() int
	start() error // begins an epoch
	// step takes the next step with tr: its mean loss, and a
	// *DivergedError or the source's error.
	step(tr *Trainer[T]) (float64, error)
	// skip passes over k whole epochs without stepping, drawing from the
	// generator as they would have (a resumed run).
	skip(k int)
}

// cursorWalker walks a Set with a Cursor.
type cursorWalker[T backprop.Float] struct {
	set Set[T]
	cur *Cursor
}

func (w *cursorWalker[T]) steps() int   { return w.cur.StepsPerEpoch() }
func (w *cursorWalker[T]) start() error { return nil }
func (w *cursorWalker[T]) skip(k int)   { w.cur.Skip(k) }
func (w *cursorWalker[T]) step(tr *Trainer[T]) (float64, error) {
	return tr.Step(w.set, w.cur.Next())
}

func newWalker[T backprop.Float](tr *Trainer[T], p part[T], rng *rand.Rand) walker[T] {
	if p.src == nil {
		return &cursorWalker[T]{set: p.set, cur: NewCursor(p.n, tr.cfg.Mode, tr.cfg.Batch, rng)}
	}
	if tr.cfg.Mode == Batch {
		n0, nL, rows := tr.net.Inputs, tr.net.Outputs(), tr.ws.Cap
		return &batchWalker[T]{p: p, x: make([]T, rows*n0), y: make([]T, rows*nL)}
	}
	batch := tr.cfg.Batch
	if tr.cfg.Mode == Stochastic {
		batch = 1
	}
	batch = min(batch, p.n)
	size := min(max(tr.cfg.Shuffle, batch), p.n)
	n0, nL := tr.net.Inputs, tr.net.Outputs()
	w := &bufferWalker[T]{src: p.src, n: p.n, batch: batch, rng: rng,
		buf:  Set[T]{X: make([]T, size*n0), Y: make([]T, size*nL), N: size},
		slot: make([]int, size), dead: make([]int, batch), x: make([]T, n0), y: make([]T, nL)}
	return w
}

// bufferWalker walks a Source through a shuffle buffer (see TrainSource):
// slot[:live] are the buffer's rows that hold examples not yet taken this
// epoch; a step takes its batch from them at random, then reads the next
// examples into the rows it took.
type bufferWalker[T backprop.Float] struct {
	src      Source[T]
	n, batch int
	rng      *rand.Rand
	buf      Set[T] // the buffer's rows
	slot     []int
	live     int
	read     int   // examples read this epoch
	whole    bool  // the buffer holds the whole source: read once
	taken    []int // the batch of the last step, to refill
	dead     []int
	x, y     []T // one example past the end, which must not be there
}

func (w *bufferWalker[T]) steps() int { return (w.n + w.batch - 1) / w.batch }

// start begins an epoch: the buffer filled with the first examples of a
// pass (unless it holds them all already).
func (w *bufferWalker[T]) start() error {
	w.taken = nil
	for i := range w.slot {
		w.slot[i] = i
	}
	w.live = len(w.slot)
	if w.whole {
		return nil
	}
	if err := w.src.Reset(); err != nil {
		return err
	}
	w.read = 0
	for i := range w.slot {
		if err := w.fill(i); err != nil {
			return err
		}
	}
	w.whole = w.read == w.n && len(w.slot) == w.n
	if w.whole {
		return w.end()
	}
	return nil
}

// fill reads the next example of the pass into row r of the buffer.
func (w *bufferWalker[T]) fill(r int) error {
	n0, nL := len(w.buf.X)/w.buf.N, len(w.buf.Y)/w.buf.N
	err := w.src.Next(w.buf.X[r*n0:(r+1)*n0], w.buf.Y[r*nL:(r+1)*nL])
	if err == io.EOF {
		return fmt.Errorf("the source ended after %d of its %d examples", w.read, w.n)
	}
	if err != nil {
		return err
	}
	w.read++
	return nil
}

// end checks that the pass holds no more than its n examples.
func (w *bufferWalker[T]) end() error {
	switch err := w.src.Next(w.x, w.y); err {
	case io.EOF:
		return nil
	case nil:
		return fmt.Errorf("the source holds more than its %d examples", w.n)
	default:
		return err
	}
}

func (w *bufferWalker[T]) step(tr *Trainer[T]) (float64, error) {
	set, idx, err := w.next()
	if err != nil {
		return 0, err
	}
	return tr.Step(set, idx)
}

// skip makes the generator's draws of k epochs (next's), from the counts
// of the buffer's rows alone: which rows they hold does not change them.
func (w *bufferWalker[T]) skip(k int) {
	size := len(w.slot)
	for range k {
		live, read, taken := size, size, 0
		for range w.steps() {
			refilled := min(taken, w.n-read) // refill's
			read += refilled
			live -= taken - refilled
			b := min(w.batch, live)
			for j := range b {
				w.rng.IntN(live - j)
			}
			taken = b
		}
	}
}

// next refills the rows the last step took, then takes the next batch.
func (w *bufferWalker[T]) next() (Set[T], []int, error) {
	if err := w.refill(); err != nil {
		return Set[T]{}, nil, err
	}
	b := min(w.batch, w.live)
	for k := range b { // a partial Fisher–Yates shuffle of slot[:live]
		j := k + w.rng.IntN(w.live-k)
		w.slot[k], w.slot[j] = w.slot[j], w.slot[k]
	}
	w.taken = w.slot[:b]
	return w.buf, w.taken, nil
}

// refill reads the next examples of the pass into the rows of the last
// batch; the rows for which the pass has none left leave the buffer.
func (w *bufferWalker[T]) refill() error {
	b := len(w.taken)
	if b == 0 {
		return nil
	}
	k := 0
	for ; k < b && !w.whole && w.read < w.n; k++ {
		if err := w.fill(w.taken[k]); err != nil {
			return err
		}
		if w.read == w.n {
			if err := w.end(); err != nil {
				return err
			}
		}
	}
	if k < b { // slot[k:b] are spent: move them past slot[:live]
		dead := w.dead[:b-k]
		copy(dead, w.slot[k:b])
		copy(w.slot[k:], w.slot[b:w.live])
		w.live -= b - k
		copy(w.slot[w.live:], dead)
	}
	w.taken = nil
	return nil
}

// batchWalker walks a Source in batch mode: each step (one an epoch) reads
// the whole source in chunks of the workspace's rows and sums their
// gradients, as Trainer.Step does on a Set in its order.
type batchWalker[T backprop.Float] struct {
	p    part[T]
	x, y []T // a chunk
}

func (w *batchWalker[T]) steps() int   { return 1 }
func (w *batchWalker[T]) start() error { return nil }
func (w *batchWalker[T]) skip(int)     {} // batch mode draws nothing

func (w *batchWalker[T]) step(tr *Trainer[T]) (float64, error) {
	n := w.p.n
	tr.step++
	if n > tr.ws.Cap && tr.sum == nil {
		tr.sum = zeros(tr.grads)
	}
	var E float64
	c := 0
	err := chunks(w.p, tr.ws.Cap, w.x, w.y, func(x, y []T) {
		o := tr.ws.Forward(x)
		E += tr.backward(o, y, c, n)
		c += len(y) / tr.net.Outputs()
	})
	if err != nil {
		return 0, err
	}
	return tr.update(E, n)
}
