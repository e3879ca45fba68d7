package train

import (
	"fmt"
	"math"

	"github.com/backprop-go/backprop"
)

// Set is a set of N examples as two row-major matrices: X is N×n_0 (the
// inputs, one example a row) and Y is N×n_L (the targets: one-hot rows for a
// softmax output, 0/1 for a single sigmoid output, numbers for regression).
// A data.Dataset converts as Set[float32]{X: d.X, Y: d.Y, N: d.N}.
type Set[T backprop.Float] struct {
	X, Y []T
	N    int
}

// check reports whether s fits net: its matrices have N rows of n_0 inputs and
// n_L targets, all finite, the targets in the domain of the loss
// (Network.CheckTargets). name ("train set") starts the error.
func (s Set[T]) check(net *backprop.Network[T], name string) error {
	n0, nL := net.Inputs, net.Outputs()
	switch {
	case s.N < 0:
		return fmt.Errorf("%s: %d examples", name, s.N)
	case len(s.X) != s.N*n0:
		return fmt.Errorf("%s: %d input values, want %d (%d examples × %d inputs of the network)", name, len(s.X), s.N*n0, s.N, n0)
	case len(s.Y) != s.N*nL:
		return fmt.Errorf("%s: %d target values, want %d (%d examples × %d outputs of the network)", name, len(s.Y), s.N*nL, s.N, nL)
	}
	for k, v := range s.X {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%s: example %d, input %d is %v (replace or drop missing values)", name, k/n0, k%n0, f)
		}
	}
	for k, v := range s.Y {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%s: example %d, target %d is %v", name, k/nL, k%nL, f)
		}
	}
	if s.N > 0 { // the targets in the loss's domain (log loss: [0, 1]; cross-entropy: distributions)
		if err := net.CheckTargets(s.Y); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}
