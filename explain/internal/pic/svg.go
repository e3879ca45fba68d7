package pic

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"
)

// Black is the colour of text that the SVG leaves to its default.
var Black = color.NRGBA{0x22, 0x22, 0x22, 0xff}

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

// WriteSVG writes the scene as an SVG document; text in Black is left to
// the viewer's default colour.
func (s *Scene) WriteSVG(w io.Writer) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" `+
		`width="%s" height="%s" viewBox="0 0 %s %s">`+"\n", px(s.W), px(s.H), px(s.W), px(s.H))
	b.WriteString(`<style>text{font-family:'Liberation Sans',Arial,Helvetica,sans-serif}</style>` + "\n")
	fmt.Fprintf(b, `<rect width="%s" height="%s" fill="#ffffff"/>`+"\n", px(s.W), px(s.H))
	for _, it := range s.Items {
		class := ""
		if it.Class != "" {
			class = ` class="` + it.Class + `"`
		}
		end := "/>"
		if it.Title != "" {
			end = "><title>" + escape(it.Title) + "</title></" + map[Kind]string{Rect: "rect", Line: "line", Circle: "circle"}[it.Kind] + ">"
		}
		switch it.Kind {
		case Rect:
			fmt.Fprintf(b, `<rect%s x="%s" y="%s" width="%s" height="%s"`, class, px(it.X), px(it.Y), px(it.W), px(it.H))
			if it.R > 0 {
				fmt.Fprintf(b, ` rx="%s"`, px(it.R))
			}
			paint(b, "fill", it.Fill)
			if it.Stroke.A != 0 {
				paint(b, "stroke", it.Stroke)
				fmt.Fprintf(b, ` stroke-width="%s"`, px(it.SW))
			}
			b.WriteString(end + "\n")
		case Line:
			fmt.Fprintf(b, `<line%s x1="%s" y1="%s" x2="%s" y2="%s"`, class, px(it.X), px(it.Y), px(it.X2), px(it.Y2))
			paint(b, "stroke", it.Stroke)
			fmt.Fprintf(b, ` stroke-width="%s" stroke-linecap="round"`, px(it.SW))
			if it.Dash {
				b.WriteString(` stroke-dasharray="4 3"`)
			}
			b.WriteString(end + "\n")
		case Circle:
			fmt.Fprintf(b, `<circle%s cx="%s" cy="%s" r="%s"`, class, px(it.X), px(it.Y), px(it.R))
			paint(b, "fill", it.Fill)
			paint(b, "stroke", it.Stroke)
			fmt.Fprintf(b, ` stroke-width="%s"`, px(it.SW))
			if it.Dash {
				b.WriteString(` stroke-dasharray="3 2"`)
			}
			b.WriteString(end + "\n")
		case Text:
			fmt.Fprintf(b, `<text%s x="%s" y="%s" font-size="%s"`, class, px(it.X), px(it.Y), px(it.Size))
			switch it.Anchor {
			case 0:
				b.WriteString(` text-anchor="middle"`)
			case 1:
				b.WriteString(` text-anchor="end"`)
			}
			if it.Bold {
				b.WriteString(` font-weight="bold"`)
			}
			if it.Fill != Black {
				paint(b, "fill", it.Fill)
			}
			fmt.Fprintf(b, ">%s</text>\n", escape(it.Text))
		case Image:
			// Two image pixels per pixel of the picture, so that a viewer
			// that smooths the image as it scales it (most do) keeps the
			// cells sharp.
			r := it.Img.Bounds()
			img := Upscale(it.Img, int(math.Ceil(2*it.W/float64(r.Dx()))), int(math.Ceil(2*it.H/float64(r.Dy()))))
			var data bytes.Buffer
			if err := png.Encode(&data, img); err != nil {
				return err
			}
			fmt.Fprintf(b, `<image%s x="%s" y="%s" width="%s" height="%s" preserveAspectRatio="none" `+
				`style="image-rendering:pixelated" xlink:href="data:image/png;base64,%s"/>`+"\n",
				class, px(it.X), px(it.Y), px(it.W), px(it.H), base64.StdEncoding.EncodeToString(data.Bytes()))
		}
	}
	b.WriteString("</svg>\n")
	return b.Flush()
}
