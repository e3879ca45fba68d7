package pic

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
)

// Text is measured with Liberation Sans, which has the metrics of Arial and
// Helvetica, the fonts an SVG viewer falls back to: a glyph's advance plus
// the kerning of each pair, in font units, as gonum's font.Face.Width sums
// them (with which explain/raster draws the PNG). The metrics of the two
// faces are in sans.metrics, made from the fonts' files by `go test
// ./explain/internal/pic -update`; TestMetrics checks every rune and pair
// against the fonts, so the widths are those of the fonts to the bit. The
// table is 46 kB (16 kB compressed): the fonts themselves (830 kB) stay out of every
// program that lays out SVG but draws no PNG.

//go:embed sans.metrics
var sansMetrics []byte

// metrics are one face's: advances by rune, kerning by pair of runes.
type metrics struct {
	unitsPerEm float64
	notdef     int16  // the advance of a rune the font lacks
	runes      []rune // sorted
	advance    []int16
	pairs      []uint64 // sorted: first rune << 32 | second rune
	kern       []int16
}

var (
	metricsOnce sync.Once
	sans        [2]metrics // regular, bold
)

// TextWidth is the width in pixels of s drawn in Liberation Sans at size
// pixels, bold or not.
func TextWidth(s string, size float64, bold bool) float64 {
	metricsOnce.Do(func() {
		if err := decodeMetrics(sansMetrics, &sans); err != nil {
			panic("explain: sans.metrics: " + err.Error())
		}
	})
	m := &sans[0]
	if bold {
		m = &sans[1]
	}
	width, prev := 0, rune(-1)
	for _, r := range s {
		if prev >= 0 {
			if k, ok := slices.BinarySearch(m.pairs, uint64(prev)<<32|uint64(r)); ok {
				width += int(m.kern[k])
			}
		}
		if k, ok := slices.BinarySearch(m.runes, r); ok {
			width += int(m.advance[k])
		} else {
			width += int(m.notdef)
		}
		prev = r
	}
	return float64(width) * (size / m.unitsPerEm)
}

// The file holds, for each face, little-endian: uint16 units per em, int16
// the advance of a missing glyph, uint32 n and n × (uint32 rune, int16
// advance) sorted by rune, uint32 k and k × (uint32 rune, uint32 rune,
// int16 kerning) sorted by the pair.

func decodeMetrics(b []byte, faces *[2]metrics) error {
	r := bytes.NewReader(b)
	read := func(v any) error { return binary.Read(r, binary.LittleEndian, v) }
	for f := range faces {
		var head struct {
			UnitsPerEm uint16
			Notdef     int16
			N          uint32
		}
		if err := read(&head); err != nil {
			return err
		}
		rows := make([]struct {
			R   uint32
			Adv int16
		}, head.N)
		if err := read(rows); err != nil {
			return err
		}
		var k uint32
		if err := read(&k); err != nil {
			return err
		}
		pairs := make([]struct {
			A, B uint32
			V    int16
		}, k)
		if err := read(pairs); err != nil {
			return err
		}
		m := metrics{unitsPerEm: float64(head.UnitsPerEm), notdef: head.Notdef}
		for _, row := range rows {
			m.runes, m.advance = append(m.runes, rune(row.R)), append(m.advance, row.Adv)
		}
		for _, p := range pairs {
			m.pairs, m.kern = append(m.pairs, uint64(p.A)<<32|uint64(p.B)), append(m.kern, p.V)
		}
		if !slices.IsSorted(m.runes) || !slices.IsSorted(m.pairs) || m.unitsPerEm == 0 {
			return fmt.Errorf("face %d: not sorted, or no units per em", f)
		}
		faces[f] = m
	}
	if r.Len() != 0 {
		return fmt.Errorf("%d bytes after the two faces", r.Len())
	}
	return nil
}
