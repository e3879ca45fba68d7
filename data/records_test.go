package data

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/backprop-go/backprop/internal/testenv"
)

// sameRecords checks that a recordScanner reads text as encoding/csv reads
// it: the same records, fields and field lines, and an error where
// encoding/csv has one.
func sameRecords(t *testing.T, text string, sep rune) {
	t.Helper()
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma, cr.FieldsPerRecord, cr.TrimLeadingSpace = sep, -1, true
	rs := newRecordScanner(bufio.NewReaderSize(strings.NewReader(text), 16), sep) // a small buffer: lines longer than it
	for k := 0; ; k++ {
		want, werr := cr.Read()
		got, gerr := rs.Read()
		if werr != nil {
			if (werr == io.EOF) != (gerr == io.EOF) || gerr == nil {
				t.Fatalf("%q (sep %q), record %d: encoding/csv: %v; scanner: %q, %v", text, sep, k, werr, got, gerr)
			}
			return
		}
		if gerr != nil || !slices.Equal(got, want) {
			t.Fatalf("%q (sep %q), record %d: encoding/csv %q; scanner %q, %v", text, sep, k, want, got, gerr)
		}
		for j := range want {
			wl, _ := cr.FieldPos(j)
			if gl, _ := rs.FieldPos(j); gl != wl {
				t.Fatalf("%q (sep %q), record %d, field %d: line %d, encoding/csv says %d", text, sep, k, j, gl, wl)
			}
		}
	}
}

// TestRecordScanner compares the scanner with encoding/csv on random text
// made of the pieces CSV is made of: separators, quotes, spaces (Unicode
// ones too), line ends of both kinds, empty lines.
func TestRecordScanner(t *testing.T) {
	pieces := []string{"a", "12", "-3.5e2", " ", "\t", ",", ";", "|", `"`, `""`, "\n", "\r\n", "\r", "é", "\u00a0", "\n\n", `","`, "NA"}
	rng := rand.New(rand.NewPCG(5, 6))
	n := 20000
	switch {
	case testing.Short():
		n = 2000
	case testenv.IsLong():
		n = 500000
	}
	for range n {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		for _, sep := range Separators {
			sameRecords(t, b.String(), sep)
		}
	}
	for _, text := range []string{"", "\n", "a,b\n", "a,b", "a,b\r", "\"a\nb\",c\nd,e\n", "\"a\r\nb\",\"\"\"\"\n", " \"x\" ,y\n", "a,\"b\"c\n", "\"unterminated\n", strings.Repeat("x", 100) + "," + strings.Repeat("y", 50) + "\n"} {
		for _, sep := range Separators {
			sameRecords(t, text, sep)
		}
	}
}

func FuzzRecordScanner(f *testing.F) {
	for _, s := range []string{"a,b\n", "\"a\nb\",c\r\n", " x ; \"y\"\"z\"\n\n", "a|\"b|c\"|d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, sep := range Separators {
			sameRecords(t, text, sep)
		}
	})
}

// TestReaderAllocations: once a pass has begun, reading a record of a
// streamed CSV table or IDX directory allocates nothing.
func TestReaderAllocations(t *testing.T) {
	path := streamCSV(t, 4000)
	tab, err := ScanCSV(context.Background(), path, CSVOptions{Ignore: []string{"id"}, Missing: MissingKeep}, HashSplit{Seed: 2, Val: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	const n, px = 2000, 12
	lab := make([]byte, n)
	for i := range lab {
		lab[i] = byte(i % 3)
	}
	dir := writeIDXDir(t, map[string][]byte{
		"train-images-idx3-ubyte.gz": images(n, 3, 4)(make([]byte, n*px)),
		"train-labels-idx1-ubyte.gz": labels(lab...),
		"t10k-images-idx3-ubyte":     images(1, 3, 4)(make([]byte, px)),
		"t10k-labels-idx1-ubyte":     labels(1),
	})
	idx, err := ScanIDX(context.Background(), dir, HashSplit{Seed: 2, Val: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tab := range []*Table{tab, idx} {
		r := tab.Reader(PartTrain)
		x := make([]float32, tab.Features())
		for range 600 { // the pass begun, the buffers grown
			if _, err := r.Next(x); err != nil {
				t.Fatal(err)
			}
		}
		if a := testing.AllocsPerRun(1000, func() {
			if _, err := r.Next(x); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("%s: %v allocations per record", tab.Name, a)
		}
		r.Close()
	}
}
