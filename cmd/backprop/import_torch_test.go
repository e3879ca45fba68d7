package main

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportTorchClassifier: a classifier trained and exported by PyTorch
// (onnx/testdata/torch_iris.py: standardisation in forward, logits out, no
// metadata), imported with --features, --classes and --loss, gives PyTorch's
// classes through predict on a CSV, and its probabilities to 1e-6; evaluate
// and explain use it too. Without --loss its classes are refused, and
// nothing is written.
func TestImportTorchClassifier(t *testing.T) {
	const onnxPath, csvPath = "../../onnx/testdata/torch_iris.onnx", "../../data/embedded/iris.csv"
	dir := t.TempDir()
	model := filepath.Join(dir, "torch.json")
	_, errs, status := cli(t, "import", "--onnx", onnxPath, "--model", model, "--classes", "setosa,versicolor,virginica")
	if status != 2 || !strings.Contains(errs, "classes: the output layer is identity, want softmax or sigmoid") {
		t.Errorf("import of logits with classes and no --loss: status %d, %s", status, errs)
	}
	if _, err := os.Stat(model); err == nil {
		t.Fatal("a refused import wrote the model")
	}
	out, errs, status := cli(t, "import", "--onnx", onnxPath, "--model", model, "--classes", "setosa,versicolor,virginica",
		"--loss", "cross-entropy", "--features", "sepal_length,sepal_width,petal_length,petal_width")
	if status != 0 || !strings.Contains(out, "softmax added for the cross-entropy loss") {
		t.Fatalf("import: status %d: %s%s", status, errs, out)
	}
	pred, errs, status := cli(t, "predict", "--model", model, "--data", csvPath, "--proba")
	if status != 0 {
		t.Fatalf("predict: %s", errs)
	}
	got, _ := csv.NewReader(strings.NewReader(pred)).ReadAll()
	f, err := os.Open("../../onnx/testdata/torch_iris_expected.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, _ := csv.NewReader(f).ReadAll()
	if len(got) != len(want) || strings.Join(got[0], ",") != strings.Join(want[0], ",") {
		t.Fatalf("predict: %d rows, header %v; PyTorch %d rows, %v", len(got), got[0], len(want), want[0])
	}
	for r := 1; r < len(got); r++ {
		if got[r][0] != want[r][0] || got[r][1] != want[r][1] {
			t.Errorf("row %s: %s, PyTorch %s", want[r][0], got[r][1], want[r][1])
		}
		for k := 2; k < len(got[r]); k++ {
			a, _ := strconv.ParseFloat(got[r][k], 64)
			b, _ := strconv.ParseFloat(want[r][k], 64)
			if math.Abs(a-b) > 1.0000001e-6 {
				t.Errorf("row %s: p = %v, PyTorch %v", want[r][0], got[r][2:], want[r][2:])
				break
			}
		}
	}
	if out, errs, status := cli(t, "evaluate", "--model", model, "--data", csvPath); status != 0 || !strings.Contains(out, "accuracy") {
		t.Errorf("evaluate: status %d %s\n%s", status, errs, out)
	}
	text, errs, status := cli(t, "explain", "--model", model, "--data", csvPath, "--row", "51")
	if status != 0 || !strings.Contains(text, "target        versicolor") {
		t.Fatalf("explain: status %d %s\n%.800s", status, errs, text)
	}
	for k, v := range beforeOutputs(t, text) {
		p, _ := strconv.ParseFloat(want[51][2+k], 64)
		if math.Abs(v-p) > 0.5e-6+0.5*math.Pow(10, math.Floor(math.Log10(math.Abs(v)))-5)+1e-7 {
			t.Errorf("explain's output %d on row 51: %v, PyTorch %v", k+1, v, p)
		}
	}
}
