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
	// takes raw inputs; categorical features and fills are encoded in the
	// graph too (see Marshal). The feature names, classes, target, scaling
	// and categories are kept in the metadata entries "features", "classes"
	// and "categories" (JSON), "target" and "scaling" (text).
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
// A pipeline with a categorical feature or a missing-value fill (see
// backprop.Feature) is written whole, so that the graph takes the raw
// record, one value per feature, as [backprop.Model.Predict] does: a
// categorical feature's value is its category's index (0 for the first of
// its metadata "categories"), a missing value is NaN. The input is then
// [N×features] and the encoding, in float64 as [backprop.Encode]:
//
//	x = Cast(input, double)
//	x = Where(IsNaN(x), fill, x)                     the fills (NaN: no fill)
//	e = Gather(x, expand, axis=1)                    one column per input of x⁰
//	s = (e − offset)·scale                           the scaling (0 and 1 on one-hot inputs)
//	a^0 = Cast(Where(onehot, Cast(Equal(e, category), double), s), float)
//
// where expand names the feature of each input of x⁰, onehot marks the
// inputs of categorical features and category is each one's category index
// (−1 elsewhere); an unknown category's −1 (with "unknown": "ignore")
// gives all zeros, as Encode gives them. The fill and Gather are left out
// when there are none to do. A record that Model.Predict refuses (see
// backprop.Pipeline.CheckRecords: a missing value without a fill, a
// category index out of range or not whole, −1 without "unknown":
// "ignore") cannot be refused by a graph: its row of the output is NaN
// instead. The graph computes refused [N×1] from the filled record x,
//
//	valid = x ≥ lo ∧ x ≤ hi ∧ (Floor(x) = x ∨ number)   lo, hi: the indices allowed (±∞ for a number)
//	refused = Where(ReduceMin(Cast(valid, float), axes=[1]) ≠ 0, 0, NaN)
//
// and the output is a^L + refused.
//
// N, the batch dimension, is symbolic ("N"). The initializers are named W1,
// b1, W2 ...; the intermediate values z1, a1 ... as in docs/notation.md. A layer
// without bias has a two-input Gemm; absent connections (masked weights) are
// zeros of W. The metadata (ModelProto.metadata_props) holds "features"
// (the names), "classes", "categories" (an object: each categorical
// feature's categories in index order) and "ignore" as JSON, "target",
// "scaling", "unknown", "missing" and "loss" as text. The bytes are
// deterministic: the same network and options give the same file.
//
// Marshal returns an error if the network is invalid, a float64 weight
// overflows float32, or the options do not fit the network.
func Marshal[T backprop.Float](net *backprop.Network[T], opt Options) ([]byte, error) {
	m, err := build(net, opt)
	if err != nil {
		return nil, err
	}
	if n := proto.Size(m); n > maxGraphBytes {
		return nil, tooLarge(n)
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(m)
}

// maxGraphBytes is the largest file Marshal writes: MaxModelBytes, what
// Read accepts (a variable for the tests).
var maxGraphBytes = MaxModelBytes

func tooLarge(n int) error {
	return fmt.Errorf("the ONNX file would take %d bytes or more, beyond the limit of %d (onnx.MaxModelBytes, what import reads)", n, maxGraphBytes)
}

// graphBytes is a lower bound on the size of the file Marshal writes, from
// the sizes alone, so that a graph too large is refused before it is
// built (Marshal checks the exact size before writing): the weights in
// float32, and an encoding's constants, 17 bytes a feature (valid_lo,
// valid_hi, valid_number) and with categories 17 an input of x⁰ (expand,
// category, onehot).
func graphBytes[T backprop.Float](net *backprop.Network[T], p *backprop.Pipeline) int {
	n := 0
	for _, lay := range net.Layers {
		n += 4 * (len(lay.W) + len(lay.B))
	}
	if p.Encoded() {
		n += 17 * len(p.Features)
		if p.Width() > len(p.Features) {
			n += 17 * p.Width()
		}
	}
	return n
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

func (g *graph) int64s(name string, v []int64) {
	raw := make([]byte, 8*len(v))
	for k, x := range v {
		binary.LittleEndian.PutUint64(raw[8*k:], uint64(x))
	}
	g.inits = append(g.inits, &onnxpb.TensorProto{Name: proto.String(name), Dims: []int64{int64(len(v))},
		DataType: proto.Int32(int32(onnxpb.TensorProto_INT64)), RawData: raw})
	g.add(name)
}

func (g *graph) bools(name string, v []bool) {
	raw := make([]byte, len(v))
	for k, x := range v {
		if x {
			raw[k] = 1
		}
	}
	g.inits = append(g.inits, &onnxpb.TensorProto{Name: proto.String(name), Dims: []int64{int64(len(v))},
		DataType: proto.Int32(int32(onnxpb.TensorProto_BOOL)), RawData: raw})
	g.add(name)
}

// encode adds the nodes that turn the raw records x (one value per
// feature) into a^0 as backprop.Encode computes x⁰ (see Marshal): the
// fills, the one-hot inputs of categorical features beside the scaled
// numeric ones. It returns the name of a^0.
//
// One-hot is Equal against each input's category index, not the OneHot
// operator: OneHot counts a negative index from the end, so an unknown
// category (−1) would set the last category instead of none; and Equal
// over one Gather of the record encodes every feature in the same four
// nodes, whatever their number, with constants of one value per input.
func (g *graph) encode(x string, p *backprop.Pipeline, scaled bool) string {
	toDouble, toFloat := intAttr("to", int64(onnxpb.TensorProto_DOUBLE)), intAttr("to", int64(onnxpb.TensorProto_FLOAT))
	g.node("Cast", "encode_to_double", []string{x}, "x_double", toDouble)
	v := "x_double"
	fill := make([]float64, len(p.Features))
	filled, categorical := false, false
	for j, f := range p.Features {
		fill[j] = math.NaN()
		if f.Fill != nil {
			fill[j], filled = *f.Fill, true
		}
		categorical = categorical || f.Categories != nil
	}
	if filled {
		g.float64s("fill", fill)
		g.node("IsNaN", "fill_isnan", []string{v}, "x_missing")
		g.node("Where", "fill_where", []string{"x_missing", "fill", v}, "x_filled")
		v = "x_filled"
	}
	g.refuse(v, p)
	w := p.Width()
	expand, category, offset, scale := make([]int64, 0, w), make([]float64, 0, w), make([]float64, 0, w), make([]float64, 0, w)
	onehot := make([]bool, 0, w)
	for j, f := range p.Features {
		if f.Categories == nil {
			expand, category, onehot = append(expand, int64(j)), append(category, -1), append(onehot, false)
			offset, scale = append(offset, f.Offset), append(scale, f.Scale)
			continue
		}
		for c := range f.Categories {
			expand, category, onehot = append(expand, int64(j)), append(category, float64(c)), append(onehot, true)
			offset, scale = append(offset, 0), append(scale, 1)
		}
	}
	if categorical {
		g.int64s("expand", expand)
		g.node("Gather", "encode_expand", []string{v, "expand"}, "x_expanded", intAttr("axis", 1))
		v = "x_expanded"
	}
	s := v
	if scaled {
		g.float64s("scaler_offset", offset)
		g.float64s("scaler_scale", scale)
		g.node("Sub", "scale_sub_offset", []string{v, "scaler_offset"}, "x_centered")
		g.node("Mul", "scale_mul_scale", []string{"x_centered", "scaler_scale"}, "x_scaled")
		s = "x_scaled"
	}
	if categorical {
		g.float64s("category", category)
		g.bools("onehot", onehot)
		g.node("Equal", "onehot_equal", []string{v, "category"}, "x_is_category")
		g.node("Cast", "onehot_to_double", []string{"x_is_category"}, "x_onehot", toDouble)
		g.node("Where", "onehot_where", []string{"onehot", "x_onehot", s}, "x_encoded")
		s = "x_encoded"
	}
	g.node("Cast", "encode_to_float", []string{s}, "a0", toFloat)
	return "a0"
}

// refuse adds the nodes that compute "refused" [N×1], NaN for a record
// that backprop.Pipeline.CheckRecords refuses and 0 for the others, from
// the filled record x: a value below lo (−1 for a categorical feature
// whose unknown category is ignored, else 0; −∞ for a number, so that only
// NaN falls out), above hi (the last category's index; +∞ for a number),
// or not whole for a categorical feature. Marshal adds it to the output:
// a graph cannot fail, so NaN stands for predict's error.
func (g *graph) refuse(x string, p *backprop.Pipeline) {
	lo, hi := make([]float64, len(p.Features)), make([]float64, len(p.Features))
	number := make([]bool, len(p.Features))
	for j, f := range p.Features {
		switch {
		case f.Categories == nil:
			lo[j], hi[j], number[j] = math.Inf(-1), math.Inf(1), true
		case p.Unknown == backprop.UnknownIgnore:
			lo[j], hi[j] = -1, float64(len(f.Categories)-1)
		default:
			lo[j], hi[j] = 0, float64(len(f.Categories)-1)
		}
	}
	g.float64s("valid_lo", lo)
	g.float64s("valid_hi", hi)
	g.bools("valid_number", number)
	g.float32s("refused_no", nil, []float32{0})
	g.float32s("refused_yes", nil, []float32{float32(math.NaN())})
	g.node("GreaterOrEqual", "valid_ge", []string{x, "valid_lo"}, "valid_above")
	g.node("LessOrEqual", "valid_le", []string{x, "valid_hi"}, "valid_below")
	g.node("Floor", "valid_floor", []string{x}, "valid_floored")
	g.node("Equal", "valid_equal", []string{"valid_floored", x}, "valid_whole")
	g.node("Or", "valid_or", []string{"valid_whole", "valid_number"}, "valid_kind")
	g.node("And", "valid_and_range", []string{"valid_above", "valid_below"}, "valid_range")
	g.node("And", "valid_and_kind", []string{"valid_range", "valid_kind"}, "valid")
	g.node("Cast", "valid_to_float", []string{"valid"}, "valid_float", intAttr("to", int64(onnxpb.TensorProto_FLOAT)))
	g.node("ReduceMin", "valid_record", []string{"valid_float"}, "valid_all", intsAttr("axes", 1), intAttr("keepdims", 1))
	g.node("Cast", "valid_to_bool", []string{"valid_all"}, "valid_record", intAttr("to", int64(onnxpb.TensorProto_BOOL)))
	g.node("Where", "refused_where", []string{"valid_record", "refused_no", "refused_yes"}, "refused")
}

func intsAttr(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INTS.Enum(), Ints: v}
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
	if n := graphBytes(net, &opt.Pipeline); n > maxGraphBytes {
		return nil, tooLarge(n)
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
	width := net.Inputs // of the input: one value per input of x⁰, or per feature when encoded
	encoded := opt.Pipeline.Encoded()
	switch {
	case encoded:
		width = len(opt.Pipeline.Features)
		a = g.encode(a, &opt.Pipeline, scaled)
	case scaled:
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
		if l == L && !encoded {
			next = out
		}
		g.node(op, "layer"+ls+"_"+strings.ToLower(op), []string{"z" + ls}, next, attrs...)
		a = next
	}
	if encoded {
		g.node("Add", "refused_add", []string{a, "refused"}, out)
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
		DocString:   proto.String(describe(net, opt, scaled)),
		Node:        g.nodes,
		Initializer: g.inits,
		Input:       []*onnxpb.ValueInfoProto{{Name: proto.String(in), Type: tensorType(width), DocString: proto.String(inputDoc(opt, scaled))}},
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
		DocString:     proto.String("A feed-forward network trained by backprop (github.com/backprop-go/backprop): " + describe(net, opt, scaled)),
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

// describe returns the architecture in the CLI's words: "4 → 8 tanh → 3
// softmax", with what the graph does to the input first.
func describe[T backprop.Float](net *backprop.Network[T], opt Options, scaled bool) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(net.Inputs))
	var pre []string
	p := &opt.Pipeline
	if p.Encoded() {
		cat, fill := 0, 0
		for _, f := range p.Features {
			cat += min(len(f.Categories), 1)
			if f.Fill != nil {
				fill++
			}
		}
		pre = append(pre, fmt.Sprintf("from %d features", len(p.Features)))
		if cat > 0 {
			pre = append(pre, fmt.Sprintf("%d one-hot", cat))
		}
		if fill > 0 {
			pre = append(pre, fmt.Sprintf("%d with a fill", fill))
		}
	}
	if scaled {
		pre = append(pre, "scaled")
	}
	if pre != nil {
		b.WriteString(" (" + strings.Join(pre, ", ") + ")")
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
	p := &opt.Pipeline
	s := "one example a row"
	if p.Features != nil {
		names := make([]string, len(p.Features))
		for j, f := range p.Features {
			names[j] = f.Name
			if f.Categories != nil {
				names[j] += fmt.Sprintf(" (a category index, 0 to %d: metadata \"categories\")", len(f.Categories)-1)
			}
		}
		s += ", columns: " + strings.Join(names, ", ")
	}
	if p.Encoded() {
		s += "; raw values, NaN for a missing one (the graph fills, one-hot encodes"
		if scaled {
			s += " and applies the " + cmp.Or(p.Scaling, "input") + " scaling of training"
		}
		return s + ")"
	}
	if scaled {
		s += "; raw values (the graph applies the " + cmp.Or(p.Scaling, "input") + " scaling of training)"
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
	p := &opt.Pipeline
	var names []string
	var cats map[string][]string // json.Marshal sorts the keys: deterministic
	for _, f := range p.Features {
		names = append(names, f.Name)
		if f.Categories != nil {
			if cats == nil {
				cats = map[string][]string{}
			}
			cats[f.Name] = f.Categories
		}
	}
	var errs []error
	for _, e := range []struct {
		key string
		v   any
		set bool
	}{{"features", names, names != nil}, {"classes", p.Classes, p.Classes != nil}, {"target", p.Target, p.Target != ""},
		{"scaling", p.Scaling, p.Scaling != ""}, {"categories", cats, cats != nil}, {"ignore", p.Ignore, p.Ignore != nil},
		{"unknown", p.Unknown, p.Unknown != ""}, {"missing", p.Missing, p.Missing != ""}, {"loss", net.Loss.String(), true}} {
		if e.set {
			errs = append(errs, add(e.key, e.v))
		}
	}
	return props, errors.Join(errs...)
}
