package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

// writeIDX writes an IDX directory of n training and m test images of one
// row of px pixels, three classes that depend on them, the training files
// gzip-compressed, and returns its path.
func writeIDX(t testing.TB, dir string, n, m, px int) string {
	t.Helper()
	pix, lab := make([]byte, (n+m)*px), make([]byte, n+m)
	for i := range n + m {
		for j := range px {
			pix[i*px+j] = byte((i*7 + j*31 + i*j) % 251)
		}
		lab[i] = byte(int(pix[i*px]) * 3 / 251)
	}
	for name, b := range map[string][]byte{
		"train-images-idx3-ubyte.gz": gz(idx(0x803, []uint32{uint32(n), 1, uint32(px)}, pix[:n*px])),
		"train-labels-idx1-ubyte.gz": gz(idx(0x801, []uint32{uint32(n)}, lab[:n])),
		"t10k-images-idx3-ubyte":     idx(0x803, []uint32{uint32(m), 1, uint32(px)}, pix[n*px:]),
		"t10k-labels-idx1-ubyte":     idx(0x801, []uint32{uint32(m)}, lab[n:]),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestStreamVerbsSameAsInMemory: evaluate and predict on a file streamed
// (--stream) print what they print on it read into memory, byte for byte —
// the figures (the JSON's full float64 included), the layers' health, the
// rows chosen by --split, their ids, every prediction (to standard output
// and to --out) — for models trained streamed (hashed splits: the file's
// own parts found again) and in memory (on other data: every row), of
// classification (two classes on one output, three on softmax) and
// regression, in float32 and float64, with records dropped for a missing
// value, and for an IDX directory.
func TestStreamVerbsSameAsInMemory(t *testing.T) {
	dir := t.TempDir()
	csv := writeStreamCSV(t, filepath.Join(dir, "s.csv"), 150<<10)
	other := writeStreamCSV(t, filepath.Join(dir, "other.csv"), 20<<10)
	idxDir := writeIDX(t, t.TempDir(), 900, 120, 5)
	// The features alone, without the target column (data to predict on;
	// evaluate refuses it).
	b, _ := os.ReadFile(other)
	var features bytes.Buffer
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if i := strings.LastIndexByte(line, ','); i >= 0 {
			line = line[:i] + "\n"
		}
		features.WriteString(line)
	}
	notarget := filepath.Join(dir, "features.csv")
	os.WriteFile(notarget, features.Bytes(), 0o644)
	base := []string{"--ignore", "id", "--hidden", "6", "--epochs", "2", "--batch", "32", "--health=false"}
	type model struct {
		name string
		args []string
		data []string // data to evaluate it on
	}
	models := []model{
		{"binary", []string{"--stream", "--missing", "mean", "--test-split", "0.2", "--val-split", "0.1"}, []string{csv, other, notarget}},
		{"softmax-drop", []string{"--stream", "--missing", "drop", "--target", "shade", "--test-split", "0.2", "--val-split", "0.1"}, []string{csv}},
		{"regression64", []string{"--stream", "--missing", "mean", "--target", "x1", "--precision", "float64", "--val-split", "0.2"}, []string{csv}},
		{"in-memory", []string{"--missing", "mean", "--epochs", "1", "--test-split", "0.2"}, []string{other, csv}},
		{"in-memory-whole", []string{"--missing", "mean", "--epochs", "1"}, []string{csv}},
		{"idx", []string{"--data", idxDir, "--stream", "--val-split", "0.2", "--ignore", ""}, []string{idxDir}},
	}
	for _, md := range models {
		path := filepath.Join(dir, md.name+".json")
		args := append(append([]string{"train", "--data", csv, "--out", path}, base...), md.args...)
		if _, errs, status := cli(t, args...); status != 0 {
			t.Fatalf("%s: train: status %d: %s", md.name, status, errs)
		}
		for _, data := range md.data {
			for _, split := range []string{"", "test", "val", "train", "all"} {
				if md.name == "in-memory" && data == csv && split != "val" {
					continue // refused streamed, below
				}
				for _, verb := range [][]string{
					{"evaluate"}, {"evaluate", "--json", "--health"}, {"predict", "--proba"}, {"predict", "--out"},
				} {
					run := func(stream string) (string, string, int, []byte) {
						a := append([]string{verb[0], "--model", path, "--data", data, "--split", split, "--stream=" + stream}, verb[1:]...)
						var out string
						if verb[len(verb)-1] == "--out" {
							out = filepath.Join(dir, "p-"+stream+".csv")
							os.Remove(out)
							a = append(a, out)
						}
						stdout, stderr, status := cli(t, a...)
						var b []byte
						if out != "" {
							b, _ = os.ReadFile(out)
						}
						return stdout, strings.ReplaceAll(stderr, "p-true", "p-false"), status, b
					}
					o1, e1, s1, f1 := run("false")
					o2, e2, s2, f2 := run("true")
					what := fmt.Sprintf("%s on %s, --split %q, %v", md.name, filepath.Base(data), split, verb)
					if o1 != o2 || e1 != e2 || s1 != s2 || !bytes.Equal(f1, f2) {
						t.Errorf("%s: in memory and streamed differ:\nin memory (status %d): %.400s%s\nstreamed (status %d): %.400s%s", what, s1, o1+string(f1), e1, s2, o2+string(f2), e2)
					}
					if s1 == 0 && len(o1)+len(f1) < 50 {
						t.Errorf("%s: output %q", what, o1+string(f1))
					}
				}
			}
		}
	}
	// The parts of a split drawn in memory cannot be drawn again by a
	// stream: on the model's own data, a --split that needs them is
	// refused.
	for _, split := range []string{"", "test", "train", "all"} {
		for _, verb := range []string{"evaluate", "predict"} {
			_, errs, status := cli(t, verb, "--model", filepath.Join(dir, "in-memory.json"), "--data", csv, "--stream", "--split", split)
			if status != 2 || !strings.Contains(errs, "whose parts that run drew in memory (shuffled, stratified by class), which streaming cannot draw again: drop --stream") {
				t.Errorf("%s --split %q: status %d, %s", verb, split, status, errs)
			}
		}
	}
}

// TestStreamResume: a streamed run checkpointed after epoch 2 and resumed
// to epoch 4 (--resume DIR --epochs 4) writes the model file of the run
// that trained 4 epochs without stopping, byte for byte — in minibatch
// mode through a shuffle buffer smaller than the training part (its draws
// replayed), in sgd mode and in batch mode (the gradient of the whole
// file each step), with validation and test parts; a file changed since
// the checkpoint is refused.
func TestStreamResume(t *testing.T) {
	dir := t.TempDir()
	data := writeStreamCSV(t, filepath.Join(dir, "s.csv"), 60<<10)
	base := []string{"train", "--data", data, "--stream", "--ignore", "id", "--missing", "mean", "--hidden", "6", "--val-split", "0.1",
		"--test-split", "0.1", "--seed", "3", "--patience", "0"}
	for _, mode := range [][]string{{"--mode", "minibatch", "--batch", "16", "--shuffle-buffer", "100"}, {"--mode", "sgd", "--shuffle-buffer", "30"}, {"--mode", "batch", "--optimizer", "momentum", "--lr", "0.1"}} {
		args := append(slices.Clone(base), mode...)
		whole, part, resumed := filepath.Join(dir, "whole.json"), filepath.Join(dir, "part.json"), filepath.Join(dir, "resumed.json")
		ck := filepath.Join(dir, "ck"+mode[1])
		out, errs, status := cli(t, append(args, "--epochs", "4", "--out", whole, "--checkpoint", filepath.Join(dir, "ck-whole"+mode[1]))...)
		if status != 0 {
			t.Fatalf("%v: status %d: %s", mode, status, errs)
		}
		if mode[1] == "batch" && !strings.Contains(out, "batch mode: every step reads the file again") {
			t.Errorf("batch mode: header:\n%s", out)
		}
		if _, errs, status := cli(t, append(args, "--epochs", "2", "--out", part, "--checkpoint", ck)...); status != 0 {
			t.Fatalf("%v: status %d: %s", mode, status, errs)
		}
		out, errs, status = cli(t, "train", "--resume", ck, "--epochs", "4", "--out", resumed)
		if status != 0 || !strings.Contains(out, "resuming "+ck+" after epoch 2") {
			t.Fatalf("%v: resume: status %d: %s%s", mode, status, out, errs)
		}
		a, _ := os.ReadFile(whole)
		b, _ := os.ReadFile(resumed)
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%v: the resumed run's model differs from the uninterrupted run's (%d and %d bytes)", mode, len(b), len(a))
		}
	}
	b, _ := os.ReadFile(data)
	os.WriteFile(data, append(b, "9,1,2,3,4,5,6,7,8,red,low\n"...), 0o644)
	_, errs, status := cli(t, "train", "--resume", filepath.Join(dir, "ck-whole"+"minibatch"), "--epochs", "5", "--out", filepath.Join(dir, "changed.json"))
	if status != 2 || !strings.Contains(errs, "the data differs from the data the run was training on") {
		t.Errorf("resumed on a changed file: status %d, %s", status, errs)
	}
}

// TestStreamInit: a streamed run starts from a model file (--init): its
// network, features, categories and input scaling, kept in the model it
// writes; data without the model's features is refused.
func TestStreamInit(t *testing.T) {
	dir := t.TempDir()
	data := writeStreamCSV(t, filepath.Join(dir, "s.csv"), 60<<10)
	first, second := filepath.Join(dir, "first.json"), filepath.Join(dir, "second.json")
	args := []string{"train", "--data", data, "--stream", "--ignore", "id", "--missing", "mean", "--epochs", "1", "--val-split", "0.1"}
	if _, errs, status := cli(t, append(args, "--hidden", "5", "--out", first)...); status != 0 {
		t.Fatal(errs)
	}
	out, errs, status := cli(t, append(args, "--init", first, "--seed", "2", "--out", second)...)
	if status != 0 || !strings.Contains(out, "(the weights of "+first+")") {
		t.Fatalf("status %d: %s%s", status, out, errs)
	}
	a, err := backprop.Load[float32](first)
	if err != nil {
		t.Fatal(err)
	}
	b, err := backprop.Load[float32](second)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Pipeline, b.Pipeline) || describeNet(a.Net) != describeNet(b.Net) || slices.Equal(a.Net.Layers[0].W, b.Net.Layers[0].W) {
		t.Errorf("--init: pipeline %+v, then %+v; network %s, then %s", a.Pipeline, b.Pipeline, describeNet(a.Net), describeNet(b.Net))
	}
	other := filepath.Join(dir, "other.csv")
	os.WriteFile(other, []byte("id,x1,y\n1,2,low\n2,3,high\n"), 0o644)
	_, errs, status = cli(t, "train", "--data", other, "--stream", "--init", first, "--epochs", "1", "--out", filepath.Join(dir, "o.json"))
	if status != 2 || !strings.Contains(errs, "columns do not match the features: missing \"x2\"") {
		t.Errorf("--init on other data: status %d, %s", status, errs)
	}
}

// TestStreamVerbsInterrupted: ^C (the context cancelled) stops evaluate
// and predict streamed, exit 130, and predict leaves --out as it was.
func TestStreamVerbsInterrupted(t *testing.T) {
	dir := t.TempDir()
	data := writeStreamCSV(t, filepath.Join(dir, "s.csv"), 20<<10)
	model, out := filepath.Join(dir, "m.json"), filepath.Join(dir, "p.csv")
	if _, errs, status := cli(t, "train", "--data", data, "--stream", "--ignore", "id", "--missing", "mean", "--hidden", "4", "--epochs", "1", "--out", model); status != 0 {
		t.Fatal(errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, args := range [][]string{{"evaluate"}, {"predict", "--out", out}} {
		var stdout, stderr bytes.Buffer
		err := run(ctx, append(args, "--model", model, "--data", data, "--stream"), &stdout, &stderr)
		if status := report(err, &stderr); status != 130 || !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("%v: status %d, %s", args, status, stderr.String())
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an interrupted predict wrote --out: %v", err)
	}
}
