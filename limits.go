package backprop

import "fmt"

// MaxParams bounds the parameters (weights and biases) of a whole network,
// read from a file or built from command-line widths: 2^26, 256 MiB of
// float32. See the package doc, "Limits".
const MaxParams = 1 << 26

// MaxLayers bounds the layers of a network read from a model file or an
// ONNX graph (16384).
const MaxLayers = maxLayers

// MaxLayerParams bounds the parameters of one layer, n_l × n_(l-1) (2^28).
const MaxLayerParams = maxParams

// MaxGradCheckWork bounds the work of a gradient check, counted as
// parameters² × examples (each parameter's finite difference runs the
// network forward over every example): 2^29, about 2 s on a 2-core
// machine (the digits network of 17226 parameters, one example).
const MaxGradCheckWork = 1 << 29

// MaxExplainWork bounds what an explanation of one step shows, counted as
// parameters × examples (every gradient is shown per example): 2^17, about
// 3 s and 130 MB of text at most.
const MaxExplainWork = 1 << 17

// MaxTrainBytes bounds the memory the CLI's train sets aside for its
// network: weights, gradients, the optimizer's state, the best weights and
// the workspaces of a step and of an evaluation (256 MiB).
const MaxTrainBytes = 256 << 20

// CountParams returns the parameters (weights and biases) of a network of
// the given widths, n_0 (the inputs) to n_L, every layer with a bias, and
// checks them against MaxLayerParams and MaxParams; the error names the
// layer or the total.
func CountParams(widths ...int) (int, error) {
	total := 0
	for l := 1; l < len(widths); l++ {
		in, out := widths[l-1], widths[l]
		if in < 1 || out < 1 {
			return 0, fmt.Errorf("layer %d: %d×%d weights, want widths of at least 1", l, out, in)
		}
		if out > MaxLayerParams/in {
			return 0, fmt.Errorf("layer %d: %d×%d weights, more than the limit of %d per layer (MaxLayerParams)", l, out, in, MaxLayerParams)
		}
		if total += out * (in + 1); total > MaxParams {
			return 0, fmt.Errorf("more than %d parameters by layer %d (of %d×%d weights), more than the limit of %d for a network (MaxParams)", total, l, out, in, MaxParams)
		}
	}
	return total, nil
}
