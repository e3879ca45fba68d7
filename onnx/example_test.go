package onnx_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/onnx"
)

// Export a 2-3-1 network with its input scaling and class names, then read
// the file back.
func Example() {
	net, err := backprop.New[float32](2, backprop.Log, 1,
		backprop.LayerSpec{Units: 3, Activation: backprop.Tanh},
		backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
	if err != nil {
		panic(err)
	}
	opt := onnx.Options{Pipeline: backprop.Pipeline{
		Features: []backprop.Feature{{Name: "age", Offset: 40, Scale: 0.1}, {Name: "income", Offset: 3000, Scale: 0.001}},
		Scaling:  "standard",
		Classes:  []string{"no", "yes"}, // one sigmoid output: p(yes)
	}}
	b, err := onnx.Marshal(net, opt)
	if err != nil {
		panic(err)
	}
	path := filepath.Join(os.TempDir(), "example.onnx")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		panic(err)
	}
	defer os.Remove(path)

	f, err := os.Open(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	back, opt2, err := onnx.Read(f)
	if err != nil {
		panic(err)
	}
	fmt.Printf("opset %d; %s [N×%d] → %s [N×%d]\n", onnx.Opset, opt2.InputName, back.Inputs, opt2.OutputName, back.Outputs())
	for l, lay := range back.Layers {
		fmt.Printf("layer %d: %d units, %s\n", l+1, lay.Out, lay.Activation)
	}
	p := opt2.Pipeline
	fmt.Println("features", p.Features, "classes", p.Classes, "scaling", p.Scaling)
	// Output:
	// opset 13; input [N×2] → output [N×1]
	// layer 1: 3 units, tanh
	// layer 2: 1 units, sigmoid
	// features [{age 40 0.1} {income 3000 0.001}] classes [no yes] scaling standard
}

// Export a model whose pipeline has a categorical feature and a
// missing-value fill: the graph takes the raw record (the category's index,
// NaN for a missing value) and reads back into the same pipeline.
func Example_categories() {
	net, err := backprop.New[float32](4, backprop.Squared, 1,
		backprop.LayerSpec{Units: 3, Activation: backprop.Tanh},
		backprop.LayerSpec{Units: 1, Activation: backprop.Identity})
	if err != nil {
		panic(err)
	}
	fill := 40.0
	p := backprop.Pipeline{
		Features: []backprop.Feature{
			{Name: "age", Offset: 40, Scale: 0.1, Fill: &fill},                       // NaN → 40
			{Name: "colour", Scale: 1, Categories: []string{"blue", "green", "red"}}, // 3 one-hot inputs
		},
		Scaling: "standard", Target: "price", Missing: "mean",
	}
	b, err := onnx.Marshal(net, onnx.Options{Pipeline: p})
	if err != nil {
		panic(err)
	}
	back, opt, err := onnx.Unmarshal(b)
	if err != nil {
		panic(err)
	}
	fmt.Printf("input [N×%d] raw records; the network takes %d inputs\n", len(opt.Pipeline.Features), back.Inputs)
	for _, f := range opt.Pipeline.Features {
		fmt.Println(f)
	}
	// Output:
	// input [N×2] raw records; the network takes 4 inputs
	// {age 40 0.1 fill 40}
	// {colour 0 1 categories ["blue" "green" "red"]}
}
