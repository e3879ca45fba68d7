package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// idxFile returns an IDX file: the magic number, the dimensions, then data.
func idxFile(magic uint32, dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	binary.Write(&b, binary.BigEndian, dims)
	b.Write(data)
	return b.Bytes()
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func images(dims ...uint32) func(data []byte) []byte {
	return func(data []byte) []byte { return idxFile(idxImagesMagic, dims, data) }
}

func TestReadIDXImagesErrors(t *testing.T) {
	badCRC := gzipped(images(1, 1, 2)([]byte{1, 2}))
	badCRC[len(badCRC)-8] ^= 0xff
	pix := make([]byte, 1000)
	for i := range pix {
		pix[i] = byte(i * i)
	}
	gzipCut := gzipped(images(1, 1, 1000)(pix))
	gzipCut = gzipCut[:len(gzipCut)/2]
	tests := []struct {
		name  string
		input []byte
		err   string
	}{
		{"empty", nil, "file too short for an IDX header"},
		{"short header", images(1, 28)(nil), "file too short for an IDX header"},
		{"labels file", idxFile(idxLabelsMagic, []uint32{1, 0, 0}, nil),
			"magic number 0x00000801, want 0x00000803 for images (this is a file of labels)"},
		{"text", []byte("hello, world, this is not IDX"), "magic number 0x68656c6c, want 0x00000803 for images"},
		{"zero rows", images(1, 0, 28)(nil), "header claims images of 0×28 pixels; want at least 1×1"},
		{"10^9 images", images(1e9, 28, 28)([]byte{1, 2, 3}), "header claims 1000000000 images, more than the limit 1048576"},
		{"too many pixels", images(1e6, 28, 28)(nil),
			"header claims 1000000 images of 28×28 pixels, more than the limit of 67108864 bytes"},
		{"huge images", images(1, 1<<32-1, 1<<32-1)(nil),
			"header claims 1 images of 4294967295×4294967295 pixels, more than the limit of 67108864 bytes"},
		{"truncated", images(2, 2, 2)([]byte{1, 2, 3, 4, 5}), "truncated: 5 of 8 bytes of data for 2 images of 2×2"},
		{"truncated, claims the limit", images(1<<20, 1, 1)([]byte{1, 2, 3}), "truncated: 3 of 1048576 bytes of data for 1048576 images of 1×1"},
		{"trailing data", images(2, 2, 2)([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}), "data after the 2 images of 2×2 the header claims"},
		{"gzip truncated", gzipped(images(2, 2, 2)([]byte{1, 2, 3})), "truncated: 3 of 8 bytes of data for 2 images of 2×2"},
		{"gzip cut short", gzipCut, "reading 1 images of 1×1000: unexpected EOF"},
		{"gzip bad header", []byte{0x1f, 0x8b, 0, 0}, "reading the gzip header: unexpected EOF"},
		{"gzip bad checksum", badCRC, "reading 1 images of 1×2: gzip: invalid checksum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, _, _, pix, err := ReadIDXImages(bytes.NewReader(tt.input))
			if err == nil {
				t.Fatalf("read %d images (%d bytes), want error %s", n, len(pix), tt.err)
			}
			if err.Error() != tt.err {
				t.Errorf("error:\n got %s\nwant %s", err, tt.err)
			}
		})
	}
}

func TestReadIDXLabelsErrors(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		err   string
	}{
		{"empty", nil, "file too short for an IDX header"},
		{"images file", images(1, 1, 1)([]byte{0}),
			"magic number 0x00000803, want 0x00000801 for labels (this is a file of images)"},
		{"10^9 labels", idxFile(idxLabelsMagic, []uint32{1e9}, []byte{1}), "header claims 1000000000 labels, more than the limit 1048576"},
		{"truncated", idxFile(idxLabelsMagic, []uint32{3}, []byte{1}), "truncated: 1 of 3 bytes of data for 3 labels"},
		{"trailing data", idxFile(idxLabelsMagic, []uint32{1}, []byte{1, 2}), "data after the 1 labels the header claims"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			labels, err := ReadIDXLabels(bytes.NewReader(tt.input))
			if err == nil {
				t.Fatalf("read %d labels, want error %s", len(labels), tt.err)
			}
			if err.Error() != tt.err {
				t.Errorf("error:\n got %s\nwant %s", err, tt.err)
			}
		})
	}
}

// TestReadIDXHostileHeader checks that a tiny file whose header claims a
// lot of data is refused without allocating for the claim.
func TestReadIDXHostileHeader(t *testing.T) {
	inputs := [][]byte{
		images(1e9, 28, 28)(nil),
		images(1<<20, 1<<14, 1<<14)(nil),
		images(1<<20, 1, 1)(make([]byte, 100)),         // within the limits, truncated
		gzipped(images(1<<20, 64, 1)(make([]byte, 1))), // the limit of 2^26 bytes, truncated
		idxFile(idxLabelsMagic, []uint32{1 << 20}, nil),
	}
	for i, input := range inputs {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, _, _, err1 := ReadIDXImages(bytes.NewReader(input))
		_, err2 := ReadIDXLabels(bytes.NewReader(input))
		runtime.ReadMemStats(&after)
		if err1 == nil && err2 == nil {
			t.Errorf("input %d: no error", i)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("input %d: allocated %d bytes for a %d-byte input", i, alloc, len(input))
		}
	}
}

func TestReadIDXRoundTrip(t *testing.T) {
	pix := []byte{0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255}
	for _, compress := range []bool{false, true} {
		img := images(2, 3, 2)(pix)
		lab := idxFile(idxLabelsMagic, []uint32{2}, []byte{7, 3})
		if compress {
			img, lab = gzipped(img), gzipped(lab)
		}
		n, rows, cols, got, err := ReadIDXImages(bytes.NewReader(img))
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 || rows != 3 || cols != 2 || !bytes.Equal(got, pix) {
			t.Errorf("gzip %v: got %d images %d×%d %v, want 2 images 3×2 %v", compress, n, rows, cols, got, pix)
		}
		labels, err := ReadIDXLabels(bytes.NewReader(lab))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(labels, []byte{7, 3}) {
			t.Errorf("gzip %v: labels %v, want [7 3]", compress, labels)
		}
	}
	// No images is not an error for the reader.
	n, _, _, got, err := ReadIDXImages(bytes.NewReader(images(0, 28, 28)(nil)))
	if n != 0 || len(got) != 0 || err != nil {
		t.Errorf("no images: got %d, %v, %v", n, got, err)
	}
}

// writeIDXDir writes the four files of an IDX directory; a name ending in
// .gz is compressed.
func writeIDXDir(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		if strings.HasSuffix(name, ".gz") {
			b = gzipped(b)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func labels(l ...byte) []byte { return idxFile(idxLabelsMagic, []uint32{uint32(len(l))}, l) }

func TestLoadIDXDir(t *testing.T) {
	dir := writeIDXDir(t, map[string][]byte{
		"train-images-idx3-ubyte.gz": images(3, 1, 2)([]byte{0, 255, 51, 102, 255, 0}),
		"train-labels-idx1-ubyte":    labels(2, 0, 1),
		"t10k-images-idx3-ubyte":     images(1, 2, 1)([]byte{0, 255}),
		"t10k-labels-idx1-ubyte.gz":  labels(1),
	})
	train, test, err := LoadIDXDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := &Dataset{
		N: 3, Features: 2, Outputs: 3,
		X:            []float32{0, 1, 0.2, 0.4, 1, 0},
		Y:            []float32{0, 0, 1, 1, 0, 0, 0, 1, 0},
		FeatureNames: []string{"px0", "px1"},
		Classes:      []string{"0", "1", "2"},
		Labels:       []int{2, 0, 1},
	}
	if !reflect.DeepEqual(train, want) {
		t.Errorf("train:\n got %+v\nwant %+v", train, want)
	}
	wantTest := &Dataset{
		N: 1, Features: 2, Outputs: 3,
		X:            []float32{0, 1},
		Y:            []float32{0, 1, 0},
		FeatureNames: []string{"px0", "px1"},
		Classes:      []string{"0", "1", "2"},
		Labels:       []int{1},
	}
	if !reflect.DeepEqual(test, wantTest) {
		t.Errorf("test:\n got %+v\nwant %+v", test, wantTest)
	}
}

func TestLoadIDXDirErrors(t *testing.T) {
	good := map[string][]byte{
		"train-images-idx3-ubyte": images(3, 1, 2)(make([]byte, 6)),
		"train-labels-idx1-ubyte": labels(2, 0, 1),
		"t10k-images-idx3-ubyte":  images(1, 1, 2)(make([]byte, 2)),
		"t10k-labels-idx1-ubyte":  labels(1),
	}
	with := func(name string, b []byte) map[string][]byte {
		m := make(map[string][]byte)
		for k, v := range good {
			m[k] = v
		}
		if b == nil {
			delete(m, name)
		} else {
			m[name] = b
		}
		return m
	}
	tests := []struct {
		name  string
		files map[string][]byte
		err   string // after the directory name
	}{
		{"missing labels", with("train-labels-idx1-ubyte", nil),
			": no file train-labels-idx1-ubyte or train-labels-idx1-ubyte.gz"},
		{"more labels than images", with("train-labels-idx1-ubyte", labels(0, 1, 2, 1)),
			"/train-images-idx3-ubyte has 3 images but DIR/train-labels-idx1-ubyte has 4 labels"},
		{"test label not seen in training", with("t10k-labels-idx1-ubyte", labels(3)),
			"/t10k-labels-idx1-ubyte: label 3 of item 0 was not seen in training (classes 0 to 2)"},
		{"one class", with("train-labels-idx1-ubyte", labels(0, 0, 0)),
			"/train-labels-idx1-ubyte: only one class, 0; need at least 2"},
		{"no images", with("train-images-idx3-ubyte", images(0, 1, 2)(nil)),
			"/train-images-idx3-ubyte has 0 images but DIR/train-labels-idx1-ubyte has 3 labels"},
		{"test images of another size", with("t10k-images-idx3-ubyte", images(1, 2, 2)(make([]byte, 4))),
			": test images have 4 pixels, training images 2"},
		{"truncated", with("t10k-images-idx3-ubyte", images(1, 1, 2)(make([]byte, 1))),
			"/t10k-images-idx3-ubyte: truncated: 1 of 2 bytes of data for 1 images of 1×2"},
		{"labels for images", with("t10k-images-idx3-ubyte", labels(1)),
			"/t10k-images-idx3-ubyte: magic number 0x00000801, want 0x00000803 for images (this is a file of labels)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeIDXDir(t, tt.files)
			_, _, err := LoadIDXDir(dir)
			want := dir + strings.ReplaceAll(tt.err, "DIR", dir)
			if err == nil || err.Error() != want {
				t.Errorf("error:\n got %v\nwant %s", err, want)
			}
		})
	}
}

// TestFashionMNIST loads Fashion-MNIST if it is installed
// (apt-get install -y dataset-fashion-mnist).
func TestFashionMNIST(t *testing.T) {
	const dir = "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Fashion-MNIST not installed: %v", err)
	}
	if testing.Short() {
		t.Skip("skipped in short mode")
	}
	train, test, err := LoadIDXDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		d    *Dataset
		n    int
	}{{"train", train, 60000}, {"test", test, 10000}} {
		checkDataset(t, c.d)
		if c.d.N != c.n || c.d.Features != 784 || c.d.Outputs != 10 || len(c.d.Classes) != 10 {
			t.Errorf("%s: %d×%d, %d outputs, want %d×784, 10", c.name, c.d.N, c.d.Features, c.d.Outputs, c.n)
		}
		// Fashion-MNIST is balanced: 6000 and 1000 of each class.
		for k, count := range c.d.ClassCounts() {
			if count != c.n/10 {
				t.Errorf("%s: class %d has %d images, want %d", c.name, k, count, c.n/10)
			}
		}
		for _, v := range c.d.X {
			if v < 0 || v > 1 {
				t.Fatalf("%s: pixel %v outside [0, 1]", c.name, v)
			}
		}
	}
	// The first training image is an ankle boot (class 9), the first test one too.
	if train.Labels[0] != 9 || test.Labels[0] != 9 {
		t.Errorf("first labels %d, %d, want 9, 9", train.Labels[0], test.Labels[0])
	}
}
