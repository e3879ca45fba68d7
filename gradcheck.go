package backprop

import (
	"fmt"
	"math"
)

// Check is the result of GradCheck for one parameter array of one layer: the
// worst relative error between backward's gradient and the central finite
// difference, and where it occurred.
type Check struct {
	Layer    int    // l
	Param    string // "weights" or "bias"
	Count    int    // parameters compared (absent connections are skipped)
	Kinks    int    // parameters skipped because a relu kink lies within ±2h
	Worst    float64
	I, J     int     // the worst entry: weights[I][J], or bias[I] (J = -1)
	Backward float64 // ∂E/∂w from the backward pass at the worst entry
	Numeric  float64 // the central finite difference there
}

// GradCheck compares the gradients of Backward for the batch x, y with central
// finite differences (see centralDifference) for every present weight and
// every bias (skipping those whose difference would straddle a relu kink),
// and returns one Check per parameter array, in the order of
// Params. The relative error of a pair is |g − n| / max(|g|, |n|, 1e-5·max(1, E)):
// relative, but absolute for gradients too small for finite differences to
// resolve.
// The network is left unchanged.
func GradCheck(net *Network[float64], x, y []float64) ([]Check, error) {
	if err := net.Validate(); err != nil {
		return nil, err
	}
	rows := len(x) / net.Inputs
	if rows == 0 || rows*net.Inputs != len(x) || len(y) != rows*net.Outputs() {
		return nil, fmt.Errorf("gradcheck: %d inputs and %d targets do not make rows of %d inputs and %d outputs", len(x), len(y), net.Inputs, net.Outputs())
	}
	ws := net.NewWorkspace(rows)
	ws.Forward(x)
	// Gradients smaller than floor are compared absolutely: the finite
	// difference cannot resolve them from rounding (about ε·|E|/h).
	floor := 1e-5 * math.Max(1, math.Abs(ws.Backward(y)))
	// A relu or leaky-relu unit whose z changes sign between w − 2h and w + 2h
	// puts a kink inside the difference: such entries are skipped (Kinks).
	positive := make([][]bool, net.L()+1)
	for l, lay := range net.Layers {
		if lay.Activation == ReLU || lay.Activation == LeakyReLU {
			for _, z := range ws.Z[l+1][:rows*lay.Out] {
				positive[l+1] = append(positive[l+1], z > 0)
			}
		}
	}
	crossed := false
	E := func() float64 {
		ws.Forward(x)
		for l, pos := range positive {
			for k, p := range pos {
				crossed = crossed || (ws.Z[l][k] > 0) != p
			}
		}
		return ws.Loss(y)
	}
	var checks []Check
	for l := 1; l <= net.L(); l++ {
		lay := net.Layer(l)
		arrays := []struct {
			name string
			p, g []float64
			cols int
		}{{"weights", lay.W, clone(ws.DW[l]), lay.In}}
		if lay.B != nil {
			arrays = append(arrays, struct {
				name string
				p, g []float64
				cols int
			}{"bias", lay.B, clone(ws.DB[l]), 0})
		}
		for _, arr := range arrays {
			c := Check{Layer: l, Param: arr.name, J: -1}
			for k := range arr.p {
				if arr.cols > 0 && lay.Mask != nil && !lay.Mask[k] {
					continue
				}
				w := arr.p[k]
				h := 1e-4 * math.Max(1, math.Abs(w))
				crossed = false
				n := centralDifference(func(v float64) float64 { arr.p[k] = v; return E() }, w, h)
				arr.p[k] = w
				if crossed {
					c.Kinks++
					continue
				}
				g := arr.g[k]
				rel := math.Abs(g-n) / math.Max(math.Max(math.Abs(g), math.Abs(n)), floor)
				if math.IsNaN(rel) {
					rel = math.Inf(1)
				}
				c.Count++
				if c.Count == 1 || rel > c.Worst {
					c.Worst, c.Backward, c.Numeric = rel, g, n
					if arr.cols > 0 {
						c.I, c.J = k/arr.cols, k%arr.cols
					} else {
						c.I = k
					}
				}
			}
			checks = append(checks, c)
		}
	}
	return checks, nil
}

// centralDifference estimates E'(w) by the fourth-order central difference
// [E(w−2h) − 8E(w−h) + 8E(w+h) − E(w+2h)] / 12h, whose error is O(h⁴): with
// h = 1e-4 truncation is negligible and rounding stays near ε·|E|/h ≈ 1e-12,
// where the two-point rule (E(w+h) − E(w−h)) / 2h must trade the two and
// stops near 1e-10.
func centralDifference(E func(float64) float64, w, h float64) float64 {
	return (E(w-2*h) - 8*E(w-h) + 8*E(w+h) - E(w+2*h)) / (12 * h)
}
