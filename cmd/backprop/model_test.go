package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/train"
)

// libraryModel trains a model on iris through the library alone, as a
// library user would, and saves it.
func libraryModel(t *testing.T, path string) *backprop.Model[float32] {
	t.Helper()
	d, err := data.Embedded("iris")
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.FitScaler(d, data.ScaleStandard)
	if err != nil {
		t.Fatal(err)
	}
	p := backprop.Pipeline{Scaling: s.Kind, Target: "species", Classes: d.Classes}
	for j, name := range d.FeatureNames {
		p.Features = append(p.Features, backprop.Feature{Name: name, Offset: s.Offset[j], Scale: s.Scale[j]})
	}
	net, err := backprop.New[float32](4, backprop.CrossEntropy, 5,
		backprop.LayerSpec{Units: 6, Activation: backprop.Tanh},
		backprop.LayerSpec{Units: 3, Activation: backprop.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	m, err := backprop.NewModel(net, p)
	if err != nil {
		t.Fatal(err)
	}
	x0 := backprop.Encode(&m.Pipeline, make([]float32, len(d.X)), d.X)
	cfg := train.Config{Epochs: 30, Alpha: 0.05, Optimizer: train.Adam, Batch: 16, Seed: 1}
	if _, err := train.Train(context.Background(), net, train.Set[float32]{X: x0, Y: d.Y, N: d.N}, train.Set[float32]{}, cfg); err != nil {
		t.Fatal(err)
	}
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	return m
}

// rawRows returns the feature values of iris as the CSV reader gives them.
func rawRows(t *testing.T) (*data.Dataset, []float64) {
	t.Helper()
	d, err := data.Embedded("iris")
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, len(d.X))
	for i, v := range d.X {
		x[i] = float64(v)
	}
	return d, x
}

// predictCSV is what `backprop predict --proba` prints for the model m on
// the rows x, computed with the library.
func predictCSV(t *testing.T, m *backprop.Model[float32], x []float64, ids []int) string {
	t.Helper()
	p, err := m.Predict(nil, x)
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.Classify(nil, x)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	header := []string{"id", "prediction"}
	for _, l := range m.Labels() {
		header = append(header, "p_"+l)
	}
	w.Write(header)
	k := m.Outputs()
	for r := range c {
		rec := []string{strconv.Itoa(ids[r]), m.Label(c[r])}
		for _, v := range p[r*k : (r+1)*k] {
			rec = append(rec, fmtP(v))
		}
		w.Write(rec)
	}
	w.Flush()
	return b.String()
}

// TestLibraryModelInCLI: a model trained and saved with the library alone
// works in predict and evaluate, with the library's answers.
func TestLibraryModelInCLI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lib.json")
	m := libraryModel(t, path)
	d, x := rawRows(t)
	out, errs, status := cli(t, "predict", "--model", path, "--data", "iris", "--proba")
	if status != 0 {
		t.Fatalf("predict: status %d: %s", status, errs)
	}
	if want := predictCSV(t, m, x, seq(1, d.N+1)); out != want {
		t.Errorf("predict on a library model:\n%.400s\nthe library says\n%.400s", out, want)
	}
	if !strings.HasPrefix(errs, path+" on iris: all 150 rows") {
		t.Errorf("predict's note: %q", errs)
	}
	// explain: the outputs before its step are the library's probabilities.
	p, _ := m.Predict(nil, x[40*4:41*4])
	text, errs, status := cli(t, "explain", "--model", path, "--data", "iris", "--row", "41")
	if status != 0 {
		t.Fatalf("explain: %s", errs)
	}
	for k, v := range beforeOutputs(t, text) {
		if math.Abs(v-p[k]) > 0.5e-6+0.5*math.Pow(10, math.Floor(math.Log10(math.Abs(v)))-5)+1e-7 {
			t.Errorf("explain's output %d: %v, the library's %v", k+1, v, p[k])
		}
	}
	if out, errs, status := cli(t, "export", "--model", path, "--onnx", filepath.Join(filepath.Dir(path), "lib.onnx")); status != 0 ||
		!strings.Contains(out, "standard scaling in the graph") {
		t.Errorf("export: status %d %s%s", status, errs, out)
	}
	// evaluate: the accuracy of the library's classes (a model without a
	// recorded split is scored on every row).
	c, _ := m.Classify(nil, x)
	right := 0
	for r, k := range c {
		if k == d.Labels[r] {
			right++
		}
	}
	out, errs, status = cli(t, "evaluate", "--model", path, "--data", "iris")
	if want := fmt.Sprintf("accuracy %.4f", float64(right)/150); status != 0 || !strings.Contains(out, want) ||
		!strings.HasPrefix(out, path+" on iris: all 150 rows\n") {
		t.Errorf("evaluate: status %d %s: %.200s; want %s", status, errs, out, want)
	}
}

// TestCLIModelInLibrary: a model that `backprop train` wrote loads in the
// library and predicts what `backprop predict` prints.
func TestCLIModelInLibrary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cli.json")
	if _, errs, status := cli(t, "train", "--data", "iris", "--hidden", "6", "--epochs", "20", "--lr", "0.02", "--test-split", "0.2", "--out", path); status != 0 {
		t.Fatalf("train: %s", errs)
	}
	m, err := backprop.Load[float32](path)
	if err != nil {
		t.Fatal(err)
	}
	if m.Provenance == nil || m.Provenance.Split == nil || m.Provenance.Split.Test != 0.2 || m.Provenance.Flags["hidden"] != "6" {
		t.Errorf("provenance: %+v", m.Provenance)
	}
	d, x := rawRows(t)
	out, errs, status := cli(t, "predict", "--model", path, "--data", "iris", "--proba", "--split", "all")
	if status != 0 {
		t.Fatalf("predict: %s", errs)
	}
	if want := predictCSV(t, m, x, seq(1, d.N+1)); out != want {
		t.Errorf("predict:\n%.400s\nthe library says\n%.400s", out, want)
	}
}

// TestLegacyModelInCLI: a model file of backprop-model/1 (written by the
// previous version's train) still works in predict, with the classes that
// version printed and probabilities within one unit of the 6th digit (it
// ran 256 rows at once, this version one record at a time), and in
// evaluate and export.
func TestLegacyModelInCLI(t *testing.T) {
	const model = "../../testdata/iris-v1.json"
	out, errs, status := cli(t, "predict", "--model", model, "--data", "iris", "--proba")
	if status != 0 {
		t.Fatalf("predict: %s", errs)
	}
	old, err := os.ReadFile("../../testdata/iris-v1.predict.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
	want, _ := csv.NewReader(bytes.NewReader(old)).ReadAll()
	if len(got) != len(want) || !slices.Equal(got[0], want[0]) {
		t.Fatalf("predict: %d rows, header %v; version 1: %d rows, %v", len(got), got[0], len(want), want[0])
	}
	for r := 1; r < len(got); r++ {
		if got[r][0] != want[r][0] || got[r][1] != want[r][1] {
			t.Errorf("row %d: %v, version 1 %v", r, got[r], want[r])
		}
		for k := 2; k < len(got[r]); k++ {
			a, _ := strconv.ParseFloat(got[r][k], 64)
			b, _ := strconv.ParseFloat(want[r][k], 64)
			if math.Abs(a-b) > 1.0000001e-6 {
				t.Errorf("row %d: %v, version 1 %v", r, got[r], want[r])
			}
		}
	}
	if out, errs, status := cli(t, "evaluate", "--model", model, "--data", "iris"); status != 0 || !strings.HasPrefix(out, model+" on iris: all 150 rows") {
		t.Errorf("evaluate: status %d %s\n%s", status, errs, out)
	}
}

// TestL1InProvenance: --l1 reaches the trainer and is recorded in the
// model's provenance, in the flags and in the trainer's configuration, as
// --l2 is.
func TestL1InProvenance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l1.json")
	if _, errs, status := cli(t, "train", "--data", "iris", "--hidden", "4", "--epochs", "2", "--l1", "0.001", "--l2", "0.002", "--out", path); status != 0 {
		t.Fatalf("train: %s", errs)
	}
	m, err := backprop.Load[float32](path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg train.Config
	if m.Provenance == nil || json.Unmarshal(m.Provenance.Config, &cfg) != nil {
		t.Fatalf("provenance: %+v", m.Provenance)
	}
	if cfg.L1 != 0.001 || cfg.L2 != 0.002 || m.Provenance.Flags["l1"] != "0.001" {
		t.Errorf("provenance: config l1 %v, l2 %v, flag %q", cfg.L1, cfg.L2, m.Provenance.Flags["l1"])
	}
}
