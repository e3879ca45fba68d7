package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/internal/inputfile"
	"github.com/backprop-go/backprop/onnx"
)

func init() {
	commands["export"] = command{"write a trained model as an ONNX file", runExport}
}

// runExport writes the model as an ONNX graph (opset 13) with the model's
// pipeline inside the graph (fills, one-hot categories, scaling), so that
// an ONNX runtime given the raw record (a categorical feature as its
// category's index, a missing value as NaN) computes what predict
// computes.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "--model FILE --onnx FILE [--input NAME] [--output NAME]", stderr)
	model := fs.String("model", "", "the model file")
	out := fs.String("onnx", "", "write the ONNX model here")
	inName := fs.String("input", onnx.DefaultInput, "the name of the graph's input, [N×features] raw feature values (a category as its index in the metadata's \"categories\", a missing value as NaN)")
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
	if err := checkOverwrites("export", []pathFlag{{"onnx", *out}}, pathFlag{"model", *model}); err != nil {
		return err
	}
	t, err := loadTrained(*model)
	if err != nil {
		return err
	}
	opt := onnx.Options{Pipeline: t.m.Pipeline, InputName: *inName, OutputName: *outName}
	b, err := onnx.Marshal(t.m.Net, opt)
	if err != nil {
		return badInput(fmt.Errorf("%s: %w", t.path, err))
	}
	if err := backprop.WriteFileAtomic(*out, b); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s written: ONNX opset %d, input %q [N×%d], output %q [N×%d], %s (%d bytes)\n",
		*out, onnx.Opset, *inName, recordWidth(t.m), *outName, t.m.Net.Outputs(), inGraph(&t.m.Pipeline), len(b))
	return nil
}

// inGraph says what the exported graph does to its input: "unscaled
// inputs", "standard scaling in the graph", or with categorical features
// and fills "one-hot (color → 3), fills (2), standard scaling in the graph".
func inGraph(p *backprop.Pipeline) string {
	var parts []string
	var cats []string
	fills := 0
	for _, f := range p.Features {
		if f.Categories != nil {
			cats = append(cats, fmt.Sprintf("%s → %d", f.Name, len(f.Categories)))
		}
		if f.Fill != nil {
			fills++
		}
	}
	if cats != nil {
		parts = append(parts, "one-hot ("+strings.Join(cats, ", ")+")")
	}
	if fills > 0 {
		parts = append(parts, fmt.Sprintf("fills (%d)", fills))
	}
	for _, f := range p.Features {
		if f.Categories == nil && (f.Offset != 0 || f.Scale != 1) {
			parts = append(parts, cmp.Or(p.Scaling, "input")+" scaling")
			break
		}
	}
	if parts == nil {
		return "unscaled inputs"
	}
	return strings.Join(parts, ", ") + " in the graph"
}

func init() {
	commands["import"] = command{"read an ONNX chain of dense layers (export's reverse) into a model file", runImport}
}

// runImport reads an ONNX model that is a chain of Gemm (or MatMul + Add) and
// activation nodes — what export writes, or a PyTorch MLP — into a model
// file, with its metadata, for explain, evaluate and predict. What the
// graph's metadata does not say (a PyTorch export says nothing), the flags
// do: --features, --classes, --loss, --target.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", "--onnx FILE --model FILE [--features a,b,...] [--classes c1,c2,...] [--loss cross-entropy|log|squared] [--target NAME]", stderr)
	in := fs.String("onnx", "", "the ONNX model to read")
	model := fs.String("model", "", "write the model file here")
	features := fs.String("features", "", "the names of the inputs, comma-separated, as in the data's header (default: the graph's metadata)")
	classes := fs.String("classes", "", "the class labels, comma-separated, in the order of the outputs (default: the graph's metadata)")
	lossName := fs.String("loss", "", "cross-entropy, log or squared (default: the graph's metadata, else from the output activation); "+
		"cross-entropy or log on an output without softmax or sigmoid (logits, as PyTorch exports them) adds that activation")
	target := fs.String("target", "", "the name of the target column (default: the graph's metadata)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *in == "" || *model == "" {
		return usagef("import: --onnx FILE and --model FILE are required")
	}
	if err := checkOutPaths("import", [2]string{"model", *model}); err != nil {
		return err
	}
	if err := checkOverwrites("import", []pathFlag{{"model", *model}}, pathFlag{"onnx", *in}); err != nil {
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
	p := opt.Pipeline
	if *features != "" {
		names := splitList(*features)
		if n := recordWidth(&backprop.Model[float64]{Net: net, Pipeline: p}); len(names) != n {
			return usagef("import: --features: %d names, the graph has %d input columns", len(names), n)
		}
		if p.Features == nil {
			p.Features = make([]backprop.Feature, len(names))
			for j := range p.Features {
				p.Features[j].Scale = 1
			}
		}
		for j, name := range names {
			p.Features[j].Name = name
		}
	}
	if *classes != "" {
		p.Classes = splitList(*classes)
	}
	if *target != "" {
		p.Target = *target
	}
	out := net.Layers[net.L()-1]
	if *lossName != "" {
		J, err := backprop.ParseLoss(*lossName)
		if err != nil {
			return usagef("import: --loss: %v", err)
		}
		net.Loss = J
		if out.Activation == backprop.Identity && J != backprop.Squared {
			// Logits: the loss's own output activation turns them into
			// probabilities (PyTorch's CrossEntropyLoss and BCEWithLogitsLoss
			// apply it inside the loss).
			out.Activation = backprop.Softmax
			if J == backprop.Log {
				out.Activation = backprop.Sigmoid
			}
			fmt.Fprintf(stdout, "the output layer gives logits: %s added for the %s loss\n", out.Activation, J)
		}
	}
	m, err := backprop.NewModel(net, p)
	if err != nil {
		return badInput(fmt.Errorf("import: %s: %w (see --features, --classes, --loss)", *in, err))
	}
	if err := m.Save(*model); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s written: %s, loss %s", *model, describeNet(net), net.Loss)
	if p.Classes != nil {
		fmt.Fprintf(stdout, ", classes %s", strings.Join(p.Classes, ", "))
	}
	fmt.Fprintln(stdout)
	return nil
}
