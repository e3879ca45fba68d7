package backprop

import "github.com/backprop-go/backprop/internal/kernel"

// A large batch runs its forward pass in blocks of rows: each block goes
// through every layer before the next one starts, so that a block's z^l and
// a^l are still in the core's cache when layer l+1 reads them, and the pass
// is a single parallel phase, the blocks taken in turn by the team. Each
// (W^l)ᵀ is packed once per Forward into the panels the kernel reads, for
// all the blocks, and the blocks' rows of x and a^l are read in place. Each
// z^l is the same sum in the same order as by the shards' products, so every
// number is the same bits as without blocks, on any number of cores.

// blockRows is the rows of a block: whole register tiles of every kernel
// (4, 6 and 8 rows high), and for W1's 256 units a z¹ and a¹ of 147 KB
// each, a fraction of a core's L2 cache. The last blocks, two per
// goroutine, are a third of that (tailRows), so that the goroutines finish
// closer together.
const (
	blockRows = 144
	tailRows  = blockRows / 3
)

// blocksPerThread is the fewest blocks per goroutine for which Forward runs
// in blocks (fewer would leave cores idle); tests set it to 0 (blocks
// always, where the sums allow) or to a large number (never).
var blocksPerThread = 2

// blocks is a workspace's state for the forward pass in blocks.
type blocks[T Float] struct {
	W    []kernel.Packed[T] // (W^l)ᵀ packed, by l
	do   func(int)          // blockUnit
	nBig int                // the blocks of blockRows rows; tailRows after them
}

// blockwise reports whether this Forward runs in blocks of rows: where
// there are blocksPerThread blocks for each goroutine and every layer's
// product in the shards runs on the kernel's blocked path (a tiny layer's
// runs plain loops, whose sums round otherwise).
func (ws *Workspace[T]) blockwise() bool {
	rows := ws.Rows
	if rows < blocksPerThread*blockRows*len(ws.team.tasks) {
		return false
	}
	least := rows // the fewest rows of a shard
	for s := range ws.nsh {
		least = min(least, ws.bounds[s+1]-ws.bounds[s])
	}
	for l := 1; l <= ws.net.L(); l++ {
		if lay := ws.net.Layer(l); !kernel.Blocked(least, lay.Out, lay.In) {
			return false
		}
	}
	return true
}

// forwardBlocks is Forward in blocks of rows, the rows gathered block by
// block when from ForwardRows.
func (ws *Workspace[T]) forwardBlocks() {
	net := ws.net
	if ws.blk == nil {
		ws.blk = &blocks[T]{W: make([]kernel.Packed[T], net.L()+1)}
		ws.blk.do = ws.blockUnit
	}
	for l := 1; l <= net.L(); l++ {
		lay := net.Layer(l)
		ws.blk.W[l].Pack(true, lay.In, lay.Out, lay.W, lay.In)
	}
	ws.setShards(false) // for Backward
	ws.team.run(ws.blk.split(ws.Rows, len(ws.team.tasks)), ws.blk.do)
}

// split cuts rows into blocks for threads goroutines and returns their
// number: blocks of blockRows rows, then at least two of tailRows per
// goroutine (the last one short), as far as the rows go.
func (b *blocks[T]) split(rows, threads int) int {
	b.nBig = max(0, rows-2*threads*tailRows) / blockRows
	return b.nBig + (rows-b.nBig*blockRows+tailRows-1)/tailRows
}

// blockRange returns the rows r0 ≤ r < r1 of block u.
func (b *blocks[T]) blockRange(u, rows int) (r0, r1 int) {
	if u < b.nBig {
		return u * blockRows, (u + 1) * blockRows
	}
	r0 = b.nBig*blockRows + (u-b.nBig)*tailRows
	return r0, min(rows, r0+tailRows)
}

// blockUnit runs block u's rows through every layer: z^l = a^(l-1)·(W^l)ᵀ
// + b, a^l = f(z^l), the bias and f in the product's epilogue where the
// kernel has f.
func (ws *Workspace[T]) blockUnit(u int) {
	net := ws.net
	r0, r1 := ws.blk.blockRange(u, ws.Rows)
	ws.gatherRows(r0, r1)
	x := ws.A[0][r0*net.Inputs : r1*net.Inputs]
	for l := 1; l <= net.L(); l++ {
		lay := net.Layer(l)
		n := lay.Out
		z, a := ws.Z[l][r0*n:r1*n], ws.A[l][r0*n:r1*n]
		var e kernel.Epilogue[T]
		ep, b, f := layerEpilogue(&e, lay, nil, a, n, false)
		kernel.GemmPackedEp1(r1-r0, x, lay.In, &ws.blk.W[l], z, n, ep)
		if f != fused {
			var norm []T
			if ws.Norm != nil {
				norm = ws.Norm[l][r0*n : r1*n]
			}
			forward(f, lay.Slope, z, a, b, norm, r1-r0, n)
		}
		x = a
	}
}
