package main

import (
	"fmt"
	"os"
	"slices"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
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
	switch split {
	case "", splitTest, splitVal, splitTrain, splitAll:
	default:
		return nil, usagef("--split %q: want test, val, train or all", split)
	}
	pr := t.m.Provenance
	own := pr != nil && pr.Split != nil && data.SameRows(pr.Fingerprint, all)
	if !own {
		if split != "" && split != splitAll {
			return nil, usagef("--split %s: %s is not the data %s was trained on (another fingerprint), so it has no %s part; its rows are all new to the model (drop --split)", split, spec, t.path, split)
		}
		if test != nil && split == "" {
			return &part{test, seq(1, test.N+1), fmt.Sprintf("its %d test rows (the t10k files)", test.N)}, nil
		}
		if test != nil {
			all = concat(all, test)
		}
		return &part{all, seq(1, all.N+1), fmt.Sprintf("all %d rows", all.N)}, nil
	}
	trainIdx, valIdx, testIdx, err := splitRows(all, test, pr.Split)
	if err != nil {
		return nil, badInput(fmt.Errorf("%s: splitting %s again: %w", t.path, spec, err))
	}
	n := all.N
	if test != nil { // an IDX directory: the t10k rows follow the training files'
		n += test.N
		all = concat(all, test)
	}
	var idx []int
	var what string
	switch split {
	case "", splitTest:
		if testIdx == nil && pr.Split.TestData == "" {
			if split == splitTest {
				return nil, usagef("--split test: %s held out no test part of %s (train --test-split F or --test FILE holds one out); --split train|val|all here", t.path, spec)
			}
			idx, what = seq(0, n), fmt.Sprintf("all %d rows, the rows the model learnt from (train held out no test part, so this is not a test)", n)
			break
		}
		if testIdx == nil {
			return nil, usagef("the held-out test part of %s is not in %s, which trained it: it was read from %s (use --data %s, or --split train|val|all here)",
				t.path, spec, pr.Split.TestData, pr.Split.TestData)
		}
		idx, what = testIdx, fmt.Sprintf("the held-out test part, %d of its %d rows (the split recorded in the model; --split val|train|all for the others)", len(testIdx), n)
	case splitVal:
		if valIdx == nil {
			return nil, usagef("--split val: %s had no validation part split off %s", t.path, spec)
		}
		idx, what = valIdx, fmt.Sprintf("the validation part, %d of its %d rows (seen in training: it chose the epoch to keep)", len(valIdx), n)
	case splitTrain:
		idx, what = trainIdx, fmt.Sprintf("the training part, %d of its %d rows (the rows the model learnt from)", len(trainIdx), n)
	case splitAll:
		idx, what = seq(0, n), fmt.Sprintf("all %d rows, %d of which trained the model", n, len(trainIdx))
	}
	ids := make([]int, len(idx))
	for i, r := range idx {
		ids[i] = r + 1
	}
	return &part{all.Subset(idx), ids, what}, nil
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
