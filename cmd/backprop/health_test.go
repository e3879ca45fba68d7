package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

// TestTrainHealth: train prints each layer's health every epoch and keeps it
// in the model file's history; an 8-layer sigmoid network on the digits gets
// the vanishing-gradient warning naming layer 1, once; the same network with
// relu does not; --health=false prints and keeps none.
func TestTrainHealth(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ activation, health string }{{"sigmoid", "true"}, {"relu", "true"}, {"sigmoid", "false"}} {
		out := filepath.Join(dir, c.activation+c.health+".json")
		stdout, stderr, status := cli(t, "train", "--data", "digits", "--hidden", "32,32,32,32,32,32,32",
			"--activation", c.activation, "--optimizer", "sgd", "--lr", "0.1", "--epochs", "3", "--health="+c.health, "--out", out)
		if status != 0 {
			t.Fatalf("%s: status %d: %s", c.activation, status, stderr)
		}
		lines := strings.Count(stdout, "health by layer 1…8: grad RMS ")
		warnings := strings.Count(stdout, "warning: vanishing gradients: at epoch 1, layer 1's gradient RMS")
		switch {
		case c.health == "false" && (lines != 0 || strings.Contains(stdout, "warning")):
			t.Errorf("--health=false printed health:\n%s", stdout)
		case c.health == "true" && lines != 3:
			t.Errorf("%s: %d health lines, want 3:\n%s", c.activation, lines, stdout)
		case c.activation == "sigmoid" && c.health == "true" && warnings != 1:
			t.Errorf("sigmoid: %d vanishing warnings naming layer 1, want 1:\n%s", warnings, stdout)
		case c.activation == "relu" && strings.Contains(stdout, "warning"):
			t.Errorf("relu: a warning:\n%s", stdout)
		}
		m, err := backprop.Load[float64](out)
		if err != nil {
			t.Fatal(err)
		}
		var hist []struct {
			Health []struct {
				Layer   int     `json:"layer"`
				GradRMS float64 `json:"grad_rms"`
			} `json:"health"`
		}
		if err := json.Unmarshal(m.Provenance.History, &hist); err != nil || len(hist) != 3 {
			t.Fatalf("history %v: %s", err, m.Provenance.History)
		}
		if want := map[string]int{"true": 8, "false": 0}[c.health]; len(hist[2].Health) != want {
			t.Errorf("%s, --health=%s: the model's history has %d layers of health, want %d", c.activation, c.health, len(hist[2].Health), want)
		}
	}
}
