package backprop

import (
	"fmt"

	"github.com/backprop-go/backprop/internal/kernel"
)

// The backward pass, equations (4) to (8) of docs/notation.md: the output
// delta δ^L (output.go), the delta rule δ^l = f_l'(z^l) ⊙ (W^(l+1))ᵀ δ^(l+1)
// from layer L back to 1, and the gradients ∂E/∂W^l = Σ_r δ^l (a^(l-1))ᵀ,
// ∂E/∂b^l = Σ_r δ^l.

// Loss returns E = Σ_r J(y_r, o_r) over the batch of the last Forward, for
// targets y (rows×n_L), computed from z^L in the closed forms of output.go.
func (ws *Workspace[T]) Loss(y []T) float64 {
	net := ws.net
	L, n := net.L(), net.Outputs()
	lay := net.Layer(L)
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
func (ws *Workspace[T]) Backward(y []T) float64 { return ws.backprop("Backward", y, true) }

// Gradient is Backward without E: the same backward pass, the same deltas
// and gradients bit for bit, but the loss itself is not computed, which
// saves its logarithms and exponentials. It is for a trainer that does not
// need E every step; Loss(y) computes E from the same Forward when it is
// wanted (before the parameters change).
func (ws *Workspace[T]) Gradient(y []T) { ws.backprop("Gradient", y, false) }

// backprop is Backward (loss set) and Gradient (which returns 0); name is
// the caller's, for the panic.
func (ws *Workspace[T]) backprop(name string, y []T, loss bool) float64 {
	net := ws.net
	rows := ws.Rows
	if len(y) != rows*net.Outputs() {
		panic(fmt.Sprintf("backprop: %s: %d targets for %d rows of %d outputs", name, len(y), rows, net.Outputs()))
	}
	ws.y, ws.loss = y, loss
	if ws.nsh <= 1 {
		return ws.backward(y, loss)
	}
	// The deltas are per row: each shard computes its own rows' (the large
	// delta rules over the whole batch); then the gradients, sums over all
	// rows, in blocks of rows of ∂E/∂W^l.
	ws.deltasSharded()
	ws.team.run(len(ws.gblocks), ws.doGrad)
	var E float64
	for _, sh := range ws.shards[:ws.nsh] {
		E += sh.E
	}
	return E
}

// backward is backprop on the workspace's rows.
func (ws *Workspace[T]) backward(y []T, loss bool) float64 {
	if ws.single(ws.Rows) {
		return ws.backward1(y, loss)
	}
	E := ws.deltas(y, loss)
	ws.grads()
	return E
}

// deltas computes the output delta δ^L and applies the delta rule down to
// layer 1, for the workspace's rows (each row on its own), and returns E
// (with loss; without, E may be 0).
func (ws *Workspace[T]) deltas(y []T, loss bool) float64 {
	E := ws.outputDelta(y, loss, nil)
	for l := ws.net.L(); l > 1; l-- {
		ws.deltaRule(l)
	}
	return E
}

// deltaRule applies the delta rule through W^l for the workspace's rows:
// G = Δ^l (rows×n_l) · W^l (n_l×n_(l-1)) is ∂E/∂a^(l-1), and δ^(l-1) =
// f'(z^(l-1)) ⊙ G. Absent connections have w = 0, so the sum runs over those
// that exist.
func (ws *Workspace[T]) deltaRule(l int) {
	rows := ws.Rows
	lay, prev := ws.net.Layer(l), ws.net.Layer(l-1)
	delta, g := ws.Delta[l][:rows*lay.Out], ws.Delta[l-1][:rows*prev.Out]
	f := prev.Activation
	if rows == 1 && lay.In*lay.Out <= smallLayer {
		vecmat(delta, lay.W, g)
	} else {
		var ep *kernel.Epilogue[T]
		ep, _, f = ws.epilogue(prev, ws.Z[l-1][:rows*prev.Out], nil, prev.Out)
		gemmEp(ws.serial, false, false, rows, lay.In, lay.Out, delta, lay.Out, lay.W, lay.In, g, lay.In, ep)
	}
	if f == fused {
		return
	}
	var fp []T
	if ws.G != nil {
		copy(ws.G[l-1], g)
		fp = ws.FPrime[l-1]
	}
	backward(f, prev.Slope, ws.Z[l-1], ws.A[l-1], g, fp, rows, prev.Out)
}

// grads sums the gradients over the workspace's rows.
func (ws *Workspace[T]) grads() {
	for l := 1; l <= ws.net.L(); l++ {
		ws.gradRows(l, 0, ws.net.Layer(l).Out, ws.serial)
	}
}

// gradRows sums rows i0 ≤ i < i1 of the gradients of layer l over the
// workspace's rows: ∂E/∂W^l = Σ_r δ^l (a^(l-1))ᵀ, 0 for absent connections,
// and ∂E/∂b^l = Σ_r δ^l, each entry summed in row order. serial keeps the
// product on this goroutine.
func (ws *Workspace[T]) gradRows(l, i0, i1 int, serial bool) {
	rows := ws.Rows
	lay := ws.net.Layer(l)
	m, n := lay.Out, lay.In
	delta, dW := ws.Delta[l][:rows*m], ws.DW[l][i0*n:i1*n]
	// ∂E/∂W^l (n_l×n_(l-1)) = (Δ^l)ᵀ (n_l×rows) · A^(l-1) (rows×n_(l-1)), rows i0…i1.
	if rows == 1 && m*n <= smallLayer {
		outer(delta[i0:i1], ws.A[l-1][:n], dW)
	} else {
		gemm(serial, true, false, i1-i0, n, rows, delta[i0:], m, ws.A[l-1], n, dW, n)
	}
	if lay.Mask != nil {
		for k, present := range lay.Mask[i0*n : i1*n] {
			if !present {
				dW[k] = 0
			}
		}
	}
	if db := ws.DB[l]; db != nil { // ∂E/∂b^l = Σ_r δ^l_r
		db := db[i0:i1]
		copy(db, delta[i0:i1])
		for r := 1; r < rows; r++ {
			for i, d := range delta[r*m+i0 : r*m+i1] {
				db[i] += d
			}
		}
	}
}

// outputDelta computes δ^L = ∂E/∂z^L for the workspace's rows and returns
// E: o − y for the matched pairs, else the general rule δ^L = J_f(z^L)ᵀ ∇_o J,
// both in the closed forms of output.go. Without loss, the matched pairs
// compute δ^L alone and return 0. ez, if not nil, holds e^(−|z^L|) of a
// sigmoid output layer, as its forward pass computed it.
func (ws *Workspace[T]) outputDelta(y []T, loss bool, ez []T) float64 {
	net := ws.net
	L, rows, n := net.L(), ws.Rows, net.Outputs()
	lay := net.Layer(L)
	var E float64
	if ws.G == nil { // the matched pairs' fast rows, directly (E summed row by row, as outputRow does)
		f := lay.Activation
		if !loss && matchedPair(f, net.Loss) {
			matchedDelta(f, ws.Z[L][:rows*n], ws.A[L][:rows*n], y, ws.Delta[L][:rows*n], n, ez)
			return 0
		}
		switch {
		case f == Identity && net.Loss == Squared:
			for r := 0; r < rows; r++ {
				E += identitySquaredRow(ws.A[L][r*n:(r+1)*n], y[r*n:(r+1)*n], ws.Delta[L][r*n:(r+1)*n])
			}
			return E
		case f == Sigmoid && net.Loss == Log:
			for r := 0; r < rows; r++ {
				var e []T
				if ez != nil {
					e = ez[r*n : (r+1)*n]
				}
				E += sigmoidLogRow(ws.Z[L][r*n:(r+1)*n], ws.A[L][r*n:(r+1)*n], y[r*n:(r+1)*n], ws.Delta[L][r*n:(r+1)*n], e)
			}
			return E
		}
	}
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
