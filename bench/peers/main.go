// Command peers times the Go neural-network libraries beside backprop on the
// workloads of bench/compare.sh, one library and workload at a time:
//
//	go run . -lib godeep -workload w4
//	go run . -lib gorgonia,born -workload w1,w5 -data /usr/share/datasets/fashion-mnist
//
// It is its own module so that the library's go.mod stays free of these
// dependencies. Each measurement prints one JSON line on stdout (progress on
// stderr); bench/compare.sh collects them. The workloads:
//
//	w1    784-256-128-10, ReLU hidden, softmax + cross-entropy, plain SGD
//	      α = 0.1 on the batch-mean gradient, batch 64 on Fashion-MNIST:
//	      seconds per 60,000-sample epoch (the median over -epochs epochs;
//	      -limit N trains on N samples per epoch and scales the time to
//	      60,000, said in the output as "extrapolated"), test accuracy after.
//	w4    2-3-2-1 sigmoid, log loss, SGD α = 0.5, batch 1 on the 4 XOR
//	      points: µs per step (median over -reps runs of -w4-steps steps).
//	w5    inference of a W1-shaped network over the test images at batch
//	      10,000 and batch 1 (-b1-rows rows): samples per second.
//	gemm  float32 C = A·B, n×n×n (-gemm-n, default 1024): GFLOP/s.
//
// Set-up (network building, graph compilation, data conversion) is never
// timed; every result is checked (a GEMM entry against a float64 dot
// product, W1's test accuracy, W4's final loss) and printed with it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// lib is one peer: its module version and the workloads it runs.
type lib struct {
	version string
	note    string
	run     map[string]func(*env) (map[string]any, error)
}

// libs is filled by the init functions of the library files.
var libs = map[string]*lib{}

// env holds the flags and the data set, loaded once.
type env struct {
	dataDir     string
	epochs      int
	limit       int
	reps        int
	w4Steps     int
	b1Rows      int
	b10kRows    int
	gemmN       int
	seed        int64
	train, test *Dataset
}

func (e *env) data() (train, test *Dataset, err error) {
	if e.train == nil {
		if e.train, e.test, err = loadFashion(e.dataDir); err != nil {
			return nil, nil, fmt.Errorf("%w (apt-get install -y dataset-fashion-mnist, or -data DIR)", err)
		}
	}
	return e.train, e.test, nil
}

func main() {
	e := &env{}
	names := slices.Sorted(keys(libs))
	libFlag := flag.String("lib", "", "comma-separated libraries: "+strings.Join(names, ", ")+", or all")
	wlFlag := flag.String("workload", "", "comma-separated workloads: w1, w4, w5, gemm, or all")
	flag.StringVar(&e.dataDir, "data", "/usr/share/datasets/fashion-mnist", "Fashion-MNIST IDX directory")
	flag.IntVar(&e.epochs, "epochs", 1, "W1: epochs to time (the median is reported)")
	flag.IntVar(&e.limit, "limit", 0, "W1: samples per epoch (0: the whole training set); the time is scaled to 60,000")
	flag.IntVar(&e.reps, "reps", 3, "W4, W5, GEMM: timings (the median is reported)")
	flag.IntVar(&e.w4Steps, "w4-steps", 20000, "W4: SGD steps per timing")
	flag.IntVar(&e.b1Rows, "b1-rows", 2000, "W5: test rows timed at batch 1")
	flag.IntVar(&e.b10kRows, "b10k-rows", 0, "W5: test rows timed at batch 10,000 (0: all); for libraries without batched inference")
	flag.IntVar(&e.gemmN, "gemm-n", 1024, "GEMM: n of the n×n×n product")
	flag.Int64Var(&e.seed, "seed", 1, "seed of the weights and the shuffles")
	list := flag.Bool("list", false, "print each library, its version and workloads, and exit")
	flag.Parse()
	if *list {
		for _, n := range names {
			fmt.Printf("%-10s %-14s %s\n%25s%s\n", n, strings.Join(slices.Sorted(keys(libs[n].run)), ","), libs[n].version, "", libs[n].note)
		}
		return
	}
	if *libFlag == "" || *wlFlag == "" || e.epochs < 1 || e.reps < 1 || e.w4Steps < 4 || e.b1Rows < 1 || e.gemmN < 1 || e.limit < 0 {
		flag.Usage()
		os.Exit(2)
	}
	chosen := strings.Split(*libFlag, ",")
	if *libFlag == "all" {
		chosen = names
	}
	workloads := strings.Split(*wlFlag, ",")
	if *wlFlag == "all" {
		workloads = []string{"w1", "w4", "w5", "gemm"}
	}
	failed := false
	for _, name := range chosen {
		l := libs[name]
		if l == nil {
			fmt.Fprintf(os.Stderr, "peers: unknown library %q (have %s)\n", name, strings.Join(names, ", "))
			os.Exit(2)
		}
		for _, w := range workloads {
			run := l.run[w]
			if run == nil {
				if *wlFlag != "all" {
					fmt.Fprintf(os.Stderr, "peers: %s has no workload %q\n", name, w)
				}
				continue
			}
			fmt.Fprintf(os.Stderr, "peers: %s %s ...\n", name, w)
			rec := map[string]any{"lib": name, "version": l.version, "note": l.note, "workload": w,
				"gomaxprocs": runtime.GOMAXPROCS(0), "go": runtime.Version()}
			res, err := run(e)
			if err != nil {
				fmt.Fprintf(os.Stderr, "peers: %s %s: %v\n", name, w, err)
				rec["error"] = err.Error()
				failed = true
			}
			for k, v := range res {
				rec[k] = v
			}
			b, _ := json.Marshal(rec)
			fmt.Println(string(b))
		}
	}
	if failed {
		os.Exit(1)
	}
}

func keys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func register(name, version, note string, run map[string]func(*env) (map[string]any, error)) {
	libs[name] = &lib{version: version, note: note, run: run}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// quiet collects the garbage of the set-up before a timed region.
func quiet() { runtime.GC() }

// ---- W1 ---------------------------------------------------------------------

const w1Batch = 64

var w1Sizes = []int{784, 256, 128, 10}

// w1Net is a library's W1 network: epoch trains on the training rows in
// order, in full batches of 64; classify returns the predicted class of each
// test row.
type w1Net interface {
	epoch(order []int) error
	classify(test *Dataset) ([]int, error)
}

// runW1 times epochs of full batches of 64 over a seeded shuffle (the same
// for every library) and reports seconds per 60,000 samples.
func runW1(e *env, build func(train *Dataset, rng *rand.Rand) (w1Net, error)) (map[string]any, error) {
	train, test, err := e.data()
	if err != nil {
		return nil, err
	}
	n := train.N
	if e.limit > 0 && e.limit < n {
		n = e.limit
	}
	used := n / w1Batch * w1Batch
	if used == 0 {
		return nil, fmt.Errorf("w1: fewer than %d training rows", w1Batch)
	}
	rng := rand.New(rand.NewSource(e.seed))
	net, err := build(train, rng)
	if err != nil {
		return nil, err
	}
	var secs []float64
	for ep := range e.epochs {
		order := rng.Perm(train.N)[:used]
		quiet()
		t0 := time.Now()
		if err := net.epoch(order); err != nil {
			return nil, err
		}
		secs = append(secs, time.Since(t0).Seconds()*60000/float64(used))
		fmt.Fprintf(os.Stderr, "  epoch %d: %d samples in %.2f s\n", ep+1, used, time.Since(t0).Seconds())
	}
	pred, err := net.classify(test)
	if err != nil {
		return nil, err
	}
	for i := range secs {
		secs[i] = round(secs[i], 3)
	}
	return map[string]any{"epoch_seconds": median(secs), "epoch_seconds_all": secs,
		"samples_timed": used, "extrapolated": used < 59968, "test_accuracy": round(accuracy(pred, test.Y), 4)}, nil
}

func accuracy(pred []int, y []uint8) float64 {
	c := 0
	for i, p := range pred {
		if p == int(y[i]) {
			c++
		}
	}
	return float64(c) / float64(len(y))
}

func argmax[T float32 | float64](v []T) int {
	b := 0
	for i := range v {
		if v[i] > v[b] {
			b = i
		}
	}
	return b
}

// glorot is a fanIn×fanOut Glorot-uniform matrix, row-major [in][out], for
// the libraries that do not draw their own.
func glorot(rng *rand.Rand, fanIn, fanOut int) []float64 {
	lim := math.Sqrt(6 / float64(fanIn+fanOut))
	w := make([]float64, fanIn*fanOut)
	for i := range w {
		w[i] = (2*rng.Float64() - 1) * lim
	}
	return w
}

// ---- W4 ---------------------------------------------------------------------

var (
	xorX = [][]float64{{0, 0}, {0, 1}, {1, 0}, {1, 1}}
	xorY = []float64{0, 1, 1, 0}
)

// w4Net is a library's 2-3-2-1 sigmoid network: train takes steps SGD steps
// (α = 0.5, log loss, batch 1) over the XOR points, point s mod 4 at step s
// unless the library's own trainer shuffles them; out is its output at point k.
type w4Net interface {
	train(steps int) error
	out(k int) (float64, error)
}

// runW4 times -w4-steps steps cycling over the 4 points, -reps times, each
// on a fresh network; the final mean log loss shows that it learns.
func runW4(e *env, build func(rng *rand.Rand) (w4Net, error)) (map[string]any, error) {
	var us []float64
	var loss float64
	for rep := range e.reps {
		net, err := build(rand.New(rand.NewSource(e.seed + int64(rep))))
		if err != nil {
			return nil, err
		}
		quiet()
		t0 := time.Now()
		if err := net.train(e.w4Steps); err != nil {
			return nil, err
		}
		us = append(us, time.Since(t0).Seconds()*1e6/float64(e.w4Steps))
		if rep == 0 {
			for k := range 4 {
				o, err := net.out(k)
				if err != nil {
					return nil, err
				}
				o = min(max(o, 1e-12), 1-1e-12)
				loss -= (xorY[k]*math.Log(o) + (1-xorY[k])*math.Log(1-o)) / 4
			}
		}
	}
	return map[string]any{"us_per_step": round(median(us), 3), "final_loss": round(loss, 4), "steps": e.w4Steps}, nil
}

// ---- W5 ---------------------------------------------------------------------

// w5Net classifies test rows [i, i+b) in one batch of b.
type w5Net func(test *Dataset, i, b int) ([]int, error)

// runW5 times inference at batch 10,000 (or the whole test set if smaller)
// and at batch 1, after one untimed warm-up batch of each size.
func runW5(e *env, build func(rng *rand.Rand) (w5Net, error)) (map[string]any, error) {
	_, test, err := e.data()
	if err != nil {
		return nil, err
	}
	net, err := build(rand.New(rand.NewSource(e.seed)))
	if err != nil {
		return nil, err
	}
	res := map[string]any{}
	for _, c := range []struct {
		name       string
		batch, max int
	}{{"batch_10000", 10000, e.b10kRows}, {"batch_1", 1, e.b1Rows}} {
		rows := test.N
		if c.max > 0 {
			rows = min(rows, c.max)
		}
		b := min(c.batch, rows)
		rows = rows / b * b
		if _, err := net(test, 0, b); err != nil {
			return nil, err
		}
		var rates []float64
		for range e.reps {
			quiet()
			t0 := time.Now()
			for i := 0; i < rows; i += b {
				pred, err := net(test, i, b)
				if err != nil {
					return nil, err
				}
				if len(pred) != b {
					return nil, fmt.Errorf("w5: %d predictions for a batch of %d", len(pred), b)
				}
			}
			rates = append(rates, float64(rows)/time.Since(t0).Seconds())
		}
		res[c.name+"_samples_per_s"] = math.Round(median(rates))
		res[c.name+"_rows"] = rows
	}
	return res, nil
}

// ---- GEMM -------------------------------------------------------------------

// runGEMM times mul (C = A·B, n×n×n float32, operands filled by fill) and
// checks 16 entries of C against float64 dot products first.
func runGEMM(e *env, build func(n int, a, b []float32) (mul func() ([]float32, error), err error)) (map[string]any, error) {
	n := e.gemmN
	rng := rand.New(rand.NewSource(e.seed))
	a, b := make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = rng.Float32(), rng.Float32()
	}
	mul, err := build(n, a, b)
	if err != nil {
		return nil, err
	}
	c, err := mul()
	if err != nil {
		return nil, err
	}
	for range 16 {
		i, j := rng.Intn(n), rng.Intn(n)
		want := 0.0
		for k := range n {
			want += float64(a[i*n+k]) * float64(b[k*n+j])
		}
		if got := float64(c[i*n+j]); math.Abs(got-want) > 1e-3*max(1, math.Abs(want)) {
			return nil, fmt.Errorf("gemm: C[%d,%d] = %g, want %g", i, j, got, want)
		}
	}
	t0 := time.Now()
	if _, err := mul(); err != nil {
		return nil, err
	}
	inner := max(1, int(0.2/max(time.Since(t0).Seconds(), 1e-7)))
	var rates []float64
	for range e.reps {
		quiet()
		t0 := time.Now()
		for range inner {
			if _, err := mul(); err != nil {
				return nil, err
			}
		}
		rates = append(rates, 2*float64(n)*float64(n)*float64(n)*float64(inner)/time.Since(t0).Seconds()/1e9)
	}
	return map[string]any{"gflops": round(median(rates), 1), "n": n}, nil
}
