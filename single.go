package backprop

// One example through a network of small layers (every n_l·n_(l-1) ≤
// smallLayer), the online-training case: the forward pass, the deltas and
// the gradients as plain loops over the layers, without the batch
// machinery around the products (row slicing, epilogues, dispatch by
// shape). The numbers are those of the general path, bit for bit: every z,
// a, δ and gradient is the same sum of the same terms in the same order.

// single reports whether a batch of rows takes this path: one row, every
// layer small, the trace off.
func (ws *Workspace[T]) single(rows int) bool { return rows == 1 && ws.one != nil && ws.G == nil }

// layer1 is layer l of the single path: its buffers for one example, sliced
// once.
type layer1[T Float] struct {
	lay         *Layer[T]
	z, a, delta []T // z^l, a^l, δ^l
	dW, dB      []T // ∂E/∂W^l, ∂E/∂b^l (nil without bias)
	ez          []T // a sigmoid output layer's e^(−|z|), which its closed forms read (else nil)
}

// singleLayers returns the views of ws's layers for the single path, or nil
// unless every layer is small (or for a network without layers, which
// Validate refuses).
func (ws *Workspace[T]) singleLayers() []layer1[T] {
	net := ws.net
	if net.L() == 0 {
		return nil
	}
	for _, lay := range net.Layers {
		if lay.In*lay.Out > smallLayer {
			return nil
		}
	}
	one := make([]layer1[T], net.L())
	for l, lay := range net.Layers {
		n := lay.Out
		one[l] = layer1[T]{lay: lay, z: ws.Z[l+1][:n], a: ws.A[l+1][:n], delta: ws.Delta[l+1][:n], dW: ws.DW[l+1], dB: ws.DB[l+1]}
	}
	if out := &one[len(one)-1]; out.lay.Activation == Sigmoid {
		out.ez = make([]T, out.lay.Out)
	}
	return one
}

// forward1 is the forward pass of the example x: z^l = W^l a^(l-1) + b^l,
// a^l = f_l(z^l).
func (ws *Workspace[T]) forward1(x []T) {
	a := x
	for l := range ws.one {
		p := &ws.one[l]
		p.forward(a)
		a = p.a
	}
}

// forward is the layer's z = W x + b (each z_i the sum over j in order,
// then + b_i, as matvec and forward compute it) and a = f(z).
func (p *layer1[T]) forward(x []T) {
	z, b := p.z, p.lay.B
	n := len(x)
	W := p.lay.W[:len(z)*n]
	for i := range z {
		var s T
		for j, w := range W[i*n : (i+1)*n] {
			s += w * x[j]
		}
		z[i] = s
	}
	if b != nil {
		for i, v := range b[:len(z)] {
			z[i] += v
		}
	}
	if f := p.lay.Activation; f == Sigmoid {
		sigmoids(z, p.a, p.ez)
	} else {
		forward(f, p.lay.Slope, z, p.a, nil, nil, 1, len(z))
	}
}

// backward1 is the backward pass of the example of the last Forward for
// target y: δ^L, then for l = L … 1 the gradients ∂E/∂W^l = δ^l (a^(l-1))ᵀ
// and ∂E/∂b^l = δ^l and, below the top, the delta rule
// δ^(l-1) = f′(z^(l-1)) ⊙ (W^l)ᵀ δ^l. It returns E if loss is set, else 0.
func (ws *Workspace[T]) backward1(y []T, loss bool) float64 {
	one := ws.one
	E := ws.outputDelta(y, loss, one[len(one)-1].ez)
	for l := len(one) - 1; l > 0; l-- {
		p, q := &one[l], &one[l-1]
		p.grad(q.a, q.delta)
		if f := q.lay.Activation; f == Sigmoid {
			dsigmoids(q.z, q.a, q.delta)
		} else {
			backward(f, q.lay.Slope, q.z, q.a, q.delta, nil, 1, len(q.z))
		}
	}
	one[0].grad(ws.A[0][:ws.net.Inputs], nil)
	return E
}

// grad computes the layer's gradients from its δ and the activations a of
// the layer below: ∂E/∂W = δ aᵀ (0 for absent connections), ∂E/∂b = δ,
// and, with g not nil, the delta rule's sum g = Wᵀ δ, in one pass over W
// (each g_j summed over i in order, as vecmat sums it).
func (p *layer1[T]) grad(a, g []T) {
	delta, dW, dB := p.delta, p.dW, p.dB
	n := len(a)
	W := p.lay.W[:len(dW)]
	if g != nil {
		g = g[:n]
	}
	var zero T
	for i, d := range delta {
		row, drow := W[i*n:(i+1)*n], dW[i*n:(i+1)*n]
		switch {
		case g == nil:
			for j, v := range a {
				drow[j] = d * v
			}
		case i == 0: // the sum from 0, as vecmat's from a cleared g (0 + −0 is 0)
			for j, v := range a {
				drow[j] = d * v
				g[j] = zero + d*row[j]
			}
		default:
			for j, v := range a {
				drow[j] = d * v
				g[j] += d * row[j]
			}
		}
		if dB != nil {
			dB[i] = d
		}
	}
	if mask := p.lay.Mask; mask != nil {
		for k, present := range mask[:len(dW)] {
			if !present {
				dW[k] = 0
			}
		}
	}
}
