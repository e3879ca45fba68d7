package data

import (
	"bytes"
	"strings"
	"testing"
)

// TestFingerprint: the same rows give the same fingerprint, from a file or
// the embedded copy; any changed value, row or shape another.
func TestFingerprint(t *testing.T) {
	a, err := EmbeddedCSV("iris", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := embedded.ReadFile("embedded/iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadCSV(bytes.NewReader(raw), "iris.csv", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fa := Fingerprint(a)
	if !strings.HasPrefix(fa, "sha256:") || len(fa) != 7+64 || Fingerprint(b) != fa {
		t.Fatalf("iris: %s, the same rows from a reader: %s", fa, Fingerprint(b))
	}
	b.X[17] += 0.5
	if Fingerprint(b) == fa {
		t.Error("a changed value: same fingerprint")
	}
	if Fingerprint(a.Subset([]int{0, 1, 2})) == Fingerprint(a.Subset([]int{0, 2, 1})) {
		t.Error("rows in another order: same fingerprint")
	}
}
