package data

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Markers in test inputs, removed before reading: § marks the field where the
// error is expected (its line and its field number), ¶ a line where an error
// without a field number is expected (or one whose column encoding/csv
// counts in bytes).
const (
	fieldMarker = "§"
	lineMarker  = "¶"
)

// markerPos returns input without markers, and the line and field number of
// the marker (0, 0 without one).
func markerPos(input string) (clean string, line, col int) {
	for _, m := range []string{fieldMarker, lineMarker} {
		i := strings.Index(input, m)
		if i < 0 {
			continue
		}
		before := input[:i]
		line = strings.Count(before, "\n") + 1
		if m == fieldMarker {
			col = strings.Count(before[strings.LastIndex(before, "\n")+1:], ",") + 1
		}
		input = before + input[i+len(m):]
	}
	return input, line, col
}

var csvErrorTests = []struct {
	name  string
	input string
	opt   CSVOptions
	err   string // exact error
}{
	{name: "empty file", input: "", err: `t.csv: empty file (want a header row)`},
	{name: "blank lines only", input: "\n\n\r\n", err: `t.csv: empty file (want a header row)`},
	{name: "header only", input: "a,b,c\n", err: `t.csv: no data rows after the header`},
	{name: "header and blank lines", input: "a,b,c\n\n\n", err: `t.csv: no data rows after the header`},
	{name: "duplicate column", input: "a,b,§a\n1,2,3\n", err: `t.csv:1:3: duplicate column name "a" (also column 1)`},
	{name: "duplicate after trim", input: "a, b ,§b\n1,2,3\n", err: `t.csv:1:3: duplicate column name "b" (also column 2)`},
	{name: "empty column name", input: "a,§,b\n1,2,3\n", err: `t.csv:1:2: empty column name`},
	{name: "unknown target", input: "¶a,b,c\n1,2,3\n", opt: CSVOptions{Target: "y"},
		err: `t.csv:1: no target column "y" (columns: "a", "b", "c")`},
	{name: "target only", input: "¶y\n1\n2\n", err: `t.csv:1: no feature columns, only the target "y"`},
	{name: "not a number", input: "a,b,c\n1,2,x\n1,§abc,y\n", err: `t.csv:3:2: "abc" is not a number (column "b")`},
	{name: "not a number, first column", input: "p0,p1\n§1O,x\n0,y\n", err: `t.csv:2:1: "1O" is not a number in decimal or scientific notation (column "p0")`},
	{name: "nan", input: "a,b,c\n1,2,x\n§nan,2,y\n", err: `t.csv:3:1: "nan" is not a finite number (column "a")`},
	{name: "NaN", input: "a,b,c\n1,§NaN,x\n", err: `t.csv:2:2: "NaN" is not a finite number (column "b")`},
	{name: "inf", input: "a,b,c\n1,§-Inf,x\n", err: `t.csv:2:2: "-Inf" is not a finite number (column "b")`},
	{name: "infinity", input: "a,b,c\n1,§infinity,x\n", err: `t.csv:2:2: "infinity" is not a finite number (column "b")`},
	{name: "out of float32 range", input: "a,b,c\n1,§1e39,x\n", err: `t.csv:2:2: "1e39" is out of the float32 range (column "b")`},
	{name: "empty field", input: "a,b,c\n1,§,x\n", err: `t.csv:2:2: empty field, want a number (column "b"): a missing value? --missing drop or mean accepts them`},
	{name: "blank field", input: "a,b,c\n1,§  ,x\n", err: `t.csv:2:2: empty field, want a number (column "b"): a missing value? --missing drop or mean accepts them`},
	{name: "long value shortened", input: "a,b\n§" + strings.Repeat("x", 50) + ",y\n1,z\n",
		err: `t.csv:2:1: "` + strings.Repeat("x", 40) + `"... is not a number (column "a")`},
	{name: "missing field", input: "a,b,c\n1,2,x\n¶1,2\n", err: `t.csv:3:3: missing field for column "c" (record has 2 fields, header 3)`},
	{name: "extra field", input: "a,b,c\n1,2,x\n1,2,x,§9\n", err: `t.csv:3:4: extra field "9" (record has 4 fields, header 3)`},
	{name: "trailing comma", input: "a,b,c\n1,2,x,§\n", err: `t.csv:2:4: extra field "" (record has 4 fields, header 3)`},
	{name: "line numbers count blank lines", input: "a,b,c\n\n1,2,x\n\n1,§?,x\n", err: `t.csv:5:2: "?" is not a number (column "b"): a missing value? --missing drop or mean accepts them`},
	{name: "line numbers count quoted newlines", input: "a,b,c\n1,2,\"x\ny\"\n1,§?,x\n", err: `t.csv:4:2: "?" is not a number (column "b"): a missing value? --missing drop or mean accepts them`},
	{name: "bare quote", input: "a,b,c\n¶1,2\"3,x\n", err: `t.csv:2:4: bare " in non-quoted-field`},
	{name: "extraneous quote", input: "a,b,c\n¶1,\"2\"3,x\n", err: `t.csv:2:5: extraneous or missing " in quoted-field`},
	{name: "unterminated quote", input: "a,b,c\n¶1,2,\"x\n", err: `t.csv:2:8: extraneous or missing " in quoted-field`},
	{name: "empty target", input: "a,b,c\n1,2,x\n1,2,§\n", err: `t.csv:3:3: empty target value (column "c")`},
	{name: "one class", input: "a,b,c\n1,2,x\n3,4,x\n", err: `t.csv: only one class, "x", in target column "c"; need at least 2`},
	{name: "one numeric class", input: "a,b\n1,7\n3,7\n", err: `t.csv: only one class, "7", in target column "b"; need at least 2`},
	{name: "label not seen in training", input: "a,b,c\n1,2,x\n1,2,§z\n", opt: CSVOptions{Classes: []string{"x", "y"}},
		err: `t.csv:3:3: label "z" was not seen in training (column "c")`},
	{name: "regression target not a number", input: "a,b,c\n1,2,3\n1,2,§x\n", opt: CSVOptions{Task: TaskRegression},
		err: `t.csv:3:3: "x" is not a number (column "c")`},
	{name: "regression target nan", input: "a,b,c\n1,2,3\n1,2,§nan\n", opt: CSVOptions{Task: TaskRegression},
		err: `t.csv:3:3: "nan" is not a finite number (column "c")`},
	{name: "auto target nan", input: "a,b,c\n1,2,3\n1,2,§nan\n1,2,nan\n", err: `t.csv:3:3: "nan" is not a finite number (column "c")`},
	{name: "auto target out of range", input: "a,b,c\n1,2,3.5\n1,2,§-1e40\n", err: `t.csv:3:3: "-1e40" is out of the float32 range (column "c")`},
	{name: "binary with three classes", input: "a,c\n1,x\n2,y\n3,z\n", opt: CSVOptions{Binary: true},
		err: `t.csv: binary encoding needs 2 classes, column "c" has 3 ("x", "y", "z")`},
	{name: "binary with numbers", input: "a,c\n1,0.5\n2,1.5\n", opt: CSVOptions{Binary: true},
		err: `t.csv: binary encoding needs a class target, column "c" holds numbers (ask for classification)`},
	{name: "binary regression", input: "a,c\n1,0\n2,1\n", opt: CSVOptions{Binary: true, Task: TaskRegression},
		err: `t.csv: binary encoding asked for a regression target`},
	{name: "unknown task", input: "a,c\n1,0\n2,1\n", opt: CSVOptions{Task: "clasification"},
		err: `t.csv: unknown task "clasification" (want auto, classification, regression)`},
	{name: "classes for regression", input: "a,c\n1,0\n", opt: CSVOptions{Task: TaskRegression, Classes: []string{"0", "1"}},
		err: `t.csv: class names given for a regression target`},
	{name: "one class given", input: "a,c\n1,0\n", opt: CSVOptions{Classes: []string{"0"}},
		err: `t.csv: 1 class names given; need at least 2`},
	{name: "class given twice", input: "a,c\n1,0\n", opt: CSVOptions{Classes: []string{"0", "1", "0"}},
		err: `t.csv: class "0" given twice`},
	{name: "binary with three classes given", input: "a,c\n1,0\n", opt: CSVOptions{Binary: true, Classes: []string{"0", "1", "2"}},
		err: `t.csv: binary encoding needs 2 classes, 3 given`},
	{name: "feature given twice", input: "a,c\n1,0\n", opt: CSVOptions{Features: []string{"a", "a"}},
		err: `t.csv: feature "a" given twice`},
	{name: "renamed feature", input: "p0,p1,§q2,p3,y\n1,2,3,4,5\n", opt: CSVOptions{Features: []string{"p0", "p1", "p2", "p3"}},
		err: `t.csv:1:3: column "q2" is not a feature; want "p2" (renamed?)`},
	{name: "missing feature", input: "¶p0,y\n1,5\n", opt: CSVOptions{Features: []string{"p0", "p1"}, Target: "y"},
		err: `t.csv:1: missing feature column(s) "p1"`},
	{name: "missing features", input: "¶p1,y\n1,5\n", opt: CSVOptions{Features: []string{"p0", "p1", "p2"}},
		err: `t.csv:1: columns do not match the features: missing "p0", "p2"; unexpected "y"`},
	{name: "renamed last feature", input: "p0,p1,§q\n1,2,5\n", opt: CSVOptions{Features: []string{"p0", "p1", "p2"}},
		err: `t.csv:1:3: column "q" is not a feature; want "p2" (renamed?)`},
	{name: "missing and unexpected", input: "¶p0,q1,q2,y\n1,2,3,5\n", opt: CSVOptions{Features: []string{"p0", "p1", "p2"}},
		err: `t.csv:1: columns do not match the features: missing "p1", "p2"; unexpected "q1", "q2"`},
	{name: "unexpected column", input: "¶p0,p1,extra,y\n1,2,3,5\n", opt: CSVOptions{Features: []string{"p0", "p1"}},
		err: `t.csv:1: unexpected column(s) "extra" (want the features and the target)`},
	{name: "unexpected column, named target", input: "¶p0,p1,y,z\n1,2,3,5\n", opt: CSVOptions{Features: []string{"p0", "p1"}, Target: "y"},
		err: `t.csv:1: unexpected column(s) "z" (want the features and the target)`},
	{name: "no features", input: "¶y\n1\n", opt: CSVOptions{Features: []string{}},
		err: `t.csv:1: no feature columns`},
	{name: "line too long", input: "a,b\n1,2\n¶" + strings.Repeat("1", MaxLineBytes+1) + ",2\n",
		err: `t.csv:3: line longer than 1048576 bytes`},
	{name: "header too long", input: "¶" + strings.Repeat("a", MaxLineBytes+1),
		err: `t.csv:1: line longer than 1048576 bytes`},
	{name: "quoted line too long", input: "a,b\n1,\"x\n¶" + strings.Repeat("y", MaxLineBytes+1) + "\"\n",
		err: `t.csv:3: line longer than 1048576 bytes`},
}

func TestReadCSVErrors(t *testing.T) {
	for _, tt := range csvErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			input, line, col := markerPos(tt.input)
			d, err := ReadCSV(strings.NewReader(input), "t.csv", tt.opt)
			if err == nil {
				t.Fatalf("got a dataset of %d rows, want error %s", d.N, tt.err)
			}
			if err.Error() != tt.err {
				t.Errorf("error:\n got %s\nwant %s", err, tt.err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				if line > 0 {
					t.Errorf("error %T is not a *ParseError", err)
				}
				return
			}
			if pe.Line != line || strings.Contains(tt.input, fieldMarker) && pe.Column != col {
				t.Errorf("error at %d:%d, marker at %d:%d", pe.Line, pe.Column, line, col)
			}
		})
	}
}

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name  string
		input string
		opt   CSVOptions
		want  *Dataset
	}{
		{
			name:  "classes sorted lexicographically",
			input: "x1,x2,kind\n1,2,b\n3,4,a\n5,6,c\n",
			want: &Dataset{
				N: 3, Features: 2, Outputs: 3,
				X:            []float32{1, 2, 3, 4, 5, 6},
				Y:            []float32{0, 1, 0, 1, 0, 0, 0, 0, 1},
				FeatureNames: []string{"x1", "x2"},
				TargetName:   "kind",
				Classes:      []string{"a", "b", "c"},
				Labels:       []int{1, 0, 2},
			},
		},
		{
			name:  "numeric classes sorted numerically",
			input: "x,digit\n1,10\n2,9\n3,-1\n4,9\n",
			want: &Dataset{
				N: 4, Features: 1, Outputs: 3,
				X:            []float32{1, 2, 3, 4},
				Y:            []float32{0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0},
				FeatureNames: []string{"x"},
				TargetName:   "digit",
				Classes:      []string{"-1", "9", "10"},
				Labels:       []int{2, 1, 0, 1},
			},
		},
		{
			name:  "binary",
			input: "x,y\n1,no\n2,yes\n3,no\n",
			opt:   CSVOptions{Binary: true},
			want: &Dataset{
				N: 3, Features: 1, Outputs: 1,
				X:            []float32{1, 2, 3},
				Y:            []float32{0, 1, 0},
				FeatureNames: []string{"x"},
				TargetName:   "y",
				Classes:      []string{"no", "yes"},
				Labels:       []int{0, 1, 0},
			},
		},
		{
			name:  "regression auto",
			input: "x,y\n1,0.5\n2,1\n3,0.5\n",
			want: &Dataset{
				N: 3, Features: 1, Outputs: 1,
				X:            []float32{1, 2, 3},
				Y:            []float32{0.5, 1, 0.5},
				FeatureNames: []string{"x"},
				TargetName:   "y",
			},
		},
		{
			name:  "regression asked for",
			input: "x,y\n1,1\n2,2\n3,1\n",
			opt:   CSVOptions{Task: TaskRegression},
			want: &Dataset{
				N: 3, Features: 1, Outputs: 1,
				X:            []float32{1, 2, 3},
				Y:            []float32{1, 2, 1},
				FeatureNames: []string{"x"},
				TargetName:   "y",
			},
		},
		{
			name:  "classification asked for",
			input: "x,y\n1,0.5\n2,1.5\n",
			opt:   CSVOptions{Task: TaskClassification},
			want: &Dataset{
				N: 2, Features: 1, Outputs: 2,
				X:            []float32{1, 2},
				Y:            []float32{1, 0, 0, 1},
				FeatureNames: []string{"x"},
				TargetName:   "y",
				Classes:      []string{"0.5", "1.5"},
				Labels:       []int{0, 1},
			},
		},
		{
			name:  "target by name, BOM, CRLF, spaces, quotes, blank lines",
			input: "\uFEFFlabel , \"a,1\",b\r\n x , 1.5 ,-2e3\r\n\r\ny,\"3\",4\r\n",
			opt:   CSVOptions{Target: "label"},
			want: &Dataset{
				N: 2, Features: 2, Outputs: 2,
				X:            []float32{1.5, -2000, 3, 4},
				Y:            []float32{1, 0, 0, 1},
				FeatureNames: []string{"a,1", "b"},
				TargetName:   "label",
				Classes:      []string{"x", "y"},
				Labels:       []int{0, 1},
			},
		},
		{
			name:  "fixed classes, one present",
			input: "x,y\n1,b\n2,b\n",
			opt:   CSVOptions{Classes: []string{"b", "a"}},
			want: &Dataset{
				N: 2, Features: 1, Outputs: 2,
				X:            []float32{1, 2},
				Y:            []float32{1, 0, 1, 0},
				FeatureNames: []string{"x"},
				TargetName:   "y",
				Classes:      []string{"b", "a"},
				Labels:       []int{0, 0},
			},
		},
		{
			name:  "features reordered, no target",
			input: "b,a\n1,2\n3,4\n",
			opt:   CSVOptions{Features: []string{"a", "b"}, Classes: []string{"x", "y", "z"}},
			want: &Dataset{
				N: 2, Features: 2, Outputs: 3,
				X:            []float32{2, 1, 4, 3},
				FeatureNames: []string{"a", "b"},
				Classes:      []string{"x", "y", "z"},
			},
		},
		{
			name:  "features with target in the middle",
			input: "b,y,a\n1,u,2\n3,v,4\n",
			opt:   CSVOptions{Features: []string{"a", "b"}, Target: "y"},
			want: &Dataset{
				N: 2, Features: 2, Outputs: 2,
				X:            []float32{2, 1, 4, 3},
				Y:            []float32{1, 0, 0, 1},
				FeatureNames: []string{"a", "b"},
				TargetName:   "y",
				Classes:      []string{"u", "v"},
				Labels:       []int{0, 1},
			},
		},
		{
			name:  "features, regression without target",
			input: "a\n1\n",
			opt:   CSVOptions{Features: []string{"a"}, Task: TaskRegression},
			want: &Dataset{
				N: 1, Features: 1, Outputs: 1,
				X:            []float32{1},
				FeatureNames: []string{"a"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ReadCSV(strings.NewReader(tt.input), "t.csv", tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d, tt.want) {
				t.Errorf("got  %+v\nwant %+v", d, tt.want)
			}
		})
	}
}

// TestAutoTask checks the rule of TaskAuto at its edges.
func TestAutoTask(t *testing.T) {
	column := func(n int, format func(i int) string) string {
		var b strings.Builder
		b.WriteString("x,y\n")
		for i := range n {
			fmt.Fprintf(&b, "%d,%s\n", i, format(i))
		}
		return b.String()
	}
	tests := []struct {
		name    string
		input   string
		classes int // 0 for regression
	}{
		{"20 integers", column(40, func(i int) string { return strconv.Itoa(i % 20) }), 20},
		{"21 integers", column(42, func(i int) string { return strconv.Itoa(i % 21) }), 0},
		{"integers written as floats", column(4, func(i int) string { return strconv.Itoa(i%2) + ".0" }), 2},
		{"fractions", column(4, func(i int) string { return strconv.Itoa(i%2) + ".5" }), 0},
		{"names", column(100, func(i int) string { return "c" + strconv.Itoa(i) }), 100},
		{"one name among numbers", column(30, func(i int) string {
			if i == 29 {
				return "?"
			}
			return strconv.Itoa(i % 2)
		}), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ReadCSV(strings.NewReader(tt.input), "t.csv", CSVOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Classes) != tt.classes {
				t.Errorf("%d classes, want %d", len(d.Classes), tt.classes)
			}
		})
	}
}

// writeCSV writes d as CSV, the target (class name or number) last.
func writeCSV(t *testing.T, d *Dataset, target string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(append(append([]string{}, d.FeatureNames...), target))
	for i := range d.N {
		var rec []string
		for _, v := range d.Row(i) {
			rec = append(rec, strconv.FormatFloat(float64(v), 'g', -1, 32))
		}
		if d.Labels != nil {
			rec = append(rec, d.Classes[d.Labels[i]])
		} else {
			rec = append(rec, strconv.FormatFloat(float64(d.Y[i]), 'g', -1, 32))
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCSVRoundTrip(t *testing.T) {
	for _, name := range EmbeddedNames() {
		t.Run(name, func(t *testing.T) {
			d, err := Embedded(name)
			if err != nil {
				t.Fatal(err)
			}
			text := writeCSV(t, d, d.TargetName)
			opt := CSVOptions{Task: TaskClassification}
			if d.Classes == nil {
				opt.Task = TaskRegression
			}
			back, err := ReadCSV(bytes.NewReader(text), name, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, d) {
				t.Errorf("%s: written and read back, the dataset differs", name)
			}
		})
	}
}

// TestReadCSVReaderError checks that an error of the underlying reader
// comes through.
func TestReadCSVReaderError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("a,b\n1,2\n"), &errReader{boom})
	_, err := ReadCSV(r, "t.csv", CSVOptions{})
	if !errors.Is(err, boom) || err.Error() != "t.csv: boom" {
		t.Errorf("got %v, want t.csv: boom", err)
	}
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

// TestLimitReader checks the size limits with small limits, since the real
// one is 1 GiB.
func TestLimitReader(t *testing.T) {
	tests := []struct {
		input             string
		maxLine, maxTotal int64
		err               string
	}{
		{"ab\ncd\n", 2, 100, ""},
		{"ab\ncd", 2, 100, ""},
		{"ab\ncde\n", 2, 100, "line 2: line longer than 2 bytes"},
		{"ab\ncd\n\nabc", 2, 100, "line 4: line longer than 2 bytes"},
		{"ab\ncd\n", 2, 6, ""},
		{"ab\ncd\ne", 2, 6, "line 0: input larger than 6 bytes"},
	}
	for _, tt := range tests {
		// Read one byte at a time and all at once.
		for _, chunk := range []int{1, 100} {
			l := &limitReader{r: strings.NewReader(tt.input), maxLine: tt.maxLine, maxTotal: tt.maxTotal}
			var err error
			buf := make([]byte, chunk)
			for err == nil {
				_, err = l.Read(buf)
			}
			got := ""
			var le *limitError
			if errors.As(err, &le) {
				got = fmt.Sprintf("line %d: %v", le.line, le)
			} else if err != io.EOF {
				got = err.Error()
			}
			if got != tt.err {
				t.Errorf("%q, limits %d, %d, chunks of %d: got %q, want %q", tt.input, tt.maxLine, tt.maxTotal, chunk, got, tt.err)
			}
		}
	}
}

// checkDataset checks the invariants of a Dataset from a reader.
func checkDataset(t *testing.T, d *Dataset) {
	t.Helper()
	if d.N <= 0 || d.Features <= 0 || len(d.X) != d.N*d.Features || len(d.FeatureNames) != d.Features {
		t.Fatalf("bad shape: N %d, Features %d, len(X) %d, %d names", d.N, d.Features, len(d.X), len(d.FeatureNames))
	}
	for i, v := range d.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("X holds %v", v)
		}
		if d.Categories != nil && d.Categories[i%d.Features] != nil {
			if n := len(d.Categories[i%d.Features]); v != float32(int(v)) || v < 0 || int(v) >= n {
				t.Fatalf("X holds %v for a feature of %d categories", v, n)
			}
		}
	}
	if d.Y != nil && (d.Outputs <= 0 || len(d.Y) != d.N*d.Outputs) {
		t.Fatalf("bad targets: N %d, Outputs %d, len(Y) %d", d.N, d.Outputs, len(d.Y))
	}
	for _, v := range d.Y {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("Y holds %v", v)
		}
	}
	if d.Labels != nil {
		if len(d.Labels) != d.N {
			t.Fatalf("%d labels for %d rows", len(d.Labels), d.N)
		}
		for i, c := range d.Labels {
			if c < 0 || c >= len(d.Classes) {
				t.Fatalf("label %d of %d classes", c, len(d.Classes))
			}
			if d.Outputs > 1 && d.Y[i*d.Outputs+c] != 1 {
				t.Fatalf("row %d: Y %v does not encode label %d", i, d.Target(i), c)
			}
			if d.Outputs == 1 && d.Y[i] != float32(c) {
				t.Fatalf("row %d: binary Y %v does not encode label %d", i, d.Y[i], c)
			}
		}
	}
}
