package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/train"
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

// TestEvaluateHealth: evaluate --health reports each layer's health on the
// data, with the vanishing warning for the 8-layer sigmoid network, in
// text and in JSON.
func TestEvaluateHealth(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sigmoid.json")
	if _, stderr, status := cli(t, "train", "--data", "digits", "--hidden", "32,32,32,32,32,32,32",
		"--activation", "sigmoid", "--optimizer", "sgd", "--lr", "0.1", "--epochs", "1", "--out", out); status != 0 {
		t.Fatal(stderr)
	}
	text, stderr, status := cli(t, "evaluate", "--model", out, "--data", "digits", "--health")
	if status != 0 {
		t.Fatal(stderr)
	}
	for _, s := range []string{"health of each layer on these rows", "1      sigmoid", "8      softmax",
		"warning: vanishing gradients: layer 1's gradient RMS"} {
		if !strings.Contains(text, s) {
			t.Errorf("evaluate --health does not say %q:\n%s", s, text)
		}
	}
	js, stderr, status := cli(t, "evaluate", "--model", out, "--data", "digits", "--health", "--json")
	if status != 0 {
		t.Fatal(stderr)
	}
	var got struct {
		Health   []train.LayerHealth `json:"health"`
		Warnings []string            `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(js), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Health) != 8 || !(got.Health[0].GradRMS > 0) || len(got.Warnings) == 0 || !strings.HasPrefix(got.Warnings[0], "vanishing") {
		t.Errorf("JSON health %+v, warnings %q", got.Health, got.Warnings)
	}
}
