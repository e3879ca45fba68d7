// Package pic is the picture of a step as a list of shapes, shared by
// package explain, which lays it out and writes it as SVG, and package
// explain/raster, which rasterizes it to PNG with gonum's vg canvas. The
// split keeps gonum/plot (and its fonts) out of everything that imports
// explain without drawing PNG images: the playground's WebAssembly engine
// is a megabyte smaller for it.
package pic

import (
	"image"
	"image/color"
)

// Kind is the kind of a shape.
type Kind int

// The shapes.
const (
	Rect Kind = iota
	Line
	Circle
	Text
	Image
)

// An Item is one shape, in pixels from the top left corner. Colours with
// alpha 0 are not painted.
type Item struct {
	Kind       Kind
	Class      string  // the SVG class, which tests count by
	X, Y, W, H float64 // rect, image: top left and size; circle: centre in X, Y
	X2, Y2     float64 // line: from X, Y to X2, Y2
	R          float64 // circle: radius; rect: corner radius
	Fill       color.NRGBA
	Stroke     color.NRGBA
	SW         float64 // stroke width
	Dash       bool
	Text       string  // text: at X, Y (the baseline)
	Size       float64 // text: font size
	Anchor     int     // text: -1 start, 0 middle, 1 end
	Bold       bool
	Img        image.Image // image
	Title      string      // SVG tooltip
}

// Scene is a picture: its size in pixels and its shapes, painted in order.
type Scene struct {
	W, H  float64
	Items []Item
}

// Of returns the picture of an *explain.Trace (and nil for anything
// else). Package explain sets it when it is initialised; explain/raster
// calls it.
var Of func(trace any) *Scene

// Upscale returns img with each pixel repeated kx times across and ky
// times down.
func Upscale(img image.Image, kx, ky int) image.Image {
	kx, ky = max(kx, 1), max(ky, 1)
	if kx == 1 && ky == 1 {
		return img
	}
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx()*kx, b.Dy()*ky))
	for y := range out.Rect.Dy() {
		for x := range out.Rect.Dx() {
			out.Set(x, y, img.At(b.Min.X+x/kx, b.Min.Y+y/ky))
		}
	}
	return out
}
