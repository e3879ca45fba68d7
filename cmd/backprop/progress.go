package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/backprop-go/backprop/train"
)

// progress reports training: on a terminal, a bar for the current epoch
// (samples/s, loss, ETA) redrawn in place, and a line per epoch; elsewhere,
// only the line per epoch.
type progress struct {
	w               io.Writer
	tty             bool
	epochs, samples int
	epochNo         int
	start, last     time.Time
	history         []train.Epoch   // for the warnings, which look back
	warned          map[string]bool // the warnings given, by kind and layer: each once
}

func newProgress(w io.Writer, epochs, samples int) *progress {
	p := &progress{w: w, epochs: epochs, samples: samples, epochNo: 1, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// step is train.Config.OnStep: redraw the bar at most 10 times a second.
func (p *progress) step(done, total int, loss float64) {
	if !p.tty {
		return
	}
	now := time.Now()
	if done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	frac := float64(done) / float64(total)
	elapsed := now.Sub(p.start).Seconds()
	rate := frac * float64(p.samples) / max(elapsed, 1e-9)
	eta := elapsed/max(frac, 1e-9) - elapsed
	const width = 30
	bar := strings.Repeat("=", int(frac*width)) + strings.Repeat(" ", width-int(frac*width))
	fmt.Fprintf(p.w, "\repoch %d/%d [%s] %3.0f%%  %.0f samples/s  loss %.4f  ETA %.0fs ", p.epochNo, p.epochs, bar, 100*frac, rate, loss, eta)
}

// epoch is train.Config.OnEpoch: one line per epoch.
func (p *progress) epoch(e train.Epoch) {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	line := fmt.Sprintf("epoch %3d/%d  α %-8.3g train loss %.4f", e.Epoch, p.epochs, e.Alpha, e.Train.Loss)
	if e.Val != nil {
		line += fmt.Sprintf("  val loss %.4f", e.Val.Loss)
		if e.Val.Accuracy > 0 || e.Val.MSE == 0 {
			line += fmt.Sprintf("  val acc %.4f", e.Val.Accuracy)
		} else {
			line += fmt.Sprintf("  val R² %.4f", e.Val.R2)
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
