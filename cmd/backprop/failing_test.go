package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFailingRunWritesNothing: a run that fails — a bad flag, a divergence
// with nothing better than the initial weights — leaves a pre-existing
// --out as it was; predict and evaluate refuse non-finite outputs.
func TestFailingRunWritesNothing(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.json")
	good := []byte("a good model\n")
	os.WriteFile(out, good, 0o644)
	tr := []string{"train", "--data", "iris", "--hidden", "4", "--epochs", "3", "--out", out}
	for _, tc := range []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"--val-split", "-0.1"}, 2, "train: --val-split -0.1: want a fraction from 0 to below 1"},
		{[]string{"--val-split", "NaN"}, 2, "train: --val-split NaN: want a fraction from 0 to below 1"},
		{[]string{"--test-split", "1"}, 2, "train: --test-split 1: want a fraction from 0 to below 1"},
		{[]string{"--slope", "Inf"}, 2, "train: --slope +Inf: want a finite number"},
		{[]string{"--lr", "-1"}, 2, "train: --lr -1: want a positive, finite learning rate"},
		{[]string{"--lr", "1e30", "--optimizer", "sgd", "--val-split", "0"}, 1, "no epoch was better than the initial weights: nothing written to " + out},
		{[]string{"--lr", "1e30", "--optimizer", "sgd"}, 1, "no epoch was better than the initial weights: nothing written to " + out},
	} {
		_, errs, status := cli(t, append(tr, tc.args...)...)
		if status != tc.status || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: status %d, stderr\n%s\nwant %d and one line with %q", tc.args, status, errs, tc.status, tc.want)
		}
		if b, _ := os.ReadFile(out); !bytes.Equal(b, good) {
			t.Fatalf("%v: --out was written", tc.args)
		}
	}

	// A model whose outputs overflow float32.
	huge := filepath.Join(dir, "huge.json")
	os.WriteFile(huge, []byte(`{"inputs":2,"loss":"squared","layers":[{"activation":"identity","weights":[[3e38,3e38]]}]}`), 0o644)
	csv := filepath.Join(dir, "x.csv")
	os.WriteFile(csv, []byte("a,b,y\n0,0,1\n1,1,2\n"), 0o644)
	pred := filepath.Join(dir, "pred.csv")
	os.WriteFile(pred, good, 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"predict", "--model", huge, "--data", csv, "--out", pred}, "predict: row 2 of " + csv + ": the model's output is +Inf"},
		{[]string{"evaluate", "--model", huge, "--data", csv}, "the model's outputs are not finite on some rows"},
		// Streamed, predict writes each row as it is computed: to --out
		// through a temporary file, which the failure removes.
		{[]string{"predict", "--model", huge, "--data", csv, "--out", pred, "--stream"}, "predict: row 2 of " + csv + ": the model's output is +Inf (its weights overflow on this input): no prediction written"},
		{[]string{"evaluate", "--model", huge, "--data", csv, "--stream"}, "the model's outputs are not finite on some rows"},
	} {
		stdout, errs, status := cli(t, tc.args...)
		if status != 2 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, tc.want) || stdout != "" {
			t.Errorf("%v: status %d, stdout %q, stderr\n%s\nwant 2 and one line with %q", tc.args, status, stdout, errs, tc.want)
		}
	}
	if b, _ := os.ReadFile(pred); !bytes.Equal(b, good) {
		t.Error("predict wrote --out")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 4 {
		t.Errorf("files left in the directory: %v", entries)
	}
	// To standard output, the rows before the failing one are written, and
	// the message says so.
	stdout, errs, status := cli(t, "predict", "--model", huge, "--data", csv, "--stream")
	if want := "the predictions before it are written"; status != 2 || stdout != "id,prediction\n1,0\n" || !strings.Contains(errs, want) {
		t.Errorf("predict --stream to standard output: status %d, stdout %q, stderr %s; want 2, the first row, and %q", status, stdout, errs, want)
	}
}
