package backprop

// The parallel engine: how a batch is cut into logical shards and how the
// work of a step is spread over the cores, so that the answer is bit for bit
// the same on one core or sixty-four.

import (
	"sync/atomic"
	"unsafe"

	"github.com/backprop-go/backprop/internal/kernel"
)

// A batch of at least 2·shardMin rows is cut into logical shards: at most
// maxShards, at least shardMin rows each (rounded to whole groups of 8 rows,
// the register tiles' heights). Their number and bounds depend on the
// batch's rows alone, never on the machine. Each shard runs the forward pass
// and the delta rule on its own rows, which are per row; the gradients, sums
// over all rows, are then computed in blocks of rows of ∂E/∂W^l, each over
// every row of the batch in row order, whoever computes it. So every
// number of a step is computed by the same operations in the same order
// however many goroutines share the work.
const (
	shardMin  = 24
	maxShards = 16
)

// shardBounds sets b[0…n] to the first rows of the n shards of a batch of
// rows (b[n] = rows) and returns n; n = 1 below 2·shardMin rows.
func shardBounds(rows int, b *[maxShards + 1]int) int {
	n := min(maxShards, rows/shardMin)
	if n < 2 {
		b[0], b[1] = 0, rows
		return 1
	}
	for s := range n {
		b[s] = (s * rows / n) &^ 7
	}
	b[n] = rows
	return n
}

// A team runs the units of one phase of a step (0 … n−1), which are
// independent, each taken by the first of its goroutines free: the caller
// and the kernel's long-lived workers, as many as GOMAXPROCS allows (none is
// started per call, and a call allocates nothing). A unit's result does not
// depend on the goroutine that computes it.
type team struct {
	tasks []*kernel.Task
	do    func(int)
	n     int
	next  atomic.Int64
}

func newTeam() *team {
	t := &team{}
	for range kernel.Threads() {
		t.tasks = append(t.tasks, kernel.NewTask(t.drain))
	}
	return t
}

// run runs do(u) for u = 0 … n−1 and returns when all are done.
func (t *team) run(n int, do func(int)) {
	if n == 1 || len(t.tasks) == 1 {
		for u := range n {
			do(u)
		}
		return
	}
	t.do, t.n = do, n
	t.next.Store(0)
	kernel.Parallel(t.tasks[:min(n, len(t.tasks))])
}

// drain takes units until none is left.
func (t *team) drain() {
	for {
		u := int(t.next.Add(1)) - 1
		if u >= t.n {
			return
		}
		t.do(u)
	}
}

// A block is a unit of the gradient phase: rows i0 ≤ i < i1 of ∂E/∂W^l
// (and the same entries of ∂E/∂b^l).
type block struct{ l, i0, i1 int }

// blockWork is the multiply-adds per example of a gradient block, roughly:
// small enough to share the work among cores, large enough that each block
// streams a^(l-1) through the cache for a good deal of arithmetic. Blocks are
// whole multiples of 24 rows (the register tiles are 4, 6 or 8 high).
const blockWork = 1 << 15

// gradBlocks cuts every ∂E/∂W^l into blocks, the largest layers first.
func gradBlocks[T Float](net *Network[T]) []block {
	var bs []block
	for l := 1; l <= net.L(); l++ {
		lay := net.Layer(l)
		h := max(24, (blockWork/lay.In+23)/24*24)
		for i0 := 0; i0 < lay.Out; i0 += h {
			bs = append(bs, block{l, i0, min(i0+h, lay.Out)})
		}
	}
	// largest first, so that the small ones fill the gaps at the end
	work := func(b block) int { return (b.i1 - b.i0) * net.Layer(b.l).In }
	for i := 1; i < len(bs); i++ {
		for j := i; j > 0 && work(bs[j]) > work(bs[j-1]); j-- {
			bs[j], bs[j-1] = bs[j-1], bs[j]
		}
	}
	return bs
}

// transposeCols is the width of a unit of the transposition phase.
const transposeCols = 64

// transposeBlocks cuts every (W^l)ᵀ into blocks of transposeCols rows.
func transposeBlocks[T Float](net *Network[T]) []block {
	var bs []block
	for l := 1; l <= net.L(); l++ {
		n := net.Layer(l).In
		for j0 := 0; j0 < n; j0 += transposeCols {
			bs = append(bs, block{l, j0, min(j0+transposeCols, n)})
		}
	}
	return bs
}

// transposeLd is the row stride of (W^l)ᵀ (n_(l-1)×n_l): n_l, padded where
// rows a multiple of 256 bytes apart would crowd into a few sets of the L1
// cache, so that the kernels read it in place.
func transposeLd[T Float](n int) int {
	var z T
	size := int(unsafe.Sizeof(z))
	if n*size%256 == 0 {
		return n + 64/size
	}
	return n
}

// transposeShards is the fewest shards for which Forward writes (W^l)ᵀ
// once for all of them to read in place. Below it each shard's products
// pack W^l themselves: writing (W^l)ᵀ, which rarely fits a core's L2 cache,
// costs about as much as packing it three times (W1's 784×256, measured).
// Either way each z is the same sum in the same order.
const transposeShards = 3

// wideWork is the multiply-adds (rows·n_(l-1)·n_l) from which a layer whose
// activation the products' epilogue applies runs its forward product over
// the whole batch at once, split among the goroutines by the kernel (by
// columns: each part packs its own columns of (W^l)ᵀ), rather than shard by
// shard (each shard packing all of W^l): 15% less work for W1's forward.
// Either way each z is the same sum in the same order.
const wideWork = 1 << 20

// wide reports whether layer l's forward product runs over the whole batch.
func (ws *Workspace[T]) wide(l int) bool {
	lay := ws.net.Layer(l)
	switch lay.Activation {
	case Identity, ReLU, LeakyReLU:
		return ws.Rows*lay.In*lay.Out >= wideWork
	}
	return false
}

// forwardSharded is Forward on a batch cut into ws.nsh shards: layer by
// layer, the wide ones over the whole batch, each run of the others shard by
// shard ((W^l)ᵀ of those written first, once, if there are enough shards).
func (ws *Workspace[T]) forwardSharded() {
	L := ws.net.L()
	transposed := ws.nsh >= transposeShards
	if transposed {
		ws.team.run(len(ws.tblocks), ws.doTranspose)
	}
	ws.setShards(transposed)
	for l := 1; l <= L; {
		if ws.wide(l) {
			if l == 1 && ws.gather != nil {
				ws.team.run(ws.nsh, ws.doGather)
			}
			ws.layers(l, l+1)
			l++
			continue
		}
		ws.seg[0], ws.seg[1] = l, l+1
		for ws.seg[1] <= L && !ws.wide(ws.seg[1]) {
			ws.seg[1]++
		}
		ws.team.run(ws.nsh, ws.doForward)
		l = ws.seg[1]
	}
}

// setShards points the shards at their rows and sets their flags for this
// Forward: the views, for the shards' forward runs and for Backward's
// deltas (should no shard run a layer of the forward pass, no run sets
// them).
func (ws *Workspace[T]) setShards(transposed bool) {
	// With more goroutines than shards (many cores, or a small batch), each
	// shard's products are split among them too, by the kernel: each entry
	// of a product is still the same sum, whichever part computes it.
	serial := ws.nsh >= len(ws.team.tasks)
	for s, sh := range ws.shards[:ws.nsh] {
		sh.transposed, sh.serial = transposed, serial
		ws.view(sh, ws.bounds[s], ws.bounds[s+1])
		sh.A[0] = sh.x
	}
}

// gatherUnit gathers shard s's rows.
func (ws *Workspace[T]) gatherUnit(s int) { ws.gatherRows(ws.bounds[s], ws.bounds[s+1]) }

// transposeUnit writes rows j0…j1 of (W^l)ᵀ.
func (ws *Workspace[T]) transposeUnit(u int) {
	b := ws.tblocks[u]
	if ws.wide(b.l) { // not read
		return
	}
	lay := ws.net.Layer(b.l)
	transpose(lay.W, lay.Out, lay.In, ws.wt[b.l], ws.ldt[b.l], b.i0, b.i1)
}

// transpose sets t[j*ldt+i] = w[i*n+j] for the m×n matrix w and columns
// j0 ≤ j < j1.
func transpose[T Float](w []T, m, n int, t []T, ldt, j0, j1 int) {
	i := 0
	for ; i+4 <= m; i += 4 {
		w0, w1, w2, w3 := w[i*n:(i+1)*n], w[(i+1)*n:(i+2)*n], w[(i+2)*n:(i+3)*n], w[(i+3)*n:(i+4)*n]
		for j := j0; j < j1; j++ {
			tj := t[j*ldt+i : j*ldt+i+4]
			tj[0], tj[1], tj[2], tj[3] = w0[j], w1[j], w2[j], w3[j]
		}
	}
	for ; i < m; i++ {
		wi := w[i*n : (i+1)*n]
		for j := j0; j < j1; j++ {
			t[j*ldt+i] = wi[j]
		}
	}
}

// forwardUnit runs shard s's forward pass through layers seg[0] ≤ l < seg[1].
func (ws *Workspace[T]) forwardUnit(s int) {
	sh := ws.shards[s]
	if ws.seg[0] == 1 {
		ws.gatherRows(ws.bounds[s], ws.bounds[s+1])
	}
	sh.layers(ws.seg[0], ws.seg[1])
}

// wideBack reports whether the delta rule through W^l (δ^(l-1) from δ^l)
// runs over the whole batch, split among the goroutines by columns (each
// part packs its own columns of W^l), rather than shard by shard (each
// packing all of W^l): where the product is large and its epilogue applies
// f′ of layer l-1, as for the forward pass's wide layers.
func (ws *Workspace[T]) wideBack(l int) bool {
	if ws.G != nil { // the trace keeps G before f′: not in the epilogue
		return false
	}
	switch ws.net.Layer(l - 1).Activation {
	case Identity, ReLU, LeakyReLU:
		lay := ws.net.Layer(l)
		return ws.Rows*lay.In*lay.Out >= wideWork
	}
	return false
}

// deltasSharded is the deltas of a batch cut into ws.nsh shards: the output
// delta and each run of small delta rules shard by shard, the wide delta
// rules over the whole batch. Either way each δ is the same sum in the same
// order. Each shard's E is set.
func (ws *Workspace[T]) deltasSharded() {
	L := ws.net.L()
	hi := L + 1 // the delta rules through W^l for seg[0] ≤ l < seg[1], after the output delta if seg[1] = L+1
	for {
		lo := hi
		for lo > 2 && !ws.wideBack(lo-1) {
			lo--
		}
		if hi == L+1 || lo < hi {
			ws.seg[0], ws.seg[1] = lo, hi
			ws.team.run(ws.nsh, ws.doDeltas)
		}
		if lo <= 2 {
			return
		}
		ws.deltaRule(lo - 1)
		hi = lo - 1
	}
}

// deltasUnit runs shard s's output delta (if seg[1] = L+1) and its delta
// rules through W^l for seg[1] > l ≥ seg[0].
func (ws *Workspace[T]) deltasUnit(s int) {
	sh := ws.shards[s]
	L, nL := ws.net.L(), ws.net.Outputs()
	if ws.seg[1] == L+1 {
		sh.E = sh.outputDelta(ws.y[ws.bounds[s]*nL:ws.bounds[s+1]*nL], ws.loss, nil)
	}
	for l := ws.seg[1] - 1; l >= ws.seg[0]; l-- {
		sh.deltaRule(l)
	}
}

// gradUnit computes block u of the gradients over all rows.
func (ws *Workspace[T]) gradUnit(u int) {
	b := ws.gblocks[u]
	ws.gradRows(b.l, b.i0, b.i1, len(ws.gblocks) >= len(ws.team.tasks))
}
