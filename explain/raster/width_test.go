package raster

import (
	"testing"

	"github.com/backprop-go/backprop/explain/internal/pic"
)

// TestWidthsAgree: the SVG's layout (pic.TextWidth, x/image's sfnt) and the
// PNG's text (gonum's font.Face.Width) measure text alike, to the bit,
// kerned pairs included.
func TestWidthsAgree(t *testing.T) {
	for _, s := range []string{
		"", "a", "AV", "To", "Yo", "LT", "w3_12 = 0.812167 → 0.857", "δ2_1 = f'(z2_1) · Σ", "−1.5e+300",
		"W, −α·∂E/∂W, δ, a", "x1 x2 b +1 o' = 0.698076", "ÀÉÎõü ½ ° ±", "Network 2-3-2-1 (sigmoid), log loss",
	} {
		for _, size := range []float64{9, 11.5, 12, 13, 16} {
			for _, bold := range []bool{false, true} {
				f := face(size, bold)
				if got, want := pic.TextWidth(s, size, bold), float64(f.Width(s)); got != want {
					t.Errorf("%q at %v (bold %v): %v, gonum %v", s, size, bold, got, want)
				}
			}
		}
	}
}
