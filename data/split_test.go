package data

import (
	"math"
	"slices"
	"testing"
)

// rowIDs returns the first feature of each row, which the tests below set
// to the row's index in the original data.
func rowIDs(d *Dataset) []int {
	ids := make([]int, d.N)
	for i := range d.N {
		ids[i] = int(d.Row(i)[0])
	}
	return ids
}

// numbered returns a copy of d whose first feature is the row index.
func numbered(d *Dataset) *Dataset {
	all := make([]int, d.N)
	for i := range all {
		all[i] = i
	}
	d = d.Subset(all)
	for i := range d.N {
		d.Row(i)[0] = float32(i)
	}
	return d
}

func TestSplitStratified(t *testing.T) {
	for _, name := range []string{"digits", "iris", "wine", "breast_cancer"} {
		d, err := Embedded(name)
		if err != nil {
			t.Fatal(err)
		}
		d = numbered(d)
		for _, frac := range []float64{0.1, 0.2, 0.25, 0.5, 0.9} {
			train, test, err := Split(d, frac, 1, true)
			if err != nil {
				t.Fatal(err)
			}
			checkSplit(t, d, train, test, frac)
			// Each class keeps its share, to within one row.
			all, got := d.ClassCounts(), test.ClassCounts()
			for c := range all {
				if want := frac * float64(all[c]); math.Abs(float64(got[c])-want) >= 1 {
					t.Errorf("%s, frac %v: class %s has %d test rows of %d, want about %.1f", name, frac, d.Classes[c], got[c], all[c], want)
				}
			}
		}
	}
}

func TestSplitRegression(t *testing.T) {
	d, err := Embedded("diabetes")
	if err != nil {
		t.Fatal(err)
	}
	d = numbered(d)
	for _, stratified := range []bool{false, true} {
		train, test, err := Split(d, 0.3, 7, stratified)
		if err != nil {
			t.Fatal(err)
		}
		checkSplit(t, d, train, test, 0.3)
	}
}

// checkSplit checks that train and test partition the rows of d, in order,
// with round(frac·N) rows in test, and that the targets came along.
func checkSplit(t *testing.T, d, train, test *Dataset, frac float64) {
	t.Helper()
	if want := int(math.Round(frac * float64(d.N))); test.N != want || train.N != d.N-want {
		t.Fatalf("frac %v of %d rows: %d train, %d test rows, want %d test", frac, d.N, train.N, test.N, want)
	}
	a, b := rowIDs(train), rowIDs(test)
	if !slices.IsSorted(a) || !slices.IsSorted(b) {
		t.Errorf("rows not in their original order")
	}
	all := slices.Sorted(slices.Values(append(a, b...)))
	for i, id := range all {
		if id != i {
			t.Fatalf("train and test do not partition the rows: row %d missing or repeated", i)
		}
	}
	for _, part := range []*Dataset{train, test} {
		for i, id := range rowIDs(part) {
			if !slices.Equal(part.Target(i), d.Target(id)) || part.Labels != nil && part.Labels[i] != d.Labels[id] {
				t.Fatalf("row %d: targets differ from row %d of the data", i, id)
			}
		}
	}
}

func TestSplitDeterministic(t *testing.T) {
	d, err := Embedded("iris")
	if err != nil {
		t.Fatal(err)
	}
	d = numbered(d)
	for _, stratified := range []bool{false, true} {
		_, a, _ := Split(d, 0.2, 42, stratified)
		_, b, _ := Split(d, 0.2, 42, stratified)
		_, c, _ := Split(d, 0.2, 43, stratified)
		if !slices.Equal(rowIDs(a), rowIDs(b)) {
			t.Errorf("stratified %v: the same seed gave different splits", stratified)
		}
		if slices.Equal(rowIDs(a), rowIDs(c)) {
			t.Errorf("stratified %v: seeds 42 and 43 gave the same split", stratified)
		}
	}
}

func TestSplitErrors(t *testing.T) {
	d, err := Embedded("iris")
	if err != nil {
		t.Fatal(err)
	}
	small := d.Subset([]int{0, 1, 2})
	tests := []struct {
		d    *Dataset
		frac float64
		err  string
	}{
		{d, 0, "split fraction 0 is not between 0 and 1"},
		{d, 1, "split fraction 1 is not between 0 and 1"},
		{d, -0.5, "split fraction -0.5 is not between 0 and 1"},
		{d, math.NaN(), "split fraction NaN is not between 0 and 1"},
		{small, 0.1, "a split fraction of 0.1 of 3 rows leaves a part empty"},
		{small, 0.9, "a split fraction of 0.9 of 3 rows leaves a part empty"},
	}
	for _, tt := range tests {
		_, _, err := Split(tt.d, tt.frac, 1, true)
		if err == nil || err.Error() != tt.err {
			t.Errorf("Split(%d rows, %v): error %v, want %s", tt.d.N, tt.frac, err, tt.err)
		}
	}
}
