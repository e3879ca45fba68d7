package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/backprop-go/backprop"
)

func init() {
	commands["gradcheck"] = command{"compare backpropagation's gradients with finite differences", runGradcheck}
}

func runGradcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("gradcheck", "--model FILE [--x 1,0 --y 1]... [--tol 1e-6]", stderr)
	model := fs.String("model", "", "model file (JSON); default: the worked example of docs/notation.md")
	var xs vectors
	var ys strList
	fs.Var(&xs, "x", "an example's raw feature values, comma-separated (a model's input scaling applies; repeat for a batch)")
	fs.Var(&ys, "y", "an example's targets, comma-separated, or a class name of the model (one --y per --x)")
	tol := fs.Float64("tol", 1e-6, "largest relative error allowed")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	net, x, y, _, _, err := loadStep(*model, xs, ys, "", nil)
	if err != nil {
		return err
	}
	if err := checkWork("gradcheck", countParams(net), len(x)); err != nil {
		return err
	}
	checks, err := backprop.GradCheck(net, flatten(x), flatten(y))
	if err != nil {
		return badInput(err)
	}
	fmt.Fprintf(stdout, "gradient check: backward against central finite differences, %d example(s)\n", len(x))
	fmt.Fprintf(stdout, "relative error = |g − n| / max(|g|, |n|, 1e-5·max(1, E)); tolerance %g\n\n", *tol)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\tparameters\tchecked\tworst error\tat\tbackward\tfinite diff\tstatus\t")
	failed := 0
	for _, c := range checks {
		at := fmt.Sprintf("[%d][%d]", c.I, c.J)
		if c.J < 0 {
			at = fmt.Sprintf("[%d]", c.I)
		}
		status := "ok"
		if c.Worst > *tol {
			status = "FAIL"
			failed++
		}
		if c.Count == 0 {
			at, status = "-", "none"
		}
		note := ""
		if c.Kinks > 0 {
			note = fmt.Sprintf(" (%d at a relu kink, skipped)", c.Kinks)
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%.2g\t%s\t%.6g\t%.6g\t%s%s\t\n", c.Layer, c.Param, c.Count, c.Worst, at, c.Backward, c.Numeric, status, note)
	}
	tw.Flush()
	if failed > 0 {
		return fmt.Errorf("%w%d parameter array(s) exceed the tolerance %g", errFailed, failed, *tol)
	}
	return nil
}

func flatten(m [][]float64) []float64 {
	var s []float64
	for _, r := range m {
		s = append(s, r...)
	}
	return s
}
