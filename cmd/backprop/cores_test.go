package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backprop-go/backprop/internal/testenv"
)

// TestSameModelOnEveryCore trains with GOMAXPROCS 1, 2 and 4 (and 64 with
// BACKPROP_LONG=1) and expects byte-identical model files: float32 and
// float64, every optimizer, batches cut into shards (64 rows), summed over
// chunks (batch mode), small enough for the kernel to split its own
// products among the threads (16 rows of 512-wide layers), and one example
// per step; each network large enough for the update to be shared too.
func TestSameModelOnEveryCore(t *testing.T) {
	bin := backpropBin(t)
	dir := t.TempDir()
	procs := []int{1, 2, 4}
	if testenv.IsLong() {
		procs = append(procs, 64)
	}
	common := []string{"train", "--data", "digits", "--epochs", "1", "--health=false"}
	for _, c := range [][]string{
		{"--hidden", "256,128", "--batch", "64", "--optimizer", "sgd", "--lr", "0.1"},
		{"--hidden", "256,128", "--batch", "64", "--optimizer", "adam", "--precision", "float64"},
		{"--hidden", "512,512", "--batch", "16", "--optimizer", "momentum", "--lr", "0.01"},
		{"--hidden", "256,128", "--mode", "batch", "--optimizer", "nesterov", "--lr", "0.1", "--precision", "float64"},
		{"--hidden", "256", "--mode", "sgd", "--optimizer", "sgd", "--lr", "0.01", "--epochs", "1"},
	} {
		name := strings.Join(c, " ")
		var first []byte
		for _, p := range procs {
			out := filepath.Join(dir, fmt.Sprintf("m%d.json", p))
			cmd := exec.Command(bin, append(append(append([]string{}, common...), c...), "--out", out)...)
			cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", p))
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s, GOMAXPROCS=%d: %v\n%s", name, p, err, b)
			}
			model, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = model
				continue
			}
			if !bytes.Equal(model, first) {
				t.Errorf("%s: the model of GOMAXPROCS=%d differs from that of GOMAXPROCS=%d", name, p, procs[0])
			}
		}
	}
}
