package backprop

import (
	"fmt"
	"math"
	"strings"
)

// Activation names a layer's activation function f, applied to the net input
// z^l to give a^l = f(z^l). Each one has its derivative beside it below.
type Activation int

// The activations of SPEC.md.
const (
	Identity  Activation = iota // f(z) = z
	Sigmoid                     // f(z) = 1/(1+e^-z)
	Tanh                        // f(z) = tanh z
	ReLU                        // f(z) = max(0, z)
	LeakyReLU                   // f(z) = z if z > 0 else s·z (the layer's Slope s)
	Softmax                     // f_i(z) = e^(z_i) / Σ_k e^(z_k), over the whole layer
)

var activationNames = [...]string{"identity", "sigmoid", "tanh", "relu", "leaky-relu", "softmax"}

// String returns the name used in model files and on the command line.
func (f Activation) String() string {
	if f < 0 || int(f) >= len(activationNames) {
		return fmt.Sprintf("Activation(%d)", int(f))
	}
	return activationNames[f]
}

// ParseActivation returns the activation with the given name.
func ParseActivation(name string) (Activation, error) {
	for i, n := range activationNames {
		if n == name {
			return Activation(i), nil
		}
	}
	return 0, fmt.Errorf("unknown activation %q (want %s)", name, strings.Join(activationNames[:], ", "))
}

// probability reports whether f's outputs lie in (0, 1), as the log and
// cross-entropy losses need.
func (f Activation) probability() bool { return f == Sigmoid || f == Softmax }

// sigmoid is 1/(1+e^-z), computed without overflow for any z.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// sigmoid32 is sigmoid in float32 arithmetic, with expf.
func sigmoid32(z float32) float32 {
	if z >= 0 {
		return 1 / (1 + expf(-z))
	}
	e := expf(z)
	return e / (1 + e)
}

// expf is e^x in float32 to about 1 ulp: x = k·ln2 + r with |r| ≤ ln2/2,
// e^r by its Taylor polynomial of degree 7 (error < 1e-8), times 2^k built in
// the exponent bits. Outside [-87, 88] it defers to math.Exp.
func expf(x float32) float32 {
	if !(x >= -87 && x <= 88) {
		return float32(math.Exp(float64(x)))
	}
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375 // ln 2 split so that k·ln2hi is exact
		ln2lo = -2.12194440e-4
	)
	t := x * log2e
	if t >= 0 {
		t += 0.5
	} else {
		t -= 0.5
	}
	k := int32(t)
	kf := float32(k)
	r := x - kf*ln2hi - kf*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	return p * math.Float32frombits(uint32(k+127)<<23)
}

// forward computes a = f(z + b) for a rows×n block (row-major), adding the bias
// b (nil for none) to z in place first, so that z holds the net input z^l.
func forward[T Float](f Activation, slope T, z, a, b []T, rows, n int) {
	for r := 0; r < rows; r++ {
		zr, ar := z[r*n:(r+1)*n], a[r*n:(r+1)*n]
		if b != nil {
			for i := range zr {
				zr[i] += b[i]
			}
		}
		switch f {
		case Identity: // f(z) = z
			copy(ar, zr)
		case Sigmoid: // f(z) = 1/(1+e^-z)
			if z32, ok := any(zr).([]float32); ok {
				a32 := any(ar).([]float32)
				for i, v := range z32 {
					a32[i] = sigmoid32(v)
				}
				break
			}
			for i, v := range zr {
				ar[i] = T(sigmoid(float64(v)))
			}
		case Tanh: // f(z) = tanh z
			for i, v := range zr {
				ar[i] = T(math.Tanh(float64(v)))
			}
		case ReLU: // f(z) = max(0, z)
			for i, v := range zr {
				ar[i] = max(v, 0)
			}
		case LeakyReLU: // f(z) = z if z > 0 else s·z
			for i, v := range zr {
				if v > 0 {
					ar[i] = v
				} else {
					ar[i] = slope * v
				}
			}
		case Softmax: // f_i(z) = e^(z_i - max z) / Σ_k e^(z_k - max z)
			m := zr[0]
			for _, v := range zr {
				m = max(m, v)
			}
			var s float64
			for i, v := range zr {
				e := math.Exp(float64(v - m))
				ar[i] = T(e)
				s += e
			}
			for i := range ar {
				ar[i] = T(float64(ar[i]) / s)
			}
		}
	}
}

// backward turns g = ∂E/∂a^l into δ^l = ∂E/∂z^l in place, for a rows×n block:
// δ = f'(z) ⊙ g for the elementwise activations, and the softmax Jacobian
// product δ_i = a_i (g_i − Σ_k a_k g_k) for softmax.
func backward[T Float](f Activation, slope T, z, a, g []T, rows, n int) {
	switch f {
	case Identity: // f'(z) = 1
	case Sigmoid: // f'(z) = f(z)(1 − f(z))
		for i, v := range a[:rows*n] {
			g[i] *= v * (1 - v)
		}
	case Tanh: // f'(z) = 1 − f(z)²
		for i, v := range a[:rows*n] {
			g[i] *= 1 - v*v
		}
	case ReLU: // f'(z) = 1 if z > 0 else 0 (0 at z = 0, by convention)
		reluMask(z[:rows*n], g)
	case LeakyReLU: // f'(z) = 1 if z > 0 else s (s at z = 0, by convention)
		for i, v := range z[:rows*n] {
			if v <= 0 {
				g[i] *= slope
			}
		}
	case Softmax: // Jacobian ∂a_i/∂z_k = a_i(δ_ik − a_k)
		for r := 0; r < rows; r++ {
			ar, gr := a[r*n:(r+1)*n], g[r*n:(r+1)*n]
			var s T
			for k, v := range ar {
				s += v * gr[k]
			}
			for i, v := range ar {
				gr[i] = v * (gr[i] - s)
			}
		}
	}
}

// reluMask sets g_i = 0 where z_i ≤ 0, without branches: the signs of z
// are random, and a mispredicted branch per element costs more than the
// arithmetic. z_i > 0 exactly when its bits b satisfy b ≥ 1 and b − 1 ≥ 0
// as signed integers (this excludes +0, −0 and every negative number).
func reluMask[T Float](z, g []T) {
	switch zs := any(z).(type) {
	case []float32:
		g := any(g).([]float32)
		for i, v := range zs {
			b := int32(math.Float32bits(v))
			keep := ^uint32((b | (b - 1)) >> 31) // all ones when z > 0
			g[i] = math.Float32frombits(math.Float32bits(g[i]) & keep)
		}
	case []float64:
		g := any(g).([]float64)
		for i, v := range zs {
			b := int64(math.Float64bits(v))
			keep := ^uint64((b | (b - 1)) >> 63)
			g[i] = math.Float64frombits(math.Float64bits(g[i]) & keep)
		}
	default:
		for i, v := range z {
			if v <= 0 {
				g[i] = 0
			}
		}
	}
}
