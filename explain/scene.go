package explain

import (
	"image/color"
	"io"
	"math"

	"github.com/backprop-go/backprop/explain/internal/pic"
)

// A scene is a picture as a list of shapes (pic.Item), in pixels from the
// top left corner. It is written as SVG here (by hand, so the numbers stay
// text) and rasterized to PNG by explain/raster: one drawing, two formats.
// Text is measured with Liberation Sans, which has the metrics of Arial and
// Helvetica, the fonts an SVG viewer falls back to.
type scene struct {
	w, h  float64
	items []pic.Item
}

// fit widens the scene to hold its text, with a margin on the right.
func (s *scene) fit() {
	for _, it := range s.items {
		if it.Kind != pic.Text {
			continue
		}
		w := textWidth(it.Text, it.Size, it.Bold)
		right := it.X + w - float64(it.Anchor+1)*w/2
		s.w = max(s.w, math.Ceil(right+24))
	}
}

func (s *scene) add(it pic.Item) { s.items = append(s.items, it) }

func (s *scene) rect(x, y, w, h, r float64, fill, stroke color.NRGBA, sw float64) {
	s.add(pic.Item{Kind: pic.Rect, X: x, Y: y, W: w, H: h, R: r, Fill: fill, Stroke: stroke, SW: sw})
}

func (s *scene) line(class string, x1, y1, x2, y2 float64, stroke color.NRGBA, sw float64, title string) {
	s.add(pic.Item{Kind: pic.Line, Class: class, X: x1, Y: y1, X2: x2, Y2: y2, Stroke: stroke, SW: sw, Title: title})
}

func (s *scene) text(x, y float64, str string, size float64, anchor int, bold bool, fill color.NRGBA) {
	s.add(pic.Item{Kind: pic.Text, X: x, Y: y, Text: str, Size: size, Anchor: anchor, Bold: bold, Fill: fill})
}

// Colours.
var (
	none     = color.NRGBA{}
	black    = pic.Black
	grey     = color.NRGBA{0x77, 0x77, 0x77, 0xff}
	light    = color.NRGBA{0xcc, 0xcc, 0xcc, 0xff}
	white    = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	halo     = color.NRGBA{0xff, 0xff, 0xff, 0xe0}
	boxFill  = color.NRGBA{0xf7, 0xf7, 0xf2, 0xff}
	positive = color.NRGBA{0x21, 0x66, 0xac, 0xff} // blue, w > 0
	negative = color.NRGBA{0xd6, 0x60, 0x4d, 0xff} // red, w < 0
	absentC  = color.NRGBA{0xe4, 0xe4, 0xe4, 0xff} // absent connection in a heat map
)

// diverging maps v in [-1, 1] to red (negative), white (0) and blue
// (positive), as RdBu does.
func diverging(v float64) color.NRGBA {
	v = math.Max(-1, math.Min(1, v))
	end := positive
	if v < 0 {
		end, v = color.NRGBA{0xb2, 0x18, 0x2b, 0xff}, -v
	}
	mix := func(a uint8) uint8 { return uint8(math.Round(255 + (float64(a)-255)*v)) }
	return color.NRGBA{mix(end.R), mix(end.G), mix(end.B), 0xff}
}

// textWidth is the width of str drawn at size.
func textWidth(str string, size float64, bold bool) float64 { return pic.TextWidth(str, size, bold) }

// writeSVG writes the scene as an SVG document.
func (s *scene) writeSVG(w io.Writer) error { return s.pic().WriteSVG(w) }

// pic returns the scene for explain/internal/pic's writers.
func (s *scene) pic() *pic.Scene { return &pic.Scene{W: s.w, H: s.h, Items: s.items} }

func init() {
	pic.Of = func(t any) *pic.Scene {
		if t, ok := t.(*Trace); ok && t != nil {
			return t.scene().pic()
		}
		return nil
	}
}
