package backprop

// One example through a network of small layers (every n_l·n_(l-1) ≤
// smallLayer), the online-training case: the forward pass, the deltas and
// the gradients as plain loops over the layers, without the batch
// machinery around the products (row slicing, epilogues, dispatch by
// shape). The numbers are those of the general path, bit for bit: every z,
// a, δ and gradient is the same sum of the same terms in the same order.

// single reports whether a batch of rows takes this path: one row, every
// layer small, the trace off.
func (ws *Workspace[T]) single(rows int) bool { return rows == 1 && ws.small && ws.G == nil }

// smallNet reports whether every layer of net is small.
func smallNet[T Float](net *Network[T]) bool {
	for _, lay := range net.Layers {
		if lay.In*lay.Out > smallLayer {
			return false
		}
	}
	return true
}

// forward1 is the forward pass of the example x: z^l = W^l a^(l-1) + b^l,
// a^l = f_l(z^l).
func (ws *Workspace[T]) forward1(x []T) {
	a := x
	for l, lay := range ws.net.Layers {
		z, out := ws.Z[l+1][:lay.Out], ws.A[l+1][:lay.Out]
		affine(lay.W, a, lay.B, z)
		if lay.Activation == Sigmoid {
			sigmoids(z, out)
		} else {
			forward(lay.Activation, lay.Slope, z, out, nil, nil, 1, lay.Out)
		}
		a = out
	}
}

// backward1 is the backward pass of the example of the last Forward for
// target y: δ^L, then for l = L … 1 the gradients ∂E/∂W^l = δ^l (a^(l-1))ᵀ
// and ∂E/∂b^l = δ^l and, below the top, the delta rule
// δ^(l-1) = f′(z^(l-1)) ⊙ (W^l)ᵀ δ^l. It returns E if loss is set, else 0.
func (ws *Workspace[T]) backward1(y []T, loss bool) float64 {
	E := ws.outputDelta(y, loss)
	layers := ws.net.Layers
	for l := len(layers); l >= 1; l-- {
		lay := layers[l-1]
		n := lay.In
		delta, a := ws.Delta[l][:lay.Out], ws.A[l-1][:n]
		dW := ws.DW[l][:len(delta)*n]
		if l == 1 {
			outer(delta, a, dW)
		} else {
			g := ws.Delta[l-1][:n]
			outerVecmat(delta, a, lay.W, dW, g)
			prev := layers[l-2]
			if prev.Activation == Sigmoid {
				dsigmoids(ws.Z[l-1][:n], a, g)
			} else {
				backward(prev.Activation, prev.Slope, ws.Z[l-1], ws.A[l-1], g, nil, 1, n)
			}
		}
		if lay.Mask != nil {
			for k, present := range lay.Mask[:len(dW)] {
				if !present {
					dW[k] = 0
				}
			}
		}
		if lay.B != nil {
			copy(ws.DB[l], delta)
		}
	}
	return E
}

// affine is z = W a + b (b nil: none) for one example: each z_i the sum
// over j in order, then + b_i, as matvec and forward compute it.
//
//go:noinline
func affine[T Float](W, a, b, z []T) {
	n := len(a)
	W = W[:len(z)*n]
	for i := range z {
		var s T
		for j, w := range W[i*n : (i+1)*n] {
			s += w * a[j]
		}
		z[i] = s
	}
	if b != nil {
		for i, v := range b[:len(z)] {
			z[i] += v
		}
	}
}

// outerVecmat is outer and vecmat in one pass over W: dW = δ aᵀ and
// g = Wᵀ δ, each g_j summed over i in order, as vecmat sums it.
func outerVecmat[T Float](delta, a, W, dW, g []T) {
	n := len(a)
	W, dW, g = W[:len(delta)*n], dW[:len(delta)*n], g[:n]
	clear(g)
	for i, d := range delta {
		row, drow := W[i*n:(i+1)*n], dW[i*n:(i+1)*n]
		for j, v := range a {
			drow[j] = d * v
			g[j] += d * row[j]
		}
	}
}
