package pic

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"testing"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

var update = flag.Bool("update", false, "write sans.metrics from the fonts")

// fontMetrics reads the metrics of sans.metrics from a font file: the
// advance of every rune of its character map, and the kerning of every pair
// of them (and that no pair with a missing glyph is kerned).
func fontMetrics(t *testing.T, ttf []byte) []byte {
	f, err := sfnt.Parse(ttf)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	ppem := fixed.Int26_6(f.UnitsPerEm())
	advance := func(g sfnt.GlyphIndex) int16 {
		a, err := f.GlyphAdvance(&buf, g, ppem, font.HintingNone)
		if err != nil {
			t.Fatal(err)
		}
		return int16(a)
	}
	kern := func(a, b sfnt.GlyphIndex) (int16, bool) {
		k, err := f.Kern(&buf, a, b, ppem, font.HintingNone)
		if errors.Is(err, sfnt.ErrNotFound) {
			return 0, false
		}
		if err != nil {
			t.Fatal(err)
		}
		return int16(k), true
	}
	var runes []rune
	var glyphs []sfnt.GlyphIndex
	for r := rune(0); r <= 0x10ffff; r++ {
		if g, err := f.GlyphIndex(&buf, r); err == nil && g != 0 {
			runes, glyphs = append(runes, r), append(glyphs, g)
		}
	}
	var out bytes.Buffer
	put := func(v any) { binary.Write(&out, binary.LittleEndian, v) }
	put(uint16(f.UnitsPerEm()))
	put(advance(0))
	put(uint32(len(runes)))
	for k, r := range runes {
		put(uint32(r))
		put(advance(glyphs[k]))
	}
	var pairs bytes.Buffer
	n := 0
	for i, a := range glyphs {
		if _, ok := kern(0, a); ok {
			t.Fatalf("the missing glyph is kerned before %q: the table cannot say so", runes[i])
		}
		if _, ok := kern(a, 0); ok {
			t.Fatalf("the missing glyph is kerned after %q: the table cannot say so", runes[i])
		}
		for j, b := range glyphs {
			if k, ok := kern(a, b); ok {
				binary.Write(&pairs, binary.LittleEndian, struct {
					A, B uint32
					V    int16
				}{uint32(runes[i]), uint32(runes[j]), k})
				n++
			}
		}
	}
	put(uint32(n))
	out.Write(pairs.Bytes())
	return out.Bytes()
}

// TestMetrics: sans.metrics is what the fonts say, every rune and pair.
func TestMetrics(t *testing.T) {
	want := append(fontMetrics(t, liberationsansregular.TTF), fontMetrics(t, liberationsansbold.TTF)...)
	if *update {
		if err := os.WriteFile("sans.metrics", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := os.ReadFile("sans.metrics"); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("sans.metrics (%v) differs from the fonts' metrics: run go test ./explain/internal/pic -update", err)
	}
}

// TestTextWidth: kerned pairs, missing glyphs, sizes.
func TestTextWidth(t *testing.T) {
	if w := TextWidth("", 12, false); w != 0 {
		t.Errorf("empty: %v", w)
	}
	// A and V are a kerned pair in Liberation Sans.
	if got, want := TextWidth("AV", 2048, false), TextWidth("A", 2048, false)+TextWidth("V", 2048, false); got >= want {
		t.Errorf("AV: %v, want less than A + V = %v (kerned)", got, want)
	}
	if TextWidth("δ", 12, true) <= TextWidth("δ", 12, false)*0.9 {
		t.Error("bold δ narrower than regular")
	}
	if a, b := TextWidth("\U000E0001", 10, false), TextWidth("\U000E0002", 10, false); a <= 0 || a != b {
		t.Errorf("missing glyphs: %v and %v, want the same width > 0", a, b)
	}
}
