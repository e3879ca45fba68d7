package main

import (
	"context"
	"fmt"
	"io"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/internal/inputfile"
	"github.com/backprop-go/backprop/onnx"
)

func init() {
	commands["export"] = command{"write a trained model as an ONNX file", runExport}
}

// runExport writes the model as an ONNX graph (opset 13) with the input
// scaling of its metadata applied inside the graph, so that an ONNX runtime
// given the raw feature values computes what predict computes.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "--model FILE --onnx FILE [--input NAME] [--output NAME]", stderr)
	model := fs.String("model", "", "the model file")
	out := fs.String("onnx", "", "write the ONNX model here")
	inName := fs.String("input", onnx.DefaultInput, "the name of the graph's input, [N×inputs] raw feature values")
	outName := fs.String("output", onnx.DefaultOutput, "the name of the graph's output, [N×outputs] (class probabilities for a classifier)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("export: --onnx FILE is required")
	}
	if err := checkOutPaths("export", [2]string{"onnx", *out}); err != nil {
		return err
	}
	t, err := loadTrained(*model)
	if err != nil {
		return err
	}
	opt := onnx.Options{Features: t.m.Features, Target: t.m.Target, Classes: t.m.Classes, Scaler: t.m.Scaler,
		InputName: *inName, OutputName: *outName}
	b, err := onnx.Marshal(t.net, opt)
	if err != nil {
		return badInput(fmt.Errorf("%s: %w", t.path, err))
	}
	if err := backprop.WriteFileAtomic(*out, b); err != nil {
		return err
	}
	scaling := "unscaled inputs"
	if t.m.Scaler != nil && t.m.Scaler.Kind != "none" {
		scaling = t.m.Scaler.Kind + " scaling in the graph"
	}
	fmt.Fprintf(stdout, "%s written: ONNX opset %d, input %q [N×%d], output %q [N×%d], %s (%d bytes)\n",
		*out, onnx.Opset, *inName, t.net.Inputs, *outName, t.net.Outputs(), scaling, len(b))
	return nil
}

func init() {
	commands["import"] = command{"read an ONNX chain of dense layers (export's reverse) into a model file", runImport}
}

// runImport reads an ONNX model that is a chain of Gemm (or MatMul + Add) and
// activation nodes — what export writes, or a PyTorch MLP — into a model
// file, with its metadata, for explain, evaluate and predict.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", "--onnx FILE --model FILE", stderr)
	in := fs.String("onnx", "", "the ONNX model to read")
	model := fs.String("model", "", "write the model file here")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *in == "" || *model == "" {
		return usagef("import: --onnx FILE and --model FILE are required")
	}
	if err := checkOutPaths("import", [2]string{"model", *model}); err != nil {
		return err
	}
	f, err := inputfile.Open(*in, onnx.MaxModelBytes, "onnx.MaxModelBytes")
	if err != nil {
		return badInput(err)
	}
	defer f.Close()
	net, opt, err := onnx.Read(f)
	if err != nil {
		return badInput(fmt.Errorf("%s: %w", *in, err))
	}
	m := &meta{Features: opt.Features, Target: opt.Target, Classes: opt.Classes, Scaler: opt.Scaler}
	if err := setMeta(net, m); err != nil {
		return err
	}
	if err := net.Save(*model); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s written: %s, loss %s\n", *model, describeNet(net), net.Loss)
	return nil
}
