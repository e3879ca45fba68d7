package main

import (
	"bytes"
	"context"
	"fmt"
	"github.com/backprop-go/backprop/data"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/explain"
	"github.com/backprop-go/backprop/explain/raster"
	"github.com/backprop-go/backprop/internal/inputfile"
)

func init() {
	commands["explain"] = command{"show one gradient step in full: every z, a, δ, gradient and update", runExplain}
}

func runExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("explain", "[--model FILE] [--x 1,0 --y 1]... | [--data FILE --row N]... [--lr 0.5] [--format text|markdown|json] [--svg FILE] [--png FILE] [--full] [--check FILE]", stderr)
	model := fs.String("model", "", "model file (JSON); default: the worked example of docs/notation.md")
	var xs vectors
	var ys strList
	var rowNums intList
	fs.Var(&xs, "x", "an example's raw feature values, comma-separated, as in the data file (the model's input scaling applies; repeat for a batch)")
	fs.Var(&ys, "y", "an example's target: comma-separated values, or a class name of the model (one --y per --x)")
	dataSpec := fs.String("data", "", "with --row: take the examples from this data (a CSV file, an IDX directory or an embedded set) of the model's features")
	fs.Var(&rowNums, "row", "with --data: the example in record N of the data (from 1, as predict's id), its target from the data (repeat for a batch)")
	lr := fs.Float64("lr", math.NaN(), "learning rate α (default 0.5)")
	format := fs.String("format", "text", "output: text, markdown (a handout, with the picture) or json")
	svgPath := fs.String("svg", "", "also draw the network and the step into this SVG file (a .svg name)")
	pngPath := fs.String("png", "", "also draw the network and the step into this PNG file (a .png name)")
	full := fs.Bool("full", false, fmt.Sprintf("print every number even of a step larger than %d parameters × examples (which is summarised: per-layer sizes, the largest gradients)", explain.SummaryWork))
	check := fs.String("check", "", "instead of the explanation, check the claimed values in this file (one name = value a line, explain's names: z2_1, a3_1, δ1_2 or delta1_2, w3_12' after the step, o'): the first slip and what follows from it; exit 1 if a claim does not hold")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for _, p := range []struct{ flag, path, ext string }{{"svg", *svgPath, ".svg"}, {"png", *pngPath, ".png"}} {
		if ext := strings.ToLower(filepath.Ext(p.path)); p.path != "" && ext != p.ext {
			return usagef("explain: --%s %s: want a file name ending in %s (--svg for .svg, --png for .png)", p.flag, p.path, p.ext)
		}
	}
	if err := checkOutPaths("explain", [2]string{"svg", *svgPath}, [2]string{"png", *pngPath}); err != nil {
		return err
	}
	if err := checkOverwrites("explain", []pathFlag{{"svg", *svgPath}, {"png", *pngPath}}, pathFlag{"model", *model}, pathFlag{"data", *dataSpec}, pathFlag{"check", *check}); err != nil {
		return err
	}
	write := map[string]func(*explain.Trace, io.Writer) error{
		"text": (*explain.Trace).WriteText, "markdown": (*explain.Trace).WriteMarkdown, "json": (*explain.Trace).WriteJSON,
	}[*format]
	if write == nil {
		return usagef("explain: unknown format %q (want text, markdown, json)", *format)
	}
	net, x, y, alpha, input, err := loadStep(*model, xs, ys, *dataSpec, rowNums)
	if err != nil {
		return err
	}
	if err := checkWork("explain", countParams(net), len(x)); err != nil {
		return err
	}
	if !math.IsNaN(*lr) {
		if *lr <= 0 || math.IsInf(*lr, 0) {
			return usagef("explain: --lr %g: want a positive learning rate", *lr)
		}
		alpha = *lr
	}
	trace, err := explain.Step(net, x, y, alpha)
	if err != nil {
		return badInput(err)
	}
	trace.Input = input
	trace.Full = *full
	var claims []explain.Claim
	if *check != "" { // read and checked before anything is written
		f, err := inputfile.Open(*check, explain.MaxClaimsBytes, "MaxClaimsBytes")
		if err != nil {
			return usagef("explain: --check %v", err)
		}
		claims, err = trace.ReadClaims(f, *check)
		f.Close()
		if err != nil {
			return usagef("explain: --check %v", err)
		}
	}
	for _, p := range []struct {
		path string
		draw func(*explain.Trace, io.Writer) error
	}{{*svgPath, (*explain.Trace).WriteSVG}, {*pngPath, func(t *explain.Trace, w io.Writer) error { return raster.WritePNG(w, t) }}} {
		if p.path == "" {
			continue
		}
		var b bytes.Buffer
		if err := p.draw(trace, &b); err != nil {
			return fmt.Errorf("drawing %s: %w", p.path, err)
		}
		if err := backprop.WriteFileAtomic(p.path, b.Bytes()); err != nil {
			return err
		}
	}
	if *check != "" {
		res := trace.Check(claims)
		if err := res.WriteCheck(stdout); err != nil {
			return err
		}
		if !res.OK() {
			return errFailed
		}
		return nil
	}
	return write(trace, stdout)
}

// loadStep returns the network and batch for one step: the model file and
// its examples (--x/--y, or --data/--row), or the worked example of docs/notation.md
// when no model is given (whose examples --x/--y may replace). A model's
// examples go through its input pipeline, as predict's do; input is then
// the raw side of the examples.
func loadStep(model string, xs vectors, ys strList, spec string, rowNums intList) (net *backprop.Network[float64], x, y [][]float64, alpha float64, input *explain.Input, err error) {
	alpha = 0.5
	fail := func(err error) (*backprop.Network[float64], [][]float64, [][]float64, float64, *explain.Input, error) {
		return nil, nil, nil, 0, nil, err
	}
	if (spec == "") != (len(rowNums) == 0) {
		return fail(usagef("explain: --data and --row go together: --data FILE --row N"))
	}
	if model == "" {
		if spec != "" {
			return fail(usagef("explain: --data needs --model (the worked example has no data file)"))
		}
		net, x, y, alpha = explain.Article()
		if len(xs) != len(ys) {
			return fail(usagef("%d --x and %d --y: give one --y per --x", len(xs), len(ys)))
		}
		if len(xs) > 0 {
			x, y = xs, nil
			for r, s := range ys {
				v, err := parseVector(s)
				if err != nil {
					return fail(usagef("--y #%d: %v", r+1, err))
				}
				y = append(y, v)
			}
		}
		return net, x, y, alpha, nil, checkStep(net, x, y)
	}
	m, err := backprop.Load[float64](model)
	if err != nil {
		return fail(badInput(err))
	}
	net = m.Net
	var raw [][]float64
	var targets []string
	switch {
	case spec != "" && len(xs) > 0:
		return fail(usagef("explain: give the examples by --x or by --data --row, not both"))
	case spec != "":
		if raw, y, targets, err = dataRows(m, spec, rowNums); err != nil {
			return fail(err)
		}
		if len(ys) > 0 && len(ys) != len(raw) {
			return fail(usagef("%d --row and %d --y: give one --y per --row, or none (the targets of the data)", len(raw), len(ys)))
		}
		if len(ys) == 0 && y[0] == nil {
			return fail(usagef("explain: %s has no target column: give the targets with --y, one per --row", spec))
		}
	case len(xs) == 0:
		return fail(usagef("--model needs examples: --x with the raw feature values and --y (repeat for a batch), or --data FILE --row N"))
	case len(xs) != len(ys):
		return fail(usagef("%d --x and %d --y: give one --y per --x", len(xs), len(ys)))
	default:
		for r, v := range xs {
			if len(v) != recordWidth(m) {
				return fail(usagef("--x #%d: %d values, want %d (the model's features%s)", r+1, len(v), recordWidth(m), listNames(m.FeatureNames())))
			}
			row := make([]float64, len(v))
			for j := range v {
				row[j] = float64(float32(v[j])) // as the data readers read a value
			}
			raw = append(raw, row)
		}
		targets = make([]string, len(raw))
	}
	if len(ys) > 0 {
		y = y[:0]
		for r, s := range ys {
			v, label, err := parseTarget(m, s)
			if err != nil {
				return fail(usagef("--y #%d: %v", r+1, err))
			}
			y, targets[r] = append(y, v), label
		}
	}
	for i, r := range raw {
		if err := m.CheckRecords(r); err != nil {
			return fail(usagef("example %d: %v", i+1, err))
		}
		x = append(x, backprop.Encode(&m.Pipeline, make([]float64, m.Net.Inputs), r))
	}
	if m.Features != nil {
		input = &explain.Input{Features: m.FeatureNames(), Raw: raw, Target: targets}
		for j, f := range m.Features {
			if f.Categories != nil {
				if input.Categories == nil {
					input.Categories = make([][]string, len(m.Features))
				}
				input.Categories[j] = f.Categories
			}
		}
	}
	return net, x, y, alpha, input, checkStep(net, x, y)
}

// checkStep checks the sizes of a step's examples, and the targets against
// the domain of the loss (Network.CheckTargets).
func checkStep(net *backprop.Network[float64], x, y [][]float64) error {
	for r := range x {
		if len(x[r]) != net.Inputs {
			return usagef("--x #%d: %d values, want %d (the network's inputs)", r+1, len(x[r]), net.Inputs)
		}
		if len(y[r]) != net.Outputs() {
			return usagef("--y #%d: %d values, want %d (the network's outputs)", r+1, len(y[r]), net.Outputs())
		}
		if err := net.CheckTargets(y[r]); err != nil {
			return usagef("--y #%d: %v", r+1, err)
		}
	}
	return nil
}

// parseTarget reads a --y: a class name of a classifier (then y is its
// one-hot vector, or 0/1 for a single sigmoid output, and label the name),
// or numbers.
func parseTarget(m *backprop.Model[float64], s string) (y []float64, label string, err error) {
	if m.Classifier() {
		if k, err := m.Class(strings.TrimSpace(s)); err == nil {
			if m.Net.Outputs() == 1 {
				return []float64{float64(k)}, m.Label(k), nil
			}
			y = make([]float64, m.Net.Outputs())
			y[k] = 1
			return y, m.Label(k), nil
		}
	}
	y, err = parseVector(s)
	if err != nil && m.Classifier() {
		return nil, "", fmt.Errorf("%q is neither a class (%s) nor numbers", s, strings.Join(m.Labels(), ", "))
	}
	return y, "", err
}

// dataRows reads the records rowNums (1-based) of the data spec, with the
// model's features and classes: their raw values, targets and class names.
func dataRows(m *backprop.Model[float64], spec string, rowNums []int) (raw, y [][]float64, targets []string, err error) {
	all, test, err := data.Load(spec, readOptions(&m.Pipeline, m.Classifier(), 0))
	if err != nil {
		return nil, nil, nil, badInput(err)
	}
	if test != nil {
		all = concat(all, test)
	}
	if want := recordWidth(m); all.Features != want {
		return nil, nil, nil, usagef("%s has %d features, the model takes %d", spec, all.Features, want)
	}
	if m.Net.Outputs() == 1 && len(all.Classes) == 2 {
		toBinary(all)
	}
	for _, n := range rowNums {
		if n < 1 || n > all.N {
			return nil, nil, nil, usagef("--row %d: %s has records 1 to %d", n, spec, all.N)
		}
		row := make([]float64, all.Features)
		for j, v := range all.Row(n - 1) {
			row[j] = float64(v)
		}
		raw = append(raw, row)
		label := ""
		if all.Labels != nil {
			label = all.Classes[all.Labels[n-1]]
		}
		targets = append(targets, label)
		var t []float64
		for _, v := range all.Target(n - 1) {
			t = append(t, float64(v))
		}
		y = append(y, t)
	}
	if all.Y == nil {
		y = make([][]float64, len(raw)) // --y must give them
	}
	return raw, y, targets, nil
}

// listNames is ": a, b, c" for names, "" for none.
func listNames(names []string) string {
	if names == nil {
		return ""
	}
	return ": " + strings.Join(names, ", ")
}
