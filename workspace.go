package backprop

// The workspace: the buffers of a forward and backward pass, allocated once
// (forward.go, backward.go and update.go compute into them).

import "github.com/backprop-go/backprop/internal/kernel"

// Workspace holds every quantity of one forward and backward pass over a batch
// of up to Cap examples, allocated once: the net inputs z^l, activations a^l,
// deltas δ^l and gradients ∂E/∂W^l, ∂E/∂b^l. Its slices are indexed by the
// layer number l of docs/notation.md, so A[0] is the input x and A[L] the
// output o; Z[0], Delta[0], DW[0] and DB[0] are nil. Batches are row-major, one example per row (index
// r): Z[l][r*n_l+i] = z^l_i of example r.
//
// A Workspace is the engine's trace: after Forward and Backward it holds every
// number of the step, which is what explain prints. Forward, Backward,
// Gradient and Step never allocate.
type Workspace[T Float] struct {
	net  *Network[T]
	Cap  int // the largest batch
	Rows int // the rows of the last Forward

	Z, A, Delta [][]T
	DW, DB      [][]T // ∂E/∂W^l (n_l×n_(l-1)), ∂E/∂b^l (nil without bias)

	y    []T         // the targets of the last Backward
	loss bool        // the last Backward computes E (Gradient does not)
	one  []layer1[T] // the layers' views for one example through the plain loops of single.go (nil unless every layer is small)

	batch     []T   // ForwardRows's rows, gathered from gather[gatherIdx]
	gather    []T   // the examples ForwardRows reads (nil after Forward)
	gatherIdx []int // their indices

	q  []outK             // scratch of the output layer, one per output
	ep kernel.Epilogue[T] // the epilogue of the product in progress

	upd update[T] // the parameter update (update.go)

	// The trace (EnableTrace): what the backward pass computed besides the
	// deltas, indexed like Delta, nil when off. G[l] = ∂E/∂a^l: ∂J/∂o for
	// l = L, the delta rule's sum Σ_j w^(l+1)_ji δ^(l+1)_j below. FPrime[l] =
	// f′(z^l) for an elementwise activation; for softmax, the first value of
	// each row is Σ_k a_k g_k of the Jacobian product. Norm[l]: for softmax,
	// the first value of each row is Σ_k e^(z^l_k) (Forward).
	G, FPrime, Norm [][]T

	// A batch of at least 2·shardMin rows is cut into logical shards
	// (shard.go), views of the rows of Z, A and Delta that run the forward
	// pass and the deltas; the gradients are then computed in blocks over all
	// rows, the work shared by the team.
	shards           []*Workspace[T]
	nsh              int // shards of the last Forward; 1: not split
	bounds           [maxShards + 1]int
	team             *team
	wt               [][]T // (W^l)ᵀ, row stride ldt[l], for the shards' products
	ldt              []int
	tblocks, gblocks []block
	doTranspose      func(int)
	doForward        func(int)
	doGather         func(int)
	seg              [2]int // the layers the shards' forward passes run: seg[0] ≤ l < seg[1]
	doDeltas         func(int)
	doGrad           func(int)
	serial           bool // its products stay on its own goroutine (a shard with a goroutine to itself)
	transposed       bool // a shard: wt holds (W^l)ᵀ for this Forward
	x                []T  // a shard's rows of x
	E                float64

	blk *blocks[T] // the forward pass in blocks of rows (blocks.go), made on first use
}

// NewWorkspace allocates the buffers for batches of up to capacity examples.
func (net *Network[T]) NewWorkspace(capacity int) *Workspace[T] {
	ws := net.newWorkspace(capacity)
	var b [maxShards + 1]int
	if n := shardBounds(capacity, &b); n > 1 {
		ws.team = newTeam()
		ws.wt, ws.ldt = make([][]T, net.L()+1), make([]int, net.L()+1)
		for l := 1; l <= net.L(); l++ {
			lay := net.Layer(l)
			ws.ldt[l] = transposeLd[T](lay.Out)
			ws.wt[l] = make([]T, lay.In*ws.ldt[l])
		}
		ws.shards = newShards(ws, n)
		ws.tblocks, ws.gblocks = transposeBlocks(net), gradBlocks(net)
		ws.doTranspose, ws.doForward, ws.doDeltas, ws.doGrad = ws.transposeUnit, ws.forwardUnit, ws.deltasUnit, ws.gradUnit
		ws.doGather = ws.gatherUnit
	}
	ws.upd.init(net, ws.Grads())
	if ws.upd.n >= parallelUpdate {
		if ws.team == nil {
			ws.team = newTeam()
		}
		ws.upd.share(ws.team)
	}
	return ws
}

// newWorkspace allocates the buffers.
func (net *Network[T]) newWorkspace(capacity int) *Workspace[T] {
	L := net.L()
	ws := &Workspace[T]{net: net, Cap: capacity,
		Z: make([][]T, L+1), A: make([][]T, L+1), Delta: make([][]T, L+1),
		DW: make([][]T, L+1), DB: make([][]T, L+1), q: make([]outK, net.Outputs())}
	for l := 1; l <= L; l++ {
		lay := net.Layer(l)
		ws.Z[l] = make([]T, capacity*lay.Out)
		ws.A[l] = make([]T, capacity*lay.Out)
		ws.Delta[l] = make([]T, capacity*lay.Out)
		ws.DW[l] = make([]T, len(lay.W))
		if lay.B != nil {
			ws.DB[l] = make([]T, lay.Out)
		}
	}
	ws.one = ws.singleLayers()
	return ws
}

// newShards returns n shards of ws: workspaces whose rows are views set by
// view, without gradients, allocated together (so that a workspace costs
// the same allocations however many shards it has).
func newShards[T Float](ws *Workspace[T], n int) []*Workspace[T] {
	L, nL := ws.net.L(), ws.net.Outputs()
	all, ptrs := make([]Workspace[T], n), make([]*Workspace[T], n)
	views, q := make([][]T, 3*n*(L+1)), make([]outK, n*nL)
	for s := range all {
		sh := &all[s]
		v := views[3*s*(L+1) : 3*(s+1)*(L+1)]
		sh.net, sh.Cap, sh.wt, sh.ldt = ws.net, ws.Cap, ws.wt, ws.ldt
		sh.Z, sh.A, sh.Delta, sh.q = v[:L+1:L+1], v[L+1:2*(L+1):2*(L+1)], v[2*(L+1):], q[s*nL:(s+1)*nL]
		ptrs[s] = sh
	}
	return ptrs
}

// EnableTrace turns the trace on: from the next Forward and Backward, Norm,
// G and FPrime hold the softmax sums, ∂E/∂a^l and f′(z^l) of every layer (see
// the fields). It allocates their buffers once. With the trace off (the
// default) the engine computes exactly the same numbers and costs nothing.
func (ws *Workspace[T]) EnableTrace() {
	if ws.G != nil {
		return
	}
	L := ws.net.L()
	ws.G, ws.FPrime, ws.Norm = make([][]T, L+1), make([][]T, L+1), make([][]T, L+1)
	for l := 1; l <= L; l++ {
		n := ws.net.Layer(l).Out
		ws.G[l], ws.FPrime[l], ws.Norm[l] = make([]T, ws.Cap*n), make([]T, ws.Cap*n), make([]T, ws.Cap*n)
	}
	views := make([][]T, 3*len(ws.shards)*(L+1)) // the shards': views of the rows, set by view
	for s, sh := range ws.shards {
		v := views[3*s*(L+1) : 3*(s+1)*(L+1)]
		sh.G, sh.FPrime, sh.Norm = v[:L+1:L+1], v[L+1:2*(L+1):2*(L+1)], v[2*(L+1):]
	}
}

// view points shard sh at rows r0 ≤ r < r1 of the workspace.
func (ws *Workspace[T]) view(sh *Workspace[T], r0, r1 int) {
	sh.Rows = r1 - r0
	n0 := ws.net.Inputs
	sh.x = ws.A[0][r0*n0 : r1*n0]
	for l := 1; l <= ws.net.L(); l++ {
		n := ws.net.Layer(l).Out
		sh.Z[l], sh.A[l], sh.Delta[l] = ws.Z[l][r0*n:r1*n], ws.A[l][r0*n:r1*n], ws.Delta[l][r0*n:r1*n]
		if ws.G != nil {
			sh.G[l], sh.FPrime[l], sh.Norm[l] = ws.G[l][r0*n:r1*n], ws.FPrime[l][r0*n:r1*n], ws.Norm[l][r0*n:r1*n]
		}
	}
}

// gemm is kernel.Gemm with beta 0, on this goroutine alone in a shard.
func (ws *Workspace[T]) gemm(transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int) {
	gemm(ws.serial, transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
}

// gemmEp is kernel.GemmEp, or kernel.GemmEp1 if serial.
func gemmEp[T Float](serial, transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, ep *kernel.Epilogue[T]) {
	if serial {
		kernel.GemmEp1(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, ep)
	} else {
		kernel.GemmEp(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, ep)
	}
}

// gemm is kernel.Gemm with beta 0, or kernel.Gemm1 if serial.
func gemm[T Float](serial, transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int) {
	if serial {
		kernel.Gemm1(transA, transB, m, n, k, a, lda, b, ldb, 0, c, ldc)
	} else {
		kernel.Gemm(transA, transB, m, n, k, a, lda, b, ldb, 0, c, ldc)
	}
}

// Network returns the network the workspace computes.
func (ws *Workspace[T]) Network() *Network[T] { return ws.net }

// Grads returns the gradients of the last Backward in the order of
// Network.Params: ∂E/∂W^1, ∂E/∂b^1, ∂E/∂W^2 ...
func (ws *Workspace[T]) Grads() [][]T {
	var g [][]T
	for l := 1; l <= ws.net.L(); l++ {
		g = append(g, ws.DW[l])
		if ws.DB[l] != nil {
			g = append(g, ws.DB[l])
		}
	}
	return g
}
