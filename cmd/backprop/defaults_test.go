package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/train"
)

// TestDefaultsChooseEpochs: with no --epochs, train states its choices in
// the header (network, batch, decay, how the epochs are chosen, no test
// part), reports the folds' choice and its estimate, then trains all the
// rows for the chosen epochs; the same flags give the same model file;
// evaluate then scores all the rows, said to be no test.
func TestDefaultsChooseEpochs(t *testing.T) {
	dir := t.TempDir()
	m1, m2 := filepath.Join(dir, "m1.json"), filepath.Join(dir, "m2.json")
	out, errs, status := cli(t, "train", "--data", "iris", "--health=false", "--out", m1)
	if status != 0 {
		t.Fatalf("train: status %d: %s", status, errs)
	}
	for _, want := range []string{
		"data: iris — 150 training, 0 validation, 0 test examples",
		"network: 4 → 100 relu → 3 softmax; loss cross-entropy; mini-batch of 32, adam, α = 0.001, L2 λ = 0.0667 (10/N), epochs chosen below, seed 1",
		"validation: 5-fold cross-validation of the 150 training rows finds the epoch of the lowest validation loss (at most 200), then all 150 rows train for that many; no test part",
		"cross-validation: lowest validation loss at epochs ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("train's output lacks %q:\n%s", want, out)
		}
	}
	m := regexp.MustCompile(`of the 5 folds, median (\d+); accuracy (0\.\d+) \((0\.\d+)–(1\.0000|0\.\d+)\) on the held-out folds, an estimate for new rows; training on all 150 rows for (\d+) epochs?`).FindStringSubmatch(out)
	if m == nil || m[1] != m[5] {
		t.Fatalf("no choice line, or epochs that differ from the median:\n%s", out)
	}
	epochs, _ := strconv.Atoi(m[1])
	if n := strings.Count(out, "\nepoch "); n != epochs || !strings.Contains(out, "epoch   1/"+m[1]+" ") {
		t.Errorf("%d epoch lines for %d epochs chosen", n, epochs)
	}
	if strings.Contains(out, "test (") {
		t.Errorf("a test line without a test part:\n%s", out)
	}
	if epochs == 200 && !strings.Contains(errs, "warning: the validation loss was still falling at the cap of 200 epochs") {
		t.Errorf("the cap chosen, no warning: %q", errs)
	}
	model, err := backprop.Load[float32](m1)
	if err != nil {
		t.Fatal(err)
	}
	var cfg train.Config
	if err := json.Unmarshal(model.Provenance.Config, &cfg); err != nil || cfg.Epochs != epochs || cfg.Batch != 32 || cfg.L2 != train.FitL2(150) {
		t.Errorf("the model's config: %+v %v", cfg, err)
	}
	if _, errs, status := cli(t, "train", "--data", "iris", "--health=false", "--out", m2); status != 0 {
		t.Fatal(errs)
	}
	if a, b := readFile(t, m1), readFile(t, m2); string(a) != string(b) {
		t.Error("two default runs with the same seed wrote different model files")
	}
	ev, errs, status := cli(t, "evaluate", "--model", m1, "--data", "iris")
	if status != 0 || !strings.Contains(ev, "all 150 rows, the rows the model learnt from (train held out no test part, so this is not a test)") {
		t.Errorf("evaluate without a test part: status %d %s\n%s", status, errs, ev)
	}
	if _, errs, status := cli(t, "evaluate", "--model", m1, "--data", "iris", "--split", "test"); status != 2 || !strings.Contains(errs, "held out no test part of iris") {
		t.Errorf("evaluate --split test without a test part: status %d %s", status, errs)
	}

	// A test part the user asks for is scored, and is no training row.
	out, errs, status = cli(t, "train", "--data", "wine", "--test-split", "0.2", "--health=false", "--out", m1)
	if status != 0 || !strings.Contains(out, "validation: 5-fold cross-validation of the 142 training rows") ||
		!strings.Contains(out, "the 36 test rows score it after training") || !strings.Contains(out, "test (36 examples): ") {
		t.Errorf("--test-split 0.2: status %d %s\n%s", status, errs, out)
	}
	_, want, _ := strings.Cut(regexp.MustCompile(`test \(36 examples\): .*`).FindString(out), ": ")
	if ev, _, _ := cli(t, "evaluate", "--model", m1, "--data", "wine"); !strings.Contains(ev, "the held-out test part, 36 of its 178 rows") || strings.Split(ev, "\n")[1] != want {
		t.Errorf("evaluate does not reproduce train's test line %q:\n%s", want, ev)
	}
}

// TestDefaultsFlags: --epochs N trains all rows for N epochs without a
// search (and no decay unless asked); the chosen epochs are not
// checkpointed; --init-scheme draws the weights as it says.
func TestDefaultsFlags(t *testing.T) {
	dir := t.TempDir()
	out, errs, status := cli(t, "train", "--data", "iris", "--epochs", "3", "--health=false", "--out", filepath.Join(dir, "a.json"))
	if status != 0 || !strings.Contains(out, "validation: none; 3 epochs on all 150 training rows; no test part") ||
		strings.Contains(out, "cross-validation") || strings.Contains(out, "L2") {
		t.Errorf("--epochs 3: status %d %s\n%s", status, errs, out)
	}
	_, errs, status = cli(t, "train", "--data", "iris", "--checkpoint", filepath.Join(dir, "ck"), "--out", filepath.Join(dir, "b.json"))
	if status != 2 || !strings.Contains(errs, "--checkpoint needs --epochs N") {
		t.Errorf("--checkpoint without --epochs: status %d %s", status, errs)
	}
	_, errs, status = cli(t, "train", "--data", "iris", "--init-scheme", "xavier", "--out", filepath.Join(dir, "b.json"))
	if status != 2 || !strings.Contains(errs, `--init-scheme: unknown initialisation "xavier" (want auto, glorot or he)`) {
		t.Errorf("--init-scheme xavier: status %d %s", status, errs)
	}
	// iris: 4 inputs → 100 relu: He's bound √(6/4), Glorot's √(6/104); the
	// default is auto (He's weights, biases drawn from Glorot's bound).
	he, glorot := math.Sqrt(6.0/4), math.Sqrt(6.0/104)
	for _, c := range []struct {
		scheme string
		r      float64 // the weights' bound
		biases bool    // drawn, or 0
	}{{"", he, true}, {"auto", he, true}, {"he", he, false}, {"glorot", glorot, true}} {
		path := filepath.Join(dir, "init-"+c.scheme+".json")
		args := []string{"train", "--data", "iris", "--epochs", "1", "--lr", "1e-30", "--out", path}
		if c.scheme != "" {
			args = append(args, "--init-scheme", c.scheme)
		}
		if _, errs, status := cli(t, args...); status != 0 {
			t.Fatal(errs)
		}
		m, err := backprop.Load[float64](path)
		if err != nil {
			t.Fatal(err)
		}
		hidden := m.Net.Layers[0]
		w, b := 0.0, 0.0 // the largest |w| and |b| (b: 0 as drawn with he, but for the one step of 1e-30)
		for _, v := range hidden.W {
			w = max(w, math.Abs(v))
		}
		for _, v := range hidden.B {
			b = max(b, math.Abs(v))
		}
		if w > c.r*(1+1e-6) || w < 0.8*c.r {
			t.Errorf("--init-scheme %q: largest hidden |w| %.4f, want just under %.4f", c.scheme, w, c.r)
		}
		if (b > 1e-6) != c.biases || b > glorot*(1+1e-6) {
			t.Errorf("--init-scheme %q: hidden biases %v", c.scheme, hidden.B[:3])
		}
	}
	// A search that diverges writes nothing: the network never trained.
	_, errs, status = cli(t, "train", "--data", "iris", "--optimizer", "sgd", "--lr", "1e30", "--out", filepath.Join(dir, "b.json"))
	if status != 1 || !strings.Contains(errs, "choosing the epochs (run 1 of 5): loss became NaN") || !strings.Contains(errs, "nothing written to") {
		t.Errorf("a diverging search: status %d %s", status, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.json")); err == nil {
		t.Error("a refused run wrote its --out")
	}
}
