package train

import (
	"fmt"
	"io"

	"github.com/backprop-go/backprop"
)

// Score is how well a network fits a set of examples.
type Score struct {
	// Loss is the mean loss per example, E/N = (1/N) Σ_r J(y_r, o_r), with
	// the network's loss J (without the L2 penalty).
	Loss float64 `json:"loss"`
	// Accuracy (classification) is the fraction of examples whose predicted
	// class is their class: argmax_k o_k for several outputs, o ≥ 0.5 for a
	// single one.
	Accuracy float64 `json:"accuracy,omitempty"`
	// MSE (regression) is the mean of (o_k − y_k)² over examples and outputs.
	MSE float64 `json:"mse,omitempty"`
	// R2 (regression) is the coefficient of determination,
	// 1 − Σ_r (o_rk − y_rk)² / Σ_r (y_rk − ȳ_k)², averaged over the outputs
	// k. An output whose targets are all equal counts 1 if predicted exactly,
	// else 0 (as scikit-learn does).
	R2 float64 `json:"r2,omitempty"`
}

// ClassMetrics describes the predictions for one class.
type ClassMetrics struct {
	// Precision is TP/(TP+FP): of the examples predicted as the class, the
	// fraction that belong to it (0 when none is predicted as it).
	Precision float64 `json:"precision"`
	// Recall is TP/(TP+FN): of the examples of the class, the fraction
	// predicted as it (0 when the set has none).
	Recall float64 `json:"recall"`
	// F1 is the harmonic mean of precision and recall (0 when both are 0).
	F1 float64 `json:"f1"`
	// Support is the number of examples of the class in the set.
	Support int `json:"support"`
}

// Metrics is the result of [Evaluate].
type Metrics struct {
	Score
	N    int  `json:"n"`    // examples
	Task Task `json:"task"` // TaskClassification or TaskRegression

	// Confusion (classification) counts the examples of class i predicted as
	// class j in Confusion[i][j]. Classes are the output indices, or 0 and 1
	// for a single output. It is nil above MaxConfusionClasses classes (a
	// K×K matrix of a network with many outputs would outgrow memory);
	// Classes is there for any number.
	Confusion [][]int `json:"confusion,omitempty"`
	// Classes (classification) holds the per-class metrics, by class index.
	Classes []ClassMetrics `json:"classes,omitempty"`
}

// MaxConfusionClasses is the most classes for which Evaluate builds the
// confusion matrix (1024: 8 MiB of counts).
const MaxConfusionClasses = 1024

// evalRows is the batch size of inference: rows per forward pass.
const evalRows = 256

// checkEvaluate refuses what Evaluate and EvaluateSource cannot score: an
// invalid network or an unknown task.
func checkEvaluate[T backprop.Float](net *backprop.Network[T], task Task) error {
	if err := net.Validate(); err != nil {
		return err
	}
	switch task {
	case "", TaskAuto, TaskClassification, TaskRegression:
		return nil
	}
	return fmt.Errorf("unknown task %q (want auto, classification, regression)", task)
}

// Evaluate computes net's metrics on set for the task (TaskAuto: see
// [TaskAuto]). It runs the forward pass in batches of up to 256 rows through
// one workspace, allocating nothing per example.
func Evaluate[T backprop.Float](net *backprop.Network[T], set Set[T], task Task) (Metrics, error) {
	if err := checkEvaluate(net, task); err != nil {
		return Metrics{}, err
	}
	if err := set.check(net, "set"); err != nil {
		return Metrics{}, err
	}
	p := setPart(set)
	ev := newEvaluator(net, p, task.resolve(net.Loss == backprop.Squared))
	ev.run(p) // a Set cannot fail
	return ev.s.metrics(), nil
}

// evaluator computes the metrics of a network on one set, reusing its
// workspace and accumulators from call to call.
type evaluator[T backprop.Float] struct {
	ws   *backprop.Workspace[T]
	s    *scorer
	x, y []T // a chunk of a Source's examples (nil for a Set)
}

func newEvaluator[T backprop.Float](net *backprop.Network[T], p part[T], task Task) *evaluator[T] {
	ev := &evaluator[T]{
		ws: net.NewWorkspace(min(evalRows, max(p.n, 1))),
		s:  newPartScorer(task, net.Outputs(), p, task == TaskClassification),
	}
	if p.src != nil {
		ev.x, ev.y = make([]T, ev.ws.Cap*net.Inputs), make([]T, ev.ws.Cap*net.Outputs())
	}
	return ev
}

// run evaluates the network on p (the part the evaluator was made for), in
// chunks of consecutive rows (see chunks).
func (ev *evaluator[T]) run(p part[T]) error {
	ev.s.reset()
	return chunks(p, ev.ws.Cap, ev.x, ev.y, func(x, y []T) {
		o := ev.ws.Forward(x)
		add(ev.s, o, y, ev.ws.Loss(y))
	})
}

// chunks calls f on the examples of p in order, size rows at a time (the
// last chunk may be smaller): a Set's rows in place, a Source's read in one
// pass into the buffers x and y (size rows each), checking that the pass
// holds p.n examples, no fewer, no more.
func chunks[T backprop.Float](p part[T], size int, x, y []T, f func(x, y []T)) error {
	if p.src == nil {
		n0, nL := len(p.set.X)/max(p.n, 1), len(p.set.Y)/max(p.n, 1)
		for r := 0; r < p.n; r += size {
			end := min(r+size, p.n)
			f(p.set.X[r*n0:end*n0], p.set.Y[r*nL:end*nL])
		}
		return nil
	}
	n0, nL := len(x)/size, len(y)/size
	if err := p.src.Reset(); err != nil {
		return err
	}
	for r := 0; r < p.n; r += size {
		rows := min(size, p.n-r)
		for k := range rows {
			err := p.src.Next(x[k*n0:(k+1)*n0], y[k*nL:(k+1)*nL])
			if err == io.EOF {
				return fmt.Errorf("the source ended after %d of its %d examples", r+k, p.n)
			}
			if err != nil {
				return err
			}
		}
		f(x[:rows*n0], y[:rows*nL])
	}
	switch err := p.src.Next(x[:n0], y[:nL]); err {
	case io.EOF:
		return nil
	case nil:
		return fmt.Errorf("the source holds more than its %d examples", p.n)
	default:
		return err
	}
}

// scorer accumulates a Score over batches of outputs and targets.
type scorer struct {
	task    Task
	outputs int // n_L
	classes int // n_L, or 2 for a single output (classification)

	rows      int
	loss      float64
	correct   int       // classification
	sse       []float64 // regression: Σ_r (o_rk − y_rk)², per output k
	sst       []float64 // regression: Σ_r (y_rk − ȳ_k)² over the whole set, per output k
	confusion []int     // classes×classes (nil when not wanted, or above MaxConfusionClasses): [true*classes+predicted]
	perClass  []int     // classes×3 (nil when not wanted): each class's examples, predictions and correct predictions

	// online (a Source, whose targets are not known in advance): sst is
	// accumulated as the batches come (Welford's method, with the means
	// ymean), so R² is exact once the whole set has been added.
	online bool
	ymean  []float64
	// means, when not nil, are the targets' means, known in advance
	// (EvaluateSource's first pass): sst is accumulated as the batches
	// come, as newScorer sums it over a Set, bit for bit.
	means []float64
}

// newPartScorer is newScorer for a Set or a Source.
func newPartScorer[T backprop.Float](task Task, outputs int, p part[T], confusion bool) *scorer {
	if p.src == nil {
		return newScorer(task, outputs, p.set.Y, p.n, confusion)
	}
	s := newScorer[T](task, outputs, nil, 0, confusion)
	s.online = true
	s.ymean = make([]float64, outputs)
	return s
}

// newScorer returns a scorer for a set whose targets y (n rows) are known in
// advance, for the sums of squares of R².
func newScorer[T backprop.Float](task Task, outputs int, y []T, n int, confusion bool) *scorer {
	s := &scorer{task: task, outputs: outputs, classes: max(outputs, 2)}
	if task == TaskRegression {
		s.sse = make([]float64, outputs)
		s.sst = make([]float64, outputs)
		if n > 0 {
			mean := make([]float64, outputs)
			for k, v := range y {
				mean[k%outputs] += float64(v)
			}
			for k := range mean {
				mean[k] /= float64(n)
			}
			for k, v := range y {
				d := float64(v) - mean[k%outputs]
				s.sst[k%outputs] += d * d
			}
		}
	}
	if task == TaskClassification && confusion {
		s.perClass = make([]int, 3*s.classes)
		if s.classes <= MaxConfusionClasses {
			s.confusion = make([]int, s.classes*s.classes)
		}
	}
	return s
}

func (s *scorer) reset() {
	s.rows, s.loss, s.correct = 0, 0, 0
	clear(s.sse)
	clear(s.confusion)
	clear(s.perClass)
	if s.online || s.means != nil {
		clear(s.sst)
		clear(s.ymean)
	}
}

// add accumulates a batch: outputs o and targets y (rows×n_L) whose summed
// loss is E.
func add[T backprop.Float](s *scorer, o, y []T, E float64) {
	n := s.outputs
	rows := len(o) / n
	s.rows += rows
	s.loss += E
	switch s.task {
	case TaskClassification:
		for r := 0; r < rows; r++ {
			want, got := class(y[r*n:(r+1)*n]), class(o[r*n:(r+1)*n])
			if want == got {
				s.correct++
			}
			if s.perClass != nil {
				s.perClass[3*want]++
				s.perClass[3*got+1]++
				if want == got {
					s.perClass[3*want+2]++
				}
			}
			if s.confusion != nil {
				s.confusion[want*s.classes+got]++
			}
		}
	case TaskRegression:
		for k := range o {
			d := float64(o[k] - y[k])
			s.sse[k%n] += d * d
		}
		if s.means != nil {
			for k, v := range y {
				d := float64(v) - s.means[k%n]
				s.sst[k%n] += d * d
			}
		}
		if s.online {
			for r := range rows {
				seen := float64(s.rows - rows + r + 1)
				for k, m := range s.ymean {
					v := float64(y[r*n+k])
					d := v - m
					s.ymean[k] += d / seen
					s.sst[k] += d * (v - s.ymean[k])
				}
			}
		}
	}
}

// class returns the class of an output or target row: backprop.ClassOf,
// the rule predict and evaluate use too.
func class[T backprop.Float](v []T) int { return backprop.ClassOf(v) }

// score returns the Score of the batches added since the last reset.
func (s *scorer) score() Score {
	if s.rows == 0 {
		return Score{}
	}
	sc := Score{Loss: s.loss / float64(s.rows)}
	switch s.task {
	case TaskClassification:
		sc.Accuracy = float64(s.correct) / float64(s.rows)
	case TaskRegression:
		var sse, r2 float64
		for k, e := range s.sse {
			sse += e
			switch {
			case s.sst[k] > 0:
				r2 += 1 - e/s.sst[k]
			case e == 0:
				r2++
			}
		}
		sc.MSE = sse / float64(s.rows*s.outputs)
		sc.R2 = r2 / float64(s.outputs)
	}
	return sc
}

// metrics returns the Metrics of the batches added since the last reset.
func (s *scorer) metrics() Metrics {
	m := Metrics{Score: s.score(), N: s.rows, Task: s.task}
	if s.perClass == nil {
		return m
	}
	c := s.classes
	if s.confusion != nil {
		m.Confusion = make([][]int, c)
		for i := range c {
			m.Confusion[i] = append([]int(nil), s.confusion[i*c:(i+1)*c]...)
		}
	}
	m.Classes = make([]ClassMetrics, c)
	for i := range c {
		support, predicted, tp := s.perClass[3*i], float64(s.perClass[3*i+1]), float64(s.perClass[3*i+2])
		cm := &m.Classes[i]
		cm.Support = support
		if predicted > 0 {
			cm.Precision = tp / predicted
		}
		if cm.Support > 0 {
			cm.Recall = tp / float64(cm.Support)
		}
		if cm.Precision+cm.Recall > 0 {
			cm.F1 = 2 * cm.Precision * cm.Recall / (cm.Precision + cm.Recall)
		}
	}
	return m
}
