package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/internal/inputfile"
	"github.com/backprop-go/backprop/plot"
	"github.com/backprop-go/backprop/train"
)

const trainSynopsis = `[--data FILE|DIR|NAME|-] [--target COL] [--sep ,] [--ignore COL,...] [--missing error|drop|mean]
                      [--unknown error|ignore] [--classes] [--hidden 100] [--activation relu]
                      [--init-scheme auto|glorot|he] [--loss cross-entropy] [--mode minibatch] [--batch N]
                      [--lr 0.001] [--optimizer adam|sgd|momentum|nesterov] [--l2 λ] [--epochs N] [--seed 1]
                      [--val-split F | --val FILE] [--patience 10] [--test FILE | --test-split F]
                      [--out model.json] [--history FILE] [--plot FILE.png|FILE.svg] [--health=false]
                      [--checkpoint DIR [--checkpoint-every 1]] [--resume DIR] [--stream [--shuffle-buffer N]]`

type trainFlags struct {
	data, target, hidden, activation, loss, mode, optimizer, schedule, scale string
	batch, epochs, patience, every                                           int
	lr, momentum, l2, l1, gamma, valSplit, testSplit, slope                  float64
	seed                                                                     uint64
	test, val, out, history, precision                                       string
	sep, ignore, missing, unknown                                            string // --sep, --ignore, --missing, --unknown
	classes                                                                  bool   // --classes: the target is class labels
	l2Given                                                                  bool   // --l2 given (else λ = train.FitL2(N) with chosen epochs, 0 otherwise)
	epochsGiven, batchGiven                                                  bool   // --epochs, --batch given (else chosen on the data)
	plot                                                                     string // --plot: the history as a picture
	health                                                                   bool   // --health: each layer's health every epoch
	init                                                                     string // --init: warm start from this model
	stream                                                                   bool   // --stream
	streamAuto                                                               string // why the data streams without --stream ("": it does not)
	shuffle                                                                  int    // --shuffle-buffer
	initScheme                                                               string // --init-scheme: how the initial weights are drawn

	initModel *backprop.Model[float64] // the model of --init

	checkpoint, resume string            // --checkpoint DIR, --resume DIR
	checkpointEvery    int               // --checkpoint-every N
	runFlags           map[string]string // every flag's value, saved in a checkpoint
	resumed            *checkpoint       // the checkpoint of --resume
}

func init() {
	commands["train"] = command{"train a network on a CSV file, an IDX directory or an embedded set", runTrain}
}

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f trainFlags
	fs := newFlags("train", trainSynopsis, stderr)
	fs.StringVar(&f.data, "data", "digits", "training data: a CSV file (- for standard input), a directory of IDX files, or an embedded set ("+strings.Join(data.EmbeddedNames(), ", ")+")")
	fs.StringVar(&f.target, "target", "", "the target column of a CSV file (default the last not ignored)")
	fs.StringVar(&f.sep, "sep", "", sepUsage)
	fs.BoolVar(&f.classes, "classes", false, "read the target as class labels, even numbers with many distinct values (which --loss cross-entropy otherwise refuses)")
	fs.StringVar(&f.missing, "missing", "error", "a missing feature value (an empty field, NA or ?): error, drop (leave the row out) or mean (fill in the training part's mean, or its most frequent category; kept in the model)")
	fs.StringVar(&f.unknown, "unknown", "error", "a category that training did not see, at predict or evaluate time: error, or ignore (all zeros); kept in the model")
	fs.StringVar(&f.ignore, "ignore", "", "CSV columns to leave out, comma-separated (an id, a note); the model remembers them, so predict and evaluate pass over them too")
	fs.StringVar(&f.hidden, "hidden", "100", "widths of the hidden layers, comma-separated (\"\" for none)")
	fs.StringVar(&f.activation, "activation", "relu", "activation of the hidden layers: identity, sigmoid, tanh, relu, leaky-relu, softmax")
	fs.Float64Var(&f.slope, "slope", 0.01, "slope of leaky-relu for z ≤ 0")
	fs.StringVar(&f.loss, "loss", "", "squared, log or cross-entropy (default: from the target: classes → cross-entropy with softmax, or log with sigmoid for two; numbers → squared)")
	fs.StringVar(&f.mode, "mode", "minibatch", "gradient descent mode: batch, sgd or minibatch")
	fs.IntVar(&f.batch, "batch", 0, "examples per step in minibatch mode (default: 32, or 128 above 10000 training rows)")
	f.lr = math.NaN() // the optimizer's default
	fs.Var(unsetFloat{&f.lr}, "lr", "learning `rate` α (default 0.001 with adam, 0.05 otherwise)")
	fs.StringVar(&f.optimizer, "optimizer", "adam", "sgd, momentum, nesterov or adam")
	fs.Float64Var(&f.momentum, "momentum", 0.9, "μ of momentum and nesterov")
	fs.Float64Var(&f.l2, "l2", 0, "L2 weight decay λ on weights, not biases (default: 10/N for N training rows when the epochs are chosen, else 0)")
	fs.Float64Var(&f.l1, "l1", 0, "L1 penalty λ₁: adds λ₁·sign(w) to each weight's gradient (not biases)")
	fs.StringVar(&f.schedule, "schedule", "constant", "learning-rate schedule: constant, step or cosine")
	fs.Float64Var(&f.gamma, "gamma", 0.1, "step schedule: the factor")
	fs.IntVar(&f.every, "every", 10, "step schedule: the period in epochs")
	fs.IntVar(&f.epochs, "epochs", 0, "passes over the training set (default: chosen on the data: 5-fold cross-validation of the training rows, or a 10% hold-out above 10000 rows, finds the epoch of the lowest validation loss, at most 200 (fewer for large sets), then all the training rows train for that many)")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the initial weights, the splits and the shuffling")
	fs.Float64Var(&f.valSplit, "val-split", 0, "fraction of the training part held out for validation, which then never trains the network: the model is the epoch of the lowest validation loss (default none: the epochs are chosen by cross-validation and all the rows train)")
	fs.StringVar(&f.val, "val", "", "a CSV file of validation examples (instead of --val-split)")
	fs.IntVar(&f.patience, "patience", 10, "stop after this many epochs without a better validation loss (0: never)")
	fs.StringVar(&f.test, "test", "", "a CSV file of test examples, scored after training")
	fs.Float64Var(&f.testSplit, "test-split", 0, "fraction of the data held out as a test part, scored after training (default none: every row trains; an IDX directory's t10k files are its test part)")
	fs.StringVar(&f.scale, "scale", "", "input scaling fitted on the training part: standard, minmax or none (default standard for CSV, none for IDX)")
	fs.StringVar(&f.out, "out", "model.json", "where to write the model")
	fs.StringVar(&f.history, "history", "", "also write the per-epoch metrics to this CSV file")
	fs.StringVar(&f.plot, "plot", "", "also draw the loss and accuracy (or R²) per epoch into this .png or .svg file")
	fs.StringVar(&f.precision, "precision", "float32", "float32 or float64")
	fs.BoolVar(&f.health, "health", true, "measure each layer's health every epoch (gradient RMS, update/weight, dead relu and saturated sigmoid/tanh units), print it, keep it in the history and warn of vanishing or exploding gradients, dead or saturated layers")
	fs.StringVar(&f.checkpoint, "checkpoint", "", "save the network and the trainer's state in this directory every --checkpoint-every epochs")
	fs.IntVar(&f.checkpointEvery, "checkpoint-every", 1, "epochs between checkpoints")
	fs.StringVar(&f.initScheme, "init-scheme", "auto", "how the initial weights are drawn from --seed: auto (by each layer's activation: He-uniform for relu and leaky-relu, Glorot-uniform for the others; biases drawn from Glorot's small bound), glorot (Glorot-uniform weights and biases on every layer, as scikit-learn's MLP) or he (as auto, biases 0)")
	fs.StringVar(&f.init, "init", "", "warm start: begin from this model file's weights (its network, input scaling, features and classes; the data must have them) instead of random ones")
	fs.StringVar(&f.resume, "resume", "", "continue the run checkpointed in this directory, with its flags (given flags must agree, but for --out, --history, --plot and --checkpoint*), to the same model file; "+
		"--epochs N beyond the run's extends it to epoch N, as if it had asked for N (a cosine schedule is then the N-epoch one for the epochs to come)")
	fs.BoolVar(&f.stream, "stream", false, streamUsage)
	fs.IntVar(&f.shuffle, "shuffle-buffer", 0, shuffleUsage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := setupCheckpoint(fs, &f); err != nil { // first: --resume takes the run's flags
		return err
	}
	if err := setupStream(fs, &f); err != nil {
		return err
	}
	if f.streamAuto != "" {
		f.runFlags["stream"] = "true"
	}
	lrGiven := false
	fs.Visit(func(fl *flag.Flag) {
		lrGiven = lrGiven || fl.Name == "lr"
		f.l2Given = f.l2Given || fl.Name == "l2"
		f.epochsGiven = f.epochsGiven || fl.Name == "epochs"
		f.batchGiven = f.batchGiven || fl.Name == "batch"
	})
	if err := checkTrainFlags(&f); err != nil {
		return err
	}
	if f.epochs == 0 && f.valSplit == 0 && f.val == "" && f.checkpoint != "" && !f.stream {
		return usagef("train: --checkpoint needs --epochs N: the run that chooses the epochs is not checkpointed")
	}
	if lrGiven && math.IsNaN(f.lr) { // NaN is the default's mark, not a rate
		return usagef("train: --lr NaN: want a positive, finite learning rate")
	}
	if err := setupInit(fs, &f); err != nil {
		return err
	}
	if err := checkOutPaths("train", [2]string{"out", f.out}, [2]string{"history", f.history}, [2]string{"plot", f.plot}); err != nil {
		return err
	}
	if err := checkOverwrites("train", []pathFlag{{"out", f.out}, {"history", f.history}, {"plot", f.plot}},
		pathFlag{"data", f.data}, pathFlag{"val", f.val}, pathFlag{"test", f.test}, pathFlag{"init", f.init}); err != nil {
		return err
	}
	if f.plot != "" {
		if err := plot.CheckPath(f.plot); err != nil {
			return usagef("train: --plot %v", err)
		}
	}
	if f.val != "" {
		f.valSplit = 0
	}
	if f.valSplit == 0 && f.val == "" {
		patienceSet := false
		fs.Visit(func(fl *flag.Flag) { patienceSet = patienceSet || fl.Name == "patience" })
		if patienceSet && f.patience > 0 {
			return usagef("train: --patience needs a validation set (--val-split > 0)")
		}
		f.patience = 0
	}
	switch f.precision {
	case "float32":
		return trainWith[float32](ctx, &f, stdout, stderr)
	case "float64":
		return trainWith[float64](ctx, &f, stdout, stderr)
	}
	return usagef("train: --precision %q: want float32 or float64", f.precision)
}

// trainWith is the run: the data, the network's design, the training, and
// the report (the model file and what it printed).
func trainWith[T backprop.Float](ctx context.Context, f *trainFlags, stdout, stderr io.Writer) error {
	start := time.Now()
	cfg, err := trainConfig(f)
	if err != nil {
		return err
	}
	if f.stream {
		return trainStreamed[T](ctx, f, cfg, start, stdout, stderr)
	}
	stop := announce(stdout, f.data, time.Second)
	parts, err := prepareData(f)
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
	// Everything checked before the first line of output: the resumed
	// checkpoint included.
	if err := hookCheckpoint(f, net, &cfg, dataSHA256(parts.train, parts.val)); err != nil {
		return err
	}
	n := parts.train.N
	if cfg.Batch == 0 {
		cfg.Batch = train.FitBatch(n)
	}
	chosen := cfg.Epochs == 0 && parts.val == nil // the epochs chosen on the data (train.Fit)
	if chosen && !f.l2Given {
		cfg.L2 = train.FitL2(n)
	}
	if cfg.Epochs == 0 { // with a validation part: at most this many, keeping the best
		cfg.Epochs = train.FitEpochs(n)
	}
	fmt.Fprintf(stdout, "data: %s — %d training, %d validation, %d test examples; %d features; %s\n",
		f.data, n, rows(parts.val), rows(parts.test), parts.all.Features, describeTarget(parts.all))
	if w := parts.pipe.Width(); parts.pipe.Encoded() && w != parts.all.Features {
		fmt.Fprintf(stdout, "inputs: %d (categorical features one-hot: %s)\n", w, describeCategories(parts.all))
	}
	from := ""
	if f.init != "" {
		from = " (the weights of " + f.init + ")"
	}
	l2 := ""
	if cfg.L2 > 0 {
		l2 = fmt.Sprintf(", L2 λ = %.3g", cfg.L2)
		if !f.l2Given {
			l2 += " (10/N)"
		}
	}
	epochs := plural(cfg.Epochs, "epoch")
	if chosen {
		epochs = "epochs chosen below"
	}
	fmt.Fprintf(stdout, "network: %s%s; loss %s; %s, %s, α = %g%s, %s, seed %d\n",
		describeNet(net), from, net.Loss, describeMode(cfg), cfg.Optimizer, cfg.Alpha, l2, epochs, cfg.Seed)
	fmt.Fprintln(stdout, describePlan(n, cfg, chosen, parts))
	if f.resumed != nil {
		fmt.Fprintf(stdout, "resuming %s after epoch %d\n", f.resumed.dir, f.resumed.state.Epoch)
	}
	prog := newProgress(stdout, cfg.Epochs, n)
	prog.mseUnit = parts.ty.mseUnit()
	cfg.OnRunning = prog.running
	cfg.OnEpoch = prog.epoch
	var res train.Result
	var trainErr error
	var plan *train.Plan
	if chosen {
		opt := train.FitOptions{KeepL2: true, OnSearch: prog.search, OnPlan: func(p train.Plan) {
			prog.done()
			prog.epochs, prog.epochNo = p.Epochs, 1
			fmt.Fprintln(stdout, describeChoice(p, parts.task()))
		}}
		var p train.Plan
		p, res, trainErr = train.Fit(ctx, net, toSet[T](parts.train), cfg, opt)
		plan, cfg.Epochs = &p, p.Epochs
		if trainErr != nil && p.Epochs == 0 { // the search failed: net is the untrained network
			prog.done()
			if errors.Is(trainErr, context.Canceled) {
				return fmt.Errorf("interrupted while choosing the epochs (%v); nothing written to %s: %w", trainErr, f.out, context.Canceled)
			}
			return fmt.Errorf("%w%v; nothing written to %s", errFailed, trainErr, f.out)
		}
	} else {
		res, trainErr = train.Train(ctx, net, toSet[T](parts.train), toSet[T](parts.val), cfg)
	}
	prog.done()
	if err := failedRun(f, res, trainErr); err != nil {
		return err
	}
	if parts.ty != nil {
		foldTarget(parts.ty, net)
	}
	return reportRun(f, parts, net, cfg, plan, res, trainErr, start, stdout, stderr)
}

// describePlan is the line under the header that says how the epochs are
// decided and which rows train the network.
func describePlan(n int, cfg train.Config, chosen bool, p *dataParts) string {
	test := "no test part (--test FILE or --test-split F for one)"
	if p.test != nil {
		test = fmt.Sprintf("the %d test rows score it after training", p.test.N)
	}
	switch {
	case chosen && n <= train.FitCVRows:
		return fmt.Sprintf("validation: %d-fold cross-validation of the %d training rows finds the epoch of the lowest validation loss (at most %d), then all %d rows train for that many; %s",
			min(train.FitFolds, n), n, cfg.Epochs, n, test)
	case chosen:
		return fmt.Sprintf("validation: a hold-out of a tenth of the %d training rows finds the epoch of the lowest validation loss (at most %d), then all %d rows train for that many; %s",
			n, cfg.Epochs, n, test)
	case p.val != nil:
		return fmt.Sprintf("validation: %d rows, which do not train the network; at most %s, keeping the weights of the lowest validation loss; %s", p.val.N, plural(cfg.Epochs, "epoch"), test)
	}
	return fmt.Sprintf("validation: none; %s on all %d training rows; %s", plural(cfg.Epochs, "epoch"), n, test)
}

// describeChoice is the line that reports the epochs chosen, and the
// validation figure that estimates the model's quality.
func describeChoice(p train.Plan, task train.Task) string {
	best := make([]string, len(p.Best))
	for i, b := range p.Best {
		best[i] = strconv.Itoa(b)
	}
	fig := fmt.Sprintf("accuracy %.4f", p.Estimate.Accuracy)
	if task == train.TaskRegression {
		fig = fmt.Sprintf("R² %.4f", p.Estimate.R2)
	}
	if p.Folds > 0 {
		return fmt.Sprintf("cross-validation: lowest validation loss at epochs %s of the %d folds, median %d; %s (%.4f–%.4f) on the held-out folds, an estimate for new rows; training on all %d rows for %s",
			strings.Join(best, ", "), p.Folds, p.Epochs, fig, p.Range[0], p.Range[1], p.Rows, plural(p.Epochs, "epoch"))
	}
	return fmt.Sprintf("hold-out: lowest validation loss at epoch %s; %s on the %d held-out rows, an estimate for new rows; training on all %d rows for %s",
		best[0], fig, p.Holdout, p.Rows, plural(p.Epochs, "epoch"))
}

// failedRun is the error of a run that writes nothing: a failed run writes
// nothing, but for a divergence (the best finite state, if one beat the
// initial weights) and an interruption (the model so far), which reportRun
// writes and reports.
func failedRun(f *trainFlags, res train.Result, trainErr error) error {
	var div *train.DivergedError
	var rerr *train.ResumeError
	switch {
	case errors.As(trainErr, &rerr):
		return usagef("train: --resume %s: %v", f.resume, trainErr)
	case errors.As(trainErr, &div) && res.Kept == 0:
		return fmt.Errorf("%w%v; no epoch was better than the initial weights: nothing written to %s", errFailed, trainErr, f.out)
	case trainErr != nil && div == nil && !errors.Is(trainErr, context.Canceled):
		return trainErr
	}
	return nil
}

// trainConfig is the trainer's configuration from the flags, checked before
// any data is read.
func trainConfig(f *trainFlags) (train.Config, error) {
	cfg := train.Config{Mode: train.Mode(f.mode), Batch: f.batch, Epochs: f.epochs, Alpha: f.lr,
		Optimizer: train.Optimizer(f.optimizer), L2: f.l2, L1: f.l1, Schedule: train.Schedule(f.schedule),
		Gamma: f.gamma, Every: f.every, Seed: f.seed, Patience: f.patience, Health: f.health}
	if cfg.Optimizer == train.Momentum || cfg.Optimizer == train.Nesterov {
		cfg.Momentum = f.momentum
	}
	if math.IsNaN(cfg.Alpha) {
		cfg.Alpha = 0.05
		if cfg.Optimizer == train.Adam {
			cfg.Alpha = 0.001
		}
	}
	check := cfg
	check.Epochs, check.Batch = max(cfg.Epochs, 1), max(cfg.Batch, 1) // 0: chosen from the data
	if err := check.Validate(); err != nil {
		return cfg, usagef("train: %v", err) // bad --mode, --optimizer, --lr ... before reading any data
	}
	return cfg, nil
}

// dataParts is the data of a run: every row as read, the training,
// validation and test parts (scaled, the regression target of the first two
// standardised), and how they were made.
type dataParts struct {
	all, train, val, test *data.Dataset
	fingerprint           string
	split                 *backprop.Split
	scaler                *data.Scaler
	pipe                  backprop.Pipeline // the model's input pipeline (scaleParts)
	fills                 []*float64        // --missing mean: each feature's fill
	ty                    *targetScale      // nil for classification
	loss                  backprop.Loss
	stream                *streamed // --stream: the parts are shells (counts, no rows), read from here
}

func (p *dataParts) task() train.Task {
	if p.all.Classes != nil {
		return train.TaskClassification
	}
	return train.TaskRegression
}

// prepareData reads --data and divides it into training, validation and
// test parts (splitRows, as evaluate divides it again), then scales them
// (scaleParts).
func prepareData(f *trainFlags) (*dataParts, error) {
	opt, J, err := readFlags(f)
	if err != nil {
		return nil, err
	}
	all, test, err := data.Load(f.data, opt)
	if err != nil {
		return nil, badInput(err)
	}
	if err := targetSense(f, J, all, test != nil); err != nil {
		return nil, err
	}
	return splitData(f, opt, J, all, test)
}

// readFlags are the reader's options and the loss that the flags of train
// ask for.
func readFlags(f *trainFlags) (opt data.CSVOptions, J backprop.Loss, err error) {
	opt = data.CSVOptions{Target: f.target}
	if opt.Sep, err = parseSep("train", f.sep); err != nil {
		return opt, J, err
	}
	if opt.Ignore, err = parseIgnore(f.ignore); err != nil {
		return opt, J, err
	}
	if opt.Missing, opt.Unknown, err = missingFlags(f.missing, f.unknown); err != nil {
		return opt, J, err
	}
	if m := f.initModel; m != nil { // the data must have the model's features and classes
		opt.Target, opt.Features, opt.Classes = m.Target, m.FeatureNames(), m.Classes
		opt.Categories = categoriesOf(&m.Pipeline)
		opt.Task = data.TaskClassification
		if !m.Classifier() {
			opt.Task = data.TaskRegression
		}
	}
	if f.classes && f.initModel == nil {
		opt.Task = data.TaskClassification
	}
	if f.loss != "" {
		if J, err = backprop.ParseLoss(f.loss); err != nil {
			return opt, J, usagef("train: --loss: %v", err)
		}
		if J != backprop.Squared {
			opt.Task = data.TaskClassification
		} else if f.initModel == nil && !f.classes {
			opt.Task = data.TaskAuto // class labels that are words train on one-hot targets
		}
	}
	return opt, J, nil
}

// splitData divides the data read into training, validation and test
// parts, and scales them.
func splitData(f *trainFlags, opt data.CSVOptions, J backprop.Loss, all, test *data.Dataset) (*dataParts, error) {
	p := &dataParts{all: all, loss: J, fingerprint: data.Fingerprint(all)}
	binary := len(all.Classes) == 2 && (f.loss == "" || J == backprop.Log)
	if f.initModel != nil {
		binary = len(all.Classes) == 2 && f.initModel.Net.Outputs() == 1
	}
	if J == backprop.Log && all.Classes != nil && len(all.Classes) != 2 {
		return nil, usagef("train: --loss log needs two classes, %s has %d (use cross-entropy)", f.data, len(all.Classes))
	}
	// readPart reads a --test or --val file with the training data's
	// features and classes.
	readPart := func(flagName, path string) (*data.Dataset, error) {
		popt := opt
		popt.Features, popt.Classes = all.FeatureNames, all.Classes
		popt.Categories = categoriesByName(all)
		if all.Classes == nil {
			popt.Task = data.TaskRegression
		}
		d, err := readCSVFile(path, popt)
		if err != nil {
			return nil, badInput(err)
		}
		if d.Y == nil {
			return nil, usagef("train: --%s %s has no target column", flagName, path)
		}
		return d, nil
	}
	stratified := all.Classes != nil
	p.split = &backprop.Split{Seed: f.seed, Test: f.testSplit, Val: f.valSplit, Stratified: stratified,
		TestData: f.test, ValData: f.val}
	if f.test != "" || test != nil {
		p.split.Test = 0
	}
	if f.val != "" {
		p.split.Val = 0
	}
	trainIdx, valIdx, testIdx, err := splitRows(all, test, p.split)
	if err != nil {
		return nil, usagef("train: %v (see --test-split, --val-split)", err)
	}
	p.train, p.test = all.Subset(trainIdx), test
	if test == nil && testIdx != nil {
		p.test = all.Subset(testIdx)
	}
	if valIdx != nil {
		p.val = all.Subset(valIdx)
	}
	if f.test != "" {
		if p.test, err = readPart("test", f.test); err != nil {
			return nil, err
		}
	}
	if f.val != "" {
		if p.val, err = readPart("val", f.val); err != nil {
			return nil, err
		}
	}
	if binary {
		for _, d := range []*data.Dataset{p.all, p.train, p.val, p.test} {
			toBinary(d)
		}
	}
	return p, scaleParts(f, p)
}

// endWarnings are the warnings of a run that used all its epochs: no epoch
// beat the initial weights on the validation loss (the model is then the
// untrained network), or the loss (validation, else training) still fell
// at the last epoch, by more than 0.1% of the best before it, as
// scikit-learn's ConvergenceWarning says.
func endWarnings(h []train.Epoch, best int, val bool) []string {
	if len(h) == 0 {
		return nil
	}
	if val && best == 0 {
		return []string{"no epoch beat the initial weights on the validation loss: the model written is the untrained network (try another --lr, --epochs or --seed)"}
	}
	if len(h) < 2 {
		return nil
	}
	loss, what := func(e train.Epoch) float64 { return e.Train.Loss }, "training"
	if val && h[0].Val != nil {
		loss, what = func(e train.Epoch) float64 { return e.Val.Loss }, "validation"
	}
	before := math.Inf(1)
	for _, e := range h[:len(h)-1] {
		before = min(before, loss(e))
	}
	last := h[len(h)-1]
	if l := loss(last); l < before-1e-3*math.Abs(before) {
		return []string{fmt.Sprintf("the %s loss was still falling at the last epoch, %d (%.4g, from %.4g before it): more --epochs may help",
			what, last.Epoch, l, before)}
	}
	return nil
}

// checkTrainingRows refuses splits that leave fewer than two training rows
// (or fewer than the classes), and warns when the held-out parts outnumber
// the training part.
func checkTrainingRows(f *trainFlags, p *dataParts, stderr io.Writer) error {
	n, held := p.train.N, rows(p.val)
	if p.split.Test > 0 {
		held += rows(p.test)
	}
	want := 2
	if p.all.Classes != nil {
		want = max(want, len(p.all.Classes))
	}
	if n < want {
		return usagef("train: --val-split %g and --test-split %g leave %s of %d to train on (want at least %d): lower them",
			f.valSplit, p.split.Test, plural(n, "row"), p.all.N, want)
	}
	if held > n {
		fmt.Fprintf(stderr, "warning: %d rows are held out (--val-split %g, --test-split %g) and only %d train the network\n",
			held, f.valSplit, p.split.Test, n)
	}
	return nil
}

// targetSense checks that the loss suits the target as read: cross-entropy
// or log on a target of many distinct numbers (or fractions) is refused
// unless --classes says they are classes; squared loss on class labels
// that are all numbers (not an IDX directory's digits, not --classes) reads
// them as numbers, so a numeric target is regression.
func targetSense(f *trainFlags, J backprop.Loss, d *data.Dataset, idx bool) error {
	if d.Classes == nil || f.classes || f.initModel != nil || f.loss == "" || idx {
		return nil
	}
	integers := true
	for _, c := range d.Classes {
		v, err := strconv.ParseFloat(c, 32)
		if _, derr := data.ParseDecimal(c); derr != nil || err != nil {
			return nil // a label that is not a number: classes
		}
		integers = integers && v == math.Trunc(v)
	}
	if J != backprop.Squared {
		if integers && len(d.Classes) <= data.MaxAutoClasses {
			return nil
		}
		what := "distinct numbers"
		if !integers {
			what = "distinct numbers, not all whole"
		}
		return usagef("train: --loss %s: the target of %s holds %d %s (a measurement?): --loss squared for regression, or --classes to train on them as %d classes",
			f.loss, f.data, len(d.Classes), what, len(d.Classes))
	}
	vals := make([]float32, len(d.Classes))
	for k, c := range d.Classes {
		v, _ := strconv.ParseFloat(c, 32)
		vals[k] = float32(v)
	}
	d.Y = make([]float32, d.N)
	for i, k := range d.Labels {
		d.Y[i] = vals[k]
	}
	d.Outputs, d.Classes, d.Labels = 1, nil, nil
	return nil
}

// scaleParts fits the input scaling on the training part (or takes the
// --init model's) and applies it to every part, and standardises a
// regression target of the training and validation parts.
func scaleParts(f *trainFlags, p *dataParts) error {
	kind := f.scale
	if kind == "" {
		kind = data.ScaleStandard
		if info, err := os.Stat(f.data); err == nil && info.IsDir() {
			kind = data.ScaleNone
		}
	}
	var err error
	if f.initModel == nil && f.missing == "mean" {
		if err := fillMissing(p); err != nil {
			return err
		}
	}
	if f.initModel != nil {
		p.scaler = initScaler(f.initModel) // the weights were learnt on inputs scaled so
	} else if p.scaler, err = data.FitScaler(p.train, kind); err != nil {
		return usagef("train: --scale: %v", err)
	}
	p.pipe = modelPipeline(f, p)
	for _, d := range []*data.Dataset{p.train, p.val, p.test} {
		if d == nil {
			continue
		}
		if p.pipe.Encoded() {
			encodeParts(&p.pipe, d)
			continue
		}
		if err := p.scaler.Apply(d); err != nil {
			return badInput(err)
		}
	}
	if p.all.Classes == nil {
		p.ty = fitTargetScale(p.train)
		p.ty.apply(p.train)
		p.ty.apply(p.val)
	}
	return nil
}

// modelPipeline is the model's input pipeline: the features of p.all
// scaled by p.scaler, one-hot for a categorical one, filled by p.fills, the
// columns ignored and the missing- and unknown-value policies of the
// flags; or the --init model's.
func modelPipeline(f *trainFlags, p *dataParts) backprop.Pipeline {
	if f.initModel != nil {
		return f.initModel.Pipeline
	}
	pipe := p.scaler.Pipeline(p.all)
	pipe.Ignore, _ = parseIgnore(f.ignore) // checked by readFlags
	if f.missing != "error" {
		pipe.Missing = f.missing
	}
	if f.unknown == "ignore" {
		pipe.Unknown = backprop.UnknownIgnore
	}
	for j := range pipe.Features {
		ft := &pipe.Features[j]
		if p.all.Categories != nil && p.all.Categories[j] != nil {
			ft.Offset, ft.Scale, ft.Categories = 0, 1, p.all.Categories[j]
		}
		if p.fills != nil {
			ft.Fill = p.fills[j]
		}
	}
	return pipe
}

// design builds the network: the hidden layers of the flags, and the output
// layer and loss that the target calls for.
func design[T backprop.Float](f *trainFlags, p *dataParts) (*backprop.Network[T], error) {
	if m := f.initModel; m != nil {
		return initNetwork[T](f, p)
	}
	hidden, err := parseWidths(f.hidden)
	if err != nil {
		return nil, err
	}
	act, err := backprop.ParseActivation(f.activation)
	if err != nil {
		return nil, usagef("train: --activation: %v", err)
	}
	all := p.all
	out := backprop.LayerSpec{Units: all.Outputs}
	var J backprop.Loss
	switch {
	case all.Classes == nil:
		out.Activation, J = backprop.Identity, backprop.Squared
		if f.loss != "" && p.loss != backprop.Squared {
			return nil, usagef("train: --loss %s needs class labels, %s has a numeric target", f.loss, f.data)
		}
	case all.Outputs == 1:
		out.Activation, J = backprop.Sigmoid, backprop.Log
	case f.loss == "squared":
		out.Activation, J = backprop.Softmax, backprop.Squared
	default:
		out.Activation, J = backprop.Softmax, backprop.CrossEntropy
	}
	widths := append(append([]int{p.train.Features}, hidden...), out.Units)
	if _, err := backprop.CountParams(widths...); err != nil {
		return nil, usagef("train: --hidden %s: %v", f.hidden, err)
	}
	if err := checkTrainMemory(widths, int(unsafe.Sizeof(T(0))), f); err != nil {
		return nil, err
	}
	var specs []backprop.LayerSpec
	for _, n := range hidden {
		specs = append(specs, backprop.LayerSpec{Units: n, Activation: act, Slope: f.slope})
	}
	net, err := backprop.New[T](p.train.Features, J, f.seed, append(specs, out)...)
	if err != nil {
		return nil, usagef("train: %v", err)
	}
	scheme, err := backprop.ParseInitScheme(f.initScheme)
	if err != nil {
		return nil, usagef("train: --init-scheme: %v", err)
	}
	net.InitWith(f.seed, scheme)
	return net, nil
}

// reportRun writes the model file (also after a divergence, the best finite
// state, or an interruption, the model so far), the history and its plot,
// and the test score.
func reportRun[T backprop.Float](f *trainFlags, p *dataParts, net *backprop.Network[T], cfg train.Config, plan *train.Plan,
	res train.Result, trainErr error, start time.Time, stdout, stderr io.Writer) error {
	m, err := trainedModel(f, p, net, cfg, res.History)
	if err != nil {
		return err
	}
	if err := m.Save(f.out); err != nil {
		return fmt.Errorf("writing the model: %w", err)
	}
	task := p.task()
	if f.history != "" {
		if err := writeHistory(f.history, res.History); err != nil {
			return fmt.Errorf("writing the history: %w", err)
		}
	}
	if f.plot != "" && len(res.History) > 0 {
		if err := plot.History(f.plot, res.History, task); err != nil {
			return fmt.Errorf("drawing the history: %w", err)
		}
		fmt.Fprintf(stdout, "history plot written to %s\n", f.plot)
	}
	var div *train.DivergedError
	switch {
	case errors.As(trainErr, &div):
		by := "training"
		if p.val != nil {
			by = "validation"
		}
		return fmt.Errorf("%w%v; kept the weights of epoch %d (the lowest %s loss), written to %s", errFailed, trainErr, res.Kept, by, f.out)
	case trainErr != nil:
		return fmt.Errorf("interrupted (%v); the model so far is in %s: %w", trainErr, f.out, context.Canceled)
	}
	if res.EarlyStopped {
		fmt.Fprintf(stdout, "early stop: no better validation loss for %s; keeping epoch %d\n", plural(cfg.Patience, "epoch"), res.BestEpoch)
	} else if res.BestEpoch > 0 {
		fmt.Fprintf(stdout, "keeping the weights of epoch %d (lowest validation loss)\n", res.BestEpoch)
	}
	var warnings []string
	if plan != nil {
		warnings = plan.Warnings()
	} else if !res.EarlyStopped {
		warnings = endWarnings(res.History, res.BestEpoch, p.val != nil)
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning: "+w)
	}
	if p.test != nil {
		tm, err := testMetrics(p, net, task)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "test (%d examples): %s\n", p.test.N, describeScore(tm.Score, task))
	}
	fmt.Fprintf(stdout, "model written to %s (%.1fs in all)\n", f.out, time.Since(start).Seconds())
	return nil
}

// trainedModel is the model of a run: the network, the pipeline that the
// data and its scaling give, and the provenance of the run.
func trainedModel[T backprop.Float](f *trainFlags, p *dataParts, net *backprop.Network[T], cfg train.Config, history []train.Epoch) (*backprop.Model[T], error) {
	pipe := p.pipe
	pipe.Target = f.target
	h := slices.Clone(history)
	for i := range h {
		h[i].Seconds = 0 // no times: the same data, flags and seed give the same file
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	histJSON, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	flags := maps.Clone(f.runFlags)
	for _, k := range []string{"out", "history", "plot", "checkpoint", "checkpoint-every", "resume"} {
		delete(flags, k) // where the run wrote, not how it trained
	}
	m, err := backprop.NewModel(net, pipe)
	if err != nil {
		return nil, err
	}
	m.Provenance = &backprop.Provenance{Data: f.data, Fingerprint: p.fingerprint, Split: p.split,
		Flags: flags, Config: cfgJSON, History: histJSON}
	return m, nil
}

// targetScale standardizes a regression target for training, y' = (y − mean)/std
// per output, so that one learning rate suits any target's units. After
// training it is folded into the identity output layer (W ← std·W,
// b ← std·b + mean), so the model predicts in the target's own units.
type targetScale struct{ mean, std []float64 }

// mseUnit is what turns an MSE on the standardised target into the
// target's units: its variance; 0 for nil (classification). The CLI's
// targets are one column (exact); for several it would be the mean of
// their variances.
func (t *targetScale) mseUnit() float64 {
	if t == nil || len(t.std) == 0 {
		return 0
	}
	var v float64
	for _, s := range t.std {
		v += s * s
	}
	return v / float64(len(t.std))
}

func fitTargetScale(d *data.Dataset) *targetScale {
	t := &targetScale{mean: make([]float64, d.Outputs), std: make([]float64, d.Outputs)}
	for k := range d.Outputs {
		var s, ss float64
		for i := range d.N {
			s += float64(d.Y[i*d.Outputs+k])
		}
		t.mean[k] = s / float64(d.N)
		for i := range d.N {
			v := float64(d.Y[i*d.Outputs+k]) - t.mean[k]
			ss += v * v
		}
		t.std[k] = math.Sqrt(ss / float64(d.N))
		if t.std[k] == 0 {
			t.std[k] = 1
		}
	}
	return t
}

func (t *targetScale) apply(d *data.Dataset) {
	if d == nil {
		return
	}
	for i := range d.N {
		for k := range d.Outputs {
			y := &d.Y[i*d.Outputs+k]
			*y = float32((float64(*y) - t.mean[k]) / t.std[k])
		}
	}
}

// foldTarget folds t into net's identity output layer L:
// o = std·(W a + b) + mean = (std·W) a + (std·b + mean).
func foldTarget[T backprop.Float](t *targetScale, net *backprop.Network[T]) {
	out := net.Layers[net.L()-1]
	if out.B == nil {
		out.B = make([]T, out.Out)
	}
	for i := range out.Out {
		for j := range out.In {
			out.W[i*out.In+j] = T(float64(out.W[i*out.In+j]) * t.std[i])
		}
		out.B[i] = T(float64(out.B[i])*t.std[i] + t.mean[i])
	}
}

// toBinary encodes a two-class dataset's targets as one 0/1 column, for a
// single sigmoid output with the log loss.
func toBinary(d *data.Dataset) {
	if d == nil || len(d.Classes) != 2 || d.Outputs == 1 {
		return
	}
	d.Y = d.Y[:d.N]
	for i, c := range d.Labels {
		d.Y[i] = float32(c)
	}
	d.Outputs = 1
}

func readCSVFile(path string, opt data.CSVOptions) (*data.Dataset, error) {
	file, err := inputfile.Open(path, data.MaxCSVBytes, "data.MaxCSVBytes")
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return data.ReadCSV(file, path, opt)
}

func toSet[T backprop.Float](d *data.Dataset) train.Set[T] {
	if d == nil {
		return train.Set[T]{}
	}
	return train.Set[T]{X: convertTo[T](d.X), Y: convertTo[T](d.Y), N: d.N}
}

// convertTo returns s as []T, without a copy when T is float32.
func convertTo[T backprop.Float](s []float32) []T {
	if out, ok := any(s).([]T); ok {
		return out
	}
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = T(v)
	}
	return out
}

func rows(d *data.Dataset) int {
	if d == nil {
		return 0
	}
	return d.N
}

func parseWidths(s string) ([]int, error) {
	var widths []int
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1<<16 {
			return nil, usagef("train: --hidden %q: %q is not a width from 1 to 65536", s, f)
		}
		widths = append(widths, n)
	}
	return widths, nil
}

func describeTarget(d *data.Dataset) string {
	if d.Classes == nil {
		return "numeric target (regression)"
	}
	if len(d.Classes) <= 10 {
		return fmt.Sprintf("%d classes (%s)", len(d.Classes), strings.Join(d.Classes, ", "))
	}
	return fmt.Sprintf("%d classes", len(d.Classes))
}

func describeNet[T backprop.Float](net *backprop.Network[T]) string {
	parts := []string{strconv.Itoa(net.Inputs)}
	for _, lay := range net.Layers {
		parts = append(parts, fmt.Sprintf("%d %s", lay.Out, lay.Activation))
	}
	return strings.Join(parts, " → ")
}

func describeMode(cfg train.Config) string {
	switch cfg.Mode {
	case train.MiniBatch, "":
		return fmt.Sprintf("mini-batch of %d", cfg.Batch)
	case train.Stochastic:
		return "stochastic (one example per step)"
	}
	return "batch (the whole set per step)"
}

func describeScore(s train.Score, task train.Task) string {
	if task == train.TaskRegression { // in the target's units (the model predicts in them)
		return fmt.Sprintf("MSE %.4g, RMSE %.4g, R² %.4f", s.MSE, math.Sqrt(s.MSE), s.R2)
	}
	return fmt.Sprintf("loss %.4g, accuracy %.4f", s.Loss, s.Accuracy)
}

func writeHistory(path string, h []train.Epoch) error {
	var b strings.Builder
	if err := train.WriteHistoryCSV(&b, h); err != nil {
		return err
	}
	return backprop.WriteFileAtomic(path, []byte(b.String()))
}

// setupInit reads the model of --init, whose network the run starts from:
// flags that would design another network are refused.
func setupInit(fs *flag.FlagSet, f *trainFlags) error {
	if f.init == "" {
		return nil
	}
	var clash []string
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "hidden", "activation", "slope", "loss", "scale", "target", "init-scheme":
			clash = append(clash, "--"+fl.Name)
		}
	})
	if len(clash) > 0 {
		return usagef("train: --init takes the network, loss, scaling and target from %s: drop %s", f.init, strings.Join(clash, ", "))
	}
	m, err := backprop.Load[float64](f.init)
	if err != nil {
		return badInput(fmt.Errorf("train: --init: %w", err))
	}
	f.initModel, f.target = m, m.Target
	return nil
}

// initScaler is the input scaling of the --init model, as a data.Scaler.
func initScaler(m *backprop.Model[float64]) *data.Scaler {
	s := &data.Scaler{Kind: data.ScaleNone}
	for _, feat := range m.Features {
		if feat.Offset != 0 || feat.Scale != 1 {
			s.Kind = cmp.Or(m.Scaling, data.ScaleStandard)
		}
	}
	if s.Kind == data.ScaleNone {
		return s
	}
	for _, feat := range m.Features {
		s.Offset, s.Scale = append(s.Offset, feat.Offset), append(s.Scale, feat.Scale)
	}
	return s
}

// initNetwork is the network of --init, checked against the data. For a
// regression model it unfolds the target scaling of the new training part
// from the output layer (W ← W/std, b ← (b − mean)/std), which training
// folds back in.
func initNetwork[T backprop.Float](f *trainFlags, p *dataParts) (*backprop.Network[T], error) {
	net := backprop.Convert[T](f.initModel.Net)
	net.Extra = nil
	if p.train.Features != net.Inputs || p.all.Outputs != net.Outputs() {
		return nil, usagef("train: --init %s takes %d inputs and gives %d outputs; %s has %d features and %d targets",
			f.init, net.Inputs, net.Outputs(), f.data, p.all.Features, p.all.Outputs)
	}
	if t := p.ty; t != nil {
		out := net.Layers[net.L()-1]
		if out.B == nil {
			out.B = make([]T, out.Out)
		}
		for i := range out.Out {
			for j := range out.In {
				out.W[i*out.In+j] = T(float64(out.W[i*out.In+j]) / t.std[i])
			}
			out.B[i] = T((float64(out.B[i]) - t.mean[i]) / t.std[i])
		}
	}
	return net, nil
}
