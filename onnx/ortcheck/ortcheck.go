// Package ortcheck runs ONNX models in a real runtime, onnxruntime through
// Node.js (onnxruntime-node), for tests: the script and its npm lock live in
// onnx/testdata/ort.
//
// When node or the npm package is missing, Require skips the test with the
// command that installs them, unless the environment variable BACKPROP_CI is
// 1: then it fails, so that CI cannot pass without the check.
package ortcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Install is the command that installs the runtime, to run in the ort
// directory (onnx/testdata/ort).
const Install = "ONNXRUNTIME_NODE_INSTALL=skip npm ci"

// Job is one model to run on a batch of inputs (Rows×Cols, row-major). A
// NaN of X (a missing value) reaches the model as NaN.
type Job struct {
	Model string    `json:"model"`
	X     []float32 `json:"x"`
	Rows  int       `json:"rows"`
	Cols  int       `json:"cols"`
}

// MarshalJSON writes the job for run.js, a NaN of X as null (JSON has no
// NaN), which run.js reads back as NaN.
func (j Job) MarshalJSON() ([]byte, error) {
	x := make([]*float32, len(j.X))
	for k := range j.X {
		if !math.IsNaN(float64(j.X[k])) {
			x[k] = &j.X[k]
		}
	}
	type job Job // without this method
	return json.Marshal(struct {
		job
		X []*float32 `json:"x"`
	}{job(j), x})
}

// Result is the model's first output, as onnxruntime computed it.
type Result struct {
	InputNames  []string  `json:"inputNames"`
	OutputNames []string  `json:"outputNames"`
	Type        string    `json:"type"`
	Dims        []int     `json:"dims"`
	Output      []float64 `json:"output"`
}

// UnmarshalJSON reads a result of run.js, whose output writes NaN and ±∞
// as the strings "NaN", "Infinity" and "-Infinity".
func (r *Result) UnmarshalJSON(b []byte) error {
	type result Result // without this method
	var v struct {
		result
		Output []json.RawMessage `json:"output"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = Result(v.result)
	r.Output = make([]float64, len(v.Output))
	for k, raw := range v.Output {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			switch s {
			case "NaN":
				r.Output[k] = math.NaN()
			case "Infinity", "-Infinity":
				r.Output[k] = math.Inf(map[bool]int{true: 1, false: -1}[s == "Infinity"])
			default:
				return fmt.Errorf("output %d: %q, want a number, NaN or ±Infinity", k, s)
			}
			continue
		}
		if err := json.Unmarshal(raw, &r.Output[k]); err != nil {
			return fmt.Errorf("output %d: %v", k, err)
		}
	}
	return nil
}

// Require skips the test (or fails it, under BACKPROP_CI=1) unless node and
// onnxruntime-node are installed for the script in dir.
func Require(t testing.TB, dir string) {
	t.Helper()
	why := ""
	if _, err := exec.LookPath("node"); err != nil {
		why = "node is not on PATH (install Node.js 20 or later, e.g. apt-get install -y nodejs npm)"
	} else if _, err := os.Stat(filepath.Join(dir, "node_modules", "onnxruntime-node", "package.json")); err != nil {
		why = "onnxruntime-node is not installed"
	}
	if why == "" {
		return
	}
	abs, _ := filepath.Abs(dir)
	msg := fmt.Sprintf("onnxruntime check: %s; install it with: (cd %s && %s)", why, abs, Install)
	if os.Getenv("BACKPROP_CI") == "1" {
		t.Fatal(msg + " [BACKPROP_CI=1: failing instead of skipping]")
	}
	t.Skip(msg)
}

// Run runs the jobs in one node process with the script in dir and returns
// their results in order. It fails the test on any error.
func Run(t testing.TB, dir string, jobs []Job) []Result {
	t.Helper()
	Require(t, dir)
	in, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "run.js")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node run.js: %v: %s", err, stderr.String())
	}
	var res []Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("node run.js: %v: %.200s", err, stdout.String())
	}
	if len(res) != len(jobs) {
		t.Fatalf("node run.js: %d results for %d jobs", len(res), len(jobs))
	}
	return res
}

// MaxDiff returns the largest |got_k − want_k| and its index; it fails the
// test if the lengths differ.
func MaxDiff[T ~float32 | ~float64](t testing.TB, got []float64, want []T) (float64, int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d outputs, want %d", len(got), len(want))
	}
	worst, at := 0.0, 0
	for k, w := range want {
		d := math.Abs(got[k] - float64(w))
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		if d > worst {
			worst, at = d, k
		}
	}
	return worst, at
}
