package explain

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/backprop-go/backprop"
)

// WriteText writes the step as the worked example of the article walks it,
// as plain text of at most 100 columns: the forward pass neuron by neuron,
// the loss, the output deltas, the delta rule back through the hidden
// layers, every weight's gradient and update, and the output after the step.
// A step larger than SummaryWork is summarised (see Summarised), unless
// t.Full is set.
func (t *Trace) WriteText(w io.Writer) error { return t.write(w, false) }

// WriteMarkdown writes what WriteText writes as a Markdown document, with the
// equations in LaTeX math ($...$ inline, $$...$$ displayed), the updates
// in tables and the picture of WriteSVG embedded as a data: URI image, so
// the file stands alone: a handout for a class.
func (t *Trace) WriteMarkdown(w io.Writer) error { return t.write(w, true) }

func (t *Trace) write(w io.Writer, md bool) error {
	x := &explainer{doc: newDoc(md), t: t, net: t.Net}
	x.header()
	if md {
		if err := x.figure(); err != nil {
			return err
		}
	}
	if t.Summarised() {
		x.summary()
		_, err := w.Write(x.b.Bytes())
		return err
	}
	x.forward()
	x.loss()
	x.outputDeltas()
	x.hiddenDeltas()
	x.shrinking()
	x.updates()
	x.after()
	if t.article {
		x.article()
	}
	_, err := w.Write(x.b.Bytes())
	return err
}

// explainer walks a trace and writes it into a doc.
type explainer struct {
	*doc
	t   *Trace
	net *backprop.Network[float64]
}

// Names in the text notation: layer l, neuron i (1-based), input j (0 for
// the bias).

func aName(l, i int) string { return fmt.Sprintf("a%d_%d", l, i+1) }
func zName(l, i int) string { return fmt.Sprintf("z%d_%d", l, i+1) }
func dName(l, i int) string { return fmt.Sprintf("δ%d_%d", l, i+1) }
func gName(l, i int) string { return fmt.Sprintf("g%d_%d", l, i+1) }
func yName(k int) string    { return fmt.Sprintf("y_%d", k+1) }

// wName names w^l_ij, where j is the 1-based neuron of layer l-1 and 0 the
// bias; "w2_1,13" when an index has two digits.
func wName(l, i, j int) string {
	if i+1 < 10 && j < 10 {
		return fmt.Sprintf("w%d_%d%d", l, i+1, j)
	}
	return fmt.Sprintf("w%d_%d,%d", l, i+1, j)
}

func (x *explainer) L() int                               { return x.net.L() }
func (x *explainer) rows() int                            { return len(x.t.X) }
func (x *explainer) layer(l int) *backprop.Layer[float64] { return x.net.Layer(l) }

// a returns a^l of example r (a^0 is x).
func (x *explainer) a(l, r int) []float64 {
	if l == 0 {
		return x.t.X[r]
	}
	return x.t.Layer(l).A[r]
}

// article name of neuron i of layer l, for the worked example ("" otherwise).
func (x *explainer) alias(l, i int) string {
	if !x.t.article {
		return ""
	}
	return articleNames[l][i]
}

// layerHeading is "Layer l", with the article's names of its neurons for
// the worked example.
func (x *explainer) layerHeading(l int) string {
	h := fmt.Sprintf("Layer %d", l)
	if x.t.article {
		h += " (" + strings.Join(articleNames[l], ", ") + ")"
	}
	return h
}

// layerLevel is the level of a layer's subheading: under an example's in a
// batch.
func (x *explainer) layerLevel() int {
	if x.rows() > 1 {
		return 1
	}
	return 0
}

// plural returns "1 example" or "n examples".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// exampleHeading writes the heading of example r in a batch (nothing for a
// single example).
func (x *explainer) exampleHeading(r int) {
	if x.rows() > 1 {
		x.sub(0, fmt.Sprintf("Example %d", r+1))
	}
}

func (x *explainer) header() {
	t, net := x.t, x.net
	L := net.L()
	x.title("One step of backpropagation, number by number")
	var desc []string
	desc = append(desc, fmt.Sprintf("The network: %s", plural(net.Inputs, "input")))
	for l := 1; l <= L; l++ {
		lay := x.layer(l)
		s := fmt.Sprintf("layer %d", l)
		if l == L {
			s += " (the output)"
		}
		s += fmt.Sprintf(": %s", plural(lay.Out, lay.Activation.String()+" neuron"))
		if lay.Activation == backprop.LeakyReLU {
			s += fmt.Sprintf(" (slope %s)", num(lay.Slope))
		}
		if lay.B == nil {
			s += ", no bias"
		}
		if n := absent(lay); n > 0 {
			s += fmt.Sprintf(", %d of %d connections absent", n, len(lay.W))
		}
		desc = append(desc, s)
	}
	x.para(strings.Join(desc, "; ") + ".")
	x.para(fmt.Sprintf("The loss: %s, $%s$ for one example; %s is the sum of the examples' losses "+
		"(not their mean). The learning rate: $α = %s$. The batch: %s.",
		lossLong(net.Loss), lossFormula(net.Loss), "$E$", num(t.Alpha), plural(x.rows(), "example")))
	if t.article {
		x.para("This is the worked example of the article (docs/notation.md). Its names for the neurons: " +
			"$x1, x2 = a0_1, a0_2$; $h1, h2, h3 = a1_1, a1_2, a1_3$; $h4, h5 = a2_1, a2_2$; $o = a3_1$.")
	}
	x.para(fmt.Sprintf("Notation (docs/notation.md, whose equation numbers are cited below): layers are numbered $l = 0, …, %d$; layer 0 is the input x, "+
		"layer %d the output o. For neuron i of layer l:", L, L))
	e := min(2, L) // the layer of the examples of names
	x.list([][2]string{
		{aName(e, 0), fmt.Sprintf("its activation $a^l_i$ (here $l = %d$, $i = 1$); $a0_j$ is the input $x_j$, ", e) +
			fmt.Sprintf("$a%d_k$ the output $o_k$", L)},
		{zName(e, 0), "its net input $z^l_i = Σ_j w^l_ij·a^(l-1)_j + w^l_i0·1$"},
		{dName(e, 0), "its delta $δ^l_i = ∂E/∂z^l_i$"},
		{wName(e, 0, 3), "the weight $w^l_ij$ from neuron j of layer $l-1$ to neuron i of layer l " +
			fmt.Sprintf("($w%d_1,13$ if an index has two digits)", e)},
		{wName(e, 0, 0), "the bias of neuron i: a weight $w^l_i0$ on a constant input $a^(l-1)_0 = 1$"},
	})
	x.gap()
	x.para("Absent connections are left out of every sum. Numbers are rounded to 6 significant " +
		"digits; the engine that trains computed them, in float64.")
}

// absent counts the absent connections of a layer.
func absent(lay *backprop.Layer[float64]) int {
	n := 0
	for k := range lay.W {
		if !present(lay, k) {
			n++
		}
	}
	return n
}

func lossLong(J backprop.Loss) string {
	switch J {
	case backprop.Squared:
		return "squared error"
	case backprop.Log:
		return "log loss (binary cross-entropy)"
	default:
		return "cross-entropy"
	}
}

// lossFormula is J of the engine's table.
func lossFormula(J backprop.Loss) string { return "J = " + J.Formulas().J }

// activationName is f's name in prose.
func activationName(f backprop.Activation) string { return strings.ReplaceAll(f.String(), "-", " ") }

// slopeName is the leaky slope s in a formula of the table.
var slopeName = regexp.MustCompile(`\bs\b`)

// withSlope writes a leaky relu's slope s into a formula of the table.
func withSlope(lay *backprop.Layer[float64], formula string) string {
	if lay.Activation == backprop.LeakyReLU {
		return slopeName.ReplaceAllLiteralString(formula, num(lay.Slope))
	}
	return formula
}

// piecewise writes "lhs = formula" with $math$, a formula "X if C, else Y"
// of the table as "$lhs = X$ if $C$, else Y": Y bare when it is a number,
// else "$lhs = Y$" when repeat, else "$Y$".
func piecewise(lhs, formula string, repeat bool) string {
	x, rest, ok := strings.Cut(formula, " if ")
	if !ok {
		return "$" + lhs + " = " + formula + "$"
	}
	c, y, _ := strings.Cut(rest, ", else ")
	switch _, err := strconv.ParseFloat(y, 64); {
	case err == nil:
	case repeat:
		y = "$" + lhs + " = " + y + "$"
	default:
		y = "$" + y + "$"
	}
	return "$" + lhs + " = " + x + "$ if $" + c + "$, else " + y
}

// activationFormula describes f of a layer, in prose with $math$.
func activationFormula(lay *backprop.Layer[float64]) string {
	f := lay.Activation
	if f == backprop.Softmax {
		return "softmax, $a_i = " + f.Formulas().F + "$"
	}
	return activationName(f) + ", " + piecewise("a", withSlope(lay, f.Formulas().F), true)
}

// derivativeFormula describes f' of a layer, in prose with $math$.
func derivativeFormula(lay *backprop.Layer[float64]) string {
	f := lay.Activation
	if f == backprop.Softmax {
		return "softmax, $δ_i = " + f.Formulas().Backward + "$ with $g_i = ∂E/∂a_i$"
	}
	return activationName(f) + ", " + piecewise("f'(z)", withSlope(lay, f.Formulas().Derivative), false)
}

// subst writes the names or numbers of output k into a formula of the table:
// o_k (or o) and y_k (or y).
func subst(formula, o, y string) string {
	r := strings.NewReplacer("o_k", o, "y_k", y, "o", o, "y", y)
	return r.Replace(formula)
}

// paren puts a formula in parentheses when it is a sum at its top level.
func paren(s string) string {
	depth := 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case '+', '-':
			if depth == 0 && i > 0 && s[i-1] == ' ' {
				return "(" + s + ")"
			}
		}
	}
	return s
}

// saturated reports whether v prints as 0, 1 or -1: an activation or output
// whose formula, written with its rounded value, would not show the value the
// engine computed from z.
func saturated(v float64) bool {
	n := num(v)
	return n == "0" || n == "1" || n == "-1"
}

// sum returns the terms of Σ_k c_k·v_k, symbolic (names) and numeric, over
// the given indices. Negative coefficients after the first are written as
// a subtraction.
func sum(names []string, coef, vals []float64) (sym, numeric []string) {
	for k := range names {
		p := "·" + factor(vals[k])
		c := num(coef[k])
		switch {
		case k == 0:
			sym = append(sym, names[k])
			numeric = append(numeric, c+p)
		case coef[k] < 0:
			sym = append(sym, " + "+names[k])
			numeric = append(numeric, " - "+num(-coef[k])+p)
		default:
			sym = append(sym, " + "+names[k])
			numeric = append(numeric, " + "+c+p)
		}
	}
	return sym, numeric
}

func (x *explainer) forward() {
	x.section("1. Forward pass")
	x.para("Layer by layer, each neuron adds up its weighted inputs, $z^l_i = Σ_j w^l_ij·a^(l-1)_j + w^l_i0·1$, " +
		"and applies the layer's activation, $a^l_i = f(z^l_i)$: equations (1) and (2).")
	x.record()
	if x.rows() == 1 {
		x.para(fmt.Sprintf("The example: $x = %s$, target $y = %s$.", vec(x.t.X[0]), vec(x.t.Y[0])))
	}
	for r := range x.t.X {
		if x.rows() > 1 {
			x.sub(0, fmt.Sprintf("Example %d: $x = %s$, $y = %s$", r+1, vec(x.t.X[r]), vec(x.t.Y[r])))
		}
		for l := 1; l <= x.L(); l++ {
			lay := x.layer(l)
			x.sub(x.layerLevel(), x.layerHeading(l)+": "+activationFormula(lay))
			z, a := x.t.Layer(l).Z[r], x.t.Layer(l).A[r]
			var es []eq
			for i := range lay.Out {
				es = append(es, x.netInput(l, i, r))
				if lay.Activation != backprop.Softmax {
					es = append(es, activationEq(lay, l, i, z[i], a[i]))
				}
			}
			if lay.Activation == backprop.Softmax {
				es = append(es, x.softmaxEqs(l, z, a, x.t.Layer(l).Norm[r][0])...)
			}
			x.eqs(es...)
		}
	}
}

// record shows where x came from, when it came from a model's raw record:
// each field's raw value beside x_j = a0_j, what the model's input scaling
// made of it (the network's input, as predict feeds it).
func (x *explainer) record() {
	in := x.t.Input
	if in == nil {
		return
	}
	how := "its scaling, fitted on the training data"
	if in.Categories != nil {
		how += "; a categorical feature's raw value is the index of its category, which sets one of its one-hot inputs"
	}
	for _, r := range in.Raw {
		if slices.ContainsFunc(r, math.IsNaN) {
			how += "; a missing value is filled first, as training filled it"
			break
		}
	}
	x.para("The model's input pipeline turns each raw record of its data into the network's input x (" + how + "):")
	head := []string{"feature", "raw", "x = a0_j"}
	if x.rows() > 1 {
		head = append([]string{"example"}, head...)
	}
	if !in.fits(len(x.t.X[0]), x.rows()) {
		x.para("(The raw records given do not fit x, feature by feature: they are not shown.)")
		return
	}
	var rows [][]string
	for r := range x.t.X {
		k := 0 // the first input of x of feature j
		for j, f := range in.Features {
			w := in.width(j)
			row := []string{f, in.value(j, in.Raw[r][j]), oneHot(x.t.X[r][k:k+w], k, in.categories(j))}
			if x.rows() > 1 {
				row = append([]string{fmt.Sprint(r + 1)}, row...)
			}
			rows = append(rows, row)
			k += w
		}
		if r < len(in.Target) && in.Target[r] != "" {
			row := []string{"target", in.Target[r], "y = " + vec(x.t.Y[r])}
			if x.rows() > 1 {
				row = append([]string{fmt.Sprint(r + 1)}, row...)
			}
			rows = append(rows, row)
		}
	}
	x.table(head, rows)
	x.gap()
}

// oneHot formats the inputs of x that one feature gives, from input k: the
// value of a numeric feature's one input; a categorical feature's one-hot
// inputs, named a0_(k+1)…, with the category they set ("none": an unknown
// category, all zeros), listed when there are at most ten.
func oneHot(v []float64, k int, cats []string) string {
	if cats == nil {
		return num(v[0])
	}
	set := "none"
	for c, a := range v {
		if a == 1 {
			set = cats[c]
		}
	}
	span := aName(0, k) + "…" + aName(0, k+len(v)-1)
	if len(v) <= 10 {
		return span + " = " + vec(v) + ": " + set
	}
	for c, a := range v {
		if a == 1 {
			return fmt.Sprintf("%s = 1: %s, the other %d of %s 0", aName(0, k+c), set, len(v)-1, span)
		}
	}
	return fmt.Sprintf("%s all 0: none", span)
}

// netInput is the equation of z^l_i for example r.
func (x *explainer) netInput(l, i, r int) eq {
	lay := x.layer(l)
	var names []string
	var coef, vals []float64
	for j := range lay.In {
		if present(lay, i*lay.In+j) {
			names = append(names, wName(l, i, j+1)+"·"+aName(l-1, j))
			coef = append(coef, lay.W[i*lay.In+j])
			vals = append(vals, x.a(l-1, r)[j])
		}
	}
	if lay.B != nil {
		names = append(names, wName(l, i, 0)+"·1")
		coef = append(coef, lay.B[i])
		vals = append(vals, 1)
	}
	zi := x.t.Layer(l).Z[r][i]
	if len(names) == 0 {
		return eq{lhs: zName(l, i), lines: [][]string{{"0   (no connections in, no bias)"}}}
	}
	sym, numeric := sum(names, coef, vals)
	return eq{lhs: zName(l, i), lines: [][]string{sym, append(numeric, " = "+num(zi))}}
}

// activationEq is the equation of a^l_i = f(z^l_i) for an elementwise f.
func activationEq(lay *backprop.Layer[float64], l, i int, z, a float64) eq {
	var terms []string
	switch lay.Activation {
	case backprop.Identity:
		terms = []string{zName(l, i), " = " + num(a)}
	case backprop.Sigmoid:
		terms = []string{"sigmoid(" + num(z) + ")", " = " + num(a)}
	case backprop.Tanh:
		terms = []string{"tanh(" + num(z) + ")", " = " + num(a)}
	case backprop.ReLU:
		terms = []string{"relu(" + num(z) + ")", " = max(0, " + num(z) + ")", " = " + num(a)}
	case backprop.LeakyReLU:
		terms = []string{"leaky(" + num(z) + ")"}
		if z <= 0 {
			terms = append(terms, " = "+num(lay.Slope)+"·"+factor(z))
		}
		terms = append(terms, " = "+num(a))
	}
	return eq{lhs: aName(l, i), lines: [][]string{terms}, oneLine: true}
}

// softmaxEqs are the equations of a softmax layer's a^l from its z^l, with
// the engine's sum norm = Σ_k e^(z_k).
func (x *explainer) softmaxEqs(l int, z, a []float64, norm float64) []eq {
	var sym, numeric []string
	for k, v := range z {
		sep := ""
		if k > 0 {
			sep = " + "
		}
		sym = append(sym, sep+"e^("+zName(l, k)+")")
		numeric = append(numeric, sep+"e^("+num(v)+")")
	}
	sumName := fmt.Sprintf("Σ_k e^(z%d_k)", l)
	es := []eq{{lhs: sumName, lines: [][]string{sym, append(numeric, " = "+num(norm))}}}
	for i := range a {
		es = append(es, eq{lhs: aName(l, i), lines: [][]string{
			{"e^(" + zName(l, i) + ")/" + sumName},
			{"e^(" + num(z[i]) + ")/" + num(norm), " = " + num(a[i])},
		}, oneLine: true})
	}
	return es
}

func (x *explainer) loss() {
	t := x.t
	x.section("2. Loss")
	x.para(fmt.Sprintf("The %s of one example: $%s$, where o is the output $a%d$ (equations (L1) to (L3) and (3)).",
		lossLong(x.net.Loss), lossFormula(x.net.Loss), x.L()))
	var es []eq
	for r := range t.X {
		lhs := "J"
		if x.rows() > 1 {
			lhs = fmt.Sprintf("J_%d", r+1)
		}
		es = append(es, eq{lhs: lhs, lines: [][]string{append(x.lossTerms(r), " = "+num(t.Losses[r]))}, oneLine: true})
	}
	x.eqs(es...)
	x.gap()
	saturated := false
	for r := range t.X {
		saturated = saturated || anySaturated(x.a(x.L(), r))
	}
	if saturated && x.net.Loss != backprop.Squared {
		x.para("An output has saturated (it prints as 0 or 1): the engine takes $log(o)$ and $log(1 - o)$ " +
			"from z, not from the rounded o (docs/notation.md, (10)), so J stays exact.")
	}
	if x.rows() == 1 {
		x.para(fmt.Sprintf("E is the sum of the examples' losses; with one example, $E = J = %s$.", num(t.Loss)))
		return
	}
	x.para("E is the sum of the examples' losses (not their mean):")
	var sym, numeric []string
	for r := range t.X {
		sep := ""
		if r > 0 {
			sep = " + "
		}
		sym = append(sym, fmt.Sprintf("%sJ_%d", sep, r+1))
		numeric = append(numeric, sep+num(t.Losses[r]))
	}
	x.eqs(eq{lhs: "E", lines: [][]string{sym, append(numeric, " = "+num(t.Loss))}, oneLine: true})
}

// lossTerms writes J(y, o) of example r with its numbers.
func (x *explainer) lossTerms(r int) []string {
	o, y := x.a(x.L(), r), x.t.Y[r]
	var terms []string
	switch x.net.Loss {
	case backprop.Squared:
		for k := range o {
			sep := ""
			if k > 0 {
				sep = " + "
			}
			terms = append(terms, sep+"("+num(o[k])+" - "+factor(y[k])+")²")
		}
		terms[0] = "½·(" + terms[0]
		terms[len(terms)-1] += ")"
	case backprop.Log:
		for k := range o {
			sep := "-"
			if k > 0 {
				sep = " - "
			}
			switch y[k] {
			case 1:
				terms = append(terms, sep+"log("+num(o[k])+")")
			case 0:
				terms = append(terms, sep+"log(1 - "+num(o[k])+")")
			default:
				terms = append(terms, fmt.Sprintf("%s(%s·log(%s) + %s·log(1 - %s))",
					sep, factor(y[k]), num(o[k]), factor(1-y[k]), num(o[k])))
			}
		}
	case backprop.CrossEntropy:
		for k := range o {
			if y[k] == 0 {
				continue
			}
			sep := "-"
			if len(terms) > 0 {
				sep = " - "
			}
			if y[k] == 1 {
				terms = append(terms, sep+"log("+num(o[k])+")")
			} else {
				terms = append(terms, sep+factor(y[k])+"·log("+num(o[k])+")")
			}
		}
		if len(terms) == 0 {
			terms = []string{"0"}
		}
	}
	return terms
}

func (x *explainer) outputDeltas() {
	L := x.L()
	lay := x.layer(L)
	x.section("3. Output deltas")
	J := x.net.Loss
	f := lay.Activation
	matched := backprop.Matched(f, J)
	grad := J.Formulas().Gradient
	switch {
	case matched && J == backprop.Squared:
		x.para(fmt.Sprintf("$δ%d_k = ∂E/∂z%d_k$ (equations (4) to (6)). An identity output with the squared loss is a matched pair: "+
			"$∂J/∂o = %s$ and $f'(z) = %s$, so $δ = o - y$.", L, L, J.Formulas().Factored, f.Formulas().Derivative))
	case matched && J == backprop.Log:
		x.para(fmt.Sprintf("$δ%d_k = ∂E/∂z%d_k$ (equations (4) to (6)). A sigmoid output with the log loss is a matched pair: "+
			"$∂J/∂o = %s$ and the sigmoid's derivative $%s$ cancel, so $δ = o - y$.", L, L,
			J.Formulas().Factored, strings.ReplaceAll(f.Formulas().Derivative, "a", "o")))
	case matched:
		x.para(fmt.Sprintf("$δ%d_k = ∂E/∂z%d_k$ (equations (4) to (6)). A softmax output with the cross-entropy loss is a matched pair: "+
			"$∂J/∂o_k = %s$, and through the softmax's Jacobian, %s, "+
			"this gives $δ_i = o_i·Σ_k y_k - y_i = o_i - y_i$ (the targets sum to 1): $δ = o - y$.", L, L,
			grad, piecewise("∂a_k/∂z_i", f.Formulas().Derivative, false)))
	case f == backprop.Softmax:
		x.para(fmt.Sprintf("$δ%d_k = ∂E/∂z%d_k$ (equations (4), (5)). A softmax output with the %s is not a matched pair, "+
			"and softmax couples the outputs (each $a_i$ depends on every $z_k$), so δ is the Jacobian product: "+
			"$δ_i = %s$, where $g_k = ∂J/∂o_k = %s$.", L, L, lossLong(J), f.Formulas().Backward, grad))
	default:
		x.para(fmt.Sprintf("$δ%d_k = ∂E/∂z%d_k$ (equations (4), (5)). A %s output with the %s is not a matched pair, "+
			"so δ is not $o - y$: by the chain rule $δ = ∂J/∂o·f'(z)$, with $∂J/∂o = %s$ and %s.",
			L, L, f, lossLong(J), strings.ReplaceAll(grad, "_k", ""),
			piecewise("f'(z)", withSlope(lay, f.Formulas().Derivative), false)))
	}
	lt := x.t.Layer(L)
	for r := range x.t.X {
		x.exampleHeading(r)
		a, y := x.a(L, r), x.t.Y[r]
		delta := lt.Delta[r]
		var es []eq
		switch {
		case matched:
			for k := range a {
				line := []string{num(a[k]) + " - " + factor(y[k]), " = " + num(delta[k])}
				if saturated(a[k]) && delta[k] != a[k]-y[k] {
					line = append(line, "   ("+aName(L, k)+" → "+num(a[k])+")")
				}
				es = append(es, eq{lhs: dName(L, k), lines: [][]string{{aName(L, k) + " - " + yName(k)}, line}, oneLine: true})
			}
		case f == backprop.Softmax:
			for k := range a {
				gsym, gnum := x.gradText(L, k, a[k], y[k], lt.G[r][k])
				lines := [][]string{{gsym}, {gnum, " = " + num(lt.G[r][k])}}
				if saturated(a[k]) { // the formula with o rounded would not give g
					lines = [][]string{{gsym, " = " + num(lt.G[r][k])}}
				}
				es = append(es, eq{lhs: gName(L, k), lines: lines, oneLine: true})
			}
			es = append(es, softmaxDeltaEqs(L, a, lt.G[r], lt.FPrime[r][0], delta)...)
		default:
			for k := range a {
				gsym, gnum := x.gradText(L, k, a[k], y[k], lt.G[r][k])
				fsym, fnum, note := derivText(lay, L, k, lt.Z[r][k], a[k], lt.FPrime[r][k])
				lines := [][]string{{"(" + gsym + ")·" + fsym}, {"(" + gnum + ")·" + fnum, " = " + num(delta[k]), note}}
				es = append(es, eq{lhs: dName(L, k), lines: lines, oneLine: true})
			}
		}
		x.eqs(es...)
		if anySaturated(a) {
			x.para("Where an output has saturated (marked → 0 or → 1: it prints as 0 or 1), the numbers " +
				"shown are the engine's: it takes f'(z), ∂J/∂o, o - y and δ from z in closed form " +
				"(docs/notation.md, (10)), and divides nothing by o or 1 - o.")
		}
	}
}

// anySaturated reports whether any value prints as 0, 1 or -1.
func anySaturated(a []float64) bool {
	for _, v := range a {
		if saturated(v) {
			return true
		}
	}
	return false
}

// gradText writes ∂J/∂o_k of output k from the table's formula, symbolic and with
// numbers; where o_k has saturated, the numbers are the engine's value g.
func (x *explainer) gradText(L, k int, o, y, g float64) (sym, numeric string) {
	grad := x.net.Loss.Formulas().Gradient
	sym = subst(grad, aName(L, k), yName(k))
	if saturated(o) {
		return sym, num(g)
	}
	return sym, subst(grad, num(o), factor(y))
}

// derivText writes f'(z^l_i) for an elementwise activation from the table's
// formula: symbolic, with numbers (the engine's f' where a has saturated),
// and a note saying which side of 0 z is for relu and leaky relu.
func derivText(lay *backprop.Layer[float64], l, i int, z, a, fp float64) (sym, numeric, note string) {
	an := aName(l, i)
	switch lay.Activation {
	case backprop.ReLU, backprop.LeakyReLU:
		name, side := "relu'", "> 0"
		if lay.Activation == backprop.LeakyReLU {
			name = "leaky'"
		}
		if z <= 0 {
			side = "≤ 0"
		}
		return name + "(" + zName(l, i) + ")", num(fp), fmt.Sprintf("   (%s = %s %s)", zName(l, i), num(z), side)
	case backprop.Softmax:
		panic("explain: derivText of softmax")
	}
	d := lay.Activation.Formulas().Derivative
	if saturated(a) && lay.Activation != backprop.Identity {
		return paren(strings.ReplaceAll(d, "a", an)), factor(fp), "   (" + an + " → " + num(a) + ")"
	}
	return paren(strings.ReplaceAll(d, "a", an)), paren(strings.ReplaceAll(d, "a", factor(a))), ""
}

// softmaxDeltaEqs are the equations of δ^l = the softmax Jacobian product,
// δ_i = a_i·(g_i - Σ_k a_k·g_k), from g = ∂E/∂a^l and the engine's sum s.
func softmaxDeltaEqs(l int, a, g []float64, s float64, delta []float64) []eq {
	var names []string
	for k := range a {
		names = append(names, aName(l, k)+"·"+gName(l, k))
	}
	sym, numeric := sum(names, a, g)
	sName := fmt.Sprintf("Σ_k a%d_k·g%d_k", l, l)
	es := []eq{{lhs: sName, lines: [][]string{sym, append(numeric, " = "+num(s))}}}
	for i := range a {
		es = append(es, eq{lhs: dName(l, i), lines: [][]string{
			{aName(l, i) + "·(" + gName(l, i) + " - " + sName + ")"},
			{num(a[i]) + "·(" + num(g[i]) + " - " + factor(s) + ")", " = " + num(delta[i])},
		}, oneLine: true})
	}
	return es
}

func (x *explainer) hiddenDeltas() {
	L := x.L()
	x.section("4. The delta rule, back through the hidden layers")
	if L == 1 {
		x.para("The network has no hidden layers: the output deltas are all the deltas.")
		return
	}
	x.para("A hidden neuron's delta collects the deltas of the neurons it feeds, weighted by the " +
		"connections, times the derivative of its own activation: " +
		"$δ^l_i = f'(z^l_i)·Σ_j w^(l+1)_ji·δ^(l+1)_j$, " +
		"the sum running over the connections out of neuron i (the delta rule, equation (7)). " +
		fromTo(L-1))
	for r := range x.t.X {
		x.exampleHeading(r)
		for l := L - 1; l >= 1; l-- {
			lay, next := x.layer(l), x.layer(l+1)
			x.sub(x.layerLevel(), x.layerHeading(l)+": "+derivativeFormula(lay))
			nd := x.t.Layer(l + 1).Delta[r] // δ^(l+1)
			lt := x.t.Layer(l)
			z, a, delta := lt.Z[r], lt.A[r], lt.Delta[r]
			g := lt.G[r] // ∂E/∂a^l_i = Σ_j w^(l+1)_ji δ^(l+1)_j, as the engine summed it
			var es []eq
			for i := range lay.Out {
				var names []string
				var coef, vals []float64
				for j := range next.Out {
					if present(next, j*next.In+i) {
						names = append(names, wName(l+1, j, i+1)+"·"+dName(l+1, j))
						coef = append(coef, next.W[j*next.In+i])
						vals = append(vals, nd[j])
					}
				}
				sym, numeric := sum(names, coef, vals)
				if len(names) == 0 {
					sym, numeric = []string{"0"}, []string{"0"}
				}
				if lay.Activation == backprop.Softmax {
					es = append(es, eq{lhs: gName(l, i), lines: [][]string{sym, append(numeric, " = "+num(g[i]))}, oneLine: true})
					continue
				}
				fsym, fnum, note := derivText(lay, l, i, z[i], a[i], lt.FPrime[r][i])
				sym[0] = fsym + "·(" + sym[0]
				sym[len(sym)-1] += ")"
				numeric[0] = fnum + "·(" + numeric[0]
				numeric[len(numeric)-1] += ")"
				numeric = append(numeric, " = "+num(delta[i]))
				if note != "" {
					numeric = append(numeric, note)
				}
				if len(names) == 0 {
					numeric[len(numeric)-1] += "   (no connections out)"
				}
				es = append(es, eq{lhs: dName(l, i), lines: [][]string{sym, numeric}})
			}
			if lay.Activation == backprop.Softmax {
				es = append(es, softmaxDeltaEqs(l, a, g, lt.FPrime[r][0], delta)...)
			}
			x.eqs(es...)
		}
	}
}

func fromTo(l int) string {
	if l == 1 {
		return "In layer 1:"
	}
	return fmt.Sprintf("From layer %d back to layer 1:", l)
}

// weight is one trainable weight of layer l: w^l_ij (j = 0 for the bias).
type weight struct {
	i, j      int
	old, grad float64
	new       float64
}

// weights lists the present weights of layer l, each neuron's inputs and
// then its bias.
func (x *explainer) weights(l int) []weight {
	lay, lt := x.layer(l), x.t.Layer(l)
	var ws []weight
	for i := range lay.Out {
		for j := range lay.In {
			if present(lay, i*lay.In+j) {
				ws = append(ws, weight{i, j + 1, lay.W[i*lay.In+j], lt.GradWeights[i][j], lt.WeightsAfter[i][j]})
			}
		}
		if lay.B != nil {
			ws = append(ws, weight{i, 0, lay.B[i], lt.GradBias[i], lt.BiasAfter[i]})
		}
	}
	return ws
}

// input returns the value weight w multiplies in example r: a^(l-1)_j, or 1.
func (x *explainer) input(l int, w weight, r int) float64 {
	if w.j == 0 {
		return 1
	}
	return x.a(l-1, r)[w.j-1]
}

func (x *explainer) updates() {
	L, t := x.L(), x.t
	x.section("5. Gradients and updates")
	alpha := num(t.Alpha)
	if x.rows() == 1 {
		x.para("The gradient of a weight is the delta of the neuron it feeds times the value it multiplies: " +
			"$∂E/∂w^l_ij = δ^l_i·a^(l-1)_j$ (for a bias, $a = 1$; equation (8)). Each weight then takes a step against " +
			fmt.Sprintf("its gradient: $w ← w - α·∂E/∂w$ (equation (9)), with $α = %s$. ", alpha) +
			"All the weights are updated together, from the deltas above.")
	} else {
		x.para("The gradient of a weight is the sum over the examples of the delta of the neuron it feeds " +
			"times the value it multiplies: $∂E/∂w^l_ij = Σ_r δ^l_i·a^(l-1)_j$ (for a bias, $a = 1$; equation (8)), " +
			"since E is the sum of the examples' losses. Each weight then takes a step against " +
			fmt.Sprintf("its gradient: $w ← w - α·∂E/∂w$ (equation (9)), with $α = %s$. ", alpha) +
			"All the weights are updated together.")
	}
	if n := 0; true {
		for l := 1; l <= L; l++ {
			n += absent(x.layer(l))
		}
		if n > 0 {
			if n == 1 {
				x.para("The absent connection gets no gradient and stays 0.")
			} else {
				x.para(fmt.Sprintf("The %d absent connections get no gradient and stay 0.", n))
			}
		}
	}
	if ws := x.weights(L); len(ws) > 0 {
		w := ws[0]
		if x.rows() == 1 {
			x.para("For example:")
			x.eqs(eq{lhs: wName(L, w.i, w.j), op: "←", lines: [][]string{
				{wName(L, w.i, w.j) + " - α·" + dName(L, w.i) + "·" + inputName(L, w)},
				{num(w.old) + " - " + alpha + "·" + factor(t.Layer(L).Delta[0][w.i]) + "·" + factor(x.input(L, w, 0)),
					" = " + num(w.new)},
			}, oneLine: true})
		}
	}
	for l := L; l >= 1; l-- {
		h := fmt.Sprintf("Layer %d", l)
		if l == L {
			h += " (the output layer)"
		}
		x.sub(0, h)
		ws := x.weights(l)
		if len(ws) == 0 {
			x.para("No trainable weights.")
			continue
		}
		if x.rows() == 1 {
			head := []string{"w", "old", "$δ$", "$a$", "$∂E/∂w = δ·a$", fmt.Sprintf("new = old - %s·$∂E/∂w$", alpha)}
			var rows [][]string
			for _, w := range ws {
				rows = append(rows, []string{"$" + wName(l, w.i, w.j) + "$", num(w.old),
					num(t.Layer(l).Delta[0][w.i]), num(x.input(l, w, 0)), num(w.grad), num(w.new)})
			}
			x.table(head, rows)
			continue
		}
		head := []string{"w", "old"}
		for r := range t.X {
			head = append(head, fmt.Sprintf("$δ·a$ (ex. %d)", r+1))
		}
		head = append(head, "$∂E/∂w$ (sum)", "new")
		var rows [][]string
		for _, w := range ws {
			row := []string{"$" + wName(l, w.i, w.j) + "$", num(w.old)}
			for r := range t.X {
				row = append(row, num(t.Layer(l).Delta[r][w.i]*x.input(l, w, r)))
			}
			rows = append(rows, append(row, num(w.grad), num(w.new)))
		}
		if tableWidth(head, rows) <= width {
			x.table(head, rows)
			continue
		}
		// Too many examples for a column each: write the sums out, then a
		// narrower table.
		var es []eq
		for _, w := range ws {
			names := make([]string, len(t.X))
			var d, in []float64
			for r := range t.X {
				d = append(d, t.Layer(l).Delta[r][w.i])
				in = append(in, x.input(l, w, r))
			}
			_, terms := sum(names, d, in)
			es = append(es, eq{lhs: "∂E/∂" + wName(l, w.i, w.j), lines: [][]string{append(terms, " = "+num(w.grad))}})
		}
		x.eqs(es...)
		x.gap()
		head = []string{"w", "old", "$∂E/∂w$", fmt.Sprintf("new = old - %s·$∂E/∂w$", alpha)}
		rows = nil
		for _, w := range ws {
			rows = append(rows, []string{"$" + wName(l, w.i, w.j) + "$", num(w.old), num(w.grad), num(w.new)})
		}
		x.table(head, rows)
	}
}

// inputName names the value weight w of layer l multiplies: a^(l-1)_j or 1.
func inputName(l int, w weight) string {
	if w.j == 0 {
		return "1"
	}
	return aName(l-1, w.j-1)
}

func (x *explainer) after() {
	L, t := x.L(), x.t
	x.section("6. After the step")
	x.para("A forward pass with the updated weights gives the new outputs:")
	head := []string{"output", "before", "after", "target"}
	if x.rows() > 1 {
		head = append([]string{"example"}, head...)
	}
	var rows [][]string
	for r := range t.X {
		for k, v := range t.OutputAfter[r] {
			row := []string{"$" + aName(L, k) + "$", num(x.a(L, r)[k]), num(v), num(t.Y[r][k])}
			if x.rows() > 1 {
				row = append([]string{fmt.Sprint(r + 1)}, row...)
			}
			rows = append(rows, row)
		}
	}
	x.table(head, rows)
	x.gap()
	x.para(fmt.Sprintf("The error E went from %s to %s.", num(t.Loss), num(t.LossAfter)))
}

func (x *explainer) article() {
	t := x.t
	x.section("About the published article")
	w := t.Net.Layer(3).W[1]               // w3_12, from h5 to the output
	after := t.Layer(3).WeightsAfter[0][1] // and its value after the step
	x.para(fmt.Sprintf("Before the step the published article agrees with the exact numbers: "+
		"its 0.6718 is %s rounded. After the step it does not: the exact output after the step is %s, "+
		"while the published article reports 0.7043: its hand-rounded update step has slips. "+
		"The author's notebook, for one, updates the weight from h5 to the output as "+
		"$0.7 - 0.7·(-0.3282)·0.683 = 0.857$, using the weight where $α = 0.5$ belongs; "+
		"exact: $w3_12 ← %s - %s·%s·%s = %s$.",
		num(x.a(3, 0)[0]), num(t.OutputAfter[0][0]), num(w), num(t.Alpha),
		factor(t.Layer(3).Delta[0][0]), factor(x.a(2, 0)[1]), num(after)))
	x.para(fmt.Sprintf("The figure of the example leaves connections out: x2 feeds nothing, h3 has no connection "+
		"from x1 and feeds only h5, and h4, h5 and o have no bias. "+
		"If every missing connection (the missing biases included: a bias is a weight on the constant "+
		"input 1) were present as a trainable weight starting at 0, the same step would give %s "+
		"instead of %s: those weights start at 0 but their gradients are not 0, so they move.",
		num(t.unmasked), num(t.OutputAfter[0][0])))
}
