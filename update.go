package backprop

import "github.com/backprop-go/backprop/internal/kernel"

// The update, equation (9) of docs/notation.md: w ← w − α·∂E/∂w. One path
// for the engine's Step and for every optimizer of package train.

// parallelUpdate is the number of parameters from which an update runs in
// two halves at once: below it, handing half to another thread costs more
// than it saves.
const parallelUpdate = 1 << 15

// update is a workspace's update state: the parameters in the order of
// Network.Params, which are weight matrices (L2 applies to them, not to
// biases), and the two halves' tasks, allocated once.
type update[T Float] struct {
	params [][]T
	grads  [][]T // Workspace.Grads, in the same order
	decay  []bool
	n      int // parameters in all
	halves []*kernel.Task

	// the arguments of the update in progress, and each half's finiteness
	G                    [][]T
	alpha, scale, l2, l1 T
	finite               [2]bool
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
	if u.n >= parallelUpdate {
		for h := range 2 {
			u.halves = append(u.halves, kernel.NewTask(func() { u.finite[h] = u.half(h, 2) }))
		}
	}
}

// Update changes every parameter of the network (the order of
// Network.Params) by w ← w − α·(s·G + λ·w + λ₁·sign(w)): G is the gradient
// (those of the last Backward when nil), s scales it (1/n for the mean over
// n examples), λ and λ₁ are the L2 and L1 coefficients of the weight
// matrices (biases take none; sign(0) = 0). Absent connections have w = 0
// and G = 0 and stay 0. A network of 32768
// parameters or more is updated in two halves at once (each parameter's
// update is the same however the work is split). Update reports whether
// every parameter is still finite; it never allocates.
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
	if u.halves == nil {
		return u.whole(check)
	}
	kernel.Parallel(u.halves)
	return u.finite[0] && u.finite[1]
}

// whole updates every parameter on this goroutine.
func (u *update[T]) whole(check bool) bool {
	return u.part(0, 1, check)
}

// half updates part h of parts of every parameter vector and reports
// whether the result is finite.
func (u *update[T]) half(h, parts int) bool { return u.part(h, parts, true) }

// part updates part h of parts of every parameter vector: w ← w − (α·s) G
// by axpy where no penalty applies, else the penalized loop. It reports
// whether the result is finite (with check; else it may report true).
func (u *update[T]) part(h, parts int, check bool) bool {
	finite := true
	for p, w := range u.params {
		lo, hi := h*len(w)/parts, (h+1)*len(w)/parts
		w, G := w[lo:hi], u.G[p][lo:hi]
		if !u.decay[p] || (u.l2 == 0 && u.l1 == 0) {
			finite = axpy(-u.alpha*u.scale, G, w, check) && finite
			continue
		}
		finite = penalized(w, G, u.alpha, u.scale, u.l2, u.l1) && finite
	}
	return finite
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
// else it may report true): a plain loop for short vectors, where a call to
// the SIMD kernel costs more than it saves.
func axpy[T Float](a T, x, y []T, check bool) bool {
	if len(x) >= 32 {
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
