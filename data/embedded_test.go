package data

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

func TestEmbedded(t *testing.T) {
	tests := []struct {
		name                string
		n, features, output int
		classes             []string // nil for regression
	}{
		{"breast_cancer", 569, 30, 2, []string{"benign", "malignant"}},
		{"diabetes", 442, 10, 1, nil},
		{"digits", 1797, 64, 10, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
		{"iris", 150, 4, 3, []string{"setosa", "versicolor", "virginica"}},
		{"wine", 178, 13, 3, []string{"0", "1", "2"}},
	}
	var names []string
	for _, tt := range tests {
		names = append(names, tt.name)
		d, err := Embedded(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		checkDataset(t, d)
		if d.N != tt.n || d.Features != tt.features || d.Outputs != tt.output || !slices.Equal(d.Classes, tt.classes) {
			t.Errorf("%s: %d×%d, %d outputs, classes %q; want %d×%d, %d, %q",
				tt.name, d.N, d.Features, d.Outputs, d.Classes, tt.n, tt.features, tt.output, tt.classes)
		}
		if d.IsClassification() != (tt.classes != nil) {
			t.Errorf("%s: IsClassification() = %v", tt.name, d.IsClassification())
		}
	}
	if got := EmbeddedNames(); !slices.Equal(got, names) {
		t.Errorf("EmbeddedNames() = %q, want %q", got, names)
	}
	_, err := Embedded("mnist")
	if want := `unknown dataset "mnist" (want breast_cancer, diabetes, digits, iris, wine)`; err == nil || err.Error() != want {
		t.Errorf("Embedded(mnist): %v, want %s", err, want)
	}
	for _, name := range []string{"", "embedded/iris", "../data/embedded/iris", "iris.csv", "README"} {
		if _, err := OpenEmbedded(name); err == nil {
			t.Errorf("OpenEmbedded(%q) succeeded", name)
		}
	}
}

func TestEmbeddedCSV(t *testing.T) {
	d, err := EmbeddedCSV("breast_cancer", CSVOptions{Binary: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Outputs != 1 || d.Y[0] != 1 || d.Classes[1] != "malignant" {
		t.Errorf("binary breast_cancer: %d outputs, Y[0] %v, classes %q", d.Outputs, d.Y[0], d.Classes)
	}
	// Wine's cultivar read as numbers, and the error of a wrong target.
	if d, err := EmbeddedCSV("wine", CSVOptions{Task: TaskRegression}); err != nil || d.Classes != nil {
		t.Errorf("wine as regression: %v", err)
	}
	_, err = EmbeddedCSV("iris", CSVOptions{Target: "species ", Task: TaskRegression})
	want := `iris.csv:1: no target column "species " (columns: "sepal_length", "sepal_width", "petal_length", "petal_width", "species")`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "iris")
	r, _ := OpenEmbedded("iris")
	b, _ := io.ReadAll(r)
	if err := os.WriteFile(csvPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	idxDir := writeIDXDir(t, map[string][]byte{
		"train-images-idx3-ubyte": images(2, 1, 1)([]byte{0, 255}),
		"train-labels-idx1-ubyte": labels(0, 1),
		"t10k-images-idx3-ubyte":  images(1, 1, 1)([]byte{0}),
		"t10k-labels-idx1-ubyte":  labels(1),
	})
	iris, err := Embedded("iris")
	if err != nil {
		t.Fatal(err)
	}

	train, test, err := Load("iris", CSVOptions{})
	if err != nil || !reflect.DeepEqual(train, iris) || test != nil {
		t.Errorf("Load(iris): %v", err)
	}
	train, test, err = Load(csvPath, CSVOptions{})
	if err != nil || !reflect.DeepEqual(train, iris) || test != nil {
		t.Errorf("Load(%s): %v", csvPath, err)
	}
	train, test, err = Load(idxDir, CSVOptions{})
	if err != nil || train.N != 2 || test.N != 1 {
		t.Errorf("Load(%s): %v", idxDir, err)
	}

	tests := []struct {
		spec string
		opt  CSVOptions
		err  string
	}{
		{"mnist", CSVOptions{}, `no file, directory or embedded dataset "mnist" (embedded: "breast_cancer", "diabetes", "digits", "iris", "wine")`},
		{idxDir, CSVOptions{Task: TaskRegression}, idxDir + ": IDX images are classification data, not regression"},
		{"iris", CSVOptions{Task: "?"}, `iris.csv: unknown task "?" (want auto, classification, regression)`},
		{csvPath, CSVOptions{Target: "x"}, csvPath + `:1: no target column "x" (columns: "sepal_length", "sepal_width", "petal_length", "petal_width", "species")`},
	}
	for _, tt := range tests {
		_, _, err := Load(tt.spec, tt.opt)
		if err == nil || err.Error() != tt.err {
			t.Errorf("Load(%s): error %v, want %s", tt.spec, err, tt.err)
		}
	}
}
