// Package exact computes the loss and output delta of one example in
// multiple-precision arithmetic (math/big), as the oracle of the engine's
// tests: for any net input z, however saturated, and for every activation ×
// loss pair.
//
// Two oracles, independent of the engine's code:
//
//   - Definition evaluates the definitions as written (o = f(z), J(y, o),
//     ∂J/∂o, δ = J_f(z)ᵀ ∇_o J) at a precision high enough that nothing
//     cancels: for net inputs up to about |z| = 100.
//   - Closed evaluates closed forms derived by hand (one output at a time for
//     the elementwise activations, two outputs for softmax, where
//     softmax(z) = (σ(d), σ(−d)) with d = z_1 − z_2), each free of
//     cancellation, so 256 bits suffice at any z.
//
// Activations and losses are named as in model files ("sigmoid", "log").
package exact

import (
	"fmt"
	"math"
	"math/big"
)

// prec is the working precision of Closed.
const prec = 256

func newF(p uint) *big.Float { return new(big.Float).SetPrec(p) }
func num(v float64, p uint) *big.Float {
	return newF(p).SetFloat64(v)
}
func add(a, b *big.Float) *big.Float { return newF(a.Prec()).Add(a, b) }
func sub(a, b *big.Float) *big.Float { return newF(a.Prec()).Sub(a, b) }
func mul(a, b *big.Float) *big.Float { return newF(a.Prec()).Mul(a, b) }
func quo(a, b *big.Float) *big.Float { return newF(a.Prec()).Quo(a, b) }
func neg(a *big.Float) *big.Float    { return newF(a.Prec()).Neg(a) }
func f64(a *big.Float) float64       { v, _ := a.Float64(); return v }

// Exp is e^x at the precision of x.
func Exp(x *big.Float) *big.Float {
	p := x.Prec() + 64
	r := newF(p).Set(x)
	// e^x = (e^(x/2^k))^(2^k) with |x/2^k| < 2^-20.
	k := 0
	if e := r.MantExp(nil); e > -20 {
		k = e + 20
		r.SetMantExp(r, -k)
	}
	sum, term := num(1, p), num(1, p)
	eps := newF(p).SetMantExp(num(1, p), -int(p))
	for i := 1; ; i++ {
		term = quo(mul(term, r), num(float64(i), p))
		sum = add(sum, term)
		if newF(p).Abs(term).Cmp(eps) < 0 {
			break
		}
	}
	for range k {
		sum = mul(sum, sum)
	}
	return newF(x.Prec()).Set(sum)
}

// Log is log x for x > 0, at the precision of x: Newton's iteration
// y ← y + 2(x − e^y)/(x + e^y) from the float64 logarithm of the mantissa,
// plus the exponent times log 2.
func Log(x *big.Float) *big.Float {
	if x.Sign() <= 0 {
		panic("exact.Log of a number ≤ 0")
	}
	p := x.Prec() + 32
	m := newF(p)
	e := x.MantExp(m) // x = m·2^e, m in [0.5, 1)
	y := logNewton(m, p)
	if e != 0 {
		y = add(y, mul(num(float64(e), p), logNewton(num(2, p), p)))
	}
	return newF(x.Prec()).Set(y)
}

func logNewton(x *big.Float, p uint) *big.Float {
	xf, _ := x.Float64()
	y := num(math.Log(xf), p)
	for bits := uint(50); ; bits *= 3 {
		ey := Exp(y)
		y = add(y, quo(mul(num(2, p), sub(x, ey)), add(x, ey)))
		if bits > 2*p {
			return y
		}
	}
}

// Log1p is log(1 + t) for t > −1, exact also for tiny t (its series).
func Log1p(t *big.Float) *big.Float {
	p := t.Prec()
	if t.Sign() == 0 {
		return newF(p)
	}
	if t.MantExp(nil) > -30 {
		return Log(add(num(1, p), t))
	}
	sum, pow := newF(p), newF(p).Set(t)
	eps := newF(p).SetMantExp(num(1, p), -int(p))
	for i := 1; ; i++ {
		term := quo(pow, num(float64(i), p))
		if i%2 == 0 {
			sum = sub(sum, term)
		} else {
			sum = add(sum, term)
		}
		if newF(p).Abs(term).Cmp(newF(p).Mul(eps, newF(p).Abs(sum))) < 0 {
			return sum
		}
		pow = mul(pow, t)
	}
}

// sigma returns σ(x) = 1/(1 + e^−x) and σ(−x), and log σ(x) and log σ(−x)
// (log σ(x) = −log(1 + e^−x) = −(max(−x, 0) + log1p(e^−|x|))).
func sigma(x float64) (s, sm, logs, logsm *big.Float) {
	X := num(x, prec)
	one := num(1, prec)
	s = quo(one, add(one, Exp(neg(X))))
	sm = quo(one, add(one, Exp(X)))
	l := Log1p(Exp(num(-math.Abs(x), prec)))
	logs = neg(add(num(math.Max(-x, 0), prec), l))
	logsm = neg(add(num(math.Max(x, 0), prec), l))
	return
}

// Closed returns E = J(y, o) and δ^L for the output activation f (leaky slope
// s), the loss J, net inputs z and targets y, from closed forms. Softmax
// takes exactly two outputs.
func Closed(f, J string, s float64, z, y []float64) (E float64, delta []float64) {
	one := num(1, prec)
	Eb := newF(prec)
	delta = make([]float64, len(z))
	if f == "softmax" {
		if len(z) != 2 {
			panic("exact.Closed: softmax with two outputs only")
		}
		d := z[0] - z[1]
		p, q, logp, logq := sigma(d)
		y1, y2 := num(y[0], prec), num(y[1], prec)
		e1, e2 := errs(d, p, q, y1), errs(-d, q, p, y2)
		var d1 *big.Float
		switch J {
		case "squared": // δ_1 = pq(e_1 − e_2) = −δ_2
			Eb = quo(add(mul(e1, e1), mul(e2, e2)), num(2, prec))
			d1 = mul(mul(p, q), sub(e1, e2))
		case "log": // J = −[(1 + y1 − y2) log p + (1 − y1 + y2) log q]
			a, b := sub(add(one, y1), y2), add(sub(one, y1), y2)
			Eb = neg(add(xlog(a, logp), xlog(b, logq)))
			d1 = sub(mul(p, b), mul(q, a))
		case "cross-entropy": // δ = o − y (the targets sum to 1)
			Eb = neg(add(xlog(y1, logp), xlog(y2, logq)))
			delta[0], delta[1] = f64(e1), f64(e2)
			return f64(Eb), delta
		}
		delta[0], delta[1] = f64(d1), f64(neg(d1))
		return f64(Eb), delta
	}
	for k, zk := range z {
		Z, Y := num(zk, prec), num(y[k], prec)
		var e, fp, term, dk *big.Float // o − y, f′(z), J's term, δ
		switch f {
		case "identity":
			e, fp = sub(Z, Y), one
		case "relu", "leaky-relu":
			a := Z
			if zk <= 0 {
				a = mul(num(slope(f, s), prec), Z)
			}
			e = sub(a, Y)
		case "sigmoid":
			p, q, logp, logq := sigma(zk)
			e, fp = errs(zk, p, q, Y), mul(p, q)
			switch J {
			case "log":
				term = neg(add(xlog(Y, logp), xlog(sub(one, Y), logq)))
				dk = e
			case "cross-entropy":
				term = neg(xlog(Y, logp))
				dk = neg(mul(Y, q))
			}
		case "tanh": // 1 − |tanh z| = u = 2e^(−2|z|)/(1 + e^(−2|z|)), f′ = u(2 − u)
			ez := Exp(num(-2*math.Abs(zk), prec))
			u := quo(mul(num(2, prec), ez), add(one, ez))
			fp = mul(u, sub(num(2, prec), u))
			if zk >= 0 {
				e = sub(sub(one, Y), u)
			} else {
				e = sub(u, add(one, Y))
			}
		default:
			panic(fmt.Sprintf("exact.Closed: activation %q", f))
		}
		if f == "relu" || f == "leaky-relu" {
			fp = one
			if zk <= 0 {
				fp = num(slope(f, s), prec)
			}
		}
		if J == "squared" {
			term = quo(mul(e, e), num(2, prec))
			dk = mul(e, fp)
		}
		if term == nil {
			panic(fmt.Sprintf("exact.Closed: pair %s + %s", f, J))
		}
		Eb = add(Eb, term)
		delta[k] = f64(dk)
	}
	return f64(Eb), delta
}

// slope is the slope of f for z ≤ 0: 0 for relu, s for leaky relu.
func slope(f string, s float64) float64 {
	if f == "relu" {
		return 0
	}
	return s
}

// errs is o − y for o = σ(x), 1 − o = σ(−x): (1 − y) − σ(−x) when o > ½.
func errs(x float64, o, c, y *big.Float) *big.Float {
	if x > 0 {
		return sub(sub(num(1, prec), y), c)
	}
	return sub(o, y)
}

// xlog is a·log b with 0·log 0 = 0.
func xlog(a, logb *big.Float) *big.Float {
	if a.Sign() == 0 {
		return newF(prec)
	}
	return mul(a, logb)
}

// Definition returns E and δ^L from the definitions, at p bits: o = f(z);
// J(y, o); g = ∂J/∂o; δ = J_f(z)ᵀ g. 1 − o is computed as σ(−z) or as the
// sum of the other softmax outputs, so p = 4·max|z|·log₂e + 128 bits
// suffice.
func Definition(f, J string, s float64, z, y []float64) (E float64, delta []float64) {
	var m float64
	for _, v := range z {
		m = math.Max(m, math.Abs(v))
	}
	p := uint(4*m*math.Log2E) + 128
	n := len(z)
	one := num(1, p)
	o, c, fp := make([]*big.Float, n), make([]*big.Float, n), make([]*big.Float, n)
	switch f {
	case "softmax":
		ez := make([]*big.Float, n)
		S := newF(p)
		for k, v := range z {
			ez[k] = Exp(num(v, p))
			S = add(S, ez[k])
		}
		for k := range z {
			rest := newF(p)
			for j := range z {
				if j != k {
					rest = add(rest, ez[j])
				}
			}
			o[k], c[k] = quo(ez[k], S), quo(rest, S)
		}
	default:
		for k, v := range z {
			Z := num(v, p)
			switch f {
			case "identity":
				o[k], fp[k] = Z, one
			case "relu", "leaky-relu":
				o[k], fp[k] = Z, one
				if v <= 0 {
					o[k], fp[k] = mul(num(slope(f, s), p), Z), num(slope(f, s), p)
				}
			case "sigmoid":
				o[k] = quo(one, add(one, Exp(neg(Z))))
				c[k] = quo(one, add(one, Exp(Z)))
				fp[k] = mul(o[k], c[k])
			case "tanh":
				ep, em := Exp(Z), Exp(neg(Z))
				o[k] = quo(sub(ep, em), add(ep, em))
				ch := quo(add(ep, em), num(2, p))
				fp[k] = quo(one, mul(ch, ch))
			}
		}
	}
	Eb := newF(p)
	g := make([]*big.Float, n)
	for k := range z {
		Y := num(y[k], p)
		switch J {
		case "squared":
			e := sub(o[k], Y)
			Eb = add(Eb, quo(mul(e, e), num(2, p)))
			g[k] = e
		case "log":
			if Y.Sign() != 0 {
				Eb = sub(Eb, mul(Y, Log(o[k])))
			}
			if y[k] != 1 {
				Eb = sub(Eb, mul(sub(one, Y), Log(c[k])))
			}
			g[k] = add(neg(quo(Y, o[k])), quo(sub(one, Y), c[k]))
		case "cross-entropy":
			if Y.Sign() != 0 {
				Eb = sub(Eb, mul(Y, Log(o[k])))
			}
			g[k] = neg(quo(Y, o[k]))
		}
	}
	delta = make([]float64, n)
	if f != "softmax" {
		for k := range z {
			delta[k] = f64(mul(fp[k], g[k]))
		}
		return f64(Eb), delta
	}
	// δ_i = Σ_k ∂o_k/∂z_i·g_k, ∂o_k/∂z_i = o_k(δ_ik − o_i): o_i(1 − o_i) for
	// k = i, −o_k·o_i otherwise.
	for i := range z {
		d := mul(mul(o[i], c[i]), g[i])
		for k := range z {
			if k != i {
				d = sub(d, mul(mul(o[k], o[i]), g[k]))
			}
		}
		delta[i] = f64(d)
	}
	return f64(Eb), delta
}
