package backprop

import (
	"fmt"
	"strings"
)

// Loss names the loss J(y, o) of one example; the error over a set of
// examples is E = Σ J(y, o). Each loss has its gradient ∂J/∂o beside it.
type Loss int

// The losses of SPEC.md.
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
