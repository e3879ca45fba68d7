package explain_test

import (
	"bytes"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/explain"
)

// TestInputCategories: a record with categorical features shows each
// category's name beside its index, and the one-hot inputs it set (by name
// in the picture); a missing value says so; an unknown category (−1) sets
// none; a record that does not fit x is left out with a note, not a panic.
func TestInputCategories(t *testing.T) {
	net, err := backprop.New[float64](5, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 2, Activation: backprop.Tanh},
		backprop.LayerSpec{Units: 2, Activation: backprop.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	// x1 (numeric; missing in example 1, filled to 0.25), colour (3
	// categories), size (numeric): 5 inputs.
	x := [][]float64{{0.25, 0, 0, 1, 0}, {1.5, 1, 0, 0, 0}}
	tr, err := explain.Step(net, x, [][]float64{{1, 0}, {0, 1}}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	tr.Input = &explain.Input{Features: []string{"x1", "colour", "size"},
		Categories: [][]string{nil, {"blue", "green", "red"}, nil},
		Raw:        [][]float64{{math.NaN(), 2, 1}, {1.5, 0, 0}}}
	var b bytes.Buffer
	if err := tr.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"1 x1 missing 0.25",
		"1 colour 2 (red) a0_2…a0_4 = (0, 0, 1): red",
		"2 colour 0 (blue) a0_2…a0_4 = (1, 0, 0): blue",
		"a categorical feature's raw value is the index of its category",
		"a missing value is filled first",
	} {
		if !strings.Contains(spaced(b.String()), want) {
			t.Errorf("the text does not say %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := tr.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">colour=blue<", ">colour=green<", ">colour=red<", ">x1<", "colour = 2 (red)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the picture does not say %q", want)
		}
	}

	// Many categories, one unknown (−1: all zeros).
	cats := make([]string, 30)
	for k := range cats {
		cats[k] = "c" + string(rune('A'+k%26)) + string(rune('a'+k/26))
	}
	net, _ = backprop.New[float64](31, backprop.CrossEntropy, 1, backprop.LayerSpec{Units: 2, Activation: backprop.Softmax})
	x0, x1 := make([]float64, 31), make([]float64, 31)
	x0[0], x0[1+12] = 1, 1
	x1[0] = -2
	tr, err = explain.Step(net, [][]float64{x0, x1}, [][]float64{{1, 0}, {0, 1}}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	tr.Input = &explain.Input{Features: []string{"n", "word"}, Categories: [][]string{nil, cats}, Raw: [][]float64{{1, 12}, {-2, -1}}}
	b.Reset()
	if err := tr.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"1 word 12 (" + cats[12] + ") a0_14 = 1: " + cats[12] + ", the other 29 of a0_2…a0_31 0",
		"2 word -1 (unknown) a0_2…a0_31 all 0: none",
	} {
		if !strings.Contains(spaced(b.String()), want) {
			t.Errorf("the text does not say %q:\n%s", want, b.String())
		}
	}
	// Records that do not fit x: a note, not a panic.
	tr.Input.Categories = nil
	b.Reset()
	if err := tr.WriteText(&b); err != nil || !strings.Contains(b.String(), "do not fit x") {
		t.Errorf("a record that does not fit: %v\n%s", err, b.String())
	}
	if err := tr.WriteSVG(&b); err != nil {
		t.Error(err)
	}
}

// spaced is s with every run of white space one space (tables align
// columns, paragraphs wrap).
func spaced(s string) string { return regexp.MustCompile(`\s+`).ReplaceAllString(s, " ") }
