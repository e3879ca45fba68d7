package onnx

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/onnx/internal/onnxpb"
)

// MaxModelBytes bounds the size of an ONNX file Read accepts (1 GiB).
const MaxModelBytes = 1 << 30

// Read reads an ONNX model that is a chain of dense layers, as Unmarshal.
func Read(r io.Reader) (*backprop.Network[float64], Options, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxModelBytes+1))
	if err != nil {
		return nil, Options{}, err
	}
	if len(b) > MaxModelBytes {
		return nil, Options{}, fmt.Errorf("ONNX file larger than %d bytes", MaxModelBytes)
	}
	return Unmarshal(b)
}

// Unmarshal reads an ONNX model that is a chain of dense layers — what
// Marshal writes, or a multilayer perceptron exported from PyTorch — back
// into a network and its options. The graph must be one path from its one
// input to its one output through these operators:
//
//   - before the first layer, optionally: Cast, Flatten (axis 1), Sub by a
//     constant vector (Offset), then Mul by one (Scale) or Div (1/Scale):
//     the input scaling;
//   - a layer: Gemm(a, B, C) (transA 0; transB 0 or 1; alpha and beta are
//     folded into W and b), or MatMul(a, B) optionally followed by
//     Add(·, C), with B and C initializers or Constant nodes;
//   - optionally followed by its activation: Relu, LeakyRelu, Sigmoid,
//     Tanh, Softmax (over the last axis) or Identity; a layer without one is
//     an identity layer.
//
// The loss is the metadata's "loss" if present, else the one matched to the
// output activation (cross-entropy for softmax, log for sigmoid, squared
// otherwise). The pipeline's feature names, classes, target and scaling
// kind come from the metadata as Marshal writes them (a graph without names
// but with an input scaling gets features "x1", "x2" ...), its offsets and
// scales from the graph. Weights that are zero import as zeros: the masks of an
// exported network are not recovered.
func Unmarshal(b []byte) (*backprop.Network[float64], Options, error) {
	m := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, Options{}, fmt.Errorf("not an ONNX model: %v", err)
	}
	g := m.GetGraph()
	if g == nil {
		return nil, Options{}, errors.New("not an ONNX model: no graph")
	}
	im := &importer{consts: map[string]*tensor{}, other: map[string]*tensor{}}
	for _, t := range g.GetInitializer() {
		v, err := decodeTensor(t)
		if err != nil {
			return nil, Options{}, fmt.Errorf("initializer %q: %w", t.GetName(), err)
		}
		if v.float() {
			im.consts[t.GetName()] = v
		} else {
			im.other[t.GetName()] = v
		}
	}
	var inputs []*onnxpb.ValueInfoProto
	for _, in := range g.GetInput() { // before IR 4, initializers are inputs too
		if im.consts[in.GetName()] == nil && im.other[in.GetName()] == nil {
			inputs = append(inputs, in)
		}
	}
	if len(inputs) != 1 || len(g.GetOutput()) != 1 {
		return nil, Options{}, fmt.Errorf("the graph has %d inputs and %d outputs, want 1 and 1", len(inputs), len(g.GetOutput()))
	}
	opt := Options{InputName: inputs[0].GetName(), OutputName: g.GetOutput()[0].GetName()}
	dims := inputs[0].GetType().GetTensorType().GetShape().GetDim()
	if len(dims) != 2 || dims[1].GetDimValue() < 1 {
		return nil, Options{}, fmt.Errorf("input %q: shape of %d dimensions, want [N, features] with a fixed number of features", opt.InputName, len(dims))
	}
	if w := dims[1].GetDimValue(); w > backprop.MaxLayerParams {
		return nil, Options{}, fmt.Errorf("input %q: %d features, more than a layer can take (MaxLayerParams, %d)", opt.InputName, w, backprop.MaxLayerParams)
	}
	im.net = &backprop.Network[float64]{Inputs: int(dims[1].GetDimValue())}
	im.cur, im.width = opt.InputName, im.net.Inputs
	for k, n := range g.GetNode() {
		if err := im.node(n); err != nil {
			name := n.GetName()
			if name == "" {
				name = "unnamed"
			}
			return nil, Options{}, fmt.Errorf("node %d (%s, %s): %w", k+1, name, n.GetOpType(), err)
		}
	}
	im.finish()
	if len(im.net.Layers) > 0 {
		// The input width is now that of the first layer's weights, which
		// the file holds: the scaling may be broadcast to it.
		im.offset, im.scale = broadcast(im.offset, im.net.Inputs), broadcast(im.scale, im.net.Inputs)
	}
	if im.cur != opt.OutputName {
		return nil, Options{}, fmt.Errorf("the chain of layers ends in %q, not in the graph's output %q", im.cur, opt.OutputName)
	}
	if len(im.net.Layers) == 0 {
		return nil, Options{}, errors.New("the graph has no Gemm or MatMul layer")
	}
	widths := []int{im.net.Inputs}
	for _, lay := range im.net.Layers {
		widths = append(widths, lay.Out)
	}
	if _, err := backprop.CountParams(widths...); err != nil {
		return nil, Options{}, err
	}

	meta := map[string]string{}
	for _, p := range m.GetMetadataProps() {
		meta[p.GetKey()] = p.GetValue()
	}
	out := im.net.Layers[len(im.net.Layers)-1].Activation
	im.net.Loss = backprop.Squared
	switch out {
	case backprop.Softmax:
		im.net.Loss = backprop.CrossEntropy
	case backprop.Sigmoid:
		im.net.Loss = backprop.Log
	}
	if s, ok := meta["loss"]; ok {
		J, err := backprop.ParseLoss(s)
		if err != nil {
			return nil, Options{}, fmt.Errorf("metadata loss: %w", err)
		}
		im.net.Loss = J
	}
	p := &opt.Pipeline
	var names []string
	for key, v := range map[string]any{"features": &names, "classes": &p.Classes} {
		if s, ok := meta[key]; ok {
			if err := json.Unmarshal([]byte(s), v); err != nil {
				return nil, Options{}, fmt.Errorf("metadata %s: %v", key, err)
			}
		}
	}
	p.Target = meta["target"]
	p.Scaling = meta["scaling"]
	var old struct{ Kind string } // the "scaler" entry of files before "scaling"
	if s, ok := meta["scaler"]; ok && p.Scaling == "" && json.Unmarshal([]byte(s), &old) == nil {
		p.Scaling = old.Kind
	}
	if names != nil || im.offset != nil || im.scale != nil {
		p.Features = make([]backprop.Feature, im.net.Inputs)
		for j := range p.Features {
			f := &p.Features[j]
			f.Name, f.Scale = "x"+strconv.Itoa(j+1), 1
			if j < len(names) {
				f.Name = names[j]
			}
			if im.offset != nil {
				f.Offset = im.offset[j]
			}
			if im.scale != nil {
				f.Scale = im.scale[j]
			}
		}
		if names != nil && len(names) != im.net.Inputs {
			return nil, Options{}, fmt.Errorf("metadata features: %d names for %d inputs", len(names), im.net.Inputs)
		}
	}
	if err := im.net.Validate(); err != nil {
		return nil, Options{}, err
	}
	if err := checkOptions(im.net, opt); err != nil {
		return nil, Options{}, err
	}
	return im.net, opt, nil
}

// tensor is a constant: its shape, values and type (FLOAT or DOUBLE; INT64
// and BOOL only in the encoding of a pipeline, which Marshal writes).
type tensor struct {
	dims []int64
	v    []float64
	kind onnxpb.TensorProto_DataType
}

func (t *tensor) float() bool {
	return t.kind == onnxpb.TensorProto_FLOAT || t.kind == onnxpb.TensorProto_DOUBLE
}

func decodeTensor(t *onnxpb.TensorProto) (*tensor, error) {
	n := int64(1)
	for _, d := range t.GetDims() {
		if d < 0 || (d > 0 && n > MaxModelBytes/d) {
			return nil, fmt.Errorf("dimensions %v out of range", t.GetDims())
		}
		n *= d
	}
	if t.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
		return nil, errors.New("external data is not supported")
	}
	out := &tensor{dims: t.GetDims(), kind: onnxpb.TensorProto_DataType(t.GetDataType())}
	raw := t.GetRawData()
	switch out.kind {
	case onnxpb.TensorProto_FLOAT:
		if raw != nil {
			if int64(len(raw)) != 4*n {
				return nil, fmt.Errorf("%d bytes of data for %d floats", len(raw), n)
			}
			for k := range n {
				out.v = append(out.v, float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:]))))
			}
		} else {
			for _, x := range t.GetFloatData() {
				out.v = append(out.v, float64(x))
			}
		}
	case onnxpb.TensorProto_DOUBLE:
		if raw != nil {
			if int64(len(raw)) != 8*n {
				return nil, fmt.Errorf("%d bytes of data for %d doubles", len(raw), n)
			}
			for k := range n {
				out.v = append(out.v, math.Float64frombits(binary.LittleEndian.Uint64(raw[8*k:])))
			}
		} else {
			out.v = t.GetDoubleData()
		}
	case onnxpb.TensorProto_INT64:
		if raw != nil {
			if int64(len(raw)) != 8*n {
				return nil, fmt.Errorf("%d bytes of data for %d int64s", len(raw), n)
			}
			for k := range n {
				out.v = append(out.v, float64(int64(binary.LittleEndian.Uint64(raw[8*k:]))))
			}
		} else {
			for _, x := range t.GetInt64Data() {
				out.v = append(out.v, float64(x))
			}
		}
	case onnxpb.TensorProto_BOOL:
		if raw != nil {
			if int64(len(raw)) != n {
				return nil, fmt.Errorf("%d bytes of data for %d bools", len(raw), n)
			}
			for _, x := range raw {
				out.v = append(out.v, float64(min(x, 1)))
			}
		} else {
			for _, x := range t.GetInt32Data() {
				out.v = append(out.v, float64(min(max(x, 0), 1)))
			}
		}
	default:
		return nil, fmt.Errorf("data type %v, want FLOAT or DOUBLE (INT64 or BOOL in an input's encoding)", out.kind)
	}
	if int64(len(out.v)) != n {
		return nil, fmt.Errorf("%d values for dimensions %v", len(out.v), t.GetDims())
	}
	return out, nil
}

// importer walks the chain of nodes.
type importer struct {
	net    *backprop.Network[float64]
	consts map[string]*tensor // FLOAT and DOUBLE constants
	other  map[string]*tensor // INT64 and BOOL initializers (an encoding's)
	cur    string             // the value the chain has reached
	width  int                // its number of columns
	lay    *backprop.Layer[float64]
	hasAct bool // lay has its activation

	offset, scale []float64 // the input scaling, before any layer
}

var activations = map[string]backprop.Activation{
	"Identity": backprop.Identity, "Sigmoid": backprop.Sigmoid, "Tanh": backprop.Tanh,
	"Relu": backprop.ReLU, "LeakyRelu": backprop.LeakyReLU, "Softmax": backprop.Softmax,
}

func isActivation(op string) bool {
	_, ok := activations[op]
	return ok
}

func attr(n *onnxpb.NodeProto, name string) *onnxpb.AttributeProto {
	for _, a := range n.GetAttribute() {
		if a.GetName() == name {
			return a
		}
	}
	return nil
}

// operand returns the constant operand of a binary node whose other operand
// is the chain's value.
func (im *importer) operand(n *onnxpb.NodeProto) (*tensor, error) {
	in := n.GetInput()
	if len(in) != 2 {
		return nil, fmt.Errorf("%d inputs, want 2", len(in))
	}
	switch {
	case in[0] == im.cur && im.consts[in[1]] != nil:
		return im.consts[in[1]], nil
	case in[1] == im.cur && im.consts[in[0]] != nil && n.GetOpType() != "Sub" && n.GetOpType() != "Div":
		return im.consts[in[0]], nil
	}
	return nil, fmt.Errorf("inputs %v, want %q and a constant", in, im.cur)
}

// vector returns t as n values, broadcasting a scalar; t may be [n] or [1, n].
// n must be a width the file holds the weights of (a layer's outputs).
func vector(t *tensor, n int) ([]float64, error) {
	if len(t.v) == 1 {
		return slices.Repeat(t.v, n), nil
	}
	return vectorOf(t, n)
}

// scaling returns the input scaling t for n inputs: a scalar stays one value
// (broadcast once the first layer has confirmed n, see broadcast), so that a
// graph claiming a huge input costs nothing before its weights are seen.
func scaling(t *tensor, n int) ([]float64, error) {
	if len(t.v) == 1 {
		return slices.Clone(t.v), nil
	}
	return vectorOf(t, n)
}

// broadcast repeats the single value of a scalar scaling n times.
func broadcast(v []float64, n int) []float64 {
	if len(v) == 1 && n > 1 {
		return slices.Repeat(v, n)
	}
	return v
}

func vectorOf(t *tensor, n int) ([]float64, error) {
	if len(t.v) != n || len(t.dims) > 2 || (len(t.dims) == 2 && t.dims[0] != 1) {
		return nil, fmt.Errorf("a constant of shape %v, want [%d]", t.dims, n)
	}
	return slices.Clone(t.v), nil
}

func (im *importer) node(n *onnxpb.NodeProto) error {
	op := n.GetOpType()
	if n.GetDomain() != "" && n.GetDomain() != "ai.onnx" {
		return fmt.Errorf("domain %q is not supported", n.GetDomain())
	}
	if op == "Constant" {
		a := attr(n, "value")
		if a == nil || a.GetT() == nil || len(n.GetOutput()) != 1 {
			return errors.New("only a tensor value is supported")
		}
		t, err := decodeTensor(a.GetT())
		if err != nil {
			return err
		}
		if !t.float() {
			return fmt.Errorf("a constant of type %v, want FLOAT or DOUBLE", t.kind)
		}
		im.consts[n.GetOutput()[0]] = t
		return nil
	}
	if len(n.GetInput()) == 0 || len(n.GetOutput()) != 1 {
		return fmt.Errorf("%d inputs and %d outputs, want a chain", len(n.GetInput()), len(n.GetOutput()))
	}
	if n.GetInput()[0] != im.cur && !(op == "Add" || op == "Mul") {
		return fmt.Errorf("input %q, want %q (the graph must be a chain of layers)", n.GetInput()[0], im.cur)
	}
	first := len(im.net.Layers) == 0 && im.lay == nil
	switch {
	case op == "Cast" && first, op == "Flatten" && first:
		if a := attr(n, "axis"); op == "Flatten" && a != nil && a.GetI() != 1 {
			return fmt.Errorf("axis %d, want 1", a.GetI())
		}
	case op == "Sub" && first && im.offset == nil && im.scale == nil:
		t, err := im.operand(n)
		if err != nil {
			return err
		}
		if im.offset, err = scaling(t, im.width); err != nil {
			return err
		}
	case (op == "Mul" || op == "Div") && first && im.scale == nil:
		t, err := im.operand(n)
		if err != nil {
			return err
		}
		if im.scale, err = scaling(t, im.width); err != nil {
			return err
		}
		if op == "Div" {
			for j, v := range im.scale {
				im.scale[j] = 1 / v
			}
		}
	case op == "Gemm" || op == "MatMul":
		if err := im.dense(n); err != nil {
			return err
		}
	case op == "Add" && im.lay != nil && im.lay.B == nil && !im.hasAct:
		t, err := im.operand(n)
		if err != nil {
			return err
		}
		if im.lay.B, err = vector(t, im.lay.Out); err != nil {
			return err
		}
	case isActivation(op):
		if im.lay == nil || im.hasAct {
			return errors.New("an activation must follow a Gemm, MatMul or Add")
		}
		im.lay.Activation, im.hasAct = activations[op], true
		switch op {
		case "LeakyRelu":
			im.lay.Slope = 0.01
			if a := attr(n, "alpha"); a != nil {
				im.lay.Slope = float64(a.GetF())
			}
		case "Softmax":
			if a := attr(n, "axis"); a != nil && a.GetI() != -1 && a.GetI() != 1 {
				return fmt.Errorf("axis %d, want -1 (the layer's units)", a.GetI())
			}
		}
	default:
		return fmt.Errorf("not supported here (want Gemm or MatMul [+ Add], then Relu, LeakyRelu, Sigmoid, Tanh, Softmax or Identity; Cast, Flatten, Sub, Mul or Div before the first layer)")
	}
	im.cur = n.GetOutput()[0]
	return nil
}

// dense starts a layer from a Gemm or MatMul node.
func (im *importer) dense(n *onnxpb.NodeProto) error {
	im.finish()
	if len(im.net.Layers) == backprop.MaxLayers {
		return fmt.Errorf("more than %d layers (MaxLayers)", backprop.MaxLayers)
	}
	in := n.GetInput()
	if len(in) < 2 || im.consts[in[1]] == nil {
		return fmt.Errorf("inputs %v, want %q and constant weights", in, im.cur)
	}
	B := im.consts[in[1]]
	transB := n.GetOpType() == "Gemm" && attr(n, "transB").GetI() == 1
	if a := attr(n, "transA"); a != nil && a.GetI() != 0 {
		return errors.New("transA 1 is not supported")
	}
	if len(B.dims) != 2 {
		return fmt.Errorf("weights of shape %v, want 2 dimensions", B.dims)
	}
	rows, cols := int(B.dims[0]), int(B.dims[1])
	lay := &backprop.Layer[float64]{In: im.width, Activation: backprop.Identity}
	if transB { // B = W, n_l × n_(l-1)
		lay.Out, lay.W = rows, B.v
		if cols != im.width {
			return fmt.Errorf("weights %d×%d, want %d columns (the width before)", rows, cols, im.width)
		}
	} else { // B = Wᵀ, n_(l-1) × n_l
		lay.Out = cols
		if rows != im.width {
			return fmt.Errorf("weights %d×%d, want %d rows (the width before)", rows, cols, im.width)
		}
		lay.W = make([]float64, rows*cols)
		for j := range rows {
			for i := range cols {
				lay.W[i*rows+j] = B.v[j*cols+i]
			}
		}
	}
	lay.W = slices.Clone(lay.W)
	if n.GetOpType() == "Gemm" {
		alpha, beta := 1.0, 1.0
		if a := attr(n, "alpha"); a != nil {
			alpha = float64(a.GetF())
		}
		if a := attr(n, "beta"); a != nil {
			beta = float64(a.GetF())
		}
		for k := range lay.W {
			lay.W[k] *= alpha
		}
		if len(in) > 2 && in[2] != "" {
			C := im.consts[in[2]]
			if C == nil {
				return fmt.Errorf("bias %q is not a constant", in[2])
			}
			b, err := vector(C, lay.Out)
			if err != nil {
				return fmt.Errorf("bias: %w", err)
			}
			for i := range b {
				b[i] *= beta
			}
			lay.B = b
		}
	}
	im.lay, im.hasAct, im.width = lay, false, lay.Out
	return nil
}

// finish appends the layer being built, if any.
func (im *importer) finish() {
	if im.lay != nil {
		im.net.Layers = append(im.net.Layers, im.lay)
		im.lay = nil
	}
}
