package backprop

import (
	"fmt"

	"github.com/backprop-go/backprop/internal/kernel"
)

// The forward pass, equations (1) and (2) of docs/notation.md:
// z^l = W^l a^(l-1) + b^l, a^l = f_l(z^l), for l = 1 … L.

// Forward runs the forward pass on a batch x (rows×n_0, row-major; rows ≤ Cap),
// layer by layer: z^l = W^l a^(l-1) + b^l, a^l = f_l(z^l). It returns the
// output o = a^L (rows×n_L), a view into the workspace. x is kept as A[0]
// (not copied) until the next Forward.
func (ws *Workspace[T]) Forward(x []T) []T {
	net := ws.net
	rows := 1 // one example needs no division
	if len(x) != net.Inputs {
		rows = len(x) / net.Inputs
	}
	if rows*net.Inputs != len(x) || rows > ws.Cap || rows == 0 {
		panic(fmt.Sprintf("backprop: Forward: %d values for batches of up to %d rows of %d inputs", len(x), ws.Cap, net.Inputs))
	}
	ws.gather = nil
	return ws.forwardRows(x, rows)
}

// ForwardRows is Forward on the examples idx of X (rows of n_0 values,
// row-major): the workspace gathers them itself into a batch buffer of its
// own (allocated on first use), which is then A[0], each shard its own rows.
// It panics if an index is out of X's range.
func (ws *Workspace[T]) ForwardRows(X []T, idx []int) []T {
	net := ws.net
	rows, n0 := len(idx), net.Inputs
	if rows > ws.Cap || rows == 0 {
		panic(fmt.Sprintf("backprop: ForwardRows: %d rows for batches of up to %d", rows, ws.Cap))
	}
	for _, i := range idx {
		if i < 0 || (i+1)*n0 > len(X) {
			panic(fmt.Sprintf("backprop: ForwardRows: row %d of %d examples of %d inputs", i, len(X)/n0, n0))
		}
	}
	if ws.batch == nil {
		ws.batch = make([]T, ws.Cap*n0)
	}
	ws.gather, ws.gatherIdx = X, idx
	return ws.forwardRows(ws.batch[:rows*n0], rows)
}

// forwardRows is Forward on the batch x of rows rows, gathered first from
// ws.gather when it is set.
func (ws *Workspace[T]) forwardRows(x []T, rows int) []T {
	ws.Rows = rows
	ws.A[0] = x
	ws.nsh = 1
	if ws.shards != nil {
		ws.nsh = shardBounds(rows, &ws.bounds)
	}
	switch {
	case ws.nsh > 1 && ws.blockwise():
		ws.forwardBlocks()
	case ws.nsh > 1:
		ws.forwardSharded()
	default:
		ws.gatherRows(0, rows)
		if ws.single(rows) {
			ws.forward1(x)
		} else {
			ws.forward(x)
		}
	}
	return ws.A[ws.net.L()][:rows*ws.net.Outputs()]
}

// gatherRows copies rows r0 ≤ r < r1 of the batch from ws.gather, if set.
func (ws *Workspace[T]) gatherRows(r0, r1 int) {
	if ws.gather == nil {
		return
	}
	n0 := ws.net.Inputs
	for r, i := range ws.gatherIdx[r0:r1] {
		copy(ws.batch[(r0+r)*n0:(r0+r+1)*n0], ws.gather[i*n0:(i+1)*n0])
	}
}

// forward is Forward on the workspace's rows.
func (ws *Workspace[T]) forward(x []T) {
	ws.A[0] = x
	ws.layers(1, ws.net.L()+1)
}

// layers runs the forward pass of layers l0 ≤ l < l1 on the workspace's rows.
func (ws *Workspace[T]) layers(l0, l1 int) {
	net, rows := ws.net, ws.Rows
	for l := l0; l < l1; l++ {
		lay := net.Layer(l)
		z, a := ws.Z[l][:rows*lay.Out], ws.A[l][:rows*lay.Out]
		// Z^l (rows×n_l) = A^(l-1) (rows×n_(l-1)) · (W^l)ᵀ, then + b, then f:
		// the bias, and f where the kernel has it, in the product's epilogue.
		var ep *kernel.Epilogue[T]
		b, f := lay.B, lay.Activation
		switch {
		case rows == 1 && lay.In*lay.Out <= smallLayer:
			matvec(lay.W, ws.A[l-1], z)
		case ws.transposed: // a shard: (W^l)ᵀ is ready, read in place
			ep, b, f = ws.epilogue(lay, nil, a, lay.Out)
			gemmEp(ws.serial, false, false, rows, lay.Out, lay.In, ws.A[l-1], lay.In, ws.wt[l], ws.ldt[l], z, lay.Out, ep)
		default:
			ep, b, f = ws.epilogue(lay, nil, a, lay.Out)
			gemmEp(ws.serial, false, true, rows, lay.Out, lay.In, ws.A[l-1], lay.In, lay.W, lay.In, z, lay.Out, ep)
		}
		if f == fused {
			continue
		}
		var norm []T
		if ws.Norm != nil {
			norm = ws.Norm[l]
		}
		forward(f, lay.Slope, z, a, b, norm, rows, lay.Out)
	}
}

// fused is the activation of a layer whose epilogue applied f.
const fused Activation = -1

// epilogue returns the kernel's epilogue for a product C of layer lay's
// rows: for the forward pass (z nil), + b and a = f(z) into a; for the
// delta rule, C·f′(z) with f the activation of lay. It also returns the
// bias and the activation still to apply after the product: f, or fused
// when the epilogue applied it. The kernel has f and f′ of identity, relu
// and leaky relu, exactly; the others (and the trace, which keeps G before
// f′) run their own passes.
func (ws *Workspace[T]) epilogue(lay *Layer[T], z, a []T, n int) (*kernel.Epilogue[T], []T, Activation) {
	return layerEpilogue(&ws.ep, lay, z, a, n, ws.G != nil)
}

// layerEpilogue is Workspace.epilogue into ep, the trace on or off.
func layerEpilogue[T Float](ep *kernel.Epilogue[T], lay *Layer[T], z, a []T, n int, trace bool) (*kernel.Epilogue[T], []T, Activation) {
	*ep = kernel.Epilogue[T]{Slope: lay.Slope}
	switch lay.Activation {
	case Identity:
		ep.Act = kernel.Linear
	case ReLU:
		ep.Act = kernel.ReLU
	case LeakyReLU:
		ep.Act = kernel.LeakyReLU
	default:
		if z != nil {
			return nil, nil, lay.Activation
		}
		ep.Bias = lay.B
		return ep, nil, lay.Activation
	}
	if z != nil { // δ = f′(z) ⊙ g
		if trace {
			return nil, nil, lay.Activation
		}
		if lay.Activation != Identity {
			ep.Z, ep.LdZ = z, n
		}
		return ep, nil, fused
	}
	ep.Bias, ep.Out, ep.LdOut = lay.B, a, n
	return ep, nil, fused
}

// Output returns o = a^L of the last Forward (rows×n_L).
func (ws *Workspace[T]) Output() []T { return ws.A[ws.net.L()][:ws.Rows*ws.net.Outputs()] }

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
