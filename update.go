package backprop

import "github.com/backprop-go/backprop/internal/kernel"

// The update, equation (9) of docs/notation.md: w ← w − α·∂E/∂w. One path
// for the engine's Step and for every optimizer of package train.

// parallelUpdate is the number of parameters from which the update is
// shared among the cores, in chunks of updateChunk parameters (the last of
// each vector shorter): below it, handing work to another thread costs more
// than it saves. Each parameter's update is the same however the work is
// split.
const (
	parallelUpdate = 1 << 15
	updateChunk    = 1 << 14
)

// update is a workspace's update state: the parameters in the order of
// Network.Params, which are weight matrices (L2 applies to them, not to
// biases), and their chunks, allocated once.
type update[T Float] struct {
	params [][]T
	grads  [][]T // Workspace.Grads, in the same order
	decay  []bool
	n      int // parameters in all

	team    *team   // nil: the update runs on the caller's goroutine
	chunks  []block // parameter vector l, entries i0 ≤ k < i1
	finite  []bool  // each chunk's
	do      func(int)
	doApply func(int)
	fn      func(p, lo, hi int) bool // Apply's

	// the arguments of the update in progress
	G                    [][]T
	alpha, scale, l2, l1 T
}

func (u *update[T]) init(net *Network[T], grads [][]T) {
	u.params, u.grads = net.Params(), grads
	for _, lay := range net.Layers { // the order of Params
		u.decay = append(u.decay, true)
		if lay.B != nil {
			u.decay = append(u.decay, false)
		}
	}
	for _, p := range u.params {
		u.n += len(p)
	}
}

// share splits the update among the team's goroutines, if the network is
// large enough for that to pay.
func (u *update[T]) share(t *team) {
	if u.n < parallelUpdate {
		return
	}
	u.team, u.do, u.doApply = t, u.chunk, u.applyChunk
	for p, w := range u.params {
		for lo := 0; lo < len(w); lo += updateChunk {
			u.chunks = append(u.chunks, block{p, lo, min(lo+updateChunk, len(w))})
		}
	}
	u.finite = make([]bool, len(u.chunks))
}

// Update changes every parameter of the network (the order of
// Network.Params) by w ← w − α·(s·G + λ·w + λ₁·sign(w)): G is the gradient
// (those of the last Backward when nil), s scales it (1/n for the mean over
// n examples), λ and λ₁ are the L2 and L1 coefficients of the weight
// matrices (biases take none; sign(0) = 0). Absent connections have w = 0
// and G = 0 and stay 0. A network of 32768 parameters or more is updated
// by all the cores at once (each parameter's update is the same however the
// work is split). Update reports whether every parameter is still finite;
// it never allocates.
func (ws *Workspace[T]) Update(G [][]T, alpha, scale, l2, l1 T) bool {
	return ws.upd.run(G, alpha, scale, l2, l1, true)
}

// Step applies one gradient-descent step with learning rate alpha from the
// gradients of the last Backward: w^l_ij ← w^l_ij − α ∂E/∂w^l_ij and
// b^l_i ← b^l_i − α ∂E/∂b^l_i (equation (9)): Update(nil, α, 1, 0, 0), without
// its report (a single step of a small network skips the finiteness tests).
// Absent connections have gradient 0 and stay 0.
func (ws *Workspace[T]) Step(alpha T) { ws.upd.run(nil, alpha, 1, 0, 0, false) }

// run is Update; check false skips the finiteness tests where they cost
// something (the plain loops of a small network) and may report true.
func (u *update[T]) run(G [][]T, alpha, scale, l2, l1 T, check bool) bool {
	if G == nil {
		G = u.grads
	}
	u.G, u.alpha, u.scale, u.l2, u.l1 = G, alpha, scale, l2, l1
	if u.team == nil {
		if !check && l2 == 0 && l1 == 0 { // Step: w ← w − α·G, nothing else
			a := -alpha * scale
			for p, w := range u.params {
				if len(w) >= 32 {
					kernel.Axpy(a, G[p][:len(w)], w)
					continue
				}
				for i, g := range G[p][:len(w)] { // axpy's plain loop, without its call
					w[i] += a * g
				}
			}
			return true
		}
		finite := true
		for p, w := range u.params {
			finite = u.part(p, 0, len(w), check) && finite
		}
		return finite
	}
	u.team.run(len(u.chunks), u.do)
	finite := true
	for _, f := range u.finite {
		finite = finite && f
	}
	return finite
}

// Apply runs f(p, lo, hi) on entries lo ≤ k < hi of every parameter vector
// p (the order of Network.Params), covering each vector once, in chunks that
// all the cores share for a network of 32768 parameters or more (else all
// at once on the caller's goroutine): an optimizer's update, written for a
// range of entries, that touches only those entries of the parameters and
// of vectors shaped like them (its state). f reports whether its entries
// are still finite; Apply reports whether all are. Make f once (a method
// value, say): Apply itself never allocates.
func (ws *Workspace[T]) Apply(f func(p, lo, hi int) bool) bool {
	u := &ws.upd
	if u.team == nil {
		finite := true
		for p, w := range u.params {
			finite = f(p, 0, len(w)) && finite
		}
		return finite
	}
	u.fn = f
	u.team.run(len(u.chunks), u.doApply)
	u.fn = nil
	finite := true
	for _, ok := range u.finite {
		finite = finite && ok
	}
	return finite
}

// applyChunk runs Apply's f on chunk c.
func (u *update[T]) applyChunk(c int) {
	ch := u.chunks[c]
	u.finite[c] = u.fn(ch.l, ch.i0, ch.i1)
}

// chunk updates chunk c.
func (u *update[T]) chunk(c int) {
	ch := u.chunks[c]
	u.finite[c] = u.part(ch.l, ch.i0, ch.i1, true)
}

// part updates entries lo ≤ k < hi of parameter vector p: w ← w − (α·s) G
// by axpy where no penalty applies, else the penalized loop. It reports
// whether the result is finite (with check; else it may report true).
func (u *update[T]) part(p, lo, hi int, check bool) bool {
	w, G := u.params[p], u.G[p]
	simd := len(w) >= 32 // of the whole vector, so that no entry's rounding depends on the chunks
	w, G = w[lo:hi], G[lo:hi]
	if !u.decay[p] || (u.l2 == 0 && u.l1 == 0) {
		return axpy(-u.alpha*u.scale, G, w, simd, check)
	}
	return penalized(w, G, u.alpha, u.scale, u.l2, u.l1)
}

// penalized is w ← w − α·(s·G + λ·w + λ₁·sign(w)) on one weight vector and
// reports whether every w is finite.
func penalized[T Float](w, G []T, alpha, scale, l2, l1 T) bool {
	var check T // Σ (w − w): 0 while every w is finite, NaN otherwise
	for k := range w {
		g := G[k]*scale + l2*w[k]
		if l1 != 0 {
			g += l1 * sign(w[k])
		}
		w[k] -= alpha * g
		check += w[k] - w[k]
	}
	return check == 0
}

// sign is the subgradient of |w| that the L1 penalty uses: −1, 0 or 1, with
// sign(0) = 0 (and 0 for NaN, which the finiteness checks report anyway).
func sign[T Float](w T) T {
	switch {
	case w > 0:
		return 1
	case w < 0:
		return -1
	}
	return 0
}

// axpy is y ← y + a·x and reports whether every y is finite (with check;
// else it may report true): the SIMD kernel if simd, else a plain loop (for
// short vectors, where a call to the kernel costs more than it saves).
func axpy[T Float](a T, x, y []T, simd, check bool) bool {
	if simd {
		return kernel.Axpy(a, x, y)
	}
	for i, v := range x {
		y[i] += a * v
	}
	if check {
		for _, v := range y {
			if v-v != 0 { // NaN or ±Inf
				return false
			}
		}
	}
	return true
}
