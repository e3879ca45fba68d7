package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// streamCSV writes a CSV file of n records with a numeric feature, a
// categorical one, an ignored id, missing values and a class target, and
// returns its path.
func streamCSV(t *testing.T, n int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("id,x,colour,z,kind\n")
	colours := []string{"red", "green", "blue", "NA"}
	for i := range n {
		z := fmt.Sprintf("%.3f", rng.NormFloat64())
		if i%17 == 3 {
			z = ""
		}
		fmt.Fprintf(&b, "%d,%.4g,%s,%s,%s\n", i, rng.Float64()*100-50, colours[rng.IntN(4)], z, []string{"a", "b", "c"}[rng.IntN(3)])
		if i%50 == 7 {
			b.WriteString("\n") // blank lines are passed over, not counted
		}
	}
	path := filepath.Join(t.TempDir(), "s.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestTableReadsAsReadCSV checks that a streamed table has ReadCSV's
// features, categories and classes, and that its parts, read record by
// record, are ReadCSV's rows divided by the hash split, with the training
// part's statistics.
func TestTableReadsAsReadCSV(t *testing.T) {
	path := streamCSV(t, 3000)
	for _, missing := range []string{MissingKeep, MissingDrop} {
		opt := CSVOptions{Ignore: []string{"id"}, Missing: missing}
		f, _ := os.Open(path)
		d, err := ReadCSV(f, path, opt)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		split := HashSplit{Seed: 7, Test: 0.2, Val: 0.1}
		tab, err := ScanCSV(context.Background(), path, opt, split)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(tab.FeatureNames, d.FeatureNames) || !reflect.DeepEqual(tab.Categories, d.Categories) ||
			!reflect.DeepEqual(tab.Classes, d.Classes) || tab.Dropped != d.Dropped {
			t.Fatalf("%s: table %v %v %v dropped %d, ReadCSV %v %v %v dropped %d", missing, tab.FeatureNames, tab.Categories, tab.Classes, tab.Dropped,
				d.FeatureNames, d.Categories, d.Classes, d.Dropped)
		}
		if tab.Fingerprint != RowsFingerprint(d) || !SameRows(tab.Fingerprint, d) || SameRows(tab.Fingerprint, d.Subset([]int{0, 1})) {
			t.Errorf("%s: table fingerprint %s, ReadCSV's rows %s", missing, tab.Fingerprint, RowsFingerprint(d))
		}
		if fp, err := tab.LoadFingerprint(); err != nil || fp != Fingerprint(d) {
			t.Errorf("%s: LoadFingerprint %s (%v), Fingerprint of ReadCSV's %s", missing, fp, err, Fingerprint(d))
		}
		want := [3][]int{}
		var stats [3]Moments
		for i := range d.N {
			rec := i + 1
			if d.Records != nil {
				rec = d.Records[i]
			}
			p := split.Part(rec)
			want[p] = append(want[p], i)
			if v := d.X[i*d.Features+2]; p == PartTrain && !math.IsNaN(float64(v)) {
				stats[1].Add(float64(v))
			}
		}
		for p := range want {
			if tab.Rows[p] != len(want[p]) {
				t.Fatalf("%s: part %d has %d rows, want %d", missing, p, tab.Rows[p], len(want[p]))
			}
		}
		if n := tab.Rows[PartTest]; math.Abs(float64(n)-0.2*float64(d.N)) > 4*math.Sqrt(0.16*float64(d.N)) {
			t.Errorf("test part of %d rows of %d, want about 20%%", n, d.N)
		}
		if m := tab.Stats[2]; m.N != stats[1].N || math.Abs(m.Mean-stats[1].Mean) > 1e-12 {
			t.Errorf("%s: moments of z %+v, want %+v", missing, m, stats[1])
		}
		for p, rows := range want {
			r := tab.Reader(Part(p))
			x := make([]float32, d.Features)
			for pass := range 2 {
				if pass > 0 {
					if err := r.Reset(); err != nil {
						t.Fatal(err)
					}
				}
				for k, i := range rows {
					y, err := r.Next(x)
					if err != nil {
						t.Fatalf("%s: part %d, row %d: %v", missing, p, k, err)
					}
					if !sameRaw(x, d.Row(i)) || int(y) != d.Labels[i] {
						t.Fatalf("%s: part %d, row %d: %v %v, want %v %v", missing, p, k, x, y, d.Row(i), d.Labels[i])
					}
				}
				if _, err := r.Next(x); err != io.EOF {
					t.Fatalf("after the part: %v, want EOF", err)
				}
			}
			r.Close()
		}
		// Several parts: their records in the order of the file, each
		// with its record number.
		for _, parts := range [][]Part{{PartTrain, PartVal, PartTest}, {PartTest, PartTrain}} {
			r := tab.Reader(parts...)
			x := make([]float32, d.Features)
			k := 0
			for i := range d.N {
				rec := i + 1
				if d.Records != nil {
					rec = d.Records[i]
				}
				if len(parts) == 2 && split.Part(rec) == PartVal {
					continue
				}
				y, err := r.Next(x)
				if err != nil || !sameRaw(x, d.Row(i)) || int(y) != d.Labels[i] || r.Record() != rec {
					t.Fatalf("%s: parts %v, row %d: %v %v record %d (%v), want %v %v record %d", missing, parts, k, x, y, r.Record(), err, d.Row(i), d.Labels[i], rec)
				}
				k++
			}
			if _, err := r.Next(x); err != io.EOF || k != r.Len() {
				t.Fatalf("%s: parts %v: %d rows of %d, then %v", missing, parts, k, r.Len(), err)
			}
			r.Close()
		}
	}
}

// TestTableNoTarget: a file of the features alone (data to predict on)
// streams with opt.Features, its records read with NaN targets, its
// fingerprint RowsFingerprint's of the same file read whole.
func TestTableNoTarget(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(path, []byte("b,id,a\n1,x,2\n3,y,NA\n\n5,z,6\n"), 0o644)
	opt := CSVOptions{Features: []string{"a", "b"}, Ignore: []string{"id"}, Missing: MissingDrop, Classes: []string{"p", "q"}}
	f, _ := os.Open(path)
	d, err := ReadCSV(f, path, opt)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	tab, err := ScanCSV(context.Background(), path, opt, HashSplit{})
	if err != nil {
		t.Fatal(err)
	}
	if !tab.NoTarget || tab.Rows[PartTrain] != 2 || tab.Dropped != 1 || tab.Fingerprint != RowsFingerprint(d) || !reflect.DeepEqual(tab.Classes, opt.Classes) {
		t.Fatalf("table %+v", tab)
	}
	if fp, err := tab.LoadFingerprint(); err != nil || fp != Fingerprint(d) {
		t.Errorf("LoadFingerprint %s (%v), Fingerprint of ReadCSV's %s", fp, err, Fingerprint(d))
	}
	r := tab.Reader(PartTrain)
	defer r.Close()
	x := make([]float32, 2)
	for k, want := range [][3]float32{{2, 1, 1}, {6, 5, 3}} {
		y, err := r.Next(x)
		if err != nil || x[0] != want[0] || x[1] != want[1] || !math.IsNaN(float64(y)) || r.Record() != int(want[2]) {
			t.Fatalf("record %d: %v %v %d (%v), want %v", k, x, y, r.Record(), err, want)
		}
	}
	if _, err := r.Next(x); err != io.EOF {
		t.Fatalf("after the records: %v", err)
	}
}

func sameRaw(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(float64(a[i])) && math.IsNaN(float64(b[i]))) {
			return false
		}
	}
	return len(a) == len(b)
}

func TestHashSplitFractions(t *testing.T) {
	s := HashSplit{Seed: 3, Test: 0.25, Val: 0.2}
	var n [3]int
	const N = 100000
	for r := 1; r <= N; r++ {
		n[s.Part(r)]++
	}
	// Test: N/4; val: 0.2 of the rest; train: the remainder (±4σ).
	for p, want := range []float64{0.6 * N, 0.15 * N, 0.25 * N} {
		if math.Abs(float64(n[p])-want) > 4*math.Sqrt(want) {
			t.Errorf("part %d: %d of %d, want about %g", p, n[p], N, want)
		}
	}
	if (HashSplit{Seed: 4, Test: 0.25, Val: 0.2}).Part(1) == s.Part(1) && (HashSplit{Seed: 4, Test: 0.25, Val: 0.2}).Part(2) == s.Part(2) &&
		(HashSplit{Seed: 4, Test: 0.25, Val: 0.2}).Part(3) == s.Part(3) && (HashSplit{Seed: 4, Test: 0.25, Val: 0.2}).Part(4) == s.Part(4) &&
		(HashSplit{Seed: 4, Test: 0.25, Val: 0.2}).Part(5) == s.Part(5) && (HashSplit{Seed: 4, Test: 0.25, Val: 0.2}).Part(6) == s.Part(6) {
		t.Error("seeds 3 and 4 split the first six records alike")
	}
}

// TestTableErrors checks that a bad record deep in the file is an error
// with its line and column, from the first pass, and that auto tasks
// follow ReadCSV's rules within the first pass's bound.
func TestTableErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b,y\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "%d,%d,%d\n", i, i%7, i%3)
	}
	b.WriteString("1,oops,2\n")
	path := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(path, []byte(b.String()), 0o644)
	_, err := ScanCSV(context.Background(), path, CSVOptions{}, HashSplit{Seed: 1, Val: 0.1})
	if want := `bad.csv:5002:2: "oops" is not a number (column "b")`; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("error %v, want …%s", err, want)
	}
	for _, tt := range []struct {
		name, target string
		task         Task
		classes      int
		err          string
	}{
		{"numbers, many", "%d.5", TaskAuto, 0, ""},
		{"integers, many", "%d", TaskAuto, 0, ""},
		{"integers, few", "%d", TaskAuto, 3, ""},
		{"words, many", "w%d", TaskAuto, 0, "more than 1024 distinct labels"},
		{"integers as classes, many", "%d", TaskClassification, 0, "more than 1024 distinct labels"},
	} {
		var b strings.Builder
		b.WriteString("a,y\n")
		for i := range 3000 {
			v := i
			if tt.classes > 0 {
				v = i % tt.classes
			}
			fmt.Fprintf(&b, "%d,"+tt.target+"\n", i, v)
		}
		path := filepath.Join(t.TempDir(), "t.csv")
		os.WriteFile(path, []byte(b.String()), 0o644)
		tab, err := ScanCSV(context.Background(), path, CSVOptions{Task: tt.task}, HashSplit{Seed: 1})
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %s", tt.name, err, tt.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case len(tab.Classes) != tt.classes:
			t.Errorf("%s: %d classes, want %d", tt.name, len(tab.Classes), tt.classes)
		case tt.classes == 0 && tab.Target.N != tab.Rows[PartTrain]:
			t.Errorf("%s: target moments of %d values, want %d", tt.name, tab.Target.N, tab.Rows[PartTrain])
		}
	}
	if _, err := ScanCSV(context.Background(), "-", CSVOptions{}, HashSplit{}); err == nil {
		t.Error("standard input streamed")
	}
}

// TestTableChanged checks that a file changed between passes is an error,
// not a silent mix of two files.
func TestTableChanged(t *testing.T) {
	path := streamCSV(t, 100)
	tab, err := ScanCSV(context.Background(), path, CSVOptions{Ignore: []string{"id"}, Missing: MissingKeep}, HashSplit{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte("id,x,colour,z,kind\n1,2,red,3,a\n"), 0o644)
	if _, err := tab.Reader(PartTrain).Next(make([]float32, 3)); err == nil || !strings.Contains(err.Error(), "changed since it was first read") {
		t.Errorf("error %v, want the file changed", err)
	}
}

// TestTableIDX checks a streamed IDX directory, gzip-compressed, against
// LoadIDXDir.
func TestTableIDX(t *testing.T) {
	const n, px = 500, 6
	pix := make([]byte, n*px)
	lab := make([]byte, n)
	for i := range pix {
		pix[i] = byte(i * 7)
	}
	for i := range lab {
		lab[i] = byte(i % 4)
	}
	dir := writeIDXDir(t, map[string][]byte{
		"train-images-idx3-ubyte.gz": images(n, 2, 3)(pix), // compressed by writeIDXDir
		"train-labels-idx1-ubyte.gz": labels(lab...),
		"t10k-images-idx3-ubyte":     images(3, 2, 3)(pix[:3*px]),
		"t10k-labels-idx1-ubyte":     labels(lab[:3]...),
	})
	train, test, err := LoadIDXDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	split := HashSplit{Seed: 9, Val: 0.3}
	tab, err := ScanIDX(context.Background(), dir, split)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tab.Classes, train.Classes) || tab.Features() != train.Features || tab.Rows[PartTest] != test.N ||
		tab.Fingerprint != RowsFingerprint(train) {
		t.Fatalf("table: classes %v, %d features, %d test rows", tab.Classes, tab.Features(), tab.Rows[PartTest])
	}
	for j := range px { // the training part's moments of each pixel
		var m Moments
		for i := range n {
			if split.Part(i+1) == PartTrain {
				m.Add(float64(train.X[i*px+j]))
			}
		}
		if got := tab.Stats[j]; got.N != m.N || math.Abs(got.Mean-m.Mean) > 1e-12 || math.Abs(got.Std()-m.Std()) > 1e-12 || got.Min != m.Min || got.Max != m.Max {
			t.Errorf("pixel %d: moments %+v, want %+v", j, got, m)
		}
	}
	x := make([]float32, px)
	for p := range 3 {
		r := tab.Reader(Part(p))
		rows := 0
		for i := range n {
			d := train
			if Part(p) == PartTest {
				if i >= test.N {
					break
				}
				d = test
			} else if split.Part(i+1) != Part(p) {
				continue
			}
			y, err := r.Next(x)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(x, d.Row(i)) || int(y) != d.Labels[i] {
				t.Fatalf("part %d, item %d: %v %v, want %v %v", p, i, x, y, d.Row(i), d.Labels[i])
			}
			rows++
		}
		if _, err := r.Next(x); err != io.EOF || rows != tab.Rows[p] {
			t.Fatalf("part %d: %d rows (table %d), then %v", p, rows, tab.Rows[p], err)
		}
	}
	// Every part: the training files' items, then the t10k files', numbered
	// on.
	r := tab.Reader(PartTest, PartVal, PartTrain)
	for i := range n + test.N {
		d, row := train, i
		if i >= n {
			d, row = test, i-n
		}
		y, err := r.Next(x)
		if err != nil || !reflect.DeepEqual(x, d.Row(row)) || int(y) != d.Labels[row] || r.Record() != i+1 {
			t.Fatalf("every part, item %d: %v %v record %d (%v)", i, x, y, r.Record(), err)
		}
	}
	if _, err := r.Next(x); err != io.EOF || r.Len() != n+test.N {
		t.Fatalf("every part: then %v, Len %d", err, r.Len())
	}
	r.Close()
	if fp, err := tab.LoadFingerprint(); err != nil || fp != Fingerprint(train) {
		t.Errorf("LoadFingerprint %s (%v), Fingerprint of LoadIDXDir's training set %s", fp, err, Fingerprint(train))
	}
	// The t10k files alone, as LoadIDXTestDir reads them.
	for _, classes := range []int{0, 4, 6} {
		want, _ := LoadIDXTestDir(dir, classes)
		tab, err := ScanIDXTest(context.Background(), dir, classes)
		if err != nil || !reflect.DeepEqual(tab.Classes, want.Classes) || tab.Features() != px || tab.Rows != [3]int{0, 0, want.N} {
			t.Fatalf("ScanIDXTest, %d classes: %+v, %v; LoadIDXTestDir's classes %v", classes, tab, err, want.Classes)
		}
		r := tab.Reader(PartTest)
		for i := range want.N {
			y, err := r.Next(x)
			if err != nil || !reflect.DeepEqual(x, want.Row(i)) || int(y) != want.Labels[i] || r.Record() != i+1 {
				t.Fatalf("ScanIDXTest, item %d: %v %v record %d (%v)", i, x, y, r.Record(), err)
			}
		}
		if _, err := r.Next(x); err != io.EOF {
			t.Fatalf("ScanIDXTest: after the items, %v", err)
		}
		r.Close()
	}
	if _, err := ScanIDXTest(context.Background(), dir, 2); err == nil || !strings.Contains(err.Error(), "label 2 of item 2 was not seen in training (classes 0 to 1)") {
		t.Errorf("ScanIDXTest with 2 classes, a label 2: %v", err)
	}
	if _, err := ScanIDX(context.Background(), dir, HashSplit{Test: 0.1}); err == nil {
		t.Error("a test fraction of an IDX directory accepted")
	}
}

// TestTableNameBytes: the names a first pass keeps (categories, class
// labels) are bounded, the file's size being not.
func TestTableNameBytes(t *testing.T) {
	defer func(n int64) { maxNameBytes = n }(maxNameBytes)
	maxNameBytes = 1000
	dir := t.TempDir()
	for _, c := range []struct{ name, row string }{
		{"categories", "%d,colour-%04d,a\n"},
		{"labels", "%d,1,label-%04d\n"},
	} {
		var b strings.Builder
		b.WriteString("x,c,y\n")
		for i := range 200 {
			fmt.Fprintf(&b, c.row, i, i)
		}
		path := filepath.Join(dir, c.name+".csv")
		os.WriteFile(path, []byte(b.String()), 0o644)
		_, err := ScanCSV(context.Background(), path, CSVOptions{}, HashSplit{})
		if err == nil || !strings.Contains(err.Error(), "of distinct category and class names, the limit (data.MaxNameBytes)") {
			t.Errorf("%s: error %v", c.name, err)
		}
		f, _ := os.Open(path)
		if _, err := ReadCSV(f, path, CSVOptions{}); err != nil && strings.Contains(err.Error(), "MaxNameBytes") {
			t.Errorf("%s: ReadCSV (bounded by MaxCSVBytes) refused by MaxNameBytes", c.name)
		}
		f.Close()
	}
}

// TestTableInterrupted: the context given to ScanCSV stops its first pass
// and the passes of its readers, with an error that wraps its own.
func TestTableInterrupted(t *testing.T) {
	path := streamCSV(t, 3000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ScanCSV(ctx, path, CSVOptions{Ignore: []string{"id"}, Missing: MissingKeep}, HashSplit{}); !errors.Is(err, context.Canceled) {
		t.Errorf("ScanCSV, cancelled: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	tab, err := ScanCSV(ctx, path, CSVOptions{Ignore: []string{"id"}, Missing: MissingKeep}, HashSplit{})
	if err != nil {
		t.Fatal(err)
	}
	r := tab.Reader(PartTrain)
	defer r.Close()
	x := make([]float32, 3)
	if _, err := r.Next(x); err != nil {
		t.Fatal(err)
	}
	cancel()
	for range 3000 {
		if _, err = r.Next(x); err != nil {
			break
		}
	}
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("a pass cancelled: %v", err)
	}
}
