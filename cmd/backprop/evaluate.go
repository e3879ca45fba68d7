package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/plot"
	"github.com/backprop-go/backprop/train"
)

// trained is a model file with its metadata.
type trained struct {
	path string
	net  *backprop.Network[float32]
	m    *meta
}

func init() {
	commands["evaluate"] = command{"measure a trained model on labelled data", runEvaluate}
	commands["predict"] = command{"write a model's predictions for data as CSV", runPredict}
}

func loadTrained(path string) (*trained, error) {
	if path == "" {
		return nil, usagef("--model FILE is required")
	}
	net, err := backprop.LoadModel[float32](path)
	if err != nil {
		return nil, badInput(err)
	}
	m, err := getMeta(net)
	if err != nil {
		return nil, badInput(fmt.Errorf("%s: %w", path, err))
	}
	return &trained{path, net, m}, nil
}

// readData reads --data for a trained model: its features (by name, when the
// model has names) and classes, scaled as in training. An IDX directory gives
// its t10k part. needTarget refuses data without a target column.
func (t *trained) readData(spec string, needTarget bool) (*data.Dataset, error) {
	opt := data.CSVOptions{Target: t.m.Target, Features: t.m.Features, Classes: t.m.Classes}
	if t.m.Classes == nil {
		opt.Task = data.TaskRegression
	}
	d, err := data.LoadTest(spec, opt)
	if err != nil {
		return nil, badInput(err)
	}
	if d.Features != t.net.Inputs {
		return nil, usagef("%s has %d features, the model %s takes %d", spec, d.Features, t.path, t.net.Inputs)
	}
	if needTarget && d.Y == nil {
		return nil, usagef("%s has no target column to evaluate against", spec)
	}
	if d.Y != nil && t.net.Outputs() == 1 && len(t.m.Classes) == 2 {
		toBinary(d)
	}
	if d.Y != nil && d.Outputs != t.net.Outputs() {
		return nil, usagef("%s has %d target columns, the model %s has %d outputs", spec, d.Outputs, t.path, t.net.Outputs())
	}
	if t.m.Scaler != nil {
		if err := t.m.Scaler.Apply(d); err != nil {
			return nil, badInput(err)
		}
	}
	return d, nil
}

func runEvaluate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("evaluate", "--model FILE --data FILE|DIR|NAME [--json] [--plot FILE.png|FILE.svg]", stderr)
	model := fs.String("model", "", "the model file")
	spec := fs.String("data", "", "labelled data: a CSV file, an IDX directory (its t10k files) or an embedded set")
	asJSON := fs.Bool("json", false, "print one JSON object")
	plotPath := fs.String("plot", "", "also draw the confusion matrix as a heat map into this .png or .svg file (classification)")
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
	if *spec == "" {
		return usagef("evaluate: --data is required")
	}
	t, err := loadTrained(*model)
	if err != nil {
		return err
	}
	d, err := t.readData(*spec, true)
	if err != nil {
		return err
	}
	task := train.TaskRegression
	if t.m.Classes != nil || t.net.Loss != backprop.Squared {
		task = train.TaskClassification
		if err := t.checkClasses(); err != nil {
			return err
		}
	}
	m, err := train.Evaluate(t.net, toSet[float32](d), task)
	if err != nil {
		return badInput(err)
	}
	if *plotPath != "" {
		if task != train.TaskClassification {
			return usagef("evaluate: --plot draws a confusion matrix, and %s is a regression model", t.path)
		}
		if err := plot.Confusion(*plotPath, m.Confusion, t.classNames()[:len(m.Confusion)]); err != nil {
			return fmt.Errorf("drawing the confusion matrix: %w", err)
		}
		if !*asJSON {
			defer fmt.Fprintf(stdout, "\nconfusion matrix drawn in %s\n", *plotPath)
		}
	}
	if *asJSON {
		return writeEvalJSON(stdout, m, t.classNames())
	}
	fmt.Fprintf(stdout, "%s on %s: %d examples\n", t.path, *spec, m.N)
	fmt.Fprintf(stdout, "%s\n", describeScore(m.Score, task))
	if task == train.TaskClassification {
		writeClassReport(stdout, m, t.classNames())
	}
	return nil
}

// classNames returns the model's class names, or the output indices.
func (t *trained) classNames() []string {
	if t.m.Classes != nil {
		return t.m.Classes
	}
	n := max(t.net.Outputs(), 2)
	names := make([]string, n)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	return names
}

func writeEvalJSON(w io.Writer, m train.Metrics, classes []string) error {
	out := map[string]any{"examples": m.N, "loss": m.Loss}
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
	fs := newFlags("predict", "--model FILE --data FILE [--out FILE] [--proba]", stderr)
	model := fs.String("model", "", "the model file")
	spec := fs.String("data", "", "inputs: a CSV file with the model's feature columns (the target column may be absent), an IDX directory or an embedded set")
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
	t, err := loadTrained(*model)
	if err != nil {
		return err
	}
	d, err := t.readData(*spec, false)
	if err != nil {
		return err
	}
	var b strings.Builder
	cw := csv.NewWriter(&b)
	classes := t.m.Classes != nil || t.net.Loss != backprop.Squared
	names := t.classNames()
	if classes {
		if err := t.checkClasses(); err != nil {
			return err
		}
	}
	header := []string{"id", "prediction"}
	if classes && *proba {
		for _, c := range names {
			header = append(header, "p_"+c)
		}
	} else if !classes && t.net.Outputs() > 1 {
		header = header[:1]
		for k := range t.net.Outputs() {
			header = append(header, fmt.Sprintf("prediction_%d", k+1))
		}
	}
	cw.Write(header)
	const rowsPer = 256
	ws := t.net.NewWorkspace(rowsPer)
	n := t.net.Outputs()
	rec := make([]string, 0, len(header))
	for r0 := 0; r0 < d.N; r0 += rowsPer {
		r1 := min(d.N, r0+rowsPer)
		o := ws.Forward(d.X[r0*d.Features : r1*d.Features])
		for r := r0; r < r1; r++ {
			or := o[(r-r0)*n : (r-r0+1)*n]
			rec = append(rec[:0], strconv.Itoa(r+1))
			switch {
			case classes && n == 1:
				p1 := float64(or[0])
				c := 0
				if p1 >= 0.5 {
					c = 1
				}
				rec = append(rec, names[c])
				if *proba {
					rec = append(rec, fmtP(1-p1), fmtP(p1))
				}
			case classes:
				best := 0
				for k, v := range or {
					if v > or[best] {
						best = k
					}
				}
				rec = append(rec, names[best])
				if *proba {
					for _, v := range or {
						rec = append(rec, fmtP(float64(v)))
					}
				}
			default:
				for _, v := range or {
					rec = append(rec, strconv.FormatFloat(float64(v), 'g', 7, 64))
				}
			}
			cw.Write(rec)
		}
	}
	cw.Flush()
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
