package explain_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/explain"
)

var update = flag.Bool("update", false, "rewrite golden files")

// refCase is one case of ../testdata/cases.json or article.json.
type refCase struct {
	Name     string          `json:"name"`
	Model    json.RawMessage `json:"model"`
	X        [][]float64     `json:"x"`
	Y        [][]float64     `json:"y"`
	LR       float64         `json:"lr"`
	Expected any             `json:"expected"`
}

func loadCases(t *testing.T) []refCase {
	t.Helper()
	var file struct{ Cases []refCase }
	data, err := os.ReadFile("../testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	var article refCase
	data, err = os.ReadFile("../testdata/article.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &article); err != nil {
		t.Fatal(err)
	}
	return append(file.Cases, article)
}

func findCase(t *testing.T, name string) refCase {
	t.Helper()
	for _, c := range loadCases(t) {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no case %s", name)
	return refCase{}
}

func (c refCase) step(t *testing.T) *explain.Trace {
	t.Helper()
	net, err := backprop.UnmarshalModel[float64](c.Model)
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	tr, err := explain.Step(net, c.X, c.Y, c.LR)
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	return tr
}

// compare walks want (decoded JSON) and checks got has the same shape and
// numbers within relative error tol, naming the first numbers that differ.
func compare(t *testing.T, name, path string, got, want any, tol float64, fails *int) {
	report := func(format string, args ...any) {
		*fails++
		if *fails <= 10 {
			t.Errorf("%s: %s"+format, append([]any{name, path}, args...)...)
		}
	}
	switch w := want.(type) {
	case float64:
		g, ok := got.(float64)
		if !ok {
			report(" = %v, want the number %.17g", got, w)
			return
		}
		if rel := math.Abs(g-w) / math.Max(math.Abs(w), 1e-12); !(rel <= tol) {
			report(" = %.12g, want %.12g (relative error %.2g)", g, w, rel)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			report(" = %v, want %d values", got, len(w))
			return
		}
		for i := range w {
			compare(t, name, fmt.Sprintf("%s[%d]", path, i), g[i], w[i], tol, fails)
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			report(" = %v, want an object", got)
			return
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := path + "." + k
			if path == "" {
				p = k
			}
			if _, ok := g[k]; !ok {
				*fails++
				t.Errorf("%s: %s missing", name, p)
				continue
			}
			compare(t, name, p, g[k], w[k], tol, fails)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				*fails++
				t.Errorf("%s: %s.%s present, want it absent", name, path, k)
			}
		}
	default:
		report(" unexpected %T in expected", want)
	}
}

// TestReferenceJSON checks the JSON of the trace of every reference case
// against what PyTorch computed, to a relative error of 1e-9.
func TestReferenceJSON(t *testing.T) {
	for _, c := range loadCases(t) {
		var buf bytes.Buffer
		if err := c.step(t).WriteJSON(&buf); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		var got any
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("%s: %v\n%s", c.Name, err, buf.Bytes())
		}
		// delta_scale is explain's own summary of the deltas (checked by
		// TestDeltaScaleArticle), not a number PyTorch computed.
		delete(got.(map[string]any), "delta_scale")
		fails := 0
		compare(t, c.Name, "", got, c.Expected, 1e-9, &fails)
	}
}

// goldens are the cases whose text and Markdown are kept in testdata.
var goldens = []string{
	"article-worked-example",      // the worked example
	"case-010-multiclass",         // softmax + cross-entropy, a batch of 4
	"case-012-multiclass",         // a mask and leaky relu, a batch of 2
	"case-017-mismatched-softmax", // softmax + squared (the Jacobian), relu, masks
}

func TestGolden(t *testing.T) {
	for _, name := range goldens {
		tr := findCase(t, name).step(t)
		for _, f := range []struct {
			ext   string
			write func(*explain.Trace, *bytes.Buffer) error
		}{
			{"txt", func(tr *explain.Trace, b *bytes.Buffer) error { return tr.WriteText(b) }},
			{"md", func(tr *explain.Trace, b *bytes.Buffer) error { return tr.WriteMarkdown(b) }},
		} {
			var buf bytes.Buffer
			if err := f.write(tr, &buf); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name+"."+f.ext+".golden")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from the output; got:\n%s\n(run go test -update to accept it)", path, firstDiff(buf.String(), string(want)))
			}
		}
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got  %q\n want %q", i+1, gl, wl)
		}
	}
	return "(same lines)"
}

func articleText(t *testing.T) string {
	tr, err := explain.Step(explain.Article())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tr.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestArticleText checks the numbers of the worked example and the
// explanation of the published article's 0.7043 are in the text.
func TestArticleText(t *testing.T) {
	text := articleText(t)
	flat := strings.Join(strings.Fields(text), " ") // the same text, unwrapped
	for _, want := range []string{
		"a3_1 = sigmoid(0.716546) = 0.671846",
		"δ3_1 = a3_1 - y_1 = 0.671846 - 1 = -0.328154",
		"w3_12  0.7  -0.328154  0.683624  -0.224334    0.812167",
		"a3_1    0.671846  0.698076  1",
		"the exact output after the step is 0.698076, while the published article reports 0.7043",
		"its hand-rounded update step has slips",
		"0.7 - 0.7·(-0.3282)·0.683 = 0.857, using the weight where α = 0.5 belongs",
		"exact: w3_12 ← 0.7 - 0.5·(-0.328154)·0.683624 = 0.812167",
		"the same step would give 0.733058",
		"E is the sum of the examples' losses",
		"h1, h2, h3 = a1_1, a1_2, a1_3",
	} {
		if !strings.Contains(text, want) && !strings.Contains(flat, want) {
			t.Errorf("the worked example's text lacks %q", want)
		}
	}
	// Not the worked example: no word of the article.
	c := findCase(t, "case-000-binary")
	var buf bytes.Buffer
	c.step(t).WriteText(&buf)
	if strings.Contains(buf.String(), "article") {
		t.Errorf("%s: the text speaks of the article", c.Name)
	}
}

// TestArticleUnmasked checks, with the engine alone, the output after one
// step of the worked example with every missing connection (biases
// included) present as a trainable weight starting at 0: 0.733058.
func TestArticleUnmasked(t *testing.T) {
	net, x, y, alpha := explain.Article()
	for _, lay := range net.Layers {
		lay.Mask = nil
		if lay.B == nil {
			lay.B = make([]float64, lay.Out)
		}
	}
	ws := net.NewWorkspace(1)
	ws.Forward(x[0])
	ws.Backward(y[0])
	ws.Step(alpha)
	if got := ws.Forward(x[0])[0]; math.Abs(got-0.733058) > 5e-7 {
		t.Errorf("output after the step without masks = %.9g, want 0.733058", got)
	}
}

// TestArticle checks Article against the reference case article.json.
func TestArticle(t *testing.T) {
	c := findCase(t, "article-worked-example")
	want, err := backprop.UnmarshalModel[float64](c.Model)
	if err != nil {
		t.Fatal(err)
	}
	net, x, y, alpha := explain.Article()
	if err := net.Validate(); err != nil {
		t.Fatal(err)
	}
	gotModel, _ := net.MarshalModel()
	wantModel, _ := want.MarshalModel()
	if !bytes.Equal(gotModel, wantModel) {
		t.Errorf("Article's network:\n%s\nwant:\n%s", gotModel, wantModel)
	}
	if fmt.Sprint(x, y, alpha) != fmt.Sprint(c.X, c.Y, c.LR) {
		t.Errorf("Article's example: %v %v %v, want %v %v %v", x, y, alpha, c.X, c.Y, c.LR)
	}
}

// TestWidth checks that no line of the text of any reference case is longer
// than 100 columns.
func TestWidth(t *testing.T) {
	for _, c := range loadCases(t) {
		var buf bytes.Buffer
		if err := c.step(t).WriteText(&buf); err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(buf.String(), "\n") {
			if n := utf8.RuneCountInString(line); n > 100 {
				t.Errorf("%s: line %d has %d columns:\n%s", c.Name, i+1, n, line)
			}
		}
	}
}

// TestStepKeepsNetwork checks Step leaves the caller's network as it was.
func TestStepKeepsNetwork(t *testing.T) {
	net, x, y, alpha := explain.Article()
	before, _ := net.MarshalModel()
	tr, err := explain.Step(net, x, y, alpha)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := net.MarshalModel()
	if !bytes.Equal(before, after) {
		t.Errorf("Step modified its network")
	}
	if tr.Net == net {
		t.Errorf("the trace shares the caller's network")
	}
	if len(tr.Losses) != 1 || tr.Losses[0] != tr.Loss {
		t.Errorf("losses %v, want one, equal to E = %v", tr.Losses, tr.Loss)
	}
}

// TestBatchLoss checks E is the sum of the examples' losses.
func TestBatchLoss(t *testing.T) {
	tr := findCase(t, "case-010-multiclass").step(t)
	var s float64
	for _, J := range tr.Losses {
		s += J
	}
	if len(tr.Losses) != 4 || math.Abs(s-tr.Loss) > 1e-12*math.Abs(tr.Loss) {
		t.Errorf("losses %v sum to %v, want 4 summing to E = %v", tr.Losses, s, tr.Loss)
	}
}

func TestStepErrors(t *testing.T) {
	net, _, _, _ := explain.Article()
	bad := net.Clone()
	bad.Layers[0].W[1] = 0.5 // where the mask is 0
	nan := math.NaN()
	for _, tc := range []struct {
		name  string
		net   *backprop.Network[float64]
		x, y  [][]float64
		alpha float64
		want  string
	}{
		{"no network", nil, [][]float64{{1, 0}}, [][]float64{{1}}, 0.5, "no network"},
		{"bad network", bad, [][]float64{{1, 0}}, [][]float64{{1}}, 0.5,
			"network: layer 1: weights[0][1]: 0.5 where mask is 0 (an absent connection has weight 0)"},
		{"empty batch", net, nil, nil, 0.5, "no examples: want at least one input x with its target y"},
		{"fewer targets", net, [][]float64{{1, 0}, {0, 1}}, [][]float64{{1}}, 0.5,
			"2 inputs x but 1 target y, want one target y per input x"},
		{"more targets", net, [][]float64{{1, 0}}, [][]float64{{1}, {0}}, 0.5,
			"1 input x but 2 targets y, want one target y per input x"},
		{"wide x", net, [][]float64{{1, 0}, {1, 0, 0}}, [][]float64{{1}, {0}}, 0.5,
			"example 2: x has 3 values, want 2 (the network's inputs)"},
		{"narrow x", net, [][]float64{{1}}, [][]float64{{1}}, 0.5,
			"example 1: x has 1 value, want 2 (the network's inputs)"},
		{"wide y", net, [][]float64{{1, 0}}, [][]float64{{1, 0}}, 0.5,
			"example 1: y has 2 values, want 1 (the network's outputs)"},
		{"NaN input", net, [][]float64{{1, 0}, {1, nan}}, [][]float64{{1}, {0}}, 0.5,
			"example 2: x2 is NaN, want a finite number"},
		{"infinite target", net, [][]float64{{1, 0}}, [][]float64{{math.Inf(1)}}, 0.5,
			"example 1: y1 is +Inf, want a finite number"},
		{"NaN rate", net, [][]float64{{1, 0}}, [][]float64{{1}}, nan, "learning rate NaN, want a finite number > 0"},
		{"zero rate", net, [][]float64{{1, 0}}, [][]float64{{1}}, 0, "learning rate 0, want a finite number > 0"},
	} {
		tr, err := explain.Step(tc.net, tc.x, tc.y, tc.alpha)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: Step = %v, %v; want the error %q", tc.name, tr, err, tc.want)
		}
	}
}

// TestTex checks the translation of the text notation to LaTeX.
func TestTex(t *testing.T) {
	tr, err := explain.Step(explain.Article())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tr.WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		`z^{1}_{1} &= w^{1}_{11} \cdot a^{0}_{1} + w^{1}_{10} \cdot 1 \\`,
		`&= 0.3 \cdot 1 + 0.5 \cdot 1 = 0.8 \\`,
		`a^{1}_{1} &= \sigma(0.8) = 0.689974`,
		`## 1. Forward pass`,
		`| $w^{3}_{12}$ | $0.7$ | $-0.328154$ | $0.683624$ | $-0.224334$ | $0.812167$ |`,
		`$\delta ^l_{i} = f'(z^l_{i}) \cdot \sum_{j} w^{l+1}_{ji} \cdot \delta ^{l+1}_{j}$`,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q", want)
		}
	}
	if strings.Contains(md, "e-0") {
		t.Errorf("the Markdown has a number in e notation")
	}
}

// TestDeltaScaleArticle: the worked example's deltas shrink 7.2 times to
// layer 2 and 58 times to layer 1, as the text, the JSON and the picture say.
func TestDeltaScaleArticle(t *testing.T) {
	tr, err := explain.Step(explain.Article())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tr.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		DeltaScale []explain.DeltaScale `json:"delta_scale"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := []explain.DeltaScale{
		{Layer: 3, MeanAbsDelta: 0.328154, Ratio: 1},
		{Layer: 2, MeanAbsDelta: (0.0409249 + 0.0496817) / 2, Ratio: 0.138055, MeanFPrime: 0.232854},
		{Layer: 1, MeanAbsDelta: (0.00118889 + 0.0108522 + 0.00495577) / 3, Ratio: 0.0172652, MeanFPrime: 0.232763},
	}
	if len(got.DeltaScale) != len(want) {
		t.Fatalf("delta_scale has %d layers, want 3", len(got.DeltaScale))
	}
	for k, w := range want {
		g := got.DeltaScale[k]
		if g.Layer != w.Layer || !near(g.MeanAbsDelta, w.MeanAbsDelta, 1e-5) || !near(g.Ratio, w.Ratio, 1e-5) || !near(g.MeanFPrime, w.MeanFPrime, 1e-5) {
			t.Errorf("delta_scale[%d] = %+v, want %+v", k, g, w)
		}
	}
	buf.Reset()
	if err := tr.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"How big the deltas are", "Layer 1's deltas are 58 times smaller than the output layer's",
		"at most 1/4 for the sigmoid", "vanishing-gradient problem", "0.138055 (1/7.2)"} {
		if !strings.Contains(strings.Join(strings.Fields(buf.String()), " "), s) {
			t.Errorf("the text does not say %q", s)
		}
	}
	buf.Reset()
	if err := tr.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "(1/58 of the output") {
		t.Error("the picture does not draw layer 1's ratio")
	}
}

func near(a, b, rel float64) bool { return math.Abs(a-b) <= rel*math.Max(math.Abs(b), 1e-300) }

// TestSummary: a 4-128-64-3 step is summarised (per-layer sizes, the deltas'
// ratios, the ten largest gradients by name) in under 100 lines; with Full,
// every number, in thousands of lines.
func TestSummary(t *testing.T) {
	net, err := backprop.New[float64](4, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 128, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 64, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 3, Activation: backprop.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := explain.Step(net, [][]float64{{0.5, -1, 2, 0.1}}, [][]float64{{0, 1, 0}}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Summarised() {
		t.Fatal("not summarised")
	}
	for _, md := range []bool{false, true} {
		var b bytes.Buffer
		write := tr.WriteText
		if md {
			write = tr.WriteMarkdown
		}
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if n := strings.Count(out, "\n"); n > 100 {
			t.Errorf("md %v: %d lines", md, n)
		}
		for _, s := range []string{"128×4 relu", "64×128 relu", "3×64 softmax", "The largest gradients", "How big the deltas are", "--full"} {
			if !strings.Contains(out, s) {
				t.Errorf("md %v: the summary does not say %q", md, s)
			}
		}
		// The largest gradient is listed first, by name, with the engine's value.
		best, name := 0.0, ""
		for l := 1; l <= 3; l++ {
			for i, row := range tr.Layer(l).GradWeights {
				for j, g := range row {
					if math.Abs(g) > best {
						best, name = math.Abs(g), fmt.Sprintf("w%d_%d,%d", l, i+1, j+1)
						if i+1 < 10 && j+1 < 10 {
							name = fmt.Sprintf("w%d_%d%d", l, i+1, j+1)
						}
					}
				}
			}
		}
		after := out[strings.Index(out, "The largest gradients"):]
		if !strings.Contains(after, name) || !strings.Contains(after, strconv.FormatFloat(best, 'g', 6, 64)) {
			t.Errorf("md %v: the largest gradient %s = ±%v not listed:\n%s", md, name, best, after)
		}
	}
	tr.Full = true
	var b bytes.Buffer
	if err := tr.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "\n"); n < 5000 {
		t.Errorf("--full: %d lines, want every number", n)
	}
}
