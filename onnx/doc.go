// Package onnx writes a trained network as an ONNX model, so that any ONNX
// runtime (onnxruntime, TensorRT, a browser's onnxruntime-web ...) can run it
// without this module.
//
// # The graph
//
// A network of layers l = 1 … L becomes one standard ONNX graph (opset
// [Opset], operators of the default domain only), computing in float32 on a
// batch of N examples, one a row; N is a symbolic dimension, so one file
// serves any batch size:
//
//	input  [N×n_0]   raw inputs (the training scaling, if any, is applied first)
//	z^l = Gemm(a^(l-1), W^l, b^l, transB=1)   = a^(l-1) (W^l)ᵀ + b^l
//	a^l = Relu | LeakyRelu(alpha = slope) | Sigmoid | Tanh | Softmax(axis = −1) | Identity
//	output [N×n_L]   a^L
//
// The input scaling of a model trained by `backprop train` (standard or
// min-max) is kept as explicit operators, x' = (x − offset)·scale computed in
// float64 and cast to float32, exactly as the CLI's predict does it, so the
// exported model takes the raw feature values. Softmax with axis −1 over a
// 2-D tensor normalises each row over the layer's units, as the engine does;
// that meaning needs opset 13 or later, which is why Opset is 13. Absent
// connections (masked weights) export as zeros of W, and a layer without bias
// as a Gemm with no C input.
//
// A model whose pipeline has categorical features (one-hot) or
// missing-value fills is written whole, so that the graph takes the raw
// record that backprop.Model.Predict takes, one float32 value per feature:
// a number; for a categorical feature, its category's index in the
// metadata's "categories" (0 for the first; −1, an unknown category, when
// "unknown" is "ignore"); NaN for a missing value. The graph fills NaN
// with the feature's fill (IsNaN, Where), one-hot encodes each categorical
// feature (Gather, Equal against each input's category index, Cast,
// Where), then scales, all in float64 as the model does. A record that
// Predict refuses with an error (a missing value without a fill, an index
// outside the categories) gives a row of NaN: a graph cannot fail. See
// [Marshal] for the operators.
//
// The model's metadata keeps what the network does not, from the model's
// backprop.Pipeline: the feature names ("features"), the class labels
// ("classes"; a single sigmoid output is the probability of the second
// class), the target's name ("target"), how the scaling was fitted
// ("scaling"), the categories' names of each categorical feature in index
// order ("categories", an object by feature name), "unknown", "missing",
// the columns a data file's reader passes over ("ignore") and the loss
// ("loss").
//
// # Import
//
// [Unmarshal] and [Read] go the other way for graphs that are a chain of
// dense layers: what Marshal writes, or an MLP exported by PyTorch (Gemm, or
// MatMul + Add, each optionally followed by one of the activations above),
// so that `backprop import` then `backprop explain` can walk a PyTorch
// network's gradient step. A graph that encodes categorical features or
// fills is read back only when it is exactly what Marshal writes for the
// pipeline its constants and metadata give: then export and import give
// the model that predicts as the one exported.
//
// # Equality
//
// The tests run exported models in onnxruntime 1.30 (through
// onnxruntime-node, see testdata/ort and package ortcheck) and compare its outputs with the
// engine's float32 outputs on the same raw inputs: softmax, sigmoid and
// identity outputs, hidden relu, leaky-relu and tanh layers, masks and layers
// without bias agree to 1e-5 or better. Models with categorical features
// (2, 3, 300 and 1024 categories) and fills, float32 and float64, agree
// with Model.Predict on raw records to 1e-5·max(1, |o|) (3e-7 measured),
// and the records Predict refuses give NaN.
//
// # Protobuf
//
// The ONNX file is written with google.golang.org/protobuf from Go types
// generated from the official onnx.proto (ONNX 1.12.0), kept with the
// command that regenerates them in internal/onnxpb.
package onnx
