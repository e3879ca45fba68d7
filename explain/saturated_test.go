package explain_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/explain"
	"github.com/backprop-go/backprop/internal/exact"
)

// unmatched lists the defined activation × loss pairs that are not matched:
// their output delta is the general rule δ = J_f(z)ᵀ ∇_o J.
func unmatched() (ps [][2]string) {
	for _, f := range []backprop.Activation{backprop.Identity, backprop.Sigmoid, backprop.Tanh, backprop.ReLU, backprop.LeakyReLU, backprop.Softmax} {
		for _, J := range []backprop.Loss{backprop.Squared, backprop.Log, backprop.CrossEntropy} {
			defined := J == backprop.Squared || f == backprop.Sigmoid || f == backprop.Softmax
			if defined && !backprop.Matched(f, J) {
				ps = append(ps, [2]string{f.String(), J.String()})
			}
		}
	}
	return ps
}

// saturatedNet is one layer of two outputs on one input x = 1, no bias:
// z = W = (s, −s).
func saturatedNet(t *testing.T, f, J string, s float64) *backprop.Network[float64] {
	t.Helper()
	fa, err := backprop.ParseActivation(f)
	if err != nil {
		t.Fatal(err)
	}
	Jl, err := backprop.ParseLoss(J)
	if err != nil {
		t.Fatal(err)
	}
	return &backprop.Network[float64]{Inputs: 1, Loss: Jl, Layers: []*backprop.Layer[float64]{
		{Activation: fa, Slope: 0.125, In: 1, Out: 2, W: []float64{s, -s}}}}
}

// TestSaturatedUnmatchedPairs: for every unmatched pair at z = ±(60, −60)
// and ±(1e4, −1e4), explain's E and δ agree with the closed form
// (internal/exact) to 1e-12 relative, the text shows no NaN, and the
// gradient check passes.
func TestSaturatedUnmatchedPairs(t *testing.T) {
	for _, p := range unmatched() {
		worst := map[float64]float64{} // by |z|
		var worstGC float64
		for _, s := range []float64{60, -60, 1e4, -1e4} {
			ys := [][]float64{{1, 0}, {0, 1}, {0.25, 0.75}}
			if p[1] == "squared" {
				ys = append(ys, []float64{1, -1}, []float64{0.25, -0.5})
			}
			for _, y := range ys {
				net := saturatedNet(t, p[0], p[1], s)
				name := fmt.Sprintf("%s+%s z=(%g, %g) y=%v", p[0], p[1], s, -s, y)
				tr, err := explain.Step(net, [][]float64{{1}}, [][]float64{y}, 0.5)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				wantE, wantD := exact.Closed(p[0], p[1], 0.125, []float64{s, -s}, y)
				worst[math.Abs(s)] = math.Max(worst[math.Abs(s)], relErr(tr.Loss, wantE))
				if r := relErr(tr.Loss, wantE); r > 1e-12 {
					t.Errorf("%s: E = %.17g, closed form %.17g (relative error %.2g)", name, tr.Loss, wantE, r)
				}
				for k, d := range tr.Layers[0].Delta[0] {
					worst[math.Abs(s)] = math.Max(worst[math.Abs(s)], relErr(d, wantD[k]))
					if r := relErr(d, wantD[k]); r > 1e-12 {
						t.Errorf("%s: δ_%d = %.17g, closed form %.17g (relative error %.2g)", name, k+1, d, wantD[k], r)
					}
				}
				var text strings.Builder
				if err := tr.WriteText(&text); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(text.String(), "NaN") {
					t.Errorf("%s: the text shows NaN:\n%s", name, text.String())
				}
				checks, err := backprop.GradCheck(net, []float64{1}, y)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range checks {
					worstGC = math.Max(worstGC, c.Worst)
					if c.Worst > 1e-6 {
						t.Errorf("%s: gradcheck %s[%d][%d]: backward %g, finite difference %g (relative error %.2g)",
							name, c.Param, c.I, c.J, c.Backward, c.Numeric, c.Worst)
					}
				}
			}
		}
		t.Logf("%s: worst relative error of E and δ: %.2g at |z| = 60, %.2g at |z| = 1e4; gradcheck worst %.2g",
			p[0]+"+"+p[1], worst[60], worst[1e4], worstGC)
	}
}

// relErr is |got − want|/|want|, 0 when both are 0.
func relErr(got, want float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / math.Abs(want)
}

// TestTargetsOutsideDomain: Step refuses targets outside the loss's domain
// (it printed a negative log loss for y = 2), naming the example.
func TestTargetsOutsideDomain(t *testing.T) {
	net, x, _, alpha := explain.Article()
	_, err := explain.Step(net, x, [][]float64{{2}}, alpha)
	want := "example 1: y_1 = 2, want a value in [0, 1] (the log loss's targets are probabilities)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
