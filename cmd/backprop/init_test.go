package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTrainInit: train --init starts from the model's weights: one epoch at
// a negligible rate scores the test part as the model did (classifier and
// regression, whose target scaling is unfolded and folded back), and a
// longer run from it works. Flags that would design another network are
// refused.
func TestTrainInit(t *testing.T) {
	dir := t.TempDir()
	testLine := regexp.MustCompile(`test \(\d+ examples\): .*`)
	for _, c := range []struct{ set, epochs string }{{"iris", "15"}, {"diabetes", "15"}} {
		m1, m2, m3 := filepath.Join(dir, c.set+"1.json"), filepath.Join(dir, c.set+"2.json"), filepath.Join(dir, c.set+"3.json")
		out1, errs, status := cli(t, "train", "--data", c.set, "--hidden", "8", "--epochs", c.epochs, "--test-split", "0.2", "--out", m1)
		if status != 0 {
			t.Fatalf("%s: train: %s", c.set, errs)
		}
		out2, errs, status := cli(t, "train", "--data", c.set, "--init", m1, "--epochs", "1", "--lr", "1e-30", "--test-split", "0.2", "--out", m2)
		if status != 0 {
			t.Fatalf("%s: train --init: %s", c.set, errs)
		}
		if a, b := testLine.FindString(out1), testLine.FindString(out2); a == "" || a != b {
			t.Errorf("%s: --init and a step of 1e-30: %q, the model scored %q", c.set, b, a)
		}
		if !strings.Contains(out2, "(the weights of "+m1+")") {
			t.Errorf("%s: train --init does not say where the weights come from:\n%s", c.set, out2)
		}
		if _, errs, status := cli(t, "train", "--data", c.set, "--init", m1, "--epochs", "30", "--out", m3); status != 0 {
			t.Fatalf("%s: train --init: %s", c.set, errs)
		}
		// A warm-started run checkpoints and resumes like any other.
		ck, a, b := filepath.Join(dir, c.set+"-ck"), filepath.Join(dir, c.set+"a.json"), filepath.Join(dir, c.set+"b.json")
		if _, errs, status := cli(t, "train", "--data", c.set, "--init", m1, "--epochs", "2", "--checkpoint", ck, "--out", a); status != 0 {
			t.Fatalf("%s: train --init --checkpoint: %s", c.set, errs)
		}
		if _, errs, status := cli(t, "train", "--resume", ck, "--epochs", "4", "--out", a); status != 0 {
			t.Fatalf("%s: resume a run of --init: %s", c.set, errs)
		}
		if _, errs, status := cli(t, "train", "--data", c.set, "--init", m1, "--epochs", "4", "--checkpoint", ck+"2", "--out", b); status != 0 {
			t.Fatalf("%s: train --init: %s", c.set, errs)
		}
		if x, y := readFile(t, a), readFile(t, b); len(x) == 0 || string(x) != string(y) {
			t.Errorf("%s: a run of --init resumed to 4 epochs differs from 4 epochs from the start", c.set)
		}
		_, errs, status = cli(t, "train", "--data", c.set, "--init", m1, "--hidden", "4", "--out", m3)
		if status != 2 || !strings.Contains(errs, "--init takes the network, loss, scaling and target from "+m1+": drop --hidden") {
			t.Errorf("%s: --init with --hidden: status %d %s", c.set, status, errs)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
