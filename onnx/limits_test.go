package onnx

import (
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/backprop-go/backprop/onnx/internal/onnxpb"
)

// TestHostileShapes: a scalar Sub or Mul broadcast to whatever input width
// the graph claims, and shapes beyond the limits, cost nothing: the width
// is confirmed by the first layer's weights (which the file must hold)
// before anything is sized by it.
func TestHostileShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	scalar := func(name string) *onnxpb.TensorProto {
		return &onnxpb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), FloatData: []float32{2}}
	}
	widen := func(w int64) func(m *onnxpb.ModelProto) {
		return func(m *onnxpb.ModelProto) {
			m.Graph.Input[0].Type.GetTensorType().Shape.Dim[1].Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: w}
			m.Graph.Initializer = append(m.Graph.Initializer, scalar("s"), scalar("m"))
			m.Graph.Node = append([]*onnxpb.NodeProto{
				{OpType: proto.String("Sub"), Input: []string{"input", "s"}, Output: []string{"sub"}},
				{OpType: proto.String("Mul"), Input: []string{"sub", "m"}, Output: []string{"mul"}},
			}, m.Graph.Node...)
			m.Graph.Node[2].Input[0] = "mul"
		}
	}
	for _, tc := range []struct {
		name string
		edit func(m *onnxpb.ModelProto)
		want string
	}{
		{"scalar scaling, width 2^27", widen(1 << 27), "node 4 (/net.0/MatMul, MatMul): weights 5×7, want 134217728 rows (the width before)"},
		{"scalar scaling, width 2^40", widen(1 << 40), `input "input": 1099511627776 features, more than a layer can take (MaxLayerParams, 268435456)`},
		{"scalar scaling, width 2^62", widen(1 << 62), `input "input": 4611686018427387904 features`},
		{"huge claimed tensor", func(m *onnxpb.ModelProto) { m.Graph.Initializer[0].Dims = []int64{1 << 20, 1 << 20} },
			`initializer "onnx::MatMul_12": dimensions [1048576 1048576] out of range`},
		{"negative dimension", func(m *onnxpb.ModelProto) { m.Graph.Initializer[0].Dims = []int64{-5, -7} },
			`initializer "onnx::MatMul_12": dimensions [-5 -7] out of range`},
	} {
		m, _ := torchMLP(rng)
		tc.edit(m)
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, _, err = Unmarshal(b)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: %v\nwant %s", tc.name, err, tc.want)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("%s: %d bytes allocated for a %d-byte file", tc.name, alloc, len(b))
		}
	}
	// A scalar scaling of a real width is broadcast.
	m, _ := torchMLP(rng)
	widen(5)(m)
	b, _ := proto.Marshal(m)
	_, opt, err := Unmarshal(b)
	if f := opt.Pipeline.Features; err != nil || len(f) != 5 || f[4].Offset != 2 || f[4].Scale != 2 {
		t.Errorf("%v %+v", err, opt.Pipeline)
	}
}
