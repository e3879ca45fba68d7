// Package raster draws the picture of a step of backpropagation, that of
// explain's Trace.WriteSVG, as a PNG image, rasterized with gonum's vg
// canvas. It is a package of its own so that a program that explains steps
// without drawing PNG images (the playground's WebAssembly engine) does not
// link gonum/plot and its fonts.
package raster

import (
	"errors"
	"image/color"
	"io"
	"math"
	"sync"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/backprop-go/backprop/explain"
	"github.com/backprop-go/backprop/explain/internal/pic"
)

// WritePNG writes the picture of t.WriteSVG as a PNG image, at twice its
// size in pixels.
func WritePNG(w io.Writer, t *explain.Trace) error {
	s := pic.Of(t)
	if s == nil {
		return errors.New("raster: no trace to draw")
	}
	return writePNG(w, s, 2)
}

var (
	fontsOnce sync.Once
	fonts     *font.Cache
)

// face returns Liberation Sans at size (in pixels, drawn 1 px = 1 pt), the
// font pic.TextWidth measures.
func face(size float64, bold bool) font.Face {
	fontsOnce.Do(func() { fonts = font.NewCache(liberation.Collection()) })
	f := font.Font{Typeface: "Liberation", Variant: "Sans"}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return fonts.Lookup(f, vg.Length(size))
}

// writePNG rasterizes s at scale device pixels per pixel.
func writePNG(w io.Writer, s *pic.Scene, scale float64) error {
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(s.W), vg.Length(s.H)), vgimg.UseDPI(int(math.Round(72*scale))),
		vgimg.UseBackgroundColor(color.White))
	H := s.H
	pt := func(x, y float64) vg.Point { return vg.Point{X: vg.Length(x), Y: vg.Length(H - y)} }
	for _, it := range s.Items {
		c.SetLineDash(nil, 0)
		switch it.Kind {
		case pic.Rect:
			p := roundRect(it.X, H-it.Y-it.H, it.W, it.H, it.R)
			if it.Fill.A != 0 {
				c.SetColor(it.Fill)
				c.Fill(p)
			}
			if it.Stroke.A != 0 {
				c.SetColor(it.Stroke)
				c.SetLineWidth(vg.Length(it.SW))
				c.Stroke(p)
			}
		case pic.Line:
			var p vg.Path
			p.Move(pt(it.X, it.Y))
			p.Line(pt(it.X2, it.Y2))
			c.SetColor(it.Stroke)
			c.SetLineWidth(vg.Length(it.SW))
			if it.Dash {
				c.SetLineDash([]vg.Length{4, 3}, 0)
			}
			c.Stroke(p)
		case pic.Circle:
			var p vg.Path
			p.Move(pt(it.X+it.R, it.Y))
			p.Arc(pt(it.X, it.Y), vg.Length(it.R), 0, 2*math.Pi)
			p.Close()
			if it.Fill.A != 0 {
				c.SetColor(it.Fill)
				c.Fill(p)
			}
			if it.Stroke.A != 0 {
				c.SetColor(it.Stroke)
				c.SetLineWidth(vg.Length(it.SW))
				if it.Dash {
					c.SetLineDash([]vg.Length{3, 2}, 0)
				}
				c.Stroke(p)
			}
		case pic.Text:
			f := face(it.Size, it.Bold)
			x := it.X
			switch it.Anchor {
			case 0:
				x -= float64(f.Width(it.Text)) / 2
			case 1:
				x -= float64(f.Width(it.Text))
			}
			c.SetColor(it.Fill)
			c.FillString(f, pt(x, it.Y), it.Text)
		case pic.Image:
			// Scale the cells up by whole device pixels first, so the
			// rasterizer does not blur them.
			img := pic.Upscale(it.Img, int(math.Ceil(it.W*scale/float64(it.Img.Bounds().Dx()))),
				int(math.Ceil(it.H*scale/float64(it.Img.Bounds().Dy()))))
			c.DrawImage(vg.Rectangle{Min: pt(it.X, it.Y+it.H), Max: pt(it.X+it.W, it.Y)}, img)
		}
	}
	_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
	return err
}

// roundRect is the path of a rectangle with corners of radius r, in vg's
// coordinates (y up, x, y the bottom left corner).
func roundRect(x, y, w, h, r float64) vg.Path {
	var p vg.Path
	P := func(x, y float64) vg.Point { return vg.Point{X: vg.Length(x), Y: vg.Length(y)} }
	if r <= 0 {
		p.Move(P(x, y))
		p.Line(P(x+w, y))
		p.Line(P(x+w, y+h))
		p.Line(P(x, y+h))
		p.Close()
		return p
	}
	p.Move(P(x+r, y))
	p.Line(P(x+w-r, y))
	p.Arc(P(x+w-r, y+r), vg.Length(r), -math.Pi/2, math.Pi/2)
	p.Line(P(x+w, y+h-r))
	p.Arc(P(x+w-r, y+h-r), vg.Length(r), 0, math.Pi/2)
	p.Line(P(x+r, y+h))
	p.Arc(P(x+r, y+h-r), vg.Length(r), math.Pi/2, math.Pi/2)
	p.Line(P(x, y+r))
	p.Arc(P(x+r, y+r), vg.Length(r), math.Pi, math.Pi/2)
	p.Close()
	return p
}
