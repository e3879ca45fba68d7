package train

import (
	"fmt"
	"math"

	"github.com/backprop-go/backprop"
)

// LayerHealth is how one layer trained during an epoch: the figures that
// show the derivation's own warning, gradients that vanish (or explode) on
// their way back through the layers, and units that stopped learning.
type LayerHealth struct {
	Layer      int    `json:"layer"`      // l, 1 … L
	Activation string `json:"activation"` // f of the layer

	// GradRMS is the root mean square of the layer's mean gradient g = G/n
	// (∂E/∂w^l_ij and ∂E/∂b^l_i over the n examples of a step, without the
	// L2 term), over its present weights and biases and the epoch's sampled
	// steps.
	GradRMS float64 `json:"grad_rms"`
	// UpdateRatio is ‖Δw‖/‖w‖ of the layer (weights and biases) for one
	// step, the change the optimizer made over the weights before it,
	// averaged over the sampled steps. Around 1e-3 is the usual healthy
	// figure; far below, the layer barely learns; near 1, it is thrown
	// about. MeasureHealth, which takes no step, leaves it 0.
	UpdateRatio float64 `json:"update_ratio,omitempty"`
	// Dead, for a relu layer below the output, is the fraction of its units
	// never active (z ≤ 0, so f′ = 0) on any example of the epoch: they pass
	// no delta back and their weights in no longer change.
	Dead float64 `json:"dead,omitempty"`
	// Saturated, for a sigmoid or tanh layer below the output, is the
	// fraction of its units whose f′(z) was below 1% of its maximum (1/4 for
	// the sigmoid, 1 for tanh) on more than half of the epoch's examples.
	Saturated float64 `json:"saturated,omitempty"`

	// MeanAbsDelta is the mean |δ^l_i| over the units and the examples, and
	// Off the units (0-based) counted in Dead or Saturated: both only from
	// MeasureHealth, for a picture of the network.
	MeanAbsDelta float64 `json:"mean_abs_delta,omitempty"`
	Off          []int   `json:"off,omitempty"`
}

// healthSamples is about how many steps of an epoch health measures the
// gradient and the update on (every step for the units). A step measured
// costs a few passes over the parameters; measuring ~8 of an epoch's steps
// keeps the cost far below that of the epoch.
const healthSamples = 8

// health accumulates the figures of LayerHealth during an epoch, inside the
// steps, from values the engine already has: the activations a^l of each
// forward pass (for dead and saturated units), the gradients before the
// update and the parameters around it on the sampled steps. It allocates
// everything once.
type health[T backprop.Float] struct {
	net      *backprop.Network[T]
	layerOf  []int     // params[p] belongs to layer layerOf[p]
	present  []float64 // per layer (index l-1): its present weights and biases
	sumG2    []float64 // per layer: Σ g² over the sampled steps
	sumRatio []float64 // per layer: Σ ‖Δw‖/‖w‖ over the sampled steps
	dw2, w2  []float64 // per layer: ‖Δw‖², ‖w‖² of the step being measured
	samples  int
	snap     [][]T       // the parameters before a sampled step's update
	count    [][]float64 // per sigmoid or tanh layer, per unit: the examples saturated
	act      [][]T       // per relu layer, per unit: Σ a over the epoch
	rows     int         // examples seen in the epoch
	sample   bool        // the current step is measured
}

func newHealth[T backprop.Float](net *backprop.Network[T], params [][]T) *health[T] {
	L := net.L()
	h := &health[T]{net: net, present: make([]float64, L), sumG2: make([]float64, L),
		sumRatio: make([]float64, L), dw2: make([]float64, L), w2: make([]float64, L), count: make([][]float64, L), act: make([][]T, L)}
	for l := 1; l <= L; l++ {
		lay := net.Layer(l)
		n := len(lay.W) + len(lay.B)
		for _, ok := range lay.Mask {
			if !ok {
				n--
			}
		}
		h.present[l-1] = float64(n)
		h.layerOf = append(h.layerOf, l)
		if lay.B != nil {
			h.layerOf = append(h.layerOf, l)
		}
		if l < L {
			switch lay.Activation {
			case backprop.ReLU:
				h.count[l-1] = make([]float64, lay.Out) // marks the layer measured
				h.act[l-1] = make([]T, lay.Out)
			case backprop.Sigmoid, backprop.Tanh:
				h.count[l-1] = make([]float64, lay.Out)
			}
		}
	}
	h.snap = zeros(params)
	return h
}

// reset starts an epoch.
func (h *health[T]) reset() {
	clear(h.sumG2)
	clear(h.sumRatio)
	h.samples, h.rows = 0, 0
	for l := range h.count {
		clear(h.count[l])
		clear(h.act[l])
	}
}

// units adds up, for the rows of the last forward pass, the activations of
// the hidden relu units (a unit is dead when its sum over the epoch is 0,
// a ≥ 0) and the examples on which a hidden sigmoid or tanh unit is
// saturated, from their activations a = f(z): f′ = a(1 − a) for the sigmoid
// and 1 − a² for tanh (equations (A2), (A3)). The loops have no branches:
// a count adds the sign bit of f′ − 1% of its maximum.
func (h *health[T]) units(ws *backprop.Workspace[T]) {
	rows := ws.Rows
	h.rows += rows
	for l, c := range h.count {
		if c == nil {
			continue
		}
		n := len(c)
		a := ws.A[l+1][:rows*n]
		switch h.net.Layers[l].Activation {
		case backprop.ReLU:
			s := h.act[l][:n]
			for r := 0; r < rows; r++ {
				row := a[r*n : (r+1)*n : (r+1)*n]
				for i := range s {
					s[i] += row[i]
				}
			}
		case backprop.Sigmoid: // f′ < 1% of 1/4
			for r := 0; r < rows; r++ {
				for i, v := range a[r*n : (r+1)*n] {
					v := float64(v)
					c[i] += float64(math.Float64bits(v*(1-v)-0.0025) >> 63)
				}
			}
		case backprop.Tanh: // f′ < 1% of 1
			for r := 0; r < rows; r++ {
				for i, v := range a[r*n : (r+1)*n] {
					v := float64(v)
					c[i] += float64(math.Float64bits(1-v*v-0.01) >> 63)
				}
			}
		}
	}
}

// before measures a sampled step's mean gradient g = G·inv and keeps the
// parameters before the update.
func (h *health[T]) before(params, G [][]T, inv float64) {
	for p, g := range G {
		h.sumG2[h.layerOf[p]-1] += sumSq(g) * inv * inv
		copy(h.snap[p], params[p])
	}
}

// after measures the update of a sampled step: ‖Δw‖/‖w‖ of each layer.
func (h *health[T]) after(params [][]T) {
	clear(h.dw2)
	clear(h.w2)
	for p, w := range params {
		d, s := diffSq(w, h.snap[p])
		h.dw2[h.layerOf[p]-1] += d
		h.w2[h.layerOf[p]-1] += s
	}
	for l, s := range h.w2 {
		if s > 0 {
			h.sumRatio[l] += math.Sqrt(h.dw2[l] / s)
		}
	}
	h.samples++
}

// sumSq is Σ v², in four running sums (not one chain of additions).
func sumSq[T backprop.Float](x []T) float64 {
	var s [4]float64
	k := 0
	for ; k+4 <= len(x); k += 4 {
		v := x[k : k+4 : k+4]
		s[0] += float64(v[0]) * float64(v[0])
		s[1] += float64(v[1]) * float64(v[1])
		s[2] += float64(v[2]) * float64(v[2])
		s[3] += float64(v[3]) * float64(v[3])
	}
	for ; k < len(x); k++ {
		s[0] += float64(x[k]) * float64(x[k])
	}
	return (s[0] + s[1]) + (s[2] + s[3])
}

// diffSq returns Σ (w − old)² and Σ old², in four running sums each.
func diffSq[T backprop.Float](w, old []T) (d, s float64) {
	var ds, ss [4]float64
	k := 0
	for ; k+4 <= len(w); k += 4 {
		v, o := w[k:k+4:k+4], old[k:k+4:k+4]
		for j := range 4 {
			e := float64(v[j]) - float64(o[j])
			ds[j] += e * e
			ss[j] += float64(o[j]) * float64(o[j])
		}
	}
	for ; k < len(w); k++ {
		e := float64(w[k]) - float64(old[k])
		ds[0] += e * e
		ss[0] += float64(old[k]) * float64(old[k])
	}
	return (ds[0] + ds[1]) + (ds[2] + ds[3]), (ss[0] + ss[1]) + (ss[2] + ss[3])
}

// epoch returns the figures of the epoch.
func (h *health[T]) epoch() []LayerHealth {
	out := make([]LayerHealth, len(h.present))
	for l := range out {
		lh := LayerHealth{Layer: l + 1, Activation: h.net.Layers[l].Activation.String()}
		if h.samples > 0 && h.present[l] > 0 {
			lh.GradRMS = math.Sqrt(h.sumG2[l] / (float64(h.samples) * h.present[l]))
			lh.UpdateRatio = h.sumRatio[l] / float64(h.samples)
		}
		if c := h.count[l]; c != nil && h.rows > 0 {
			n := 0
			for i, k := range c {
				switch h.net.Layers[l].Activation {
				case backprop.ReLU:
					if h.act[l][i] == 0 {
						n++
					}
				default:
					if 2*k > float64(h.rows) {
						n++
					}
				}
			}
			frac := float64(n) / float64(len(c))
			if h.net.Layers[l].Activation == backprop.ReLU {
				lh.Dead = frac
			} else {
				lh.Saturated = frac
			}
		}
		out[l] = lh
	}
	return out
}

// MeasureHealth measures the health of each layer of net on set, in one
// pass and without a step: GradRMS is the RMS of the mean gradient over the
// whole set (as one batch-mode step would take it), Dead and Saturated are
// counted over every example, with the units in Off, and MeanAbsDelta is
// the mean |δ| of the layer; UpdateRatio is 0. [Diagnose] reads it as an
// epoch's: Diagnose([]Epoch{{Health: h}}).
func MeasureHealth[T backprop.Float](net *backprop.Network[T], set Set[T]) ([]LayerHealth, error) {
	if err := net.Validate(); err != nil {
		return nil, err
	}
	if err := set.check(net, "set"); err != nil {
		return nil, err
	}
	return measureHealth(net, setPart(set))
}

// MeasureHealthSource is [MeasureHealth] on the examples of one pass over
// src: the same figures, bit for bit, as on a Set of them in the same
// order, in memory that does not grow with src.
func MeasureHealthSource[T backprop.Float](net *backprop.Network[T], src Source[T]) ([]LayerHealth, error) {
	if err := net.Validate(); err != nil {
		return nil, err
	}
	return measureHealth(net, part[T]{src: src, n: src.Len()})
}

func measureHealth[T backprop.Float](net *backprop.Network[T], set part[T]) ([]LayerHealth, error) {
	if set.n == 0 {
		return nil, fmt.Errorf("set: no examples")
	}
	ws := net.NewWorkspace(min(chunkRows, set.n))
	h := newHealth(net, net.Params())
	grads := ws.Grads()
	sum := make([][]float64, len(grads))
	for p, g := range grads {
		sum[p] = make([]float64, len(g))
	}
	n0, nL := net.Inputs, net.Outputs()
	sumDelta := make([]float64, net.L())
	var x, y []T
	if set.src != nil {
		x, y = make([]T, ws.Cap*n0), make([]T, ws.Cap*nL)
	}
	err := chunks(set, ws.Cap, x, y, func(x, y []T) {
		rows := len(x) / n0
		ws.Forward(x)
		ws.Gradient(y)
		h.units(ws)
		for l := 1; l <= net.L(); l++ {
			for _, d := range ws.Delta[l][:rows*net.Layer(l).Out] {
				sumDelta[l-1] += math.Abs(float64(d))
			}
		}
		for p, g := range grads {
			for k, v := range g {
				sum[p][k] += float64(v)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	inv := 1 / float64(set.n)
	for p, g := range sum {
		var s float64
		for _, v := range g {
			s += v * inv * v * inv
		}
		h.sumG2[h.layerOf[p]-1] += s
	}
	h.samples = 1
	out := h.epoch()
	for l := range out {
		out[l].UpdateRatio = 0
		out[l].MeanAbsDelta = sumDelta[l] / float64(set.n*net.Layer(l+1).Out)
		if c := h.count[l]; c != nil {
			for i, k := range c {
				if (net.Layers[l].Activation == backprop.ReLU && h.act[l][i] == 0) ||
					(net.Layers[l].Activation != backprop.ReLU && 2*k > float64(h.rows)) {
					out[l].Off = append(out[l].Off, i)
				}
			}
		}
	}
	return out, nil
}

// Warning is a plain-words warning about how a network trains, from the
// health of its layers (see [Diagnose]).
type Warning struct {
	Kind  string // "vanishing", "exploding", "dead" or "saturated"
	Layer int    // the layer it names
	Text  string // the warning: the layer, the figure, what usually helps
}

// The thresholds of Diagnose.
const (
	// VanishingRatio: layer 1's gradient RMS this many times below the
	// last layer's (two orders of magnitude) is a vanishing gradient.
	VanishingRatio = 100
	// ExplodingGrowth: a layer's gradient RMS this many times its value at
	// the first recorded epoch is an exploding gradient; so is layer 1's
	// gradient RMS VanishingRatio times the last layer's.
	ExplodingGrowth = 100
)

// Diagnose returns the warnings the last epoch of a history supports, in
// the order vanishing, exploding, dead, saturated:
//   - vanishing: layer 1's gradient RMS VanishingRatio (100) times or more
//     below the last layer's;
//   - exploding: layer 1's gradient RMS VanishingRatio times or more above
//     the last layer's, or a layer's gradient RMS ExplodingGrowth (100)
//     times its value at the first epoch with health;
//   - dead: more than half of a relu layer's units never active over the
//     epoch;
//   - saturated: more than half of a sigmoid or tanh layer's units with f′
//     below 1% of its maximum on most examples.
//
// Each names the layer, the figure and what usually helps. Epochs without
// health (Config.Health off) give none.
func Diagnose(history []Epoch) []Warning {
	if len(history) == 0 {
		return nil
	}
	last := history[len(history)-1]
	h := last.Health
	if len(h) == 0 {
		return nil
	}
	var ws []Warning
	first, top := h[0], h[len(h)-1]
	// where the figures come from: an epoch, or (MeasureHealth) the data
	at, over := fmt.Sprintf("at epoch %d, ", last.Epoch), fmt.Sprintf("epoch %d", last.Epoch)
	if last.Epoch == 0 {
		at, over = "", "the data"
	}
	if len(h) >= 2 && top.GradRMS > 0 && first.GradRMS*VanishingRatio <= top.GradRMS {
		ws = append(ws, Warning{Kind: "vanishing", Layer: 1, Text: fmt.Sprintf(
			"vanishing gradients: %slayer 1's gradient RMS (%.2g) is %s times smaller than layer %d's (%.2g), "+
				"so the first layers barely learn. What usually helps: ReLU-family activations, He or Glorot initialisation, fewer layers.",
			at, first.GradRMS, timesText(top.GradRMS, first.GradRMS), top.Layer, top.GradRMS)})
	}
	exploded := false
	if len(h) >= 2 && first.GradRMS > 0 && top.GradRMS*VanishingRatio <= first.GradRMS {
		exploded = true
		ws = append(ws, Warning{Kind: "exploding", Layer: 1, Text: fmt.Sprintf(
			"exploding gradients: %slayer 1's gradient RMS (%.2g) is %s times larger than layer %d's (%.2g): "+
				"they grow on their way back. What usually helps: %s, smaller initial weights "+
				"(He or Glorot initialisation), input scaling, fewer layers.",
			at, first.GradRMS, timesText(first.GradRMS, top.GradRMS), top.Layer, top.GradRMS, lowerRate(last.Alpha))})
	}
	if !exploded {
		var start *Epoch
		for i := range history {
			if len(history[i].Health) == len(h) {
				start = &history[i]
				break
			}
		}
		for l, lh := range h {
			g0 := start.Health[l].GradRMS
			if start != &history[len(history)-1] && g0 > 0 && lh.GradRMS >= ExplodingGrowth*g0 {
				ws = append(ws, Warning{Kind: "exploding", Layer: lh.Layer, Text: fmt.Sprintf(
					"exploding gradients: layer %d's gradient RMS grew from %.2g at epoch %d to %.2g at epoch %d (%s times). "+
						"What usually helps: %s, input scaling, smaller initial weights.",
					lh.Layer, g0, start.Epoch, lh.GradRMS, last.Epoch, timesText(lh.GradRMS, g0), lowerRate(last.Alpha))})
				break
			}
		}
	}
	for _, lh := range h {
		if lh.Dead > 0.5 {
			ws = append(ws, Warning{Kind: "dead", Layer: lh.Layer, Text: fmt.Sprintf(
				"dead units: %.0f%% of layer %d's relu units were never active over %s, so they pass no gradient "+
					"and stopped learning. What usually helps: %s, He initialisation, leaky relu.",
				100*lh.Dead, lh.Layer, over, lowerRate(last.Alpha))})
		}
	}
	for _, lh := range h {
		if lh.Saturated > 0.5 {
			ws = append(ws, Warning{Kind: "saturated", Layer: lh.Layer, Text: fmt.Sprintf(
				"saturated units: %.0f%% of layer %d's %s units had f′ below 1%% of its maximum on most examples of %s, "+
					"so little gradient passes through them. What usually helps: input scaling, Glorot initialisation, "+
					"%s, ReLU-family activations.",
				100*lh.Saturated, lh.Layer, lh.Activation, over, lowerRate(last.Alpha))})
		}
	}
	return ws
}

// lowerRate is "a lower learning rate (now α)", without α when unknown.
func lowerRate(alpha float64) string {
	if alpha > 0 {
		return fmt.Sprintf("a lower learning rate (now %g)", alpha)
	}
	return "a lower learning rate"
}

// timesText writes a/b as "4100" or "3.2".
func timesText(a, b float64) string {
	if b == 0 {
		return "infinitely many"
	}
	k := a / b
	if k >= 10 {
		return fmt.Sprintf("%.0f", k)
	}
	return fmt.Sprintf("%.1f", k)
}
