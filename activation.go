package backprop

import (
	"fmt"
	"math"
	"strings"

	"github.com/backprop-go/backprop/internal/kernel"
)

// Activation names a layer's activation function f, applied to the net input
// z^l to give a^l = f(z^l). Each one has its derivative beside it below.
type Activation int

// The activations, equations (A1) to (A6) of docs/notation.md.
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

// activationRule is one row of the table of activations: f and f′ of one
// scalar net input z, each with its formula. The vector loops below, the
// output delta (output.go), explain and serve all take their numbers and
// their text from this table (docs/notation.md, equations (A1) to (A6)).
type activationRule struct {
	text  ActivationFormulas
	eval  func(z, s float64) float64    // a = f(z); s is the leaky slope
	deriv func(z, a, s float64) float64 // f′(z), given z and a = f(z)
}

// ActivationFormulas are the texts of an activation's row of the table, in
// the notation of docs/notation.md (a = f(z); s is the leaky slope).
type ActivationFormulas struct {
	F          string // f: a = F
	Derivative string // f′(z) = Derivative; for softmax the Jacobian ∂a_k/∂z_i
	// Backward is δ from g = ∂E/∂a through f: for softmax the Jacobian
	// product δ_i = Backward; "f'(z)·g" for the elementwise activations.
	Backward string
}

// The table. Softmax is not elementwise: its row holds the formula text, and
// its Jacobian product is in backward (and output.go for the output layer).
var activationRules = [...]activationRule{
	Identity: {ActivationFormulas{"z", "1", "f'(z)·g"},
		func(z, _ float64) float64 { return z }, func(_, _, _ float64) float64 { return 1 }},
	Sigmoid: {ActivationFormulas{"1/(1 + e^(-z))", "a·(1 - a)", "f'(z)·g"},
		func(z, _ float64) float64 { return sigmoid(z) }, func(z, a, _ float64) float64 { return dsigmoid(z, a) }},
	Tanh: {ActivationFormulas{"tanh(z)", "1 - a²", "f'(z)·g"},
		func(z, _ float64) float64 { return math.Tanh(z) }, func(z, a, _ float64) float64 { return dtanh(z, a) }},
	ReLU: {ActivationFormulas{"max(0, z)", "1 if z > 0, else 0", "f'(z)·g"},
		func(z, _ float64) float64 { return max(z, 0) }, func(z, _, _ float64) float64 { return drelu(z, 0) }},
	LeakyReLU: {ActivationFormulas{"z if z > 0, else s·z", "1 if z > 0, else s", "f'(z)·g"},
		leaky, func(z, _, s float64) float64 { return drelu(z, s) }},
	Softmax: {ActivationFormulas{"e^(z_i)/Σ_k e^(z_k)", "a_k·(1 - a_i) if k = i, else -a_k·a_i", "a_i·(g_i - Σ_k a_k·g_k)"},
		nil, nil},
}

// Formulas returns f's row of the table as text: f, f′ and the backward
// rule.
func (f Activation) Formulas() ActivationFormulas { return activationRules[f].text }

// sigmoid is 1/(1+e^-z), computed without overflow for any z.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// sigmoids is a = σ(z) elementwise: sigmoid, or in float32 sigmoids32.
// Unless ez is nil it also keeps each e = e^(−|z|) the sigmoid computed,
// the value expT gives (the output layer's closed forms read it).
func sigmoids[T Float](z, a, ez []T) {
	a = a[:len(z)]
	if z32, ok := any(z).([]float32); ok {
		sigmoids32(z32, any(a).([]float32), any(ez).([]float32))
		return
	}
	if ez == nil {
		for i, v := range z {
			a[i] = T(sigmoid(float64(v)))
		}
		return
	}
	for i, v := range z { // sigmoid(v), with its e^(−|z|) kept
		e := math.Exp(-math.Abs(float64(v)))
		ez[i] = T(e)
		if v >= 0 {
			a[i] = T(1 / (1 + e))
		} else {
			a[i] = T(e / (1 + e))
		}
	}
}

// sigmoids32 is sigmoid in float32 arithmetic: 1/(1 + e) for z ≥ 0,
// e/(1 + e) below, with e = e^(−|z|) by expNeg, written out (expm inlined)
// so that the loop calls nothing but for z below −87. Unless ez is nil it
// keeps each e.
func sigmoids32(z, a, ez []float32) {
	a = a[:len(z)]
	for i, v := range z {
		x := math.Float32frombits(math.Float32bits(v) | 1<<31) // −|z|
		var e float32
		if x >= -87 {
			e = expm(x)
		} else {
			e = expNeg(x)
		}
		if ez != nil {
			ez[i] = e
		}
		if v >= 0 {
			a[i] = 1 / (1 + e)
		} else {
			a[i] = e / (1 + e)
		}
	}
}

// dsigmoids is g ← σ′(z) ⊙ g given a = σ(z), as backward computes it.
func dsigmoids[T Float](z, a, g []T) {
	lim := zExact(z)
	a, g = a[:len(z)], g[:len(z)]
	for i, v := range z {
		if v <= lim {
			g[i] *= a[i] * (1 - a[i])
		} else {
			g[i] *= dsigmoidT(v, a[i])
		}
	}
}

// dsigmoid is σ′(z) = σ(z)·σ(−z), given a = σ(z). Where a carries its
// rounding into 1 − a by less than 2 ulps (z ≤ 1) it is a·(1 − a); beyond,
// toward saturation, it is e/(1 + e)² with e = e^(−z), exact to the last bits
// at any z.
func dsigmoid(z, a float64) float64 {
	if z <= 1 {
		return a * (1 - a)
	}
	e := math.Exp(-z)
	return e / ((1 + e) * (1 + e))
}

// dsigmoid32 is dsigmoid in float32 arithmetic, with expNeg. It keeps
// a·(1 − a), as float32 frameworks compute it, up to z = 8 (1 − a ≈ 3.4e-4,
// where a's rounding costs at most about 5e-5 relative) and takes the exact
// form only where a saturates: hidden sigmoid units of a float32 network spend
// no exponential on their derivative in the common range (z = 3 instead,
// for float32 precision throughout, costs W4 about 10%).
func dsigmoid32(z, a float32) float32 {
	if z <= 8 {
		return a * (1 - a)
	}
	e := expNeg(-z)
	return e / ((1 + e) * (1 + e))
}

// zExact is the net input beyond which dsigmoid (float64: 1) or dsigmoid32
// (float32: 8) takes the exact form; like only carries the type.
func zExact[T Float](like []T) T {
	if _, ok := any(like).([]float32); ok {
		return 8
	}
	return 1
}

// dsigmoidT is dsigmoid or dsigmoid32, by the type of T.
func dsigmoidT[T Float](z, a T) T {
	if z32, ok := any(z).(float32); ok {
		return T(dsigmoid32(z32, float32(a)))
	}
	return T(dsigmoid(float64(z), float64(a)))
}

// dtanh is 1 − tanh² z, given a = tanh z: 1 − a² while |z| ≤ 1 (a's
// rounding reaches 1 − a² by less than 4 ulps), else 4e/(1 + e)² with
// e = e^(−2|z|), exact where tanh z has saturated.
func dtanh(z, a float64) float64 {
	if math.Abs(z) <= 1 {
		return 1 - a*a
	}
	e := math.Exp(-2 * math.Abs(z))
	return 4 * e / ((1 + e) * (1 + e))
}

// leaky is the leaky relu with slope s.
func leaky(z, s float64) float64 {
	if z > 0 {
		return z
	}
	return s * z
}

// drelu is the derivative of relu (s = 0) and leaky relu: 1 if z > 0, else
// s (s at z = 0, by convention).
func drelu(z, s float64) float64 {
	if z > 0 {
		return 1
	}
	return s
}

// expNeg is e^x in float32 for x ≤ 0 (the e^(−|z|) of the sigmoid and of
// the output layer's closed forms), to about 1 ulp: x = k·ln2 + r with
// |r| ≤ ln2/2, e^r by its Taylor polynomial of degree 7 (error < 1e-8),
// times 2^k built in the exponent bits. Below −87 (and for NaN) it defers to
// math.Exp.
func expNeg(x float32) float32 {
	if !(x >= -87) {
		return float32(math.Exp(float64(x)))
	}
	return expm(x)
}

// expm is expNeg for −87 ≤ x ≤ 0: k = round(x·log2 e) (ties away from 0),
// then expk.
func expm(x float32) float32 { return expk(x, int32(float32(x*log2e)-0.5)) }

const (
	log2e = 1.44269504088896341
	ln2hi = 0.693359375 // ln 2 split so that k·ln2hi is exact
	ln2lo = -2.12194440e-4
)

// expk is e^x for −87 ≤ x ≤ 0 given k = round(x·log2 e).
func expk(x float32, k int32) float32 {
	kf := float32(k)
	r := x - kf*ln2hi - kf*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	return p * math.Float32frombits(uint32(k+127)<<23)
}

// forward computes a = f(z + b) for a rows×n block (row-major), adding the bias
// b (nil for none) to z in place first, so that z holds the net input z^l.
// When norm is not nil (the trace) a softmax layer writes Σ_k e^(z_k) of each
// row to the row's first value (e^(max z)·Σ_k e^(z_k − max z), +Inf where it
// overflows).
func forward[T Float](f Activation, slope T, z, a, b, norm []T, rows, n int) {
	if f == Softmax {
		addBias(z, b, rows, n)
		softmax(z, a, norm, rows, n)
		return
	}
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
			sigmoids(zr, ar, nil)
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
				ar[i] = T(leaky(float64(v), float64(slope)))
			}
		}
	}
}

// addBias adds b (nil for none) to each of the rows of z (rows×n).
func addBias[T Float](z, b []T, rows, n int) {
	if b == nil {
		return
	}
	for r := 0; r < rows; r++ {
		zr := z[r*n : (r+1)*n]
		for i := range zr {
			zr[i] += b[i]
		}
	}
}

// softmax is forward's softmax on a rows×n block: f_i(z) = e^(z_i − max z) /
// Σ_k e^(z_k − max z), the exponentials in float64 (math.Exp's bits, several
// rows at a time through kernel.Exp), a_i first rounded to T, the sum over
// the row in order.
func softmax[T Float](z, a, norm []T, rows, n int) {
	var buf [256]float64 // e^(z_i − max z) of the rows in hand
	per := max(1, len(buf)/n)
	for r0 := 0; r0 < rows; r0 += per {
		r1 := min(rows, r0+per)
		if n <= len(buf) {
			for r := r0; r < r1; r++ {
				zr, x := z[r*n:(r+1)*n], buf[(r-r0)*n:(r-r0+1)*n]
				m := rowMax(zr)
				for i, v := range zr {
					x[i] = float64(v - m)
				}
			}
			kernel.Exp(buf[:(r1-r0)*n], buf[:(r1-r0)*n])
		}
		for r := r0; r < r1; r++ {
			zr, ar := z[r*n:(r+1)*n], a[r*n:(r+1)*n]
			m := rowMax(zr)
			var s float64
			for i, v := range zr {
				var e float64
				if n <= len(buf) {
					e = buf[(r-r0)*n+i]
				} else {
					e = math.Exp(float64(v - m))
				}
				ar[i] = T(e)
				s += e
			}
			for i := range ar {
				ar[i] = T(float64(ar[i]) / s)
			}
			if norm != nil {
				norm[r*n] = T(s * math.Exp(float64(m)))
			}
		}
	}
}

// rowMax is max z over a row (NaN if one is NaN).
func rowMax[T Float](z []T) T {
	m := z[0]
	for _, v := range z {
		m = max(m, v)
	}
	return m
}

// backward turns g = ∂E/∂a^l into δ^l = ∂E/∂z^l in place, for a rows×n block:
// δ = f'(z) ⊙ g for the elementwise activations (the rules of the table), and
// the softmax Jacobian product δ_i = a_i (g_i − Σ_k a_k g_k) for softmax. When
// fp is not nil it receives f′(z) (elementwise) or Σ_k a_k g_k per row
// (softmax), for the trace.
func backward[T Float](f Activation, slope T, z, a, g, fp []T, rows, n int) {
	switch f {
	case Identity: // f'(z) = 1
		if fp != nil {
			for i := range fp[:rows*n] {
				fp[i] = 1
			}
		}
	case Sigmoid: // f'(z) = σ(z)σ(−z): a(1 − a) up to zExact, the exact form beyond
		zs := z[:rows*n]
		dsigmoids(zs, a, g)
		if fp != nil { // the trace: f′ again, as dsigmoids used it
			for i, v := range a[:rows*n] {
				fp[i] = dsigmoidT(zs[i], v)
			}
		}
	case Tanh: // f'(z) = 1 − tanh² z
		for i, v := range a[:rows*n] {
			g[i] *= T(dtanh(float64(z[i]), float64(v)))
		}
		if fp != nil {
			for i, v := range a[:rows*n] {
				fp[i] = T(dtanh(float64(z[i]), float64(v)))
			}
		}
	case ReLU, LeakyReLU: // f'(z) = 1 if z > 0 else s (0 for relu; s at z = 0, by convention)
		if fp != nil {
			s := float64(slope)
			if f == ReLU {
				s = 0
			}
			for i, v := range z[:rows*n] {
				fp[i] = T(drelu(float64(v), s))
			}
		}
		if f == ReLU {
			kernel.ReLUMask(z[:rows*n], g)
			break
		}
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
			if fp != nil {
				fp[r*n] = s
			}
			for i, v := range ar {
				gr[i] = v * (gr[i] - s)
			}
		}
	}
}
