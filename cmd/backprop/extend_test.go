package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

// TestResumeExtends: --resume DIR --epochs N, beyond the run's epochs,
// continues to epoch N and writes the model file, byte for byte, of a run
// that asked for N epochs from the start, for schedules that do not depend
// on the number of epochs (constant, step). A cosine run extended to N
// epochs takes, for the epochs to come, the rates of the N-epoch cosine
// (α·½(1 + cos(π(e−1)/N))); the epochs it ran keep theirs. Fewer epochs
// than the run's are refused.
func TestResumeExtends(t *testing.T) {
	dir := t.TempDir()
	base := []string{"train", "--data", "iris", "--hidden", "5", "--seed", "2", "--lr", "0.01"}
	for _, sched := range [][]string{{"--schedule", "constant"}, {"--schedule", "step", "--every", "2", "--gamma", "0.5"}} {
		name := sched[1]
		ck, short, extended, whole := filepath.Join(dir, name+"-ck"), filepath.Join(dir, name+"3.json"),
			filepath.Join(dir, name+"3to7.json"), filepath.Join(dir, name+"7.json")
		args := append(append([]string{}, base...), sched...)
		if _, errs, status := cli(t, append(args, "--epochs", "3", "--checkpoint", ck, "--out", short)...); status != 0 {
			t.Fatalf("%s: train: %s", name, errs)
		}
		out, errs, status := cli(t, "train", "--resume", ck, "--epochs", "7", "--out", extended)
		if status != 0 || !strings.Contains(out, "resuming "+ck+" after epoch 3") {
			t.Fatalf("%s: resume --epochs 7: status %d %s\n%s", name, status, errs, out)
		}
		if _, errs, status := cli(t, append(args, "--epochs", "7", "--checkpoint", filepath.Join(dir, name+"-ck7"), "--out", whole)...); status != 0 {
			t.Fatalf("%s: train 7: %s", name, errs)
		}
		a, _ := os.ReadFile(extended)
		b, _ := os.ReadFile(whole)
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: 3 epochs extended to 7 differ from 7 epochs from the start", name)
		}
		_, errs, status = cli(t, "train", "--resume", filepath.Join(dir, name+"-ck7"), "--epochs", "5", "--out", extended)
		if status != 2 || !strings.Contains(errs, "--epochs 5 is fewer than the run's 7: a run can be extended, not shortened") {
			t.Errorf("%s: --epochs 5 on a run of 7: status %d %s", name, status, errs)
		}
	}

	// Cosine: 4 epochs, extended to 8.
	ck, model := filepath.Join(dir, "cos-ck"), filepath.Join(dir, "cos.json")
	args := append(append([]string{}, base...), "--schedule", "cosine", "--epochs", "4", "--checkpoint", ck, "--out", model)
	if _, errs, status := cli(t, args...); status != 0 {
		t.Fatalf("cosine: train: %s", errs)
	}
	if _, errs, status := cli(t, "train", "--resume", ck, "--epochs", "8", "--out", model); status != 0 {
		t.Fatalf("cosine: resume --epochs 8: %s", errs)
	}
	m, err := backprop.Load[float32](model)
	if err != nil {
		t.Fatal(err)
	}
	var hist []struct {
		Epoch int
		Alpha float64
	}
	if err := json.Unmarshal(m.Provenance.History, &hist); err != nil || len(hist) != 8 {
		t.Fatalf("history: %v, %d epochs", err, len(hist))
	}
	for _, h := range hist {
		E := 4.0
		if h.Epoch > 4 {
			E = 8
		}
		if want := 0.01 * (1 + math.Cos(math.Pi*float64(h.Epoch-1)/E)) / 2; h.Alpha != want {
			t.Errorf("cosine extended: epoch %d: α = %v, want %v", h.Epoch, h.Alpha, want)
		}
	}
}
