package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/internal/testenv"
)

// writeStreamCSV writes a CSV file of at least size bytes: an id (ignored),
// eight numeric features (one with missing values), a categorical one and a
// class target that depends on them, and returns its path.
func writeStreamCSV(t testing.TB, path string, size int64) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("id,x1,x2,x3,x4,x5,x6,x7,x8,shade,kind\n")
	rng := rand.New(rand.NewPCG(11, 12))
	shades := []string{"red", "green", "blue"}
	var line []byte
	var written int64
	for i := 0; written < size; i++ {
		line = strconv.AppendInt(line[:0], int64(i), 10)
		var s float64
		for j := range 8 {
			v := rng.NormFloat64()
			s += v * float64(j%3-1)
			line = append(line, ',')
			if j == 3 && i%41 == 5 {
				line = append(line, "NA"...)
				continue
			}
			line = strconv.AppendFloat(line, v*10, 'f', 3, 64)
		}
		k := rng.IntN(3)
		line = append(line, ',')
		line = append(line, shades[k]...)
		kind := "low"
		if s+float64(k)-1 > 0 {
			kind = "high"
		}
		line = append(line, ',')
		line = append(line, kind...)
		line = append(line, '\n')
		w.Write(line)
		written += int64(len(line))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStreamSameModel trains from a stream twice, and on GOMAXPROCS 1 and
// 2 (the CLI run as a process), for classification and regression with the
// CSV features (ignored column, categorical one-hot, missing values
// filled, scaling): the model files must be byte-identical. It also checks
// the header line and that evaluate finds the streamed run's test part.
func TestStreamSameModel(t *testing.T) {
	dir := t.TempDir()
	data := writeStreamCSV(t, filepath.Join(dir, "s.csv"), 200<<10)
	bin := backpropBin(t)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"classification", nil},
		{"regression", []string{"--target", "x1", "--scale", "minmax"}},
		{"numeric", []string{"--ignore", "id,shade", "--missing", "drop"}}, // scaling only: no one-hot, no fill
	} {
		var models [][]byte
		var out string
		for k, procs := range []string{"1", "2", "2"} {
			model := filepath.Join(dir, fmt.Sprintf("%s%d.json", c.name, k))
			args := append([]string{"train", "--data", data, "--stream", "--shuffle-buffer", "500", "--ignore", "id", "--missing", "mean",
				"--hidden", "8", "--epochs", "2", "--batch", "16", "--test-split", "0.2", "--val-split", "0.1", "--out", model}, c.args...)
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "GOMAXPROCS="+procs)
			b, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s, GOMAXPROCS=%s: %v\n%s", c.name, procs, err, b)
			}
			out = string(b)
			m, err := os.ReadFile(model)
			if err != nil {
				t.Fatal(err)
			}
			models = append(models, m)
		}
		if !bytes.Equal(models[0], models[1]) || !bytes.Equal(models[1], models[2]) {
			t.Errorf("%s: the model files differ between runs (GOMAXPROCS 1, 2, 2)", c.name)
		}
		if !regexp.MustCompile(`(?m)^data: .*s\.csv \(--stream\) — \d+ training, \d+ validation, \d+ test examples, parts by hashed record number`).MatchString(out) ||
			!regexp.MustCompile(`(?m)^stream: first pass [0-9.]+ MB in [0-9.]+s \(\d+ MB/s\); shuffle buffer of 500 examples`).MatchString(out) {
			t.Errorf("%s: header lines:\n%s", c.name, out)
		}
		m, err := backprop.Load[float32](filepath.Join(dir, c.name+"0.json"))
		if err != nil {
			t.Fatal(err)
		}
		if c.name == "numeric" {
			if m.Encoded() || len(m.Features) != 8 {
				t.Errorf("numeric: features %v", m.Features)
			}
		} else if m.Provenance.Split == nil || !m.Provenance.Split.Hashed || m.Provenance.Flags["shuffle-buffer"] != "500" || len(m.Features) != 9 || m.Features[8].Categories == nil {
			t.Errorf("%s: model's split %+v, flags %v, features %v", c.name, m.Provenance.Split, m.Provenance.Flags, m.Features)
		}
		_, want, _ := strings.Cut(regexp.MustCompile(`test \(\d+ examples\): .*`).FindString(out), ": ")
		ev, errs, status := cli(t, "evaluate", "--model", filepath.Join(dir, c.name+"0.json"), "--data", data)
		if lines := strings.Split(ev, "\n"); status != 0 || len(lines) < 2 || want == "" || lines[1] != want || !strings.Contains(lines[0], "the held-out test part") {
			t.Errorf("%s: evaluate %q (status %d %s), train printed %q", c.name, lines[:min(2, len(lines))], status, errs, want)
		}
	}
}

// TestStreamErrors: flags that do not go with --stream, and a malformed
// line deep in a streamed file, are one-line errors (exit 2) naming what
// and where.
func TestStreamErrors(t *testing.T) {
	dir := t.TempDir()
	data := writeStreamCSV(t, filepath.Join(dir, "s.csv"), 200<<10)
	b, _ := os.ReadFile(data)
	lines := bytes.Count(b, []byte("\n"))
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, append(b, "1,2,3,4,5,6,7,8,oops,red,low\n"...), 0o644)
	base := []string{"train", "--data", data, "--stream", "--ignore", "id", "--missing", "mean", "--hidden", "4", "--epochs", "1", "--out", filepath.Join(dir, "m.json")}
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"--shuffle-buffer", "-1"}, "--shuffle-buffer -1"},
		{[]string{"--data", "-"}, "standard input cannot be read twice"},
		{[]string{"--data", bad}, fmt.Sprintf(`bad.csv:%d:9: "oops" is not a number (column "x8")`, lines+1)},
		{[]string{"--missing", "error"}, `"NA" is not a number (column "x4"): a missing value?`},
		{[]string{"--data", data, "--stream=false", "--shuffle-buffer", "10"}, "--shuffle-buffer goes with --stream"},
	} {
		_, errs, status := cli(t, append(base, c.args...)...)
		if status != 2 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, c.err) {
			t.Errorf("%v: status %d, stderr %q, want one line with %q", c.args, status, errs, c.err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "m.json")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a failing run wrote --out")
	}
}

// streamRSS trains from data as a process under a limit of its data
// segment, and returns its peak resident set and its output.
func streamRSS(t *testing.T, limit int64, timeout time.Duration, args ...string) (int64, string) {
	t.Helper()
	bin := backpropBin(t)
	report := filepath.Join(t.TempDir(), "rss")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(filepath.Dir(bin), "limitrun"), append([]string{strconv.FormatInt(limit, 10), report, bin}, args...)...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("GOMEMLIMIT=%dMiB", limit>>21)) // the collector's target: half the limit
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	rss, _ := strconv.ParseInt(string(b), 10, 64)
	return rss, string(out)
}

// TestStreamMemoryDoesNotGrow trains from a 4 MiB file and from one eight
// times larger, streamed under a data-segment limit of 256 MiB: the peak
// resident set must not grow with the file (within 4 MiB), while reading
// the larger file into memory takes more than 48 MiB more. No validation
// part: a streamed run holds one in memory (up to train.MaxHeldValues
// values) by design. evaluate and predict, streamed, are held to the same
// bound. The streamed peak was measured at 15 MiB on a 1 MiB
// file and 19 MiB on 8, 16 and 32 MiB files: a fixed cost reached by about
// 4 MiB, not growth, which made a 1 MiB against 8 MiB comparison fail now
// and then.
func TestStreamMemoryDoesNotGrow(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("limits and peak memory on Linux only")
	}
	dir := t.TempDir()
	small := writeStreamCSV(t, filepath.Join(dir, "small.csv"), 4<<20)
	large := writeStreamCSV(t, filepath.Join(dir, "large.csv"), 32<<20)
	args := func(data string, extra ...string) []string {
		return append([]string{"train", "--data", data, "--ignore", "id", "--missing", "mean", "--hidden", "8", "--epochs", "1",
			"--health=false", "--out", filepath.Join(dir, "m.json")}, extra...)
	}
	const limit = 256 << 20
	s, _ := streamRSS(t, limit, time.Minute, args(small, "--stream", "--shuffle-buffer", "2000", "--out", filepath.Join(dir, "streamed.json"))...)
	l, out := streamRSS(t, limit, time.Minute, args(large, "--stream", "--shuffle-buffer", "2000")...)
	ms, _ := streamRSS(t, 1<<30, time.Minute, args(small)...)
	ml, _ := streamRSS(t, 1<<30, time.Minute, args(large)...)
	t.Logf("peak resident set, streamed: %d MiB (4 MiB file), %d MiB (32 MiB file); in memory: %d MiB, %d MiB", s>>20, l>>20, ms>>20, ml>>20)
	if l > s+4<<20 {
		t.Errorf("streamed: %d MiB on a 32 MiB file, %d MiB on a 4 MiB one: memory grows with the file\n%s", l>>20, s>>20, out)
	}
	if ml < ms+48<<20 {
		t.Errorf("in memory: %d MiB on a 32 MiB file, %d MiB on a 4 MiB one: the test no longer tells the two apart", ml>>20, ms>>20)
	}
	// evaluate and predict (to --out), streamed, with the model trained
	// streamed: every row, in memory that does not grow with the file.
	for _, verb := range [][]string{{"evaluate"}, {"predict", "--proba", "--out", filepath.Join(dir, "p.csv")}} {
		args := func(data string) []string {
			return append([]string{verb[0], "--model", filepath.Join(dir, "streamed.json"), "--data", data, "--stream", "--split", "all"}, verb[1:]...)
		}
		s, _ := streamRSS(t, limit, time.Minute, args(small)...)
		l, out := streamRSS(t, limit, time.Minute, args(large)...)
		t.Logf("%s, streamed: peak resident set %d MiB (4 MiB file), %d MiB (32 MiB file)", verb[0], s>>20, l>>20)
		if l > s+4<<20 {
			t.Errorf("%s, streamed: %d MiB on a 32 MiB file, %d MiB on a 4 MiB one: memory grows with the file\n%s", verb[0], l>>20, s>>20, out)
		}
	}
}

// TestStreamTwoGigabytes trains on a generated CSV file of 2 GiB streamed
// within 512 MiB: the process runs under a data-segment limit of 512 MiB
// and its peak resident set must stay below it; then evaluate (the test
// part, train's figures) and predict (every row, to a file) stream it
// under the same limit (long: BACKPROP_LONG=1; about 10 minutes on 2 busy
// cores).
func TestStreamTwoGigabytes(t *testing.T) {
	testenv.Long(t)
	if runtime.GOOS != "linux" {
		t.Skip("limits and peak memory on Linux only")
	}
	dir := t.TempDir()
	start := time.Now()
	data := writeStreamCSV(t, filepath.Join(dir, "big.csv"), 2<<30)
	t.Logf("wrote 2 GiB in %v", time.Since(start).Round(time.Second))
	const limit = 512 << 20
	rss, out := streamRSS(t, limit, 30*time.Minute, "train", "--data", data, "--ignore", "id", "--missing", "mean", "--hidden", "16",
		"--epochs", "1", "--batch", "256", "--val-split", "0.01", "--test-split", "0.01", "--out", filepath.Join(dir, "m.json"))
	t.Logf("peak resident set %d MiB; output:\n%s", rss>>20, out)
	if rss > limit {
		t.Errorf("peak resident set %d MiB, more than %d MiB", rss>>20, limit>>20)
	}
	if !strings.Contains(out, "(streamed: larger than 1024 MiB (data.MaxCSVBytes))") || !strings.Contains(out, "model written to") {
		t.Errorf("not streamed on its own, or no model:\n%s", out)
	}
	// The model on its test part (found again by its hashed split), and
	// its predictions for every row, written to a file: streamed on their
	// own, under the same limit.
	_, want, _ := strings.Cut(regexp.MustCompile(`test \(\d+ examples\): .*`).FindString(out), ": ")
	for _, verb := range [][]string{{"evaluate"}, {"predict", "--split", "all", "--out", filepath.Join(dir, "p.csv")}} {
		start := time.Now()
		rss, out := streamRSS(t, limit, 30*time.Minute, append([]string{verb[0], "--model", filepath.Join(dir, "m.json"), "--data", data}, verb[1:]...)...)
		t.Logf("%s: peak resident set %d MiB, %v; output:\n%s", verb[0], rss>>20, time.Since(start).Round(time.Second), out)
		if rss > limit {
			t.Errorf("%s: peak resident set %d MiB, more than %d MiB", verb[0], rss>>20, limit>>20)
		}
		if verb[0] == "evaluate" && (want == "" || !strings.Contains(out, "the held-out test part") || !strings.Contains(out, "\n"+want+"\n")) {
			t.Errorf("evaluate: not train's test figures %q:\n%s", want, out)
		}
	}
	if info, err := os.Stat(filepath.Join(dir, "p.csv")); err != nil || info.Size() < 29e6*5 {
		t.Errorf("predictions: %v, %v", info, err)
	}
}

// TestStreamSourceAllocations: a streamed example — a record read, parsed,
// encoded by the pipeline (one-hot, fill, scaling) into x⁰ and its target —
// allocates nothing once the pass has begun, so neither does a step.
func TestStreamSourceAllocations(t *testing.T) {
	dir := t.TempDir()
	f := &trainFlags{data: writeStreamCSV(t, filepath.Join(dir, "s.csv"), 300<<10), ignore: "id", missing: "mean", unknown: "error",
		seed: 1, valSplit: 0.1, testSplit: 0.2}
	p, s, err := prepareStream(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	src := newSource[float32](s.train, p, s)
	defer s.train.Close()
	x, y := make([]float32, p.pipe.Width()), make([]float32, p.all.Outputs)
	if err := src.Reset(); err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		if err := src.Next(x, y); err != nil {
			t.Fatal(err)
		}
	}
	if a := testing.AllocsPerRun(500, func() {
		if err := src.Next(x, y); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("%v allocations per streamed example", a)
	}
}

// TestStreamIDXTooLarge: an IDX directory with more images than
// data.MaxIDXItems streams on its own (and says so), gzip-compressed;
// --stream=false refuses it by the limit, as before. evaluate streams it
// on its own too, but for its t10k files alone, which fit in memory.
func TestStreamIDXTooLarge(t *testing.T) {
	dir := t.TempDir()
	const n = 1<<20 + 1
	pix, lab := make([]byte, n), make([]byte, n)
	for i := range pix {
		pix[i] = byte(i % 251)
		lab[i] = byte(i % 3)
		if pix[i] > 125 {
			lab[i] = 1
		}
	}
	for name, b := range map[string][]byte{
		"train-images-idx3-ubyte.gz": gz(idx(0x803, []uint32{n, 1, 1}, pix)),
		"train-labels-idx1-ubyte.gz": gz(idx(0x801, []uint32{n}, lab)),
		"t10k-images-idx3-ubyte":     idx(0x803, []uint32{100, 1, 1}, pix[:100]),
		"t10k-labels-idx1-ubyte":     idx(0x801, []uint32{100}, lab[:100]),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"train", "--data", dir, "--hidden", "4", "--epochs", "1", "--batch", "4096", "--lr", "0.01", "--val-split", "0.01", "--health=false",
		"--out", filepath.Join(dir, "m.json")}
	out, errs, status := cli(t, args...)
	if status != 0 || !strings.Contains(out, "(streamed: more than 1048576 images (data.MaxIDXItems)) — ") || !strings.Contains(out, "100 test examples") {
		t.Errorf("status %d, output:\n%s%s", status, out, errs)
	}
	_, errs, status = cli(t, append(args, "--stream=false")...)
	if status != 2 || !strings.Contains(errs, "more than the limit") {
		t.Errorf("--stream=false: status %d, %s", status, errs)
	}
	// evaluate reads the t10k files alone into memory (they fit), and
	// streams the training files for their parts, on its own.
	model := filepath.Join(dir, "m.json")
	for _, c := range []struct{ split, want string }{
		{"", "its 100 test rows (the t10k files)"},
		{"val", "the validation part, "},
		{"all", "all 1048677 rows, "},
	} {
		out, errs, status := cli(t, "evaluate", "--model", model, "--data", dir, "--split", c.split)
		if status != 0 || !strings.Contains(out, c.want) {
			t.Errorf("evaluate --split %q: status %d, %s%s", c.split, status, out, errs)
		}
	}
	_, errs, status = cli(t, "evaluate", "--model", model, "--data", dir, "--split", "all", "--stream=false")
	if status != 2 || !strings.Contains(errs, "more than the limit") {
		t.Errorf("evaluate --split all --stream=false: status %d, %s", status, errs)
	}
}
