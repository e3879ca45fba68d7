package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/backprop-go/backprop/train"
)

// progress reports training: on a terminal, a bar for the current epoch
// (step counter, running mean loss and accuracy, samples/s, ETA) redrawn in
// place within $COLUMNS, and a line per epoch; elsewhere, only the line per
// epoch. A regression's figures are in the target's units: MSE (the
// training's squared loss, on the standardised target, times the target's
// variance), RMSE and R².
type progress struct {
	w               io.Writer
	tty             bool
	columns         int // the terminal's width
	epochs, samples int
	epochNo         int
	start, last     time.Time
	mseUnit         float64         // regression: the target's variance (MSE in its units = unit × MSE trained on); 0 for classification
	history         []train.Epoch   // for the warnings, which look back
	warned          map[string]bool // the warnings given, by kind and layer: each once
}

func newProgress(w io.Writer, epochs, samples int) *progress {
	p := &progress{w: w, epochs: epochs, samples: samples, epochNo: 1, start: time.Now(), columns: terminalColumns()}
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// terminalColumns is $COLUMNS, or 80.
func terminalColumns() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}

// running is train.Config.OnRunning: redraw the bar at most 10 times a
// second.
func (p *progress) running(done, total int, s train.Score) {
	if !p.tty {
		return
	}
	now := time.Now()
	if done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	elapsed := now.Sub(p.start).Seconds()
	frac := float64(done) / float64(total)
	b := barState{epoch: p.epochNo, epochs: p.epochs, done: done, total: total,
		rate: frac * float64(p.samples) / max(elapsed, 1e-9), eta: elapsed/max(frac, 1e-9) - elapsed}
	if p.mseUnit > 0 {
		b.stats = []string{fmt.Sprintf("MSE %.4g", s.MSE*p.mseUnit), fmt.Sprintf("R² %.3f", s.R2)}
	} else {
		b.stats = []string{fmt.Sprintf("loss %.4f", s.Loss), fmt.Sprintf("acc %.4f", s.Accuracy)}
	}
	fmt.Fprint(p.w, "\r"+renderBar(p.columns, b)+"\033[K")
}

// barState is what the bar shows.
type barState struct {
	epoch, epochs, done, total int
	stats                      []string // running mean loss and accuracy (or MSE and R²)
	rate, eta                  float64  // samples/s, seconds left in the epoch
}

// renderBar draws the bar in at most columns−1 characters (the last column
// would wrap on some terminals): "3/30 120/469 [=====>    ] loss 0.4123 acc
// 0.8512 5321/s ETA 4s". On narrow terminals it drops the bar, then the
// speed, the ETA and the figures, in that order, never the step counter.
func renderBar(columns int, b barState) string {
	width := max(columns-1, 1)
	head := fmt.Sprintf("epoch %d/%d %d/%d", b.epoch, b.epochs, b.done, b.total)
	speed, left := fmt.Sprintf("%.0f/s", b.rate), "ETA "+eta(b.eta)
	all := strings.Join(append(append([]string{}, b.stats...), speed, left), " ")
	if bar := width - len([]rune(head)) - len([]rune(all)) - 4; bar >= 10 { // two spaces, [ and ]
		bar = min(bar, 40)
		filled := min(bar, bar*b.done/max(b.total, 1))
		arrow := ""
		if filled < bar {
			arrow = ">"
		}
		return head + " [" + strings.Repeat("=", filled) + arrow + strings.Repeat(" ", bar-filled-len(arrow)) + "] " + all
	}
	for _, tail := range [][]string{append(append([]string{}, b.stats...), speed, left), append(append([]string{}, b.stats...), left), b.stats, b.stats[:min(1, len(b.stats))]} {
		if line := strings.Join(append([]string{head}, tail...), " "); len([]rune(line)) <= width {
			return line
		}
	}
	return clip(head, width)
}

// announce writes "reading SPEC …" to w if the load it precedes takes
// longer than after; the returned stop ends the wait (and waits for a line
// being written).
func announce(w io.Writer, spec string, after time.Duration) (stop func()) {
	done := make(chan struct{})
	t := time.AfterFunc(after, func() {
		fmt.Fprintf(w, "reading %s …\n", spec)
		close(done)
	})
	return func() {
		if !t.Stop() {
			<-done
		}
	}
}

// clip cuts s to at most width characters.
func clip(s string, width int) string {
	if r := []rune(s); len(r) > width {
		return string(r[:width])
	}
	return s
}

// eta spells seconds as 4s, 3m05s or 1h02m.
func eta(sec float64) string {
	switch s := int(math.Round(max(sec, 0))); {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
}

// epoch is train.Config.OnEpoch: one line per epoch.
func (p *progress) epoch(e train.Epoch) {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	line := fmt.Sprintf("epoch %3d/%d  α %-8.3g train loss %.4f  acc %.4f", e.Epoch, p.epochs, e.Alpha, e.Train.Loss, e.Train.Accuracy)
	if p.mseUnit > 0 {
		line = fmt.Sprintf("epoch %3d/%d  α %-8.3g train MSE %.4g", e.Epoch, p.epochs, e.Alpha, e.Train.MSE*p.mseUnit)
	}
	if e.Val != nil {
		if p.mseUnit > 0 {
			mse := e.Val.MSE * p.mseUnit
			line += fmt.Sprintf("  val MSE %.4g  RMSE %.4g  R² %.4f", mse, math.Sqrt(mse), e.Val.R2)
		} else {
			line += fmt.Sprintf("  val loss %.4f  val acc %.4f", e.Val.Loss, e.Val.Accuracy)
		}
	}
	fmt.Fprintf(p.w, "%s  %.2fs  %.0f samples/s\n", line, e.Seconds, float64(p.samples)/max(e.Seconds, 1e-9))
	if e.Health != nil {
		fmt.Fprintln(p.w, healthLine(e.Health))
		p.history = append(p.history, e)
		if p.warned == nil {
			p.warned = map[string]bool{}
		}
		for _, w := range train.Diagnose(p.history) {
			key := fmt.Sprint(w.Kind, w.Layer)
			if !p.warned[key] {
				p.warned[key] = true
				fmt.Fprintln(p.w, "warning: "+w.Text)
			}
		}
	}
	p.epochNo = e.Epoch + 1
	p.start = time.Now()
}

// search is train.FitOptions.OnSearch: on a terminal, a line redrawn in
// place for each epoch of the runs that choose the epochs; elsewhere, a
// line per epoch of a hold-out (one run), nothing for the folds of a
// cross-validation.
func (p *progress) search(run, runs int, e train.Epoch) {
	what := fmt.Sprintf("fold %d/%d", run, runs)
	if runs == 1 {
		what = "hold-out"
	}
	line := fmt.Sprintf("choosing the epochs: %s, epoch %d  train loss %.4f  val loss %.4f  %.2fs", what, e.Epoch, e.Train.Loss, e.Val.Loss, e.Seconds)
	switch {
	case p.tty:
		fmt.Fprint(p.w, "\r\033[K"+clip(line, p.columns-1))
	case runs == 1:
		fmt.Fprintln(p.w, line)
	}
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// healthLine is an epoch's health, layer by layer (1 … L): gradient RMS,
// update-to-weight ratio, and the dead (relu) or saturated (sigmoid, tanh)
// fraction of the hidden layers.
func healthLine(h []train.LayerHealth) string {
	var g, u, d []string
	units := false
	for _, lh := range h {
		g = append(g, fmt.Sprintf("%.1e", lh.GradRMS))
		u = append(u, fmt.Sprintf("%.1e", lh.UpdateRatio))
		switch {
		case lh.Layer == len(h):
			d = append(d, "-")
		case lh.Activation == "relu":
			d = append(d, fmt.Sprintf("%.0f%%d", 100*lh.Dead))
			units = true
		case lh.Activation == "sigmoid" || lh.Activation == "tanh":
			d = append(d, fmt.Sprintf("%.0f%%s", 100*lh.Saturated))
			units = true
		default:
			d = append(d, "-")
		}
	}
	s := fmt.Sprintf("          health by layer 1…%d: grad RMS %s; update/weight %s", len(h), strings.Join(g, " "), strings.Join(u, " "))
	if units {
		s += "; dead (d) or saturated (s) " + strings.Join(d, " ")
	}
	return s
}
