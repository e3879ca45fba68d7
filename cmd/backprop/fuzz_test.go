package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/backprop-go/backprop"
)

// FuzzReadCheckpoint: no checkpoint file makes reading it, or loading its
// weights into a network, panic.
func FuzzReadCheckpoint(f *testing.F) {
	dir := f.TempDir()
	ck := filepath.Join(dir, "ck")
	var out, errs bytes.Buffer
	err := run(context.Background(), []string{"train", "--data", "iris", "--hidden", "3", "--epochs", "2", "--lr", "0.05",
		"--out", filepath.Join(dir, "m.json"), "--checkpoint", ck}, &out, &errs)
	if err != nil {
		f.Fatalf("train: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(ck, checkpointFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"checksum":"sha256:00","payload":{}}`))
	net, err := backprop.New[float32](4, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 3, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 3, Activation: backprop.Softmax})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, checkpointFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := readCheckpoint(d)
		if err != nil {
			return
		}
		resumeWeights(c, net)
	})
}
