package backprop

import (
	"fmt"

	"github.com/backprop-go/backprop/internal/kernel"
)

// Workspace holds every quantity of one forward and backward pass over a batch
// of up to Cap examples, allocated once: the net inputs z^l, activations a^l,
// deltas δ^l and gradients ∂E/∂W^l, ∂E/∂b^l. Its slices are indexed by the
// layer number l of docs/notation.md, so A[0] is the input x and A[L] the output o; Z[0], Delta[0],
// DW[0] and DB[0] are nil. Batches are row-major, one example per row (index
// r): Z[l][r*n_l+i] = z^l_i of example r.
//
// A Workspace is the engine's trace: after Forward and Backward it holds every
// number of the step, which is what explain prints. Forward, Backward and Step
// never allocate.
type Workspace[T Float] struct {
	net  *Network[T]
	Cap  int // the largest batch
	Rows int // the rows of the last Forward

	Z, A, Delta [][]T
	DW, DB      [][]T // ∂E/∂W^l (n_l×n_(l-1)), ∂E/∂b^l (nil without bias)

	y []T // the targets of the last Backward

	q []outK // scratch of the output layer, one per output

	// The trace (EnableTrace): what the backward pass computed besides the
	// deltas, indexed like Delta, nil when off. G[l] = ∂E/∂a^l: ∂J/∂o for
	// l = L, the delta rule's sum Σ_j w^(l+1)_ji δ^(l+1)_j below. FPrime[l] =
	// f′(z^l) for an elementwise activation; for softmax, the first value of
	// each row is Σ_k a_k g_k of the Jacobian product. Norm[l]: for softmax,
	// the first value of each row is Σ_k e^(z^l_k) (Forward).
	G, FPrime, Norm [][]T

	// A batch of at least shardRows rows is split in two shards, which run
	// the forward pass and the deltas concurrently on views of the rows of
	// Z, A and Delta; the gradients are then summed over all rows at once.
	// The split depends only on the rows, never on the machine, so results
	// are the same with one core or many.
	shards   []*Workspace[T]
	fwd, bwd []*kernel.Task
	split    int  // the first row of shard 1 in the last Forward; 0: not split
	serial   bool // a shard: its products stay on its own goroutine
	x, yr    []T  // a shard's rows of x and y
	E        float64
}

// shardRows is the smallest batch split in two shards.
const shardRows = 32

// NewWorkspace allocates the buffers for batches of up to capacity examples.
func (net *Network[T]) NewWorkspace(capacity int) *Workspace[T] {
	ws := net.newWorkspace(capacity, true)
	if capacity >= shardRows {
		ws.shards = []*Workspace[T]{net.newWorkspace(capacity, false), net.newWorkspace(capacity, false)}
		for _, sh := range ws.shards {
			sh.serial = true
			ws.fwd = append(ws.fwd, kernel.NewTask(func() { sh.forward(sh.x) }))
			ws.bwd = append(ws.bwd, kernel.NewTask(func() { sh.E = sh.deltas(sh.yr) }))
		}
	}
	return ws
}

// newWorkspace allocates the buffers: a shard (rows false) has no gradients
// and its rows are views set by Forward.
func (net *Network[T]) newWorkspace(capacity int, rows bool) *Workspace[T] {
	L := net.L()
	ws := &Workspace[T]{net: net, Cap: capacity,
		Z: make([][]T, L+1), A: make([][]T, L+1), Delta: make([][]T, L+1),
		DW: make([][]T, L+1), DB: make([][]T, L+1), q: make([]outK, net.Outputs())}
	for l := 1; l <= L; l++ {
		lay := net.Layers[l-1]
		if rows {
			ws.Z[l] = make([]T, capacity*lay.Out)
			ws.A[l] = make([]T, capacity*lay.Out)
			ws.Delta[l] = make([]T, capacity*lay.Out)
		}
		if rows {
			ws.DW[l] = make([]T, len(lay.W))
			if lay.B != nil {
				ws.DB[l] = make([]T, lay.Out)
			}
		}
	}
	return ws
}

// EnableTrace turns the trace on: from the next Forward and Backward, Norm,
// G and FPrime hold the softmax sums, ∂E/∂a^l and f′(z^l) of every layer (see
// the fields). It allocates their
// buffers once; a traced workspace runs in one shard. With the trace off (the
// default) the engine computes exactly the same numbers and costs nothing.
func (ws *Workspace[T]) EnableTrace() {
	if ws.G != nil {
		return
	}
	L := ws.net.L()
	ws.G, ws.FPrime, ws.Norm = make([][]T, L+1), make([][]T, L+1), make([][]T, L+1)
	for l := 1; l <= L; l++ {
		n := ws.net.Layers[l-1].Out
		ws.G[l], ws.FPrime[l], ws.Norm[l] = make([]T, ws.Cap*n), make([]T, ws.Cap*n), make([]T, ws.Cap*n)
	}
}

// view points shard sh at rows r0 ≤ r < r1 of the workspace.
func (ws *Workspace[T]) view(sh *Workspace[T], r0, r1 int) {
	sh.Rows = r1 - r0
	n0 := ws.net.Inputs
	sh.x = ws.A[0][r0*n0 : r1*n0]
	for l := 1; l <= ws.net.L(); l++ {
		n := ws.net.Layers[l-1].Out
		sh.Z[l], sh.A[l], sh.Delta[l] = ws.Z[l][r0*n:r1*n], ws.A[l][r0*n:r1*n], ws.Delta[l][r0*n:r1*n]
	}
}

// gemm is kernel.Gemm with beta 0, on this goroutine alone in a shard.
func (ws *Workspace[T]) gemm(transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int) {
	if ws.serial {
		kernel.Gemm1(transA, transB, m, n, k, a, lda, b, ldb, 0, c, ldc)
	} else {
		kernel.Gemm(transA, transB, m, n, k, a, lda, b, ldb, 0, c, ldc)
	}
}

// Network returns the network the workspace computes.
func (ws *Workspace[T]) Network() *Network[T] { return ws.net }

// Forward runs the forward pass on a batch x (rows×n_0, row-major; rows ≤ Cap),
// layer by layer: z^l = W^l a^(l-1) + b^l, a^l = f_l(z^l). It returns the
// output o = a^L (rows×n_L), a view into the workspace. x is kept as A[0]
// (not copied) until the next Forward.
func (ws *Workspace[T]) Forward(x []T) []T {
	net := ws.net
	rows := len(x) / net.Inputs
	if rows*net.Inputs != len(x) || rows > ws.Cap || rows == 0 {
		panic(fmt.Sprintf("backprop: Forward: %d values for batches of up to %d rows of %d inputs", len(x), ws.Cap, net.Inputs))
	}
	ws.Rows = rows
	ws.A[0] = x
	ws.split = 0
	if ws.shards != nil && rows >= shardRows && ws.G == nil {
		ws.split = (rows/2 + 7) / 8 * 8 // a whole number of register tiles
		ws.view(ws.shards[0], 0, ws.split)
		ws.view(ws.shards[1], ws.split, rows)
		kernel.Parallel(ws.fwd)
	} else {
		ws.forward(x)
	}
	return ws.A[net.L()][:rows*net.Outputs()]
}

// forward is Forward on the workspace's rows.
func (ws *Workspace[T]) forward(x []T) {
	net, rows := ws.net, ws.Rows
	ws.A[0] = x
	for l := 1; l <= net.L(); l++ {
		lay := net.Layers[l-1]
		z, a := ws.Z[l][:rows*lay.Out], ws.A[l][:rows*lay.Out]
		// Z^l (rows×n_l) = A^(l-1) (rows×n_(l-1)) · (W^l)ᵀ, then + b, then f.
		if rows == 1 && lay.In*lay.Out <= smallLayer {
			matvec(lay.W, ws.A[l-1], z)
		} else {
			ws.gemm(false, true, rows, lay.Out, lay.In, ws.A[l-1], lay.In, lay.W, lay.In, z, lay.Out)
		}
		var norm []T
		if ws.Norm != nil {
			norm = ws.Norm[l]
		}
		forward(lay.Activation, lay.Slope, z, a, lay.B, norm, rows, lay.Out)
	}
}

// Output returns o = a^L of the last Forward (rows×n_L).
func (ws *Workspace[T]) Output() []T { return ws.A[ws.net.L()][:ws.Rows*ws.net.Outputs()] }

// Loss returns E = Σ_r J(y_r, o_r) over the batch of the last Forward, for
// targets y (rows×n_L), computed from z^L in the closed forms of output.go.
func (ws *Workspace[T]) Loss(y []T) float64 {
	net := ws.net
	L, n := net.L(), net.Outputs()
	lay := net.Layers[L-1]
	var E float64
	for r := 0; r < ws.Rows; r++ {
		E += outputRow(net.Loss, lay.Activation, lay.Slope, ws.Z[L][r*n:(r+1)*n], ws.A[L][r*n:(r+1)*n], y[r*n:(r+1)*n], nil, ws.q, nil)
	}
	return E
}

// Backward runs the backward pass for targets y (rows×n_L, for the batch of
// the last Forward) and returns the error E = Σ_r J(y_r, o_r), the SUM over
// the batch. It computes the output delta δ^L, then applies the delta rule,
// δ^l = f_l'(z^l) ⊙ (W^(l+1))ᵀ δ^(l+1), from layer L back to layer 1, and
// accumulates ∂E/∂W^l = Σ_r δ^l (a^(l-1))ᵀ and ∂E/∂b^l = Σ_r δ^l; gradients of
// absent connections are 0.
func (ws *Workspace[T]) Backward(y []T) float64 {
	net := ws.net
	rows := ws.Rows
	if len(y) != rows*net.Outputs() {
		panic(fmt.Sprintf("backprop: Backward: %d targets for %d rows of %d outputs", len(y), rows, net.Outputs()))
	}
	ws.y = y
	if ws.split == 0 {
		return ws.backward(y)
	}
	// The deltas are per row: each shard computes its own rows', in
	// parallel; then the gradients, sums over all rows, are products the
	// kernel spreads over the threads itself.
	nL := net.Outputs()
	sh0, sh1 := ws.shards[0], ws.shards[1]
	sh0.yr, sh1.yr = y[:ws.split*nL], y[ws.split*nL:]
	kernel.Parallel(ws.bwd)
	ws.grads()
	return sh0.E + sh1.E
}

// backward is Backward on the workspace's rows.
func (ws *Workspace[T]) backward(y []T) float64 {
	E := ws.deltas(y)
	ws.grads()
	return E
}

// deltas computes the output delta δ^L and applies the delta rule down to
// layer 1, for the workspace's rows (each row on its own), and returns E.
func (ws *Workspace[T]) deltas(y []T) float64 {
	net := ws.net
	L, rows := net.L(), ws.Rows
	E := ws.outputDelta(y)
	for l := L; l > 1; l-- {
		// The delta rule: G = Δ^l (rows×n_l) · W^l (n_l×n_(l-1)) is
		// ∂E/∂a^(l-1); then δ^(l-1) = f'(z^(l-1)) ⊙ G. Absent connections
		// have w = 0, so the sum runs over those that exist.
		lay, prev := net.Layers[l-1], net.Layers[l-2]
		delta, g := ws.Delta[l][:rows*lay.Out], ws.Delta[l-1][:rows*prev.Out]
		if rows == 1 && lay.In*lay.Out <= smallLayer {
			vecmat(delta, lay.W, g)
		} else {
			ws.gemm(false, false, rows, lay.In, lay.Out, delta, lay.Out, lay.W, lay.In, g, lay.In)
		}
		var fp []T
		if ws.G != nil {
			copy(ws.G[l-1], g)
			fp = ws.FPrime[l-1]
		}
		backward(prev.Activation, prev.Slope, ws.Z[l-1], ws.A[l-1], g, fp, rows, prev.Out)
	}
	return E
}

// grads sums the gradients over the workspace's rows:
// ∂E/∂W^l = Σ_r δ^l (a^(l-1))ᵀ, 0 for absent connections, and ∂E/∂b^l = Σ_r δ^l.
func (ws *Workspace[T]) grads() {
	rows := ws.Rows
	for l := 1; l <= ws.net.L(); l++ {
		lay := ws.net.Layers[l-1]
		delta := ws.Delta[l][:rows*lay.Out]
		// ∂E/∂W^l (n_l×n_(l-1)) = (Δ^l)ᵀ (n_l×rows) · A^(l-1) (rows×n_(l-1)).
		if rows == 1 && lay.In*lay.Out <= smallLayer {
			outer(delta, ws.A[l-1][:lay.In], ws.DW[l])
		} else {
			ws.gemm(true, false, lay.Out, lay.In, rows, delta, lay.Out, ws.A[l-1], lay.In, ws.DW[l], lay.In)
		}
		if lay.Mask != nil {
			for k, present := range lay.Mask {
				if !present {
					ws.DW[l][k] = 0
				}
			}
		}
		if db := ws.DB[l]; db != nil { // ∂E/∂b^l = Σ_r δ^l_r
			copy(db, delta[:lay.Out])
			for r := 1; r < rows; r++ {
				for i, d := range delta[r*lay.Out : (r+1)*lay.Out] {
					db[i] += d
				}
			}
		}
	}
}

// outputDelta computes δ^L = ∂E/∂z^L for the workspace's rows and returns
// E: o − y for the matched pairs, else the general rule δ^L = J_f(z^L)ᵀ ∇_o J,
// both in the closed forms of output.go.
func (ws *Workspace[T]) outputDelta(y []T) float64 {
	net := ws.net
	L, rows, n := net.L(), ws.Rows, net.Outputs()
	lay := net.Layers[L-1]
	var E float64
	for r := 0; r < rows; r++ {
		var tr *[2][]T
		if ws.G != nil {
			tr = &[2][]T{ws.G[L][r*n : (r+1)*n], ws.FPrime[L][r*n : (r+1)*n]}
		}
		E += outputRow(net.Loss, lay.Activation, lay.Slope, ws.Z[L][r*n:(r+1)*n], ws.A[L][r*n:(r+1)*n],
			y[r*n:(r+1)*n], ws.Delta[L][r*n:(r+1)*n], ws.q, tr)
	}
	return E
}

// smallLayer is the size n_l·n_(l-1) up to which a layer's products for a
// single example run as the plain loops below: below it, a call into the
// blocked GEMM costs more than the arithmetic.
const smallLayer = 256

// matvec is z = W a for one example (W is len(z)×len(a)).
func matvec[T Float](W, a, z []T) {
	n := len(W) / len(z)
	for i := range z {
		var s T
		for j, w := range W[i*n : (i+1)*n] {
			s += w * a[j]
		}
		z[i] = s
	}
}

// outer is dW = δ aᵀ for one example.
func outer[T Float](delta, a, dW []T) {
	n := len(a)
	for i, d := range delta {
		row := dW[i*n : (i+1)*n]
		for j, v := range a {
			row[j] = d * v
		}
	}
}

// vecmat is g = Wᵀ δ, the delta rule's sum, for one example.
func vecmat[T Float](delta, W, g []T) {
	n := len(g)
	clear(g)
	for i, d := range delta {
		for j, w := range W[i*n : (i+1)*n] {
			g[j] += d * w
		}
	}
}

// axpy is y ← y + a·x: a plain loop for short vectors, where a call to the
// SIMD kernel costs more than it saves.
func axpy[T Float](a T, x, y []T) {
	if len(x) < 32 {
		for i, v := range x {
			y[i] += a * v
		}
		return
	}
	kernel.Axpy(a, x, y)
}

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

// Step applies one gradient-descent step with learning rate alpha to the
// network, from the gradients of the last Backward:
// w^l_ij ← w^l_ij − α ∂E/∂w^l_ij and b^l_i ← b^l_i − α ∂E/∂b^l_i.
// Absent connections have gradient 0 and stay 0.
func (ws *Workspace[T]) Step(alpha T) {
	for l := 1; l <= ws.net.L(); l++ {
		lay := ws.net.Layers[l-1]
		axpy(-alpha, ws.DW[l], lay.W)
		if lay.B != nil {
			axpy(-alpha, ws.DB[l], lay.B)
		}
	}
}
