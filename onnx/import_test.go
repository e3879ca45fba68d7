package onnx

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/onnx/internal/onnxpb"
	"github.com/backprop-go/backprop/onnx/ortcheck"
)

// TestRoundTrip: Unmarshal gives back the exported network and options, and
// exporting it again gives the same bytes.
func TestRoundTrip(t *testing.T) {
	for _, c := range cases(t) {
		b, err := Marshal(c.net, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		net, opt, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if net.Loss != c.net.Loss || net.Inputs != c.net.Inputs || net.L() != c.net.L() {
			t.Fatalf("%s: imported %v inputs, %d layers, loss %v", c.name, net.Inputs, net.L(), net.Loss)
		}
		for l, lay := range c.net.Layers {
			got := backprop.Convert[float32](net).Layers[l]
			if got.Activation != lay.Activation || got.Slope != lay.Slope || !slices.Equal(got.W, lay.W) ||
				!slices.Equal(got.B, lay.B) || (got.B == nil) != (lay.B == nil) {
				t.Errorf("%s: layer %d differs after the round trip", c.name, l+1)
			}
		}
		want := c.opt.Pipeline
		if want.Features == nil && want.Scaling == "" {
			want.Features = nil
		}
		if !reflect.DeepEqual(opt.Pipeline, want) {
			t.Errorf("%s: pipeline %+v, want %+v", c.name, opt.Pipeline, want)
		}
		again, err := Marshal(net, opt)
		if err != nil || !bytes.Equal(again, b) {
			t.Errorf("%s: exporting the imported network gives other bytes (%v)", c.name, err)
		}
	}
}

// torchMLP is a graph shaped as torch.onnx.export writes an MLP
// (nn.Flatten, nn.Linear, nn.ReLU, nn.Linear, nn.Softmax(dim=1)), with
// opset 17: the first Linear as MatMul by Wᵀ + Add, the second as Gemm.
func torchMLP(rng *rand.Rand) (*onnxpb.ModelProto, [][]float32) {
	const n0, n1, n2 = 5, 7, 3
	W1T := make([]float32, n0*n1) // n0×n1
	b1 := make([]float32, n1)
	W2 := make([]float32, n2*n1) // n2×n1
	b2 := make([]float32, n2)
	for _, s := range [][]float32{W1T, b1, W2, b2} {
		for k := range s {
			s[k] = float32(rng.NormFloat64() * 0.7)
		}
	}
	init := func(name string, dims []int64, v []float32) *onnxpb.TensorProto {
		return &onnxpb.TensorProto{Name: proto.String(name), Dims: dims,
			DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), FloatData: v}
	}
	node := func(op, name string, in []string, out string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
		return &onnxpb.NodeProto{OpType: proto.String(op), Name: proto.String(name), Input: in, Output: []string{out}, Attribute: attrs}
	}
	typ := func(n int) *onnxpb.TypeProto {
		return &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)),
			Shape: &onnxpb.TensorShapeProto{Dim: []*onnxpb.TensorShapeProto_Dimension{
				{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "batch_size"}},
				{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(n)}}}}}}}
	}
	m := &onnxpb.ModelProto{
		IrVersion:    proto.Int64(8),
		ProducerName: proto.String("pytorch"),
		OpsetImport:  []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(17)}},
		Graph: &onnxpb.GraphProto{
			Name: proto.String("main_graph"),
			Node: []*onnxpb.NodeProto{
				node("Flatten", "/flatten/Flatten", []string{"input"}, "/flatten/Flatten_output_0", intAttr("axis", 1)),
				node("MatMul", "/net.0/MatMul", []string{"/flatten/Flatten_output_0", "onnx::MatMul_12"}, "/net.0/MatMul_output_0"),
				node("Add", "/net.0/Add", []string{"net.0.bias", "/net.0/MatMul_output_0"}, "/net.0/Add_output_0"),
				node("Relu", "/net.1/Relu", []string{"/net.0/Add_output_0"}, "/net.1/Relu_output_0"),
				node("Gemm", "/net.2/Gemm", []string{"/net.1/Relu_output_0", "net.2.weight", "net.2.bias"}, "/net.2/Gemm_output_0",
					floatAttr("alpha", 1), floatAttr("beta", 1), intAttr("transB", 1)),
				node("Softmax", "/net.3/Softmax", []string{"/net.2/Gemm_output_0"}, "output", intAttr("axis", 1)),
			},
			Initializer: []*onnxpb.TensorProto{
				init("onnx::MatMul_12", []int64{n0, n1}, W1T), init("net.0.bias", []int64{n1}, b1),
				init("net.2.weight", []int64{n2, n1}, W2), init("net.2.bias", []int64{n2}, b2),
			},
			Input:  []*onnxpb.ValueInfoProto{{Name: proto.String("input"), Type: typ(n0)}},
			Output: []*onnxpb.ValueInfoProto{{Name: proto.String("output"), Type: typ(n2)}},
		},
	}
	return m, [][]float32{W1T, b1, W2, b2}
}

// TestImportTorchMLP imports a PyTorch-shaped graph and checks the engine's
// outputs against onnxruntime's on the same file.
func TestImportTorchMLP(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	m, p := torchMLP(rng)
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	net, opt, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(net, Options{}, false); got != "5 → 7 relu → 3 softmax; trained for the cross-entropy loss" {
		t.Errorf("imported %s", got)
	}
	if opt.InputName != "input" || opt.OutputName != "output" || opt.Pipeline.Features != nil {
		t.Errorf("options %+v", opt)
	}
	if w := net.Layers[0].W[1*5+3]; w != float64(p[0][3*7+1]) { // W^1_{1,3} = (Wᵀ)_{3,1}
		t.Errorf("w1_13 = %v, want %v", w, p[0][3*7+1])
	}

	const rows = 40
	x := make([]float32, rows*5)
	for k := range x {
		x[k] = float32(rng.NormFloat64() * 2)
	}
	want := backprop.Convert[float32](net).NewWorkspace(rows).Forward(x)
	ortcheck.Require(t, ortDir)
	path := filepath.Join(t.TempDir(), "torch.onnx")
	os.WriteFile(path, b, 0o644)
	res := ortcheck.Run(t, ortDir, []ortcheck.Job{{Model: path, X: x, Rows: rows, Cols: 5}})
	d, at := ortcheck.MaxDiff(t, res[0].Output, want)
	if d > tol {
		t.Errorf("output %d: onnxruntime %v, imported network %v", at, res[0].Output[at], want[at])
	}
	t.Logf("PyTorch-shaped MLP imported: max |onnxruntime − engine| = %.3g over %d outputs", d, len(want))
}

func TestImportErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, tc := range []struct {
		edit func(m *onnxpb.ModelProto)
		want string
	}{
		{func(m *onnxpb.ModelProto) { m.Graph.Node[3].OpType = proto.String("Conv") }, "node 4 (/net.1/Relu, Conv): not supported here"},
		{func(m *onnxpb.ModelProto) { m.Graph.Node[4].Input[0] = "/net.0/Add_output_0" }, `node 5 (/net.2/Gemm, Gemm): input "/net.0/Add_output_0", want "/net.1/Relu_output_0" (the graph must be a chain of layers)`},
		{func(m *onnxpb.ModelProto) { m.Graph.Initializer[2].Dims = []int64{3, 6} }, `initializer "net.2.weight": 21 values for dimensions [3 6]`},
		{func(m *onnxpb.ModelProto) { m.Graph.Node[5].Attribute[0].I = proto.Int64(0) }, "node 6 (/net.3/Softmax, Softmax): axis 0, want -1 (the layer's units)"},
		{func(m *onnxpb.ModelProto) { m.Graph.Output[0].Name = proto.String("y") }, `the chain of layers ends in "output", not in the graph's output "y"`},
	} {
		m, _ := torchMLP(rng)
		tc.edit(m)
		b, _ := proto.Marshal(m)
		_, _, err := Unmarshal(b)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("error %v, want %s", err, tc.want)
		}
	}
	if _, _, err := Unmarshal([]byte("not a model")); err == nil || !strings.HasPrefix(err.Error(), "not an ONNX model") {
		t.Errorf("garbage: %v", err)
	}
}
