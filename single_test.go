package backprop

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// allActivations and allLosses are every activation and loss.
var (
	allActivations = []Activation{Identity, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax}
	allLosses      = []Loss{Squared, Log, CrossEntropy}
)

// smallNets returns, for every hidden activation and every defined output
// pair, with and without masks and a bias-free layer, a network of small
// layers (4-5-4-3) with random weights and biases at the scale given.
func smallNets[T Float](rng *rand.Rand, scale float64) (nets []*Network[T]) {
	for _, hidden := range allActivations {
		for _, out := range allActivations {
			for _, J := range allLosses {
				if J != Squared && !out.probability() {
					continue
				}
				for _, masked := range []bool{false, true} {
					net, err := New[T](4, J, rng.Uint64(),
						LayerSpec{Units: 5, Activation: hidden, Slope: 0.1},
						LayerSpec{Units: 4, Activation: hidden, Slope: 0.1, NoBias: masked},
						LayerSpec{Units: 3, Activation: out, Slope: 0.1})
					if err != nil {
						panic(err)
					}
					for _, lay := range net.Layers {
						for k := range lay.W {
							lay.W[k] *= T(scale)
						}
						for i := range lay.B {
							lay.B[i] = T(rng.NormFloat64() * scale)
						}
						if masked {
							lay.Mask = make([]bool, len(lay.W))
							for k := range lay.Mask {
								if lay.Mask[k] = rng.IntN(3) > 0; !lay.Mask[k] {
									lay.W[k] = 0
								}
							}
						}
					}
					nets = append(nets, net)
				}
			}
		}
	}
	return nets
}

// example returns a random example of net: x, and y in the loss's domain.
func example[T Float](rng *rand.Rand, net *Network[T], rows int) (x, y []T) {
	n := net.Outputs()
	for range rows * net.Inputs {
		x = append(x, T(rng.NormFloat64()))
	}
	for range rows {
		k := rng.IntN(n)
		for i := range n {
			switch {
			case net.Loss == Squared:
				y = append(y, T(rng.NormFloat64()))
			case net.Loss == Log:
				y = append(y, T(rng.IntN(2)))
			case i == k:
				y = append(y, 1)
			default:
				y = append(y, 0)
			}
		}
	}
	return x, y
}

// sameBits reports the first index where a and b differ in their bits.
func sameBits[T Float](a, b []T) (int, bool) {
	if len(a) != len(b) {
		return 0, false
	}
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return i, false
		}
	}
	return 0, true
}

// TestSingleIsGeneral: one example through a network of small layers takes
// the plain loops of single.go, and Step its loop without axpy's call;
// their z, a, δ, gradients, E and updated weights are bit for bit those of
// the general path, over 30 steps, for every hidden activation and output
// pair, with masks and bias-free layers, at weight scales up to the
// saturation of every activation, in float32 and float64.
func TestSingleIsGeneral(t *testing.T) {
	testSingleIsGeneral[float32](t)
	testSingleIsGeneral[float64](t)
}

func testSingleIsGeneral[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 4))
	for _, scale := range []float64{0.5, 3, 40} {
		for _, net := range smallNets[T](rng, scale) {
			other := net.Clone()
			a, b := net.NewWorkspace(1), other.NewWorkspace(4)
			if !a.single(1) || !b.single(1) {
				t.Fatal("a network of small layers does not take the single path")
			}
			b.one = nil // the general path
			name := fmt.Sprintf("%T %v-%v-%v scale %v masked %v", T(0), net.Layers[0].Activation, net.Layers[2].Activation, net.Loss, scale, net.Layers[0].Mask != nil)
			for step := range 30 {
				x, y := example(rng, net, 1)
				a.Forward(x)
				b.Forward(x)
				Ea, Eb := a.Backward(y), b.Backward(y)
				if math.Float64bits(Ea) != math.Float64bits(Eb) {
					t.Fatalf("%s, step %d: E = %v, want %v", name, step, Ea, Eb)
				}
				for l := 1; l <= net.L(); l++ {
					for _, q := range []struct {
						what string
						a, b []T
					}{{"z", a.Z[l][:net.Layer(l).Out], b.Z[l][:net.Layer(l).Out]}, {"a", a.A[l][:net.Layer(l).Out], b.A[l][:net.Layer(l).Out]},
						{"delta", a.Delta[l][:net.Layer(l).Out], b.Delta[l][:net.Layer(l).Out]}, {"dW", a.DW[l], b.DW[l]}, {"db", a.DB[l], b.DB[l]}} {
						if i, ok := sameBits(q.a, q.b); !ok {
							t.Fatalf("%s, step %d: %s^%d[%d] = %v, want %v", name, step, q.what, l, i, q.a[i], q.b[i])
						}
					}
				}
				alpha := T(0.1 / scale)
				a.Step(alpha)
				b.Update(nil, alpha, 1, 0, 0) // through axpy
				pa, pb := net.Params(), other.Params()
				for p := range pa {
					if i, ok := sameBits(pa[p], pb[p]); !ok {
						t.Fatalf("%s, step %d: parameter vector %d [%d] = %v, want %v", name, step, p, i, pa[p][i], pb[p][i])
					}
				}
			}
		}
	}
}

// TestGradientIsBackward: Gradient computes the deltas and gradients of
// Backward bit for bit, for every hidden activation and output pair, on one
// example (the single path and the general one), a batch of 5 and a batch
// cut into shards, in float32 and float64; Loss from the same Forward is
// Backward's E.
func TestGradientIsBackward(t *testing.T) {
	testGradientIsBackward[float32](t)
	testGradientIsBackward[float64](t)
}

func testGradientIsBackward[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 5))
	for _, scale := range []float64{1, 40} {
		for _, net := range smallNets[T](rng, scale) {
			for _, rows := range []int{1, 5, 4 * shardMin} {
				for _, general := range []bool{false, true} {
					if general && rows > 1 {
						continue
					}
					a, b := net.NewWorkspace(rows), net.NewWorkspace(rows)
					if general {
						a.one, b.one = nil, nil
					}
					x, y := example(rng, net, rows)
					a.Forward(x)
					b.Forward(x)
					E := a.Backward(y)
					b.Gradient(y)
					name := fmt.Sprintf("%T %v-%v-%v scale %v, %d rows, general path %v", T(0), net.Layers[0].Activation, net.Layers[2].Activation, net.Loss, scale, rows, general)
					// Loss sums the rows in order, a batch in shards shard by shard.
					if L := b.Loss(y); L != E && (rows < 2*shardMin || math.Abs(L-E) > 1e-12*math.Abs(E)) {
						t.Errorf("%s: Loss after Gradient = %v, Backward's E = %v", name, L, E)
					}
					for l := 1; l <= net.L(); l++ {
						n := rows * net.Layer(l).Out
						for _, q := range []struct {
							what string
							a, b []T
						}{{"delta", a.Delta[l][:n], b.Delta[l][:n]}, {"dW", a.DW[l], b.DW[l]}, {"db", a.DB[l], b.DB[l]}} {
							if i, ok := sameBits(q.a, q.b); !ok {
								t.Fatalf("%s: %s^%d[%d] = %v after Gradient, %v after Backward", name, q.what, l, i, q.b[i], q.a[i])
							}
						}
					}
				}
			}
		}
	}
}
