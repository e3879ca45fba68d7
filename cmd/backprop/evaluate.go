package main

import (
	"bufio"
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
	"github.com/backprop-go/backprop/internal/atomicfile"
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
	stream := fs.Bool("stream", false, verbStreamUsage)
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
	task := train.TaskRegression
	if t.m.Classifier() {
		task = train.TaskClassification
	}
	var what string
	var m train.Metrics
	var measure func() ([]train.LayerHealth, error) // the layers' health on the rows
	if streamData(fs, *stream, *spec, *split) {
		sp, err := t.scanData(ctx, *spec, true, *split)
		if err != nil {
			return err
		}
		defer sp.r.Close()
		what = sp.what
		if m, err = t.evaluateStream(sp, task); err != nil {
			return badInput(err)
		}
		measure = func() ([]train.LayerHealth, error) { return t.healthStream(sp) }
	} else {
		p, err := t.readData(*spec, true, *split)
		if err != nil {
			return err
		}
		what = p.what
		if m, err = t.evaluate(p.d, task); err != nil {
			return badInput(err)
		}
		measure = func() ([]train.LayerHealth, error) { return t.health(p.d) }
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
		if h, err = measure(); err != nil {
			return badInput(err)
		}
	}
	if *asJSON {
		return writeEvalJSON(stdout, m, t.m.Labels(), what, h)
	}
	fmt.Fprintf(stdout, "%s on %s: %s\n", t.path, *spec, what)
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
	if !t.float64() {
		return train.MeasureHealth(t.m.Net, train.Set[float32]{X: encode[float32](t.m, d), Y: d.Y, N: d.N})
	}
	m, err := backprop.Load[float64](t.path)
	if err != nil {
		return nil, err
	}
	x := backprop.Encode(&m.Pipeline, make([]float64, d.N*m.Net.Inputs), d.X)
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
	if !t.float64() {
		return train.Evaluate(t.m.Net, train.Set[float32]{X: encode[float32](t.m, d), Y: d.Y, N: d.N}, task)
	}
	m, err := backprop.Load[float64](t.path)
	if err != nil {
		return train.Metrics{}, err
	}
	x := backprop.Encode(&m.Pipeline, make([]float64, d.N*m.Net.Inputs), d.X)
	return train.Evaluate(m.Net, train.Set[float64]{X: x, Y: convertTo[float64](d.Y), N: d.N}, task)
}

// verbStreamUsage is the help of evaluate's and predict's --stream.
const verbStreamUsage = "stream the data from its file instead of reading it into memory, for data larger than memory: a first pass checks it and finds the part --split names (a streamed run's split, by hashed record numbers), a second reads that part a record at a time " +
	"(default: on for data too large to read into memory: a CSV file larger than data.MaxCSVBytes, an IDX directory beyond data.MaxIDXItems or data.MaxIDXBytes)"

// evaluateStream is evaluate on the rows of sp, streamed: the same
// figures, bit for bit.
func (t *trained) evaluateStream(sp *streamPart, task train.Task) (train.Metrics, error) {
	if !t.float64() {
		return train.EvaluateSource(t.m.Net, sourceOf(sp, t.m), task)
	}
	m, err := backprop.Load[float64](t.path)
	if err != nil {
		return train.Metrics{}, err
	}
	return train.EvaluateSource(m.Net, sourceOf(sp, m), task)
}

// healthStream is health on the rows of sp, streamed.
func (t *trained) healthStream(sp *streamPart) ([]train.LayerHealth, error) {
	if !t.float64() {
		return train.MeasureHealthSource(t.m.Net, sourceOf(sp, t.m))
	}
	m, err := backprop.Load[float64](t.path)
	if err != nil {
		return nil, err
	}
	return train.MeasureHealthSource(m.Net, sourceOf(sp, m))
}

// float64 says the model was trained in float64 (--precision, recorded in
// the model): evaluate measures it so, to give the figures train printed.
func (t *trained) float64() bool {
	pr := t.m.Provenance
	return pr != nil && pr.Flags["precision"] == "float64"
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
	fs := newFlags("predict", "--model FILE --data FILE|DIR|NAME|- [--split test|val|train|all] [--sep ,] [--out FILE] [--proba] [--stream]", stderr)
	model := fs.String("model", "", "the model file")
	spec := fs.String("data", "", "inputs: a CSV file with the model's feature columns (the target column may be absent), an IDX directory or an embedded set")
	split := fs.String("split", "", splitUsage)
	sep := addSep(fs)
	outPath := fs.String("out", "", "write the CSV here (default: standard output)")
	proba := fs.Bool("proba", false, "add one column per class with its probability")
	stream := fs.Bool("stream", false, verbStreamUsage+"; the predictions are written as they are computed")
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
	pw := newPredictWriter(t.m, *spec, *proba)
	var what string
	var write func(w io.Writer) error // the predictions as CSV
	if streamData(fs, *stream, *spec, *split) {
		// A first pass checks the file and finds the rows; the second
		// writes each prediction as it is computed.
		sp, err := t.scanData(ctx, *spec, false, *split)
		if err != nil {
			return err
		}
		defer sp.r.Close()
		what = sp.what
		write = func(w io.Writer) error {
			bw := bufio.NewWriterSize(w, 64<<10)
			cw := pw.start(bw)
			raw := make([]float32, sp.tab.Features())
			x := make([]float64, len(raw))
			if *outPath == "" {
				pw.failed = "the predictions before it are written"
			}
			for {
				_, err := sp.r.Next(raw)
				if err == io.EOF {
					break
				}
				if err != nil {
					return badInput(err)
				}
				for j, v := range raw {
					x[j] = float64(v)
				}
				if err := pw.row(cw, sp.id(), x); err != nil {
					cw.Flush() // the rows before it, as the message says
					bw.Flush()
					return err
				}
			}
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			return bw.Flush()
		}
	} else {
		p, err := t.readData(*spec, false, *split)
		if err != nil {
			return err
		}
		d := p.d
		var b strings.Builder
		cw := pw.start(&b)
		x := make([]float64, d.Features)
		for r := range d.N {
			for j, v := range d.Row(r) {
				x[j] = float64(v)
			}
			if err := pw.row(cw, p.ids[r], x); err != nil {
				return err
			}
		}
		cw.Flush()
		what = p.what
		// Every row has a prediction: what is left cannot fail for the data.
		write = func(w io.Writer) error {
			_, err := io.WriteString(w, b.String())
			return err
		}
	}
	if *outPath == "" {
		if err := write(stdout); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%s on %s: %s\n", t.path, *spec, what)
		return nil
	}
	var rowErr error // a row's error, not the file's
	err = atomicfile.WriteFunc(*outPath, func(w io.Writer) error {
		rowErr = write(w)
		return rowErr
	})
	if rowErr != nil {
		return rowErr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%s on %s: %s\n", t.path, *spec, what)
	fmt.Fprintf(stderr, "%d predictions written to %s\n", pw.rows, *outPath)
	return nil
}

// predictWriter writes a model's predictions as CSV, a row at a time.
type predictWriter struct {
	m       *backprop.Model[float32]
	spec    string
	proba   bool
	header  []string
	out     []float64
	class   []int
	rec     []string
	rows    int // written
	classes bool
	failed  string // what a row that fails leaves written
}

func newPredictWriter(m *backprop.Model[float32], spec string, proba bool) *predictWriter {
	pw := &predictWriter{m: m, spec: spec, proba: proba, classes: m.Classifier(), failed: "no prediction written",
		out: make([]float64, m.Outputs()), class: make([]int, 1)}
	pw.header = []string{"id", "prediction"}
	if pw.classes && proba {
		for _, c := range m.Labels() {
			pw.header = append(pw.header, "p_"+c)
		}
	} else if !pw.classes && m.Net.Outputs() > 1 {
		pw.header = pw.header[:1]
		for k := range m.Net.Outputs() {
			pw.header = append(pw.header, fmt.Sprintf("prediction_%d", k+1))
		}
	}
	pw.rec = make([]string, 0, len(pw.header))
	return pw
}

// start returns a CSV writer to w with the header written.
func (pw *predictWriter) start(w io.Writer) *csv.Writer {
	cw := csv.NewWriter(w)
	cw.Write(pw.header)
	return cw
}

// row writes the prediction for the raw record x, row id of the data.
func (pw *predictWriter) row(cw *csv.Writer, id int, x []float64) error {
	m := pw.m
	if _, err := m.Predict(pw.out, x); err != nil {
		return err
	}
	for _, v := range pw.out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return usagef("predict: row %d of %s: the model's output is %v (its weights overflow on this input): %s", id, pw.spec, v, pw.failed)
		}
	}
	rec := append(pw.rec[:0], strconv.Itoa(id))
	pw.rows++
	if !pw.classes {
		for _, v := range pw.out {
			rec = append(rec, strconv.FormatFloat(v, 'g', 7, 64))
		}
		return cw.Write(rec)
	}
	if _, err := m.Classify(pw.class, x); err != nil {
		return err
	}
	rec = append(rec, m.Label(pw.class[0]))
	if pw.proba {
		for _, v := range pw.out {
			rec = append(rec, fmtP(v))
		}
	}
	return cw.Write(rec)
}

func fmtP(p float64) string { return strconv.FormatFloat(p, 'f', 6, 64) }
