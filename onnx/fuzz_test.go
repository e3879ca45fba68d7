package onnx

import (
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/onnx/internal/onnxpb"
)

// FuzzUnmarshal: no input makes the importer panic or allocate beyond what
// the input holds, and whatever it accepts is a valid network that exports
// and imports again.
func FuzzUnmarshal(f *testing.F) {
	rng := rand.New(rand.NewPCG(9, 9))
	m, _ := torchMLP(rng)
	b, _ := proto.Marshal(m)
	f.Add(b)
	net, err := backprop.New[float64](3, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 4, Activation: backprop.Tanh},
		backprop.LayerSpec{Units: 2, Activation: backprop.Softmax})
	if err != nil {
		f.Fatal(err)
	}
	if b, err := Marshal(net, Options{Pipeline: backprop.Pipeline{Classes: []string{"a", "b"}}}); err == nil {
		f.Add(b)
	}
	// An encoded pipeline: a categorical feature, a fill, scaling.
	fill := 1.0
	if b, err := Marshal(net, Options{Pipeline: backprop.Pipeline{Scaling: "standard", Unknown: backprop.UnknownIgnore,
		Features: []backprop.Feature{{Name: "c", Scale: 1, Categories: []string{"r", "g"}, Fill: &fill}, {Name: "n", Offset: 2, Scale: 3}}}}); err == nil {
		f.Add(b)
	} else {
		f.Fatal(err)
	}
	// A scalar Sub broadcast to a claimed width.
	m, _ = torchMLP(rng)
	m.Graph.Input[0].Type.GetTensorType().Shape.Dim[1].Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: 1 << 30}
	m.Graph.Initializer = append(m.Graph.Initializer, &onnxpb.TensorProto{Name: proto.String("s"),
		DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), FloatData: []float32{2}})
	m.Graph.Node = append([]*onnxpb.NodeProto{{OpType: proto.String("Sub"), Input: []string{"input", "s"}, Output: []string{"sub"}}}, m.Graph.Node...)
	m.Graph.Node[1].Input[0] = "sub"
	b, _ = proto.Marshal(m)
	f.Add(b)
	f.Add([]byte("not a model"))
	f.Fuzz(func(t *testing.T, b []byte) {
		net, opt, err := Unmarshal(b)
		if err != nil {
			return
		}
		if err := net.Validate(); err != nil {
			t.Fatalf("accepted an invalid network: %v", err)
		}
		params := 0
		for _, lay := range net.Layers {
			params += len(lay.W) + len(lay.B)
		}
		if params > 4*len(b) || len(opt.Pipeline.Features) > 4*len(b) {
			t.Fatalf("%d parameters from %d bytes", params, len(b))
		}
		if net.Inputs <= 64 {
			net.NewWorkspace(1).Forward(make([]float64, net.Inputs))
		}
	})
}
