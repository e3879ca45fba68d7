package backprop

import "fmt"

// MaxParams bounds the parameters (weights and biases) of a whole network,
// read from a file or built from command-line widths: 2^26, 256 MiB of
// float32. See the package doc, "Limits".
const MaxParams = 1 << 26

// MaxLayerParams bounds the parameters of one layer, n_l × n_(l-1) (2^28).
const MaxLayerParams = maxParams

// MaxGradCheckWork bounds the work of a gradient check, counted as
// parameters² × examples (each parameter's finite difference runs the
// network forward over every example): 2^32, a few seconds.
const MaxGradCheckWork = 1 << 32

// MaxExplainWork bounds what an explanation of one step shows, counted as
// parameters × examples (every gradient is shown per example): 2^22.
const MaxExplainWork = 1 << 22

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
