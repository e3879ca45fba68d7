package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// cli runs the program in-process and returns its output and exit status.
func cli(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	status = report(err, &errb)
	return out.String(), errb.String(), status
}

func TestExplainJSONOfTheWorkedExample(t *testing.T) {
	out, errs, status := cli(t, "explain", "--format", "json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errs)
	}
	var got struct {
		Loss        float64
		OutputAfter [][]float64 `json:"output_after"`
		Layers      []struct {
			Delta        [][]float64
			WeightsAfter [][]float64 `json:"weights_after"`
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var ref struct {
		Expected struct {
			Loss        float64
			OutputAfter [][]float64 `json:"output_after"`
		}
	}
	data, err := os.ReadFile("../../testdata/article.json")
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(data, &ref)
	if math.Abs(got.OutputAfter[0][0]-ref.Expected.OutputAfter[0][0]) > 1e-12 || math.Abs(got.Loss-ref.Expected.Loss) > 1e-12 {
		t.Errorf("output after %v, loss %v; want %v, %v", got.OutputAfter, got.Loss, ref.Expected.OutputAfter, ref.Expected.Loss)
	}
	if w := got.Layers[2].WeightsAfter[0][1]; math.Abs(w-0.812167) > 1e-6 {
		t.Errorf("weight from h5 to o after the step = %v, want 0.812167", w)
	}
}

func TestExplainText(t *testing.T) {
	out, errs, status := cli(t, "explain")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errs)
	}
	for _, want := range []string{"0.671846", "0.698076", "0.7043", "0.812167"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain text lacks %s", want)
		}
	}
}

func TestGradcheckWorkedExample(t *testing.T) {
	out, errs, status := cli(t, "gradcheck")
	if status != 0 {
		t.Fatalf("status %d: %s\n%s", status, errs, out)
	}
	if !strings.Contains(out, "ok") || strings.Contains(out, "FAIL") {
		t.Errorf("unexpected report:\n%s", out)
	}
	// A batch on a model file.
	dir := t.TempDir()
	model := filepath.Join(dir, "m.json")
	os.WriteFile(model, []byte(`{"inputs":2,"loss":"cross-entropy","layers":[
		{"activation":"tanh","weights":[[0.1,-0.4],[0.7,0.2],[0.3,0.3]],"bias":[0.1,0,-0.2]},
		{"activation":"softmax","weights":[[0.5,-0.3,0.2],[0.1,0.4,-0.6]]}]}`), 0o644)
	_, errs, status = cli(t, "gradcheck", "--model", model, "--x", "1,2", "--y", "1,0", "--x", "-1,0.5", "--y", "0,1")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errs)
	}
}

// TestBadUsage: bad flags or input print one line and exit 2.
func TestBadUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"inputs":2,"loss":"log","layers":[{"activation":"relu","weights":[[1,2]]}]}`), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"explain", "--format", "pdf"}, `backprop: explain: unknown format "pdf" (want text, markdown, json)`},
		{[]string{"explain", "--x", "1,a"}, `backprop: explain: invalid value "1,a" for flag -x: value 2, "a", is not a finite number (see backprop explain -h)`},
		{[]string{"explain", "--x", "1,0"}, `backprop: 1 --x and 0 --y: give one --y per --x`},
		{[]string{"explain", "--x", "1,0,3", "--y", "1"}, `backprop: --x #1: 3 values, want 2 (the network's inputs)`},
		{[]string{"explain", "--lr", "-1"}, `backprop: explain: --lr -1: want a positive learning rate`},
		{[]string{"explain", "--model", bad, "--x", "1,0", "--y", "1"}, `backprop: ` + bad + `: layer 1: loss log needs outputs in (0, 1), but the output activation is relu (use sigmoid or softmax, or the squared loss)`},
		{[]string{"explain", "--model", filepath.Join(dir, "none.json")}, `backprop: open ` + filepath.Join(dir, "none.json") + `: no such file or directory`},
		{[]string{"explain", "stray"}, `backprop: explain: unexpected argument "stray" (see backprop explain -h)`},
		{[]string{"train", "--activation", "sigmod"}, `backprop: train: --activation: unknown activation "sigmod" (want identity, sigmoid, tanh, relu, leaky-relu, softmax)`},
		{[]string{"train", "--hidden", "10,x"}, `backprop: train: --hidden "10,x": "x" is not a width from 1 to 65536`},
		{[]string{"train", "--data", filepath.Join(dir, "nope.csv")}, `backprop: no file, directory or embedded dataset "` + filepath.Join(dir, "nope.csv") + `" (embedded: "breast_cancer", "diabetes", "digits", "iris", "wine")`},
		{[]string{"evaluate", "--data", "iris"}, `backprop: --model FILE is required`},
	} {
		_, errs, status := cli(t, tc.args...)
		if status != 2 || strings.TrimSpace(errs) != tc.want {
			t.Errorf("%v: status %d, stderr\n%s\nwant status 2 and\n%s", tc.args, status, errs, tc.want)
		}
	}
	// The unknown-command message lists every verb; verbs come and go, so
	// check its start and one of them.
	_, errs, status := cli(t, "fly")
	if line := strings.TrimSpace(errs); status != 2 || !strings.HasPrefix(line, `backprop: unknown command "fly" (want `) ||
		!strings.Contains(line, "export") || strings.Count(line, "\n") > 0 {
		t.Errorf("fly: status %d, stderr\n%s\nwant status 2 and one line listing the verbs, export among them", status, errs)
	}
	if !strings.Contains(errs, "serve") {
		t.Errorf("fly: stderr\n%s\nwant serve among the verbs", errs)
	}
}

// TestTrainEvaluatePredict: the main job end to end on an embedded set, and
// reproducibility: the same flags and seed give the same model file, byte
// for byte.
func TestTrainEvaluatePredict(t *testing.T) {
	dir := t.TempDir()
	m1, m2 := filepath.Join(dir, "m1.json"), filepath.Join(dir, "m2.json")
	hist := filepath.Join(dir, "h.csv")
	args := []string{"train", "--data", "iris", "--hidden", "8", "--epochs", "40", "--lr", "0.02", "--seed", "3", "--test-split", "0.2", "--val-split", "0.1"}
	out, errs, status := cli(t, append(args, "--out", m1, "--history", hist)...)
	if status != 0 {
		t.Fatalf("train: status %d: %s\n%s", status, errs, out)
	}
	if !strings.Contains(out, "test (30 examples): loss") || !strings.Contains(out, "model written to "+m1) {
		t.Errorf("train output:\n%s", out)
	}
	if _, _, status := cli(t, append(args, "--out", m2)...); status != 0 {
		t.Fatal("second run failed")
	}
	a, _ := os.ReadFile(m1)
	b, _ := os.ReadFile(m2)
	if !bytes.Equal(a, b) {
		t.Errorf("two runs with the same seed wrote different model files")
	}
	if h, err := os.ReadFile(hist); err != nil || !strings.HasPrefix(string(h), "epoch,") {
		t.Errorf("history: %v %q", err, h)
	}

	// evaluate on the training data scores the held-out test part, as
	// train split it, and reproduces the figure train printed exactly.
	trainTest := regexp.MustCompile(`test \(30 examples\): (.*)`).FindStringSubmatch(out)
	ev1, errs, status := cli(t, "evaluate", "--model", m1, "--data", "iris")
	if status != 0 || len(trainTest) != 2 {
		t.Fatalf("evaluate: %d %s", status, errs)
	}
	first, _, _ := strings.Cut(ev1, "\n")
	if want := m1 + " on iris: the held-out test part, 30 of its 150 rows"; !strings.HasPrefix(first, want) {
		t.Errorf("evaluate's first line: %q, want it to start %q", first, want)
	}
	if second := strings.Split(ev1, "\n")[1]; second != trainTest[1] {
		t.Errorf("evaluate on the held-out part: %q, train printed %q", second, trainTest[1])
	}
	out, errs, status = cli(t, "evaluate", "--model", m1, "--data", "iris", "--json", "--split", "all")
	if status != 0 {
		t.Fatalf("evaluate: %d %s", status, errs)
	}
	var ev struct {
		Examples  int
		Accuracy  float64
		Confusion [][]int
		Rows      string
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.Examples != 150 || ev.Accuracy < 0.9 || len(ev.Confusion) != 3 ||
		ev.Rows != "all 150 rows, 108 of which trained the model" {
		t.Errorf("evaluate --json --split all: %v %s", err, out)
	}
	// Other data has no parts; a test part read from a file is not in the
	// training data.
	if _, errs, status := cli(t, "evaluate", "--model", m1, "--data", "../../data/embedded/iris.csv", "--split", "val"); status != 0 {
		t.Errorf("the same rows from a file are the training data: status %d %s", status, errs)
	}
	other := filepath.Join(dir, "other.csv")
	os.WriteFile(other, []byte("sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n"), 0o644)
	if _, errs, status := cli(t, "evaluate", "--model", m1, "--data", other, "--split", "val"); status != 2 ||
		!strings.Contains(errs, "is not the data "+m1+" was trained on (another fingerprint), so it has no val part") {
		t.Errorf("--split val on other data: status %d %s", status, errs)
	}
	if out, errs, status := cli(t, "evaluate", "--model", m1, "--data", other); status != 0 || !strings.HasPrefix(out, m1+" on "+other+": all 1 rows") {
		t.Errorf("evaluate on other data: status %d %s%s", status, errs, out)
	}
	m3 := filepath.Join(dir, "m3.json")
	if _, errs, status := cli(t, append(args, "--test", other, "--out", m3)...); status != 0 {
		t.Fatalf("train --test: %s", errs)
	}
	if _, errs, status := cli(t, "evaluate", "--model", m3, "--data", "iris"); status != 2 ||
		!strings.Contains(errs, "the held-out test part of "+m3+" is not in iris, which trained it: it was read from "+other) {
		t.Errorf("evaluate, test part from a file: status %d %s", status, errs)
	}
	for split, n := range map[string]int{"": 30, "test": 30, "val": 12, "train": 108, "all": 150} {
		out, errs, status = cli(t, "predict", "--model", m1, "--data", "iris", "--proba", "--split", split)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if status != 0 || len(lines) != n+1 || !strings.HasPrefix(lines[0], "id,prediction,p_") {
			t.Errorf("predict --split %q: %d %s %q", split, status, errs, lines[:2])
		}
	}
	// Data whose features differ from the model's.
	_, errs, status = cli(t, "evaluate", "--model", m1, "--data", "wine")
	if status != 2 || !strings.Contains(errs, "sepal") {
		t.Errorf("evaluate on other features: status %d, %s", status, errs)
	}
}

func TestTrainRegressionAndBinary(t *testing.T) {
	dir := t.TempDir()
	for _, set := range []string{"diabetes", "breast_cancer"} {
		m := filepath.Join(dir, set+".json")
		out, errs, status := cli(t, "train", "--data", set, "--hidden", "16", "--epochs", "100", "--test-split", "0.2", "--out", m)
		if status != 0 {
			t.Fatalf("%s: status %d: %s\n%s", set, status, errs, out)
		}
		out, errs, status = cli(t, "evaluate", "--model", m, "--data", set, "--json")
		if status != 0 {
			t.Fatalf("%s: evaluate: %s", set, errs)
		}
		var ev map[string]float64
		json.Unmarshal([]byte(out), &ev)
		if set == "diabetes" && !(ev["r2"] > 0.3) || set == "breast_cancer" && !(ev["accuracy"] > 0.9) {
			t.Errorf("%s: %s", set, out)
		}
	}
}

// TestBareCommand: backprop with no verb prints the usage and exits 2; it
// never trains and never writes model.json.
func TestBareCommand(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	out, errs, status := cli(t)
	if status != 2 || out != "" || !strings.Contains(errs, "Usage: backprop <command>") ||
		!strings.HasSuffix(errs, "backprop: no command given (backprop train trains on the built-in digits set)\n") {
		t.Errorf("bare backprop: status %d, stdout %q, stderr\n%s", status, out, errs)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("bare backprop wrote %v", entries)
	}
}

// TestEvaluateReproducesTrain: on the data a model was trained from,
// evaluate scores the held-out part with the figures train printed, in
// either precision, for classification and regression.
func TestEvaluateReproducesTrain(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ set, precision string }{
		{"wine", "float32"}, {"wine", "float64"}, {"diabetes", "float32"}, {"diabetes", "float64"}} {
		model := filepath.Join(dir, c.set+c.precision+".json")
		out, errs, status := cli(t, "train", "--data", c.set, "--precision", c.precision, "--hidden", "6", "--epochs", "8", "--test-split", "0.2", "--out", model)
		if status != 0 {
			t.Fatalf("%s %s: train: %s", c.set, c.precision, errs)
		}
		_, want, _ := strings.Cut(regexp.MustCompile(`test \(\d+ examples\): .*`).FindString(out), ": ")
		ev, errs, status := cli(t, "evaluate", "--model", model, "--data", c.set)
		lines := strings.Split(ev, "\n")
		if status != 0 || len(lines) < 2 || want == "" || lines[1] != want {
			t.Errorf("%s %s: evaluate %q (status %d %s), train printed %q", c.set, c.precision, lines[:min(2, len(lines))], status, errs, want)
		}
	}
}
