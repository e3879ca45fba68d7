package raster_test

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/explain"
	"github.com/backprop-go/backprop/explain/raster"
)

func articleTrace(t *testing.T) *explain.Trace {
	t.Helper()
	tr, err := explain.Step(explain.Article())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// wideTrace is a step of a 64-32-10 network, drawn as heat maps.
func wideTrace(t *testing.T) *explain.Trace {
	t.Helper()
	net, err := backprop.New[float64](64, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 32, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 10, Activation: backprop.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, 64)
	for i := range x {
		x[i] = float64(i%7)/3 - 1
	}
	y := make([]float64, 10)
	y[3] = 1
	tr, err := explain.Step(net, [][]float64{x}, [][]float64{y}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestPNG(t *testing.T) {
	for name, tr := range map[string]*explain.Trace{"worked example": articleTrace(t), "64-32-10": wideTrace(t)} {
		var b bytes.Buffer
		if err := raster.WritePNG(&b, tr); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		if w < 1200 || w > 6000 || h < 600 || h > 4000 || w < h {
			t.Errorf("%s: a %d × %d picture", name, w, h)
		}
	}
}

func TestNoTrace(t *testing.T) {
	if err := raster.WritePNG(&bytes.Buffer{}, nil); err == nil {
		t.Error("a nil trace drawn without an error")
	}
}
