package explain

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

// numberToken is a number in the text: not part of a name such as a1_2 or
// w2_13 (a digit after a letter, '_' or ',').
var numberToken = regexp.MustCompile(`(?:^|[^\pL\pN_.,^])(-?\d+(?:\.\d+)?(?:e[+-]\d+)?|[+-]?Inf|NaN)`)

// TestEveryNumberIsTheEngines: every number explain prints in its equations
// and tables (from "1. Forward pass" on) is one the engine computed or was
// given, as the trace holds it: x, y, the weights, α, z, a, δ, ∂E/∂a, f', the
// softmax sums, the losses, the gradients, the weights and outputs after the
// step. Also allowed: the constants 0, 1 and 2 of the formulas ("1 - a",
// "·1" for a bias), the example numbers, and in a batch's table the terms
// δ·a of a gradient's sum over the examples (whose total is the engine's),
// and the table of the deltas' sizes (means of the engine's |δ| and f′, and
// their ratios).
// Checked on the reference cases, the worked example and saturated outputs
// of every unmatched pair.
func TestEveryNumberIsTheEngines(t *testing.T) {
	type refCase struct {
		Name  string          `json:"name"`
		Model json.RawMessage `json:"model"`
		X, Y  [][]float64
		LR    float64 `json:"lr"`
	}
	var file struct{ Cases []refCase }
	data, err := os.ReadFile("../testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	var traces []*Trace
	var names []string
	for _, c := range file.Cases {
		net, err := backprop.UnmarshalModel[float64](c.Model)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := Step(net, c.X, c.Y, c.LR)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		traces, names = append(traces, tr), append(names, c.Name)
	}
	net, x, y, alpha := Article()
	tr, err := Step(net, x, y, alpha)
	if err != nil {
		t.Fatal(err)
	}
	traces, names = append(traces, tr), append(names, "article")
	for _, f := range []backprop.Activation{backprop.Sigmoid, backprop.Tanh, backprop.Softmax} {
		for _, J := range []backprop.Loss{backprop.Squared, backprop.Log, backprop.CrossEntropy} {
			for _, s := range []float64{60, -1e4} {
				net := &backprop.Network[float64]{Inputs: 1, Loss: J, Layers: []*backprop.Layer[float64]{
					{Activation: backprop.Tanh, In: 1, Out: 2, W: []float64{0.5, -1}, B: []float64{0.1, 0.2}},
					{Activation: f, In: 2, Out: 2, W: []float64{s, 0, -s, 1}}}}
				if net.Validate() != nil {
					continue
				}
				tr, err := Step(net, [][]float64{{1}}, [][]float64{{1, 0}}, 0.5)
				if err != nil {
					t.Fatal(err)
				}
				traces, names = append(traces, tr), append(names, fmt.Sprintf("%s+%s at %g", f, J, s))
			}
		}
	}
	for i, tr := range traces {
		allowed := engineNumbers(tr)
		var b strings.Builder
		if err := tr.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		text := b.String()
		text = text[strings.Index(text, "1. Forward pass"):]
		bad, checked := 0, 0
		for _, line := range strings.Split(text, "\n") {
			if !strings.HasPrefix(line, "  ") {
				continue // prose and headings
			}
			for _, m := range numberToken.FindAllStringSubmatch(line, -1) {
				checked++
				if !allowed[m[1]] && !allowed[strings.TrimPrefix(m[1], "-")] {
					if bad++; bad <= 5 {
						t.Errorf("%s: %q is not an engine value, in:\n%s", names[i], m[1], line)
					}
				}
			}
		}
		if checked < 20 {
			t.Errorf("%s: only %d numbers found in the text", names[i], checked)
		}
	}
}

// engineNumbers returns the printed forms of the values of a trace.
func engineNumbers(t *Trace) map[string]bool {
	set := map[string]bool{"0": true, "1": true, "2": true}
	add := func(vs ...float64) {
		for _, v := range vs {
			set[num(v)], set[num(-v)] = true, true
		}
	}
	add2 := func(m [][]float64) {
		for _, row := range m {
			add(row...)
		}
	}
	for r := range t.X {
		add(float64(r + 1))
	}
	add2(t.X)
	add2(t.Y)
	add2(t.OutputAfter)
	add(t.Alpha, t.Loss, t.LossAfter, t.unmasked)
	add(t.Losses...)
	for _, d := range t.DeltaScale { // means of the engine's δ and f′, and their ratios
		add(float64(d.Layer), d.MeanAbsDelta, d.Ratio, d.MeanFPrime)
		if d.Ratio > 0 {
			set[times(1/d.Ratio)] = true
		}
	}
	for l, lay := range t.Net.Layers {
		add(lay.W...)
		add(lay.B...)
		add(lay.Slope)
		lt := t.Layers[l]
		for _, m := range [][][]float64{lt.Z, lt.A, lt.Delta, lt.G, lt.FPrime, lt.Norm, lt.GradWeights, lt.WeightsAfter} {
			add2(m)
		}
		add(lt.GradBias...)
		add(lt.BiasAfter...)
		if len(t.X) > 1 { // the terms δ·a of the gradients' sums over the examples
			for r := range t.X {
				in := append([]float64{1}, t.X[r]...)
				if l > 0 {
					in = append([]float64{1}, t.Layer(l).A[r]...)
				}
				for _, d := range lt.Delta[r] {
					for _, a := range in {
						add(d * a)
					}
				}
			}
		}
	}
	return set
}
