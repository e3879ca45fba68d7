package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
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
				"--lr", "0.02", "--out", model}
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
