package data

import (
	"slices"
	"strings"
	"testing"
)

func TestSeparatorDetected(t *testing.T) {
	for _, sep := range []string{",", ";", "\t", "|"} {
		text := strings.ReplaceAll("\n  \n\"a,b\",c,y\n1.5,2,x\n   \n3,4,z\n", ",", sep)
		d, err := ReadCSV(strings.NewReader(text), "t.csv", CSVOptions{})
		if err != nil {
			t.Fatalf("sep %q: %v", sep, err)
		}
		if !slices.Equal(d.FeatureNames, []string{"a" + sep + "b", "c"}) || d.N != 2 || !slices.Equal(d.X, []float32{1.5, 2, 3, 4}) ||
			!slices.Equal(d.Classes, []string{"x", "z"}) {
			t.Errorf("sep %q: names %q, N %d, X %v, classes %q", sep, d.FeatureNames, d.N, d.X, d.Classes)
		}
	}
	d, err := ReadCSV(strings.NewReader("a;b;y\n1.5;2;0\n3;4;1\n"), "t.csv", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.FeatureNames, []string{"a", "b"}) || d.N != 2 {
		t.Errorf("';': names %q, N %d", d.FeatureNames, d.N)
	}
}

func TestSeparatorHint(t *testing.T) {
	_, err := ReadCSV(strings.NewReader("sepal_length;sepal_width;y\n1;2;0\n"), "t.csv", CSVOptions{Sep: ','})
	if err == nil || !strings.Contains(err.Error(), "--sep ';'") || !strings.Contains(err.Error(), "was given") {
		t.Errorf("explicit ',' on a ';' file: %v", err)
	}
	_, err = ReadCSV(strings.NewReader("a|b\n1|2\n"), "t.csv", CSVOptions{Sep: ',', Features: []string{"a", "b"}})
	if err == nil || !strings.Contains(err.Error(), "--sep '|'") {
		t.Errorf("features with ',' on a '|' file: %v", err)
	}
	if _, err := ReadCSV(strings.NewReader("a,y\n1,0\n"), "t.csv", CSVOptions{Sep: ':'}); err == nil ||
		!strings.Contains(err.Error(), "want one of") {
		t.Errorf("sep ':': %v", err)
	}
}

func TestIgnore(t *testing.T) {
	text := "id,x,note,y,comment\n7,1.5,hello,a,c1\n8,2.5,bye,b,c2\n"
	d, err := ReadCSV(strings.NewReader(text), "t.csv", CSVOptions{Ignore: []string{"id", "note", "comment"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.FeatureNames, []string{"x"}) || !slices.Equal(d.X, []float32{1.5, 2.5}) ||
		!slices.Equal(d.Classes, []string{"a", "b"}) {
		t.Errorf("names %q, X %v, classes %q (want the last column not ignored as the target)", d.FeatureNames, d.X, d.Classes)
	}
	// At prediction time, with the model's features: ignored columns may be
	// there or not; others are still refused.
	for _, text := range []string{"id,x,note\n1,4,z\n", "x\n4\n", "comment,x\nc,4\n"} {
		d, err := ReadCSV(strings.NewReader(text), "p.csv", CSVOptions{Features: []string{"x"}, Ignore: []string{"id", "note", "comment"}})
		if err != nil || !slices.Equal(d.X, []float32{4}) {
			t.Errorf("%q: %v, %v", text, d, err)
		}
	}
	if _, err := ReadCSV(strings.NewReader("x,other\n4,5\n"), "p.csv", CSVOptions{Features: []string{"x"}, Target: "y", Ignore: []string{"id"}}); err == nil {
		t.Error("an unexpected column that is not ignored: accepted")
	}
	for _, c := range []struct {
		opt  CSVOptions
		want string
	}{
		{CSVOptions{Ignore: []string{"nope"}}, `no column "nope" to ignore`},
		{CSVOptions{Ignore: []string{"x", "x"}}, "ignored twice"},
		{CSVOptions{Ignore: []string{"y"}, Target: "y"}, "both the target and ignored"},
		{CSVOptions{Ignore: []string{"id", "x", "note", "y", "comment"}}, "every column is ignored"},
		{CSVOptions{Ignore: []string{"x", "note", "y", "comment"}}, "no feature columns"},
	} {
		_, err := ReadCSV(strings.NewReader(text), "t.csv", c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.opt, err, c.want)
		}
	}
}
