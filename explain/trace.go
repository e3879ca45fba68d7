package explain

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/backprop-go/backprop"
)

// Trace is one gradient step of a network on a batch of examples: every
// number the engine computed, as read from its Workspace after Forward,
// Backward and Step. Its JSON form is that of the "expected" field of the
// reference cases (reference/README.md), so the two compare directly.
type Trace struct {
	Loss        float64      `json:"loss"`         // E = Σ_r J(y_r, o_r), the SUM over the examples
	Layers      []LayerTrace `json:"layers"`       // layers 1..L: Layers[l-1] is layer l
	OutputAfter [][]float64  `json:"output_after"` // o for each x, from the network after the step

	// DeltaScale is how big the deltas are in each layer, from the output
	// back to layer 1 (DeltaScale[0] is layer L): the vanishing (or
	// exploding) of the gradient as it travels back.
	DeltaScale []DeltaScale `json:"delta_scale"`

	// What the renderers need besides the numbers above.
	Net       *backprop.Network[float64] `json:"-"` // the network before the step (a copy)
	X, Y      [][]float64                `json:"-"` // the examples, one row each
	Alpha     float64                    `json:"-"` // the learning rate α
	Losses    []float64                  `json:"-"` // J(y_r, o_r) of each example; they sum to Loss
	LossAfter float64                    `json:"-"` // E for the same examples after the step

	// Input, when not nil, says where each x came from: the raw record of a
	// model's data that its pipeline turned into x (= a^0). The renderers
	// show the record beside x. Step leaves it nil; the caller sets it.
	Input *Input `json:"-"`

	// Full makes WriteText and WriteMarkdown print every number of a step
	// larger than SummaryWork instead of summarising it.
	Full bool `json:"-"`

	// article is set when the step is the worked example of docs/notation.md (the
	// network, example and α of Article); unmasked is then the output after
	// the same step of the network with every absent connection present as a
	// trainable weight starting at 0.
	article  bool
	unmasked float64
}

// Input is the raw side of a step's examples: Features names the fields of
// a record, Raw[r] is example r's record (x = the pipeline of Raw[r]; NaN
// for a missing value), and Target[r], when not "", names example r's
// class.
//
// Categories[j], when not nil, names the categories of feature j, a
// categorical one, in index order: its raw value is a category's index (−1
// for one not seen in training) and it gives one input of x per category,
// one-hot (as backprop.Feature); nil, or Categories shorter than Features,
// for numeric features, one input each. The renderers name a category
// beside its index and each one-hot input by its category.
type Input struct {
	Features   []string
	Categories [][]string
	Raw        [][]float64
	Target     []string
}

// categories returns the categories of feature j, nil for a numeric one.
func (in *Input) categories(j int) []string {
	if j < len(in.Categories) {
		return in.Categories[j]
	}
	return nil
}

// width returns the number of inputs of x that feature j gives.
func (in *Input) width(j int) int { return max(len(in.categories(j)), 1) }

// fits reports whether the records give n inputs of x each.
func (in *Input) fits(n, rows int) bool {
	w := 0
	for j := range in.Features {
		w += in.width(j)
	}
	if w != n || len(in.Raw) < rows {
		return false
	}
	for _, r := range in.Raw[:rows] {
		if len(r) != len(in.Features) {
			return false
		}
	}
	return true
}

// inputName names input k of x: its feature, or "feature=category" for a
// one-hot input ("" when the input does not fit the features).
func (in *Input) inputName(k int) string {
	for j, f := range in.Features {
		w := in.width(j)
		if k < w {
			if cats := in.categories(j); cats != nil {
				return f + "=" + cats[k]
			}
			return f
		}
		k -= w
	}
	return ""
}

// value formats feature j's raw value v: the number, and for a
// categorical feature the category it names; "missing" for NaN.
func (in *Input) value(j int, v float64) string {
	cats := in.categories(j)
	switch k := int(v); {
	case math.IsNaN(v):
		return "missing"
	case cats == nil:
		return num(v)
	case v == float64(k) && k >= 0 && k < len(cats):
		return num(v) + " (" + cats[k] + ")"
	case v == -1:
		return "-1 (unknown)"
	}
	return num(v)
}

// Layer returns what the step computed in layer l, 1 ≤ l ≤ L (Layers[l-1]).
func (t *Trace) Layer(l int) *LayerTrace { return &t.Layers[l-1] }

// LayerTrace is what one gradient step computed in layer l. Matrices with one
// row per example hold z, a and δ; the gradients are summed over the
// examples. Absent connections have gradient 0 and weight 0 after the step.
type LayerTrace struct {
	Z            [][]float64 `json:"z"`                    // z^l, one row per example
	A            [][]float64 `json:"a"`                    // a^l = f(z^l), one row per example
	Delta        [][]float64 `json:"delta"`                // δ^l = ∂E/∂z^l, one row per example
	GradWeights  [][]float64 `json:"grad_weights"`         // ∂E/∂W^l = Σ_r δ^l (a^(l-1))ᵀ, n_l×n_(l-1)
	GradBias     []float64   `json:"grad_bias,omitempty"`  // ∂E/∂b^l = Σ_r δ^l; only with a bias
	WeightsAfter [][]float64 `json:"weights_after"`        // W^l − α ∂E/∂W^l
	BiasAfter    []float64   `json:"bias_after,omitempty"` // b^l − α ∂E/∂b^l; only with a bias

	// What the engine computed on the way, from its trace (Workspace.G,
	// FPrime, Norm), one row per example: G = ∂E/∂a^l (∂J/∂o for the output
	// layer; Σ_j w^(l+1)_ji δ^(l+1)_j below it); FPrime = f'(z^l) for an
	// elementwise activation, for softmax Σ_k a_k·g_k in the row's first
	// value; Norm = Σ_k e^(z_k) of a softmax layer in the row's first value.
	G      [][]float64 `json:"-"`
	FPrime [][]float64 `json:"-"`
	Norm   [][]float64 `json:"-"`
}

// DeltaScale is the size of one layer's deltas in a step: the mean |δ^l_i|
// over its neurons and the examples, and its ratio to the output layer's.
type DeltaScale struct {
	Layer        int     `json:"layer"`           // l
	MeanAbsDelta float64 `json:"mean_abs_delta"`  // mean over i and r of |δ^l_i|
	Ratio        float64 `json:"ratio_to_output"` // MeanAbsDelta / the output layer's (1 for layer L; 0 when the output's is 0)
	// MeanFPrime is the mean f′(z^l_i) the delta rule (7) multiplied by in
	// this layer, from the engine's trace; 0 for the output layer and for
	// softmax (whose rule is a Jacobian product).
	MeanFPrime float64 `json:"mean_fprime,omitempty"`
}

// deltaScale measures the deltas of every layer, from the output back, as
// the engine computed them (the trace's δ and f′).
func (t *Trace) deltaScale() []DeltaScale {
	L := len(t.Layers)
	var out []DeltaScale
	var top float64
	for l := L; l >= 1; l-- {
		lt := t.Layer(l)
		d := DeltaScale{Layer: l, MeanAbsDelta: meanAbs(lt.Delta)}
		if l == L {
			top = d.MeanAbsDelta
		} else if t.Net.Layer(l).Activation != backprop.Softmax {
			d.MeanFPrime = meanAbs(lt.FPrime)
		}
		if top > 0 {
			d.Ratio = d.MeanAbsDelta / top
		}
		out = append(out, d)
	}
	return out
}

// meanAbs is the mean |v| over a matrix's values.
func meanAbs(m [][]float64) float64 {
	var s float64
	n := 0
	for _, row := range m {
		for _, v := range row {
			s += math.Abs(v)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return s / float64(n)
}

// Step runs one gradient step of net on the examples x (one row of n_0 values
// each) with targets y (one row of n_L values each) and learning rate alpha,
// and returns everything it computed. The error it descends is
// E = Σ_r J(y_r, o_r), the sum over the examples (not their mean). Step works
// on a copy: net is not modified. Its errors say which example and which
// value is wrong.
func Step(net *backprop.Network[float64], x, y [][]float64, alpha float64) (*Trace, error) {
	if net == nil {
		return nil, errors.New("no network")
	}
	if err := net.Validate(); err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	if err := checkExamples(net, x, y); err != nil {
		return nil, err
	}
	if math.IsNaN(alpha) || math.IsInf(alpha, 0) || alpha <= 0 {
		return nil, fmt.Errorf("learning rate %v, want a finite number > 0", alpha)
	}
	t := &Trace{Net: net.Clone(), X: clone2(x), Y: clone2(y), Alpha: alpha}
	rows, L := len(x), net.L()
	xs, ys := flatten(x), flatten(y)

	// The per-example losses, one example at a time (the batch's E is their sum).
	one := t.Net.NewWorkspace(1)
	for r := range x {
		one.Forward(xs[r*net.Inputs : (r+1)*net.Inputs])
		t.Losses = append(t.Losses, one.Loss(ys[r*net.Outputs():(r+1)*net.Outputs()]))
	}

	work := net.Clone()
	ws := work.NewWorkspace(rows)
	ws.EnableTrace()
	ws.Forward(xs)
	t.Loss = ws.Backward(ys)
	for l := 1; l <= L; l++ {
		lay := work.Layer(l)
		lt := LayerTrace{
			Z:           rowsOf(ws.Z[l][:rows*lay.Out], lay.Out),
			A:           rowsOf(ws.A[l][:rows*lay.Out], lay.Out),
			Delta:       rowsOf(ws.Delta[l][:rows*lay.Out], lay.Out),
			GradWeights: rowsOf(ws.DW[l], lay.In),
			G:           rowsOf(ws.G[l][:rows*lay.Out], lay.Out),
			FPrime:      rowsOf(ws.FPrime[l][:rows*lay.Out], lay.Out),
			Norm:        rowsOf(ws.Norm[l][:rows*lay.Out], lay.Out),
		}
		if lay.B != nil {
			lt.GradBias = append([]float64(nil), ws.DB[l]...)
		}
		t.Layers = append(t.Layers, lt)
	}
	t.DeltaScale = t.deltaScale()
	ws.Step(alpha)
	for l := 1; l <= L; l++ {
		lay := work.Layer(l)
		t.Layer(l).WeightsAfter = rowsOf(lay.W, lay.In)
		if lay.B != nil {
			t.Layer(l).BiasAfter = append([]float64(nil), lay.B...)
		}
	}
	t.OutputAfter = rowsOf(ws.Forward(xs), net.Outputs())
	t.LossAfter = ws.Loss(ys)

	if isArticle(t) {
		t.article = true
		t.unmasked = unmaskedStep(t.Net, xs, ys, alpha)[0]
	}
	return t, nil
}

// checkExamples checks that x and y hold the same number (at least one) of
// rows of the network's input and output widths, all finite.
func checkExamples(net *backprop.Network[float64], x, y [][]float64) error {
	if len(x) == 0 && len(y) == 0 {
		return errors.New("no examples: want at least one input x with its target y")
	}
	if len(x) != len(y) {
		return fmt.Errorf("%s but %s, want one target y per input x", count(len(x), "input x"), count(len(y), "target y"))
	}
	for r := range x {
		if err := checkRow("x", x[r], net.Inputs, "inputs"); err != nil {
			return fmt.Errorf("example %d: %w", r+1, err)
		}
		if err := checkRow("y", y[r], net.Outputs(), "outputs"); err != nil {
			return fmt.Errorf("example %d: %w", r+1, err)
		}
		if err := net.CheckTargets(y[r]); err != nil {
			return fmt.Errorf("example %d: %w", r+1, err)
		}
	}
	return nil
}

// count returns "1 input x" or "n inputs x".
func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	noun, sym, _ := strings.Cut(what, " ")
	return fmt.Sprintf("%d %ss %s", n, noun, sym)
}

func checkRow(name string, row []float64, want int, what string) error {
	if len(row) != want {
		return fmt.Errorf("%s has %s, want %d (the network's %s)", name, plural(len(row), "value"), want, what)
	}
	for k, v := range row {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s%d is %v, want a finite number", name, k+1, v)
		}
	}
	return nil
}

// unmaskedStep returns the outputs after one step of net with every absent
// connection made present, biases included (a bias is the weight w^l_i0 on
// the constant input 1): each starts at 0 and is trained.
func unmaskedStep(net *backprop.Network[float64], xs, ys []float64, alpha float64) []float64 {
	full := net.Clone()
	for _, lay := range full.Layers {
		lay.Mask = nil
		if lay.B == nil {
			lay.B = make([]float64, lay.Out)
		}
	}
	ws := full.NewWorkspace(len(xs) / full.Inputs)
	ws.Forward(xs)
	ws.Gradient(ys)
	ws.Step(alpha)
	return append([]float64(nil), ws.Forward(xs)...)
}

// WriteJSON writes the trace as JSON, in the shape of the reference cases'
// "expected" field: loss, layers (z, a, delta, grad_weights, grad_bias,
// weights_after, bias_after) and output_after.
func (t *Trace) WriteJSON(w io.Writer) error {
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("explain: writing JSON: %w", err)
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

func flatten(m [][]float64) []float64 {
	var s []float64
	for _, row := range m {
		s = append(s, row...)
	}
	return s
}

// rowsOf copies a row-major matrix into rows of the given width, turning -0
// into 0.
func rowsOf(s []float64, width int) [][]float64 {
	out := make([][]float64, 0, len(s)/width)
	for r := 0; r+width <= len(s); r += width {
		row := make([]float64, width)
		for i, v := range s[r : r+width] {
			if v != 0 { // leaves -0 as 0
				row[i] = v
			}
		}
		out = append(out, row)
	}
	return out
}

func clone2(m [][]float64) [][]float64 {
	out := make([][]float64, len(m))
	for i, row := range m {
		out[i] = append([]float64(nil), row...)
	}
	return out
}
