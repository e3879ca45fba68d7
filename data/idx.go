package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/backprop-go/backprop/internal/inputfile"
)

// Limits on the IDX inputs, checked against the header before anything is
// allocated for the data.
const (
	MaxIDXItems = 1 << 20 // most images or labels in one IDX file (MNIST has 60000; 2^20 one-pixel images from a 20 KB gzip file already cost some 100 MB)
	MaxIDXBytes = 1 << 26 // most pixel bytes (images × rows × cols) in one IDX file, and in a directory's two image files together
)

// The magic numbers of the IDX files of MNIST: 0x00 0x00, the element type
// (0x08, unsigned byte) and the number of dimensions.
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
)

// ReadIDXImages reads an IDX file of images, the layout of MNIST's
// train-images-idx3-ubyte (gzip-compressed or not; the gzip magic 1f 8b is
// detected): a big-endian header of the magic number 0x00000803 and the
// dimensions n, rows and cols as uint32, then n×rows×cols bytes of pixels,
// row-major, image after image. Nothing may follow the pixels.
//
// Files claiming more than [MaxIDXItems] images or [MaxIDXBytes] bytes of
// pixels are refused before reading on; a file shorter than its header claims
// is an error.
func ReadIDXImages(r io.Reader) (n, rows, cols int, pix []uint8, err error) {
	br, err := idxReader(r)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	if n, rows, cols, err = readImagesHeader(br); err != nil {
		return 0, 0, 0, nil, err
	}
	pix, err = readIDXData(br, n*rows*cols, strconv.Itoa(n)+" images of "+strconv.Itoa(rows)+"×"+strconv.Itoa(cols))
	if err != nil {
		return 0, 0, 0, nil, err
	}
	return n, rows, cols, pix, nil
}

// readImagesHeader reads and checks the header of an images file.
func readImagesHeader(r io.Reader) (n, rows, cols int, err error) {
	h, err := readIDXHeader(r, idxImagesMagic, 3)
	if err != nil {
		return 0, 0, 0, err
	}
	// Each dimension is below 2^32, so the products below fit in uint64.
	un, urows, ucols := uint64(h[0]), uint64(h[1]), uint64(h[2])
	switch {
	case un > MaxIDXItems:
		return 0, 0, 0, fmt.Errorf("header claims %d images, more than the limit %d", un, MaxIDXItems)
	case urows == 0 || ucols == 0:
		return 0, 0, 0, fmt.Errorf("header claims images of %d×%d pixels; want at least 1×1", urows, ucols)
	case urows*ucols > MaxIDXBytes || un*urows*ucols > MaxIDXBytes:
		return 0, 0, 0, fmt.Errorf("header claims %d images of %d×%d pixels, more than the limit of %d bytes",
			un, urows, ucols, MaxIDXBytes)
	}
	return int(un), int(urows), int(ucols), nil
}

// ReadIDXLabels reads an IDX file of labels, the layout of MNIST's
// train-labels-idx1-ubyte (gzip-compressed or not): a big-endian header of the
// magic number 0x00000801 and the count n as uint32, then n bytes, one label
// each. Nothing may follow the labels. A count above [MaxIDXItems] is refused.
func ReadIDXLabels(r io.Reader) ([]uint8, error) {
	br, err := idxReader(r)
	if err != nil {
		return nil, err
	}
	h, err := readIDXHeader(br, idxLabelsMagic, 1)
	if err != nil {
		return nil, err
	}
	if h[0] > MaxIDXItems {
		return nil, fmt.Errorf("header claims %d labels, more than the limit %d", h[0], MaxIDXItems)
	}
	n := int(h[0])
	return readIDXData(br, n, strconv.Itoa(n)+" labels")
}

// idxReader returns r, decompressed if it starts with the gzip magic.
func idxReader(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("reading the gzip header: %w", err)
		}
		return zr, nil
	}
	return br, nil
}

// readIDXHeader reads the magic number, checks it is magic, and reads the
// dims dimensions.
func readIDXHeader(r io.Reader, magic uint32, dims int) ([]uint32, error) {
	h := make([]uint32, 1+dims)
	if err := binary.Read(r, binary.BigEndian, h[:1]); err != nil {
		return nil, headerError(err)
	}
	if h[0] != magic {
		kind := map[uint32]string{idxImagesMagic: "images", idxLabelsMagic: "labels"}
		msg := fmt.Sprintf("magic number 0x%08x, want 0x%08x for %s", h[0], magic, kind[magic])
		if k, ok := kind[h[0]]; ok {
			msg += " (this is a file of " + k + ")"
		}
		return nil, errors.New(msg)
	}
	if err := binary.Read(r, binary.BigEndian, h[1:]); err != nil {
		return nil, headerError(err)
	}
	return h[1:], nil
}

func headerError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("file too short for an IDX header")
	}
	return fmt.Errorf("reading the header: %w", err)
}

// readIDXData reads exactly size bytes, then checks that the input ends.
// The buffer grows as data arrives, so a header that lies about the size
// costs no more memory than the data actually there.
func readIDXData(r io.Reader, size int, what string) ([]byte, error) {
	buf, err := io.ReadAll(io.LimitReader(r, int64(size)))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	if len(buf) < size {
		return nil, fmt.Errorf("truncated: %d of %d bytes of data for %s", len(buf), size, what)
	}
	var extra [1]byte
	m, err := io.ReadFull(r, extra[:])
	if m > 0 {
		return nil, fmt.Errorf("data after the %s the header claims", what)
	}
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("after %s: %w", what, err)
	}
	return buf, nil
}

// The file names LoadIDXDir looks for, each with or without ".gz".
const (
	idxTrainImages = "train-images-idx3-ubyte"
	idxTrainLabels = "train-labels-idx1-ubyte"
	idxTestImages  = "t10k-images-idx3-ubyte"
	idxTestLabels  = "t10k-labels-idx1-ubyte"
)

// LoadIDXDir loads the training and test sets of MNIST or Fashion-MNIST from
// the directory dir, which must hold the four files
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
// and t10k-labels-idx1-ubyte, each possibly gzip-compressed with the suffix
// ".gz".
//
// Pixels are scaled to [0, 1] as p/255; the features are named "px0",
// "px1"... The classes are "0", "1"... up to the largest training label (10
// classes for MNIST), and Y is one-hot. Images and labels must agree in
// number, train and test images in size, and a test label must be one seen in
// training. Both headers of a pair are read, and the counts and sizes they
// claim checked against each other and against the limits ([MaxIDXBytes] of
// pixels for the two image files together, [MaxOneHot] values of one-hot
// targets), before any pixel is read.
func LoadIDXDir(dir string) (train, test *Dataset, err error) {
	train, err = loadIDX(dir, idxTrainImages, idxTrainLabels, 0, MaxIDXBytes)
	if err != nil {
		return nil, nil, err
	}
	test, err = loadIDX(dir, idxTestImages, idxTestLabels, len(train.Classes), MaxIDXBytes-len(train.X))
	if err != nil {
		return nil, nil, err
	}
	if test.Features != train.Features {
		return nil, nil, fmt.Errorf("%s: test images have %d pixels, training images %d",
			dir, test.Features, train.Features)
	}
	return train, test, nil
}

// LoadIDXTestDir loads only the test set of an IDX directory (the t10k
// files), as evaluate and predict need: with classes > 0 a label must be
// below it, else the classes are counted from the labels.
func LoadIDXTestDir(dir string, classes int) (*Dataset, error) {
	if classes > MaxClasses {
		return nil, fmt.Errorf("%s: %d classes, more than the limit of %d (MaxClasses)", dir, classes, MaxClasses)
	}
	return loadIDX(dir, idxTestImages, idxTestLabels, classes, MaxIDXBytes)
}

// loadIDX loads one pair of image and label files, at most budget pixels.
// With classes = 0 it counts the classes from the labels; otherwise a label
// must be below it.
func loadIDX(dir, images, labels string, classes, budget int) (*Dataset, error) {
	imf, imagesPath, err := openIDXFile(dir, images)
	if err != nil {
		return nil, err
	}
	defer imf.Close()
	lbf, labelsPath, err := openIDXFile(dir, labels)
	if err != nil {
		return nil, err
	}
	defer lbf.Close()
	wrap := func(path string, err error) error { return fmt.Errorf("%s: %w", path, err) }

	// Both headers first.
	ir, err := idxReader(imf)
	if err != nil {
		return nil, wrap(imagesPath, err)
	}
	n, rows, cols, err := readImagesHeader(ir)
	if err != nil {
		return nil, wrap(imagesPath, err)
	}
	lr, err := idxReader(lbf)
	if err != nil {
		return nil, wrap(labelsPath, err)
	}
	lh, err := readIDXHeader(lr, idxLabelsMagic, 1)
	if err != nil {
		return nil, wrap(labelsPath, err)
	}
	if lh[0] > MaxIDXItems {
		return nil, wrap(labelsPath, fmt.Errorf("header claims %d labels, more than the limit %d", lh[0], MaxIDXItems))
	}
	if int(lh[0]) != n {
		return nil, fmt.Errorf("%s has %d images but %s has %d labels", imagesPath, n, labelsPath, lh[0])
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: no images", imagesPath)
	}
	if n*rows*cols > budget {
		return nil, fmt.Errorf("%s: %d images of %d×%d pixels: with the other images of %s, more than the limit of %d pixels (MaxIDXBytes)",
			imagesPath, n, rows, cols, dir, MaxIDXBytes)
	}
	// The labels (at most MaxIDXItems bytes), then the classes and the
	// one-hot size, then the pixels.
	lab, err := readIDXData(lr, n, strconv.Itoa(n)+" labels")
	if err != nil {
		return nil, wrap(labelsPath, err)
	}
	fixed := classes > 0
	if !fixed {
		for _, l := range lab {
			classes = max(classes, int(l)+1)
		}
		if classes < 2 {
			return nil, fmt.Errorf("%s: only one class, 0; need at least 2", labelsPath)
		}
	}
	for i, l := range lab {
		if int(l) >= classes {
			return nil, fmt.Errorf("%s: label %d of item %d was not seen in training (classes 0 to %d)",
				labelsPath, l, i, classes-1)
		}
	}
	if err := checkOneHot(n, classes); err != nil {
		return nil, wrap(labelsPath, err)
	}
	pix, err := readIDXData(ir, n*rows*cols, strconv.Itoa(n)+" images of "+strconv.Itoa(rows)+"×"+strconv.Itoa(cols))
	if err != nil {
		return nil, wrap(imagesPath, err)
	}
	d := &Dataset{
		N:            n,
		Features:     rows * cols,
		Outputs:      classes,
		X:            make([]float32, len(pix)),
		Y:            make([]float32, n*classes),
		Labels:       make([]int, n),
		FeatureNames: make([]string, rows*cols),
		Classes:      make([]string, classes),
	}
	for i, p := range pix {
		d.X[i] = float32(p) / 255
	}
	for i, l := range lab {
		d.Labels[i] = int(l)
		d.Y[i*classes+int(l)] = 1
	}
	for j := range d.FeatureNames {
		d.FeatureNames[j] = "px" + strconv.Itoa(j)
	}
	for c := range d.Classes {
		d.Classes[c] = strconv.Itoa(c)
	}
	return d, nil
}

// openIDXFile opens dir/name or dir/name.gz, with its size checked.
func openIDXFile(dir, name string) (*os.File, string, error) {
	path := filepath.Join(dir, name)
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		path += ".gz"
		if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
			return nil, path, fmt.Errorf("%s: no file %s or %s.gz", dir, name, name)
		}
	}
	f, err := inputfile.Open(path, MaxIDXBytes+16, "data.MaxIDXBytes")
	return f, path, err
}
