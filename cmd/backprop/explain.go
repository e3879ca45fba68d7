package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/explain"
)

func init() {
	commands["explain"] = command{"show one gradient step in full: every z, a, δ, gradient and update", runExplain}
}

func runExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("explain", "[--model FILE] [--x 1,0 --y 1]... [--lr 0.5] [--format text|markdown|json] [--svg FILE] [--png FILE]", stderr)
	model := fs.String("model", "", "model file (JSON); default: the worked example of SPEC.md")
	var xs, ys vectors
	fs.Var(&xs, "x", "an example's inputs, comma-separated (repeat for a batch)")
	fs.Var(&ys, "y", "an example's targets, comma-separated (one --y per --x)")
	lr := fs.Float64("lr", math.NaN(), "learning rate α (default 0.5)")
	format := fs.String("format", "text", "output: text, markdown (a handout, with the picture) or json")
	svgPath := fs.String("svg", "", "also draw the network and the step into this SVG file (a .svg name)")
	pngPath := fs.String("png", "", "also draw the network and the step into this PNG file (a .png name)")
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
	write := map[string]func(*explain.Trace, io.Writer) error{
		"text": (*explain.Trace).WriteText, "markdown": (*explain.Trace).WriteMarkdown, "json": (*explain.Trace).WriteJSON,
	}[*format]
	if write == nil {
		return usagef("explain: unknown format %q (want text, markdown, json)", *format)
	}
	net, x, y, alpha, err := loadStep(*model, xs, ys)
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
	for _, p := range []struct {
		path string
		draw func(*explain.Trace, io.Writer) error
	}{{*svgPath, (*explain.Trace).WriteSVG}, {*pngPath, (*explain.Trace).WritePNG}} {
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
	return write(trace, stdout)
}

// loadStep returns the network and batch for one step: the model file and
// the --x/--y examples, or the worked example of SPEC.md when no model is
// given (whose examples --x/--y may replace).
func loadStep(model string, xs, ys vectors) (net *backprop.Network[float64], x, y [][]float64, alpha float64, err error) {
	alpha = 0.5
	if model == "" {
		net, x, y, alpha = explain.Article()
	} else if net, err = backprop.LoadModel[float64](model); err != nil {
		return nil, nil, nil, 0, badInput(err)
	}
	if len(xs) != len(ys) {
		return nil, nil, nil, 0, usagef("%d --x and %d --y: give one --y per --x", len(xs), len(ys))
	}
	if len(xs) > 0 {
		x, y = xs, ys
	} else if model != "" {
		return nil, nil, nil, 0, usagef("--model needs examples: --x 1,0 --y 1 (repeat for a batch)")
	}
	for r := range x {
		if len(x[r]) != net.Inputs {
			return nil, nil, nil, 0, usagef("--x #%d: %d values, want %d (the network's inputs)", r+1, len(x[r]), net.Inputs)
		}
		if len(y[r]) != net.Outputs() {
			return nil, nil, nil, 0, usagef("--y #%d: %d values, want %d (the network's outputs)", r+1, len(y[r]), net.Outputs())
		}
	}
	return net, x, y, alpha, nil
}
