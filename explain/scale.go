package explain

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"github.com/backprop-go/backprop"
)

// The size of the deltas, layer by layer: the remark the derivation ends its
// worked example with (the deltas shrink as they travel back, so the first
// layers learn slowly), made with the step's own numbers.

// fprimeMax is the largest value f′(z) takes, for the activations whose
// derivative is bounded below 1 somewhere that matters.
func fprimeMax(f backprop.Activation) (string, bool) {
	switch f {
	case backprop.Sigmoid:
		return "1/4", true
	case backprop.Tanh:
		return "1", true
	}
	return "", false
}

// times writes a factor k ≥ 1 as "58" or "7.2".
func times(k float64) string {
	if k >= 10 {
		return fmt.Sprintf("%.0f", k)
	}
	return fmt.Sprintf("%.1f", k)
}

// scaleRemark is the sentence the deltas' sizes support: how many times
// smaller (or larger) layer 1's are than the output layer's, and why.
func (t *Trace) scaleRemark() string {
	ds := t.DeltaScale
	if len(ds) < 2 {
		return ""
	}
	out, first := ds[0], ds[len(ds)-1]
	if out.MeanAbsDelta == 0 {
		return "The output deltas are 0 (the outputs already equal the targets): nothing flows back, and no weight moves."
	}
	r := first.Ratio
	switch {
	case r == 0:
		return "Layer 1's deltas are all 0: nothing reaches it, so its weights do not move (a layer between has no active unit)."
	case r > 2:
		return fmt.Sprintf("Layer 1's deltas are %s times larger than the output layer's (mean |δ| %s against %s): "+
			"they grow as they travel back, because the weights they are multiplied by are large; "+
			"through many layers they would explode (a lower learning rate or smaller initial weights usually help).",
			times(r), num(first.MeanAbsDelta), num(out.MeanAbsDelta))
	case r >= 0.5:
		return fmt.Sprintf("Layer 1's deltas are about as large as the output layer's (ratio %s): the gradient keeps its size on the way back.", num(r))
	}
	s := fmt.Sprintf("Layer 1's deltas are %s times smaller than the output layer's (mean |δ| %s against %s). ",
		times(1/r), num(first.MeanAbsDelta), num(out.MeanAbsDelta))
	// Why: the delta rule (7) multiplies by f′(z) at every layer back.
	var bounds, means []string
	bounded := true
	for _, d := range ds[1:] {
		f := t.Net.Layer(d.Layer).Activation
		if m, ok := fprimeMax(f); ok {
			b := fmt.Sprintf("%s for the %s", m, activationName(f))
			if !contains(bounds, b) {
				bounds = append(bounds, b)
			}
		} else {
			bounded = false
		}
		if d.MeanFPrime > 0 {
			means = append(means, fmt.Sprintf("%s in layer %d", num(d.MeanFPrime), d.Layer))
		}
	}
	s += "Each layer back, the delta rule (7) multiplies δ by the weights and by f'(z)"
	if len(bounds) > 0 && bounded {
		s += ", which is at most " + strings.Join(bounds, ", ")
	}
	if len(means) > 0 {
		s += " (here its mean is " + strings.Join(means, ", ") + ")"
	}
	s += ": the deltas shrink on their way back."
	if r < 0.1 {
		s += " This is the vanishing-gradient problem: in a deep network the first layers' weights barely " +
			"move, so they learn very slowly (ReLU-family activations and He/Glorot initialisation are the usual remedies)."
	}
	return s
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// shrinking writes the size of each layer's deltas and the remark they support.
func (x *explainer) shrinking() {
	ds := x.t.DeltaScale
	if len(ds) < 2 {
		return
	}
	x.sub(0, "How big the deltas are, layer by layer")
	var rows [][]string
	for _, d := range ds {
		name := fmt.Sprint(d.Layer)
		if d.Layer == x.L() {
			name += " (output)"
		}
		ratio := num(d.Ratio)
		if d.Ratio > 0 && d.Ratio < 1 {
			ratio += " (1/" + times(1/d.Ratio) + ")"
		}
		fp := "-"
		if d.MeanFPrime > 0 {
			fp = num(d.MeanFPrime)
		}
		rows = append(rows, []string{name, num(d.MeanAbsDelta), ratio, fp})
	}
	head := "mean |δ|"
	if x.md {
		head = escapePipes(head) // a | ends a Markdown table's cell
	}
	x.table([]string{"layer", head, "ratio to the output's", "mean f'(z)"}, rows)
	x.gap()
	x.para(x.t.scaleRemark())
}

// deltaBars draws the mean |δ| of each layer as bars on a log scale from
// (x0, y), the output layer first, with the remark under them; it returns
// the y below them.
func (s *scene) deltaBars(t *Trace, x0, y float64) float64 {
	ds := t.DeltaScale
	if len(ds) < 2 || ds[0].MeanAbsDelta == 0 {
		return y
	}
	s.text(x0, y+fontSize, "How big the deltas are: mean |δ| by layer (log scale), ratio to the output layer's", fontSize+1, -1, true, black)
	y += 24
	hi, lo := 0.0, math.Inf(1)
	for _, d := range ds {
		if d.MeanAbsDelta > 0 {
			hi, lo = max(hi, d.MeanAbsDelta), min(lo, d.MeanAbsDelta)
		}
	}
	// The scale: the smallest bar 20 px, a decade at least 40 px, 400 px in all at most.
	decades := math.Max(math.Log10(hi/lo), 1e-9)
	perDecade := math.Min(120, 380/decades)
	const labelW = 90.0
	for _, d := range ds {
		name := fmt.Sprintf("layer %d", d.Layer)
		if d.Layer == len(t.Layers) {
			name += " (out)"
		}
		s.text(x0, y+fontSize-1, name, fontSize, -1, false, black)
		w := 0.0
		if d.MeanAbsDelta > 0 {
			w = 20 + perDecade*math.Log10(d.MeanAbsDelta/lo)
		}
		s.rect(x0+labelW, y+2, w, rowH-4, 2, color.NRGBA{0x6a, 0x3d, 0x9a, 0xff}, none, 0)
		label := num(d.MeanAbsDelta)
		if d.Layer != len(t.Layers) && d.Ratio > 0 && d.Ratio < 1 {
			label += fmt.Sprintf("  (1/%s of the output's)", times(1/d.Ratio))
		} else if d.Layer != len(t.Layers) {
			label += fmt.Sprintf("  (%s × the output's)", num(d.Ratio))
		}
		s.text(x0+labelW+w+8, y+fontSize-1, label, fontSize, -1, false, black)
		y += rowH + 4
	}
	for _, line := range wrapWords(t.scaleRemark(), 130) {
		y += rowH
		s.text(x0, y, line, fontSize, -1, false, grey)
	}
	return y + 8
}
