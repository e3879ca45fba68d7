package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/internal/atomicfile"
	"github.com/backprop-go/backprop/internal/kernel"
	"github.com/backprop-go/backprop/train"
)

// benchResult is the JSON of `backprop bench --json`.
type benchResult struct {
	Machine         string             `json:"machine"`
	Kernel          string             `json:"kernel"`
	GOMAXPROCS      int                `json:"gomaxprocs"`
	Time            string             `json:"time"`
	GemmGFLOPS      map[string]float64 `json:"gemm_gflops"`
	W1Data          string             `json:"w1_data"`
	W1Epochs        int                `json:"w1_epochs"`
	W1EpochSec      float64            `json:"w1_epoch_seconds"`
	W1EpochAll      []float64          `json:"w1_epoch_seconds_all"`
	W1SamplesPS     float64            `json:"w1_samples_per_s"`
	W1StepsSec      float64            `json:"w1_steps_seconds"`
	W1StepsAll      []float64          `json:"w1_steps_seconds_all"`
	W1TestAcc       *float64           `json:"w1_test_accuracy,omitempty"`
	W4USPerStep     float64            `json:"w4_us_per_step"`
	W4LossUSPerStep float64            `json:"w4_loss_us_per_step"`
	W4FinalLoss     float64            `json:"w4_final_loss"`
	W5SamplesPS     map[string]float64 `json:"w5_samples_per_s"`
	AllocsPerW1     float64            `json:"allocs_per_w1_step"`
	AllocsPerW4     float64            `json:"allocs_per_w4_step"`
	PeakHeapMB      float64            `json:"w1_peak_heap_mb"`
	Workloads       []string           `json:"workloads"`
	W1TrainBytes    int                `json:"w1_train_set_bytes"`
}

const fmnistDir = "/usr/share/datasets/fashion-mnist"

func init() {
	commands["bench"] = command{"measure the kernels and the training speed on this machine", runBench}
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := newFlags("bench", "[--json] [--only gemm,w1,w4,w5] [--epochs 1] [--reps 3] [--data DIR] [--cpuprofile FILE]", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object")
	only := fs.String("only", "gemm,w1,w4,w5", "the workloads to run")
	epochs := fs.Int("epochs", 1, "W1 epochs to time (10 also reports the test accuracy the anchors quote)")
	reps := fs.Int("reps", 3, "repetitions of each GEMM, W4 and W5 timing (the median is reported)")
	dir := fs.String("data", fmnistDir, "Fashion-MNIST IDX directory (synthetic data of the same shape if absent)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *epochs < 1 || *reps < 1 {
		return usagef("bench: --epochs and --reps must be at least 1")
	}
	if *cpuprofile != "" {
		if err := checkOutPaths("bench", [2]string{"cpuprofile", *cpuprofile}); err != nil {
			return err
		}
		if err := checkOverwrites("bench", []pathFlag{{"cpuprofile", *cpuprofile}}, pathFlag{"data", *dir}); err != nil {
			return err
		}
		// The profile is written whole at the end, atomically.
		var prof bytes.Buffer
		if err := pprof.StartCPUProfile(&prof); err != nil {
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			if werr := atomicfile.Write(*cpuprofile, prof.Bytes()); werr != nil && err == nil {
				err = werr
			}
		}()
	}
	r := &benchResult{Machine: runtime.GOARCH, Kernel: kernel.Info(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		Time: time.Now().UTC().Format(time.RFC3339), W5SamplesPS: map[string]float64{}, GemmGFLOPS: map[string]float64{}}
	log := func(format string, a ...any) {
		if !*asJSON {
			fmt.Fprintf(stderr, format+"\n", a...)
		}
	}
	want := map[string]bool{}
	for _, w := range splitList(*only) {
		switch w {
		case "gemm", "w1", "w4", "w5":
			want[w] = true
			r.Workloads = append(r.Workloads, w)
		default:
			return usagef("bench: --only: unknown workload %q (want gemm, w1, w4, w5)", w)
		}
	}
	if want["gemm"] {
		log("gemm: float32 products, %d threads ...", r.GOMAXPROCS)
		benchGemm(r, *reps)
	}
	var net *backprop.Network[float32]
	var test train.Set[float32]
	if want["w1"] || want["w5"] {
		trainSet, testSet, source, err := w1Data(*dir)
		if err != nil {
			return err
		}
		r.W1Data, test = source, testSet
		r.W1TrainBytes = 4 * len(trainSet.X)
		net, _ = backprop.New[float32](784, backprop.CrossEntropy, 1,
			backprop.LayerSpec{Units: 256, Activation: backprop.ReLU},
			backprop.LayerSpec{Units: 128, Activation: backprop.ReLU},
			backprop.LayerSpec{Units: 10, Activation: backprop.Softmax})
		if want["w1"] {
			log("w1: 784-256-128-10 relu, SGD α=0.1, batch 64, %d epoch(s) on %s ...", *epochs, source)
			if err := benchW1(ctx, r, net, trainSet, test, *epochs); err != nil {
				return err
			}
		}
	}
	if want["w4"] {
		log("w4: 2-3-2-1 sigmoid, log loss, SGD batch 1 on XOR, 20,000 steps ...")
		benchW4(r, *reps)
	}
	if want["w5"] {
		log("w5: inference of the W1 network, batch 10,000 and 1 ...")
		benchW5(r, net, test, *reps)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		return enc.Encode(r)
	}
	printBench(stdout, r, want)
	return nil
}

// gemmShape is a product of the anchors' peak_gemm.py, m×k×n (A is m×k, B
// k×n), computed with the transposes that training uses for it.
type gemmShape struct {
	name           string
	tA, tB         bool
	m, n, k        int
	reps, minCalls int
}

var gemmShapes = []gemmShape{
	{"1024x1024x1024", false, false, 1024, 1024, 1024, 0, 3},
	{"64x784x256", false, true, 64, 256, 784, 0, 200},  // forward: Z = A·Wᵀ of layer 1
	{"256x64x784", true, false, 256, 784, 64, 0, 200},  // weights: ∂E/∂W = Δᵀ·A of layer 1
	{"64x256x784", false, false, 64, 784, 256, 0, 200}, // delta rule: Δ·W of layer 2's input
}

func benchGemm(r *benchResult, reps int) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range gemmShapes {
		a, b, c := randSlice(rng, s.m*s.k), randSlice(rng, s.k*s.n), make([]float32, s.m*s.n)
		lda, ldb := s.k, s.n
		if s.tA {
			lda = s.m
		}
		if s.tB {
			ldb = s.k
		}
		call := func() { kernel.Gemm(s.tA, s.tB, s.m, s.n, s.k, a, lda, b, ldb, 0, c, s.n) }
		call()
		var rates []float64
		for range max(reps, 3) {
			calls := s.minCalls
			t0 := time.Now()
			for range calls {
				call()
			}
			rates = append(rates, 2*float64(s.m*s.n*s.k)*float64(calls)/time.Since(t0).Seconds()/1e9)
		}
		r.GemmGFLOPS[s.name] = round(median(rates), 1)
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()
	}
	return s
}

// w1Data returns Fashion-MNIST from dir, or synthetic data of its shape.
func w1Data(dir string) (trainSet, test train.Set[float32], source string, err error) {
	if _, statErr := os.Stat(dir); statErr == nil {
		tr, te, err := data.LoadIDXDir(dir)
		if err != nil {
			return trainSet, test, "", badInput(err)
		}
		return train.Set[float32]{X: tr.X, Y: tr.Y, N: tr.N}, train.Set[float32]{X: te.X, Y: te.Y, N: te.N}, "Fashion-MNIST (" + dir + ")", nil
	}
	rng := rand.New(rand.NewPCG(2, 2))
	synth := func(n int) train.Set[float32] {
		s := train.Set[float32]{X: randSlice(rng, n*784), Y: make([]float32, n*10), N: n}
		for i := range n {
			s.Y[i*10+rng.IntN(10)] = 1
		}
		return s
	}
	return synth(60000), synth(10000), "synthetic data of Fashion-MNIST's shape (" + dir + " not found)", nil
}

func benchW1(ctx context.Context, r *benchResult, net *backprop.Network[float32], trainSet, test train.Set[float32], epochs int) error {
	cfg := train.Config{Mode: train.MiniBatch, Batch: 64, Epochs: epochs, Alpha: 0.1, Optimizer: train.SGD, Seed: 1,
		Task: train.TaskClassification}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	peak := newPeakHeap()
	res, err := train.Train(ctx, net, trainSet, train.Set[float32]{}, cfg)
	r.PeakHeapMB = round(peak.stop()/1e6, 1)
	if err != nil {
		return err
	}
	r.W1Epochs = epochs
	for _, e := range res.History {
		r.W1EpochAll = append(r.W1EpochAll, round(e.Seconds, 3))
	}
	r.W1EpochSec = round(median(r.W1EpochAll), 3)
	r.W1SamplesPS = round(float64(trainSet.N)/r.W1EpochSec, 0)
	m, err := train.Evaluate(net, test, train.TaskClassification)
	if err != nil {
		return err
	}
	acc := round(m.Accuracy, 4)
	r.W1TestAcc = &acc
	// The epoch's steps alone, as the PyTorch anchor and the peers time it: a
	// shuffle, then every batch of 64 through Trainer.Step, without the pass
	// over the whole training set that train.Train makes after each epoch to
	// decide which state to keep (it runs after the test accuracy above, so
	// that figure is train.Train's).
	tr, err := train.NewTrainer(net, cfg)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 0))
	perm := make([]int, trainSet.N)
	for range epochs {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		for i := range perm {
			perm[i] = i
		}
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for s := 0; s < len(perm); s += cfg.Batch {
			if _, err := tr.Step(trainSet, perm[s:min(s+cfg.Batch, len(perm))]); err != nil {
				return err
			}
		}
		r.W1StepsAll = append(r.W1StepsAll, round(time.Since(start).Seconds(), 3))
	}
	r.W1StepsSec = round(median(r.W1StepsAll), 3)
	// allocations of a steady-state step
	idx := perm[:cfg.Batch]
	tr.Step(trainSet, idx)
	r.AllocsPerW1 = allocsPerRun(20, func() { tr.Step(trainSet, idx) })
	return nil
}

// peakHeap samples the heap in use while a workload runs.
type peakHeap struct {
	stopc chan struct{}
	done  chan float64
}

func newPeakHeap() *peakHeap {
	p := &peakHeap{stopc: make(chan struct{}), done: make(chan float64)}
	go func() {
		var ms runtime.MemStats
		var peak float64
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, float64(ms.HeapInuse))
			select {
			case <-p.stopc:
				p.done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peakHeap) stop() float64 { close(p.stopc); return <-p.done }

func allocsPerRun(runs int, f func()) float64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&b)
	return float64(b.Mallocs-a.Mallocs) / float64(runs)
}

// benchW4 times the engine's own step on a 2-3-2-1 sigmoid network with the
// log loss: pure SGD on the XOR points, 20,000 steps of Forward, Gradient,
// Step (the step without its loss, as go-deep's online trainer takes it),
// and again with Backward, which also computes E every step (as PyTorch's
// step does), each rep on a fresh network of its seed.
func benchW4(r *benchResult, reps int) {
	x := []float32{0, 0, 0, 1, 1, 0, 1, 1}
	y := []float32{0, 1, 1, 0}
	var times, lossTimes []float64
	for rep := range max(reps, 3) {
		for _, loss := range []bool{false, true} {
			net, _ := backprop.New[float32](2, backprop.Log, uint64(rep+1),
				backprop.LayerSpec{Units: 3, Activation: backprop.Sigmoid},
				backprop.LayerSpec{Units: 2, Activation: backprop.Sigmoid},
				backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
			ws := net.NewWorkspace(1)
			step := func(i int) {
				ws.Forward(x[2*i : 2*i+2])
				if loss {
					ws.Backward(y[i : i+1])
				} else {
					ws.Gradient(y[i : i+1])
				}
				ws.Step(0.5)
			}
			const steps = 20000
			t0 := time.Now()
			for s := range steps {
				step(s % 4)
			}
			us := time.Since(t0).Seconds() / steps * 1e6
			if loss {
				lossTimes = append(lossTimes, us)
				continue
			}
			times = append(times, us)
			if rep == 0 {
				var E float64
				for i := range 4 {
					ws.Forward(x[2*i : 2*i+2])
					E += ws.Loss(y[i:i+1]) / 4
				}
				r.W4FinalLoss = round(E, 4)
				r.AllocsPerW4 = allocsPerRun(100, func() { step(0) })
			}
		}
	}
	r.W4USPerStep = round(median(times), 3)
	r.W4LossUSPerStep = round(median(lossTimes), 3)
}

func benchW5(r *benchResult, net *backprop.Network[float32], test train.Set[float32], reps int) {
	for _, b := range []int{10000, 1} {
		ws := net.NewWorkspace(b)
		n := test.N
		if b == 1 {
			n = 2000
		}
		// Steady state, as the PyTorch anchor times its W5: five whole
		// passes untimed, then the median of seven timed (or reps).
		for range 5 {
			for i := 0; i+b <= n; i += b {
				ws.Forward(test.X[i*784 : (i+b)*784])
			}
		}
		var rates []float64
		for range max(reps, 7) {
			t0 := time.Now()
			for i := 0; i+b <= n; i += b {
				ws.Forward(test.X[i*784 : (i+b)*784])
			}
			rates = append(rates, float64(n)/time.Since(t0).Seconds())
		}
		r.W5SamplesPS[fmt.Sprintf("batch_%d", b)] = round(median(rates), 0)
	}
}

func printBench(w io.Writer, r *benchResult, want map[string]bool) {
	fmt.Fprintf(w, "backprop bench — %s, kernel %s, GOMAXPROCS %d, %s\n\n", r.Machine, r.Kernel, r.GOMAXPROCS, r.Time)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tvalue\t")
	if want["gemm"] {
		for _, s := range gemmShapes {
			fmt.Fprintf(tw, "GEMM float32 %s (m×k×n)\t%.1f GFLOP/s\t\n", s.name, r.GemmGFLOPS[s.name])
		}
	}
	if want["w1"] {
		fmt.Fprintf(tw, "W1 epoch (%d epoch(s), median)\t%.3f s (%.0f samples/s)\t\n", r.W1Epochs, r.W1EpochSec, r.W1SamplesPS)
		fmt.Fprintf(tw, "W1 epoch, the steps alone (median)\t%.3f s\t\n", r.W1StepsSec)
		if r.W1TestAcc != nil {
			fmt.Fprintf(tw, "W1 test accuracy after %d epoch(s)\t%.4f\t\n", r.W1Epochs, *r.W1TestAcc)
		}
		fmt.Fprintf(tw, "W1 allocations per step\t%g\t\n", r.AllocsPerW1)
		fmt.Fprintf(tw, "W1 peak heap / float32 training set\t%.0f MB / %.0f MB\t\n", r.PeakHeapMB, float64(r.W1TrainBytes)/1e6)
		fmt.Fprintf(tw, "W1 data\t%s\t\n", r.W1Data)
	}
	if want["w4"] {
		fmt.Fprintf(tw, "W4 step (2-3-2-1, batch 1)\t%.3f µs; with E every step %.3f µs (final loss %.4f, %g allocs)\t\n", r.W4USPerStep, r.W4LossUSPerStep, r.W4FinalLoss, r.AllocsPerW4)
	}
	if want["w5"] {
		fmt.Fprintf(tw, "W5 inference, batch 10,000\t%.0f samples/s\t\n", r.W5SamplesPS["batch_10000"])
		fmt.Fprintf(tw, "W5 inference, batch 1\t%.0f samples/s\t\n", r.W5SamplesPS["batch_1"])
	}
	tw.Flush()
}

func median(s []float64) float64 {
	if len(s) == 0 {
		return 0
	}
	c := slices.Clone(s)
	slices.Sort(c)
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
