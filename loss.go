package backprop

import (
	"fmt"
	"math"
	"strings"
)

// Loss names the loss J(y, o) of one example; the error over a set of
// examples is E = Σ J(y, o). Each loss has its gradient ∂J/∂o beside it.
type Loss int

// The losses, equations (L1) to (L3) of docs/notation.md.
const (
	Squared      Loss = iota // J = ½ Σ_k (o_k − y_k)²
	Log                      // J = −Σ_k [y_k log o_k + (1 − y_k) log(1 − o_k)] (binary cross-entropy)
	CrossEntropy             // J = −Σ_k y_k log o_k (y one-hot)
)

var lossNames = [...]string{"squared", "log", "cross-entropy"}

// String returns the name used in model files and on the command line.
func (J Loss) String() string {
	if J < 0 || int(J) >= len(lossNames) {
		return fmt.Sprintf("Loss(%d)", int(J))
	}
	return lossNames[J]
}

// ParseLoss returns the loss with the given name.
func ParseLoss(name string) (Loss, error) {
	for i, n := range lossNames {
		if n == name {
			return Loss(i), nil
		}
	}
	return 0, fmt.Errorf("unknown loss %q (want %s)", name, strings.Join(lossNames[:], ", "))
}

// Matched reports whether the output activation f and the loss J form one of
// the three matched pairs whose output delta collapses to δ^L = o − y:
// identity + squared, sigmoid + log, softmax + cross-entropy.
func Matched(f Activation, J Loss) bool {
	return f == Identity && J == Squared || f == Sigmoid && J == Log || f == Softmax && J == CrossEntropy
}

// checkPair refuses the pairs for which J is undefined: the log losses need
// outputs that are probabilities.
func checkPair(f Activation, J Loss) error {
	if J != Squared && !f.probability() {
		return fmt.Errorf("loss %s needs outputs in (0, 1), but the output activation is %s (use sigmoid or softmax, or the squared loss)", J, f)
	}
	return nil
}

// CheckTargets checks a batch of targets y (rows of n_L values) against the
// domain of the network's loss: every target finite; for the log loss each
// y_k in [0, 1] (a probability); for cross-entropy each y_k ≥ 0 and each
// row summing to 1 (within 1e-6: a distribution over the classes, a one-hot
// class label included). Outside these domains J is not a loss (the log loss
// of y = 2 can be negative). Its errors name the example (1-based, when
// there are several) and the output.
func (net *Network[T]) CheckTargets(y []T) error {
	n := net.Outputs()
	if n == 0 || len(y)%n != 0 {
		return fmt.Errorf("y: %d values do not make rows of %d (the network's outputs)", len(y), n)
	}
	rows := len(y) / n
	for r := range rows {
		where := func() string { // built on error only: checking allocates nothing
			if rows > 1 {
				return fmt.Sprintf("example %d: ", r+1)
			}
			return ""
		}
		var sum float64
		for k, v := range y[r*n : (r+1)*n] {
			t := float64(v)
			switch {
			case math.IsNaN(t) || math.IsInf(t, 0):
				return fmt.Errorf("%sy_%d = %v, want a finite number", where(), k+1, t)
			case net.Loss == Log && (t < 0 || t > 1):
				return fmt.Errorf("%sy_%d = %v, want a value in [0, 1] (the log loss's targets are probabilities)", where(), k+1, t)
			case net.Loss == CrossEntropy && t < 0:
				return fmt.Errorf("%sy_%d = %v, want a value ≥ 0 (cross-entropy's targets are a distribution over the classes)", where(), k+1, t)
			}
			sum += t
		}
		if net.Loss == CrossEntropy && math.Abs(sum-1) > 1e-6 {
			return fmt.Errorf("%sthe targets sum to %.6g, want 1 (cross-entropy's targets are a distribution over the classes: one 1 for the class, 0 elsewhere)", where(), sum)
		}
	}
	return nil
}
