package data

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// The embedded sets, written from the copies scikit-learn 1.2.1 ships; see
// embedded/README.md for their sources and licences.
//
//go:embed embedded/*.csv
var embedded embed.FS

// EmbeddedNames returns the names of the datasets built into the package,
// sorted: breast_cancer, diabetes, digits, iris, wine.
//
//   - digits: 1797 images of 8×8 pixels (0..16), 10 classes "0".."9"
//   - iris: 150 flowers, 4 measurements, 3 species
//   - wine: 178 wines, 13 measurements, 3 cultivars "0".."2"
//   - breast_cancer: 569 tumours, 30 measurements, "benign" or "malignant"
//   - diabetes: 442 patients, 10 measurements (raw, unscaled), a numeric
//     measure of disease progression (regression)
//
// Each is a CSV file whose last column is the target.
func EmbeddedNames() []string {
	entries, _ := fs.ReadDir(embedded, "embedded") // sorted by name
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".csv"))
	}
	return names
}

// OpenEmbedded returns the CSV text of the embedded dataset name, for
// [ReadCSV] with options of the caller's choosing. An unknown name is an
// error listing the known ones.
func OpenEmbedded(name string) (io.Reader, error) {
	if !isEmbedded(name) {
		return nil, fmt.Errorf("unknown dataset %q (want %s)", name, strings.Join(EmbeddedNames(), ", "))
	}
	b, err := embedded.ReadFile(path.Join("embedded", name+".csv"))
	if err != nil {
		return nil, err // cannot happen: name is one of the files
	}
	return bytes.NewReader(b), nil
}

// Embedded reads the embedded dataset name with the default options: the
// last column is the target and the task is detected (diabetes is
// regression, the others classification). Use [EmbeddedCSV] to choose
// options.
func Embedded(name string) (*Dataset, error) {
	return EmbeddedCSV(name, CSVOptions{})
}

// EmbeddedCSV reads the embedded dataset name with the given options; errors
// name the file as name.csv.
func EmbeddedCSV(name string, opt CSVOptions) (*Dataset, error) {
	r, err := OpenEmbedded(name)
	if err != nil {
		return nil, err
	}
	return ReadCSV(r, name+".csv", opt)
}

// isEmbedded reports whether name is the name of an embedded dataset.
func isEmbedded(name string) bool {
	for _, s := range EmbeddedNames() {
		if s == name {
			return true
		}
	}
	return false
}
