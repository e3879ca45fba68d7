package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/plot"
	"github.com/backprop-go/backprop/train"
)

func init() {
	commands["evaluate"] = command{"measure a trained model on labelled data", runEvaluate}
	commands["predict"] = command{"write a model's predictions for data as CSV", runPredict}
}

// splitUsage documents --split, for evaluate and predict.
const splitUsage = "on the data the model was trained from, the part to use: test (the held-out part; the default when train held one out, else all), val, train or all; other data is used whole"

func runEvaluate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("evaluate", "--model FILE --data FILE|DIR|NAME|- [--split test|val|train|all] [--sep ,] [--json] [--plot FILE.png|FILE.svg] [--health]", stderr)
	model := fs.String("model", "", "the model file")
	spec := fs.String("data", "", "labelled data: a CSV file, an IDX directory (its t10k files) or an embedded set")
	split := fs.String("split", "", splitUsage)
	sep := addSep(fs)
	asJSON := fs.Bool("json", false, "print one JSON object")
	plotPath := fs.String("plot", "", "also draw the confusion matrix as a heat map into this .png or .svg file (classification)")
	health := fs.Bool("health", false, "also report each layer's health on these rows (the mean gradient of all of them, no step): gradient RMS, dead relu and saturated sigmoid/tanh units, and the warnings they support")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *plotPath != "" {
		if err := plot.CheckPath(*plotPath); err != nil {
			return usagef("evaluate: --plot %v", err)
		}
	}
	if err := checkOutPaths("evaluate", [2]string{"plot", *plotPath}); err != nil {
		return err
	}
	if err := checkOverwrites("evaluate", []pathFlag{{"plot", *plotPath}}, pathFlag{"model", *model}, pathFlag{"data", *spec}); err != nil {
		return err
	}
	if *spec == "" {
		return usagef("evaluate: --data is required")
	}
	t, err := loadTrained(*model)
	if err != nil {
		return err
	}
	if t.sep, err = parseSep("evaluate", *sep); err != nil {
		return err
	}
	if n := len(t.m.Labels()); *plotPath != "" && t.m.Classifier() && n > plot.MaxClasses {
		return usagef("evaluate: --plot %s: %s has %d classes, more than a confusion matrix picture shows (%d, plot.MaxClasses); --json gives the matrix", *plotPath, t.path, n, plot.MaxClasses)
	}
	p, err := t.readData(*spec, true, *split)
	if err != nil {
		return err
	}
	task := train.TaskRegression
	if t.m.Classifier() {
		task = train.TaskClassification
	}
	d := p.d
	m, err := t.evaluate(d, task)
	if err != nil {
		return badInput(err)
	}
	if math.IsNaN(m.Loss) || math.IsInf(m.Loss, 0) {
		return usagef("evaluate: the loss of %s on %s is %v: the model's outputs are not finite on some rows (its weights overflow; predict names the first)", t.path, *spec, m.Loss)
	}
	if *plotPath != "" {
		if task != train.TaskClassification {
			return usagef("evaluate: --plot draws a confusion matrix, and %s is a regression model", t.path)
		}
		if err := plot.Confusion(*plotPath, m.Confusion, t.m.Labels()[:len(m.Confusion)]); err != nil {
			return fmt.Errorf("drawing the confusion matrix: %w", err)
		}
		if !*asJSON {
			defer fmt.Fprintf(stdout, "\nconfusion matrix drawn in %s\n", *plotPath)
		}
	}
	var h []train.LayerHealth
	if *health {
		if h, err = t.health(d); err != nil {
			return badInput(err)
		}
	}
	if *asJSON {
		return writeEvalJSON(stdout, m, t.m.Labels(), p.what, h)
	}
	fmt.Fprintf(stdout, "%s on %s: %s\n", t.path, *spec, p.what)
	fmt.Fprintf(stdout, "%s\n", describeScore(m.Score, task))
	if task == train.TaskClassification {
		writeClassReport(stdout, m, t.m.Labels())
	}
	if *health {
		writeHealth(stdout, h)
	}
	return nil
}

// health measures the model's layers on the raw rows d, in the precision
// it was trained in.
func (t *trained) health(d *data.Dataset) ([]train.LayerHealth, error) {
	if pr := t.m.Provenance; pr == nil || pr.Flags["precision"] != "float64" {
		return train.MeasureHealth(t.m.Net, train.Set[float32]{X: encode[float32](t.m, d), Y: d.Y, N: d.N})
	}
	m, err := backprop.Load[float64](t.path)
	if err != nil {
		return nil, err
	}
	x := backprop.Encode(&m.Pipeline, make([]float64, len(d.X)), d.X)
	return train.MeasureHealth(m.Net, train.Set[float64]{X: x, Y: convertTo[float64](d.Y), N: d.N})
}

// writeHealth prints the layers' health on the data and the warnings it
// supports.
func writeHealth(w io.Writer, h []train.LayerHealth) {
	fmt.Fprintln(w, "\nhealth of each layer on these rows (the mean gradient of all of them; no step taken)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "layer\tactivation\tgradient RMS\tunits\t")
	for _, lh := range h {
		units := "-"
		switch {
		case lh.Layer == len(h):
		case lh.Activation == "relu":
			units = fmt.Sprintf("%.0f%% dead", 100*lh.Dead)
		case lh.Activation == "sigmoid" || lh.Activation == "tanh":
			units = fmt.Sprintf("%.0f%% saturated", 100*lh.Saturated)
		}
		fmt.Fprintf(tw, "%d\t%s\t%.2g\t%s\t\n", lh.Layer, lh.Activation, lh.GradRMS, units)
	}
	tw.Flush()
	for _, warn := range train.Diagnose([]train.Epoch{{Health: h}}) {
		fmt.Fprintln(w, "warning: "+warn.Text)
	}
}

// evaluate scores the model on the raw rows d in the precision it was
// trained in (--precision, recorded in the model), so that on the test part
// it gives exactly the figures train printed.
func (t *trained) evaluate(d *data.Dataset, task train.Task) (train.Metrics, error) {
	if pr := t.m.Provenance; pr == nil || pr.Flags["precision"] != "float64" {
		return train.Evaluate(t.m.Net, train.Set[float32]{X: encode[float32](t.m, d), Y: d.Y, N: d.N}, task)
	}
	m, err := backprop.Load[float64](t.path)
	if err != nil {
		return train.Metrics{}, err
	}
	x := backprop.Encode(&m.Pipeline, make([]float64, d.N*m.Net.Inputs), d.X)
	return train.Evaluate(m.Net, train.Set[float64]{X: x, Y: convertTo[float64](d.Y), N: d.N}, task)
}

// writeEvalJSON prints the metrics as one object; "rows" says which rows of
// the data they are of, as the first line of the text says.
func writeEvalJSON(w io.Writer, m train.Metrics, classes []string, rows string, health []train.LayerHealth) error {
	out := map[string]any{"examples": m.N, "loss": m.Loss, "rows": rows}
	if health != nil {
		warnings := []string{}
		for _, warn := range train.Diagnose([]train.Epoch{{Health: health}}) {
			warnings = append(warnings, warn.Text)
		}
		out["health"], out["warnings"] = health, warnings
	}
	if m.Task == train.TaskRegression {
		out["mse"], out["r2"] = m.MSE, m.R2
	} else {
		out["accuracy"] = m.Accuracy
		out["confusion"] = m.Confusion
		per := map[string]train.ClassMetrics{}
		for i, c := range m.Classes {
			per[classes[i]] = c
		}
		out["classes"] = per
		out["class_names"] = classes
	}
	enc := json.NewEncoder(w)
	return enc.Encode(out)
}

func writeClassReport(w io.Writer, m train.Metrics, classes []string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\nclass\tprecision\trecall\tF1\tsupport\t")
	for i, c := range m.Classes {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%d\t\n", classes[i], c.Precision, c.Recall, c.F1, c.Support)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nconfusion matrix (rows: true class, columns: predicted)")
	tw = tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for _, c := range classes {
		fmt.Fprintf(tw, "%s\t", c)
	}
	fmt.Fprintln(tw)
	for i, row := range m.Confusion {
		fmt.Fprintf(tw, "%s\t", classes[i])
		for _, n := range row {
			fmt.Fprintf(tw, "%d\t", n)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

func runPredict(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("predict", "--model FILE --data FILE|DIR|NAME|- [--split test|val|train|all] [--sep ,] [--out FILE] [--proba]", stderr)
	model := fs.String("model", "", "the model file")
	spec := fs.String("data", "", "inputs: a CSV file with the model's feature columns (the target column may be absent), an IDX directory or an embedded set")
	split := fs.String("split", "", splitUsage)
	sep := addSep(fs)
	outPath := fs.String("out", "", "write the CSV here (default: standard output)")
	proba := fs.Bool("proba", false, "add one column per class with its probability")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *spec == "" {
		return usagef("predict: --data is required")
	}
	if err := checkOutPaths("predict", [2]string{"out", *outPath}); err != nil {
		return err
	}
	if err := checkOverwrites("predict", []pathFlag{{"out", *outPath}}, pathFlag{"model", *model}, pathFlag{"data", *spec}); err != nil {
		return err
	}
	t, err := loadTrained(*model)
	if err != nil {
		return err
	}
	if t.sep, err = parseSep("predict", *sep); err != nil {
		return err
	}
	p, err := t.readData(*spec, false, *split)
	if err != nil {
		return err
	}
	m, d := t.m, p.d
	var b strings.Builder
	cw := csv.NewWriter(&b)
	classes := m.Classifier()
	header := []string{"id", "prediction"}
	if classes && *proba {
		for _, c := range m.Labels() {
			header = append(header, "p_"+c)
		}
	} else if !classes && m.Net.Outputs() > 1 {
		header = header[:1]
		for k := range m.Net.Outputs() {
			header = append(header, fmt.Sprintf("prediction_%d", k+1))
		}
	}
	cw.Write(header)
	x := make([]float64, d.Features)
	out := make([]float64, m.Outputs())
	class := make([]int, 1)
	rec := make([]string, 0, len(header))
	for r := range d.N {
		for j, v := range d.Row(r) {
			x[j] = float64(v)
		}
		if _, err := m.Predict(out, x); err != nil {
			return err
		}
		for _, v := range out {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return usagef("predict: row %d of %s: the model's output is %v (its weights overflow on this input): no prediction written", p.ids[r], *spec, v)
			}
		}
		rec = append(rec[:0], strconv.Itoa(p.ids[r]))
		if !classes {
			for _, v := range out {
				rec = append(rec, strconv.FormatFloat(v, 'g', 7, 64))
			}
			cw.Write(rec)
			continue
		}
		if _, err := m.Classify(class, x); err != nil {
			return err
		}
		rec = append(rec, m.Label(class[0]))
		if *proba {
			for _, v := range out {
				rec = append(rec, fmtP(v))
			}
		}
		cw.Write(rec)
	}
	cw.Flush()
	// Said once every row has a prediction: a failure is one line.
	fmt.Fprintf(stderr, "%s on %s: %s\n", t.path, *spec, p.what)
	if *outPath == "" {
		_, err = io.WriteString(stdout, b.String())
		return err
	}
	if err := backprop.WriteFileAtomic(*outPath, []byte(b.String())); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d predictions written to %s\n", d.N, *outPath)
	return nil
}

func fmtP(p float64) string { return strconv.FormatFloat(p, 'f', 6, 64) }
