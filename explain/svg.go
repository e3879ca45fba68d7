package explain

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"strings"

	"github.com/backprop-go/backprop/explain/internal/pic"
)

// figure writes the picture of the step into a Markdown document, as an
// image whose data: URI holds the SVG.
func (x *explainer) figure() error {
	var b bytes.Buffer
	if err := x.t.WriteSVG(&b); err != nil {
		return err
	}
	x.section("The network")
	alt := "The network of the step: each neuron with its z, a and δ; each connection with its weight before → after the step"
	if x.t.Wide() {
		alt = "The step as heat maps, layer by layer: W, the update, δ and a"
	}
	x.line("![" + alt + "](data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(b.Bytes()) + ")")
	x.line("")
	return nil
}

// maxDrawn is the widest layer drawn neuron by neuron; a network with a
// wider layer (inputs included) is summarised with heat maps.
const maxDrawn = 10

// WriteSVG writes the step as a picture in SVG, as the article draws its
// network: the neurons in columns by layer, each with its z, a and δ; the
// connections that exist as lines (width by |w|, blue for w > 0, red for
// w < 0; absent connections are not drawn), each bias as a connection from
// a constant input +1, and on each connection its weight before → after
// the step. A network with a layer wider than 10 neurons is summarised
// instead: per layer, heat maps of W, of the update −α·∂E/∂W, of δ and of a.
// With a batch, the neurons show the values of the first example.
func (t *Trace) WriteSVG(w io.Writer) error { return t.scene().writeSVG(w) }

func (t *Trace) scene() *scene {
	if t.Wide() {
		return t.summaryScene()
	}
	return t.networkScene()
}

// Wide reports whether the picture of the step summarises its network with
// heat maps, because a layer (the inputs included) has more than 10 neurons.
func (t *Trace) Wide() bool {
	n := t.Net.Inputs
	for _, lay := range t.Net.Layers {
		n = max(n, lay.Out)
	}
	return n > maxDrawn
}

// Sizes of the picture, in pixels.
const (
	margin    = 24.0
	fontSize  = 12.0
	labelSize = 11.0
	rowH      = 16.0
	padX      = 8.0
	padY      = 6.0
	vgap      = 30.0 // between two neurons of a column
	biasR     = 13.0
)

// box is a neuron drawn as a card of text lines.
type box struct {
	x, y, w, h float64
	title      string
	rows       []string
}

func (b *box) midY() float64 { return b.y + b.h/2 }

// netTitle describes the network and the step in one line.
func (x *explainer) netTitle() string {
	parts := []string{plural(x.net.Inputs, "input")}
	for _, lay := range x.net.Layers {
		parts = append(parts, fmt.Sprintf("%d %s", lay.Out, lay.Activation))
	}
	s := strings.Join(parts, " → ") + fmt.Sprintf(" · %s · α = %s", lossLong(x.net.Loss), num(x.t.Alpha))
	switch {
	case x.rows() == 1 && len(x.t.X[0])+len(x.t.Y[0]) <= 2*maxDrawn:
		s += fmt.Sprintf(" · x = %s, y = %s", vec(x.t.X[0]), vec(x.t.Y[0]))
	case x.rows() == 1:
		s += " · 1 example"
	default:
		s += fmt.Sprintf(" · a batch of %d; neurons show example 1", x.rows())
	}
	if cats := x.categories(); cats != "" {
		s += " · " + cats
	}
	return s + fmt.Sprintf(" · E = %s → %s", num(x.t.Loss), num(x.t.LossAfter))
}

// categories names the categories of example 1's categorical features,
// "colour = 2 (red), city = 11 (c11)" (at most four, then "…"), or "".
func (x *explainer) categories() string {
	in := x.t.Input
	if in == nil || in.Categories == nil || !in.fits(len(x.t.X[0]), x.rows()) {
		return ""
	}
	var parts []string
	for j, f := range in.Features {
		if in.categories(j) == nil {
			continue
		}
		if len(parts) == 4 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, f+" = "+in.value(j, in.Raw[0][j]))
	}
	return strings.Join(parts, ", ")
}

// conn is a connection drawn: w^l_ij (j = 0: the bias), from a point to a
// point, with its label.
type conn struct {
	l, i, j        int
	x1, y1, x2, y2 float64
	old, new       float64
	label          string
	lx, ly, lw, lh float64 // the label's box, once placed
	placed         bool
}

func (t *Trace) networkScene() *scene {
	x := &explainer{doc: newDoc(false), t: t, net: t.Net}
	L := x.L()
	s := &scene{}

	// The cards of the neurons, by layer.
	cols := make([][]*box, L+1)
	named := t.Input != nil && t.Input.Categories != nil && t.Input.fits(t.Net.Inputs, 1)
	for j := range t.Net.Inputs {
		name := fmt.Sprintf("x%d", j+1)
		b := &box{rows: []string{name + " = " + num(t.X[0][j])}}
		if named { // with categorical features: each input's feature, or feature=category
			b.title = t.Input.inputName(j)
		}
		cols[0] = append(cols[0], b)
	}
	for l := 1; l <= L; l++ {
		lt := t.Layer(l)
		for i := range x.layer(l).Out {
			b := &box{title: x.alias(l, i), rows: []string{
				zName(l, i) + " = " + num(lt.Z[0][i]),
				aName(l, i) + " = " + num(lt.A[0][i]),
				dName(l, i) + " = " + num(lt.Delta[0][i]),
			}}
			if l == L {
				b.rows = append(b.rows, yName(i)+" = "+num(t.Y[0][i]), "after the step: "+num(t.OutputAfter[0][i]))
			}
			cols[l] = append(cols[l], b)
		}
	}
	colW := make([]float64, L+1)
	colH := make([]float64, L+1)
	for l, col := range cols {
		for _, b := range col {
			w := textWidth(b.title, fontSize+1, true)
			for _, r := range b.rows {
				w = max(w, textWidth(r, fontSize, false))
			}
			colW[l] = max(colW[l], math.Ceil(w+2*padX))
			b.h = 2*padY + rowH*float64(len(b.rows))
			if b.title != "" {
				b.h += rowH + 1
			}
			colH[l] += b.h
		}
		colH[l] += vgap * float64(len(col)-1)
	}

	// The connections and their labels, which set the gaps between columns.
	var conns []*conn
	maxW := 0.0
	hasBias := false
	for l := 1; l <= L; l++ {
		for _, w := range x.weights(l) {
			c := &conn{l: l, i: w.i, j: w.j, old: w.old, new: w.new}
			c.label = num(w.old) + " → " + num(w.new)
			c.lw = textWidth(c.label, labelSize, false) + 6
			c.lh = labelSize + 4
			conns = append(conns, c)
			maxW = max(maxW, math.Abs(w.old))
			hasBias = hasBias || w.j == 0
		}
	}
	gap := make([]float64, L+1) // gap[l]: between columns l-1 and l
	height := 0.0
	for l := range cols {
		height = max(height, colH[l])
	}
	for l := 1; l <= L; l++ {
		n, lw := 0, 0.0
		for _, c := range conns {
			if c.l == l {
				n++
				lw = max(lw, c.lw)
			}
		}
		// Labels sit along their lines; room for about one label per row
		// height of the column, side by side where there are more.
		across := math.Ceil(float64(n) * (labelSize + 6) / max(height, 1) * 1.5)
		gap[l] = max(170, lw*1.8+30, lw*(across+1)+40)
	}

	// Positions.
	top := margin + 56.0 // title, subtitle
	top += 22            // column headings
	if hasBias {
		top += 2*biasR + 22
	}
	xpos := margin
	for l, col := range cols {
		if l > 0 {
			xpos += gap[l]
		}
		y := top + (height-colH[l])/2
		for _, b := range col {
			b.x, b.y, b.w = xpos, y, colW[l]
			y += b.h + vgap
		}
		xpos += colW[l]
	}
	s.w = xpos + margin
	legendY := top + height + 34
	s.h = legendY + rowH + 6 + margin

	// The bias nodes: a constant input +1 above column l-1, when layer l
	// has a bias.
	biasAt := make([][2]float64, L+1)
	for l := 1; l <= L; l++ {
		if x.layer(l).B == nil {
			continue
		}
		prev := cols[l-1]
		cx := prev[0].x + colW[l-1]/2
		cy := top - biasR - 14
		biasAt[l] = [2]float64{cx, cy}
	}
	for _, c := range conns {
		to := cols[c.l][c.i]
		c.x2, c.y2 = to.x, to.midY()
		if c.j == 0 {
			c.x1, c.y1 = biasAt[c.l][0]+biasR, biasAt[c.l][1]
		} else {
			from := cols[c.l-1][c.j-1]
			c.x1, c.y1 = from.x+from.w, from.midY()
		}
	}

	// Titles.
	title := "One step of backpropagation"
	if t.article {
		title += fmt.Sprintf(": the worked example, o = %s → %s", num(x.a(L, 0)[0]), num(t.OutputAfter[0][0]))
	}
	s.text(margin, margin+16, title, 17, -1, true, black)
	s.text(margin, margin+38, x.netTitle(), fontSize, -1, false, grey)
	headY := top - 10
	if hasBias {
		headY -= 2*biasR + 22
	}
	for l, col := range cols {
		h := "input"
		switch {
		case l == L:
			h = fmt.Sprintf("layer %d: output, %s", l, x.layer(l).Activation)
		case l > 0:
			h = fmt.Sprintf("layer %d: %s", l, x.layer(l).Activation)
		}
		s.text(col[0].x+colW[l]/2, headY, h, fontSize, 0, true, black)
		s.w = max(s.w, col[0].x+colW[l]/2+textWidth(h, fontSize, true)/2+margin)
	}

	// Lines, under everything else.
	for _, c := range conns {
		col := positive
		if c.old < 0 {
			col = negative
		} else if c.old == 0 {
			col = grey
		}
		col.A = 0xd0
		sw := 1.0
		if maxW > 0 {
			sw = 1 + 5*math.Abs(c.old)/maxW
		}
		name := wName(c.l, c.i, c.j)
		s.line("conn", c.x1, c.y1, c.x2, c.y2, col, sw, fmt.Sprintf("%s: %s → %s", name, num(c.old), num(c.new)))
	}
	for l := 1; l <= L; l++ {
		if p := biasAt[l]; x.layer(l).B != nil {
			s.add(pic.Item{Kind: pic.Circle, X: p[0], Y: p[1], R: biasR, Fill: white, Stroke: grey, SW: 1.2, Dash: true})
			s.text(p[0], p[1]+4, "+1", fontSize, 0, false, grey)
		}
	}
	// The cards.
	for _, col := range cols {
		for _, b := range col {
			s.rect(b.x, b.y, b.w, b.h, 5, boxFill, grey, 1)
			y := b.y + padY + fontSize
			if b.title != "" {
				s.text(b.x+b.w/2, y+1, b.title, fontSize+1, 0, true, black)
				y += rowH + 1
			}
			for k, r := range b.rows {
				c := black
				if strings.HasPrefix(r, "δ") {
					c = color.NRGBA{0x6a, 0x3d, 0x9a, 0xff}
				}
				if k >= 3 && len(b.rows) > 3 {
					c = grey
				}
				s.text(b.x+padX, y, r, fontSize, -1, false, c)
				y += rowH
			}
		}
	}
	// The labels, placed along their lines where they overlap nothing.
	var taken [][4]float64
	for _, col := range cols {
		for _, b := range col {
			taken = append(taken, [4]float64{b.x - 2, b.y - 2, b.x + b.w + 2, b.y + b.h + 2})
		}
	}
	for l := 1; l <= L; l++ {
		if p := biasAt[l]; x.layer(l).B != nil {
			taken = append(taken, [4]float64{p[0] - biasR, p[1] - biasR, p[0] + biasR, p[1] + biasR})
		}
	}
	overlaps := func(r [4]float64) bool {
		for _, q := range taken {
			if r[0] < q[2] && q[0] < r[2] && r[1] < q[3] && q[1] < r[3] {
				return true
			}
		}
		return false
	}
	ts := []float64{0.5, 0.38, 0.62, 0.28, 0.72, 0.44, 0.56, 0.33, 0.67, 0.22, 0.78, 0.5}
	left := 0
	for _, c := range conns {
		for _, f := range ts {
			cx, cy := c.x1+f*(c.x2-c.x1), c.y1+f*(c.y2-c.y1)
			r := [4]float64{cx - c.lw/2, cy - c.lh/2, cx + c.lw/2, cy + c.lh/2}
			if r[0] < c.x1+4 || r[2] > c.x2-4 || overlaps(r) {
				continue
			}
			c.lx, c.ly, c.placed = r[0], r[1], true
			taken = append(taken, [4]float64{r[0] - 1, r[1] - 1, r[2] + 1, r[3] + 1})
			break
		}
		if !c.placed {
			left++
		}
	}
	for _, c := range conns {
		if c.placed {
			s.rect(c.lx, c.ly, c.lw, c.lh, 3, halo, none, 0)
			ink := color.NRGBA{0x16, 0x4a, 0x80, 0xff} // the line's colour, darker
			if c.old < 0 {
				ink = color.NRGBA{0xa0, 0x2c, 0x1c, 0xff}
			}
			s.text(c.lx+c.lw/2, c.ly+c.lh-4, c.label, labelSize, 0, false, ink)
		}
	}

	// The legend.
	y := legendY
	lx := margin
	s.line("", lx, y-4, lx+28, y-4, positive, 4, "")
	s.text(lx+34, y, "w > 0", fontSize, -1, false, black)
	lx += 34 + textWidth("w > 0", fontSize, false) + 18
	s.line("", lx, y-4, lx+28, y-4, negative, 4, "")
	s.text(lx+34, y, "w < 0", fontSize, -1, false, black)
	lx += 34 + textWidth("w < 0", fontSize, false) + 18
	s.text(lx, y, fmt.Sprintf("line width by |w|; on each line: w before → after the step, w ← w − %s·δ·a", num(t.Alpha)),
		fontSize, -1, false, black)
	note := "Absent connections are not drawn. A bias is the weight on a constant input +1. δ = ∂E/∂z."
	if left > 0 {
		note += fmt.Sprintf(" %d labels left out for room: backprop explain lists every update.", left)
	}
	s.text(margin, y+rowH+2, note, fontSize, -1, false, grey)
	if yb := s.deltaBars(t, margin, y+rowH+22); yb > y+rowH+22 {
		s.h = yb + margin
	}
	s.fit()
	return s
}

// heat is a heat map of a matrix: rows × cols cells, each cell's value
// scaled by the largest |value| (absent cells light grey).
func heat(rows, cols int, at func(i, j int) (float64, bool)) (image.Image, float64) {
	m := 0.0
	for i := range rows {
		for j := range cols {
			if v, ok := at(i, j); ok {
				m = max(m, math.Abs(v))
			}
		}
	}
	img := image.NewNRGBA(image.Rect(0, 0, cols, rows))
	for i := range rows {
		for j := range cols {
			v, ok := at(i, j)
			switch {
			case !ok:
				img.SetNRGBA(j, i, absentC)
			case m == 0:
				img.SetNRGBA(j, i, white)
			default:
				img.SetNRGBA(j, i, diverging(v/m))
			}
		}
	}
	return img, m
}

// summaryScene draws a wide network as heat maps, one row of panels per
// layer: W^l before the step, the update −α·∂E/∂W^l, δ^l and a^l.
func (t *Trace) summaryScene() *scene {
	x := &explainer{doc: newDoc(false), t: t, net: t.Net}
	L := x.L()
	s := &scene{}
	s.text(margin, margin+16, "One step of backpropagation, summarised: a layer is wider than 10 neurons", 17, -1, true, black)
	s.text(margin, margin+38, x.netTitle(), fontSize, -1, false, grey)
	y := margin + 64.0
	s.text(margin, y, "Each map is scaled to its own largest |value| (given under it): blue > 0, white 0, red < 0; "+
		"light grey: an absent connection. Rows: the neurons of the layer.", fontSize, -1, false, black)
	y += 26
	width := 0.0
	rows := x.rows()
	for l := 1; l <= L; l++ {
		lay, lt := x.layer(l), t.Layer(l)
		nIn, nOut := lay.In, lay.Out
		if lay.B != nil {
			nIn++ // the bias as a last column
		}
		cell := math.Max(1, math.Min(14, math.Min(520/float64(nIn), 260/float64(nOut))))
		mw, mh := cell*float64(nIn), cell*float64(nOut)
		head := fmt.Sprintf("Layer %d: %d %s neurons, %d inputs", l, lay.Out, lay.Activation, lay.In)
		if l == L {
			head += " (the output layer)"
		}
		if n := absent(lay); n > 0 {
			head += fmt.Sprintf(", %d of %d connections absent", n, len(lay.W))
		}
		s.text(margin, y+fontSize, head, fontSize+1, -1, true, black)
		y += 24
		at := func(m [][]float64, b []float64, useOld bool) func(i, j int) (float64, bool) {
			return func(i, j int) (float64, bool) {
				if j == lay.In {
					if useOld {
						return lay.B[i], true
					}
					return b[i] - lay.B[i], true
				}
				if !present(lay, i*lay.In+j) {
					return 0, false
				}
				if useOld {
					return lay.W[i*lay.In+j], true
				}
				return m[i][j] - lay.W[i*lay.In+j], true
			}
		}
		px := margin
		panel := func(img image.Image, m float64, w, h float64, caption, scale string) {
			s.add(pic.Item{Kind: pic.Image, Class: "heatmap", X: px, Y: y, W: w, H: h, Img: img})
			s.rect(px, y, w, h, 0, none, light, 1)
			s.text(px, y+h+15, caption, fontSize, -1, false, black)
			s.text(px, y+h+30, scale+num(m), fontSize, -1, false, grey)
			px += max(w, textWidth(caption, fontSize, false), textWidth(scale+num(m), fontSize, false)) + 28
		}
		wcap := fmt.Sprintf("W%d before the step (%d × %d)", l, lay.Out, lay.In)
		if lay.B != nil {
			wcap = fmt.Sprintf("W%d | b%d before the step (%d × %d | last column)", l, l, lay.Out, lay.In)
		}
		img, m := heat(nOut, nIn, at(nil, nil, true))
		panel(img, m, mw, mh, wcap, "|w| ≤ ")
		img, m = heat(nOut, nIn, at(lt.WeightsAfter, lt.BiasAfter, false))
		panel(img, m, mw, mh, fmt.Sprintf("update −%s·∂E/∂W%d", num(t.Alpha), l), "|Δw| ≤ ")
		stripW := math.Max(cell, 10) * float64(rows)
		img, m = heat(nOut, rows, func(i, r int) (float64, bool) { return lt.Delta[r][i], true })
		panel(img, m, stripW, mh, fmt.Sprintf("δ%d", l), "|δ| ≤ ")
		img, m = heat(nOut, rows, func(i, r int) (float64, bool) { return lt.A[r][i], true })
		panel(img, m, stripW, mh, fmt.Sprintf("a%d", l), "|a| ≤ ")
		if l == L && nOut <= 12 {
			// The outputs, number by number.
			ty := y + fontSize
			tab := []float64{0, 60, 140, 220}
			for c, h := range []string{"output", "before", "after", "target"} {
				s.text(px+tab[c], ty, h, fontSize, -1, true, black)
			}
			for k := range nOut {
				ty += rowH
				for c, v := range []string{aName(L, k), num(lt.A[0][k]), num(t.OutputAfter[0][k]), num(t.Y[0][k])} {
					s.text(px+tab[c], ty, v, fontSize, -1, false, black)
				}
			}
			px += 280
		}
		width = max(width, px)
		y += max(mh, rowH*float64(min(nOut, 12)+1)) + 52
	}
	s.w = math.Max(width, textWidth(x.netTitle(), fontSize, false)+2*margin) + margin
	s.w = math.Max(s.w, 940)
	y = s.deltaBars(t, margin, y-22)
	s.h = y + margin
	s.fit()
	return s
}
