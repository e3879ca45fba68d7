package data

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestDerivedSizes: sizes derived from small inputs (classes, one-hot
// targets, pixels from gzip) are refused before they are allocated.
func TestDerivedSizes(t *testing.T) {
	var many strings.Builder
	many.WriteString("x,label\n")
	for i := range 20000 {
		many.WriteString("1,l" + strconv.Itoa(i) + "\n")
	}
	var wide strings.Builder // 600 classes × 60000 rows = 36M one-hot values
	wide.WriteString("x,label\n")
	for i := range 60000 {
		wide.WriteString("1," + strconv.Itoa(i%600) + "z\n")
	}
	for _, tc := range []struct{ name, in, want string }{
		{"20000 labels", many.String(), `t.csv: target column "label" has 20000 distinct labels, more than the limit of 1024 classes (MaxClasses)`},
		{"one-hot", wide.String(), `t.csv: column "label": 60000 rows × 600 classes of one-hot targets, more than the limit of 33554432 values (MaxOneHot)`},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := ReadCSV(strings.NewReader(tc.in), "t.csv", CSVOptions{Task: TaskClassification})
		runtime.ReadMemStats(&after)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.name, err, tc.want)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Errorf("%s: %d MB allocated", tc.name, alloc>>20)
		}
	}
	if _, err := ReadCSV(strings.NewReader("a,b\n1,x\n"), "t.csv", CSVOptions{Classes: make([]string, 2000)}); err == nil ||
		err.Error() != "t.csv: 2000 class names given, more than the limit of 1024 (MaxClasses)" {
		t.Errorf("2000 given classes: %v", err)
	}
}

// TestIDXDerivedSizes: 10^6 one-pixel images with a label of 255 would make
// a 1 GB one-hot matrix from two small gzip files; labels and images that
// disagree in number are refused from their headers.
func TestIDXDerivedSizes(t *testing.T) {
	lab := make([]byte, 1e6)
	lab[0] = 255
	dir := writeIDXDir(t, map[string][]byte{
		"train-images-idx3-ubyte.gz": images(1e6, 1, 1)(make([]byte, 1e6)),
		"train-labels-idx1-ubyte.gz": labels(lab...),
		"t10k-images-idx3-ubyte":     images(1, 1, 1)([]byte{0}),
		"t10k-labels-idx1-ubyte":     labels(1),
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, _, err := LoadIDXDir(dir)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.HasSuffix(err.Error(), "train-labels-idx1-ubyte.gz: 1000000 rows × 256 classes of one-hot targets, more than the limit of 33554432 values (MaxOneHot)") {
		t.Errorf("got %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 48<<20 {
		t.Errorf("%d MB allocated", alloc>>20)
	}
	dir = writeIDXDir(t, map[string][]byte{
		"train-images-idx3-ubyte": images(1e6, 8, 8)(nil), // claims 64 MB, holds nothing
		"train-labels-idx1-ubyte": labels(1, 2, 3),
	})
	if _, _, err := LoadIDXDir(dir); err == nil || !strings.Contains(err.Error(), "has 1000000 images but") {
		t.Errorf("got %v", err)
	}
}

// TestLoadTestOnly: evaluate and predict read an IDX directory's t10k files
// only; damaged training files do not matter.
func TestLoadTestOnly(t *testing.T) {
	dir := writeIDXDir(t, map[string][]byte{
		"train-images-idx3-ubyte": []byte("damaged"),
		"t10k-images-idx3-ubyte":  images(2, 1, 2)([]byte{0, 255, 255, 0}),
		"t10k-labels-idx1-ubyte":  labels(1, 2),
	})
	d, err := LoadTest(dir, CSVOptions{Classes: []string{"0", "1", "2", "3"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 2 || d.Outputs != 4 || len(d.Classes) != 4 || d.Labels[1] != 2 {
		t.Errorf("got %+v", d)
	}
	if _, _, err := Load(dir, CSVOptions{}); err == nil {
		t.Error("Load read a damaged training file")
	}
}

// TestTextNotText: invalid UTF-8 and Go-only number spellings are refused
// at their line and field.
func TestTextNotText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a,b\n1,x\n2,\xffy\n", `t.csv:3:2: invalid UTF-8: byte 0xff at byte 1 of the field (the file must be UTF-8 text)`},
		{"a,b\xc3\n1,x\n2,y\n", `t.csv:1:2: invalid UTF-8: byte 0xc3 at byte 2 of the field (the file must be UTF-8 text)`},
		{"a,b\n1_000,x\n2,y\n", `t.csv:2:1: "1_000" is not a number in decimal or scientific notation (column "a")`},
		{"a,b\n0x1p-2,x\n2,y\n", `t.csv:2:1: "0x1p-2" is not a number in decimal or scientific notation (column "a")`},
		{"a,b\n1,x\n-Infinity,y\n", `t.csv:3:1: "-Infinity" is not a finite number (column "a")`},
		{"a,b\n1,x\nnan,y\n", `t.csv:3:1: "nan" is not a finite number (column "a")`},
		{"a,b\n.,x\n2,y\n", `t.csv:2:1: "." is not a number (column "a")`},
		{"a,b\n1e,x\n2,y\n", `t.csv:2:1: "1e" is not a number in decimal or scientific notation (column "a")`},
	} {
		if _, err := ReadCSV(strings.NewReader(tc.in), "t.csv", CSVOptions{}); err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.in, err, tc.want)
		}
	}
	// Numbers in decimal and scientific notation are read.
	d, err := ReadCSV(strings.NewReader("a,b\n.5,x\n-5.,y\n+1E+2,x\n1e-3,y\n"), "t.csv", CSVOptions{})
	if err != nil || d.X[0] != 0.5 || d.X[1] != -5 || d.X[2] != 100 || d.X[3] != 0.001 {
		t.Errorf("%v %v", d, err)
	}
	// Labels that Go would read as the same number stay two classes.
	d, err = ReadCSV(strings.NewReader("a,b\n1,16\n2,0x10\n3,1_6\n"), "t.csv", CSVOptions{})
	if err != nil || len(d.Classes) != 3 {
		t.Errorf("%v %v", d, err)
	}
}

// TestLabelsNeverMerge: labels that differ only in the spaces around them
// are refused, not read as one class; a numeric target reads them as the
// same number.
func TestLabelsNeverMerge(t *testing.T) {
	_, err := ReadCSV(strings.NewReader("x,label\n1,a\n2,\"a \"\n3,b\n"), "t.csv", CSVOptions{})
	if want := `t.csv:3:2: label "a " and label "a" (line 2) differ only in spaces around them, and would be one class (column "label")`; err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	d, err := ReadCSV(strings.NewReader("x,y\n1,1.5\n2,\"1.5 \"\n3,2.25\n"), "t.csv", CSVOptions{})
	if err != nil || d.Classes != nil || d.Y[1] != 1.5 {
		t.Errorf("numeric target: %v %+v", err, d)
	}
}
