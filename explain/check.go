package explain

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/backprop-go/backprop"
)

// Check my numbers: a learner's or an author's hand-worked values of a step,
// held against the exact ones.

// MaxClaimsBytes bounds a claims file (4 MiB: a claim for every number of
// the largest step explain shows, MaxExplainWork parameters, takes about
// that much).
const MaxClaimsBytes = 4 << 20

// Claim is one claimed value of a step: a name of explain's (z2_1, a3_1,
// δ1_2, w3_12, w3_12' for a weight after the step, o and o' for the output
// before and after it, E and E' for the error) and the number written.
type Claim struct {
	Name  string  // as written
	Text  string  // the number as written; its precision is that of the claim
	Value float64 // the number
	Line  int     // 1-based line of the claims file
	key   string  // the canonical name
}

// ClaimError is a malformed claims file: the line and what is wrong.
type ClaimError struct {
	File string
	Line int
	Msg  string
}

func (e *ClaimError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// claimLine is "name = value", with an optional comment after #.
var claimLine = regexp.MustCompile(`^\s*([^\s=]+)\s*=\s*([^\s#]+)\s*(?:#.*)?$`)

// claimNumber is a decimal number, with an optional exponent.
var claimNumber = regexp.MustCompile(`^[+-]?(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$`)

// ReadClaims reads a claims file: one "name = value" per line; blank lines
// and lines starting with # are skipped. Names are those of explain for this
// step's network (ASCII spellings too: delta1_2 for δ1_2); each name at most
// once. file names the source in errors.
func (t *Trace) ReadClaims(r io.Reader, file string) ([]Claim, error) {
	if len(t.X) != 1 {
		return nil, fmt.Errorf("%s: checking claims needs a step on one example, not %d", file, len(t.X))
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxClaimsBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxClaimsBytes {
		return nil, fmt.Errorf("%s: more than %d bytes (MaxClaimsBytes)", file, MaxClaimsBytes)
	}
	names := t.quantities()
	known := map[string]bool{}
	for _, q := range names {
		known[q.key] = true
	}
	var claims []Claim
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxClaimsBytes)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := claimLine.FindStringSubmatch(line)
		if m == nil {
			return nil, &ClaimError{file, n, fmt.Sprintf("%q: want name = value, e.g. a3_1 = 0.6718", line)}
		}
		if !claimNumber.MatchString(m[2]) {
			return nil, &ClaimError{file, n, fmt.Sprintf("%s = %s: the value is not a decimal number", m[1], m[2])}
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil || math.IsInf(v, 0) {
			return nil, &ClaimError{file, n, fmt.Sprintf("%s = %s: the value is out of range", m[1], m[2])}
		}
		key := t.canonical(m[1])
		if !known[key] {
			return nil, &ClaimError{file, n, fmt.Sprintf("%s: not a name of this step (explain's names: z2_1, a2_1, δ2_1 or delta2_1, w2_11, w2_11' after the step, o, o', E, E')", m[1])}
		}
		if prev, ok := seen[key]; ok {
			return nil, &ClaimError{file, n, fmt.Sprintf("%s: claimed twice (line %d too)", m[1], prev)}
		}
		seen[key] = n
		claims = append(claims, Claim{Name: m[1], Text: m[2], Value: v, Line: n, key: key})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(claims) == 0 {
		return nil, fmt.Errorf("%s: no claims (want lines such as a3_1 = 0.6718)", file)
	}
	return claims, nil
}

// canonical turns a name as written into explain's: delta → δ, o → a{L}_1,
// o_k → a{L}_k, J → E, ’ → '.
func (t *Trace) canonical(name string) string {
	L, nL := len(t.Layers), t.Net.Outputs()
	name = strings.NewReplacer("’", "'", "′", "'").Replace(name)
	prime := ""
	if strings.HasSuffix(name, "'") {
		name, prime = strings.TrimSuffix(name, "'"), "'"
	}
	switch {
	case strings.HasPrefix(name, "delta"):
		name = "δ" + strings.TrimPrefix(name, "delta")
	case name == "o" && nL == 1:
		name = aName(L, 0)
	case strings.HasPrefix(name, "o_"):
		if k, err := strconv.Atoi(name[2:]); err == nil && k >= 1 && k <= nL {
			name = aName(L, k-1)
		}
	case name == "J":
		name = "E"
	}
	return name + prime
}

// quantity is one number of the step, in the order of the derivation.
type quantity struct {
	key   string
	exact float64
	kind  byte // 'w' weight before, 'z', 'a', 'E', 'd' delta, 'u' weight after; z, a, E after the step with after
	after bool
	l, i  int
	j     int // weights: the input (0 the bias)
}

// quantities lists every number of the step in the order of the
// derivation, with its exact value (the engine's): the weights given, the
// forward pass (z, a of each layer), E, the deltas from the output back,
// the updated weights (the output layer first, as explain lists them), then
// the forward pass after the step and E after it.
func (t *Trace) quantities() []quantity {
	var qs []quantity
	net := t.Net
	L := net.L()
	weights := func(l int, after bool) {
		lay := net.Layer(l)
		for i := range lay.Out {
			for j := 0; j <= lay.In; j++ {
				jj := j + 1 // inputs 1…In, then the bias (0)
				if j == lay.In {
					jj = 0
					if lay.B == nil {
						continue
					}
				} else if !present(lay, i*lay.In+j) {
					continue
				}
				var v float64
				switch {
				case after && jj == 0:
					v = t.Layer(l).BiasAfter[i]
				case after:
					v = t.Layer(l).WeightsAfter[i][jj-1]
				case jj == 0:
					v = lay.B[i]
				default:
					v = lay.W[i*lay.In+jj-1]
				}
				key, kind := wName(l, i, jj), byte('w')
				if after {
					key, kind = key+"'", 'u'
				}
				qs = append(qs, quantity{key: key, exact: v, kind: kind, l: l, i: i, j: jj})
			}
		}
	}
	for l := 1; l <= L; l++ {
		weights(l, false)
	}
	forward := func(z, a [][]float64, after bool) {
		p := ""
		if after {
			p = "'"
		}
		for l := 1; l <= L; l++ {
			for i := range net.Layer(l).Out {
				qs = append(qs, quantity{key: zName(l, i) + p, exact: z[l][i], kind: 'z', after: after, l: l, i: i})
				if net.Layer(l).Activation != backprop.Softmax {
					qs = append(qs, quantity{key: aName(l, i) + p, exact: a[l][i], kind: 'a', after: after, l: l, i: i})
				}
			}
			if net.Layer(l).Activation == backprop.Softmax {
				for i := range net.Layer(l).Out {
					qs = append(qs, quantity{key: aName(l, i) + p, exact: a[l][i], kind: 'a', after: after, l: l, i: i})
				}
			}
		}
	}
	z, a := make([][]float64, L+1), make([][]float64, L+1)
	for l := 1; l <= L; l++ {
		z[l], a[l] = t.Layer(l).Z[0], t.Layer(l).A[0]
	}
	forward(z, a, false)
	qs = append(qs, quantity{key: "E", exact: t.Loss, kind: 'E'})
	for l := L; l >= 1; l-- {
		for i := range net.Layer(l).Out {
			qs = append(qs, quantity{key: dName(l, i), exact: t.Layer(l).Delta[0][i], kind: 'd', l: l, i: i})
		}
	}
	for l := L; l >= 1; l-- {
		weights(l, true)
	}
	za, aa := t.afterPass()
	forward(za, aa, true)
	qs = append(qs, quantity{key: "E'", exact: t.LossAfter, kind: 'E', after: true})
	return qs
}

// afterPass runs the engine forward on the weights after the step and
// returns z and a of every layer (index l) for the example.
func (t *Trace) afterPass() (z, a [][]float64) {
	net := t.Net.Clone()
	for l := 1; l <= net.L(); l++ {
		lay := net.Layer(l)
		for i, row := range t.Layer(l).WeightsAfter {
			copy(lay.W[i*lay.In:(i+1)*lay.In], row)
		}
		copy(lay.B, t.Layer(l).BiasAfter)
	}
	ws := net.NewWorkspace(1)
	ws.Forward(t.X[0])
	z, a = make([][]float64, net.L()+1), make([][]float64, net.L()+1)
	for l := 1; l <= net.L(); l++ {
		n := net.Layer(l).Out
		z[l], a[l] = append([]float64(nil), ws.Z[l][:n]...), append([]float64(nil), ws.A[l][:n]...)
	}
	return z, a
}

// recompute is a quantity computed by hand from the values v of the numbers
// before it (claimed or themselves recomputed), as the derivation writes it:
// (1) and (2) forward, (L1)–(L3) for E, (5)–(7) for the deltas (f′ from a
// where the table writes it so: a(1 − a), 1 − a²), (9) for the updates. It
// returns the value and the line that computes it: symbols = numbers.
func (t *Trace) recompute(q quantity, v func(string) float64) (float64, string, string) {
	net := t.Net
	L := net.L()
	p := ""
	if q.after {
		p = "'"
	}
	in := func(l, j int) (string, float64) { // a^(l-1)_j, from 1; x for l = 1
		if l == 1 {
			return aName(0, j-1), t.X[0][j-1]
		}
		return aName(l-1, j-1) + p, v(aName(l-1, j-1) + p)
	}
	wkey := func(l, i, j int) string {
		if q.after {
			return wName(l, i, j) + "'"
		}
		return wName(l, i, j)
	}
	switch q.kind {
	case 'w':
		return q.exact, q.key + " (given)", num(q.exact)
	case 'z':
		lay := net.Layer(q.l)
		var sym, nums []string
		var s float64
		for j := 1; j <= lay.In; j++ {
			if !present(lay, q.i*lay.In+j-1) {
				continue
			}
			an, av := in(q.l, j)
			w := v(wkey(q.l, q.i, j))
			s += w * av
			sym = append(sym, wkey(q.l, q.i, j)+"·"+an)
			nums = append(nums, factor(w)+"·"+factor(av))
		}
		if lay.B != nil {
			b := v(wkey(q.l, q.i, 0))
			s += b
			sym = append(sym, wkey(q.l, q.i, 0))
			nums = append(nums, factor(b))
		}
		if len(sym) == 0 {
			return 0, q.key + " = 0 (no connections in, no bias)", "0"
		}
		return s, strings.Join(sym, " + "), strings.Join(nums, " + ")
	case 'a':
		lay := net.Layer(q.l)
		zk := zName(q.l, q.i) + p
		z := v(zk)
		switch lay.Activation {
		case backprop.Identity:
			return z, zk, num(z)
		case backprop.Sigmoid:
			return 1 / (1 + math.Exp(-z)), "sigmoid(" + zk + ")", "sigmoid(" + num(z) + ")"
		case backprop.Tanh:
			return math.Tanh(z), "tanh(" + zk + ")", "tanh(" + num(z) + ")"
		case backprop.ReLU:
			return math.Max(0, z), "relu(" + zk + ")", "max(0, " + num(z) + ")"
		case backprop.LeakyReLU:
			if z > 0 {
				return z, "leaky(" + zk + ")", num(z)
			}
			return float64(lay.Slope) * z, "leaky(" + zk + ")", num(float64(lay.Slope)) + "·" + factor(z)
		default: // softmax
			m := math.Inf(-1)
			for k := range lay.Out {
				m = math.Max(m, v(zName(q.l, k)+p))
			}
			var s float64
			for k := range lay.Out {
				s += math.Exp(v(zName(q.l, k)+p) - m)
			}
			return math.Exp(z-m) / s, "e^(" + zk + ")/Σ_k e^(" + fmt.Sprintf("z%d_k", q.l) + p + ")", fmt.Sprintf("e^(%s)/%s", num(z), num(s*math.Exp(m)))
		}
	case 'E':
		var s float64
		var nums []string
		for k := range net.Outputs() {
			o, y := v(aName(L, k)+p), t.Y[0][k]
			switch net.Loss {
			case backprop.Squared:
				s += (o - y) * (o - y) / 2
				nums = append(nums, fmt.Sprintf("½·(%s - %s)²", num(o), factor(y)))
			case backprop.Log:
				if y != 0 {
					s -= y * math.Log(o)
				}
				if y != 1 {
					s -= (1 - y) * math.Log(1-o)
				}
				nums = append(nums, fmt.Sprintf("-(%s·log(%s) + %s·log(1 - %s))", factor(y), num(o), factor(1-y), num(o)))
			default:
				if y != 0 {
					s -= y * math.Log(o)
					nums = append(nums, fmt.Sprintf("-%s·log(%s)", factor(y), num(o)))
				}
			}
		}
		return s, q.key + " = " + lossFormula(net.Loss), strings.Join(nums, " + ")
	case 'd':
		return t.recomputeDelta(q, v)
	case 'u':
		dk := dName(q.l, q.i)
		w, d, alpha := v(wName(q.l, q.i, q.j)), v(dk), t.Alpha
		an, av := "1", 1.0
		if q.j > 0 {
			if q.l == 1 {
				an, av = aName(0, q.j-1), t.X[0][q.j-1]
			} else {
				an, av = aName(q.l-1, q.j-1), v(aName(q.l-1, q.j-1))
			}
		}
		return w - alpha*d*av, wName(q.l, q.i, q.j) + " - α·" + dk + "·" + an,
			fmt.Sprintf("%s - %s·%s·%s", num(w), num(alpha), factor(d), factor(av))
	}
	return q.exact, q.key, num(q.exact)
}

// recomputeDelta is recompute for δ^l_i: (6) for the matched pairs, (5)
// otherwise, (7) below the output.
func (t *Trace) recomputeDelta(q quantity, v func(string) float64) (float64, string, string) {
	net := t.Net
	L := net.L()
	lay := net.Layer(q.l)
	a := func(k int) float64 { return v(aName(q.l, k)) }
	z := func(k int) float64 { return v(zName(q.l, k)) }
	fprime := func(k int) (float64, string, string) {
		an, zn := aName(q.l, k), zName(q.l, k)
		switch lay.Activation {
		case backprop.Sigmoid:
			return a(k) * (1 - a(k)), an + "·(1 - " + an + ")", num(a(k)) + "·(1 - " + num(a(k)) + ")"
		case backprop.Tanh:
			return 1 - a(k)*a(k), "(1 - " + an + "²)", "(1 - " + num(a(k)) + "²)"
		case backprop.ReLU, backprop.LeakyReLU:
			s := 1.0
			if z(k) <= 0 {
				s = float64(lay.Slope)
			}
			return s, "f'(" + zn + ")", num(s)
		}
		return 1, "1", "1"
	}
	var g []float64 // ∂E/∂a^l
	var gsym, gnum []string
	if q.l == L {
		f, J := lay.Activation, net.Loss
		if (f == backprop.Identity && J == backprop.Squared) || (f == backprop.Sigmoid && J == backprop.Log) ||
			(f == backprop.Softmax && J == backprop.CrossEntropy) {
			o, y := a(q.i), t.Y[0][q.i]
			return o - y, aName(L, q.i) + " - " + yName(q.i), num(o) + " - " + factor(y)
		}
		for k := range lay.Out {
			o, y := a(k), t.Y[0][k]
			switch J {
			case backprop.Squared:
				g = append(g, o-y)
			case backprop.Log:
				g = append(g, -y/o+(1-y)/(1-o))
			default:
				g = append(g, -y/o)
			}
			gsym = append(gsym, "∂J/∂"+aName(L, k))
			gnum = append(gnum, num(g[k]))
		}
	} else {
		next := net.Layer(q.l + 1)
		for k := range lay.Out {
			var s float64
			var sym, nums []string
			for m := range next.Out {
				if !present(next, m*next.In+k) {
					continue
				}
				w, d := v(wName(q.l+1, m, k+1)), v(dName(q.l+1, m))
				s += w * d
				sym = append(sym, wName(q.l+1, m, k+1)+"·"+dName(q.l+1, m))
				nums = append(nums, factor(w)+"·"+factor(d))
			}
			g = append(g, s)
			gsym = append(gsym, "("+strings.Join(sym, " + ")+")")
			gnum = append(gnum, "("+strings.Join(nums, " + ")+")")
		}
	}
	if lay.Activation == backprop.Softmax { // δ_i = a_i (g_i − Σ_k a_k g_k)
		var s float64
		for k := range lay.Out {
			s += a(k) * g[k]
		}
		return a(q.i) * (g[q.i] - s), aName(q.l, q.i) + "·(g_i - Σ_k " + fmt.Sprintf("a%d_k", q.l) + "·g_k)",
			fmt.Sprintf("%s·(%s - %s)", num(a(q.i)), num(g[q.i]), num(s))
	}
	fp, fsym, fnum := fprime(q.i)
	return fp * g[q.i], fsym + "·" + gsym[q.i], fnum + "·" + gnum[q.i]
}

// precision is half a unit in the last place a claim was written with:
// 0.6718 → 0.00005, 1.2e-3 → 0.00005.
func precision(text string) float64 {
	m := claimNumber.FindStringSubmatch(text)
	e := 0
	if m[3] != "" {
		e, _ = strconv.Atoi(m[3])
	}
	return 0.5 * math.Pow(10, float64(e-len(m[2])))
}

// holds reports whether v, rounded to the claim's precision, is the claim.
func (c Claim) holds(v float64) bool {
	return math.Abs(v-c.Value) <= precision(c.Text)*(1+1e-9)
}

// atPrecision writes v with as many decimals as the claim has.
func (c Claim) atPrecision(v float64) string {
	m := claimNumber.FindStringSubmatch(c.Text)
	if m[3] != "" {
		return strconv.FormatFloat(v, 'e', len(m[2]), 64)
	}
	return strconv.FormatFloat(v, 'f', len(m[2]), 64)
}

// CheckResult is what Check found.
type CheckResult struct {
	Claims  int       // the claims checked
	Wrong   []Verdict // the claims that do not hold, in the order of the derivation
	Holding []Claim   // the claims that hold
}

// Verdict is a wrong claim: its exact value and line, and what the claimed
// values before it give.
type Verdict struct {
	Claim
	Exact      float64
	Sym, Nums  string  // the line that computes it: symbols, and the exact numbers that go in
	FromClaims float64 // the value recomputed from the claimed values before it
	// Inherits says that the claim is what the claimed values before it
	// give: it carries an earlier slip, and is not a slip of its own.
	Inherits bool
}

// OK reports whether every claim holds.
func (r *CheckResult) OK() bool { return len(r.Wrong) == 0 }

// Check holds claims against the step: each claim against the exact value
// (the engine's), at the precision it was written with. A wrong claim is
// also recomputed from the claimed values before it in the order of the
// derivation (exact values where nothing was claimed): if that gives the
// claim, it only inherits an earlier slip.
func (t *Trace) Check(claims []Claim) *CheckResult {
	qs := t.quantities()
	byKey := map[string]*Claim{}
	for i := range claims {
		byKey[claims[i].key] = &claims[i]
	}
	// from holds the values as the claimant has them: claimed where claimed,
	// else recomputed from those before.
	from := map[string]float64{}
	exact := map[string]float64{}
	for _, q := range qs {
		exact[q.key] = q.exact
	}
	vFrom := func(k string) float64 { return from[k] }
	vExact := func(k string) float64 { return exact[k] }
	res := &CheckResult{Claims: len(claims)}
	for _, q := range qs {
		r, _, _ := t.recompute(q, vFrom)
		c := byKey[q.key]
		if c == nil {
			from[q.key] = r
			continue
		}
		from[q.key] = c.Value
		if c.holds(q.exact) {
			res.Holding = append(res.Holding, *c)
			continue
		}
		_, sym, nums := t.recompute(q, vExact)
		res.Wrong = append(res.Wrong, Verdict{Claim: *c, Exact: q.exact, Sym: sym, Nums: nums, FromClaims: r,
			Inherits: len(res.Wrong) > 0 && c.holds(r)})
	}
	return res
}

// WriteCheck writes the result of Check in plain words: the first slip in
// the order of the derivation with the line that computes it and the exact
// numbers that go in, then each later wrong claim, either carrying the
// slips before it or wrong on its own.
func (r *CheckResult) WriteCheck(w io.Writer) error {
	var b strings.Builder
	if r.OK() {
		if r.Claims == 1 {
			b.WriteString("The claim holds: it is the exact value rounded to the places it was written with.\n")
		} else {
			fmt.Fprintf(&b, "All %d claims hold: each is the exact value rounded to the places it was written with.\n", r.Claims)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "%d of %s do not hold (each compared with the exact value at the places it was written with).\n\n",
		len(r.Wrong), plural(r.Claims, "claim"))
	first := r.Wrong[0]
	fmt.Fprintf(&b, "The first slip, in the order of the derivation: %s (line %d)\n", first.Name, first.Line)
	fmt.Fprintf(&b, "  claimed  %s = %s\n", first.Name, first.Text)
	fmt.Fprintf(&b, "  exact    %s = %s\n", first.key, first.Sym)
	pad := strings.Repeat(" ", len([]rune(first.key)))
	fmt.Fprintf(&b, "           %s = %s = %s\n", pad, first.Nums, num(first.Exact))
	var inherit, own []Verdict
	for _, v := range r.Wrong[1:] {
		if v.Inherits {
			inherit = append(inherit, v)
		} else {
			own = append(own, v)
		}
	}
	if len(inherit) > 0 {
		fmt.Fprintf(&b, "\nLater claims that follow from the slips before them (the claimed values before each give it):\n")
		for _, v := range inherit {
			fmt.Fprintf(&b, "  %s = %s (line %d): exact %s\n", v.Name, v.Text, v.Line, num(v.Exact))
		}
	}
	if len(own) > 0 {
		fmt.Fprintf(&b, "\nLater claims wrong on their own: the slips before them do not explain them (a further slip each):\n")
		for _, v := range own {
			fmt.Fprintf(&b, "  %s = %s (line %d): the claimed values before it give %s = %s; exact %s\n",
				v.Name, v.Text, v.Line, v.Name, v.atPrecision(v.FromClaims), num(v.Exact))
		}
	}
	if len(r.Holding) > 0 {
		var hs []string
		for _, c := range r.Holding {
			hs = append(hs, c.Name+" = "+c.Text)
		}
		fmt.Fprintf(&b, "\nThese hold: %s.\n", strings.Join(hs, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
