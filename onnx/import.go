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
//
// A graph that encodes categorical features or fills before its first
// layer is read only as Marshal writes it: its pipeline (categories,
// fills, "unknown", "missing", "ignore") from its constants and metadata,
// then checked by writing the graph again for that pipeline and network
// (the same nodes, input, output and constants), else refused.
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
	meta := map[string]string{}
	for _, p := range m.GetMetadataProps() {
		meta[p.GetKey()] = p.GetValue()
	}
	im.net = &backprop.Network[float64]{Inputs: int(dims[1].GetDimValue())}
	im.cur, im.width = opt.InputName, im.net.Inputs
	nodes, first, end := g.GetNode(), 0, opt.OutputName
	var encoded *backprop.Pipeline // the pipeline of a graph that encodes its input, see Marshal
	if encodes(nodes) {
		var err error
		if encoded, err = im.encoding(im.net.Inputs, meta); err != nil {
			return nil, Options{}, err
		}
		for first < len(nodes) && nodes[first].GetOpType() != "Gemm" {
			first++
		}
		last := nodes[len(nodes)-1]
		if first == len(nodes) || last.GetOpType() != "Add" || len(last.GetInput()) != 2 {
			return nil, Options{}, errEncoding("it has no Gemm layer, or does not end in Add(a^L, refused)")
		}
		nodes, end = nodes[:len(nodes)-1], last.GetInput()[0]
		im.net.Inputs, im.width, im.encoded = encoded.Width(), encoded.Width(), true
		if len(nodes[first].GetInput()) == 0 {
			return nil, Options{}, errEncoding("its first Gemm has no input")
		}
		im.cur = nodes[first].GetInput()[0]
	}
	for k, n := range nodes[first:] {
		if err := im.node(n); err != nil {
			name := n.GetName()
			if name == "" {
				name = "unnamed"
			}
			return nil, Options{}, fmt.Errorf("node %d (%s, %s): %w", first+k+1, name, n.GetOpType(), err)
		}
	}
	im.finish()
	if len(im.net.Layers) > 0 {
		// The input width is now that of the first layer's weights, which
		// the file holds: the scaling may be broadcast to it.
		im.offset, im.scale = broadcast(im.offset, im.net.Inputs), broadcast(im.scale, im.net.Inputs)
	}
	if im.cur != end {
		return nil, Options{}, fmt.Errorf("the chain of layers ends in %q, not in the graph's output %q", im.cur, end)
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
	if encoded != nil {
		p.Features, p.Ignore, p.Unknown, p.Missing = encoded.Features, encoded.Ignore, encoded.Unknown, encoded.Missing
	} else if names != nil || im.offset != nil || im.scale != nil {
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
	if encoded != nil {
		if err := sameGraph(g, inputs[0], im.net, opt); err != nil {
			return nil, Options{}, err
		}
	}
	return im.net, opt, nil
}

// encodes reports whether the nodes before the first layer encode a
// pipeline with categorical features or fills, as Marshal writes it: they
// hold an operator that the scaling of a plain chain does not use.
func encodes(nodes []*onnxpb.NodeProto) bool {
	for _, n := range nodes {
		switch n.GetOpType() {
		case "Gemm", "MatMul":
			return false
		case "IsNaN", "Gather", "GreaterOrEqual", "Where":
			return true
		}
	}
	return false
}

func errEncoding(why string) error {
	return fmt.Errorf("the graph encodes its input (categorical features or fills), but not as backprop export writes it, the only encoding read back: %s", why)
}

// encoding reads the pipeline of a graph that encodes its n raw input
// values (see Marshal) from its constants and metadata: which feature each
// input of x⁰ reads ("expand"), which are one-hot ("onehot"), the fills,
// the scaling, and from the metadata the names, the categories' names,
// "unknown", "missing" and "ignore". sameGraph then checks that the graph
// is the one Marshal writes for it.
func (im *importer) encoding(n int, meta map[string]string) (*backprop.Pipeline, error) {
	lo := im.consts["valid_lo"]
	if lo == nil || len(lo.v) != n {
		return nil, errEncoding(fmt.Sprintf("no constant \"valid_lo\" of %d values, one per input column", n))
	}
	p := &backprop.Pipeline{Unknown: meta["unknown"], Missing: meta["missing"]}
	var names []string
	var cats map[string][]string
	for key, v := range map[string]any{"features": &names, "categories": &cats, "ignore": &p.Ignore} {
		if s, ok := meta[key]; ok {
			if err := json.Unmarshal([]byte(s), v); err != nil {
				return nil, fmt.Errorf("metadata %s: %v", key, err)
			}
		}
	}
	if names != nil && len(names) != n {
		return nil, fmt.Errorf("metadata features: %d names for %d input columns", len(names), n)
	}
	expand := make([]float64, n) // default: each input reads its own column
	for j := range expand {
		expand[j] = float64(j)
	}
	if e := im.other["expand"]; e != nil {
		expand = e.v
	}
	w := len(expand)
	get := func(name string, consts map[string]*tensor, size int, def float64) ([]float64, error) {
		t := consts[name]
		if t == nil {
			return slices.Repeat([]float64{def}, size), nil
		}
		if len(t.v) != size {
			return nil, errEncoding(fmt.Sprintf("constant %q has %d values, want %d", name, len(t.v), size))
		}
		return t.v, nil
	}
	onehot, err := get("onehot", im.other, w, 0)
	if err != nil {
		return nil, err
	}
	offset, err := get("scaler_offset", im.consts, w, 0)
	if err != nil {
		return nil, err
	}
	scale, err := get("scaler_scale", im.consts, w, 1)
	if err != nil {
		return nil, err
	}
	fill, err := get("fill", im.consts, n, math.NaN())
	if err != nil {
		return nil, err
	}
	p.Features = make([]backprop.Feature, n)
	for k := 0; k < w; {
		j := int(expand[k])
		if float64(j) != expand[k] || j < 0 || j >= n || p.Features[j].Name != "" {
			return nil, errEncoding(fmt.Sprintf("input %d of x⁰ reads column %v, out of order", k+1, expand[k]+1))
		}
		f := &p.Features[j]
		f.Name, f.Offset, f.Scale = "x"+strconv.Itoa(j+1), offset[k], scale[k]
		if names != nil {
			f.Name = names[j]
		}
		if !math.IsNaN(fill[j]) {
			f.Fill = &fill[j]
		}
		width := 1
		for k+width < w && expand[k+width] == expand[k] {
			width++
		}
		if onehot[k] == 1 {
			f.Offset, f.Scale = 0, 1
			f.Categories = cats[f.Name]
			if len(f.Categories) != width {
				return nil, fmt.Errorf("metadata categories: feature %q has %d categories, the graph %d one-hot inputs", f.Name, len(f.Categories), width)
			}
		} else if width != 1 {
			return nil, errEncoding(fmt.Sprintf("feature %d has %d inputs and is not one-hot", j+1, width))
		}
		k += width
	}
	for j := range p.Features {
		if p.Features[j].Name == "" {
			return nil, errEncoding(fmt.Sprintf("no input of x⁰ reads column %d", j+1))
		}
	}
	return p, nil
}

// sameGraph checks that g is the graph Marshal writes for net and opt:
// the same nodes, input and output, and initializers of the same values.
func sameGraph(g *onnxpb.GraphProto, input *onnxpb.ValueInfoProto, net *backprop.Network[float64], opt Options) error {
	m, err := build(net, opt)
	if err != nil {
		return err
	}
	want := m.GetGraph()
	if len(g.GetNode()) != len(want.GetNode()) {
		return errEncoding(fmt.Sprintf("%d nodes, want %d", len(g.GetNode()), len(want.GetNode())))
	}
	for k, n := range g.GetNode() {
		if !proto.Equal(n, want.GetNode()[k]) {
			return errEncoding(fmt.Sprintf("node %d (%s, %s) differs", k+1, n.GetName(), n.GetOpType()))
		}
	}
	for k, v := range [][2]*onnxpb.ValueInfoProto{{input, want.GetInput()[0]}, {g.GetOutput()[0], want.GetOutput()[0]}} {
		if v[0].GetName() != v[1].GetName() || !proto.Equal(v[0].GetType(), v[1].GetType()) {
			return errEncoding(fmt.Sprintf("%s %q: type %v, want %v", []string{"input", "output"}[k], v[0].GetName(), v[0].GetType(), v[1].GetType()))
		}
	}
	got := map[string]*onnxpb.TensorProto{}
	for _, t := range g.GetInitializer() {
		got[t.GetName()] = t
	}
	if len(got) != len(want.GetInitializer()) {
		return errEncoding(fmt.Sprintf("%d initializers, want %d", len(got), len(want.GetInitializer())))
	}
	for _, w := range want.GetInitializer() {
		a, err := decodeTensor(got[w.GetName()])
		if err != nil {
			return errEncoding(fmt.Sprintf("initializer %q: %v", w.GetName(), err))
		}
		b, _ := decodeTensor(w)
		same := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
		if a.kind != b.kind || !slices.Equal(a.dims, b.dims) || !slices.EqualFunc(a.v, b.v, same) {
			return errEncoding(fmt.Sprintf("initializer %q differs from the one written for the pipeline it gives", w.GetName()))
		}
	}
	return nil
}

// tensor is a constant: its shape, values and type (FLOAT or DOUBLE; INT64
// and BOOL only for the encoding of a pipeline, see encoding).
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

	encoded bool // the graph encodes its input (see encoding): no scaling in the chain

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
	first := len(im.net.Layers) == 0 && im.lay == nil && !im.encoded
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
