package explain

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

func articleTrace(t *testing.T) *Trace {
	t.Helper()
	tr, err := Step(Article())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestCheckArticle: the published 0.6718 holds; the author's notebook's
// update of the weight from h5 to the output (0.857, exact 0.812167) is the
// first slip; the published 0.7043 is not explained by it alone: the claimed
// weights give 0.7046.
func TestCheckArticle(t *testing.T) {
	tr := articleTrace(t)
	claims, err := tr.ReadClaims(strings.NewReader("# the published article\na3_1 = 0.6718\nw3_12' = 0.857\no' = 0.7043\n"), "article.txt")
	if err != nil {
		t.Fatal(err)
	}
	res := tr.Check(claims)
	if res.OK() || len(res.Wrong) != 2 || len(res.Holding) != 1 {
		t.Fatalf("%+v, want 2 wrong claims and 1 holding", res)
	}
	first, after := res.Wrong[0], res.Wrong[1]
	if first.Name != "w3_12'" || math.Abs(first.Exact-0.812167) > 1e-6 || first.Inherits {
		t.Errorf("first slip %+v, want w3_12' (exact 0.812167)", first)
	}
	if after.Name != "o'" || after.Inherits || after.atPrecision(after.FromClaims) != "0.7046" || math.Abs(after.Exact-0.698076) > 1e-6 {
		t.Errorf("o' %+v, want wrong on its own, the claims giving 0.7046, exact 0.698076", after)
	}
	var b strings.Builder
	if err := res.WriteCheck(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	t.Log("\n" + out)
	for _, s := range []string{
		"The first slip, in the order of the derivation: w3_12' (line 3)",
		"w3_12' = w3_12 - α·δ3_1·a2_2",
		"0.7 - 0.5·(-0.328154)·0.683624 = 0.812167",
		"wrong on their own",
		"o' = 0.7043 (line 4): the claimed values before it give o' = 0.7046",
		"These hold: a3_1 = 0.6718",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("the report does not say %q", s)
		}
	}
}

// TestCheckInherits: a slip in z2_2 carries into a2_2, δ3_1 and o'; claims
// written from the slipped value are said to follow from it, one that is
// wrong otherwise too is wrong on its own.
func TestCheckInherits(t *testing.T) {
	tr := articleTrace(t)
	// z2_2 exact 0.770476; claimed 0.8. sigmoid(0.8) = 0.689974.
	claims, err := tr.ReadClaims(strings.NewReader("z2_2 = 0.800\na2_2 = 0.689974\ndelta2_2 = -0.0500\n"), "c")
	if err != nil {
		t.Fatal(err)
	}
	res := tr.Check(claims)
	if len(res.Wrong) != 3 || res.Wrong[0].Name != "z2_2" || !res.Wrong[1].Inherits || res.Wrong[2].Inherits {
		t.Fatalf("%+v: want z2_2 first, a2_2 inheriting, delta2_2 wrong on its own", res.Wrong)
	}
}

// TestCheckExactClaims: every quantity of every reference case, claimed
// with its exact value to 6 significant digits, holds; and recomputing each
// from the exact values before it gives it (the checker's arithmetic agrees
// with the engine's).
func TestCheckExactClaims(t *testing.T) {
	var file struct {
		Cases []struct {
			Name  string          `json:"name"`
			Model json.RawMessage `json:"model"`
			X, Y  [][]float64
			LR    float64 `json:"lr"`
		}
	}
	data, err := os.ReadFile("../testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	traces := []*Trace{articleTrace(t)}
	for _, c := range file.Cases {
		if len(c.X) != 1 {
			continue
		}
		net, err := backprop.UnmarshalModel[float64](c.Model)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := Step(net, c.X, c.Y, c.LR)
		if err != nil {
			t.Fatal(err)
		}
		traces = append(traces, tr)
	}
	for n, tr := range traces {
		qs := tr.quantities()
		exact := map[string]float64{}
		var text strings.Builder
		for _, q := range qs {
			exact[q.key] = q.exact
			text.WriteString(q.key + " = " + strconvG(q.exact) + "\n")
		}
		for _, q := range qs {
			r, _, _ := tr.recompute(q, func(k string) float64 { return exact[k] })
			if math.Abs(r-q.exact) > 1e-9*math.Max(1, math.Abs(q.exact)) {
				t.Errorf("trace %d: %s recomputed %v, engine %v", n, q.key, r, q.exact)
			}
		}
		claims, err := tr.ReadClaims(strings.NewReader(text.String()), "exact")
		if err != nil {
			t.Fatal(err)
		}
		if res := tr.Check(claims); !res.OK() {
			t.Errorf("trace %d: %d exact claims do not hold, first %+v", n, len(res.Wrong), res.Wrong[0])
		}
	}
	if len(traces) < 3 {
		t.Errorf("only %d traces checked", len(traces))
	}
}

// strconvG writes v to 6 significant digits, without an exponent.
func strconvG(v float64) string {
	return strconv.FormatFloat(v, 'f', max(0, 5-int(math.Floor(math.Log10(math.Max(math.Abs(v), 1e-300))))), 64)
}

// TestReadClaimsErrors: a malformed claims file is refused with its line.
func TestReadClaimsErrors(t *testing.T) {
	tr := articleTrace(t)
	for _, c := range []struct{ text, want string }{
		{"a3_1 0.67\n", "f:1: \"a3_1 0.67\": want name = value"},
		{"\n\na3_1 = abc\n", "f:3: a3_1 = abc: the value is not a decimal number"},
		{"z9_1 = 1\n", "f:1: z9_1: not a name of this step"},
		{"a3_1 = 0.6\no = 0.7\n", "f:2: o: claimed twice (line 1 too)"},
		{"a3_1 = 1e999\n", "f:1: a3_1 = 1e999: the value is out of range"},
		{"# nothing\n", "f: no claims"},
		{strings.Repeat("#", MaxClaimsBytes+1), "MaxClaimsBytes"},
	} {
		_, err := tr.ReadClaims(strings.NewReader(c.text), "f")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.40q: error %v, want %q", c.text, err, c.want)
		}
		var ce *ClaimError
		if strings.HasPrefix(c.want, "f:") && !strings.HasPrefix(c.want, "f: ") && !errors.As(err, &ce) {
			t.Errorf("%.40q: %T, want a *ClaimError", c.text, err)
		}
	}
}
