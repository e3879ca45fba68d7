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
	rows := len(x) / net.Inputs
	if rows*net.Inputs != len(x) || rows > ws.Cap || rows == 0 {
		panic(fmt.Sprintf("backprop: Forward: %d values for batches of up to %d rows of %d inputs", len(x), ws.Cap, net.Inputs))
	}
	ws.Rows = rows
	ws.A[0] = x
	ws.split = 0
	if ws.shards != nil && rows >= shardRows {
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
		lay := net.Layer(l)
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
