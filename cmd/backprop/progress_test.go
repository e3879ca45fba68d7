package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/backprop-go/backprop/train"
)

func TestProgressBarWidths(t *testing.T) {
	b := barState{epoch: 3, epochs: 30, done: 120, total: 1688, stats: []string{"loss 0.4123", "acc 0.8512"}, rate: 53210, eta: 4.2}
	for _, w := range []int{40, 80, 200} {
		line := renderBar(w, b)
		if n := utf8.RuneCountInString(line); n >= w {
			t.Errorf("width %d: %d characters: %q", w, n, line)
		}
		if !strings.Contains(line, "3/30 120/1688") || !strings.Contains(line, "loss 0.4123") {
			t.Errorf("width %d: no step counter or loss: %q", w, line)
		}
		if w >= 80 && (!strings.Contains(line, "[") || !strings.Contains(line, "acc 0.8512") || !strings.Contains(line, "53210/s") || !strings.Contains(line, "ETA 4s")) {
			t.Errorf("width %d: want bar, accuracy, samples/s and ETA: %q", w, line)
		}
		t.Logf("%3d: %s", w, line)
	}
	for w := 1; w < 300; w++ {
		if n := utf8.RuneCountInString(renderBar(w, b)); n > max(w-1, 1) {
			t.Fatalf("width %d: %d characters", w, n)
		}
	}
	if got := eta(185); got != "3m05s" {
		t.Errorf("eta(185) = %s", got)
	}
}

// TestProgressRedrawsInPlace: on a terminal every redraw starts with a
// carriage return and holds no newline, so one bar stays on one line.
func TestProgressRedrawsInPlace(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, tty: true, columns: 80, epochs: 2, samples: 1000, epochNo: 1}
	for s := 1; s <= 3; s++ {
		p.last = p.last.Add(-time.Second)
		p.running(s, 3, train.Score{Loss: 0.5, Accuracy: 0.75})
	}
	out := buf.String()
	if strings.Count(out, "\r") != 3 || strings.Contains(out, "\n") {
		t.Errorf("redraws: %q", out)
	}
	for _, draw := range strings.Split(out, "\r")[1:] {
		if n := utf8.RuneCountInString(strings.TrimSuffix(draw, "\033[K")); n >= 80 {
			t.Errorf("a redraw of %d characters", n)
		}
	}
	p.epoch(train.Epoch{Epoch: 1, Train: train.Score{Loss: 0.5, Accuracy: 0.75}})
	if !strings.Contains(buf.String(), "epoch   1/2") {
		t.Errorf("no epoch line: %q", buf.String())
	}
	// Not a terminal: one line per epoch, no bar.
	buf.Reset()
	p.tty = false
	p.running(3, 3, train.Score{})
	p.epoch(train.Epoch{Epoch: 2})
	if strings.Contains(buf.String(), "\r") || strings.Count(buf.String(), "\n") != 1 {
		t.Errorf("not a terminal: %q", buf.String())
	}
}

func TestAnnounceSlowLoad(t *testing.T) {
	var buf bytes.Buffer
	stop := announce(&buf, "fashion", 0)
	time.Sleep(20 * time.Millisecond)
	stop()
	if buf.String() != "reading fashion …\n" {
		t.Errorf("slow: %q", buf.String())
	}
	buf.Reset()
	announce(&buf, "iris", time.Hour)()
	if buf.Len() != 0 {
		t.Errorf("fast: %q", buf.String())
	}
}

func TestEndWarnings(t *testing.T) {
	ep := func(n int, tr, val float64) train.Epoch {
		return train.Epoch{Epoch: n, Train: train.Score{Loss: tr}, Val: &train.Score{Loss: val}}
	}
	for _, c := range []struct {
		h    []train.Epoch
		best int
		val  bool
		want string
	}{
		{[]train.Epoch{ep(1, 1, 1), ep(2, 0.9, 0.8)}, 2, true, "validation loss was still falling at the last epoch, 2 (0.8, from 1 before it)"},
		{[]train.Epoch{ep(1, 1, 1), ep(2, 0.9, 0.8), ep(3, 0.85, 0.7999)}, 3, true, ""},
		{[]train.Epoch{ep(1, 1, 1), ep(2, 0.9, 1.1)}, 0, true, "no epoch beat the initial weights"},
		{[]train.Epoch{{Epoch: 1, Train: train.Score{Loss: 1}}, {Epoch: 2, Train: train.Score{Loss: 0.5}}}, 0, false, "training loss was still falling"},
		{[]train.Epoch{ep(1, 1, 1), ep(2, 0.9, 0.9), ep(3, 0.8, 0.95)}, 2, true, ""},
	} {
		got := strings.Join(endWarnings(c.h, c.best, c.val), "; ")
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.h, got, c.want)
		}
	}
	// The CLI: three epochs of iris end still improving.
	_, errs, status := cli(t, "train", "--data", "iris", "--epochs", "3", "--val-split", "0.1", "--out", t.TempDir()+"/m.json")
	if status != 0 || !strings.Contains(errs, "warning: the validation loss was still falling at the last epoch, 3") {
		t.Errorf("status %d: %s", status, errs)
	}
}
