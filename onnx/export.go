package onnx

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/onnx/internal/onnxpb"
)

// Opset is the version of the standard ONNX operator set ("ai.onnx") that
// exported models import: 13, the first whose Softmax normalises over one
// axis (axis −1, the layer) rather than over everything after the batch axis.
const Opset = 13

// IRVersion is the ONNX IR version of exported models: 7, the version of
// ONNX 1.8, which introduced opset 13.
const IRVersion = 7

// The default names of the graph's input and output.
const (
	DefaultInput  = "input"
	DefaultOutput = "output"
)

// Options says what an exported model carries beside the network: the
// model's Pipeline (feature names and their scaling, target, classes) and
// the names of the graph's input and output. The zero value exports the bare
// network: unscaled inputs, no names.
type Options struct {
	// Pipeline is the model's (see backprop.Model). Unless every feature has
	// offset 0 and scale 1, the graph applies x⁰_j = (x_j − Offset_j)·Scale_j
	// before layer 1, in float64 as the model does, so the exported model
	// takes raw inputs. The feature names, classes, target and scaling are
	// kept in the metadata entries "features" and "classes" (JSON), "target"
	// and "scaling" (text).
	Pipeline backprop.Pipeline
	// InputName and OutputName name the graph's input and output; "" means
	// DefaultInput and DefaultOutput.
	InputName, OutputName string
}

// scaled reports whether the pipeline changes the inputs, and returns the
// offsets and scales.
func (opt *Options) scaled() (offset, scale []float64, ok bool) {
	for _, f := range opt.Pipeline.Features {
		ok = ok || f.Offset != 0 || f.Scale != 1
		offset, scale = append(offset, f.Offset), append(scale, f.Scale)
	}
	return offset, scale, ok
}

// Marshal returns the network as an ONNX model (protobuf bytes), computing in
// float32:
//
//	input [N×n_0]
//	  → Cast(double) → Sub(offset) → Mul(scale) → Cast(float)   when scaled: a^0
//	  → Gemm(a^(l-1), W^l, b^l; transB=1)                        z^l = W^l a^(l-1) + b^l
//	  → Relu | LeakyRelu(alpha=s) | Sigmoid | Tanh | Softmax(axis=-1) | Identity
//	                                                             a^l = f(z^l), l = 1…L
//	output [N×n_L] = a^L
//
// N, the batch dimension, is symbolic ("N"). The initializers are named W1,
// b1, W2 ...; the intermediate values z1, a1 ... as in docs/notation.md. A layer
// without bias has a two-input Gemm; absent connections (masked weights) are
// zeros of W. The metadata (ModelProto.metadata_props) holds "features"
// (the names) and "classes" as JSON, "target", "scaling" and "loss" as text. The bytes are
// deterministic: the same network and options give the same file.
//
// Marshal returns an error if the network is invalid, a float64 weight
// overflows float32, or the options do not fit the network. A pipeline
// with a categorical feature or a missing-value fill is refused: the graph
// does not express them yet (it would take the one-hot inputs and give NaN
// for a missing value, not what the model answers).
func Marshal[T backprop.Float](net *backprop.Network[T], opt Options) ([]byte, error) {
	for _, f := range opt.Pipeline.Features {
		switch {
		case f.Categories != nil:
			return nil, fmt.Errorf("onnx: feature %q is categorical (one-hot): the exported graph cannot encode categories yet, so it is not written", f.Name)
		case f.Fill != nil:
			return nil, fmt.Errorf("onnx: feature %q has a missing-value fill: the exported graph cannot fill missing values yet, so it is not written", f.Name)
		}
	}
	m, err := build(net, opt)
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(m)
}

// Write writes the network to w as an ONNX model, as Marshal returns it.
func Write[T backprop.Float](w io.Writer, net *backprop.Network[T], opt Options) error {
	b, err := Marshal(net, opt)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// opNames maps each activation to its ONNX operator.
var opNames = map[backprop.Activation]string{
	backprop.Identity:  "Identity",
	backprop.Sigmoid:   "Sigmoid",
	backprop.Tanh:      "Tanh",
	backprop.ReLU:      "Relu",
	backprop.LeakyReLU: "LeakyRelu",
	backprop.Softmax:   "Softmax",
}

// graph collects the nodes and initializers of the model being built.
type graph struct {
	nodes []*onnxpb.NodeProto
	inits []*onnxpb.TensorProto
	names map[string]bool // every value name used inside the graph
	dup   string          // a name given to two values, if any
}

func (g *graph) node(op, name string, in []string, out string, attrs ...*onnxpb.AttributeProto) {
	g.nodes = append(g.nodes, &onnxpb.NodeProto{OpType: proto.String(op), Name: proto.String(name),
		Input: in, Output: []string{out}, Attribute: attrs})
	g.add(out)
}

func (g *graph) add(name string) {
	if g.names[name] {
		g.dup = name
	}
	g.names[name] = true
}

func (g *graph) float32s(name string, dims []int64, v []float32) {
	raw := make([]byte, 4*len(v))
	for k, x := range v {
		binary.LittleEndian.PutUint32(raw[4*k:], math.Float32bits(x))
	}
	g.inits = append(g.inits, &onnxpb.TensorProto{Name: proto.String(name), Dims: dims,
		DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), RawData: raw})
	g.add(name)
}

func (g *graph) float64s(name string, v []float64) {
	raw := make([]byte, 8*len(v))
	for k, x := range v {
		binary.LittleEndian.PutUint64(raw[8*k:], math.Float64bits(x))
	}
	g.inits = append(g.inits, &onnxpb.TensorProto{Name: proto.String(name), Dims: []int64{int64(len(v))},
		DataType: proto.Int32(int32(onnxpb.TensorProto_DOUBLE)), RawData: raw})
	g.add(name)
}

func intAttr(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func floatAttr(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_FLOAT.Enum(), F: proto.Float32(v)}
}

// tensorType is a float32 tensor of shape [N, n].
func tensorType(n int) *onnxpb.TypeProto {
	return &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
		ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)),
		Shape: &onnxpb.TensorShapeProto{Dim: []*onnxpb.TensorShapeProto_Dimension{
			{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "N"}},
			{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(n)}},
		}},
	}}}
}

func build[T backprop.Float](net *backprop.Network[T], opt Options) (*onnxpb.ModelProto, error) {
	if err := net.Validate(); err != nil {
		return nil, err
	}
	if err := checkOptions(net, opt); err != nil {
		return nil, err
	}
	in, out := opt.InputName, opt.OutputName
	if in == "" {
		in = DefaultInput
	}
	if out == "" {
		out = DefaultOutput
	}
	g := &graph{names: map[string]bool{}}
	a := in // the name of a^(l-1)
	offset, scale, scaled := opt.scaled()
	if scaled {
		// a^0 = float32((float64(x) − offset)·scale), as backprop.Feature.Apply.
		g.float64s("scaler_offset", offset)
		g.float64s("scaler_scale", scale)
		g.node("Cast", "scale_to_double", []string{a}, "x_double", intAttr("to", int64(onnxpb.TensorProto_DOUBLE)))
		g.node("Sub", "scale_sub_offset", []string{"x_double", "scaler_offset"}, "x_centered")
		g.node("Mul", "scale_mul_scale", []string{"x_centered", "scaler_scale"}, "x_scaled")
		g.node("Cast", "scale_to_float", []string{"x_scaled"}, "a0", intAttr("to", int64(onnxpb.TensorProto_FLOAT)))
		a = "a0"
	}
	L := net.L()
	for l := 1; l <= L; l++ {
		lay := net.Layers[l-1]
		W, err := toFloat32(lay.W)
		if err != nil {
			return nil, fmt.Errorf("layer %d: weights[%d][%d]: %w", l, err.k/lay.In, err.k%lay.In, err)
		}
		ls := strconv.Itoa(l)
		g.float32s("W"+ls, []int64{int64(lay.Out), int64(lay.In)}, W)
		inputs := []string{a, "W" + ls}
		if lay.B != nil {
			b, err := toFloat32(lay.B)
			if err != nil {
				return nil, fmt.Errorf("layer %d: bias[%d]: %w", l, err.k, err)
			}
			g.float32s("b"+ls, []int64{int64(lay.Out)}, b)
			inputs = append(inputs, "b"+ls)
		}
		// Gemm: Y = A·Bᵀ + C with transB = 1, so z^l (N×n_l) = a^(l-1) (W^l)ᵀ + b^l.
		g.node("Gemm", "layer"+ls+"_gemm", inputs, "z"+ls, intAttr("transB", 1))
		op := opNames[lay.Activation]
		var attrs []*onnxpb.AttributeProto
		switch lay.Activation {
		case backprop.LeakyReLU:
			attrs = append(attrs, floatAttr("alpha", float32(lay.Slope)))
		case backprop.Softmax:
			attrs = append(attrs, intAttr("axis", -1))
		}
		next := "a" + ls
		if l == L {
			next = out
		}
		g.node(op, "layer"+ls+"_"+strings.ToLower(op), []string{"z" + ls}, next, attrs...)
		a = next
	}
	switch {
	case in == out:
		return nil, fmt.Errorf("input and output are both named %q", in)
	case g.names[in]:
		return nil, fmt.Errorf("input name %q is taken by a value inside the graph (pick another)", in)
	case g.dup != "":
		return nil, fmt.Errorf("output name %q is taken by a value inside the graph (pick another)", out)
	}

	graph := &onnxpb.GraphProto{
		Name:        proto.String("backprop"),
		DocString:   proto.String(describe(net, scaled)),
		Node:        g.nodes,
		Initializer: g.inits,
		Input:       []*onnxpb.ValueInfoProto{{Name: proto.String(in), Type: tensorType(net.Inputs), DocString: proto.String(inputDoc(opt, scaled))}},
		Output:      []*onnxpb.ValueInfoProto{{Name: proto.String(out), Type: tensorType(net.Outputs()), DocString: proto.String(outputDoc(net, opt))}},
	}
	meta, err := metadata(net, opt)
	if err != nil {
		return nil, err
	}
	return &onnxpb.ModelProto{
		IrVersion:     proto.Int64(IRVersion),
		OpsetImport:   []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(Opset)}},
		ProducerName:  proto.String("backprop"),
		DocString:     proto.String("A feed-forward network trained by backprop (github.com/backprop-go/backprop): " + describe(net, scaled)),
		Graph:         graph,
		MetadataProps: meta,
	}, nil
}

// checkOptions checks that the pipeline fits the network, as a model file's
// reader checks it.
func checkOptions[T backprop.Float](net *backprop.Network[T], opt Options) error {
	m := &backprop.Model[T]{Net: net, Pipeline: opt.Pipeline}
	return m.Check()
}

// rangeError is a number that does not fit float32, at index k.
type rangeError struct {
	k int
	v float64
}

func (e *rangeError) Error() string { return fmt.Sprintf("%v overflows float32", e.v) }

func toFloat32[T backprop.Float](s []T) ([]float32, *rangeError) {
	out := make([]float32, len(s))
	for k, v := range s {
		out[k] = float32(v)
		if math.IsInf(float64(out[k]), 0) {
			return nil, &rangeError{k, float64(v)}
		}
	}
	return out, nil
}

// describe returns the architecture in the CLI's words: "4 → 8 tanh → 3 softmax".
func describe[T backprop.Float](net *backprop.Network[T], scaled bool) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(net.Inputs))
	if scaled {
		b.WriteString(" (scaled)")
	}
	for _, lay := range net.Layers {
		fmt.Fprintf(&b, " → %d %s", lay.Out, lay.Activation)
		if lay.Activation == backprop.LeakyReLU {
			fmt.Fprintf(&b, " (slope %v)", float32(lay.Slope))
		}
		if lay.B == nil {
			b.WriteString(" (no bias)")
		}
	}
	fmt.Fprintf(&b, "; trained for the %s loss", net.Loss)
	return b.String()
}

func inputDoc(opt Options, scaled bool) string {
	s := "one example a row"
	if opt.Pipeline.Features != nil {
		names := make([]string, len(opt.Pipeline.Features))
		for j, f := range opt.Pipeline.Features {
			names[j] = f.Name
		}
		s += ", columns: " + strings.Join(names, ", ")
	}
	if scaled {
		s += "; raw values (the graph applies the " + cmp.Or(opt.Pipeline.Scaling, "input") + " scaling of training)"
	}
	return s
}

func outputDoc[T backprop.Float](net *backprop.Network[T], opt Options) string {
	p := &opt.Pipeline
	switch {
	case p.Classes != nil && net.Outputs() == 1:
		return fmt.Sprintf("p(%s), the probability of class %q (1 − p for %q)", p.Classes[1], p.Classes[1], p.Classes[0])
	case p.Classes != nil:
		return "the probability of each class, columns: " + strings.Join(p.Classes, ", ")
	case p.Target != "":
		return "the prediction of " + p.Target
	}
	return "the network's output a^L"
}

func metadata[T backprop.Float](net *backprop.Network[T], opt Options) ([]*onnxpb.StringStringEntryProto, error) {
	var props []*onnxpb.StringStringEntryProto
	add := func(key string, v any) error {
		s, ok := v.(string)
		if !ok {
			b, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("metadata %s: %w", key, err)
			}
			s = string(b)
		}
		props = append(props, &onnxpb.StringStringEntryProto{Key: proto.String(key), Value: proto.String(s)})
		return nil
	}
	var errs []error
	p := &opt.Pipeline
	if p.Features != nil {
		names := make([]string, len(p.Features))
		for j, f := range p.Features {
			names[j] = f.Name
		}
		errs = append(errs, add("features", names))
	}
	if p.Classes != nil {
		errs = append(errs, add("classes", p.Classes))
	}
	if p.Target != "" {
		errs = append(errs, add("target", p.Target))
	}
	if p.Scaling != "" {
		errs = append(errs, add("scaling", p.Scaling))
	}
	errs = append(errs, add("loss", net.Loss.String()))
	return props, errors.Join(errs...)
}
