package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/backprop-go/backprop/internal/inputfile"
)

// MaxStreamBytes is the largest file a [Table] streams (CSV, or one IDX
// file): 2^50 bytes, 1 PiB, in effect none. Streaming holds one record at a
// time (and what its caller buffers), never the file; a line is still at
// most [MaxLineBytes].
const MaxStreamBytes = 1 << 50

// MaxNameBytes bounds the distinct category and class names the first pass
// of a [Table] keeps, in bytes (64 MiB): without a limit on the file's
// size, they would be bounded by nothing else.
const MaxNameBytes = 64 << 20

var maxNameBytes int64 = MaxNameBytes // lowered by a test

// Part names a part of a streamed table: every record falls in one, by a
// [HashSplit].
type Part int

// The parts.
const (
	PartTrain Part = iota // trains the network
	PartVal               // validation: chooses the epoch to keep
	PartTest              // held out for the test
)

func (p Part) String() string {
	switch p {
	case PartTrain:
		return "training"
	case PartVal:
		return "validation"
	case PartTest:
		return "test"
	}
	return "part " + strconv.Itoa(int(p))
}

// HashSplit divides the records of a streamed table into parts by a hash
// of their record number, so that it needs neither the rows in memory nor
// their count in advance, and every pass over the file (and every later
// run) puts each record in the same part.
//
// Record r (1-based, counted as [Dataset].Records counts them: the header
// and blank lines not counted, records dropped for a missing value
// counted) gets u = h(Seed, r)/2^64, a SplitMix64 hash; it is in the test
// part if u < Test, else in the validation part if u < Test + (1−Test)·Val,
// else in the training part. So each part holds its fraction of the
// records in expectation (not exactly, and not stratified by class, as
// [Split] is): on n records the test part has Test·n ± √(Test(1−Test)n).
type HashSplit struct {
	Seed      uint64
	Test, Val float64
}

// Part returns the part of record number r.
func (s HashSplit) Part(r int) Part {
	u := float64(splitmix64(s.Seed^0x6261636b70726f70+uint64(r)*0x9e3779b97f4a7c15)>>11) / (1 << 53)
	switch {
	case u < s.Test:
		return PartTest
	case u < s.Test+(1-s.Test)*s.Val:
		return PartVal
	}
	return PartTrain
}

// splitmix64 is the output function of SplitMix64 (Steele, Lea and Flood).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func (s HashSplit) check() error {
	if !(s.Test >= 0 && s.Test < 1 && s.Val >= 0 && s.Val < 1) {
		return fmt.Errorf("split fractions test %v, validation %v: want fractions from 0 to below 1", s.Test, s.Val)
	}
	return nil
}

// Moments are the count, mean, sum of squared deviations (M2, so that the
// population variance is M2/N), minimum and maximum of values, accumulated
// one at a time (Welford's method, in float64).
type Moments struct {
	N        int
	Mean, M2 float64
	Min, Max float64
}

// Add accumulates x.
func (m *Moments) Add(x float64) {
	if m.N == 0 {
		m.Min, m.Max = x, x
	}
	m.N++
	d := x - m.Mean
	m.Mean += d / float64(m.N)
	m.M2 += d * (x - m.Mean)
	m.Min, m.Max = min(m.Min, x), max(m.Max, x)
}

// Merge returns the moments of the values of m and o together (Chan et
// al.'s pairwise formula).
func (m Moments) Merge(o Moments) Moments {
	switch {
	case o.N == 0:
		return m
	case m.N == 0:
		return o
	}
	n := m.N + o.N
	d := o.Mean - m.Mean
	return Moments{N: n, Mean: m.Mean + d*float64(o.N)/float64(n),
		M2:  m.M2 + o.M2 + d*d*float64(m.N)*float64(o.N)/float64(n),
		Min: min(m.Min, o.Min), Max: max(m.Max, o.Max)}
}

// Std returns the population standard deviation, √(M2/N) (0 for N = 0).
func (m Moments) Std() float64 {
	if m.N == 0 {
		return 0
	}
	return math.Sqrt(m.M2 / float64(m.N))
}

// Table is a CSV file (or an IDX directory) too large to hold in memory,
// read pass by pass: [ScanCSV] or [ScanIDX] read it once and tell what it
// holds — the columns, the categories and classes, how many records fall in
// each part of a [HashSplit], the statistics of the training part that the
// input scaling, the missing-value fills and a regression target's
// standardisation are fitted on — and [Table.Reader] reads a part again, a
// record at a time, as often as training needs. Memory does not grow with
// the file: a pass keeps one record, and a table its statistics.
//
// A table reads records as [ReadCSV] does, with the same rules and error
// messages (file:line:column), and its features, categories and classes
// are those ReadCSV gives for the whole file. Only ReadCSV's limits on the
// whole input (MaxCSVBytes, MaxOneHot) do not apply; see [MaxStreamBytes].
type Table struct {
	Name         string
	FeatureNames []string
	// Categories are the categories of each categorical feature, sorted as
	// ReadCSV sorts them, nil for a numeric one (as Dataset.Categories).
	Categories [][]string
	// Classes are the class names (nil for a numeric target).
	Classes []string
	// Rows counts the records of each part (PartTrain, PartVal, PartTest),
	// records dropped for a missing value not counted; Dropped counts those.
	Rows    [3]int
	Dropped int
	// Stats are each numeric feature's moments over the training part,
	// missing values left out (zero for a categorical feature). Counts[k],
	// for a categorical feature k, counts each category's records in the
	// training part (nil for a numeric feature).
	Stats  []Moments
	Counts [][]int
	// Target are the moments of the target over the training part when
	// every value of it is a number (a numeric target, or class labels
	// that are numbers); zero otherwise.
	Target Moments
	// NoTarget says the file has no target column, which only a file of
	// the features given by CSVOptions.Features may lack (data to predict
	// on); a Reader then gives NaN as every target.
	NoTarget bool
	// Fingerprint identifies the rows read (every part's; of an IDX
	// directory, the training files'), as [RowsFingerprint] does.
	Fingerprint string
	// Bytes is the size of the input, as the first pass read it.
	Bytes int64

	split HashSplit
	csv   *csvSource      // a CSV file; nil for an IDX directory
	idx   *idxSource      // an IDX directory
	ctx   context.Context // stops every pass
}

// ctxReader reads r until ctx is done, then fails with an error that wraps
// ctx.Err(): a pass over a large file stops within a read of it.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, fmt.Errorf("interrupted: %w", err)
	}
	return c.r.Read(p)
}

// Split returns the split the table was scanned with.
func (t *Table) Split() HashSplit { return t.split }

// Features returns the number of features of a record.
func (t *Table) Features() int { return len(t.FeatureNames) }

// csvSource is where a CSV table is read from, and how.
type csvSource struct {
	open func() (io.ReadCloser, int64, time.Time, error) // the input, its size and time (0 when not a file)
	size int64
	mod  time.Time
	opt  CSVOptions // the options of the passes after the first: features, categories and classes fixed
}

// ScanCSV reads the CSV file at path once, with opt as [ReadCSV] reads it,
// split by split, without keeping its rows, and returns the [Table] that
// reads it again. path may be the name of an embedded dataset, as [Load]
// takes it; not "-" (standard input cannot be read twice).
//
// The target's task follows ReadCSV's rules (with opt.Features the target
// column may be absent: [Table].NoTarget), with a bound on what the
// first pass remembers: under [TaskAuto] a target with more than
// [MaxClasses] distinct values is numeric (regression) if all of them so
// far are numbers, else an error, as ReadCSV's would be.
//
// ctx stops the first pass, and every later pass of the table's readers:
// they fail with an error that wraps ctx.Err().
func ScanCSV(ctx context.Context, path string, opt CSVOptions, split HashSplit) (*Table, error) {
	if err := split.check(); err != nil {
		return nil, err
	}
	src := &csvSource{}
	name := path
	switch {
	case path == "-":
		return nil, errors.New("standard input cannot be streamed (it cannot be read twice): write it to a file")
	case isEmbedded(path):
		name = path + ".csv"
		src.open = func() (io.ReadCloser, int64, time.Time, error) {
			r, err := OpenEmbedded(path)
			return io.NopCloser(r), 0, time.Time{}, err
		}
	default:
		src.open = func() (io.ReadCloser, int64, time.Time, error) {
			f, err := inputfile.Open(path, MaxStreamBytes, "data.MaxStreamBytes")
			if err != nil {
				return nil, 0, time.Time{}, err
			}
			info, err := f.Stat()
			if err != nil {
				f.Close()
				return nil, 0, time.Time{}, err
			}
			return f, info.Size(), info.ModTime(), nil
		}
	}
	rc, size, mod, err := src.open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	src.size, src.mod = size, mod
	cr := &countReader{r: ctxReader{ctx, rc}}
	p, err := newCSVParser(cr, name, opt, MaxStreamBytes, false)
	if err != nil {
		return nil, err
	}
	t := &Table{Name: name, split: split, csv: src, ctx: ctx}
	p.streaming = true
	if err := p.scan(t); err != nil {
		return nil, err
	}
	t.Bytes = cr.n
	src.opt = CSVOptions{Target: p.targetName(), Features: t.FeatureNames, Classes: t.Classes,
		Sep: p.sep, Ignore: opt.Ignore, Categories: t.categoriesByName(), Unknown: opt.Unknown, Missing: opt.Missing}
	if t.Classes == nil {
		src.opt.Task = TaskRegression
	}
	return t, nil
}

// categoriesByName returns the categories of t's categorical features by
// feature name (nil when there are none).
func (t *Table) categoriesByName() map[string][]string {
	var m map[string][]string
	for k, c := range t.Categories {
		if c != nil {
			if m == nil {
				m = make(map[string][]string)
			}
			m[t.FeatureNames[k]] = c
		}
	}
	return m
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// scan is the first pass of ScanCSV: the header, then every record, its
// features and target read as ReadCSV reads them, into t's counts and
// statistics.
func (p *csvParser) scan(t *Table) error {
	if err := p.readHeader(); err != nil {
		return err
	}
	nf := len(p.features)
	t.FeatureNames = make([]string, nf)
	for k, j := range p.features {
		t.FeatureNames[k] = p.header[j]
	}
	t.Stats = make([]Moments, nf)
	counts := make([][]int, nf) // by first-seen category id
	x := make([]float32, nf)
	fp := newRowHash()
	classIndex := p.classIndex()
	auto := classIndex == nil && p.opt.Task != TaskRegression
	numbers := auto && p.opt.Task != TaskClassification // every target value so far a number
	overflow := false                                   // more than MaxClasses distinct values: numeric
	var badNumber error                                 // the first target value that is not a number
	p.index = make(map[string]int)
	record := 0
	for {
		rec, err := p.nextRecord()
		if err != nil {
			return err
		}
		if rec == nil {
			break
		}
		missing, err := p.readFeatures(x, rec)
		if err != nil {
			return err
		}
		record++
		if missing && p.opt.Missing == MissingDrop {
			t.Dropped++
			continue
		}
		part := t.split.Part(record)
		t.Rows[part]++
		for k, v := range x {
			var cats []string
			if c := p.cats; c != nil && c[k] != nil {
				cats = c[k].names // in the order seen (or fixed)
			}
			fp.feature(v, cats)
		}
		var y float32
		if p.target >= 0 {
			fp.target(strings.TrimSpace(rec[p.target]))
		}
		switch {
		case p.target < 0: // features only (opt.Features, a file to predict)
		case !auto || overflow:
			if y, err = p.targetValue(rec, classIndex); err != nil {
				return err
			}
		default:
			raw := rec[p.target]
			s := strings.TrimSpace(raw)
			line, _ := p.cr.FieldPos(p.target)
			col := p.target + 1
			if s == "" {
				return p.errorf(line, col, "empty target value (column %s)", quote(p.header[p.target]))
			}
			id, ok := p.index[s]
			if !ok {
				if len(p.names) == MaxClasses && (!numbers || !isDecimal(s)) {
					return p.errorf(line, col, "target column %s has more than %d distinct labels, the limit of classes (MaxClasses)",
						quote(p.header[p.target]), MaxClasses)
				}
				if err := p.intern(line, col, s); err != nil {
					return err
				}
				if len(p.names) == MaxClasses { // numbers all: a measurement
					overflow = true
					y, err = p.targetValue(rec, nil)
					if err != nil {
						return err
					}
					break
				}
				id = p.addLabel(s, raw, line, col)
			} else {
				p.checkSpacing(id, raw, line, col)
			}
			decimal := isDecimal(s)
			if decimal || badNumber == nil { // a word's error is made once, not a record
				v, nerr := parseNumber(s)
				if nerr != nil && badNumber == nil {
					badNumber = p.errorf(line, col, "%v (column %s)", nerr, quote(p.header[p.target]))
				}
				y = v
			}
			numbers = numbers && decimal
		}
		if part != PartTrain {
			continue
		}
		t.Target.Add(float64(y))
		for k, v := range x {
			if math.IsNaN(float64(v)) {
				continue
			}
			t.Stats[k].Add(float64(v))
			if c := p.cats; c != nil && c[k] != nil && v >= 0 {
				if counts[k] == nil {
					counts[k] = make([]int, 0, 8)
				}
				for int(v) >= len(counts[k]) {
					counts[k] = append(counts[k], 0)
				}
				counts[k][int(v)]++
			}
		}
	}
	n := record - t.Dropped
	if n == 0 {
		if t.Dropped > 0 {
			return p.errorf(0, 0, "no data rows left: all %d have a missing value (--missing drop)", t.Dropped)
		}
		return p.errorf(0, 0, "no data rows after the header")
	}
	if err := p.scanCategories(t, counts); err != nil {
		return err
	}
	t.Fingerprint = fp.sum()
	switch {
	case p.target < 0:
		t.Classes, t.NoTarget, t.Target = p.opt.Classes, true, Moments{}
		return nil
	case classIndex != nil:
		t.Classes = p.opt.Classes
		t.Target = Moments{} // of class indices
		return nil
	case !auto || overflow:
		return nil // regression; the moments are the target's
	case p.opt.Task == TaskClassification || !p.numericTarget():
		if badNumber != nil {
			t.Target = Moments{}
		}
		return p.scanClasses(t)
	}
	if p.opt.Binary {
		return p.errorf(0, 0, "binary encoding needs a class target, column %s holds numbers (ask for classification)",
			quote(p.header[p.target]))
	}
	return badNumber // regression: every value must be a number
}

// scanCategories sorts the categories of each categorical feature as
// ReadCSV does, and t's statistics and counts with them.
func (p *csvParser) scanCategories(t *Table, counts [][]int) error {
	for k, c := range p.cats {
		if c == nil {
			continue
		}
		if t.Categories == nil {
			t.Categories = make([][]string, len(p.features))
			t.Counts = make([][]int, len(p.features))
		}
		t.Counts[k] = make([]int, len(c.names))
		if c.fixed {
			t.Categories[k] = c.names
			copy(t.Counts[k], counts[k])
			continue
		}
		sorted := slices.Clone(c.names)
		sortClasses(sorted)
		rank := make([]int, len(c.names))
		for i, name := range sorted {
			rank[c.index[name]] = i
		}
		for id, n := range counts[k] {
			t.Counts[k][rank[id]] = n
		}
		t.Categories[k] = sorted
	}
	for k, c := range p.cats {
		if c != nil {
			t.Stats[k] = Moments{} // of category indices: Counts says more
		}
	}
	return nil
}

// scanClasses sets t's classes from the target values read, sorted as
// ReadCSV sorts them.
func (p *csvParser) scanClasses(t *Table) error {
	if p.spaced != nil {
		return p.spaced
	}
	if len(p.names) < 2 {
		return p.errorf(0, 0, "only one class, %s, in target column %s; need at least 2",
			quote(p.names[0]), quote(p.header[p.target]))
	}
	t.Classes = slices.Clone(p.names)
	sortClasses(t.Classes)
	if p.opt.Binary && len(t.Classes) != 2 {
		return p.errorf(0, 0, "binary encoding needs 2 classes, column %s has %d (%s)",
			quote(p.header[p.target]), len(t.Classes), list(t.Classes))
	}
	return nil
}

// Reader reads the records of one part of a [Table], in the order of the
// file, pass after pass: [Reader.Next] gives one record at a time, raw (a
// feature's number, a categorical feature's category index, NaN for a
// missing value, as a [Dataset]'s X holds them) with its target (a class
// index, or a number), and [Reader.Reset] starts the next pass.
//
// A goroutine of its own reads and parses ahead, a few blocks of records,
// in order, while the caller works on the records before: a pass costs
// about the time of the slower of the two. Its buffers are allocated once
// and reused, pass after pass.
type Reader struct {
	t     *Table
	parts [3]bool // the parts read
	n     int     // their records

	// The producer's state (its goroutine's alone during a pass).
	rc     io.Closer
	p      *csvParser
	idx    *idxPass
	inTest bool // an IDX directory: the pass is in the t10k files
	cls    map[string]int
	rec    int // the record number of the last record read

	record int // the record number of the last record Next returned

	// The blocks: filled by the producer, emptied by Next.
	full, free chan *block
	stop       chan struct{}
	done       chan struct{}
	cur        *block
	pos        int
	err        error
}

// block is a run of records read ahead: n records' features and targets,
// and the error that ended the run (io.EOF at the end of the pass).
type block struct {
	x   []float32
	y   []float32
	rec []int // record numbers
	n   int
	err error
}

// Reading ahead: blocks of blockRows records, readBlocks of them.
const (
	blockRows  = 256
	readBlocks = 4
)

// Reader returns a reader of the records of parts (one or more), in the
// order of the file — of an IDX directory, the training files' (the
// training and validation parts), then the t10k files' (the test part) —
// positioned before the first. Close it when done.
func (t *Table) Reader(parts ...Part) *Reader {
	r := &Reader{t: t}
	for _, p := range parts {
		if !r.parts[p] {
			r.parts[p] = true
			r.n += t.Rows[p]
		}
	}
	return r
}

// Table returns the table the reader reads.
func (r *Reader) Table() *Table { return r.t }

// Len returns the number of records of the reader's parts.
func (r *Reader) Len() int { return r.n }

// Record returns the number of the record Next returned last: in a CSV
// file, its 1-based record number (the header and blank lines not counted,
// records dropped for a missing value counted, as [Dataset].Records counts
// them); in an IDX directory, its 1-based item number in the training
// files, the t10k files' items numbered on after them.
func (r *Reader) Record() int { return r.record }

// Reset starts a new pass: the next record is the part's first. It opens
// the input again and checks that it has not changed since the first pass
// (size and modification time, then the header).
func (r *Reader) Reset() error {
	r.Close()
	r.err, r.rec, r.record = nil, 0, 0
	if err := r.open(); err != nil {
		r.closeInput()
		r.err = err
		return err
	}
	if r.full == nil {
		r.full, r.free = make(chan *block, readBlocks), make(chan *block, readBlocks)
		nf := r.t.Features()
		for range readBlocks {
			r.free <- &block{x: make([]float32, blockRows*nf), y: make([]float32, blockRows), rec: make([]int, blockRows)}
		}
	}
	r.stop, r.done = make(chan struct{}), make(chan struct{})
	go r.produce()
	return nil
}

// open opens the input of a pass and reads its headers.
func (r *Reader) open() error {
	if r.t.idx != nil {
		r.inTest = !r.parts[PartTrain] && !r.parts[PartVal]
		ip, err := r.t.idx.reopen(r.inTest)
		if err != nil {
			return err
		}
		r.idx = ip
		return nil
	}
	src := r.t.csv
	rc, size, mod, err := src.open()
	if err != nil {
		return err
	}
	r.rc = rc
	if size != src.size || !mod.Equal(src.mod) {
		return fmt.Errorf("%s: the file changed since it was first read (%d bytes, then %d)", r.t.Name, src.size, size)
	}
	p, err := newCSVParser(ctxReader{r.t.ctx, rc}, r.t.Name, src.opt, MaxStreamBytes, true) // the first pass checked it with encoding/csv
	if err == nil {
		err = p.readHeader()
	}
	if err != nil {
		return fmt.Errorf("%s: the file changed since it was first read: %w", r.t.Name, err)
	}
	r.p, r.cls = p, p.classIndex()
	return nil
}

// produce reads the pass into blocks until its end, an error or stop.
func (r *Reader) produce() {
	defer close(r.done)
	nf := r.t.Features()
	for {
		var b *block
		select {
		case b = <-r.free:
		case <-r.stop:
			return
		}
		b.n, b.err = 0, nil
		for b.n < blockRows && b.err == nil {
			var y float32
			y, b.err = r.read(b.x[b.n*nf : (b.n+1)*nf])
			if b.err == nil {
				b.y[b.n], b.rec[b.n] = y, r.rec
				b.n++
			}
		}
		r.full <- b // never blocks: readBlocks blocks in all
		if b.err != nil {
			return
		}
	}
}

// Next reads the next record: its features into x (len Features, raw) and
// its target, a class index or a number (NaN when the file has no target
// column). It returns io.EOF after the last record of the reader's parts,
// and any error again once it has returned one.
func (r *Reader) Next(x []float32) (y float32, err error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.stop == nil {
		if err := r.Reset(); err != nil {
			return 0, err
		}
	}
	for r.cur == nil || r.pos == r.cur.n {
		if r.cur != nil {
			if r.cur.err != nil {
				r.err = r.cur.err
				return 0, r.err
			}
			r.free <- r.cur
		}
		r.cur, r.pos = <-r.full, 0
	}
	nf := len(x)
	copy(x, r.cur.x[r.pos*nf:(r.pos+1)*nf])
	y, r.record = r.cur.y[r.pos], r.cur.rec[r.pos]
	r.pos++
	return y, nil
}

// read reads the next record of the reader's parts directly (the
// producer's), and sets r.rec to its number.
func (r *Reader) read(x []float32) (float32, error) {
	if r.idx != nil {
		return r.readIDX(x)
	}
	p := r.p
	for {
		rec, err := p.nextRecord()
		if err != nil {
			return 0, err
		}
		if rec == nil {
			return 0, io.EOF
		}
		r.rec++
		if !r.parts[r.t.split.Part(r.rec)] {
			continue // another part's: its fields are not parsed
		}
		missing, err := p.readFeatures(x, rec)
		if err != nil {
			return 0, err
		}
		if missing && p.opt.Missing == MissingDrop {
			continue
		}
		if p.target < 0 {
			return float32(math.NaN()), nil
		}
		return p.targetValue(rec, r.cls)
	}
}

// readIDX is read for an IDX directory: the items of the training files
// in the reader's parts, then, for the test part, the t10k files'.
func (r *Reader) readIDX(x []float32) (float32, error) {
	s := r.t.idx
	for !r.inTest {
		y, item, err := r.idx.next(x, r.parts, r.t.split)
		if err == nil {
			r.rec = item
			return y, nil
		}
		if err != io.EOF || !r.parts[PartTest] {
			return 0, err
		}
		r.idx.close()
		r.idx = nil
		ip, err := s.reopen(true)
		if err != nil {
			return 0, err
		}
		r.idx, r.inTest = ip, true
	}
	y, item, err := r.idx.next(x, r.parts, r.t.split)
	r.rec = s.trainN + item
	return y, err
}

// Close ends the current pass and closes its input.
func (r *Reader) Close() error {
	if r.stop != nil {
		close(r.stop)
		<-r.done
		for len(r.full) > 0 { // the blocks back to the free list
			r.free <- <-r.full
		}
		if r.cur != nil {
			r.free <- r.cur
		}
		r.stop, r.done, r.cur, r.pos = nil, nil, nil, 0
	}
	return r.closeInput()
}

func (r *Reader) closeInput() error {
	var err error
	if r.rc != nil {
		err = r.rc.Close()
	}
	if r.idx != nil {
		err = r.idx.close()
	}
	r.rc, r.p, r.idx = nil, nil, nil
	return err
}

// TooLarge says whether [Load] would refuse spec for its size alone, and
// which limit: a CSV file larger than [MaxCSVBytes], or an IDX directory
// whose headers claim more than [MaxIDXItems] images in a file or
// [MaxIDXBytes] pixels in its two image files together. It returns "" when
// spec is within them, and for anything else (an embedded set, "-", a
// missing file, a header that is not one): Load then says what is wrong.
// Such data can be streamed ([ScanCSV], [ScanIDX]).
func TooLarge(spec string) string {
	if spec == "-" || isEmbedded(spec) {
		return ""
	}
	info, err := os.Stat(spec)
	switch {
	case err != nil:
		return ""
	case info.Mode().IsRegular():
		if info.Size() > MaxCSVBytes {
			return fmt.Sprintf("larger than %d MiB (data.MaxCSVBytes)", MaxCSVBytes>>20)
		}
		return ""
	case !info.IsDir():
		return ""
	}
	return idxTooLarge(spec, idxTrainImages, idxTestImages)
}

// TooLargeToLoadTest is [TooLarge] for [LoadTest]: of an IDX directory,
// only the t10k files count (LoadTest reads no other); anything else is as
// TooLarge says.
func TooLargeToLoadTest(spec string) string {
	if info, err := os.Stat(spec); err == nil && info.IsDir() {
		return idxTooLarge(spec, idxTestImages)
	}
	return TooLarge(spec)
}

// idxTooLarge is TooLarge for the image files names of the IDX directory
// dir.
func idxTooLarge(spec string, names ...string) string {
	var pixels uint64
	for _, name := range names {
		f, _, err := openIDXStream(spec, name)
		if err != nil {
			continue
		}
		h, err := func() ([]uint32, error) {
			defer f.Close()
			r, err := idxReader(f)
			if err != nil {
				return nil, err
			}
			return readIDXHeader(r, idxImagesMagic, 3)
		}()
		if err != nil {
			continue
		}
		image := uint64(h[1]) * uint64(h[2])
		if image == 0 || image > MaxIDXBytes {
			return "" // an image too large for either way: Load refuses it
		}
		if h[0] > MaxIDXItems {
			return fmt.Sprintf("more than %d images (data.MaxIDXItems)", MaxIDXItems)
		}
		pixels += uint64(h[0]) * image
	}
	if pixels > MaxIDXBytes {
		return fmt.Sprintf("more than %d pixels (data.MaxIDXBytes)", MaxIDXBytes)
	}
	return ""
}
