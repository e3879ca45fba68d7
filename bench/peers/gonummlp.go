package main

import (
	"math"
	"math/rand"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/mat"
)

// gonum has no neural-network package: gonum-mlp is the batched float64 MLP
// a Go developer writes on gonum/mat (Z = A·W + b row by row, the delta
// rule, mean-gradient SGD), the "do it yourself" baseline; gonum's GEMM row
// is its float32 blas32.Gemm.

func init() {
	register("gonum-mlp", "gonum.org/v1/gonum v0.17.0 (mat, float64; an MLP written for this harness)",
		"hand-written on gonum/mat, float64, pure-Go BLAS",
		map[string]func(*env) (map[string]any, error){"w1": gonumW1, "w4": gonumW4, "w5": gonumW5, "gemm": gonumGEMM})
}

// gmlp is the network: W[l] is n_{l}×n_{l+1} (inputs × units), b[l] its bias.
type gmlp struct {
	sizes   []int
	sigmoid bool // hidden units sigmoid (else ReLU); the output is softmax, or sigmoid for one unit
	W       []*mat.Dense
	b       [][]float64
	gW      []*mat.Dense
	batch   int
	a, d    []*mat.Dense // activations (a[0] the input) and deltas, batch rows
}

func newGMLP(rng *rand.Rand, sizes []int, sigmoid bool) *gmlp {
	m := &gmlp{sizes: sizes, sigmoid: sigmoid}
	for l := range len(sizes) - 1 {
		m.W = append(m.W, mat.NewDense(sizes[l], sizes[l+1], glorot(rng, sizes[l], sizes[l+1])))
		m.gW = append(m.gW, mat.NewDense(sizes[l], sizes[l+1], nil))
		m.b = append(m.b, make([]float64, sizes[l+1]))
	}
	return m
}

func (m *gmlp) resize(batch int) {
	if m.batch == batch {
		return
	}
	m.batch, m.a, m.d = batch, nil, nil
	for _, n := range m.sizes {
		m.a = append(m.a, mat.NewDense(batch, n, nil))
		m.d = append(m.d, mat.NewDense(batch, n, nil))
	}
}

// forward computes every layer's activations from m.a[0].
func (m *gmlp) forward() {
	L := len(m.W)
	for l := range L {
		z := m.a[l+1]
		z.Mul(m.a[l], m.W[l])
		for r := range m.batch {
			row := z.RawRowView(r)
			for j := range row {
				row[j] += m.b[l][j]
			}
			switch {
			case l == L-1 && len(row) > 1: // softmax
				mx := math.Inf(-1)
				for _, v := range row {
					mx = max(mx, v)
				}
				s := 0.0
				for j, v := range row {
					row[j] = math.Exp(v - mx)
					s += row[j]
				}
				for j := range row {
					row[j] /= s
				}
			case l == L-1 || m.sigmoid:
				for j, v := range row {
					row[j] = 1 / (1 + math.Exp(-v))
				}
			default:
				for j, v := range row {
					row[j] = max(v, 0)
				}
			}
		}
	}
}

// backward takes one SGD step on the batch mean from the output deltas in
// m.d[L] (o − y: softmax with cross-entropy, sigmoid with log loss).
func (m *gmlp) backward(alpha float64) {
	step := alpha / float64(m.batch)
	for l := len(m.W) - 1; l >= 0; l-- {
		m.gW[l].Mul(m.a[l].T(), m.d[l+1])
		if l > 0 { // the delta rule, before W[l] changes
			m.d[l].Mul(m.d[l+1], m.W[l].T())
			for r := range m.batch {
				d, a := m.d[l].RawRowView(r), m.a[l].RawRowView(r)
				for j := range d {
					if m.sigmoid {
						d[j] *= a[j] * (1 - a[j])
					} else if a[j] <= 0 {
						d[j] = 0
					}
				}
			}
		}
		for r := range m.batch {
			for j, v := range m.d[l+1].RawRowView(r) {
				m.b[l][j] -= step * v
			}
		}
		m.gW[l].Scale(-step, m.gW[l])
		m.W[l].Add(m.W[l], m.gW[l])
	}
}

func (m *gmlp) classify(test *Dataset, i, b int) []int {
	m.resize(b)
	for r := range b {
		test.Row64(i+r, m.a[0].RawRowView(r))
	}
	m.forward()
	pred := make([]int, b)
	for r := range pred {
		pred[r] = argmax(m.a[len(m.sizes)-1].RawRowView(r))
	}
	return pred
}

type gonumW1Net struct {
	m     *gmlp
	train *Dataset
}

func (g *gonumW1Net) epoch(order []int) error {
	m := g.m
	m.resize(w1Batch)
	out := m.d[len(m.sizes)-1]
	for i := 0; i < len(order); i += w1Batch {
		for r, k := range order[i : i+w1Batch] {
			g.train.Row64(k, m.a[0].RawRowView(r))
		}
		m.forward()
		out.Copy(m.a[len(m.sizes)-1])
		for r, k := range order[i : i+w1Batch] {
			out.Set(r, int(g.train.Y[k]), out.At(r, int(g.train.Y[k]))-1)
		}
		m.backward(0.1)
	}
	return nil
}

func (g *gonumW1Net) classify(test *Dataset) ([]int, error) {
	var pred []int
	for i := 0; i < test.N; i += 1000 {
		pred = append(pred, g.m.classify(test, i, min(1000, test.N-i))...)
	}
	return pred, nil
}

func gonumW1(e *env) (map[string]any, error) {
	return runW1(e, func(train *Dataset, rng *rand.Rand) (w1Net, error) {
		return &gonumW1Net{m: newGMLP(rng, w1Sizes, false), train: train}, nil
	})
}

type gonumW4Net struct{ m *gmlp }

func (g *gonumW4Net) train(steps int) error {
	m := g.m
	x, out := m.a[0].RawRowView(0), m.d[3].RawRowView(0)
	for s := range steps {
		k := s % 4
		copy(x, xorX[k])
		m.forward()
		out[0] = m.a[3].At(0, 0) - xorY[k]
		m.backward(0.5)
	}
	return nil
}

func (g *gonumW4Net) out(k int) (float64, error) {
	copy(g.m.a[0].RawRowView(0), xorX[k])
	g.m.forward()
	return g.m.a[3].At(0, 0), nil
}

func gonumW4(e *env) (map[string]any, error) {
	return runW4(e, func(rng *rand.Rand) (w4Net, error) {
		m := newGMLP(rng, []int{2, 3, 2, 1}, true)
		m.resize(1)
		return &gonumW4Net{m}, nil
	})
}

func gonumW5(e *env) (map[string]any, error) {
	return runW5(e, func(rng *rand.Rand) (w5Net, error) {
		m := newGMLP(rng, w1Sizes, false)
		return func(test *Dataset, i, b int) ([]int, error) { return m.classify(test, i, b), nil }, nil
	})
}

func gonumGEMM(e *env) (map[string]any, error) {
	return runGEMM(e, func(n int, a, b []float32) (func() ([]float32, error), error) {
		A := blas32.General{Rows: n, Cols: n, Stride: n, Data: a}
		B := blas32.General{Rows: n, Cols: n, Stride: n, Data: b}
		C := blas32.General{Rows: n, Cols: n, Stride: n, Data: make([]float32, n*n)}
		return func() ([]float32, error) {
			blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, A, B, 0, C)
			return C.Data, nil
		}, nil
	})
}
