package backprop

import (
	"fmt"
	"math"
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

// tiny is the smallest normal number of T. It keeps the general-path gradient
// of the log losses finite where an output has rounded to exactly 0 or 1.
func tiny[T Float]() float64 {
	var t T
	if _, ok := any(t).(float32); ok {
		return 0x1p-126
	}
	return 0x1p-1022
}

// lossRow returns J(y, o) for one example. The log losses are computed from
// the net input z when the output is a sigmoid or softmax (log σ(z) =
// −softplus(−z), log softmax(z)_k = z_k − logsumexp z), so no log(0) occurs.
func lossRow[T Float](J Loss, f Activation, z, o, y []T) float64 {
	var E float64
	switch J {
	case Squared: // ½ Σ (o − y)²
		for k := range o {
			d := float64(o[k] - y[k])
			E += d * d / 2
		}
	case Log, CrossEntropy:
		var lse float64 // logsumexp z, for softmax
		if f == Softmax {
			m := float64(z[0])
			for _, v := range z {
				m = math.Max(m, float64(v))
			}
			for _, v := range z {
				lse += math.Exp(float64(v) - m)
			}
			lse = m + math.Log(lse)
		}
		for k := range o {
			yk := float64(y[k])
			var logo, log1mo float64 // log o_k, log(1 − o_k)
			if f == Sigmoid {
				// log σ(z) = −softplus(−z) = −(max(−z, 0) + log1p(e^−|z|)),
				// log(1 − σ(z)) = −softplus(z): one exponential for both.
				zk := float64(z[k])
				l := math.Log1p(expT(-math.Abs(zk), z[k]))
				logo, log1mo = -(math.Max(-zk, 0) + l), -(math.Max(zk, 0) + l)
			} else {
				logo = float64(z[k]) - lse
				log1mo = math.Log(math.Max(1-float64(o[k]), tiny[T]()))
			}
			if yk != 0 {
				E -= yk * logo
			}
			if J == Log && yk != 1 {
				E -= (1 - yk) * log1mo
			}
		}
	}
	return E
}

// expT is e^x, in float32 arithmetic when the engine runs in float32 (like
// only carries the type).
func expT[T Float](x float64, like T) float64 {
	if _, ok := any(like).(float32); ok {
		return float64(expf(float32(x)))
	}
	return math.Exp(x)
}

// dJdo writes g = ∂J/∂o for one example (the general path of the output
// delta; the matched pairs use δ = o − y instead).
func dJdo[T Float](J Loss, o, y, g []T) {
	eps := tiny[T]()
	for k := range o {
		ok, yk := float64(o[k]), float64(y[k])
		switch J {
		case Squared: // ∂/∂o ½(o − y)² = o − y
			g[k] = T(ok - yk)
		case Log: // ∂/∂o −[y log o + (1−y) log(1−o)] = −y/o + (1−y)/(1−o)
			g[k] = T(-yk/math.Max(ok, eps) + (1-yk)/math.Max(1-ok, eps))
		case CrossEntropy: // ∂/∂o −y log o = −y/o
			g[k] = T(-yk / math.Max(ok, eps))
		}
	}
}
