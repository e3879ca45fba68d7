package explain_test

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/explain"
)

// svgElements decodes an SVG document with encoding/xml (so it must be
// well-formed) and counts its elements by name and by name.class.
func svgElements(t *testing.T, doc []byte) map[string]int {
	t.Helper()
	n := map[string]int{}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			n[se.Name.Local]++
			for _, a := range se.Attr {
				if a.Name.Local == "class" {
					n[se.Name.Local+"."+a.Value]++
				}
			}
		}
	}
	if n["svg"] != 1 {
		t.Fatalf("%d svg elements, want 1", n["svg"])
	}
	return n
}

func articleTrace(t *testing.T) *explain.Trace {
	t.Helper()
	tr, err := explain.Step(explain.Article())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestSVGWorkedExample(t *testing.T) {
	var b bytes.Buffer
	if err := articleTrace(t).WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	n := svgElements(t, b.Bytes())
	// The connections that exist, drawn one line each: layer 1 has x1 → h1,
	// x1 → h2 and three biases, layer 2 five weights (no h3 → h4), layer 3
	// two; the four absent connections and the absent biases are not drawn.
	if got, want := n["line.conn"], 5+5+2; got != want {
		t.Errorf("%d connection lines, want %d", got, want)
	}
	for _, want := range []string{
		"0.671846", "0.698076", // the output before and after
		"0.689974", "0.622459", "0.475021", "0.476018", "0.683624", // a of h1 … h5
		"-0.328154", "-0.0409249", "-0.0496817", "0.00118889", "-0.0108522", "-0.00495577", // the deltas
		"0.7 → 0.812167", "0.5 → 0.578104", "0.3 → 0.299406", "0.5 → 0.499406", // updates, bias included
		"h1", "h5", "x2 = 0", "+1",
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
	// Each line's tooltip names its weight: none for an absent connection.
	for _, absent := range []string{"w1_12:", "w1_22:", "w1_31:", "w1_32:", "w2_13:", "w2_10:", "w3_10:"} {
		if strings.Contains(svg, "<title>"+absent) {
			t.Errorf("the SVG draws the absent connection %s", strings.TrimSuffix(absent, ":"))
		}
	}
	if strings.Contains(svg, "labels left out") {
		t.Error("the worked example should have room for every label")
	}
	path := filepath.Join("testdata", "article-worked-example.svg.golden")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("%s differs from the output; got:\n%s\n(run go test -update to accept it)", path, firstDiff(svg, string(want)))
	}
}

// wideTrace is a step of a 64-32-10 network, as trained on the digits.
func wideTrace(t *testing.T) *explain.Trace {
	t.Helper()
	net, err := backprop.New[float64](64, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 32, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 10, Activation: backprop.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, 64)
	for i := range x {
		x[i] = float64(i%7)/3 - 1
	}
	y := make([]float64, 10)
	y[3] = 1
	tr, err := explain.Step(net, [][]float64{x}, [][]float64{y}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestSVGWideLayerIsSummarised(t *testing.T) {
	tr := wideTrace(t)
	if !tr.Wide() {
		t.Fatal("a 64-32-10 network should be summarised")
	}
	var b bytes.Buffer
	if err := tr.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	n := svgElements(t, b.Bytes())
	if n["line.conn"] != 0 {
		t.Errorf("%d connection lines in the summary, want none", n["line.conn"])
	}
	// Per layer: W, the update, δ and a.
	if got := n["image.heatmap"]; got != 2*4 {
		t.Errorf("%d heat maps, want 8", got)
	}
	for _, want := range []string{"W1 | b1 before the step (32 × 64 | last column)", "δ2", "a2_4", "Layer 2: 10 softmax neurons"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
	// The heat maps are PNG images that decode.
	re := regexp.MustCompile(`data:image/png;base64,([A-Za-z0-9+/=]+)`)
	m := re.FindStringSubmatch(b.String())
	if m == nil {
		t.Fatal("no embedded heat map")
	}
	data, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		t.Fatalf("heat map: %v", err)
	}
}

func TestMarkdownEmbedsThePicture(t *testing.T) {
	var b bytes.Buffer
	if err := articleTrace(t).WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`!\[[^\]]+\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)`)
	m := re.FindStringSubmatch(b.String())
	if m == nil {
		t.Fatal("the Markdown has no embedded SVG image")
	}
	svg, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	svgElements(t, svg)
	if !bytes.Contains(svg, []byte("0.698076")) {
		t.Error("the embedded SVG lacks the output after the step")
	}
}
