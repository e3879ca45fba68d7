package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/train"
)

// trained is a model file, as every verb that uses a model reads it.
type trained struct {
	path string
	m    *backprop.Model[float32]
	sep  rune // --sep of the data to read (0: detect)
}

func loadTrained(path string) (*trained, error) {
	if path == "" {
		return nil, usagef("--model FILE is required")
	}
	m, err := backprop.Load[float32](path)
	if err != nil {
		return nil, badInput(err)
	}
	t := &trained{path: path, m: m}
	if err := t.checkClasses(); err != nil {
		return nil, err
	}
	return t, nil
}

// The parts of the data --split selects.
const (
	splitTest  = "test"
	splitVal   = "val"
	splitTrain = "train"
	splitAll   = "all"
)

// part is the rows of --data a verb works on: raw (unscaled), with the ids
// of the rows in the source (1-based) and what they are, for the first line
// of the output.
type part struct {
	d    *data.Dataset
	ids  []int
	what string
}

// readData reads --data for a trained model: its features (by name, when the
// model has names) and classes, raw. On the data the model was trained
// from (recognised by its fingerprint), it splits them again as the model
// file records and returns the part split names ("" for the held-out test
// part); on other data, every row (an IDX directory: its t10k files).
// needTarget refuses data without a target column.
func (t *trained) readData(spec string, needTarget bool, split string) (*part, error) {
	m := t.m
	opt := readOptions(&m.Pipeline, m.Classifier(), t.sep)
	var p *part
	if info, err := os.Stat(spec); err == nil && info.IsDir() && (split == "" || split == splitTest) {
		// An IDX directory's test part is its t10k files, which train
		// never splits: the training files need not be read.
		d, err := data.LoadTest(spec, opt)
		if err != nil {
			return nil, badInput(err)
		}
		p = &part{d, seq(1, d.N+1), fmt.Sprintf("its %d test rows (the t10k files)", d.N)}
	} else {
		all, test, err := data.Load(spec, opt)
		if err != nil {
			return nil, badInput(err)
		}
		if p, err = t.choose(spec, all, test, split); err != nil {
			return nil, err
		}
		if all.Records != nil { // rows left out for a missing value: ids are the file's record numbers
			for i, id := range p.ids {
				p.ids[i] = all.Records[id-1]
			}
			p.what += fmt.Sprintf("; %d records with a missing value left out", all.Dropped)
		}
	}
	d := p.d
	if want := recordWidth(m); d.Features != want {
		return nil, usagef("%s has %d features, the model %s takes %d", spec, d.Features, t.path, want)
	}
	if needTarget && d.Y == nil {
		return nil, usagef("%s has no target column to evaluate against", spec)
	}
	if d.Y != nil && m.Net.Outputs() == 1 && len(m.Classes) == 2 {
		toBinary(d)
	}
	if d.Y != nil && d.Outputs != m.Net.Outputs() {
		return nil, usagef("%s has %d target columns, the model %s has %d outputs", spec, d.Outputs, t.path, m.Net.Outputs())
	}
	return p, nil
}

// choose picks the rows: a part of the model's own training data, or all.
func (t *trained) choose(spec string, all, test *data.Dataset, split string) (*part, error) {
	if err := checkSplit(split); err != nil {
		return nil, err
	}
	pr := t.m.Provenance
	own := pr != nil && pr.Split != nil && data.SameRows(pr.Fingerprint, all)
	if !own && test != nil && split == "" {
		return &part{test, seq(1, test.N+1), fmt.Sprintf("its %d test rows (the t10k files)", test.N)}, nil
	}
	var trainIdx, valIdx, testIdx []int
	if own {
		var err error
		if trainIdx, valIdx, testIdx, err = splitRows(all, test, pr.Split); err != nil {
			return nil, badInput(fmt.Errorf("%s: splitting %s again: %w", t.path, spec, err))
		}
	}
	if test != nil { // an IDX directory: the t10k rows follow the training files'
		all = concat(all, test)
	}
	which, what, err := t.chooseRows(spec, split, own, all.N, [3]int{len(trainIdx), len(valIdx), len(testIdx)}, valIdx != nil, testIdx != nil)
	if err != nil {
		return nil, err
	}
	idx := map[string][]int{splitTest: testIdx, splitVal: valIdx, splitTrain: trainIdx, splitAll: seq(0, all.N)}[which]
	ids := make([]int, len(idx))
	for i, r := range idx {
		ids[i] = r + 1
	}
	return &part{all.Subset(idx), ids, what}, nil
}

// checkSplit refuses a --split that names no part.
func checkSplit(split string) error {
	switch split {
	case "", splitTest, splitVal, splitTrain, splitAll:
		return nil
	}
	return usagef("--split %q: want test, val, train or all", split)
}

// chooseRows decides which rows of --data a verb works on, for the data
// read whole (choose) or streamed (scanData) alike: which is splitTest,
// splitVal, splitTrain or splitAll, and what says what they are. own says
// the data is the model's training data (by its fingerprint); n counts its
// rows and counts those of the training, validation and test parts as the
// model's split divides it; hasVal and hasTest say whether those parts are
// in this data.
func (t *trained) chooseRows(spec, split string, own bool, n int, counts [3]int, hasVal, hasTest bool) (which, what string, err error) {
	pr := t.m.Provenance
	if !own {
		if split != "" && split != splitAll {
			return "", "", usagef("--split %s: %s is not the data %s was trained on (another fingerprint), so it has no %s part; its rows are all new to the model (drop --split)", split, spec, t.path, split)
		}
		return splitAll, fmt.Sprintf("all %d rows", n), nil
	}
	switch split {
	case "", splitTest:
		if !hasTest && pr.Split.TestData == "" {
			if split == splitTest {
				return "", "", usagef("--split test: %s held out no test part of %s (train --test-split F or --test FILE holds one out); --split train|val|all here", t.path, spec)
			}
			return splitAll, fmt.Sprintf("all %d rows, the rows the model learnt from (train held out no test part, so this is not a test)", n), nil
		}
		if !hasTest {
			return "", "", usagef("the held-out test part of %s is not in %s, which trained it: it was read from %s (use --data %s, or --split train|val|all here)",
				t.path, spec, pr.Split.TestData, pr.Split.TestData)
		}
		return splitTest, fmt.Sprintf("the held-out test part, %d of its %d rows (the split recorded in the model; --split val|train|all for the others)", counts[data.PartTest], n), nil
	case splitVal:
		if !hasVal {
			return "", "", usagef("--split val: %s had no validation part split off %s", t.path, spec)
		}
		return splitVal, fmt.Sprintf("the validation part, %d of its %d rows (seen in training: it chose the epoch to keep)", counts[data.PartVal], n), nil
	case splitTrain:
		return splitTrain, fmt.Sprintf("the training part, %d of its %d rows (the rows the model learnt from)", counts[data.PartTrain], n), nil
	}
	return splitAll, fmt.Sprintf("all %d rows, %d of which trained the model", n, counts[data.PartTrain]), nil
}

// splitRows divides a source as s says: the rows (indices into all, then
// test's after all's) of the training, validation and test parts; a part
// not in this source is nil. all is the data as read, test the part an IDX
// directory comes with (nil for others). The train verb splits with it too,
// so that evaluate splits exactly as train did.
func splitRows(all, test *data.Dataset, s *backprop.Split) (trainIdx, valIdx, testIdx []int, err error) {
	if s.Hashed {
		return hashedRows(all, test, s)
	}
	trainIdx = seq(0, all.N)
	if test != nil {
		testIdx = seq(all.N, all.N+test.N)
	}
	if s.Test > 0 {
		if trainIdx, testIdx, err = data.SplitRows(all, s.Test, s.Seed, s.Stratified); err != nil {
			return nil, nil, nil, fmt.Errorf("test split: %w", err)
		}
	}
	if s.Val > 0 {
		in, out, err := data.SplitRows(all.Subset(trainIdx), s.Val, s.Seed+1, s.Stratified)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("validation split: %w", err)
		}
		pick := func(sub []int) []int {
			rows := make([]int, len(sub))
			for i, k := range sub {
				rows[i] = trainIdx[k]
			}
			return rows
		}
		trainIdx, valIdx = pick(in), pick(out)
	}
	return trainIdx, valIdx, testIdx, nil
}

// hashedRows is splitRows for a split by hashed record numbers, as a
// streamed run made it (data.HashSplit).
func hashedRows(all, test *data.Dataset, s *backprop.Split) (trainIdx, valIdx, testIdx []int, err error) {
	h := data.HashSplit{Seed: s.Seed, Test: s.Test, Val: s.Val}
	for i := range all.N {
		r := i + 1
		if all.Records != nil {
			r = all.Records[i]
		}
		switch h.Part(r) {
		case data.PartTrain:
			trainIdx = append(trainIdx, i)
		case data.PartVal:
			valIdx = append(valIdx, i)
		case data.PartTest:
			testIdx = append(testIdx, i)
		}
	}
	if test != nil {
		testIdx = seq(all.N, all.N+test.N)
	}
	if testIdx == nil && s.Test > 0 {
		testIdx = []int{} // a part of this source, which no record fell in
	}
	return trainIdx, valIdx, testIdx, nil
}

// seq returns lo, lo+1 … hi−1.
func seq(lo, hi int) []int {
	s := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		s = append(s, i)
	}
	return s
}

// concat returns the rows of a then b (the same features and classes).
func concat(a, b *data.Dataset) *data.Dataset {
	d := *a
	d.N = a.N + b.N
	d.X = slices.Concat(a.X, b.X)
	if a.Y != nil && b.Y != nil {
		d.Y = slices.Concat(a.Y, b.Y)
	}
	if a.Labels != nil && b.Labels != nil {
		d.Labels = slices.Concat(a.Labels, b.Labels)
	}
	return &d
}

// encode returns x⁰ for the raw rows of d (a scaled copy of X), as the
// model's pipeline computes it.
func encode[T backprop.Float](m *backprop.Model[float32], d *data.Dataset) []T {
	return backprop.Encode(&m.Pipeline, make([]T, d.N*m.Net.Inputs), d.X)
}

// recordWidth is the number of values of a model's raw record: one per
// feature (a categorical one gives several inputs), or the network's
// inputs when the model has no features.
func recordWidth[T backprop.Float](m *backprop.Model[T]) int {
	if m.Features != nil {
		return len(m.Features)
	}
	return m.Net.Inputs
}

// streamPart is the rows of --data a verb works on, streamed: a reader of
// the parts chosen, and what they are (as part says it).
type streamPart struct {
	tab    *data.Table
	r      *data.Reader
	what   string
	binary bool // two classes, one 0/1 output
}

// id returns the id of the record the reader gave last, as part's ids:
// its record number.
func (sp *streamPart) id() int { return sp.r.Record() }

// streamData says whether a verb streams --data: --stream if given, else
// when what readData would read of it is too large to read into memory
// (data.TooLarge; of an IDX directory's test part, data.TooLargeToLoadTest).
func streamData(fs *flag.FlagSet, stream bool, spec, split string) bool {
	given := false
	fs.Visit(func(fl *flag.Flag) { given = given || fl.Name == "stream" })
	if given {
		return stream
	}
	if split == "" || split == splitTest {
		return data.TooLargeToLoadTest(spec) != ""
	}
	return data.TooLarge(spec) != ""
}

// scanData is readData for data streamed: a first pass over the file (all
// its checks, and its fingerprint, which says whether it is the model's
// own training data), then a reader of the rows chosen, as readData
// chooses them; ctx (^C) stops every pass. The parts of a streamed run's
// split are found again by their hashed record numbers; those of a split
// drawn in memory cannot be (see drawnInMemory).
func (t *trained) scanData(ctx context.Context, spec string, needTarget bool, split string) (*streamPart, error) {
	if err := checkSplit(split); err != nil {
		return nil, err
	}
	if spec == "-" {
		return nil, usagef("--stream: standard input cannot be read twice (a first pass checks it, a second uses it): write it to a file")
	}
	m, pr := t.m, t.m.Provenance
	info, err := os.Stat(spec)
	idx := err == nil && info.IsDir()
	t10k := idx && (split == "" || split == splitTest) // an IDX directory's test part: its t10k files, whatever the split
	var hs data.HashSplit
	if pr != nil && pr.Split != nil && pr.Split.Hashed {
		hs = data.HashSplit{Seed: pr.Split.Seed, Test: pr.Split.Test, Val: pr.Split.Val}
	}
	var tab *data.Table
	opt := readOptions(&m.Pipeline, m.Classifier(), t.sep)
	switch {
	case idx && !m.Classifier():
		return nil, usagef("%s: IDX images are classification data, and %s is a regression model", spec, t.path)
	case t10k: // the training files need not be read
		tab, err = data.ScanIDXTest(ctx, spec, len(opt.Classes))
	case idx:
		hs.Test = 0 // the t10k files
		tab, err = data.ScanIDX(ctx, spec, hs)
	default:
		tab, err = data.ScanCSV(ctx, spec, opt, hs)
	}
	if err != nil {
		return nil, badInput(err)
	}
	sp := &streamPart{tab: tab}
	n := tab.Rows[data.PartTrain] + tab.Rows[data.PartVal] + tab.Rows[data.PartTest]
	var which string
	if t10k {
		which, sp.what = splitTest, fmt.Sprintf("its %d test rows (the t10k files)", tab.Rows[data.PartTest])
	} else {
		own := pr != nil && pr.Split != nil && pr.Split.Hashed && pr.Fingerprint == tab.Fingerprint
		counts, hasVal, hasTest := tab.Rows, tab.Rows[data.PartVal] > 0, own && (idx || hs.Test > 0)
		if pr != nil && pr.Split != nil && !pr.Split.Hashed && data.TooLarge(spec) == "" {
			// Read whole, the data could have trained the model: its
			// fingerprint as read whole says.
			fp, err := tab.LoadFingerprint()
			if err != nil {
				return nil, badInput(err)
			}
			if own = fp == pr.Fingerprint; own {
				if err := t.drawnInMemory(spec, split); err != nil {
					return nil, err
				}
				// No part is drawn: every row of the file (of an IDX
				// directory, its training files) is a training row.
				counts, hasVal, hasTest = [3]int{n - tab.Rows[data.PartTest], 0, tab.Rows[data.PartTest]}, false, idx
			}
		}
		if which, sp.what, err = t.chooseRows(spec, split, own, n, counts, hasVal, hasTest); err != nil {
			return nil, err
		}
		if tab.Dropped > 0 {
			sp.what += fmt.Sprintf("; %d records with a missing value left out", tab.Dropped)
		}
	}
	if want := recordWidth(m); tab.Features() != want {
		return nil, usagef("%s has %d features, the model %s takes %d", spec, tab.Features(), t.path, want)
	}
	if needTarget && tab.NoTarget {
		return nil, usagef("%s has no target column to evaluate against", spec)
	}
	if !tab.NoTarget {
		outputs := max(len(tab.Classes), 1)
		if m.Net.Outputs() == 1 && len(m.Classes) == 2 && len(tab.Classes) == 2 {
			outputs, sp.binary = 1, true
		}
		if outputs != m.Net.Outputs() {
			return nil, usagef("%s has %d target columns, the model %s has %d outputs", spec, outputs, t.path, m.Net.Outputs())
		}
	}
	parts := map[string][]data.Part{splitTest: {data.PartTest}, splitVal: {data.PartVal}, splitTrain: {data.PartTrain},
		splitAll: {data.PartTrain, data.PartVal, data.PartTest}}[which]
	sp.r = tab.Reader(parts...)
	return sp, nil
}

// drawnInMemory refuses a --split of the model's own training data that
// needs the parts its split drew in memory (shuffled, stratified by class:
// a function of every row), which a stream cannot draw again.
func (t *trained) drawnInMemory(spec, split string) error {
	s := t.m.Provenance.Split
	var draws bool
	switch split {
	case "", splitTest:
		draws = s.Test > 0
	case splitVal:
		draws = s.Val > 0
	default: // the training part, or all rows with its count
		draws = s.Test > 0 || s.Val > 0
	}
	if draws {
		return usagef("--stream: %s is the data %s was trained on, whose parts that run drew in memory (shuffled, stratified by class), which streaming cannot draw again: drop --stream (the file can be read into memory)", spec, t.path)
	}
	return nil
}

// sourceOf returns the chosen rows as a train.Source for model m (of the
// precision T): each record encoded by its pipeline into x⁰, its target
// in the model's units (one-hot, 0/1 or the number).
func sourceOf[T backprop.Float](sp *streamPart, m *backprop.Model[T]) train.Source[T] {
	p := &dataParts{pipe: m.Pipeline}
	if !m.Classifier() {
		p.ty = &targetScale{mean: []float64{0}, std: []float64{1}} // the model predicts in the target's units
	}
	return newSource[T](sp.r, p, &streamed{table: sp.tab, binary: sp.binary})
}
