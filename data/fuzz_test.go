package data

import (
	"bytes"
	"os"
	"slices"
	"testing"
)

// FuzzReadCSV reads arbitrary text with options chosen by mode and checks
// that ReadCSV returns an error or a consistent Dataset, and never panics.
func FuzzReadCSV(f *testing.F) {
	small, err := os.ReadFile("testdata/small.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small, uint8(0))
	f.Add(small, uint8(0b1000))
	f.Add(small, uint8(0b10000))
	for _, name := range []string{"iris", "wine"} {
		r, _ := OpenEmbedded(name)
		b := new(bytes.Buffer)
		b.ReadFrom(r)
		f.Add(b.Bytes()[:1000], uint8(0))
	}
	for _, tt := range csvErrorTests {
		if len(tt.input) < 1000 {
			input, _, _ := markerPos(tt.input)
			f.Add([]byte(input), uint8(1))
		}
	}
	f.Add([]byte("a,b,y\n1,2,x\n3,4,y\n"), uint8(0b100))
	f.Add([]byte("b,a\n1,2\n"), uint8(0b10000))
	f.Add([]byte("\uFEFFa,\"b\"\"\",y\r\n1,2,1\r\n3,4,0\r\n"), uint8(2))
	f.Add([]byte("id;a;c;y\n1;2;red;x\n  \n2;;blue;y\n3;NA;red;x\n"), uint8(0b1000000))
	f.Add([]byte("a|b|y\nr|1|x\nq|?|y\n"), uint8(0b11000000))

	f.Fuzz(func(t *testing.T, input []byte, mode uint8) {
		var opt CSVOptions
		opt.Task = []Task{TaskAuto, TaskClassification, TaskRegression, ""}[mode&3]
		opt.Binary = mode&0b100 != 0
		if mode&0b1000 != 0 {
			opt.Classes = []string{"x", "y"}
		}
		if mode&0b10000 != 0 {
			opt.Features = []string{"a", "b"}
		}
		if mode&0b100000 != 0 {
			opt.Target = "y"
		}
		if mode&0b1000000 != 0 { // missing values kept as NaN, an id column ignored
			opt.Missing, opt.Ignore = MissingKeep, []string{"id"}
		}
		if mode&0b10000000 != 0 { // a model's categories, unknown ones ignored (−1)
			opt.Categories, opt.Unknown = map[string][]string{"a": {"r", "g"}}, "ignore"
		}
		d, err := ReadCSV(bytes.NewReader(input), "fuzz.csv", opt)
		if err != nil {
			if d != nil {
				t.Fatalf("a dataset and an error: %v", err)
			}
			return
		}
		if mode&0b11000000 != 0 { // NaN (missing) and −1 (unknown) are then allowed: check the rest
			x := slices.Clone(d.X)
			for i, v := range x {
				if v != v || v == -1 && opt.Unknown != "" && d.Categories != nil && d.Categories[i%d.Features] != nil {
					x[i] = 0
				}
			}
			c := *d
			c.X = x
			d = &c
		}
		checkDataset(t, d)
	})
}

// FuzzReadIDX reads arbitrary bytes as IDX images and as IDX labels and
// checks that the readers return an error or data of the size the header
// claims, and never panic.
func FuzzReadIDX(f *testing.F) {
	for _, name := range []string{"testdata/small-images-idx3-ubyte.gz", "testdata/small-labels-idx1-ubyte"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(images(2, 2, 2)([]byte{1, 2, 3, 4, 5, 6, 7, 8}))
	f.Add(images(1e9, 28, 28)(nil))
	f.Add(gzipped(labels(1, 2, 3)))
	f.Add(gzipped(images(1, 1, 3)([]byte{1, 2, 3})))

	f.Fuzz(func(t *testing.T, input []byte) {
		n, rows, cols, pix, err := ReadIDXImages(bytes.NewReader(input))
		if err == nil && (n < 0 || rows <= 0 || cols <= 0 || len(pix) != n*rows*cols || len(pix) > MaxIDXBytes) {
			t.Fatalf("%d images of %d×%d, %d bytes of pixels", n, rows, cols, len(pix))
		}
		labels, err := ReadIDXLabels(bytes.NewReader(input))
		if err == nil && len(labels) > MaxIDXItems {
			t.Fatalf("%d labels", len(labels))
		}
	})
}
