package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Dataset is one split of Fashion-MNIST: N rows of D pixels in [0, 1],
// row-major, and a class label per row.
type Dataset struct {
	N, D int
	X    []float32
	Y    []uint8
}

// Row is row i's pixels (sharing X's memory).
func (d *Dataset) Row(i int) []float32 { return d.X[i*d.D : (i+1)*d.D] }

// Row64 copies row i into dst as float64.
func (d *Dataset) Row64(i int, dst []float64) []float64 {
	for j, v := range d.Row(i) {
		dst[j] = float64(v)
	}
	return dst
}

// loadFashion reads dir/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz].
func loadFashion(dir string) (train, test *Dataset, err error) {
	if train, err = loadSplit(dir, "train"); err != nil {
		return nil, nil, err
	}
	if test, err = loadSplit(dir, "t10k"); err != nil {
		return nil, nil, err
	}
	if train.D != test.D {
		return nil, nil, fmt.Errorf("%s: %d pixels in the training images, %d in the test images", dir, train.D, test.D)
	}
	return train, test, nil
}

func loadSplit(dir, prefix string) (*Dataset, error) {
	img, dims, err := readIDX(filepath.Join(dir, prefix+"-images-idx3-ubyte"), 0x0803)
	if err != nil {
		return nil, err
	}
	lab, ldims, err := readIDX(filepath.Join(dir, prefix+"-labels-idx1-ubyte"), 0x0801)
	if err != nil {
		return nil, err
	}
	if dims[0] != ldims[0] {
		return nil, fmt.Errorf("%s: %d %s images, %d labels", dir, dims[0], prefix, ldims[0])
	}
	d := &Dataset{N: dims[0], D: dims[1] * dims[2], X: make([]float32, len(img)), Y: lab}
	for i, v := range img {
		d.X[i] = float32(v) / 255
	}
	for i, y := range lab {
		if y > 9 {
			return nil, fmt.Errorf("%s: %s label %d of row %d is not a class 0-9", dir, prefix, y, i)
		}
	}
	return d, nil
}

// readIDX reads an IDX file of unsigned bytes, base or base.gz.
func readIDX(base string, magic uint32) ([]byte, []int, error) {
	name := base + ".gz"
	f, err := os.Open(name)
	if err != nil {
		name = base
		if f, err = os.Open(name); err != nil {
			return nil, nil, err
		}
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if filepath.Ext(name) == ".gz" {
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		r = z
	}
	var m uint32
	if err := binary.Read(r, binary.BigEndian, &m); err != nil || m != magic {
		return nil, nil, fmt.Errorf("%s: not an IDX file with magic %#x", name, magic)
	}
	dims := make([]int, m&0xff)
	total := 1
	for i := range dims {
		var v uint32
		if err := binary.Read(r, binary.BigEndian, &v); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		if v == 0 || v > 1<<24 || total*int(v) > 1<<30 {
			return nil, nil, fmt.Errorf("%s: implausible dimension %d", name, v)
		}
		dims[i] = int(v)
		total *= int(v)
	}
	buf := make([]byte, total)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return buf, dims, nil
}
