package backprop

import (
	"math"
	"slices"
	"testing"
)

// TestInitWith: each scheme's bound per layer by its activation (auto and
// he: He's for relu and leaky-relu, Glorot's for the others; glorot:
// Glorot's for all), biases 0 (he) or drawn from Glorot's bound (auto,
// glorot), absent connections 0, the same seed the same weights; Init and
// New are InitHe.
func TestInitWith(t *testing.T) {
	specs := []LayerSpec{{Units: 30, Activation: ReLU}, {Units: 40, Activation: LeakyReLU, Slope: 0.01},
		{Units: 20, Activation: Tanh}, {Units: 10, Activation: Sigmoid}, {Units: 12, Activation: Identity}, {Units: 3, Activation: Softmax}}
	drawn := map[InitScheme]bool{InitAuto: true, InitHe: false, InitGlorot: true}
	for _, scheme := range []InitScheme{InitAuto, InitHe, InitGlorot} {
		net, err := New[float64](10, CrossEntropy, 5, specs...)
		if err != nil {
			t.Fatal(err)
		}
		net.Layers[0].Mask = make([]bool, len(net.Layers[0].W))
		for k := range net.Layers[0].Mask {
			net.Layers[0].Mask[k] = k%3 != 0
		}
		net.InitWith(5, scheme)
		for l, lay := range net.Layers {
			glorot := math.Sqrt(6 / float64(lay.In+lay.Out))
			r := glorot
			if scheme != InitGlorot && (lay.Activation == ReLU || lay.Activation == LeakyReLU) {
				r = math.Sqrt(6 / float64(lay.In))
			}
			top := 0.0
			for k, w := range lay.W {
				if lay.Mask != nil && !lay.Mask[k] && w != 0 {
					t.Fatalf("%s: layer %d: an absent connection has weight %v", scheme, l+1, w)
				}
				top = max(top, math.Abs(w))
			}
			if top > r || top < 0.8*r {
				t.Errorf("%s: layer %d (%s): largest |w| %.4f, want just under %.4f", scheme, l+1, lay.Activation, top, r)
			}
			topB := 0.0
			for _, b := range lay.B {
				topB = max(topB, math.Abs(b))
			}
			if drawn[scheme] && (topB > glorot || topB < 0.5*glorot) || !drawn[scheme] && topB != 0 {
				t.Errorf("%s: layer %d: largest |b| %.4f, want %v (Glorot's bound %.4f)", scheme, l+1, topB, drawn[scheme], glorot)
			}
		}
		again := net.Clone()
		again.InitWith(5, scheme)
		if !slices.EqualFunc(net.Params(), again.Params(), slices.Equal) {
			t.Errorf("%s: the same seed drew other weights", scheme)
		}
	}
	a, _ := New[float64](10, CrossEntropy, 5, specs...)
	b := a.Clone()
	b.InitWith(5, InitHe)
	if !slices.EqualFunc(a.Params(), b.Params(), slices.Equal) {
		t.Error("New's weights are not InitWith(seed, InitHe)'s")
	}
	for _, name := range []string{"auto", "he", "glorot"} {
		if s, err := ParseInitScheme(name); err != nil || string(s) != name {
			t.Errorf("ParseInitScheme(%q) = %q, %v", name, s, err)
		}
	}
	if _, err := ParseInitScheme("xavier"); err == nil {
		t.Error("ParseInitScheme(xavier): no error")
	}
}
