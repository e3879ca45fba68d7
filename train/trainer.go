package train

import (
	"fmt"
	"math"

	"github.com/backprop-go/backprop"
)

// chunkRows bounds the rows of one forward and backward pass. A larger batch
// (batch mode, or a mini-batch above it) is processed in chunks whose
// gradients are summed before the step, so the workspace stays small whatever
// the size of the training set.
const chunkRows = 256

// Trainer takes optimisation steps on a network: it owns the workspace of the
// forward and backward passes, the batch buffers and the optimizer's state,
// all allocated once, so that a step allocates nothing. [Train] runs one for
// whole epochs; use a Trainer directly to drive the steps yourself.
type Trainer[T backprop.Float] struct {
	net  *backprop.Network[T]
	cfg  Config // with defaults
	task Task   // resolved: classification or regression

	ws            *backprop.Workspace[T]
	params, grads [][]T  // Network.Params and Workspace.Grads, same order
	decay         []bool // params[p] is a weight matrix W^l (the penalties apply), not a bias b^l
	sum           [][]T  // the gradient summed over the chunks of a batch; allocated on first need
	v, m          [][]T  // optimizer state: velocity (momentum, nesterov) or Adam's v; Adam's m
	t             int    // Adam's step count

	yb []T // the targets of the current chunk, gathered from the set (the workspace gathers the inputs)

	alpha  float64
	score  *scorer    // the running training metrics of the epoch (nil outside Train)
	health *health[T] // the layers' health of the epoch (nil outside Train or without Config.Health)

	epoch, step int // for error messages: 1-based epoch (0 outside Train), step within it

	opt  step[T]                  // the update in progress
	loop func(p, lo, hi int) bool // the optimizer's loop over a range of entries (a method value, made once)
}

// NewTrainer returns a Trainer for net under cfg (validated; zero fields take
// their defaults). The learning rate starts at cfg.Alpha; the schedule is
// applied by Train, or by SetAlpha.
func NewTrainer[T backprop.Float](net *backprop.Network[T], cfg Config) (*Trainer[T], error) {
	if err := net.Validate(); err != nil {
		return nil, err
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	rows := chunkRows
	switch cfg.Mode {
	case Stochastic:
		rows = 1
	case MiniBatch:
		rows = min(cfg.Batch, chunkRows)
	}
	tr := &Trainer[T]{
		net: net, cfg: cfg, task: cfg.Task.resolve(net.Loss == backprop.Squared),
		ws:    net.NewWorkspace(rows),
		yb:    make([]T, rows*net.Outputs()),
		alpha: cfg.Alpha,
	}
	tr.params, tr.grads = net.Params(), tr.ws.Grads()
	for _, lay := range net.Layers { // the order of Network.Params
		tr.decay = append(tr.decay, true)
		if lay.B != nil {
			tr.decay = append(tr.decay, false)
		}
	}
	switch cfg.Optimizer {
	case Momentum:
		tr.v, tr.loop = zeros(tr.params), tr.momentumRange
	case Nesterov:
		tr.v, tr.loop = zeros(tr.params), tr.nesterovRange
	case Adam:
		tr.v, tr.m, tr.loop = zeros(tr.params), zeros(tr.params), tr.adamRange
	}
	return tr, nil
}

// zeros returns slices of zeros shaped like p.
func zeros[T backprop.Float](p [][]T) [][]T {
	z := make([][]T, len(p))
	for i, s := range p {
		z[i] = make([]T, len(s))
	}
	return z
}

// Alpha returns the learning rate α of the next step.
func (tr *Trainer[T]) Alpha() float64 { return tr.alpha }

// SetAlpha sets the learning rate α of the following steps.
func (tr *Trainer[T]) SetAlpha(alpha float64) { tr.alpha = alpha }

// Step takes one optimisation step on the examples idx of set (rows of
// set.X and set.Y) and returns their mean loss E/n, computed before the
// update.
//
// The engine's Backward returns the summed error E = Σ_r J(y_r, o_r) over the
// n examples and the summed gradient G = ∂E/∂w; Step averages: the optimizer
// sees g = G/n (plus λ·w for weights with L2, λ₁·sign(w) with L1), so plain SGD moves
// w ← w − (α/n) G. A batch larger than the workspace (256 rows; 1 in
// Stochastic mode, Config.Batch in MiniBatch mode, if smaller) is processed in
// chunks whose gradients are summed.
//
// If the loss is NaN or infinite, Step returns a *[DivergedError] and leaves
// the weights unchanged; if the update makes a weight NaN or infinite, it
// returns a *DivergedError too, and the weights are then lost: restore a copy.
// set must match the network (Train checks it; Step panics otherwise). Step
// allocates nothing after its first call.
func (tr *Trainer[T]) Step(set Set[T], idx []int) (float64, error) {
	n := len(idx)
	if n == 0 {
		return 0, nil
	}
	tr.step++
	nL := tr.net.Outputs()
	chunk := tr.ws.Cap
	if n > chunk && tr.sum == nil {
		tr.sum = zeros(tr.grads)
	}
	var E float64
	for c := 0; c < n; c += chunk {
		rows := idx[c:min(c+chunk, n)]
		y := tr.yb[:len(rows)*nL]
		for r, i := range rows {
			copy(y[r*nL:(r+1)*nL], set.Y[i*nL:(i+1)*nL])
		}
		o := tr.ws.ForwardRows(set.X, rows)
		E += tr.backward(o, y, c, n)
	}
	return tr.update(E, n)
}

// backward is the backward pass of a chunk of a step of n examples, the
// chunk's first example being the step's c-th: its outputs o (the forward
// pass just run) and targets y. It returns the chunk's summed loss, and
// sums its gradient into tr.sum when the step has several chunks.
func (tr *Trainer[T]) backward(o, y []T, c, n int) float64 {
	e := tr.ws.Backward(y)
	if tr.score != nil {
		add(tr.score, o, y, e)
	}
	if tr.health != nil {
		tr.health.units(tr.ws)
	}
	if n > tr.ws.Cap {
		for p, g := range tr.grads {
			if c == 0 {
				copy(tr.sum[p], g)
				continue
			}
			for k, v := range g {
				tr.sum[p][k] += v
			}
		}
	}
	return e
}

// update ends a step of n examples whose summed loss is E, their gradient
// in tr.grads (or summed in tr.sum): the optimizer's update, unless the
// loss is not finite. It returns the mean loss E/n.
func (tr *Trainer[T]) update(E float64, n int) (float64, error) {
	chunk := tr.ws.Cap
	loss := E / float64(n)
	if math.IsNaN(E) || math.IsInf(E, 0) {
		return loss, tr.diverged("loss", E)
	}
	g := tr.grads
	if n > chunk {
		g = tr.sum
	}
	measure := tr.health != nil && tr.health.sample
	if measure {
		tr.health.before(tr.params, g, 1/float64(n))
	}
	finite := tr.apply(g, n)
	if measure {
		tr.health.after(tr.params)
	}
	if !finite {
		for _, p := range tr.params {
			for _, w := range p {
				if v := float64(w); math.IsNaN(v) || math.IsInf(v, 0) {
					return loss, tr.diverged("weights", v)
				}
			}
		}
	}
	return loss, nil
}

// apply applies the optimizer to the parameters, from the gradients G summed
// over n examples: g = G/n + λ·w + λ₁·sign(w) (the penalties for weights
// only). It reports whether every parameter is still finite. Absent
// connections have w = 0 and G = 0, hence g = 0 (sign(0) = 0), a state that
// stays 0 and an update of 0. The optimizers' loops run through the
// engine's Apply, in chunks all the cores share.
func (tr *Trainer[T]) apply(G [][]T, n int) bool {
	cfg := &tr.cfg
	alpha, inv, l2, l1 := T(tr.alpha), T(1/float64(n)), T(cfg.L2), T(cfg.L1)
	if cfg.Optimizer == SGD { // w ← w − α g, the engine's update
		return tr.ws.Update(G, alpha, inv, l2, l1)
	}
	o := &tr.opt
	o.G, o.alpha, o.inv, o.l2, o.l1 = G, alpha, inv, l2, l1
	switch cfg.Optimizer {
	case Momentum: // v ← μ v + g, then w ← w − α v by the engine's update
		tr.ws.Apply(tr.loop)
		return tr.ws.Update(tr.v, alpha, 1, 0, 0)
	case Adam:
		tr.t++
		o.c1 = T(1 - math.Pow(cfg.Beta1, float64(tr.t))) // m̂ = m/c1
		o.c2 = T(1 - math.Pow(cfg.Beta2, float64(tr.t))) // v̂ = v/c2
	}
	return tr.ws.Apply(tr.loop) // Nesterov, Adam
}

// step holds the arguments of the update in progress, for the optimizers'
// loops.
type step[T backprop.Float] struct {
	G                  [][]T
	alpha, inv, l2, l1 T
	c1, c2             T // Adam's bias corrections
}

// momentumRange is v ← μ v + g on entries lo ≤ k < hi of parameter vector p.
func (tr *Trainer[T]) momentumRange(p, lo, hi int) bool {
	o, w := &tr.opt, tr.params[p]
	mu := T(tr.cfg.Momentum)
	Gp, v, lambda, lambda1 := o.G[p], tr.v[p], tr.lambda(p, o.l2), tr.lambda(p, o.l1)
	for k := lo; k < hi; k++ {
		v[k] = mu*v[k] + Gp[k]*o.inv + lambda*w[k] + lambda1*sign(w[k])
	}
	return true
}

// nesterovRange is v ← μ v + g, w ← w − α (g + μ v) on entries lo ≤ k < hi of
// parameter vector p; it reports whether they are finite.
func (tr *Trainer[T]) nesterovRange(p, lo, hi int) bool {
	o, w := &tr.opt, tr.params[p]
	mu := T(tr.cfg.Momentum)
	Gp, v, lambda, lambda1 := o.G[p], tr.v[p], tr.lambda(p, o.l2), tr.lambda(p, o.l1)
	var check T // Σ (w − w): 0 while every w is finite, NaN otherwise
	for k := lo; k < hi; k++ {
		g := Gp[k]*o.inv + lambda*w[k] + lambda1*sign(w[k])
		v[k] = mu*v[k] + g
		w[k] -= o.alpha * (g + mu*v[k])
		check += w[k] - w[k]
	}
	return check == 0
}

// adamRange is m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g², w ← w − α m̂/(√v̂ + ε)
// on entries lo ≤ k < hi of parameter vector p; it reports whether they are
// finite.
func (tr *Trainer[T]) adamRange(p, lo, hi int) bool {
	o, w := &tr.opt, tr.params[p]
	b1, b2, eps := T(tr.cfg.Beta1), T(tr.cfg.Beta2), T(tr.cfg.Eps)
	Gp, m, v, lambda, lambda1 := o.G[p], tr.m[p], tr.v[p], tr.lambda(p, o.l2), tr.lambda(p, o.l1)
	var check T
	for k := lo; k < hi; k++ {
		g := Gp[k]*o.inv + lambda*w[k] + lambda1*sign(w[k])
		m[k] = b1*m[k] + (1-b1)*g
		v[k] = b2*v[k] + (1-b2)*g*g
		w[k] -= o.alpha * (m[k] / o.c1) / (T(math.Sqrt(float64(v[k]/o.c2))) + eps)
		check += w[k] - w[k]
	}
	return check == 0
}

// lambda returns a penalty's coefficient for params[p]: lambda for a weight
// matrix, 0 for a bias.
func (tr *Trainer[T]) lambda(p int, lambda T) T {
	if tr.decay[p] {
		return lambda
	}
	return 0
}

// sign is the subgradient of |w| the L1 penalty uses: −1, 0 or 1, with
// sign(0) = 0 (and 0 for NaN, which the finiteness check reports anyway).
func sign[T backprop.Float](w T) T {
	switch {
	case w > 0:
		return 1
	case w < 0:
		return -1
	}
	return 0
}

func (tr *Trainer[T]) diverged(what string, v float64) error {
	return &DivergedError{What: what, Value: v, Epoch: tr.epoch, Step: tr.step, Alpha: tr.alpha}
}

// DivergedError reports that training produced a NaN or infinite loss or
// weight: the learning rate is too large for the data (or the inputs are not
// scaled).
type DivergedError struct {
	What  string  // "loss", "weights" or "validation loss"
	Value float64 // NaN, +Inf or -Inf
	Epoch int     // 1-based; 0 for a Trainer.Step outside Train
	Step  int     // 1-based, within the epoch
	Alpha float64 // the learning rate of the step
}

// Error returns the message, e.g. "loss became NaN at epoch 3, step 120:
// lower the learning rate (now 0.5)".
func (e *DivergedError) Error() string {
	where := fmt.Sprintf("epoch %d, step %d", e.Epoch, e.Step)
	if e.Epoch == 0 {
		where = fmt.Sprintf("step %d", e.Step)
	}
	return fmt.Sprintf("%s became %v at %s: lower the learning rate (now %v)", e.What, e.Value, where, e.Alpha)
}
