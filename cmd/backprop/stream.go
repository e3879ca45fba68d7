package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"time"
	"unsafe"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/train"
)

// shuffleBytes is the memory the default shuffle buffer of --stream takes:
// as many examples (x⁰ and targets) as fit, at most train.DefaultShuffle.
const shuffleBytes = 64 << 20

// streamUsage and shuffleUsage are the help of --stream and
// --shuffle-buffer.
const (
	streamUsage = "stream the data from its file instead of reading it into memory, for data larger than memory (a CSV file or an IDX directory): " +
		"a first pass learns the columns, categories, classes and the training part's statistics, then every epoch reads the file again through a shuffle buffer; " +
		"validation and test parts by a hash of the record number (default: on for data too large to read into memory: a CSV file larger than data.MaxCSVBytes, an IDX directory beyond data.MaxIDXItems or data.MaxIDXBytes)"
	shuffleUsage = "with --stream: examples in the shuffle buffer (0: as many as fit in 64 MiB, at most 65536)"
)

// setupStream decides whether the run streams its data: --stream, or on its
// own for a CSV file too large to read into memory (unless --stream=false),
// and refuses what does not go with it.
func setupStream(fs *flag.FlagSet, f *trainFlags) error {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if !given["stream"] {
		if f.streamAuto = data.TooLarge(f.data); f.streamAuto != "" {
			f.stream = true
		}
	}
	if f.shuffle < 0 {
		return usagef("train: --shuffle-buffer %d: want a number of examples (0: the default)", f.shuffle)
	}
	if !f.stream {
		if given["shuffle-buffer"] {
			return usagef("train: --shuffle-buffer goes with --stream (the data in memory is shuffled whole)")
		}
		return nil
	}
	if f.data == "-" {
		return usagef("train: --stream: standard input cannot be read twice: write it to a file")
	}
	return nil
}

// streamed is what a streamed run reads: the table of --data (and of --val
// and --test files), the readers of its parts and how a record becomes an
// example.
type streamed struct {
	table           *data.Table
	train, val, tst *data.Reader
	first           time.Duration // the first pass
	bytes           int64         // read by the first passes
	values          []float64     // class index → number, when the loss reads numeric labels as numbers
	binary          bool          // two classes, one 0/1 output
	fingerprints    []string      // of the rows of --data, then of --val and --test files
}

// dataSum identifies the rows a streamed run reads, for its checkpoints
// (dataSHA256's part): the fingerprints of its files' rows. With the
// run's flags, which a resumed run takes from its checkpoint, they fix the
// parts, the pipeline and every example.
func (s *streamed) dataSum() string {
	h := sha256.New()
	for _, fp := range s.fingerprints {
		h.Write([]byte(fp + "\n"))
	}
	return "stream:" + hex.EncodeToString(h.Sum(nil))
}

// prepareStream is prepareData for a streamed run: a first pass over the
// data (and --val, --test files), then the pipeline fitted on the training
// part's statistics. The parts are shells: their counts and columns, no
// rows. ctx (^C) stops the first pass and every later one.
func prepareStream(ctx context.Context, f *trainFlags) (*dataParts, *streamed, error) {
	opt, J, err := readFlags(f)
	if err != nil {
		return nil, nil, err
	}
	info, statErr := os.Stat(f.data)
	idx := statErr == nil && info.IsDir()
	split := data.HashSplit{Seed: f.seed, Test: f.testSplit, Val: f.valSplit}
	if f.test != "" || idx {
		split.Test = 0
	}
	if f.val != "" {
		split.Val = 0
	}
	start := time.Now()
	var tab *data.Table
	if idx {
		if opt.Task == data.TaskRegression {
			return nil, nil, usagef("%s: IDX images are classification data, not regression", f.data)
		}
		tab, err = data.ScanIDX(ctx, f.data, split)
	} else {
		tab, err = data.ScanCSV(ctx, f.data, opt, split)
	}
	if err != nil {
		return nil, nil, badInput(err)
	}
	s := &streamed{table: tab, bytes: tab.Bytes, fingerprints: []string{tab.Fingerprint}}
	all := &data.Dataset{Features: tab.Features(), FeatureNames: tab.FeatureNames, Categories: tab.Categories, Classes: tab.Classes}
	all.Outputs = max(len(tab.Classes), 1)
	if err := targetSense(f, J, all, idx); err != nil {
		return nil, nil, err
	}
	if tab.Classes != nil && all.Classes == nil { // numeric labels read as numbers (--loss squared)
		for _, c := range tab.Classes {
			v, _ := strconv.ParseFloat(c, 32)
			s.values = append(s.values, float64(float32(v)))
		}
	}
	if J == backprop.Log && all.Classes != nil && len(all.Classes) != 2 {
		return nil, nil, usagef("train: --loss log needs two classes, %s has %d (use cross-entropy)", f.data, len(all.Classes))
	}
	s.binary = len(all.Classes) == 2 && (f.loss == "" || J == backprop.Log)
	if f.initModel != nil {
		s.binary = len(all.Classes) == 2 && f.initModel.Net.Outputs() == 1
	}
	if s.binary {
		all.Outputs = 1
	}
	p := &dataParts{all: all, loss: J, fingerprint: tab.Fingerprint}
	p.split = &backprop.Split{Seed: f.seed, Test: split.Test, Val: split.Val, Hashed: true, TestData: f.test, ValData: f.val}
	s.train = tab.Reader(data.PartTrain)
	s.val, s.tst = tab.Reader(data.PartVal), tab.Reader(data.PartTest)
	// --val and --test files: every record, with the training data's
	// features, categories and classes.
	for _, part := range []struct {
		flag, path string
		r          **data.Reader
	}{{"val", f.val, &s.val}, {"test", f.test, &s.tst}} {
		if part.path == "" {
			continue
		}
		popt := opt
		popt.Features, popt.Classes, popt.Categories = tab.FeatureNames, all.Classes, tableCategories(tab)
		popt.Task = data.TaskClassification
		if all.Classes == nil { // numbers, also labels that the loss reads as numbers
			popt.Task = data.TaskRegression
		}
		pt, err := data.ScanCSV(ctx, part.path, popt, data.HashSplit{})
		if err != nil {
			return nil, nil, badInput(err)
		}
		*part.r = pt.Reader(data.PartTrain)
		s.bytes += pt.Bytes
		s.fingerprints = append(s.fingerprints, part.flag+":"+pt.Fingerprint)
	}
	s.first = time.Since(start)
	shell := func(n int) *data.Dataset {
		return &data.Dataset{N: n, Features: all.Features, FeatureNames: all.FeatureNames, Outputs: all.Outputs, Classes: all.Classes}
	}
	p.train, p.test = shell(s.train.Len()), shell(s.tst.Len())
	if n := s.val.Len(); n > 0 {
		p.val = shell(n)
	}
	if p.test.N == 0 {
		p.test = nil
		if split.Test > 0 {
			return nil, nil, usagef("train: --test-split %g of %s left no test examples: raise it, or give --test FILE", f.testSplit, f.data)
		}
	}
	if err := fitStream(f, p, tab, s); err != nil {
		return nil, nil, err
	}
	return p, s, nil
}

// tableCategories returns the categories of a table's categorical features
// by name.
func tableCategories(t *data.Table) map[string][]string {
	d := &data.Dataset{FeatureNames: t.FeatureNames, Categories: t.Categories}
	return categoriesByName(d)
}

// fitStream fits the pipeline as scaleParts does, from the training part's
// statistics: the --missing mean fills, the input scaling (fills counted
// in), and a regression target's standardisation.
func fitStream(f *trainFlags, p *dataParts, tab *data.Table, s *streamed) error {
	kind := f.scale
	if kind == "" {
		kind = data.ScaleStandard
		if info, err := os.Stat(f.data); err == nil && info.IsDir() {
			kind = data.ScaleNone
		}
	}
	n := p.train.N
	nf := tab.Features()
	stats := slices.Clone(tab.Stats)
	if f.initModel != nil { // the weights were learnt on inputs encoded so
		p.scaler = initScaler(f.initModel)
		p.pipe = modelPipeline(f, p)
		p.train.Features = p.pipe.Width()
		p.ty = streamTargetScale(tab, p)
		return nil
	}
	if f.missing == "mean" {
		p.fills = make([]*float64, nf)
		for k := range nf {
			var fill float64
			switch {
			case tab.Categories != nil && tab.Categories[k] != nil:
				counts := tab.Counts[k]
				if slices.Max(counts) == 0 {
					return usagef("train: --missing mean: column %q has no value in the training part to fill from", tab.FeatureNames[k])
				}
				fill = float64(slices.Index(counts, slices.Max(counts)))
			case stats[k].N == 0:
				return usagef("train: --missing mean: column %q has no value in the training part to fill from", tab.FeatureNames[k])
			default:
				fill = float64(float32(stats[k].Mean)) // as the training part holds it
				var filled data.Moments
				for range n - stats[k].N {
					filled.Add(fill)
				}
				stats[k] = stats[k].Merge(filled)
			}
			p.fills[k] = &fill
		}
	}
	p.scaler = &data.Scaler{Kind: kind}
	switch kind {
	case data.ScaleNone:
	case data.ScaleStandard, data.ScaleMinMax:
		p.scaler.Offset, p.scaler.Scale = make([]float64, nf), make([]float64, nf)
		for k, m := range stats {
			spread := m.Std()
			p.scaler.Offset[k] = m.Mean
			if kind == data.ScaleMinMax {
				p.scaler.Offset[k], spread = m.Min, m.Max-m.Min
			}
			p.scaler.Scale[k] = 1
			if spread > 0 {
				p.scaler.Scale[k] = 1 / spread
			}
		}
	default:
		return usagef("train: --scale: unknown scaling %q (want standard, minmax, none)", kind)
	}
	p.pipe = modelPipeline(f, p)
	p.train.Features = p.pipe.Width()
	p.ty = streamTargetScale(tab, p)
	return nil
}

// streamTargetScale is the standardisation of a regression target, from
// the training part's moments (nil for classes).
func streamTargetScale(tab *data.Table, p *dataParts) *targetScale {
	if p.all.Classes != nil {
		return nil
	}
	std := tab.Target.Std()
	if std == 0 {
		std = 1
	}
	return &targetScale{mean: []float64{tab.Target.Mean}, std: []float64{std}}
}

// source is a part of a streamed table as a train.Source: each record
// encoded by the model's pipeline into x⁰, its target into y (one-hot, 0/1
// or standardised).
type source[T backprop.Float] struct {
	r      *data.Reader
	p      *dataParts
	s      *streamed
	raw    []float32
	values []float64 // class index → number (labels read as numbers), nil when the reader gives numbers
	// offset and scale of each feature when the pipeline only scales (no
	// category, no fill): x⁰_j = (x_j − offset_j)·scale_j, as Encode
	// computes it, without its per-feature dispatch.
	offset, scale []float64
}

func newSource[T backprop.Float](r *data.Reader, p *dataParts, s *streamed) *source[T] {
	src := &source[T]{r: r, p: p, s: s, raw: make([]float32, s.table.Features())}
	if r.Table() == s.table {
		src.values = s.values
	}
	if !p.pipe.Encoded() && len(p.pipe.Features) == len(src.raw) {
		for _, f := range p.pipe.Features {
			src.offset, src.scale = append(src.offset, f.Offset), append(src.scale, f.Scale)
		}
	}
	return src
}

func (src *source[T]) Len() int     { return src.r.Len() }
func (src *source[T]) Reset() error { return src.r.Reset() }

func (src *source[T]) Next(x, y []T) error {
	v, err := src.r.Next(src.raw)
	if err != nil {
		return err
	}
	if src.scale != nil {
		for j, v := range src.raw {
			x[j] = T((float64(v) - src.offset[j]) * src.scale[j])
		}
	} else {
		backprop.Encode(&src.p.pipe, x, src.raw)
	}
	switch {
	case src.p.ty != nil:
		t := float64(v)
		if src.values != nil {
			t = src.values[int(v)]
		}
		y[0] = T((t - src.p.ty.mean[0]) / src.p.ty.std[0])
	case src.s.binary:
		y[0] = T(v)
	default:
		clear(y)
		y[int(v)] = 1
	}
	return nil
}

// trainStreamed is trainWith for --stream.
func trainStreamed[T backprop.Float](ctx context.Context, f *trainFlags, cfg train.Config, start time.Time, stdout, stderr io.Writer) error {
	stop := announce(stdout, f.data, time.Second)
	parts, s, err := prepareStream(ctx, f)
	stop()
	if err != nil {
		return err
	}
	if err := checkTrainingRows(f, parts, stderr); err != nil {
		return err
	}
	net, err := design[T](f, parts)
	if err != nil {
		return err
	}
	cfg.Task = parts.task()
	if err := hookCheckpoint(f, net, &cfg, s.dataSum()); err != nil {
		return err
	}
	n := parts.train.N
	if cfg.Batch == 0 {
		cfg.Batch = train.FitBatch(n)
	}
	if cfg.Epochs == 0 { // no search on a stream: the cap that train.Fit would use
		cfg.Epochs = train.FitEpochs(n)
	}
	size := int(unsafe.Sizeof(T(0)))
	cfg.Shuffle = f.shuffle
	if cfg.Shuffle == 0 {
		cfg.Shuffle = max(1, min(train.DefaultShuffle, shuffleBytes/(size*(net.Inputs+net.Outputs()))))
	}
	cfg.Shuffle = min(cfg.Shuffle, parts.train.N)
	f.runFlags["shuffle-buffer"] = strconv.Itoa(cfg.Shuffle)
	parts.stream = s
	how := "--stream"
	if f.streamAuto != "" {
		how = "streamed: " + f.streamAuto
	}
	fmt.Fprintf(stdout, "data: %s (%s) — %d training, %d validation, %d test examples, parts by hashed record number; %d features; %s\n",
		f.data, how, parts.train.N, rows(parts.val), rows(parts.test), parts.all.Features, describeTarget(parts.all))
	mb := float64(s.bytes) / 1e6
	buffer := fmt.Sprintf("shuffle buffer of %d examples (%.1f MiB); the file is read again every epoch", cfg.Shuffle, float64(cfg.Shuffle*size*(net.Inputs+net.Outputs()))/(1<<20))
	if cfg.Mode == train.Batch {
		buffer = "batch mode: every step reads the file again, its gradient summed over all the training rows"
	}
	fmt.Fprintf(stdout, "stream: first pass %.1f MB in %.1fs (%.0f MB/s); %s\n", mb, s.first.Seconds(), mb/math.Max(s.first.Seconds(), 1e-9), buffer)
	if w := parts.pipe.Width(); parts.pipe.Encoded() && w != parts.all.Features {
		fmt.Fprintf(stdout, "inputs: %d (categorical features one-hot: %s)\n", w, describeCategories(parts.all))
	}
	from := ""
	if f.init != "" {
		from = " (the weights of " + f.init + ")"
	}
	fmt.Fprintf(stdout, "network: %s%s; loss %s; %s, %s, α = %g, %s, seed %d\n",
		describeNet(net), from, net.Loss, describeMode(cfg), cfg.Optimizer, cfg.Alpha, plural(cfg.Epochs, "epoch"), cfg.Seed)
	fmt.Fprintln(stdout, describePlan(n, cfg, false, parts))
	if f.resumed != nil {
		fmt.Fprintf(stdout, "resuming %s after epoch %d\n", f.resumed.dir, f.resumed.state.Epoch)
	}
	prog := newProgress(stdout, cfg.Epochs, parts.train.N)
	prog.mseUnit = parts.ty.mseUnit()
	cfg.OnRunning = prog.running
	cfg.OnEpoch = prog.epoch
	var val train.Source[T]
	if parts.val != nil {
		val = newSource[T](s.val, parts, s)
	}
	trainSrc := newSource[T](s.train, parts, s)
	res, trainErr := train.TrainSource(ctx, net, trainSrc, val, cfg)
	prog.done()
	for _, r := range []*data.Reader{s.train, s.val, s.tst} {
		r.Close()
	}
	var div *train.DivergedError
	if trainErr != nil && !errors.As(trainErr, &div) && !errors.Is(trainErr, context.Canceled) {
		return badInput(fmt.Errorf("train: %w", trainErr)) // the data (the file changed, or cannot be read)
	}
	if err := failedRun(f, res, trainErr); err != nil {
		return err
	}
	if parts.ty != nil {
		foldTarget(parts.ty, net)
	}
	return reportRun(f, parts, net, cfg, nil, res, trainErr, start, stdout, stderr)
}

// testMetrics scores net on the test part: in memory, or streamed.
func testMetrics[T backprop.Float](p *dataParts, net *backprop.Network[T], task train.Task) (train.Metrics, error) {
	if p.stream == nil {
		return train.Evaluate(net, toSet[T](p.test), task)
	}
	if p.test == nil {
		return train.Metrics{}, nil
	}
	// The model predicts in the target's units: the test part's targets
	// are not standardised.
	q := *p
	q.ty = nil
	if p.ty != nil {
		q.ty = &targetScale{mean: []float64{0}, std: []float64{1}}
	}
	m, err := train.EvaluateSource(net, newSource[T](p.stream.tst, &q, p.stream), task)
	p.stream.tst.Close()
	if err != nil {
		return m, badInput(fmt.Errorf("test part: %w", err))
	}
	return m, nil
}
