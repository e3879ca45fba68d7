package data

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

func TestCategoricalColumns(t *testing.T) {
	text := "size,color,y\n1,red,a\n2,green,b\n3,red,a\n4,blue,b\n"
	d, err := ReadCSV(strings.NewReader(text), "t.csv", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, d)
	if d.Categories[0] != nil || !slices.Equal(d.Categories[1], []string{"blue", "green", "red"}) {
		t.Fatalf("categories %q", d.Categories)
	}
	if !slices.Equal(d.X, []float32{1, 2, 2, 1, 3, 2, 4, 0}) {
		t.Errorf("X %v (want sorted category indices)", d.X)
	}
	// At prediction time: the model's categories; an unseen one is an
	// error naming the column and value, or −1 with Unknown ignore.
	opt := CSVOptions{Features: []string{"size", "color"}, Categories: map[string][]string{"color": {"blue", "green", "red"}}}
	if _, err := ReadCSV(strings.NewReader("size,color\n1,violet\n"), "p.csv", opt); err == nil ||
		!strings.Contains(err.Error(), `p.csv:2:2: unknown category "violet" in column "color"`) {
		t.Errorf("unseen category: %v", err)
	}
	opt.Unknown = backprop.UnknownIgnore
	p, err := ReadCSV(strings.NewReader("size,color\n1,violet\n2,red\n"), "p.csv", opt)
	if err != nil || !slices.Equal(p.X, []float32{1, -1, 2, 2}) {
		t.Errorf("unknown ignored: %v %v", p, err)
	}
	// A column of numbers and words stays an error at the word.
	if _, err := ReadCSV(strings.NewReader("x,y\nred,a\n2,b\n"), "t.csv", CSVOptions{}); err == nil ||
		!strings.Contains(err.Error(), `t.csv:2:1: "red" is not a number`) {
		t.Errorf("words then numbers: %v", err)
	}
}

func TestCategoriesBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("c,y\n")
	for i := range backprop.MaxCategories + 1 {
		b.WriteString("w" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)) + ",a\n")
	}
	b.WriteString("q,b\n")
	_, err := ReadCSV(strings.NewReader(b.String()), "t.csv", CSVOptions{})
	if err == nil || !strings.Contains(err.Error(), "more than 1024 categories") || !strings.Contains(err.Error(), "MaxCategories") {
		t.Errorf("%v", err)
	}
	// rows × categories beyond MaxOneHot, refused before encoding.
	n := MaxOneHot/600 + 1
	var big strings.Builder
	big.WriteString("c,y\n")
	for i := range n {
		big.WriteString("w" + string(rune('a'+i%600/26)) + string(rune('a'+i%600%26)) + ",a\n")
	}
	big.WriteString("zz,b\n")
	_, err = ReadCSV(strings.NewReader(big.String()), "t.csv", CSVOptions{})
	if err == nil || !strings.Contains(err.Error(), "MaxOneHot") {
		t.Errorf("%v", err)
	}
}

func TestMissingValues(t *testing.T) {
	text := "x,c,y\n1,red,a\n,green,b\n3,NA,a\n?,red,b\n5,blue,b\n"
	if _, err := ReadCSV(strings.NewReader(text), "t.csv", CSVOptions{}); err == nil ||
		!strings.Contains(err.Error(), "t.csv:3:1: empty field") || !strings.Contains(err.Error(), "--missing") {
		t.Errorf("default: %v", err)
	}
	d, err := ReadCSV(strings.NewReader(text), "t.csv", CSVOptions{Missing: MissingDrop})
	if err != nil || d.N != 2 || d.Dropped != 3 || !slices.Equal(d.X, []float32{1, 2, 5, 0}) || !slices.Equal(d.Records, []int{1, 5}) {
		t.Errorf("drop: %+v %v", d, err)
	}
	d, err = ReadCSV(strings.NewReader(text), "t.csv", CSVOptions{Missing: MissingKeep})
	if err != nil || d.N != 5 || !math.IsNaN(float64(d.X[2])) || !math.IsNaN(float64(d.X[5])) || !math.IsNaN(float64(d.X[6])) {
		t.Errorf("keep: %+v %v", d, err)
	}
	if _, err := ReadCSV(strings.NewReader("x,y\n,a\nNA,b\n"), "t.csv", CSVOptions{Missing: MissingDrop}); err == nil ||
		!strings.Contains(err.Error(), "no data rows left") {
		t.Errorf("all dropped: %v", err)
	}
}
