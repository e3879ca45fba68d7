package data

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/backprop-go/backprop/internal/inputfile"
)

// idxSource is an IDX directory streamed: its two pairs of files.
type idxSource struct {
	dir          string
	train, test  idxPair
	rows, cols   int
	classes      int
	trainN, nTst int
	ctx          context.Context // stops every pass
}

// idxPair is a pair of image and label files, with their size and time as
// first read.
type idxPair struct {
	images, labels string
	size           [2]int64
	mod            [2]time.Time
}

// ScanIDX reads the IDX directory dir (the four files of [LoadIDXDir],
// gzip-compressed or not) once, without keeping its images, and returns the
// [Table] that reads it again: the training files' images are split into
// training and validation parts by split (split.Test must be 0: the test
// part is the t10k files, all of them). Pixels are p/255, the features
// "px0", "px1"…, the classes "0"… up to the largest training label, as
// LoadIDXDir reads them, and the same checks apply, but for the limits on
// the whole files (MaxIDXItems, MaxIDXBytes): an image is at most
// MaxIDXBytes pixels, and the files may hold up to 2^32−1 of them.
// ctx stops the passes, as ScanCSV's.
func ScanIDX(ctx context.Context, dir string, split HashSplit) (*Table, error) {
	if err := split.check(); err != nil {
		return nil, err
	}
	if split.Test != 0 {
		return nil, fmt.Errorf("%s: the test part of an IDX directory is its t10k files: want a test fraction of 0, not %v", dir, split.Test)
	}
	s := &idxSource{dir: dir, ctx: ctx}
	s.train = idxPair{images: idxTrainImages, labels: idxTrainLabels}
	s.test = idxPair{images: idxTestImages, labels: idxTestLabels}
	t := &Table{Name: dir, split: split, idx: s, ctx: ctx}

	// The training files: classes, counts, pixel statistics.
	ip, err := s.open(&s.train, true)
	if err != nil {
		return nil, err
	}
	s.trainN, s.rows, s.cols = ip.n, ip.rows, ip.cols
	features := ip.rows * ip.cols
	t.Stats = make([]Moments, features)
	x := make([]float32, features)
	fp := newRowHash()
	hist := make([][256]int, features) // each pixel's values over the training part
	for i := 1; i <= ip.n; i++ {
		l, err := ip.read(x)
		if err != nil {
			ip.close()
			return nil, err
		}
		fp.numbers(x)
		fp.number(float32(l))
		part := split.Part(i)
		t.Rows[part]++
		if part != PartTrain {
			continue
		}
		for j, p := range ip.pix {
			hist[j][p]++
		}
	}
	for j := range hist { // the moments of p/255, from the counts
		for p, n := range hist[j] {
			if n > 0 {
				t.Stats[j] = t.Stats[j].Merge(Moments{N: n, Mean: float64(float32(p) / 255), Min: float64(float32(p) / 255), Max: float64(float32(p) / 255)})
			}
		}
	}
	err = ip.end()
	ip.close()
	if err != nil {
		return nil, err
	}
	// Classes as LoadIDXDir counts them: up to the largest label of the
	// whole training file (validation part included).
	if s.classes, err = ip.counted(); err != nil {
		return nil, err
	}

	// The test files: their labels and the size of their images.
	if err := s.scanTest(t, features); err != nil {
		return nil, err
	}
	t.Bytes += ip.read64
	t.Fingerprint = fp.sum()
	return t, nil
}

// ScanIDXTest is [ScanIDX] for the t10k files of dir alone, its test part
// (what [LoadIDXTestDir] reads), without reading the training files: with
// classes > 0 (a trained model's) a label must be below it, with 0 the
// classes are counted from the labels. The table's Fingerprint is "" (it
// identifies training files).
func ScanIDXTest(ctx context.Context, dir string, classes int) (*Table, error) {
	if classes > MaxClasses {
		return nil, fmt.Errorf("%s: %d classes, more than the limit of %d (MaxClasses)", dir, classes, MaxClasses)
	}
	s := &idxSource{dir: dir, classes: classes, ctx: ctx}
	s.train = idxPair{images: idxTrainImages, labels: idxTrainLabels}
	s.test = idxPair{images: idxTestImages, labels: idxTestLabels}
	t := &Table{Name: dir, idx: s, ctx: ctx}
	if err := s.scanTest(t, 0); err != nil {
		return nil, err
	}
	return t, nil
}

// scanTest is the first pass over the test files: their items counted,
// their labels checked against s.classes (counted from them when 0), the
// size of their images against features (the training images', or 0 when
// none were read); then t's features and classes.
func (s *idxSource) scanTest(t *Table, features int) error {
	tp, err := s.open(&s.test, true)
	if err != nil {
		return err
	}
	defer tp.close()
	if features == 0 {
		features, s.rows, s.cols = tp.rows*tp.cols, tp.rows, tp.cols
	}
	if tp.rows*tp.cols != features {
		return fmt.Errorf("%s: test images have %d pixels, training images %d", s.dir, tp.rows*tp.cols, features)
	}
	s.nTst = tp.n
	t.Rows[PartTest] = tp.n
	for i := 0; i < tp.n; i++ {
		l, err := tp.read(nil)
		if err == nil && s.classes > 0 && int(l) >= s.classes {
			err = fmt.Errorf("%s: label %d of item %d was not seen in training (classes 0 to %d)", tp.labelsPath, l, i, s.classes-1)
		}
		if err != nil {
			return err
		}
	}
	if err := tp.end(); err != nil {
		return err
	}
	if s.classes == 0 {
		if s.classes, err = tp.counted(); err != nil {
			return err
		}
	}
	t.Bytes = tp.read64
	t.FeatureNames = make([]string, features)
	for j := range t.FeatureNames {
		t.FeatureNames[j] = "px" + strconv.Itoa(j)
	}
	t.Classes = make([]string, s.classes)
	for c := range t.Classes {
		t.Classes[c] = strconv.Itoa(c)
	}
	return nil
}

// reopen starts a pass over the training files (test false) or the test
// files, checking that they have not changed since the first pass.
func (s *idxSource) reopen(test bool) (*idxPass, error) {
	pair := &s.train
	if test {
		pair = &s.test
	}
	return s.open(pair, false)
}

// idxPass is one pass over a pair of IDX files: image and label read in
// step, one item at a time, into buffers reused.
type idxPass struct {
	imf, lbf                *os.File
	ir, lr                  *bufio.Reader
	imagesPath, labelsPath  string
	n, rows, cols           int
	item                    int  // items read
	test                    bool // the t10k files
	pix                     []byte
	maxLabel                int
	classes                 int // labels must be below it (0: the first pass counts them)
	imagesCount, labelCount *countReader
	read64                  int64
}

// open opens a pair of files and reads both headers. The first pass
// (first) records their sizes and times; a later one checks them.
func (s *idxSource) open(pair *idxPair, first bool) (*idxPass, error) {
	ip := &idxPass{test: pair == &s.test}
	if !first {
		ip.classes = s.classes
	}
	files := [2]*os.File{}
	paths := [2]string{}
	for k, name := range []string{pair.images, pair.labels} {
		f, path, err := openIDXStream(s.dir, name)
		if err != nil {
			ip.closeFiles(files)
			return nil, err
		}
		files[k], paths[k] = f, path
		info, err := f.Stat()
		if err != nil {
			ip.closeFiles(files)
			return nil, err
		}
		if first {
			pair.size[k], pair.mod[k] = info.Size(), info.ModTime()
		} else if info.Size() != pair.size[k] || !info.ModTime().Equal(pair.mod[k]) {
			ip.closeFiles(files)
			return nil, fmt.Errorf("%s: the file changed since it was first read", path)
		}
	}
	ip.imf, ip.lbf = files[0], files[1]
	ip.imagesPath, ip.labelsPath = paths[0], paths[1]
	ip.imagesCount, ip.labelCount = &countReader{r: ctxReader{s.ctx, ip.imf}}, &countReader{r: ctxReader{s.ctx, ip.lbf}}
	wrap := func(path string, err error) error { return fmt.Errorf("%s: %w", path, err) }
	ir, err := idxReader(ip.imagesCount)
	if err != nil {
		ip.close()
		return nil, wrap(ip.imagesPath, err)
	}
	lr, err := idxReader(ip.labelCount)
	if err != nil {
		ip.close()
		return nil, wrap(ip.labelsPath, err)
	}
	ip.ir, ip.lr = bufio.NewReaderSize(ir, 64<<10), bufio.NewReaderSize(lr, 4<<10)
	h, err := readIDXHeader(ip.ir, idxImagesMagic, 3)
	if err != nil {
		ip.close()
		return nil, wrap(ip.imagesPath, err)
	}
	rows, cols := uint64(h[1]), uint64(h[2])
	if rows == 0 || cols == 0 || rows*cols > MaxIDXBytes {
		ip.close()
		return nil, wrap(ip.imagesPath, fmt.Errorf("header claims images of %d×%d pixels; want at least 1×1 and at most %d pixels (MaxIDXBytes)", rows, cols, MaxIDXBytes))
	}
	lh, err := readIDXHeader(ip.lr, idxLabelsMagic, 1)
	if err != nil {
		ip.close()
		return nil, wrap(ip.labelsPath, err)
	}
	if lh[0] != h[0] {
		ip.close()
		return nil, fmt.Errorf("%s has %d images but %s has %d labels", ip.imagesPath, h[0], ip.labelsPath, lh[0])
	}
	if h[0] == 0 {
		ip.close()
		return nil, fmt.Errorf("%s: no images", ip.imagesPath)
	}
	if !first && (int(rows) != s.rows || int(cols) != s.cols) {
		ip.close()
		return nil, fmt.Errorf("%s: the file changed since it was first read", ip.imagesPath)
	}
	ip.n, ip.rows, ip.cols = int(h[0]), int(rows), int(cols)
	ip.pix = make([]byte, ip.rows*ip.cols)
	return ip, nil
}

// openIDXStream opens dir/name or dir/name.gz for streaming.
func openIDXStream(dir, name string) (*os.File, string, error) {
	path := dir + string(os.PathSeparator) + name
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		path += ".gz"
		if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
			return nil, path, fmt.Errorf("%s: no file %s or %s.gz", dir, name, name)
		}
	}
	f, err := inputfile.Open(path, MaxStreamBytes, "data.MaxStreamBytes")
	return f, path, err
}

// read reads the next item: its pixels into x as p/255 (x nil: passed
// over), and its label.
func (ip *idxPass) read(x []float32) (uint8, error) {
	if ip.item >= ip.n {
		return 0, io.EOF
	}
	if _, err := io.ReadFull(ip.ir, ip.pix); err != nil {
		return 0, ip.truncated(ip.imagesPath, err)
	}
	l, err := ip.lr.ReadByte()
	if err != nil {
		return 0, ip.truncated(ip.labelsPath, err)
	}
	ip.item++
	if ip.classes > 0 && int(l) >= ip.classes {
		return 0, fmt.Errorf("%s: label %d of item %d: the file changed since it was first read (classes 0 to %d)", ip.labelsPath, l, ip.item-1, ip.classes-1)
	}
	ip.maxLabel = max(ip.maxLabel, int(l))
	if x == nil {
		return l, nil
	}
	for j, p := range ip.pix {
		x[j] = float32(p) / 255
	}
	return l, nil
}

func (ip *idxPass) truncated(path string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: truncated: the data of item %d of %d is missing", path, ip.item, ip.n)
	}
	return fmt.Errorf("%s: item %d: %w", path, ip.item, err)
}

// end checks that nothing follows the last item.
func (ip *idxPass) end() error {
	for _, f := range []struct {
		r    *bufio.Reader
		path string
	}{{ip.ir, ip.imagesPath}, {ip.lr, ip.labelsPath}} {
		if _, err := f.r.ReadByte(); err == nil {
			return fmt.Errorf("%s: data after the %d items the header claims", f.path, ip.n)
		} else if err != io.EOF {
			return fmt.Errorf("%s: %w", f.path, err)
		}
	}
	ip.read64 = ip.imagesCount.n + ip.labelCount.n
	return nil
}

// counted returns the number of classes the first pass counted: up to the
// largest label, at least 2.
func (ip *idxPass) counted() (int, error) {
	if ip.maxLabel < 1 {
		return 0, fmt.Errorf("%s: only one class, 0; need at least 2", ip.labelsPath)
	}
	return ip.maxLabel + 1, nil
}

// next reads the next item of parts, and returns its label and its
// 1-based number in the files: the training and validation parts are the
// training files' items by split, the test part every item of the test
// files (ip.test).
func (ip *idxPass) next(x []float32, parts [3]bool, split HashSplit) (float32, int, error) {
	if !ip.test {
		for !parts[split.Part(ip.item+1)] { // another part's item: not converted
			if _, err := ip.read(nil); err != nil {
				return 0, 0, err
			}
		}
	}
	l, err := ip.read(x)
	return float32(l), ip.item, err
}

func (ip *idxPass) closeFiles(files [2]*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}

func (ip *idxPass) close() error {
	ip.closeFiles([2]*os.File{ip.imf, ip.lbf})
	ip.imf, ip.lbf = nil, nil
	return nil
}
