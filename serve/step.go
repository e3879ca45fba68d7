package serve

import (
	"fmt"
	"math"
	"strings"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/explain"
)

// Step mode: one plain gradient step on one example, every number of it, as
// explain.Step computed it (the engine's trace).

// stepRequest is the body of POST .../step: one plain gradient step on one
// example, either a point of the data (Set and Index) or X and Y given.
type stepRequest struct {
	Set   string    `json:"set"`   // "train" or "test"
	Index *int      `json:"index"` // 0-based, in that set
	X     []float64 `json:"x"`
	Y     []float64 `json:"y"`
	Alpha float64   `json:"alpha"` // 0: the session's learning rate
	// Apply, true unless given false, keeps the step's weights in the
	// session's network.
	Apply *bool `json:"apply"`
}

// stepResult is the answer to POST .../step: every number of
// explain.Step's trace, arranged by layer, with the delta rule's terms.
type stepResult struct {
	X            []float64      `json:"x"`
	Y            []float64      `json:"y"`
	Alpha        float64        `json:"alpha"`
	Loss         float64        `json:"loss"`       // E = J(y, o) before the step
	LossAfter    float64        `json:"loss_after"` // after it
	OutputBefore []float64      `json:"output_before"`
	OutputAfter  []float64      `json:"output_after"`
	Layers       []stepLayer    `json:"layers"` // Layers[l-1] is layer l
	Applied      bool           `json:"applied"`
	Text         string         `json:"text"` // what `backprop explain` prints for this step
	Trace        *explain.Trace `json:"trace"`
}

// stepLayer is layer l of a step: its neurons' z, a and δ, its weights before
// and after, and each weight's gradient (weights[i][j] is w^l_(i,j+1); the
// bias w^l_i0 is apart).
type stepLayer struct {
	Activation   string      `json:"activation"`
	Derivative   string      `json:"derivative"`      // f'(z), the engine's formula (s: the slope)
	Slope        float64     `json:"slope,omitempty"` // leaky relu's s`
	Z            []float64   `json:"z"`
	A            []float64   `json:"a"`
	Delta        []float64   `json:"delta"`
	Weights      [][]float64 `json:"weights"`
	Bias         []float64   `json:"bias,omitempty"`
	Mask         [][]bool    `json:"mask,omitempty"`
	GradWeights  [][]float64 `json:"grad_weights"`
	GradBias     []float64   `json:"grad_bias,omitempty"`
	WeightsAfter [][]float64 `json:"weights_after"`
	BiasAfter    []float64   `json:"bias_after,omitempty"`
	Rules        []deltaRule `json:"delta_rule"` // one per neuron
}

// deltaRule shows how δ^l_i was computed. Hidden neuron:
// δ^l_i = f'(z^l_i) · Σ_j w^(l+1)_ji δ^(l+1)_j, with the terms of the sum.
// Output neuron: δ = o − y for a matched pair (sigmoid + log, identity +
// squared), else δ = ∂J/∂o · f'(z).
type deltaRule struct {
	Output  bool        `json:"output"`
	Matched bool        `json:"matched,omitempty"`
	DJdO    float64     `json:"dJdo,omitempty"`
	FPrime  float64     `json:"fprime"`
	Terms   []deltaTerm `json:"terms,omitempty"`
	Sum     float64     `json:"sum"`
	Delta   float64     `json:"delta"`
}

// deltaTerm is w^(l+1)_ji · δ^(l+1)_j, J the 0-based neuron of layer l+1.
type deltaTerm struct {
	J       int     `json:"j"`
	W       float64 `json:"w"`
	Delta   float64 `json:"delta"`
	Product float64 `json:"product"`
}

// step runs explain.Step on one example: a point of the data, or the point
// x (x1, x2) with target y; the answer's x are the network's inputs.
func (s *session) step(req stepRequest) (*stepResult, error) {
	x, y := req.X, req.Y
	if req.Index != nil || req.Set != "" {
		if x != nil || y != nil {
			return nil, bad("x", "give either set and index, or x and y")
		}
		set := s.trainSet
		switch req.Set {
		case "train", "":
		case "test":
			set = s.testSet
		default:
			return nil, bad("set", "unknown set %q (want train, test)", req.Set)
		}
		if req.Index == nil || *req.Index < 0 || *req.Index >= set.N {
			i := -1
			if req.Index != nil {
				i = *req.Index
			}
			return nil, bad("index", "%d, want 0 to %d (the %s set's examples)", i, set.N-1, cmpOr(req.Set, "train"))
		}
		i, F, K := *req.Index, s.net.Inputs, s.net.Outputs()
		x, y = set.X[F*i:F*i+F], set.Y[K*i:K*i+K]
	} else {
		if len(x) != 2 {
			return nil, bad("x", "%d values, want 2 (the point x1, x2, from which the network's inputs are computed)", len(x))
		}
		if err := inRange("x", x); err != nil {
			return nil, err
		}
		x = s.at(x)
	}
	if len(y) != s.net.Outputs() {
		return nil, bad("y", "%d values, want %d (the network's outputs)", len(y), s.net.Outputs())
	}
	if err := inRange("y", y); err != nil {
		return nil, err
	}
	if err := s.net.CheckTargets(y); err != nil {
		return nil, bad("y", "%v", err)
	}
	alpha := req.Alpha
	if alpha == 0 {
		alpha = s.cfg.LearningRate
	}
	if !(alpha > 0 && alpha <= 10) {
		return nil, bad("alpha", "%v, want a number in (0, 10]", alpha)
	}
	t, err := explain.Step(s.net, [][]float64{x}, [][]float64{y}, alpha)
	if err != nil {
		return nil, bad("x", "%v", err)
	}
	var text strings.Builder
	if err := t.WriteText(&text); err != nil {
		return nil, err
	}
	res := &stepResult{
		X: x, Y: y, Alpha: alpha, Loss: t.Loss, LossAfter: t.LossAfter,
		OutputAfter: t.OutputAfter[0], Text: text.String(), Trace: t,
	}
	net, L := t.Net, t.Net.L()
	res.OutputBefore = t.Layer(L).A[0]
	for l := 1; l <= L; l++ {
		lay, lt := net.Layer(l), t.Layer(l)
		sl := stepLayer{
			Activation: lay.Activation.String(), Derivative: lay.Activation.Formulas().Derivative, Slope: lay.Slope,
			Z: lt.Z[0], A: lt.A[0], Delta: lt.Delta[0],
			Weights: matrix(lay.W, lay.In), Bias: lay.B, Mask: netOf(net).Layers[l-1].Mask,
			GradWeights: lt.GradWeights, GradBias: lt.GradBias,
			WeightsAfter: lt.WeightsAfter, BiasAfter: lt.BiasAfter,
		}
		for i := range lay.Out {
			// The engine's numbers, from its trace: f'(z), ∂E/∂a (∂J/∂o at
			// the output, Σ_j w_ji δ_j below it), δ.
			r := deltaRule{FPrime: jsonNumber(lt.FPrime[0][i]), Sum: jsonNumber(lt.G[0][i]), Delta: lt.Delta[0][i]}
			if l == L {
				r.Output = true
				r.Matched = backprop.Matched(lay.Activation, net.Loss)
				r.DJdO = jsonNumber(lt.G[0][i])
			} else {
				next, nt := net.Layer(l+1), t.Layer(l+1)
				for j := range next.Out {
					k := j*next.In + i
					if next.Mask != nil && !next.Mask[k] {
						continue
					}
					w, dj := next.W[k], nt.Delta[0][j]
					r.Terms = append(r.Terms, deltaTerm{J: j, W: w, Delta: dj, Product: w * dj})
				}
			}
			sl.Rules = append(sl.Rules, r)
		}
		res.Layers = append(res.Layers, sl)
	}
	for l, lt := range t.Layers {
		for _, row := range lt.WeightsAfter {
			if err := allFinite(row); err != nil {
				return nil, bad("alpha", "the step takes a weight of layer %d to %v: lower α, or reset the network", l+1, err)
			}
		}
		if err := allFinite(lt.BiasAfter); err != nil {
			return nil, bad("alpha", "the step takes a bias of layer %d to %v: lower α, or reset the network", l+1, err)
		}
	}
	return res, nil
}

// apply keeps the weights after the step t in the session's network.
func (s *session) apply(t *explain.Trace) {
	for l, lt := range t.Layers {
		lay := s.net.Layers[l]
		for i, row := range lt.WeightsAfter {
			copy(lay.W[i*lay.In:(i+1)*lay.In], row)
		}
		copy(lay.B, lt.BiasAfter)
	}
	s.steps++
	s.score()
	s.record()
}

// maxValue bounds the inputs and regression targets of a step (the
// playground's data lie in [-1, 1]).
const maxValue = 1000

// inRange checks the values of field: finite and within ±maxValue.
func inRange(field string, v []float64) error {
	for k, x := range v {
		if !(math.Abs(x) <= maxValue) {
			return bad(fmt.Sprintf("%s[%d]", field, k), "%v, want a number from %d to %d (the playground's limit; its data lie in [-1, 1])", x, -maxValue, maxValue)
		}
	}
	return nil
}

// allFinite returns an error naming the first non-finite value of v.
func allFinite(v []float64) error {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%v", x)
		}
	}
	return nil
}

// jsonNumber is v for JSON, which has no infinity: ±Inf (∂J/∂o = −y/o
// overflows where o has saturated to 0) becomes ±MaxFloat64.
func jsonNumber(v float64) float64 {
	switch {
	case math.IsInf(v, 1):
		return math.MaxFloat64
	case math.IsInf(v, -1):
		return -math.MaxFloat64
	}
	return v
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
