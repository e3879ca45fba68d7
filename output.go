package backprop

import "math"

// The output layer: the loss J(y, o) of one example and its output delta
// δ^L = ∂J/∂z^L (docs/notation.md, equations (3) and (L1) to (L3)), computed
// from the net input z^L in closed form for every activation × loss pair, so
// that nothing is divided by o or 1 − o and nothing is taken from an output
// that has rounded to 0 or 1:
//
//   - log o and log(1 − o) come from z: log σ(z) = −softplus(−z) and
//     log(1 − σ(z)) = −softplus(z); log softmax(z)_k = z_k − logsumexp(z) and
//     log(1 − softmax(z)_k) = logsumexp(z without z_k) − logsumexp(z);
//   - 1 − o is σ(−z) for a sigmoid and the sum of the other outputs for a
//     softmax, so o − y = (1 − y) − (1 − o) keeps its digits when o ≈ 1;
//   - the chain rule δ = J_f(z)ᵀ ∇_o J is multiplied out symbolically
//     (for example, sigmoid + cross-entropy: o(1 − o)·(−y/o) = −y(1 − o)).
//
// Everything is computed in float64, also for float32 networks, and δ is
// rounded once. The matched pairs keep their fast path δ = o − y, with the
// complement form for a saturated output.

// outK is what the rules of the table read of one output k, each computed
// from z without cancellation.
type outK struct {
	y, o  float64 // the target and o_k
	c     float64 // 1 − o_k
	e     float64 // o_k − y_k
	logo  float64 // log o_k (probability outputs only)
	logc  float64 // log(1 − o_k) (probability outputs only)
	dfdz  float64 // f′(z_k) (elementwise activations)
	delta float64 // δ^L_k
	rest  float64 // scratch: a suffix sum over the outputs after k
}

// lossRule is one row of the table of losses: J's term for output k and
// ∂J/∂o_k, each with its formula (docs/notation.md, (L1) to (L3)). The rules
// read log o and log(1 − o), never o alone, so they stay finite where o has
// rounded to 0 or 1.
type lossRule struct {
	text LossFormulas
	term func(q *outK) float64 // J's term of output k
	grad func(q *outK) float64 // ∂J/∂o_k (it may overflow: −y/o at o ≈ 0)
}

// LossFormulas are the texts of a loss's row of the table.
type LossFormulas struct {
	J        string // J(y, o) of one example
	Gradient string // ∂J/∂o_k
	// Factored is ∂J/∂o of one output over its activation's derivative,
	// where that form shows the cancellation of a matched pair ("" if none).
	Factored string
}

var lossRules = [...]lossRule{
	Squared: {LossFormulas{"½·Σ_k (o_k - y_k)²", "o_k - y_k", "o - y"},
		func(q *outK) float64 { return q.e * q.e / 2 },
		func(q *outK) float64 { return q.e }},
	Log: {LossFormulas{"-Σ_k (y_k·log(o_k) + (1 - y_k)·log(1 - o_k))", "-y_k/o_k + (1 - y_k)/(1 - o_k)", "(o - y)/(o·(1 - o))"},
		func(q *outK) float64 { return -(xlogy(q.y, q.logo) + xlogy(1-q.y, q.logc)) },
		func(q *outK) float64 { return -xexp(q.y, -q.logo) + xexp(1-q.y, -q.logc) }},
	CrossEntropy: {LossFormulas{"-Σ_k y_k·log(o_k)", "-y_k/o_k", ""},
		func(q *outK) float64 { return -xlogy(q.y, q.logo) },
		func(q *outK) float64 { return -xexp(q.y, -q.logo) }},
}

// Formulas returns J's row of the table as text.
func (J Loss) Formulas() LossFormulas { return lossRules[J].text }

// xexp is x·e^v with 0·e^v = 0 (a target of 0 takes nothing from a term that
// overflows).
func xexp(x, v float64) float64 {
	if x == 0 {
		return 0
	}
	return x * math.Exp(v)
}

// xlogy is x·log y with 0·log 0 = 0 (a target of 0 takes nothing from a
// log that is −∞).
func xlogy(x, logy float64) float64 {
	if x == 0 {
		return 0
	}
	return x * logy
}

// outputRow returns J(y, o) of one example from the net input z and output a
// of the output layer, and writes δ^L to delta unless it is nil. q is
// scratch of len(z). When tr is not nil it receives ∂J/∂o_k (tr[0]) and
// f′(z_k), or Σ_k o_k·∂J/∂o_k for softmax (tr[1][0]), for the trace; the
// trace never changes E or δ.
func outputRow[T Float](J Loss, f Activation, slope T, z, a, y, delta []T, q []outK, tr *[2][]T) float64 {
	var E float64
	matched := true
	switch {
	case f == Identity && J == Squared:
		E = identitySquaredRow(a, y, delta)
	case f == Sigmoid && J == Log:
		E = sigmoidLogRow(z, a, y, delta, nil)
	case f == Softmax && J == CrossEntropy:
		E = softmaxCrossEntropyRow(z, a, y, delta)
	default:
		matched = false
	}
	if matched && tr == nil {
		return E
	}
	q = q[:len(z)]
	if f == Softmax {
		softmaxOut(z, y, q)
	} else {
		for k := range q {
			elementOut(f, float64(slope), float64(z[k]), float64(a[k]), float64(y[k]), &q[k])
		}
	}
	rule := &lossRules[J]
	if !matched {
		for k := range q {
			E += rule.term(&q[k])
		}
		if delta != nil {
			switch {
			case f != Softmax:
				for k := range q {
					q[k].delta = elementDelta(J, &q[k])
				}
			case J == Squared:
				softmaxSquaredDelta(q)
			default: // log loss
				softmaxLogDelta(q)
			}
			for k := range q {
				delta[k] = T(q[k].delta)
			}
		}
	}
	if tr != nil {
		var s float64 // Σ_k o_k ∂J/∂o_k, for softmax
		for k := range q {
			g := rule.grad(&q[k])
			tr[0][k] = T(g)
			if q[k].o != 0 {
				s += q[k].o * g
			}
			if f != Softmax {
				tr[1][k] = T(q[k].dfdz)
			}
		}
		if f == Softmax {
			tr[1][0] = T(s)
		}
	}
	return E
}

// The matched pairs' rows return E and write δ = o − y to delta unless it is
// nil.

// matchedPair reports whether f and J are a matched pair, whose δ^L is
// o − y.
func matchedPair(f Activation, J Loss) bool {
	return f == Identity && J == Squared || f == Sigmoid && J == Log || f == Softmax && J == CrossEntropy
}

// matchedDelta writes δ^L of the matched pair f (and its loss) for rows of
// z, a and targets y (each of len(delta)/n outputs) without computing E: the
// δ of the rows below, bit for bit, without their logarithms and (but for
// saturated sigmoid outputs) exponentials. A sigmoid's e^(−|z|) is read
// from ez unless it is nil.
func matchedDelta[T Float](f Activation, z, a, y, delta []T, n int, ez []T) {
	switch f {
	case Identity:
		for k := range delta {
			delta[k] = a[k] - y[k]
		}
	case Sigmoid:
		for k, v := range z[:len(delta)] {
			var e float64
			switch {
			case v <= 2:
			case ez != nil:
				e = float64(ez[k])
			default:
				e = expT(-float64(v), v)
			}
			delta[k] = sigmoidLogDelta(v, a[k], y[k], e)
		}
	case Softmax:
		for r := 0; r < len(delta); r += n {
			softmaxCrossEntropyDelta(argmax(z[r:r+n]), a[r:r+n], y[r:r+n], delta[r:r+n])
		}
	}
}

// identitySquaredRow is the matched pair identity + squared loss.
func identitySquaredRow[T Float](a, y, delta []T) float64 {
	var E float64
	for k := range a {
		d := a[k] - y[k]
		if delta != nil {
			delta[k] = d
		}
		E += float64(d) * float64(d) / 2
	}
	return E
}

// elementOut fills q for output k of an elementwise activation.
func elementOut(f Activation, s, z, a, y float64, q *outK) {
	*q = outK{y: y, o: a, e: a - y}
	switch f {
	case Sigmoid:
		ez := math.Exp(-math.Abs(z))
		sp := math.Log1p(ez) // softplus(−|z|)
		if z >= 0 {
			q.o, q.c = 1/(1+ez), ez/(1+ez)
			q.e = (1 - y) - q.c
		} else {
			q.o, q.c = ez/(1+ez), 1/(1+ez)
			q.e = q.o - y
		}
		q.logo, q.logc = -(max(-z, 0) + sp), -(max(z, 0) + sp)
	case Tanh:
		q.o = math.Tanh(z)
		q.e = q.o - y
		if z != 0 { // 1 ∓ tanh z = 2e/(1 + e), e = e^(−2|z|)
			ez := math.Exp(-2 * math.Abs(z))
			u := 2 * ez / (1 + ez)
			if z > 0 {
				q.e = (1 - y) - u
			} else {
				q.e = u - (1 + y)
			}
		}
	}
	q.dfdz = activationRules[f].deriv(z, q.o, s)
}

// elementDelta is δ = f′(z)·∂J/∂o for an elementwise activation, multiplied
// out: (o − y)·f′(z) for the squared loss; for a sigmoid, whose f′ is
// o(1 − o), o(1 − o)·(−y/o + (1 − y)/(1 − o)) = −y(1 − o) + (1 − y)o = o − y
// for the log loss and o(1 − o)·(−y/o) = −y(1 − o) for cross-entropy.
func elementDelta(J Loss, q *outK) float64 {
	switch {
	case J == Squared:
		return q.e * q.dfdz
	case J == Log: // sigmoid (the log losses need probabilities)
		return q.e
	default: // cross-entropy, sigmoid
		return -q.y * q.c
	}
}

// sigmoidLogRow is the matched pair sigmoid + log loss: δ = o − y, as
// (1 − y) − σ(−z) where o is near 1. e^(−|z|) is read from e unless it is
// nil.
func sigmoidLogRow[T Float](z, a, y, delta, e []T) float64 {
	var E float64
	for k := range z {
		zk, yk := float64(z[k]), float64(y[k])
		var ez float64
		if e != nil {
			ez = float64(e[k])
		} else {
			ez = expT(-math.Abs(zk), z[k])
		}
		sp := math.Log1p(ez)
		E -= xlogy(yk, -(max(-zk, 0)+sp)) + xlogy(1-yk, -(max(zk, 0)+sp))
		if delta != nil {
			delta[k] = sigmoidLogDelta(z[k], a[k], y[k], ez)
		}
	}
	return E
}

// sigmoidLogDelta is δ = o − y of one output of the pair sigmoid + log
// loss, given ez = e^(−|z|) (read only for z > 2): a − y, or (1 − y) − σ(−z)
// above z = 2, where o is near 1.
func sigmoidLogDelta[T Float](z, a, y T, ez float64) T {
	if z <= 2 {
		return a - y
	}
	return T((1 - float64(y)) - ez/(1+ez))
}

// softmaxCrossEntropyRow is the matched pair softmax + cross-entropy:
// δ = o − y, with 1 − o_k as the sum of the other outputs for the largest
// output (where o_k may be near 1), and J = −Σ_k y_k log o_k.
func softmaxCrossEntropyRow[T Float](z, a, y, delta []T) float64 {
	kmax, m, s1 := logsumexp(z)
	l1 := math.Log1p(s1)
	var E float64
	for k := range z {
		if yk := float64(y[k]); yk != 0 {
			E -= yk * ((float64(z[k]) - m) - l1) // y_k·log o_k
		}
	}
	if delta != nil {
		softmaxCrossEntropyDelta(kmax, a, y, delta)
	}
	return E
}

// softmaxCrossEntropyDelta is δ = o − y of a row of the pair softmax +
// cross-entropy whose largest output is kmax, with 1 − o_kmax as the sum of
// the other outputs.
func softmaxCrossEntropyDelta[T Float](kmax int, a, y, delta []T) {
	var c float64 // Σ_(k≠kmax) o_k = 1 − o_kmax
	for k := range delta {
		if k != kmax {
			c += float64(a[k])
		}
		delta[k] = a[k] - y[k]
	}
	delta[kmax] = T((1 - float64(y[kmax])) - c)
}

// logsumexp returns the index kmax of the largest z, m = z_kmax and
// s1 = Σ_(k≠kmax) e^(z_k − m), so that logsumexp z = m + log1p(s1) and
// log softmax(z)_k = (z_k − m) − log1p(s1), exact also for the largest
// output, whose log is −log1p(s1) ≈ −s1.
func logsumexp[T Float](z []T) (kmax int, m, s1 float64) {
	kmax = argmax(z)
	m = float64(z[kmax])
	for k, v := range z {
		if k != kmax {
			s1 += math.Exp(float64(v) - m)
		}
	}
	return kmax, m, s1
}

// argmax returns the index of the first largest z.
func argmax[T Float](z []T) int {
	kmax := 0
	for k, v := range z {
		if v > z[kmax] {
			kmax = k
		}
	}
	return kmax
}

// softmaxOut fills q for a softmax output row: o_k, 1 − o_k, log o_k and
// log(1 − o_k). For the largest output 1 − o = s1/(1 + s1) and
// log(1 − o) = logsumexp(the others) − logsumexp(z), the first from the
// others' own largest value m2, so that neither underflows.
func softmaxOut[T Float](z, y []T, q []outK) {
	kmax, m, s1 := logsumexp(z)
	l1 := math.Log1p(s1)
	logc := math.Inf(-1) // log(1 − o_kmax)
	if len(z) > 1 {
		k2 := (kmax + 1) % len(z) // the largest of the others
		for k, v := range z {
			if k != kmax && v > z[k2] {
				k2 = k
			}
		}
		m2 := float64(z[k2])
		var s2 float64
		for k, v := range z {
			if k != kmax && k != k2 {
				s2 += math.Exp(float64(v) - m2)
			}
		}
		logc = (m2 - m) + math.Log1p(s2) - l1
	}
	for k := range q {
		zk, yk := float64(z[k]), float64(y[k])
		p := outK{y: yk, logo: (zk - m) - l1, o: math.Exp(zk-m) / (1 + s1)}
		if k == kmax {
			p.c, p.logc = s1/(1+s1), logc
			if s1 == 0 || math.IsInf(s1, 0) {
				p.c = math.Exp(logc)
			}
			p.e = (1 - yk) - p.c
		} else { // o_k ≤ ½
			p.c, p.logc = 1-p.o, math.Log1p(-p.o)
			p.e = p.o - yk
		}
		q[k] = p
	}
}

// softmaxSquaredDelta is δ_i = o_i·(g_i − Σ_k o_k g_k) with g = o − y,
// written δ_i = o_i·((1 − o_i)·e_i − Σ_(k≠i) o_k e_k), e = o − y, the sum
// over the others taken as a prefix plus a suffix (no subtraction).
func softmaxSquaredDelta(q []outK) {
	var suf float64
	for k := len(q) - 1; k >= 0; k-- {
		q[k].rest = suf
		suf += q[k].o * q[k].e
	}
	var pre float64
	for i := range q {
		p := &q[i]
		p.delta = p.o * (p.c*p.e - (pre + p.rest))
		pre += p.o * p.e
	}
}

// softmaxLogDelta is the softmax Jacobian times the log loss's gradient,
// multiplied out:
//
//	δ_i = −y_i(1 − o_i) + o_i(1 + Σ_k y_k − 2y_i) − o_i·Σ_(k≠i) (1 − y_k)·ρ_k,
//
// with ρ_k = o_k/(1 − o_k). For every output but the largest, ρ_k ≤ 1 and
// the sum over the others is a prefix plus a suffix; the largest output's
// term, o_i·ρ_kmax = exp(log o_i + log o_kmax − log(1 − o_kmax)) ≤ 1, is
// taken in logs.
func softmaxLogDelta(q []outK) {
	kmax := 0
	var Y float64
	for k := range q {
		Y += q[k].y
		if q[k].o > q[kmax].o {
			kmax = k
		}
	}
	t := func(k int) float64 { // (1 − y_k)·ρ_k, the largest output's left out
		if k == kmax || q[k].y == 1 {
			return 0
		}
		return (1 - q[k].y) * math.Exp(q[k].logo-q[k].logc)
	}
	var suf float64
	for k := len(q) - 1; k >= 0; k-- {
		q[k].rest = suf
		suf += t(k)
	}
	var pre float64
	for i := range q {
		p := &q[i]
		s := p.o * (pre + p.rest)
		if i != kmax && q[kmax].y != 1 {
			s += (1 - q[kmax].y) * math.Exp(p.logo+q[kmax].logo-q[kmax].logc)
		}
		p.delta = -p.y*p.c + p.o*(1+Y-2*p.y) - s
		pre += t(i)
	}
}

// expT is e^x, with float32's expNeg when the network computes in float32
// (like only carries the type): to float32 precision, at a fraction of the
// cost of math.Exp.
func expT[T Float](x float64, like T) float64 {
	if _, ok := any(like).(float32); ok {
		return float64(expNeg(float32(x)))
	}
	return math.Exp(x)
}
