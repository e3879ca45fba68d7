package main

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// picture checks that path holds a PNG that decodes, or a well-formed SVG,
// and returns its bytes.
func picture(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".png") {
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w < 400 || h < 300 {
			t.Errorf("%s: a %d × %d picture", path, w, h)
		}
		return data
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", path, err)
		}
	}
	return data
}

func TestExplainPictures(t *testing.T) {
	dir := t.TempDir()
	svg, pngPath := filepath.Join(dir, "step.svg"), filepath.Join(dir, "step.png")
	out, errs, status := cli(t, "explain", "--svg", svg, "--png", pngPath)
	if status != 0 {
		t.Fatalf("status %d: %s", status, errs)
	}
	if !strings.Contains(out, "0.698076") {
		t.Error("explain --svg no longer writes the text")
	}
	if data := picture(t, svg); !bytes.Contains(data, []byte("0.7 → 0.812167")) {
		t.Error("the SVG lacks the update of w3_12")
	}
	picture(t, pngPath)

	// The handout embeds the picture.
	out, errs, status = cli(t, "explain", "--format", "markdown")
	if status != 0 || !strings.Contains(out, "](data:image/svg+xml;base64,") {
		t.Errorf("status %d (%s); the Markdown has no embedded SVG", status, errs)
	}

	// A wrong extension is a usage error, and nothing is written.
	for _, args := range [][]string{
		{"explain", "--svg", filepath.Join(dir, "x.png")},
		{"explain", "--png", filepath.Join(dir, "x.svg")},
		{"explain", "--png", filepath.Join(dir, "x.jpg")},
	} {
		_, errs, status := cli(t, args...)
		if status != 2 || !strings.Contains(errs, "want a file name ending in") {
			t.Errorf("%v: status %d, %q", args, status, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.png")); err == nil {
		t.Error("a refused --svg wrote a file")
	}
}

func TestTrainAndEvaluatePlots(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "iris.json")
	hist := filepath.Join(dir, "history.png")
	out, errs, status := cli(t, "train", "--data", "iris", "--hidden", "8", "--epochs", "15", "--lr", "0.02",
		"--out", model, "--plot", hist)
	if status != 0 {
		t.Fatalf("train: status %d: %s\n%s", status, errs, out)
	}
	if !strings.Contains(out, "history plot written to "+hist) {
		t.Errorf("train output:\n%s", out)
	}
	picture(t, hist)

	conf := filepath.Join(dir, "confusion.svg")
	out, errs, status = cli(t, "evaluate", "--model", model, "--data", "iris", "--plot", conf)
	if status != 0 {
		t.Fatalf("evaluate: status %d: %s", status, errs)
	}
	if !strings.Contains(out, "confusion matrix drawn in "+conf) {
		t.Errorf("evaluate output:\n%s", out)
	}
	if data := picture(t, conf); !bytes.Contains(data, []byte("versicolor")) {
		t.Error("the confusion matrix lacks the class names")
	}
	// With --json the output stays one JSON object.
	out, _, status = cli(t, "evaluate", "--model", model, "--data", "iris", "--json", "--plot", filepath.Join(dir, "c.png"))
	if status != 0 || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("evaluate --json --plot: status %d, output:\n%s", status, out)
	}
	picture(t, filepath.Join(dir, "c.png"))

	// Regression: R² per epoch; no confusion matrix.
	reg := filepath.Join(dir, "diabetes.json")
	regPlot := filepath.Join(dir, "diabetes.svg")
	if _, errs, status := cli(t, "train", "--data", "diabetes", "--hidden", "8", "--epochs", "5", "--out", reg, "--plot", regPlot); status != 0 {
		t.Fatalf("train diabetes: status %d: %s", status, errs)
	}
	if data := picture(t, regPlot); !bytes.Contains(data, []byte("R²")) {
		t.Error("the regression plot does not show R²")
	}
	_, errs, status = cli(t, "evaluate", "--model", reg, "--data", "diabetes", "--plot", filepath.Join(dir, "r.png"))
	if status != 2 || !strings.Contains(errs, "regression model") {
		t.Errorf("evaluate --plot on a regression model: status %d, %q", status, errs)
	}

	// A bad extension is refused before any training.
	for _, args := range [][]string{
		{"train", "--data", "iris", "--out", filepath.Join(dir, "never.json"), "--plot", filepath.Join(dir, "h.gif")},
		{"evaluate", "--model", model, "--data", "iris", "--plot", filepath.Join(dir, "c.jpeg")},
		{"train", "--data", "iris", "--out", filepath.Join(dir, "never.json"), "--plot", filepath.Join(dir, "history")},
	} {
		_, errs, status := cli(t, args...)
		if status != 2 || !strings.Contains(errs, "want .png or .svg") {
			t.Errorf("%v: status %d, %q", args, status, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "never.json")); err == nil {
		t.Error("train with a bad --plot trained anyway")
	}
}
