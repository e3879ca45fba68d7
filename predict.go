package backprop

import "fmt"

// predictRows is the batch a predictor runs at once: one record, so that a
// record's answer never depends on the other records of the call (the
// batched kernels' order of summation depends on a row's place in the
// batch, and float32 rounding follows it), and a forward pass stays on the
// caller's goroutine.
const predictRows = 1

// predictor is one caller's workspace: x⁰ for a batch of records and the
// network's buffers.
type predictor[T Float] struct {
	x0 []T
	ws *Workspace[T]
}

func (m *Model[T]) get() *predictor[T] {
	if p, ok := m.pool.Get().(*predictor[T]); ok && p.ws.Network() == m.Net {
		return p
	}
	return &predictor[T]{x0: make([]T, predictRows*m.Net.Inputs), ws: m.Net.NewWorkspace(predictRows)}
}

// recordWidth is the number of values of a raw record: one per feature, or
// the network's inputs when the model has no features.
func (m *Model[T]) recordWidth() int {
	if m.Features != nil {
		return len(m.Features)
	}
	return m.Net.Inputs
}

// Outputs returns the number of values Predict gives per record: the
// number of classes of a classifier (2 for a single sigmoid output), else
// n_L.
func (m *Model[T]) Outputs() int {
	if m.Classifier() && m.Net.Outputs() == 1 {
		return 2
	}
	return m.Net.Outputs()
}

// Predict runs the model on the raw records x (n records of len(Features)
// values each, row-major, as in the data file) and returns its answers, n
// rows of Outputs() values: the probability of each class for a classifier
// (1 − o and o for a single sigmoid output), the predicted values for
// regression. The result is dst[:n·Outputs()] when dst has room for it
// (then Predict allocates nothing), else a new slice.
//
// Predict applies the pipeline (see [Encode]: scaling, one-hot categories,
// missing-value fills) and the forward pass in T. A categorical feature's
// value is its category's index (see [Pipeline.Record]); a record the
// pipeline cannot encode is an error. It is safe to call from many
// goroutines at once.
func (m *Model[T]) Predict(dst, x []float64) ([]float64, error) {
	n0, k := m.recordWidth(), m.Outputs()
	if len(x)%n0 != 0 {
		return nil, fmt.Errorf("predict: %d values are not whole records of %d features", len(x), n0)
	}
	if err := m.CheckRecords(x); err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	rows := len(x) / n0
	if cap(dst) < rows*k {
		dst = make([]float64, rows*k)
	}
	dst = dst[:rows*k]
	p := m.get()
	m.predict(p, dst, x)
	m.pool.Put(p)
	return dst, nil
}

// predict writes the answers for the records x into dst, with p's buffers.
func (m *Model[T]) predict(p *predictor[T], dst, x []float64) {
	n0, nL, k := m.recordWidth(), m.Net.Outputs(), m.Outputs()
	rows := len(x) / n0
	for r0 := 0; r0 < rows; r0 += predictRows {
		r1 := min(rows, r0+predictRows)
		o := m.forward(p, x[r0*n0:r1*n0])
		if k == nL {
			for i, v := range o {
				dst[r0*k+i] = float64(v)
			}
			continue
		}
		for r := range r1 - r0 { // one sigmoid output: p(class 1) = o
			dst[(r0+r)*2], dst[(r0+r)*2+1] = 1-float64(o[r]), float64(o[r])
		}
	}
}

// forward returns the outputs o for the records x (at most predictRows),
// a view into p's workspace.
func (m *Model[T]) forward(p *predictor[T], x []float64) []T {
	return p.ws.Forward(Encode(&m.Pipeline, p.x0, x))
}

// Classify runs the model on the raw records x, as Predict, and returns the
// class of each, [ClassOf] its output: the index k of the most probable class
// (the first of equals; for a single sigmoid output, 1 when o ≥ 0.5), named
// by Label(k). The result is dst[:n] when dst has room for it (then Classify
// allocates nothing), else a new slice. It is an error for a regression
// model.
func (m *Model[T]) Classify(dst []int, x []float64) ([]int, error) {
	if !m.Classifier() {
		return nil, fmt.Errorf("classify: a regression model (loss %s, no classes) has no classes", m.Net.Loss)
	}
	n0, nL := m.recordWidth(), m.Net.Outputs()
	if len(x)%n0 != 0 {
		return nil, fmt.Errorf("classify: %d values are not whole records of %d features", len(x), n0)
	}
	if err := m.CheckRecords(x); err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	rows := len(x) / n0
	if cap(dst) < rows {
		dst = make([]int, rows)
	}
	dst = dst[:rows]
	p := m.get()
	defer m.pool.Put(p)
	for r0 := 0; r0 < rows; r0 += predictRows {
		r1 := min(rows, r0+predictRows)
		o := m.forward(p, x[r0*n0:r1*n0])
		for r := range r1 - r0 {
			dst[r0+r] = ClassOf(o[r*nL : (r+1)*nL])
		}
	}
	return dst, nil
}

// ClassOf returns the class that an output row o of a classifier means: the
// index of its largest value (the first of equals), or for a single output
// (a sigmoid's p(class 1)), 1 when o ≥ 0.5 and 0 otherwise. Training's
// accuracy, evaluate and predict all take classes by this rule.
func ClassOf[T Float](o []T) int {
	if len(o) == 1 {
		if o[0] >= 0.5 {
			return 1
		}
		return 0
	}
	best := 0
	for k, v := range o {
		if v > o[best] {
			best = k
		}
	}
	return best
}
