package explain

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"
	"sync"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
)

// A scene is a picture as a list of shapes, in pixels from the top left
// corner. It is written either as SVG (by hand, so the numbers stay text) or
// rasterized to PNG with gonum's vg canvas: one drawing, two formats. Text
// is measured with Liberation Sans, which has the metrics of Arial and
// Helvetica, the fonts an SVG viewer falls back to.
type scene struct {
	w, h  float64
	items []item
}

type itemKind int

const (
	kRect itemKind = iota
	kLine
	kCircle
	kText
	kImage
)

// An item is one shape. Colours with alpha 0 are not painted.
type item struct {
	kind       itemKind
	class      string  // the SVG class, which tests count by
	x, y, w, h float64 // rect, image: top left and size; circle: centre in x, y
	x2, y2     float64 // line: from x, y to x2, y2
	r          float64 // circle: radius; rect: corner radius
	fill       color.NRGBA
	stroke     color.NRGBA
	sw         float64 // stroke width
	dash       bool
	text       string  // text: at x, y (the baseline)
	size       float64 // text: font size
	anchor     int     // text: -1 start, 0 middle, 1 end
	bold       bool
	img        image.Image // image
	title      string      // SVG tooltip
}

// fit widens the scene to hold its text, with a margin on the right.
func (s *scene) fit() {
	for _, it := range s.items {
		if it.kind != kText {
			continue
		}
		w := textWidth(it.text, it.size, it.bold)
		right := it.x + w - float64(it.anchor+1)*w/2
		s.w = max(s.w, math.Ceil(right+24))
	}
}

func (s *scene) add(it item) { s.items = append(s.items, it) }

func (s *scene) rect(x, y, w, h, r float64, fill, stroke color.NRGBA, sw float64) {
	s.add(item{kind: kRect, x: x, y: y, w: w, h: h, r: r, fill: fill, stroke: stroke, sw: sw})
}

func (s *scene) line(class string, x1, y1, x2, y2 float64, stroke color.NRGBA, sw float64, title string) {
	s.add(item{kind: kLine, class: class, x: x1, y: y1, x2: x2, y2: y2, stroke: stroke, sw: sw, title: title})
}

func (s *scene) text(x, y float64, str string, size float64, anchor int, bold bool, fill color.NRGBA) {
	s.add(item{kind: kText, x: x, y: y, text: str, size: size, anchor: anchor, bold: bold, fill: fill})
}

// Colours.
var (
	none     = color.NRGBA{}
	black    = color.NRGBA{0x22, 0x22, 0x22, 0xff}
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

var (
	fontsOnce sync.Once
	fonts     *font.Cache
)

// face returns Liberation Sans at size (in pixels, drawn 1 px = 1 pt).
func face(size float64, bold bool) font.Face {
	fontsOnce.Do(func() { fonts = font.NewCache(liberation.Collection()) })
	f := font.Font{Typeface: "Liberation", Variant: "Sans"}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return fonts.Lookup(f, vg.Length(size))
}

// textWidth is the width of s drawn at size.
func textWidth(s string, size float64, bold bool) float64 {
	f := face(size, bold)
	return float64(f.Width(s))
}

// px formats a coordinate.
func px(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) }

func svgColor(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// paint writes an SVG paint attribute (fill or stroke) and its opacity.
func paint(b *bufio.Writer, attr string, c color.NRGBA) {
	if c.A == 0 {
		fmt.Fprintf(b, ` %s="none"`, attr)
		return
	}
	fmt.Fprintf(b, ` %s="%s"`, attr, svgColor(c))
	if c.A != 0xff {
		fmt.Fprintf(b, ` %s-opacity="%s"`, attr, strconv.FormatFloat(math.Round(float64(c.A)/2.55)/100, 'f', -1, 64))
	}
}

func escape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// writeSVG writes the scene as an SVG document.
func (s *scene) writeSVG(w io.Writer) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" `+
		`width="%s" height="%s" viewBox="0 0 %s %s">`+"\n", px(s.w), px(s.h), px(s.w), px(s.h))
	b.WriteString(`<style>text{font-family:'Liberation Sans',Arial,Helvetica,sans-serif}</style>` + "\n")
	fmt.Fprintf(b, `<rect width="%s" height="%s" fill="#ffffff"/>`+"\n", px(s.w), px(s.h))
	for _, it := range s.items {
		class := ""
		if it.class != "" {
			class = ` class="` + it.class + `"`
		}
		end := "/>"
		if it.title != "" {
			end = "><title>" + escape(it.title) + "</title></" + map[itemKind]string{kRect: "rect", kLine: "line", kCircle: "circle"}[it.kind] + ">"
		}
		switch it.kind {
		case kRect:
			fmt.Fprintf(b, `<rect%s x="%s" y="%s" width="%s" height="%s"`, class, px(it.x), px(it.y), px(it.w), px(it.h))
			if it.r > 0 {
				fmt.Fprintf(b, ` rx="%s"`, px(it.r))
			}
			paint(b, "fill", it.fill)
			if it.stroke.A != 0 {
				paint(b, "stroke", it.stroke)
				fmt.Fprintf(b, ` stroke-width="%s"`, px(it.sw))
			}
			b.WriteString(end + "\n")
		case kLine:
			fmt.Fprintf(b, `<line%s x1="%s" y1="%s" x2="%s" y2="%s"`, class, px(it.x), px(it.y), px(it.x2), px(it.y2))
			paint(b, "stroke", it.stroke)
			fmt.Fprintf(b, ` stroke-width="%s" stroke-linecap="round"`, px(it.sw))
			if it.dash {
				b.WriteString(` stroke-dasharray="4 3"`)
			}
			b.WriteString(end + "\n")
		case kCircle:
			fmt.Fprintf(b, `<circle%s cx="%s" cy="%s" r="%s"`, class, px(it.x), px(it.y), px(it.r))
			paint(b, "fill", it.fill)
			paint(b, "stroke", it.stroke)
			fmt.Fprintf(b, ` stroke-width="%s"`, px(it.sw))
			if it.dash {
				b.WriteString(` stroke-dasharray="3 2"`)
			}
			b.WriteString(end + "\n")
		case kText:
			fmt.Fprintf(b, `<text%s x="%s" y="%s" font-size="%s"`, class, px(it.x), px(it.y), px(it.size))
			switch it.anchor {
			case 0:
				b.WriteString(` text-anchor="middle"`)
			case 1:
				b.WriteString(` text-anchor="end"`)
			}
			if it.bold {
				b.WriteString(` font-weight="bold"`)
			}
			if it.fill != black {
				paint(b, "fill", it.fill)
			}
			fmt.Fprintf(b, ">%s</text>\n", escape(it.text))
		case kImage:
			// Two image pixels per pixel of the picture, so that a viewer
			// that smooths the image as it scales it (most do) keeps the
			// cells sharp.
			r := it.img.Bounds()
			img := upscale(it.img, int(math.Ceil(2*it.w/float64(r.Dx()))), int(math.Ceil(2*it.h/float64(r.Dy()))))
			var data bytes.Buffer
			if err := png.Encode(&data, img); err != nil {
				return err
			}
			fmt.Fprintf(b, `<image%s x="%s" y="%s" width="%s" height="%s" preserveAspectRatio="none" `+
				`style="image-rendering:pixelated" xlink:href="data:image/png;base64,%s"/>`+"\n",
				class, px(it.x), px(it.y), px(it.w), px(it.h), base64.StdEncoding.EncodeToString(data.Bytes()))
		}
	}
	b.WriteString("</svg>\n")
	return b.Flush()
}

// writePNG rasterizes the scene at scale device pixels per pixel.
func (s *scene) writePNG(w io.Writer, scale float64) error {
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(s.w), vg.Length(s.h)), vgimg.UseDPI(int(math.Round(72*scale))),
		vgimg.UseBackgroundColor(white))
	H := s.h
	pt := func(x, y float64) vg.Point { return vg.Point{X: vg.Length(x), Y: vg.Length(H - y)} }
	for _, it := range s.items {
		c.SetLineDash(nil, 0)
		switch it.kind {
		case kRect:
			p := roundRect(it.x, H-it.y-it.h, it.w, it.h, it.r)
			if it.fill.A != 0 {
				c.SetColor(it.fill)
				c.Fill(p)
			}
			if it.stroke.A != 0 {
				c.SetColor(it.stroke)
				c.SetLineWidth(vg.Length(it.sw))
				c.Stroke(p)
			}
		case kLine:
			var p vg.Path
			p.Move(pt(it.x, it.y))
			p.Line(pt(it.x2, it.y2))
			c.SetColor(it.stroke)
			c.SetLineWidth(vg.Length(it.sw))
			if it.dash {
				c.SetLineDash([]vg.Length{4, 3}, 0)
			}
			c.Stroke(p)
		case kCircle:
			var p vg.Path
			p.Move(pt(it.x+it.r, it.y))
			p.Arc(pt(it.x, it.y), vg.Length(it.r), 0, 2*math.Pi)
			p.Close()
			if it.fill.A != 0 {
				c.SetColor(it.fill)
				c.Fill(p)
			}
			if it.stroke.A != 0 {
				c.SetColor(it.stroke)
				c.SetLineWidth(vg.Length(it.sw))
				if it.dash {
					c.SetLineDash([]vg.Length{3, 2}, 0)
				}
				c.Stroke(p)
			}
		case kText:
			f := face(it.size, it.bold)
			x := it.x
			switch it.anchor {
			case 0:
				x -= float64(f.Width(it.text)) / 2
			case 1:
				x -= float64(f.Width(it.text))
			}
			c.SetColor(it.fill)
			c.FillString(f, pt(x, it.y), it.text)
		case kImage:
			// Scale the cells up by whole device pixels first, so the
			// rasterizer does not blur them.
			img := upscale(it.img, int(math.Ceil(it.w*scale/float64(it.img.Bounds().Dx()))),
				int(math.Ceil(it.h*scale/float64(it.img.Bounds().Dy()))))
			c.DrawImage(vg.Rectangle{Min: pt(it.x, it.y+it.h), Max: pt(it.x+it.w, it.y)}, img)
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

// upscale returns img with each pixel repeated kx times across and ky
// times down.
func upscale(img image.Image, kx, ky int) image.Image {
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
