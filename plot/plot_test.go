package plot_test

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backprop-go/backprop/plot"
	"github.com/backprop-go/backprop/train"
)

// checkPicture checks that path holds a PNG that decodes to a picture of
// sensible size, or a well-formed SVG document.
func checkPicture(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	switch filepath.Ext(path) {
	case ".png":
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w < 400 || h < 300 || w > 4000 || h > 4000 {
			t.Errorf("%s: a %d × %d picture", path, w, h)
		}
	case ".svg":
		dec := xml.NewDecoder(bytes.NewReader(data))
		svg := false
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", path, err)
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "svg" {
				svg = true
			}
		}
		if !svg {
			t.Errorf("%s has no svg element", path)
		}
	}
}

// history is a made-up run of n epochs, with a validation set.
func history(n int, task train.Task, val bool) []train.Epoch {
	var h []train.Epoch
	for e := 1; e <= n; e++ {
		f := float64(e)
		s := train.Score{Loss: 2 / f}
		if task == train.TaskRegression {
			s.R2, s.MSE = 1-1/f, 1/f
		} else {
			s.Accuracy = 1 - 0.5/f
		}
		ep := train.Epoch{Epoch: e, Alpha: 0.01, Train: s}
		if val {
			v := s
			v.Loss = 2/f + 0.01*f
			ep.Val = &v
		}
		h = append(h, ep)
	}
	return h
}

func TestHistory(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		h    []train.Epoch
		task train.Task
	}{
		{"classification", history(30, train.TaskClassification, true), train.TaskClassification},
		{"regression", history(60, train.TaskRegression, true), train.TaskRegression},
		{"no-validation", history(3, train.TaskClassification, false), train.TaskClassification},
		{"log-scale", history(400, train.TaskClassification, false), train.TaskClassification},
	} {
		for _, ext := range []string{".png", ".svg", ".PNG"} {
			path := filepath.Join(dir, c.name+ext)
			if err := plot.History(path, c.h, c.task); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			checkPicture(t, path)
		}
	}
	// The R² plot says so.
	data, _ := os.ReadFile(filepath.Join(dir, "regression.svg"))
	if !bytes.Contains(data, []byte("R²")) {
		t.Error("the regression plot does not name R²")
	}
}

// TestHistoryHealth: a history with its layers' health gets a third panel,
// the gradient RMS of each layer (at most 8 lines: the first, the last and
// others between); one without health, or whose gradients are all 0, does
// not.
func TestHistoryHealth(t *testing.T) {
	dir := t.TempDir()
	withHealth := func(layers int, rms float64) []train.Epoch {
		h := history(5, train.TaskClassification, true)
		for e := range h {
			for l := 1; l <= layers; l++ {
				h[e].Health = append(h[e].Health, train.LayerHealth{Layer: l, Activation: "sigmoid", GradRMS: rms * float64(l*l)})
			}
		}
		return h
	}
	for _, c := range []struct {
		name   string
		h      []train.Epoch
		panel  bool
		labels []string
	}{
		{"health", withHealth(3, 1e-5), true, []string{"layer 1", "layer 2", "layer 3"}},
		{"deep", withHealth(20, 1e-6), true, []string{"layer 1", "layer 20"}},
		{"zero", withHealth(3, 0), false, nil},
		{"none", history(5, train.TaskClassification, true), false, nil},
	} {
		for _, ext := range []string{".png", ".svg"} {
			path := filepath.Join(dir, c.name+ext)
			if err := plot.History(path, c.h, train.TaskClassification); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			checkPicture(t, path)
		}
		data, _ := os.ReadFile(filepath.Join(dir, c.name+".svg"))
		svg := string(data)
		if got := strings.Contains(svg, "per-layer health: gradient RMS"); got != c.panel {
			t.Errorf("%s: health panel %v, want %v", c.name, got, c.panel)
		}
		for _, l := range c.labels {
			if !strings.Contains(svg, ">"+l+"<") {
				t.Errorf("%s: no line for %s", c.name, l)
			}
		}
		if n := strings.Count(svg, ">layer "); c.panel && n > 8 {
			t.Errorf("%s: %d layers drawn, want at most 8", c.name, n)
		}
	}
}

func TestConfusion(t *testing.T) {
	dir := t.TempDir()
	m := [][]int{{49, 1, 0}, {0, 49, 1}, {0, 0, 50}}
	for _, ext := range []string{".png", ".svg"} {
		path := filepath.Join(dir, "iris"+ext)
		if err := plot.Confusion(path, m, []string{"setosa", "versicolor", "virginica"}); err != nil {
			t.Fatal(err)
		}
		checkPicture(t, path)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "iris.svg"))
	for _, want := range []string{"versicolor", "accuracy 0.9867"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("the confusion SVG lacks %q", want)
		}
	}
	// Ten classes, no names.
	big := make([][]int, 10)
	for i := range big {
		big[i] = make([]int, 10)
		big[i][i] = 30
		big[i][(i+1)%10] = i
	}
	path := filepath.Join(dir, "digits.png")
	if err := plot.Confusion(path, big, nil); err != nil {
		t.Fatal(err)
	}
	checkPicture(t, path)
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		err  error
		want string
	}{
		{plot.History(filepath.Join(dir, "h.gif"), history(3, train.TaskClassification, false), train.TaskClassification), `unknown picture format ".gif" (want .png or .svg)`},
		{plot.History(filepath.Join(dir, "h"), history(3, train.TaskClassification, false), train.TaskClassification), "no extension, want .png or .svg"},
		{plot.History(filepath.Join(dir, "h.png"), nil, train.TaskClassification), "no epochs to plot"},
		{plot.Confusion(filepath.Join(dir, "c.png"), [][]int{{1, 2}, {3}}, nil), "row 2 has 1 counts, want 2"},
		{plot.Confusion(filepath.Join(dir, "c.png"), [][]int{{1, 2}, {3, 4}}, []string{"a"}), "1 class names for a 2 × 2 confusion matrix"},
		{plot.Confusion(filepath.Join(dir, "c.png"), nil, nil), "an empty confusion matrix"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("error %v, want one with %q", c.err, c.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed call left %d files", len(entries))
	}
	if err := plot.CheckPath("a/b.Svg"); err != nil {
		t.Errorf("CheckPath(a/b.Svg) = %v", err)
	}
}
