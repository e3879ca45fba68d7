package raster_test

import (
	"bytes"
	"fmt"
	"image/png"

	"github.com/backprop-go/backprop/explain"
	"github.com/backprop-go/backprop/explain/raster"
)

// The worked example's step, drawn as a PNG image at twice the SVG's size.
func ExampleWritePNG() {
	t, err := explain.Step(explain.Article())
	if err != nil {
		panic(err)
	}
	var b bytes.Buffer
	if err := raster.WritePNG(&b, t); err != nil {
		panic(err)
	}
	cfg, err := png.DecodeConfig(&b)
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg.Width, "×", cfg.Height, "pixels")
	// Output: 2300 × 1418 pixels
}
