package main

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// beforeOutputs reads the "before" column of explain's "After the step"
// table: the network's outputs on the example, as explain printed them.
func beforeOutputs(t *testing.T, text string) []float64 {
	t.Helper()
	_, table, ok := strings.Cut(text, "output  before")
	if !ok {
		t.Fatalf("no output table in\n%s", text)
	}
	var out []float64
	for _, m := range regexp.MustCompile(`(?m)^  a\d+_\d+ +(\S+)`).FindAllStringSubmatch(table, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// TestExplainSeesWhatPredictSees: explain --data --row N applies the model's
// input pipeline, and the outputs before its step are predict's for record
// N, to the digits both print (6 significant, 6 decimals): for a
// classifier, a binary classifier and a regression model. --x with the raw
// values of the record and --y with its class name give the same step.
func TestExplainSeesWhatPredictSees(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		set  string
		args []string
		row  int
	}{
		{"iris", []string{"--hidden", "5", "--epochs", "20", "--lr", "0.02"}, 77},
		{"breast_cancer", []string{"--hidden", "6", "--epochs", "5"}, 12},
		{"diabetes", []string{"--hidden", "6", "--epochs", "10"}, 30},
	} {
		model := filepath.Join(dir, c.set+".json")
		if _, errs, status := cli(t, append([]string{"train", "--data", c.set, "--out", model}, c.args...)...); status != 0 {
			t.Fatalf("%s: train: %s", c.set, errs)
		}
		row := strconv.Itoa(c.row)
		text, errs, status := cli(t, "explain", "--model", model, "--data", c.set, "--row", row)
		if status != 0 {
			t.Fatalf("%s: explain: %s", c.set, errs)
		}
		got := beforeOutputs(t, text)
		pred, errs, status := cli(t, "predict", "--model", model, "--data", c.set, "--split", "all", "--proba")
		if status != 0 {
			t.Fatalf("%s: predict: %s", c.set, errs)
		}
		recs, _ := csv.NewReader(strings.NewReader(pred)).ReadAll()
		rec := recs[c.row]
		if rec[0] != row {
			t.Fatalf("%s: predict's record %d has id %s", c.set, c.row, rec[0])
		}
		var want []float64
		for _, s := range rec[1:] {
			if v, err := strconv.ParseFloat(s, 64); err == nil {
				want = append(want, v)
			}
		}
		if c.set == "breast_cancer" { // one sigmoid output o = p(class 1); predict prints 1 − o and o
			want = want[1:]
		}
		if len(got) != len(want) {
			t.Fatalf("%s: explain shows %d outputs %v, predict %v", c.set, len(got), got, want)
		}
		for k := range got {
			// explain rounds to 6 significant digits, predict to 6 decimals
			// (a probability) or 7 significant digits (a value).
			tol := 0.5e-6 + 0.5*math.Pow(10, math.Floor(math.Log10(math.Abs(got[k])))-5) + 1e-7
			if math.Abs(got[k]-want[k]) > tol {
				t.Errorf("%s row %d: output %d: explain %v, predict %v", c.set, c.row, k+1, got[k], want[k])
			}
		}
		if !strings.Contains(text, "raw") || !strings.Contains(text, "x = a0_j") {
			t.Errorf("%s: no table of the raw record and x:\n%.1500s", c.set, text)
		}
		if c.set != "iris" {
			continue
		}
		// The same record by --x (raw values) and --y (a class name).
		if !strings.Contains(text, "target        versicolor") {
			t.Errorf("iris row 77: the target's class is not shown:\n%.1500s", text)
		}
		byX, errs, status := cli(t, "explain", "--model", model, "--x", "6.8,2.8,4.8,1.4", "--y", "versicolor")
		if status != 0 || byX != text {
			t.Errorf("explain --x/--y differs from --data --row (status %d %s)", status, errs)
		}
		_, errs, _ = cli(t, "explain", "--model", model, "--x", "6.8,2.8,4.8,1.4", "--y", "rose")
		if !strings.Contains(errs, `"rose" is neither a class (setosa, versicolor, virginica) nor numbers`) {
			t.Errorf("unknown class: %s", errs)
		}
	}
}

// TestExplainInputErrors: the input side of explain says what is wrong.
func TestExplainInputErrors(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "iris.json")
	if _, errs, status := cli(t, "train", "--data", "iris", "--hidden", "3", "--epochs", "2", "--out", model); status != 0 {
		t.Fatal(errs)
	}
	nolabel := filepath.Join(dir, "x.csv")
	os.WriteFile(nolabel, []byte("sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", "iris", "--row", "3"}, "explain: --data needs --model (the worked example has no data file)"},
		{[]string{"--model", model, "--data", "iris"}, "explain: --data and --row go together: --data FILE --row N"},
		{[]string{"--model", model, "--data", "iris", "--row", "151"}, "--row 151: iris has records 1 to 150"},
		{[]string{"--model", model, "--data", nolabel, "--row", "1"}, "explain: " + nolabel + " has no target column: give the targets with --y, one per --row"},
		{[]string{"--model", model, "--x", "1,2,3", "--y", "setosa"}, "--x #1: 3 values, want 4 (the model's features: sepal_length, sepal_width, petal_length, petal_width)"},
		{[]string{"--model", model, "--x", "1,2,3,4", "--data", "iris", "--row", "1"}, "explain: give the examples by --x or by --data --row, not both"},
	} {
		_, errs, status := cli(t, append([]string{"explain"}, c.args...)...)
		if status != 2 || strings.TrimSpace(errs) != "backprop: "+c.want {
			t.Errorf("%v: status %d, %s want %s", c.args, status, errs, c.want)
		}
	}
	if _, errs, status := cli(t, "explain", "--model", model, "--data", nolabel, "--row", "1", "--y", "virginica"); status != 0 {
		t.Errorf("--data without targets, --y given: status %d %s", status, errs)
	}
}

// TestExplainCategorical: explain on a model with categorical features and
// fills (which panicked before) shows each category's name beside its
// index, in the text and the picture, and its outputs before the step are
// predict's; --x with the category's index gives the same step as --data
// --row.
func TestExplainCategorical(t *testing.T) {
	dir := t.TempDir()
	table, model, svg := filepath.Join(dir, "t.csv"), filepath.Join(dir, "m.json"), filepath.Join(dir, "m.svg")
	text := mixedCSV(120, 4, 1) // x1, colour (3), city (4), x2: 9 inputs, drawn neuron by neuron
	os.WriteFile(table, []byte(text), 0o644)
	if _, errs, status := cli(t, "train", "--data", table, "--target", "label", "--ignore", "id,y,yes", "--missing", "mean",
		"--hidden", "3", "--epochs", "5", "--out", model); status != 0 {
		t.Fatal(errs)
	}
	recs, _ := csv.NewReader(strings.NewReader(text)).ReadAll()
	pred, errs, status := cli(t, "predict", "--model", model, "--data", table, "--split", "all", "--proba")
	if status != 0 {
		t.Fatal(errs)
	}
	preds, _ := csv.NewReader(strings.NewReader(pred)).ReadAll()
	for _, row := range []int{1, 4, 6} { // 4: x1 missing; 6: colour missing
		out, errs, status := cli(t, "explain", "--model", model, "--data", table, "--row", strconv.Itoa(row), "--svg", svg)
		if status != 0 {
			t.Fatalf("row %d: status %d: %s", row, status, errs)
		}
		rec := recs[row]
		colour := "missing"
		if k := map[string]int{"blue": 0, "green": 1, "red": 2}; rec[2] != "" && rec[2] != "NA" && rec[2] != "?" {
			colour = strconv.Itoa(k[rec[2]]) + " (" + rec[2] + ")"
		}
		city := map[string]string{"c00": "0", "c01": "1", "c02": "2", "c03": "3"}[rec[3]] + " (" + rec[3] + ")"
		for _, want := range []string{"colour " + colour + " a0_2…a0_4 = (", "city " + city + " a0_5…a0_8 = ("} {
			if !strings.Contains(spaced(out), want) {
				t.Errorf("row %d: explain does not say %q:\n%.2500s", row, want, out)
			}
		}
		pic, _ := os.ReadFile(svg)
		for _, want := range []string{">colour=blue<", ">city=" + rec[3] + "<", ">x2<"} {
			if !strings.Contains(string(pic), want) {
				t.Errorf("row %d: the picture does not name %q", row, want)
			}
		}
		got := beforeOutputs(t, out)
		for k, s := range preds[row][2:] {
			want, _ := strconv.ParseFloat(s, 64)
			if math.Abs(got[k]-want) > 0.5e-6+0.5*math.Pow(10, math.Floor(math.Log10(math.Abs(got[k])))-5)+1e-7 {
				t.Errorf("row %d: output %d: explain %v, predict %v", row, k+1, got[k], want)
			}
		}
		if row != 1 {
			continue
		}
		x := strings.Join([]string{rec[1], strings.Fields(colour)[0], strings.Fields(city)[0], rec[4]}, ",")
		byX, errs, status := cli(t, "explain", "--model", model, "--x", x, "--y", rec[5])
		if status != 0 || byX != out {
			t.Errorf("explain --x %s --y %s differs from --data --row 1 (status %d %s):\n%s", x, rec[5], status, errs, byX)
		}
	}
}

// spaced is s with every run of white space one space (tables align
// columns, paragraphs wrap).
func spaced(s string) string { return regexp.MustCompile(`\s+`).ReplaceAllString(s, " ") }
