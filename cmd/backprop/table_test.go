package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

// tableCSV is a two-class table with an id column and a note column, sep
// between fields, and lines of only spaces among the rows.
func tableCSV(sep string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "id%sx1%snote%sx2%sclass\n", sep, sep, sep, sep)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		x1, x2 := r.Float64()*4-2, r.Float64()*4-2
		c := "neg"
		if x1+x2 > 0 {
			c = "pos"
		}
		fmt.Fprintf(&b, "%d%s%.4f%sword %d%s%.4f%s%s\n", 100+i, sep, x1, sep, i, sep, x2, sep, c)
		if i%17 == 3 {
			b.WriteString("   \n")
		}
	}
	return b.String()
}

// withStdin runs f with os.Stdin reading text.
func withStdin(t *testing.T, text string, f func()) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stdin")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	old := os.Stdin
	os.Stdin = in
	defer func() { os.Stdin = old }()
	f()
}

func TestTableSeparatorsIgnoreStdin(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, sep, flag string }{
		{"semicolon", ";", ""}, {"tab", "\t", ""}, {"pipe", "|", "|"}, {"stdin", ",", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			text := tableCSV(c.sep, 200)
			csvPath := filepath.Join(dir, c.name+".csv")
			os.WriteFile(csvPath, []byte(text), 0o644)
			model := filepath.Join(dir, c.name+".json")
			args := []string{"train", "--data", csvPath, "--ignore", "id,note", "--hidden", "8", "--epochs", "40",
				"--lr", "0.02", "--test-split", "0.2", "--out", model}
			if c.flag != "" {
				args = append(args, "--sep", c.flag)
			}
			var out, errs string
			var status int
			if c.name == "stdin" {
				args[2] = "-"
				withStdin(t, text, func() { out, errs, status = cli(t, args...) })
			} else {
				out, errs, status = cli(t, args...)
			}
			if status != 0 {
				t.Fatalf("train: status %d: %s", status, errs)
			}
			if !strings.Contains(out, "2 features") {
				t.Errorf("train did not read 2 features:\n%s", out)
			}
			m, err := backprop.Load[float32](model)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(m.FeatureNames(), ","); got != "x1,x2" || strings.Join(m.Ignore, ",") != "id,note" {
				t.Errorf("features %q, ignore %q", got, m.Ignore)
			}
			// The library: raw records of the features.
			cls, err := m.Classify(nil, []float64{1.5, 1, -1.5, -1})
			if err != nil || m.Label(cls[0]) != "pos" || m.Label(cls[1]) != "neg" {
				t.Errorf("library classify: %v %v", cls, err)
			}
			// evaluate recognises the data and scores the recorded test
			// part; predict passes over id and note.
			evalArgs := []string{"evaluate", "--model", model, "--data", csvPath}
			predArgs := []string{"predict", "--model", model, "--data", csvPath, "--split", "all"}
			if c.name == "stdin" {
				evalArgs[4], predArgs[4] = "-", "-"
				withStdin(t, text, func() { out, errs, status = cli(t, evalArgs...) })
			} else {
				out, errs, status = cli(t, evalArgs...)
			}
			if status != 0 || !strings.Contains(out, "held-out test part") || !strings.Contains(out, "accuracy") {
				t.Fatalf("evaluate: status %d: %s\n%s", status, errs, out)
			}
			if c.name == "stdin" {
				withStdin(t, text, func() { out, errs, status = cli(t, predArgs...) })
			} else {
				out, errs, status = cli(t, predArgs...)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if status != 0 || len(lines) != 201 {
				t.Fatalf("predict: status %d, %d lines: %s", status, len(lines), errs)
			}
		})
	}
}

func TestTableSeparatorHint(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "iris.csv")
	os.WriteFile(path, []byte("sepal_length;sepal_width;species\n1;2;a\n2;1;b\n"), 0o644)
	_, errs, status := cli(t, "train", "--data", path, "--sep", ",", "--out", filepath.Join(dir, "m.json"))
	if status != 2 || !strings.Contains(errs, "--sep ';'") || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
		t.Errorf("status %d: %s", status, errs)
	}
	for _, c := range []struct{ args, want string }{
		{"--sep :", `--sep ":": want , ; | or tab`},
		{"--ignore nope", `no column "nope" to ignore`},
		{"--ignore a,,b", "an empty column name"},
		{"--ignore species --target species", "both the target and ignored"},
	} {
		args := append([]string{"train", "--data", path, "--out", filepath.Join(dir, "m.json")}, strings.Fields(c.args)...)
		_, errs, status := cli(t, args...)
		if status != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: status %d: %s", c.args, status, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "m.json")); err == nil {
		t.Error("a refused run wrote --out")
	}
}

// shopCSV is a table with a categorical feature (color decides the class
// with x) and, when holes, missing values in both kinds of feature.
func shopCSV(n int, holes bool) string {
	var b strings.Builder
	b.WriteString("x,color,class\n")
	r := rand.New(rand.NewPCG(3, 4))
	colors := []string{"red", "green", "blue"}
	for i := range n {
		x, c := r.Float64()*2-1, colors[r.IntN(3)]
		class := "no"
		if (c == "red") != (x > 0.5) {
			class = "yes"
		}
		xs, cs := fmt.Sprintf("%.4f", x), c
		if holes && i%10 == 7 {
			xs = ""
		}
		if holes && i%10 == 3 {
			cs = "NA"
		}
		fmt.Fprintf(&b, "%s,%s,%s\n", xs, cs, class)
	}
	return b.String()
}

func TestTableCategoricalAndMissing(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "shop.csv")
	holes := filepath.Join(dir, "holes.csv")
	os.WriteFile(clean, []byte(shopCSV(300, false)), 0o644)
	os.WriteFile(holes, []byte(shopCSV(300, true)), 0o644)
	unseen := filepath.Join(dir, "unseen.csv")
	os.WriteFile(unseen, []byte("x,color\n0.9,red\n0.9,violet\n"), 0o644)

	for _, c := range []struct {
		name, data string
		flags      []string
		evalRows   string
	}{
		{"categorical", clean, nil, "held-out test part, 60 of its 300 rows"},
		{"drop", holes, []string{"--missing", "drop"}, "of its 240 rows"},
		{"mean", holes, []string{"--missing", "mean", "--unknown", "ignore"}, "held-out test part, 60 of its 300 rows"},
	} {
		t.Run(c.name, func(t *testing.T) {
			model := filepath.Join(dir, c.name+".json")
			args := append([]string{"train", "--data", c.data, "--hidden", "16", "--epochs", "60", "--lr", "0.02", "--test-split", "0.2", "--out", model}, c.flags...)
			out, errs, status := cli(t, args...)
			if status != 0 {
				t.Fatalf("train: status %d: %s", status, errs)
			}
			if !strings.Contains(out, "inputs: 4 (categorical features one-hot: color → 3)") {
				t.Errorf("no inputs line:\n%s", out)
			}
			m, err := backprop.Load[float32](model)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(m.Features[1].Categories, ","); got != "blue,green,red" || m.Net.Inputs != 4 {
				t.Fatalf("categories %q, %d inputs", got, m.Net.Inputs)
			}
			if c.name == "mean" && (m.Features[0].Fill == nil || m.Features[1].Fill == nil || m.Missing != "mean") {
				t.Errorf("mean: fills %v %v, missing %q", m.Features[0].Fill, m.Features[1].Fill, m.Missing)
			}
			// The library, through the pipeline: records of strings.
			var x []float64
			for _, rec := range [][]string{{"0.9", "red"}, {"0.9", "blue"}, {"-0.5", "red"}} {
				r, err := m.Record(nil, rec)
				if err != nil {
					t.Fatal(err)
				}
				x = append(x, r...)
			}
			cls, err := m.Classify(nil, x)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Label(cls[0]) + m.Label(cls[1]) + m.Label(cls[2]); got != "noyesyes" {
				t.Errorf("library classes %s, want noyesyes", got)
			}
			out, errs, status = cli(t, "evaluate", "--model", model, "--data", c.data)
			if status != 0 || !strings.Contains(out, c.evalRows) {
				t.Fatalf("evaluate: status %d: %s\n%s", status, errs, out)
			}
			acc := regexpFloat(t, out, `accuracy\s+([0-9.]+)`)
			if acc < 0.85 {
				t.Errorf("accuracy %v on the held-out part:\n%s", acc, out)
			}
			if c.name == "drop" { // ids are the file's record numbers: 4 and 8 (of each ten) left out
				out, errs, status = cli(t, "predict", "--model", model, "--data", c.data, "--split", "all")
				ids := map[string]bool{}
				for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
					ids[strings.SplitN(line, ",", 2)[0]] = true
				}
				if status != 0 || len(ids) != 240 || ids["4"] || ids["8"] || !ids["5"] || !ids["300"] {
					t.Errorf("predict after drop: status %d, %d ids: %s", status, len(ids), errs)
				}
			}
			out, errs, status = cli(t, "predict", "--model", model, "--data", unseen)
			if c.name == "mean" { // --unknown ignore: violet is all zeros
				if status != 0 || strings.Count(out, "\n") != 3 {
					t.Errorf("predict with an unseen category ignored: status %d: %s\n%s", status, errs, out)
				}
			} else if status != 2 || !strings.Contains(errs, `unknown category "violet" in column "color"`) {
				t.Errorf("predict with an unseen category: status %d: %s", status, errs)
			}
			out, errs, status = cli(t, "export", "--model", model, "--onnx", filepath.Join(dir, c.name+".onnx"))
			if status != 0 || !strings.Contains(out, "one-hot (color → 3)") {
				t.Errorf("export of a categorical model: status %d: %s%s", status, errs, out)
			}
		})
	}
	_, errs, status := cli(t, "train", "--data", holes, "--out", filepath.Join(dir, "x.json"))
	if status != 2 || !strings.Contains(errs, "--missing drop or mean") {
		t.Errorf("missing values by default: status %d: %s", status, errs)
	}
	_, errs, status = cli(t, "train", "--data", holes, "--missing", "zero", "--out", filepath.Join(dir, "x.json"))
	if status != 2 || !strings.Contains(errs, "--missing \"zero\"") {
		t.Errorf("--missing zero: status %d: %s", status, errs)
	}
}

func regexpFloat(t *testing.T, s, re string) float64 {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in:\n%s", re, s)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTargetSense(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.json")
	// Cross-entropy on a measurement: refused, naming --classes.
	_, errs, status := cli(t, "train", "--data", "diabetes", "--loss", "cross-entropy", "--out", out)
	if status != 2 || !strings.Contains(errs, "--classes") || !strings.Contains(errs, "--loss squared") {
		t.Errorf("cross-entropy on diabetes: status %d: %s", status, errs)
	}
	// Squared loss on class labels that are words: one-hot targets.
	stdout, errs, status := cli(t, "train", "--data", "iris", "--loss", "squared", "--epochs", "3", "--out", out)
	if status != 0 || !strings.Contains(stdout, "3 classes") || !strings.Contains(stdout, "3 softmax; loss squared") {
		t.Fatalf("squared on iris: status %d: %s\n%s", status, errs, stdout)
	}
	// Squared loss on a target of few whole numbers: regression, and
	// evaluate reproduces the test figure.
	var b strings.Builder
	b.WriteString("x,rating\n")
	for i := range 200 {
		fmt.Fprintf(&b, "%d,%d\n", i, 1+i%5)
	}
	path := filepath.Join(dir, "ratings.csv")
	os.WriteFile(path, []byte(b.String()), 0o644)
	stdout, errs, status = cli(t, "train", "--data", path, "--loss", "squared", "--epochs", "3", "--test-split", "0.2", "--out", out)
	if status != 0 || !strings.Contains(stdout, "numeric target (regression)") {
		t.Fatalf("squared on ratings: status %d: %s\n%s", status, errs, stdout)
	}
	ev, errs, status := cli(t, "evaluate", "--model", out, "--data", path)
	if status != 0 || !strings.Contains(ev, "held-out test part") {
		t.Fatalf("evaluate: status %d: %s\n%s", status, errs, ev)
	}
	// --classes: cross-entropy on them as classes.
	stdout, errs, status = cli(t, "train", "--data", path, "--loss", "cross-entropy", "--classes", "--epochs", "2", "--out", out)
	if status != 0 || !strings.Contains(stdout, "5 classes") {
		t.Errorf("--classes: status %d: %s\n%s", status, errs, stdout)
	}
}

func TestHelpAndFlagRanges(t *testing.T) {
	for _, args := range [][]string{{"help", "train"}, {"train", "-h"}, {"train", "--help"}} {
		out, errs, status := cli(t, args...)
		if status != 0 || errs != "" || !strings.HasPrefix(out, "Usage: backprop train") {
			t.Errorf("%q: status %d, stderr %q, stdout %.60q", args, status, errs, out)
		}
		if strings.Contains(out, "NaN") || !strings.Contains(out, "-lr rate") {
			t.Errorf("%q: the help shows NaN or no -lr rate", args)
		}
	}
	if out, _, status := cli(t, "help", "evaluate"); status != 0 || !strings.HasPrefix(out, "Usage: backprop evaluate") {
		t.Errorf("help evaluate: %d %.50q", status, out)
	}
	if out, _, status := cli(t, "help"); status != 0 || !strings.Contains(out, "Commands:") {
		t.Errorf("help: %d %.50q", status, out)
	}
	dir := t.TempDir()
	for _, c := range []struct{ flag, value, want string }{
		{"batch", "0", "--batch 0: want at least 1"},
		{"epochs", "0", "--epochs 0: want at least 1 (leave it out to choose it on the data)"},
		{"momentum", "1", "--momentum 1"},
		{"momentum", "-0.1", "--momentum -0.1"},
		{"l2", "-1", "--l2 -1"},
		{"l1", "-0.5", "--l1 -0.5: want λ₁ ≥ 0"},
		{"gamma", "2", "--gamma 2"},
		{"slope", "1.5", "--slope 1.5"},
		{"lr", "0", "--lr 0"},
		{"lr", "NaN", "--lr NaN"},
		{"val-split", "1", "--val-split 1"},
		{"test-split", "-0.5", "--test-split -0.5"},
		{"patience", "-1", "--patience -1"},
		{"checkpoint-every", "0", "--checkpoint-every 0"},
	} {
		_, errs, status := cli(t, "train", "--"+c.flag, c.value, "--out", filepath.Join(dir, "m.json"))
		if status != 2 || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("--%s %s: status %d: %q", c.flag, c.value, status, errs)
		}
	}
	_, errs, status := cli(t, "train", "--data", "iris", "--val-split", "0.99", "--out", filepath.Join(dir, "m.json"))
	if status != 2 || !strings.Contains(errs, "leave 1 row of 150 to train on") {
		t.Errorf("--val-split 0.99: status %d: %s", status, errs)
	}
	_, errs, _ = cli(t, "train", "--data", "iris", "--val-split", "0.7", "--epochs", "1", "--hidden", "4", "--out", filepath.Join(dir, "m.json"))
	if !strings.Contains(errs, "warning: 105 rows are held out") {
		t.Errorf("--val-split 0.7: no warning: %s", errs)
	}
	out, errs, status := cli(t, "train", "--data", "iris", "--epochs", "1", "--hidden", "4", "--out", filepath.Join(dir, "m.json"))
	if status != 0 || !strings.Contains(out, ", 1 epoch,") {
		t.Errorf("1 epoch: status %d: %s\n%s", status, errs, out)
	}
}
