// Package plot draws the pictures of a training run with gonum/plot: the
// loss and accuracy (or R²) per epoch (History) and a confusion matrix as a
// heat map (Confusion). Each function takes plain data and a file name whose
// extension, .png or .svg, picks the format, and writes the file atomically
// (backprop.WriteFileAtomic): a reader never sees half a picture.
package plot

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/train"
)

// Formats are the file extensions the functions write.
var Formats = []string{".png", ".svg"}

// CheckPath returns an error unless path ends in one of Formats (in any
// case), so that a command can refuse a bad name before it trains.
func CheckPath(path string) error {
	_, err := format(path)
	return err
}

func format(path string) (string, error) {
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range Formats {
		if ext == f {
			return ext, nil
		}
	}
	if ext == "" {
		return "", fmt.Errorf("%s: no extension, want %s", path, strings.Join(Formats, " or "))
	}
	return "", fmt.Errorf("%s: unknown picture format %q (want %s)", path, ext, strings.Join(Formats, " or "))
}

// save draws the tiles of plots side by side into path.
func save(path string, w, h vg.Length, plots ...*plot.Plot) error {
	ext, err := format(path)
	if err != nil {
		return err
	}
	var canvas vg.CanvasWriterTo
	switch ext {
	case ".png":
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(144),
			vgimg.UseBackgroundColor(color.White))}
	default:
		canvas = vgsvg.New(w, h)
	}
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 6, PadTop: vg.Millimeter * 2,
		PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	for k, p := range plots {
		p.Draw(tiles.At(dc, k, 0))
	}
	var b bytes.Buffer
	if _, err := canvas.WriteTo(&b); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return backprop.WriteFileAtomic(path, b.Bytes())
}

// Colours of the two sets, as in most training dashboards.
var (
	trainColor = color.RGBA{0x1f, 0x77, 0xb4, 0xff} // blue
	valColor   = color.RGBA{0xff, 0x7f, 0x0e, 0xff} // orange
)

// History draws the per-epoch scores of a training run into path (.png or
// .svg): on the left the loss, then the accuracy (classification) or R²
// (regression), each for the training set (the running score of the epoch)
// and, when the run had one, the validation set; a run with a validation
// set marks the epoch of the lowest validation loss. When the epochs carry
// their layers' health (train.Config.Health), a third panel draws each
// layer's gradient RMS on a log scale (at most 8 layers: the first, the
// last and others between).
func History(path string, h []train.Epoch, task train.Task) error {
	if _, err := format(path); err != nil {
		return err
	}
	if len(h) == 0 {
		return errors.New("no epochs to plot")
	}
	metric, metricName := func(s train.Score) float64 { return s.Accuracy }, "accuracy"
	if task == train.TaskRegression {
		metric, metricName = func(s train.Score) float64 { return s.R2 }, "R²"
	}
	loss := newPlot("loss per epoch", "epoch", "loss (mean per example)")
	score := newPlot(metricName+" per epoch", "epoch", metricName)
	series := func(get func(e train.Epoch) (float64, bool)) plotter.XYs {
		var xy plotter.XYs
		for _, e := range h {
			if v, ok := get(e); ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
				xy = append(xy, plotter.XY{X: float64(e.Epoch), Y: v})
			}
		}
		return xy
	}
	hasVal := false
	best, bestLoss := 0, math.Inf(1)
	for _, e := range h {
		if e.Val != nil {
			hasVal = true
			if e.Val.Loss < bestLoss {
				best, bestLoss = e.Epoch, e.Val.Loss
			}
		}
	}
	for _, p := range []struct {
		pl  *plot.Plot
		get func(train.Score) float64
	}{{loss, func(s train.Score) float64 { return s.Loss }}, {score, metric}} {
		trainXY := series(func(e train.Epoch) (float64, bool) { return p.get(e.Train), true })
		if err := addLine(p.pl, "training", trainXY, trainColor, len(h)); err != nil {
			return err
		}
		if hasVal {
			valXY := series(func(e train.Epoch) (float64, bool) {
				if e.Val == nil {
					return 0, false
				}
				return p.get(*e.Val), true
			})
			if err := addLine(p.pl, "validation", valXY, valColor, len(h)); err != nil {
				return err
			}
		}
		if best > 0 {
			v := &vline{x: float64(best)}
			p.pl.Add(v)
			p.pl.Legend.Add(fmt.Sprintf("epoch %d (lowest validation loss)", best), v)
		}
		p.pl.X.Tick.Marker = integerTicks{}
	}
	// A loss that falls by orders of magnitude reads better on a log scale.
	lo, hi := math.Inf(1), 0.0
	for _, e := range h {
		for _, s := range []*train.Score{&e.Train, e.Val} {
			if s != nil && s.Loss > 0 {
				lo, hi = math.Min(lo, s.Loss), math.Max(hi, s.Loss)
			}
		}
	}
	if hi/lo > 100 {
		loss.Y.Scale = plot.LogScale{}
		loss.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		loss.Y.Label.Text += ", log scale"
	}
	if task != train.TaskRegression {
		score.Y.Max = math.Max(score.Y.Max, 1)
	}
	score.Legend.Top = false
	if hp, err := healthPanel(h); err != nil {
		return err
	} else if hp != nil {
		return save(path, 39*vg.Centimeter, 10*vg.Centimeter, loss, score, hp)
	}
	return save(path, 26*vg.Centimeter, 10*vg.Centimeter, loss, score)
}

// maxHealthLines bounds the layers the health panel draws a line for: the
// first, the last and others evenly between them.
const maxHealthLines = 8

// healthPanel draws each layer's gradient RMS per epoch on a log scale,
// from the epochs' health (nil when the run has none): vanishing gradients
// show as layer 1's line orders of magnitude below the last layer's.
func healthPanel(h []train.Epoch) (*plot.Plot, error) {
	L := 0
	for _, e := range h {
		L = max(L, len(e.Health))
	}
	if L == 0 {
		return nil, nil
	}
	p := newPlot("per-layer health: gradient RMS", "epoch", "gradient RMS, log scale")
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.X.Tick.Marker = integerTicks{}
	var layers []int
	for k := range min(L, maxHealthLines) {
		l := 1 + k*(L-1)/max(1, min(L, maxHealthLines)-1)
		if len(layers) == 0 || layers[len(layers)-1] != l {
			layers = append(layers, l)
		}
	}
	drawn := 0
	for k, l := range layers {
		var xy plotter.XYs
		for _, e := range h {
			if l <= len(e.Health) {
				if v := e.Health[l-1].GradRMS; v > 0 && !math.IsInf(v, 0) {
					xy = append(xy, plotter.XY{X: float64(e.Epoch), Y: v})
				}
			}
		}
		// From light (layer 1) to dark (layer L), in the blues of Confusion.
		c := blues(0.3 + 0.7*float64(k)/float64(max(1, len(layers)-1)))
		if err := addLine(p, fmt.Sprintf("layer %d", l), xy, c, len(h)); err != nil {
			return nil, err
		}
		if len(xy) > 0 {
			drawn++
		}
	}
	if drawn == 0 {
		return nil, nil // every gradient was 0: nothing to draw on a log scale
	}
	p.Legend.Top = false
	return p, nil
}

// sans is the font of every text: Liberation Sans (metric-compatible with
// Arial and Helvetica) at size.
func sans(size vg.Length) font.Font {
	f := font.From(plot.DefaultFont, size)
	f.Variant = "Sans"
	return f
}

// newPlot returns a plot with its texts in sans.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(13)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(11)
		a.Tick.Label.Font = sans(10)
	}
	p.Legend.TextStyle.Font = sans(10)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	return p
}

// addLine adds a series; with few epochs it marks each point.
func addLine(p *plot.Plot, name string, xy plotter.XYs, c color.Color, epochs int) error {
	if len(xy) == 0 {
		return nil
	}
	line, points, err := plotter.NewLinePoints(xy)
	if err != nil {
		return err
	}
	line.Color, line.Width = c, vg.Points(2)
	points.Color, points.Shape = c, draw.CircleGlyph{}
	points.Radius = vg.Points(2.5)
	p.Add(line)
	if epochs <= 40 {
		p.Add(points)
		p.Legend.Add(name, line, points)
	} else {
		p.Legend.Add(name, line)
	}
	return nil
}

// vline is a dashed vertical line at x, to mark the best epoch.
type vline struct{ x float64 }

var vlineStyle = draw.LineStyle{Color: color.Gray{0x66}, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}

func (v *vline) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(v.x)
	c.StrokeLine2(vlineStyle, x, c.Min.Y, x, c.Max.Y)
}

// Thumbnail draws the line's sample in the legend.
func (v *vline) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(vlineStyle, c.Min.X, y, c.Max.X, y)
}

// integerTicks marks whole epochs, 1, 2, 5 or 10 ... apart, at most 10.
type integerTicks struct{}

func (integerTicks) Ticks(min, max float64) []plot.Tick {
	step := 1.0
	for k := 0; (max-min)/step > 10; k++ {
		step *= []float64{2, 2.5, 2}[k%3]
	}
	var ts []plot.Tick
	for v := math.Ceil(min/step) * step; v <= max; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ts
}

// MaxClasses bounds the classes of a confusion matrix Confusion draws: 100
// (10000 cells; 1000 classes took 52 s as PNG and 1.3 GB as SVG).
const MaxClasses = 100

// Confusion draws a confusion matrix as a heat map into path (.png or
// .svg): rows are the true classes (the first at the top), columns the
// predicted ones; each cell shows its count, coloured by the fraction of
// its true class (its row) that it holds, so the diagonal is the recall of
// each class. classes names the rows and columns (nil: 0, 1, ...).
func Confusion(path string, confusion [][]int, classes []string) error {
	if _, err := format(path); err != nil {
		return err
	}
	n := len(confusion)
	if n == 0 {
		return errors.New("an empty confusion matrix")
	}
	if n > MaxClasses {
		return fmt.Errorf("a confusion matrix of %d classes is more than a picture can show (at most %d, plot.MaxClasses)", n, MaxClasses)
	}
	for i, row := range confusion {
		if len(row) != n {
			return fmt.Errorf("confusion matrix row %d has %d counts, want %d", i+1, len(row), n)
		}
	}
	if classes == nil {
		for k := range n {
			classes = append(classes, strconv.Itoa(k))
		}
	}
	if len(classes) != n {
		return fmt.Errorf("%d class names for a %d × %d confusion matrix", len(classes), n, n)
	}
	total, right := 0, 0
	for i, row := range confusion {
		for j, c := range row {
			total += c
			if i == j {
				right += c
			}
		}
	}
	p := newPlot(fmt.Sprintf("Confusion matrix: %d examples, accuracy %.4f", total, float64(right)/math.Max(float64(total), 1)),
		"predicted class", "true class")
	p.Title.Text += "\ncolour: the share of the true class (row) in the cell"
	p.Title.TextStyle.Font.Size = 12
	p.Legend = plot.NewLegend()
	p.Legend.TextStyle.Font = sans(10)
	p.Add(&cells{m: confusion})
	var xt, yt []plot.Tick
	for k, c := range classes {
		xt = append(xt, plot.Tick{Value: float64(k), Label: c})
		yt = append(yt, plot.Tick{Value: float64(n - 1 - k), Label: c})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(xt), plot.ConstantTicks(yt)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5, -0.5, float64(n)-0.5
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Tick.Length, p.Y.Tick.Length = 0, 0
	p.X.LineStyle.Width, p.Y.LineStyle.Width = 0, 0
	side := vg.Length(math.Max(11, math.Min(22, 1.4*float64(n)+6))) * vg.Centimeter
	return save(path, side+2*vg.Centimeter, side, p)
}

// cells draws the cells of a confusion matrix with their counts.
type cells struct{ m [][]int }

func (cs *cells) DataRange() (xmin, xmax, ymin, ymax float64) {
	n := float64(len(cs.m))
	return -0.5, n - 0.5, -0.5, n - 0.5
}

func (cs *cells) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	n := len(cs.m)
	size := math.Min(14, math.Max(7, 120/float64(n)))
	for i, row := range cs.m {
		sum := 0
		for _, v := range row {
			sum += v
		}
		y := float64(n - 1 - i)
		for j, v := range row {
			f := 0.0
			if sum > 0 && v > 0 {
				// A square root and a floor, so that one example in a
				// hundred still shows.
				f = math.Max(0.1, math.Sqrt(float64(v)/float64(sum)))
			}
			x := float64(j)
			pts := []vg.Point{
				{X: trX(x - 0.5), Y: trY(y - 0.5)}, {X: trX(x + 0.5), Y: trY(y - 0.5)},
				{X: trX(x + 0.5), Y: trY(y + 0.5)}, {X: trX(x - 0.5), Y: trY(y + 0.5)},
			}
			c.FillPolygon(blues(f), pts)
			c.StrokeLines(draw.LineStyle{Color: color.White, Width: vg.Points(1)}, append(pts, pts[0]))
			ink := color.Color(color.Gray{0x22})
			if f > 0.6 {
				ink = color.White
			}
			if v == 0 {
				ink = color.Gray{0xaa}
			}
			ts := text.Style{Color: ink, Font: sans(vg.Length(size)), XAlign: draw.XCenter,
				YAlign: draw.YCenter, Handler: plot.DefaultTextHandler}
			c.FillText(ts, vg.Point{X: trX(x), Y: trY(y)}, strconv.Itoa(v))
		}
	}
}

// blues maps f in [0, 1] from white to dark blue.
func blues(f float64) color.Color {
	f = math.Max(0, math.Min(1, f))
	from, to := [3]float64{0xf7, 0xfb, 0xff}, [3]float64{0x08, 0x30, 0x6b}
	var c [3]uint8
	for k := range c {
		c[k] = uint8(math.Round(from[k] + (to[k]-from[k])*f))
	}
	return color.RGBA{c[0], c[1], c[2], 0xff}
}
