package data

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/backprop-go/backprop"
)

// Limits on the input of [ReadCSV]. A longer line or a larger input is
// refused with an error as soon as it is seen, without buffering it.
const (
	MaxLineBytes = 1 << 20 // longest line, in bytes, of a CSV input
	MaxCSVBytes  = 1 << 30 // largest CSV input, in bytes
)

// Limits on the targets a reader builds, checked before it allocates them.
const (
	MaxClasses = 1 << 10 // most classes of a target (one-hot width, K×K confusion matrix)
	MaxOneHot  = 1 << 25 // most values of a one-hot target matrix, rows × classes (128 MiB of float32)
)

// checkOneHot refuses a one-hot matrix of n rows and k classes beyond the
// limits.
func checkOneHot(n, k int) error {
	if k > MaxClasses {
		return fmt.Errorf("%d classes, more than the limit of %d (MaxClasses)", k, MaxClasses)
	}
	if n > MaxOneHot/k {
		return fmt.Errorf("%d rows × %d classes of one-hot targets, more than the limit of %d values (MaxOneHot)", n, k, MaxOneHot)
	}
	return nil
}

// MaxAutoClasses is the most distinct values a numeric target may have for
// [TaskAuto] to read it as class labels.
const MaxAutoClasses = 20

// Task says how to read the target column of a CSV file.
type Task string

// The tasks. The zero value, "", means [TaskAuto].
const (
	// TaskAuto reads the target as class labels if any of its values is not
	// a number, or if all are integers with at most [MaxAutoClasses]
	// distinct values; otherwise as a numeric (regression) target. So a
	// column of names, or of digits 0..9, is classification, and a column of
	// measurements is regression. Callers that know the task (say, from the
	// loss) should say so: a rating from 1 to 5 reads as 5 classes.
	TaskAuto Task = "auto"
	// TaskClassification reads every target value as a class name, numbers
	// included.
	TaskClassification Task = "classification"
	// TaskRegression reads every target value as a number.
	TaskRegression Task = "regression"
)

// CSVOptions configures [ReadCSV]. The zero value reads the last column as
// the target and detects the task.
type CSVOptions struct {
	// Target is the name of the target column; "" means the last column.
	Target string

	// Task is TaskAuto (or ""), TaskClassification or TaskRegression.
	Task Task

	// Binary encodes a two-class target as a single column: 0 for
	// Classes[0] and 1 for Classes[1]. A target with more classes, or a
	// regression target, is an error.
	Binary bool

	// Classes, if not nil, fixes the class names and their order, as at
	// prediction time with the classes of a trained model. A label not in
	// Classes is an error, and the data need not hold every class. It
	// implies classification.
	Classes []string

	// Features, if not nil, names the feature columns the file must have,
	// as at prediction time with the features of a trained model. The
	// columns may come in any order; X follows the order of Features. Every
	// other column must be the target (Target, or the last column when
	// Target is ""), or one of Ignore, and the target may be absent: then
	// the Dataset's Y and Labels are nil.
	Features []string

	// Sep is the field separator; 0 means detect it from the header line:
	// the one of ',' ';' tab '|' found most often outside quotes (',' when
	// none is). See [Separators].
	Sep rune

	// Ignore names columns to leave out: neither features nor the target
	// (an id, a free-text note). When Target is "", the target is the last
	// column not ignored. Without Features, every name must be a column of
	// the file; with Features, an ignored column may be absent.
	Ignore []string

	// Categories gives the categories of categorical feature columns, by
	// name, as at prediction time with a trained model's. Without it (and
	// without Features), a feature column none of whose values is a number
	// is categorical, its categories the values seen, sorted.
	Categories map[string][]string

	// Unknown is what a value of a categorical column not in Categories
	// becomes: "" (an error naming the column and the value) or "ignore"
	// (index −1: all zeros once one-hot encoded).
	Unknown string

	// Missing is what a missing feature value (an empty field, "NA" or "?")
	// does: MissingError (or "") refuses it, MissingDrop leaves its row out
	// (counted in Dataset.Dropped), MissingKeep reads it as NaN.
	Missing string
}

// The missing-value policies of [CSVOptions].
const (
	MissingError = "error"
	MissingDrop  = "drop"
	MissingKeep  = "keep"
)

// Separators are the field separators [ReadCSV] detects, in the order that
// breaks ties.
var Separators = []rune{',', ';', '\t', '|'}

// ParseError is an error at a place in a CSV input.
//
// Its message reads file:line:column: what, as in
//
//	digits.csv:17:4: "abc" is not a number (column "p3")
//
// Column is the 1-based field number, except for a syntax error found by
// encoding/csv (a stray quote), where it is the 1-based byte column that
// package reports. Line or Column is 0 when the error is about a whole file or
// line, and is then left out of the message.
type ParseError struct {
	File   string // the name given to ReadCSV
	Line   int    // 1-based line number
	Column int    // 1-based field number
	Err    error  // what is wrong
}

// Error returns the message, file:line:column: what.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns e.Err.
func (e *ParseError) Unwrap() error { return e.Err }

// ReadCSV reads a dataset from CSV text with a header row; name is used in
// error messages (usually the file name).
//
// Fields are separated by opt.Sep (detected from the header line when 0)
// and may be quoted as in RFC 4180; spaces before a field and around an
// unquoted value are ignored, as is a UTF-8 byte order mark.
// Every column except the target and the ignored ones must hold a finite
// number in every row (there is no notation for a missing value). Empty
// lines and lines of only spaces are skipped; line numbers in errors count
// them.
//
// The target column and the task are chosen by opt; see [CSVOptions] and
// [TaskAuto]. Class names are sorted numerically if all parse as numbers,
// else lexicographically, unless opt.Classes fixes them. Reading class labels
// needs at least two classes, unless opt.Classes is given.
func ReadCSV(r io.Reader, name string, opt CSVOptions) (*Dataset, error) {
	p, err := newCSVParser(r, name, opt, MaxCSVBytes, false)
	if err != nil {
		return nil, err
	}
	return p.read()
}

// newCSVParser checks opt and returns a parser of r, refusing it once it
// passes maxTotal bytes (and a line once it passes MaxLineBytes). It reads
// records with encoding/csv, or with a recordScanner (fast: input that
// encoding/csv has read once already).
func newCSVParser(r io.Reader, name string, opt CSVOptions, maxTotal int64, fast bool) (*csvParser, error) {
	if err := opt.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	lr := &limitReader{r: r, maxLine: MaxLineBytes, maxTotal: maxTotal}
	br := bufio.NewReaderSize(lr, 64<<10)
	sep, detected := opt.Sep, false
	if sep == 0 {
		sep, detected = detectSep(br), true
	}
	if fast {
		return &csvParser{name: name, opt: opt, cr: newRecordScanner(br, sep), sep: sep, detected: detected}, nil
	}
	cr := csv.NewReader(br)
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	return &csvParser{name: name, opt: opt, cr: cr, sep: sep, detected: detected}, nil
}

func (opt *CSVOptions) check() error {
	switch opt.Task {
	case "", TaskAuto, TaskClassification, TaskRegression:
	default:
		return fmt.Errorf("unknown task %q (want auto, classification, regression)", opt.Task)
	}
	if opt.Task == TaskRegression && opt.Classes != nil {
		return errors.New("class names given for a regression target")
	}
	if opt.Task == TaskRegression && opt.Binary {
		return errors.New("binary encoding asked for a regression target")
	}
	if opt.Classes != nil {
		if len(opt.Classes) > MaxClasses {
			return fmt.Errorf("%d class names given, more than the limit of %d (MaxClasses)", len(opt.Classes), MaxClasses)
		}
		if len(opt.Classes) < 2 {
			return fmt.Errorf("%d class names given; need at least 2", len(opt.Classes))
		}
		if opt.Binary && len(opt.Classes) != 2 {
			return fmt.Errorf("binary encoding needs 2 classes, %d given", len(opt.Classes))
		}
		if s, ok := duplicate(opt.Classes); ok {
			return fmt.Errorf("class %s given twice", quote(s))
		}
	}
	if s, ok := duplicate(opt.Features); ok {
		return fmt.Errorf("feature %s given twice", quote(s))
	}
	switch opt.Missing {
	case "", MissingError, MissingDrop, MissingKeep:
	default:
		return fmt.Errorf("missing-value policy %q: want error, drop or keep", opt.Missing)
	}
	switch opt.Unknown {
	case "", backprop.UnknownIgnore:
	default:
		return fmt.Errorf("unknown-category policy %q: want ignore or nothing", opt.Unknown)
	}
	if opt.Sep != 0 && !slices.Contains(Separators, opt.Sep) {
		return fmt.Errorf("separator %s: want one of %s", strconv.QuoteRune(opt.Sep), sepList())
	}
	if s, ok := duplicate(opt.Ignore); ok {
		return fmt.Errorf("column %s ignored twice", quote(s))
	}
	for _, s := range opt.Ignore {
		if s == opt.Target && s != "" {
			return fmt.Errorf("column %s is both the target and ignored", quote(s))
		}
		if slices.Contains(opt.Features, s) {
			return fmt.Errorf("column %s is both a feature and ignored", quote(s))
		}
	}
	return nil
}

// sepList names the separators for a message: ',', ';', '\t', '|'.
func sepList() string {
	q := make([]string, len(Separators))
	for i, r := range Separators {
		q[i] = strconv.QuoteRune(r)
	}
	return strings.Join(q, ", ")
}

// detectSep returns the separator of the header line at the start of br
// (read ahead, not consumed): the one of Separators found most often
// outside double quotes, ',' when none is. Blank lines before the header
// are passed over. It reads no further than the header line's end (or
// br's buffer), so a terminal or pipe is not waited on beyond it.
func detectSep(br *bufio.Reader) rune {
	count := make(map[rune]int)
	quoted, started := false, false
	seen := 0
	for {
		buf, err := br.Peek(min(br.Buffered()+1, br.Size()))
		for _, c := range string(buf[seen:]) { // a rune split across peeks counts as neither
			if c == '\n' && !quoted {
				if started {
					return mostFrequent(count)
				}
				continue
			}
			if c != ' ' && c != '\r' && c != '\uFEFF' {
				started = true
			}
			if c == '"' {
				quoted = !quoted
			} else if !quoted {
				count[c]++
			}
		}
		seen = len(buf)
		if err != nil || len(buf) == br.Size() {
			return mostFrequent(count)
		}
	}
}

func mostFrequent(count map[rune]int) rune {
	best := ','
	for _, r := range Separators {
		if count[r] > count[best] {
			best = r
		}
	}
	return best
}

func duplicate(names []string) (string, bool) {
	seen := make(map[string]bool, len(names))
	for _, s := range names {
		if seen[s] {
			return s, true
		}
		seen[s] = true
	}
	return "", false
}

// csvParser holds the state of one ReadCSV call.
type csvParser struct {
	name     string
	opt      CSVOptions
	cr       recordReader // encoding/csv's Reader, or a recordScanner
	sep      rune
	detected bool // sep was detected, not given

	header   []string
	features []int // header index of each feature, in X order
	target   int   // header index of the target, -1 if absent

	// The target values seen, interned: row i has value names[ids[i]],
	// first seen at pos[ids[i]].
	index map[string]int
	names []string
	pos   [][2]int
	ids   []int
	// raw is the first spelling of each value as in the file, spaces
	// included; spaced is the error of a value spelled with other spaces
	// around it, which classification refuses rather than merge two labels.
	raw    []string
	spaced error

	// cats[k] is the categorical state of feature k, nil for a numeric
	// one; numberAt[k] is where feature k first held a number (line, 0 if
	// never).
	cats     []*catColumn
	numberAt []int

	streaming bool  // a Table's first pass: the names kept are bounded by MaxNameBytes
	kept      int64 // bytes of the category and class names kept
}

// catColumn is a categorical feature column as it is read: its values
// interned in the order seen (or fixed by CSVOptions.Categories), and where
// its first value was.
type catColumn struct {
	index map[string]int
	names []string
	fixed bool
	first [2]int // line and value of the first word (for errors)
	word  string
}

// addLabel registers the class label s (raw as spelled in the file, at
// line and col) and returns its index.
func (p *csvParser) addLabel(s, raw string, line, col int) int {
	id := len(p.names)
	s = strings.Clone(s) // s points into the record
	p.index[s] = id
	p.names = append(p.names, s)
	p.raw = append(p.raw, strings.Clone(raw))
	p.pos = append(p.pos, [2]int{line, col})
	return id
}

// checkSpacing keeps, as p.spaced, the first label spelled with other
// spaces around it than label id was.
func (p *csvParser) checkSpacing(id int, raw string, line, col int) {
	if raw != p.raw[id] && p.spaced == nil {
		p.spaced = p.errorf(line, col, "label %s and label %s (line %d) differ only in spaces around them, and would be one class (column %s)",
			strconv.Quote(raw), strconv.Quote(p.raw[id]), p.pos[id][0], quote(p.header[p.target]))
	}
}

func (p *csvParser) errorf(line, col int, format string, args ...any) error {
	return &ParseError{File: p.name, Line: line, Column: col, Err: fmt.Errorf(format, args...)}
}

// wrap turns an error of the csv.Reader into a ParseError.
func (p *csvParser) wrap(err error) error {
	var le *limitError
	if errors.As(err, &le) {
		return &ParseError{File: p.name, Line: le.line, Err: le}
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{File: p.name, Line: pe.Line, Column: pe.Column, Err: pe.Err}
	}
	return &ParseError{File: p.name, Err: err}
}

func (p *csvParser) read() (*Dataset, error) {
	if err := p.readHeader(); err != nil {
		return nil, err
	}
	d := &Dataset{Features: len(p.features), FeatureNames: make([]string, len(p.features)), TargetName: p.targetName()}
	for k, j := range p.features {
		d.FeatureNames[k] = p.header[j]
	}
	classIndex := p.classIndex()
	var y []float32 // regression targets
	record := 0     // data records read, blank lines not counted
	p.index = make(map[string]int)
	for {
		rec, err := p.nextRecord()
		if err != nil {
			return nil, err
		}
		if rec == nil {
			break
		}
		row := len(d.X)
		d.X = slices.Grow(d.X, len(p.features))[:row+len(p.features)]
		missing, err := p.readFeatures(d.X[row:], rec)
		if err != nil {
			return nil, err
		}
		record++
		if missing && p.opt.Missing == MissingDrop {
			d.X = d.X[:row]
			if d.Dropped == 0 {
				d.Records = seq1(d.N)
			}
			d.Dropped++
			continue
		}
		if d.Dropped > 0 {
			d.Records = append(d.Records, record)
		}
		d.N++
		if p.target < 0 {
			continue
		}
		s := strings.TrimSpace(rec[p.target])
		line, _ := p.cr.FieldPos(p.target)
		col := p.target + 1
		switch {
		case s == "":
			return nil, p.errorf(line, col, "empty target value (column %s)", quote(p.header[p.target]))
		case classIndex != nil:
			c, err := p.targetValue(rec, classIndex)
			if err != nil {
				return nil, err
			}
			d.Labels = append(d.Labels, int(c))
		case p.opt.Task == TaskRegression:
			v, err := p.targetValue(rec, nil)
			if err != nil {
				return nil, err
			}
			y = append(y, v)
		default:
			raw := rec[p.target]
			id, ok := p.index[s]
			if !ok {
				id = p.addLabel(s, raw, line, col)
			} else {
				p.checkSpacing(id, raw, line, col)
			}
			p.ids = append(p.ids, id)
		}
	}
	if d.N == 0 {
		if d.Dropped > 0 {
			return nil, p.errorf(0, 0, "no data rows left: all %d have a missing value (--missing drop)", d.Dropped)
		}
		return nil, p.errorf(0, 0, "no data rows after the header")
	}
	if err := p.categories(d); err != nil {
		return nil, err
	}

	switch {
	case p.target < 0:
		d.Classes = p.opt.Classes
		switch {
		case p.opt.Binary:
			d.Outputs = 1
		case d.Classes != nil:
			d.Outputs = len(d.Classes)
		case p.opt.Task == TaskRegression:
			d.Outputs = 1
		}
		return d, nil
	case classIndex != nil:
		d.Classes = p.opt.Classes
	case p.opt.Task == TaskRegression:
		d.Y, d.Outputs = y, 1
		return d, nil
	case p.opt.Task == TaskClassification || !p.numericTarget():
		if err := p.classes(d); err != nil {
			return nil, err
		}
	default:
		if p.opt.Binary {
			return nil, p.errorf(0, 0, "binary encoding needs a class target, column %s holds numbers (ask for classification)",
				quote(p.header[p.target]))
		}
		if err := p.regression(d); err != nil {
			return nil, err
		}
		return d, nil
	}

	if p.opt.Binary {
		if len(d.Classes) != 2 {
			return nil, p.errorf(0, 0, "binary encoding needs 2 classes, column %s has %d (%s)",
				quote(p.header[p.target]), len(d.Classes), list(d.Classes))
		}
		d.Outputs = 1
		d.Y = make([]float32, d.N)
		for i, c := range d.Labels {
			d.Y[i] = float32(c)
		}
		return d, nil
	}
	if err := checkOneHot(d.N, len(d.Classes)); err != nil {
		return nil, p.errorf(0, 0, "column %s: %v", quote(p.header[p.target]), err)
	}
	d.Outputs = len(d.Classes)
	d.Y = make([]float32, d.N*d.Outputs)
	for i, c := range d.Labels {
		d.Y[i*d.Outputs+c] = 1
	}
	return d, nil
}

// classIndex maps the class names of opt.Classes to their indices; nil
// when the classes are not fixed.
func (p *csvParser) classIndex() map[string]int {
	if p.opt.Classes == nil {
		return nil
	}
	index := make(map[string]int, len(p.opt.Classes))
	for c, s := range p.opt.Classes {
		index[s] = c
	}
	return index
}

// nextRecord reads the next data record, blank lines passed over, with its
// fields counted and checked for UTF-8; nil at the end of the input.
func (p *csvParser) nextRecord() ([]string, error) {
	for {
		rec, err := p.cr.Read()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, p.wrap(err)
		}
		if blank(rec) {
			continue
		}
		if len(rec) != len(p.header) {
			return nil, p.fieldCountError(rec)
		}
		if err := p.checkUTF8(rec); err != nil {
			return nil, err
		}
		return rec, nil
	}
}

// readFeatures reads the features of rec into x, one value each (see
// feature), and reports whether one is missing.
func (p *csvParser) readFeatures(x []float32, rec []string) (missing bool, err error) {
	for k, j := range p.features {
		v, miss, err := p.feature(k, j, rec[j])
		if err != nil {
			return false, err
		}
		missing = missing || miss
		x[k] = v
	}
	return missing, nil
}

// targetValue reads the target of rec when the task is fixed: the index of
// its class in classIndex, or (classIndex nil) its number.
func (p *csvParser) targetValue(rec []string, classIndex map[string]int) (float32, error) {
	s := strings.TrimSpace(rec[p.target])
	line, _ := p.cr.FieldPos(p.target)
	col := p.target + 1
	switch {
	case s == "":
		return 0, p.errorf(line, col, "empty target value (column %s)", quote(p.header[p.target]))
	case classIndex != nil:
		c, ok := classIndex[s]
		if !ok {
			return 0, p.errorf(line, col, "label %s was not seen in training (column %s)", quote(s), quote(p.header[p.target]))
		}
		return float32(c), nil
	}
	v, err := parseNumber(s)
	if err != nil {
		return 0, p.errorf(line, col, "%v (column %s)", err, quote(p.header[p.target]))
	}
	return v, nil
}

// readHeader reads the header row and chooses the feature and target
// columns.
// targetName is the name of the target column, "" when there is none.
func (p *csvParser) targetName() string {
	if p.target < 0 {
		return ""
	}
	return p.header[p.target]
}

func (p *csvParser) readHeader() error {
	rec, err := p.cr.Read()
	for err == nil && blank(rec) {
		rec, err = p.cr.Read()
	}
	if err == io.EOF {
		return p.errorf(0, 0, "empty file (want a header row)")
	}
	if err != nil {
		return p.wrap(err)
	}
	if err := p.checkUTF8(rec); err != nil {
		return err
	}
	p.header = make([]string, len(rec))
	col := make(map[string]int, len(rec))
	for j, s := range rec {
		if j == 0 {
			s = strings.TrimPrefix(s, "\uFEFF")
		}
		s = strings.Clone(strings.TrimSpace(s))
		line, _ := p.cr.FieldPos(j)
		if s == "" {
			return p.errorf(line, j+1, "empty column name")
		}
		if k, ok := col[s]; ok {
			return p.errorf(line, j+1, "duplicate column name %s (also column %d)", quote(s), k+1)
		}
		col[s] = j
		p.header[j] = s
	}
	line, _ := p.cr.FieldPos(0)
	ignored := make(map[string]bool, len(p.opt.Ignore))
	for _, s := range p.opt.Ignore {
		ignored[s] = true
	}

	if p.opt.Features == nil {
		for _, s := range p.opt.Ignore {
			if _, ok := col[s]; !ok {
				return p.errorf(line, 0, "no column %s to ignore (columns: %s)%s", quote(s), list(p.header), p.sepHint())
			}
		}
		p.target = -1
		for j := len(p.header) - 1; j >= 0 && p.target < 0; j-- {
			if !ignored[p.header[j]] {
				p.target = j
			}
		}
		if p.opt.Target != "" {
			j, ok := col[p.opt.Target]
			if !ok {
				return p.errorf(line, 0, "no target column %s (columns: %s)%s", quote(p.opt.Target), list(p.header), p.sepHint())
			}
			p.target = j
		}
		if p.target < 0 {
			return p.errorf(line, 0, "every column is ignored")
		}
		for j, s := range p.header {
			if j != p.target && !ignored[s] {
				p.features = append(p.features, j)
			}
		}
		if len(p.features) == 0 {
			return p.errorf(line, 0, "no feature columns, only the target %s%s", quote(p.header[p.target]), p.sepHint())
		}
		return nil
	}

	// Check the header against the expected features.
	var missing, unexpected []string
	isFeature := make(map[string]bool, len(p.opt.Features))
	for _, s := range p.opt.Features {
		isFeature[s] = true
		j, ok := col[s]
		if !ok {
			missing = append(missing, s)
			continue
		}
		p.features = append(p.features, j)
	}
	p.target = -1
	last := len(p.header) - 1 // the last column not ignored
	for last >= 0 && ignored[p.header[last]] {
		last--
	}
	for j, s := range p.header {
		switch {
		case isFeature[s], ignored[s]:
		case s == p.opt.Target || p.opt.Target == "" && j == last:
			p.target = j
		default:
			unexpected = append(unexpected, s)
		}
	}
	if len(missing) > 0 && p.opt.Target == "" && p.target >= 0 && len(p.header) <= len(p.opt.Features) {
		// Without room for a target, the last column is more likely a
		// renamed feature: list it too.
		unexpected = append(unexpected, p.header[p.target])
	}
	switch {
	case len(missing) == 1 && len(unexpected) == 1:
		j := col[unexpected[0]]
		return p.errorf(line, j+1, "column %s is not a feature; want %s (renamed?)", quote(unexpected[0]), quote(missing[0]))
	case len(missing) > 0 && len(unexpected) > 0:
		return p.errorf(line, 0, "columns do not match the features: missing %s; unexpected %s%s", list(missing), list(unexpected), p.sepHint())
	case len(missing) > 0:
		return p.errorf(line, 0, "missing feature column(s) %s%s", list(missing), p.sepHint())
	case len(unexpected) > 0:
		return p.errorf(line, 0, "unexpected column(s) %s (want the features and the target)", list(unexpected))
	}
	if len(p.features) == 0 {
		return p.errorf(line, 0, "no feature columns")
	}
	return nil
}

// seq1 returns 1, 2 … n.
func seq1(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i + 1
	}
	return s
}

// isMissing reports whether a feature field means a missing value.
func isMissing(s string) bool { return s == "" || s == "NA" || s == "?" }

// feature reads field s of feature k (column j): its number, or its
// category's index; NaN when missing (miss).
func (p *csvParser) feature(k, j int, s string) (v float32, miss bool, err error) {
	if p.cats == nil {
		p.cats = make([]*catColumn, len(p.features))
		p.numberAt = make([]int, len(p.features))
		for k, j := range p.features {
			if cs, ok := p.opt.Categories[p.header[j]]; ok {
				c := &catColumn{index: make(map[string]int, len(cs)), names: cs, fixed: true}
				for i, name := range cs {
					c.index[name] = i
				}
				p.cats[k] = c
			}
		}
	}
	t := strings.TrimSpace(s)
	line, _ := p.cr.FieldPos(j)
	if isMissing(t) {
		if p.opt.Missing == "" || p.opt.Missing == MissingError {
			what := "empty field, want a number"
			if t != "" {
				what = quote(t) + " is not a number"
			}
			return 0, false, p.errorf(line, j+1, "%s (column %s): a missing value? --missing drop or mean accepts them", what, quote(p.header[j]))
		}
		return float32(math.NaN()), true, nil
	}
	c := p.cats[k]
	if c != nil && c.fixed {
		id, ok := c.index[t]
		if !ok {
			if p.opt.Unknown != backprop.UnknownIgnore {
				return 0, false, p.errorf(line, j+1, "unknown category %s in column %s (not seen in training; --unknown ignore encodes it as all zeros)",
					quote(t), quote(p.header[j]))
			}
			id = -1
		}
		return float32(id), false, nil
	}
	var num float32
	nerr := errWord // parseNumber's error, made only when needed: a word is not an error in a categorical column
	if isDecimal(t) {
		num, nerr = parseNumber(t)
	}
	if nerr == nil {
		if c != nil { // numbers and words: the first word is the error
			_, werr := parseNumber(c.word)
			return 0, false, p.errorf(c.first[0], c.first[1], "%v (column %s)", werr, quote(p.header[j]))
		}
		if p.numberAt[k] == 0 {
			p.numberAt[k] = line
		}
		return num, false, nil
	}
	if p.opt.Features != nil || p.numberAt[k] != 0 || isNonFinite(t) || isDecimal(t) {
		_, nerr = parseNumber(t)
		return 0, false, p.errorf(line, j+1, "%v (column %s)", nerr, quote(p.header[j]))
	}
	if c == nil {
		c = &catColumn{index: make(map[string]int), first: [2]int{line, j + 1}, word: strings.Clone(t)}
		p.cats[k] = c
	}
	id, ok := c.index[t]
	if !ok {
		if len(c.names) == backprop.MaxCategories {
			return 0, false, p.errorf(line, j+1, "column %s has more than %d categories, the limit (MaxCategories)", quote(p.header[j]), backprop.MaxCategories)
		}
		if err := p.intern(line, j+1, t); err != nil {
			return 0, false, err
		}
		id = len(c.names)
		t = strings.Clone(t)
		c.index[t] = id
		c.names = append(c.names, t)
	}
	return float32(id), false, nil
}

// intern counts the bytes of a category or class name kept, against
// MaxNameBytes when the parser streams (without a stream, the input's own
// limit bounds them).
func (p *csvParser) intern(line, col int, name string) error {
	p.kept += int64(len(name))
	if p.streaming && p.kept > maxNameBytes {
		return p.errorf(line, col, "more than %d MiB of distinct category and class names, the limit (data.MaxNameBytes)", MaxNameBytes>>20)
	}
	return nil
}

// categories sorts the categories of each categorical feature read (as
// class names are sorted), renumbers X to match, and checks the one-hot
// width against the budget.
func (p *csvParser) categories(d *Dataset) error {
	width := 0
	for k, c := range p.cats {
		if c == nil {
			continue
		}
		if d.Categories == nil {
			d.Categories = make([][]string, d.Features)
		}
		width += len(c.names)
		if c.fixed {
			d.Categories[k] = c.names
			continue
		}
		sorted := slices.Clone(c.names)
		sortClasses(sorted)
		rank := make([]float32, len(c.names))
		for i, name := range sorted {
			rank[c.index[name]] = float32(i)
		}
		for i := range d.N {
			if x := &d.X[i*d.Features+k]; *x >= 0 { // NaN (missing) stays
				*x = rank[int(*x)]
			}
		}
		d.Categories[k] = sorted
	}
	if width > 0 && d.N > MaxOneHot/width {
		return p.errorf(0, 0, "%d rows × %d categories of one-hot inputs, more than the limit of %d values (MaxOneHot)", d.N, width, MaxOneHot)
	}
	return nil
}

// sepHint is a hint for a header that the separator left in one piece
// while it holds another separator: "; is the file ';'-separated? ...".
func (p *csvParser) sepHint() string {
	if len(p.header) != 1 {
		return ""
	}
	for _, r := range Separators {
		if r != p.sep && strings.ContainsRune(p.header[0], r) {
			how := "given"
			if p.detected {
				how = "detected"
			}
			return fmt.Sprintf(" (the header is one column, with %s in it: is the file %s-separated? the separator %s was %s; say --sep %s)",
				strconv.QuoteRune(r), strconv.QuoteRune(r), strconv.QuoteRune(p.sep), how, sepFlag(r))
		}
	}
	return ""
}

// sepFlag spells a separator as the command line takes it.
func sepFlag(r rune) string {
	switch r {
	case '\t':
		return "tab"
	case '|', ';':
		return "'" + string(r) + "'"
	}
	return string(r)
}

// blank reports whether a record comes from a line of only spaces.
func blank(rec []string) bool {
	return len(rec) == 1 && strings.TrimSpace(rec[0]) == ""
}

// checkUTF8 refuses a record with a field that is not UTF-8 text, at its
// line and field, saying which byte.
func (p *csvParser) checkUTF8(rec []string) error {
	for j, f := range rec {
		if utf8.ValidString(f) {
			continue
		}
		k := 0
		for k < len(f) {
			r, size := utf8.DecodeRuneInString(f[k:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			k += size
		}
		line, _ := p.cr.FieldPos(j)
		return p.errorf(line, j+1, "invalid UTF-8: byte 0x%02x at byte %d of the field (the file must be UTF-8 text)", f[k], k+1)
	}
	return nil
}

func (p *csvParser) fieldCountError(rec []string) error {
	n := len(p.header)
	if len(rec) < n {
		line, _ := p.cr.FieldPos(len(rec) - 1)
		return p.errorf(line, len(rec)+1, "missing field for column %s (record has %d fields, header %d)",
			quote(p.header[len(rec)]), len(rec), n)
	}
	line, _ := p.cr.FieldPos(n)
	return p.errorf(line, n+1, "extra field %s (record has %d fields, header %d)", quote(rec[n]), len(rec), n)
}

// numericTarget reports whether the target should be read as numbers under
// TaskAuto: all values are numbers, and they are not all integers among at
// most MaxAutoClasses distinct values.
func (p *csvParser) numericTarget() bool {
	integers := true
	for _, s := range p.names {
		if isNonFinite(s) {
			integers = false // numeric: regression refuses it, with its place
			continue
		}
		if !isDecimal(s) {
			return false // not a number: class names
		}
		v, _ := strconv.ParseFloat(s, 64)
		if v != math.Trunc(v) || math.IsInf(v, 0) {
			integers = false
		}
	}
	return !integers || len(p.names) > MaxAutoClasses
}

// regression sets d's targets to the numeric target values.
func (p *csvParser) regression(d *Dataset) error {
	vals := make([]float32, len(p.names))
	for id, s := range p.names {
		v, err := parseNumber(s)
		if err != nil {
			return p.errorf(p.pos[id][0], p.pos[id][1], "%v (column %s)", err, quote(p.header[p.target]))
		}
		vals[id] = v
	}
	d.Outputs = 1
	d.Y = make([]float32, d.N)
	for i, id := range p.ids {
		d.Y[i] = vals[id]
	}
	return nil
}

// classes sets d's Classes and Labels from the target values, sorted
// numerically if all are numbers, else lexicographically.
func (p *csvParser) classes(d *Dataset) error {
	if p.spaced != nil {
		return p.spaced
	}
	if len(p.names) > MaxClasses {
		return p.errorf(0, 0, "target column %s has %d distinct labels, more than the limit of %d classes (MaxClasses)",
			quote(p.header[p.target]), len(p.names), MaxClasses)
	}
	if len(p.names) < 2 {
		return p.errorf(0, 0, "only one class, %s, in target column %s; need at least 2",
			quote(p.names[0]), quote(p.header[p.target]))
	}
	d.Classes = slices.Clone(p.names)
	sortClasses(d.Classes)
	rank := make(map[string]int, len(d.Classes))
	for c, s := range d.Classes {
		rank[s] = c
	}
	d.Labels = make([]int, d.N)
	for i, id := range p.ids {
		d.Labels[i] = rank[p.names[id]]
	}
	return nil
}

// sortClasses sorts class names numerically if all parse as numbers (ties
// broken by the text), else lexicographically.
func sortClasses(names []string) {
	vals := make(map[string]float64, len(names))
	for _, s := range names {
		if !isDecimal(s) {
			slices.Sort(names)
			return
		}
		vals[s], _ = strconv.ParseFloat(s, 64)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(vals[a], vals[b]), strings.Compare(a, b))
	})
}

// errWord marks a field that is not a number in decimal notation, before
// parseNumber says why.
var errWord = errors.New("not a number")

// parseNumber parses a feature or regression target: a finite number within
// the float32 range, spaces around it ignored.
func parseNumber(s string) (float32, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty field, want a number")
	}
	if !isDecimal(s) {
		if isNonFinite(s) {
			return 0, fmt.Errorf("%s is not a finite number", quote(s))
		}
		if strings.ContainsAny(s, "0123456789") {
			return 0, fmt.Errorf("%s is not a number in decimal or scientific notation", quote(s))
		}
		return 0, fmt.Errorf("%s is not a number", quote(s))
	}
	v, err := strconv.ParseFloat(s, 32)
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%s is out of the float32 range", quote(s))
	}
	if err != nil {
		return 0, fmt.Errorf("%s is not a number", quote(s))
	}
	return float32(v), nil
}

// ParseDecimal parses s, spaces around it ignored, as ReadCSV parses a
// feature, but into float64: a finite number in decimal or scientific
// notation.
func ParseDecimal(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if !isDecimal(s) {
		return 0, fmt.Errorf("%s is not a number in decimal or scientific notation", quote(s))
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is out of the float64 range", quote(s))
	}
	return v, nil
}

// isNonFinite reports whether s spells NaN or an infinity (in any case,
// with a sign or not), which are refused as values, never read as labels of
// a numeric column.
func isNonFinite(s string) bool {
	switch strings.ToLower(strings.TrimLeft(s, "+-")) {
	case "nan", "inf", "infinity":
		return true
	}
	return false
}

// isDecimal reports whether s is a number in decimal or scientific notation
// — [+-] digits [. digits] [(e|E) [+-] digits], with digits on at least one
// side of the point — the notation every CSV tool reads. Go's other
// spellings (1_000, 0x1p-2, Inf, NaN) are not.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	n := digits()
	if i < len(s) && s[i] == '.' {
		i++
		n += digits()
	}
	if n == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// quote quotes s for an error message, shortened if long.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		r := []rune(s)
		if len(r) > max {
			return strconv.Quote(string(r[:max])) + "..."
		}
	}
	return strconv.Quote(s)
}

// list quotes names for an error message, at most 20 of them.
func list(names []string) string {
	const max = 20
	var b strings.Builder
	for i, s := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == max {
			fmt.Fprintf(&b, "... (%d more)", len(names)-max)
			break
		}
		b.WriteString(quote(s))
	}
	return b.String()
}

// limitReader passes reads through, failing with a *limitError once a line
// exceeds maxLine bytes or the input exceeds maxTotal bytes.
type limitReader struct {
	r                 io.Reader
	maxLine, maxTotal int64
	total             int64
	line              int   // 1-based number of the current line
	lineLen           int64 // bytes of the current line so far
	err               error
}

type limitError struct {
	line int
	msg  string
}

func (e *limitError) Error() string { return e.msg }

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.line == 0 {
		l.line = 1
	}
	n, err := l.r.Read(p)
	l.total += int64(n)
	if l.total > l.maxTotal {
		l.err = &limitError{msg: fmt.Sprintf("input larger than %d bytes", l.maxTotal)}
		return 0, l.err
	}
	for b := p[:n]; len(b) > 0; {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			l.lineLen += int64(len(b))
			break
		}
		l.lineLen += int64(i)
		if l.lineLen > l.maxLine {
			break
		}
		l.line++
		l.lineLen = 0
		b = b[i+1:]
	}
	if l.lineLen > l.maxLine {
		l.err = &limitError{line: l.line, msg: fmt.Sprintf("line longer than %d bytes", l.maxLine)}
		return 0, l.err
	}
	return n, err
}
