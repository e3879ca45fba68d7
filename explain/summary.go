package explain

import (
	"fmt"
	"math"
	"sort"
)

// The summary of a step too large to print number by number.

// SummaryWork is the size, counted as parameters × examples, above which
// WriteText and WriteMarkdown summarise the step instead of printing every
// number (about two lines a parameter: a 4-128-64-3 network would take some
// 17,000 lines); set Trace.Full to print every number anyway.
const SummaryWork = 1024

// Summarised reports whether WriteText and WriteMarkdown summarise the
// step: it is larger than SummaryWork and Full is not set.
func (t *Trace) Summarised() bool {
	params := 0
	for _, lay := range t.Net.Layers {
		params += len(lay.W) + len(lay.B)
	}
	return !t.Full && params*len(t.X) > SummaryWork
}

// stat is the mean and the largest |v| over a matrix.
func stat(m [][]float64) (mean, most float64) {
	n := 0
	for _, row := range m {
		for _, v := range row {
			mean += math.Abs(v)
			most = math.Max(most, math.Abs(v))
			n++
		}
	}
	if n > 0 {
		mean /= float64(n)
	}
	return mean, most
}

// summary writes the step layer by layer: shape, the sizes of z, a and δ,
// the gradient's norm and the update's against the weights'; the deltas'
// sizes; the ten largest gradients by name; the error and outputs before and
// after the step.
func (x *explainer) summary() {
	t := x.t
	params := 0
	for _, lay := range x.net.Layers {
		params += len(lay.W) + len(lay.B)
	}
	x.section("Summary")
	x.para(fmt.Sprintf("The step has %s × %s: too many numbers to print one by one, so here are their sizes, "+
		"layer by layer (every number: --full). Each figure is taken from the numbers the engine computed: "+
		"means and largest values of |z|, |a| and |δ| over the neurons and the examples, the norm of the gradient "+
		"$‖∂E/∂W^l‖$ (weights and biases), and the update against the weights, $‖ΔW^l‖/‖W^l‖$ with $ΔW = -α·∂E/∂W$.",
		plural(params, "parameter"), plural(x.rows(), "example")))
	x.gap()
	var rows [][]string
	for l := 1; l <= x.L(); l++ {
		lay, lt := x.layer(l), t.Layer(l)
		zm, zx := stat(lt.Z)
		am, ax := stat(lt.A)
		dm, dx := stat(lt.Delta)
		var g2, d2, w2 float64
		for i, row := range lt.GradWeights {
			for j, g := range row {
				g2 += g * g
				old := lay.W[i*lay.In+j]
				d := lt.WeightsAfter[i][j] - old
				d2 += d * d
				w2 += old * old
			}
		}
		for i, g := range lt.GradBias {
			g2 += g * g
			d := lt.BiasAfter[i] - lay.B[i]
			d2 += d * d
			w2 += lay.B[i] * lay.B[i]
		}
		ratio := "-"
		if w2 > 0 {
			ratio = num(math.Sqrt(d2 / w2))
		}
		rows = append(rows, []string{fmt.Sprint(l), fmt.Sprintf("%d×%d %s", lay.Out, lay.In, lay.Activation),
			num(zm), num(zx), num(am), num(ax), num(dm), num(dx), num(math.Sqrt(g2)), ratio})
	}
	head := []string{"layer", "shape", "mean |z|", "max |z|", "mean |a|", "max |a|", "mean |δ|", "max |δ|", "‖∂E/∂W‖", "‖ΔW‖/‖W‖"}
	if x.md {
		for i, h := range head {
			head[i] = escapePipes(h)
		}
	}
	x.table(head, rows)
	x.gap()
	x.shrinking()

	// The ten largest gradients, by name.
	type grad struct {
		name          string
		g, old, after float64
	}
	var gs []grad
	for l := 1; l <= x.L(); l++ {
		lay, lt := x.layer(l), t.Layer(l)
		for i, row := range lt.GradWeights {
			for j, g := range row {
				if present(lay, i*lay.In+j) {
					gs = append(gs, grad{wName(l, i, j+1), g, lay.W[i*lay.In+j], lt.WeightsAfter[i][j]})
				}
			}
		}
		for i, g := range lt.GradBias {
			gs = append(gs, grad{wName(l, i, 0), g, lay.B[i], lt.BiasAfter[i]})
		}
	}
	sort.SliceStable(gs, func(a, b int) bool { return math.Abs(gs[a].g) > math.Abs(gs[b].g) })
	gs = gs[:min(10, len(gs))]
	x.sub(0, "The largest gradients")
	var grows [][]string
	for _, g := range gs {
		grows = append(grows, []string{g.name, num(g.g), num(g.old), num(g.after)})
	}
	x.table([]string{"w", "∂E/∂w", "old", fmt.Sprintf("new = old - %s·∂E/∂w", num(t.Alpha))}, grows)
	x.gap()

	x.sub(0, "Before and after the step")
	x.para(fmt.Sprintf("The error E went from %s to %s.", num(t.Loss), num(t.LossAfter)))
	if n := x.net.Outputs(); n <= 12 {
		var orows [][]string
		for k := range n {
			orows = append(orows, []string{aName(x.L(), k), num(x.a(x.L(), 0)[k]), num(t.OutputAfter[0][k]), num(t.Y[0][k])})
		}
		if x.rows() > 1 {
			x.para("The outputs of example 1:")
		}
		x.table([]string{"output", "before", "after", "target"}, orows)
	}
}

// escapePipes escapes | for a Markdown table's cell.
func escapePipes(s string) string {
	var b []rune
	for _, r := range s {
		if r == '|' {
			b = append(b, '\\')
		}
		b = append(b, r)
	}
	return string(b)
}
