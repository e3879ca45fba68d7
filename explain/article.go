package explain

import (
	"slices"

	"github.com/backprop-go/backprop"
)

// Article returns the worked example of docs/notation.md: a network of 2 inputs,
// 3 + 2 hidden sigmoid neurons and 1 sigmoid output with the log loss, in
// which only the connections of the article's figure exist; the example
// x = (1, 0) with target y = 1; and the learning rate α = 0.5. One Step of it
// takes the output from 0.671846 to 0.698076.
func Article() (net *backprop.Network[float64], x, y [][]float64, alpha float64) {
	net = &backprop.Network[float64]{
		Inputs: 2,
		Loss:   backprop.Log,
		Layers: []*backprop.Layer[float64]{
			{ // h1, h2, h3: only x1 → h1, x1 → h2 and the three biases exist
				Activation: backprop.Sigmoid, In: 2, Out: 3,
				W: []float64{
					0.3, 0,
					0.7, 0,
					0, 0,
				},
				B: []float64{0.5, -0.2, -0.1},
				Mask: []bool{
					true, false,
					true, false,
					false, false,
				},
			},
			{ // h4, h5: no bias, no h3 → h4
				Activation: backprop.Sigmoid, In: 3, Out: 2,
				W: []float64{
					-0.5, 0.4, 0,
					0.3, 0.6, 0.4,
				},
				Mask: []bool{
					true, true, false,
					true, true, true,
				},
			},
			{ // o: no bias
				Activation: backprop.Sigmoid, In: 2, Out: 1,
				W: []float64{0.5, 0.7},
			},
		},
	}
	return net, [][]float64{{1, 0}}, [][]float64{{1}}, 0.5
}

// articleNames are the article's names of the neurons, by layer and neuron.
var articleNames = [][]string{{"x1", "x2"}, {"h1", "h2", "h3"}, {"h4", "h5"}, {"o"}}

// isArticle reports whether t is a step of the worked example: the network,
// the example and α of Article.
func isArticle(t *Trace) bool {
	net, x, y, alpha := Article()
	if t.Alpha != alpha || !slices.EqualFunc(t.X, x, slices.Equal) || !slices.EqualFunc(t.Y, y, slices.Equal) {
		return false
	}
	a, b := t.Net, net
	if a.Inputs != b.Inputs || a.Loss != b.Loss || len(a.Layers) != len(b.Layers) {
		return false
	}
	for l, la := range a.Layers {
		lb := b.Layers[l]
		if la.Activation != lb.Activation || la.In != lb.In || la.Out != lb.Out ||
			!slices.Equal(la.W, lb.W) || !slices.Equal(la.B, lb.B) ||
			(la.B == nil) != (lb.B == nil) || !sameMask(la, lb) {
			return false
		}
	}
	return true
}

// sameMask reports whether two layers have the same connections (no mask
// means all present).
func sameMask(a, b *backprop.Layer[float64]) bool {
	for k := range a.W {
		if present(a, k) != present(b, k) {
			return false
		}
	}
	return true
}

func present(lay *backprop.Layer[float64], k int) bool { return lay.Mask == nil || lay.Mask[k] }
