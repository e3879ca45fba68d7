package train

import (
	"fmt"
	"math"
)

// Mode says how many examples feed one step (docs/notation.md, "Gradients and the update").
type Mode string

// The modes. The zero value, "", means [MiniBatch].
const (
	// Batch takes one step per epoch on the whole training set, in its order.
	Batch Mode = "batch"
	// Stochastic (SGD) takes one step per example, in an order shuffled every
	// epoch.
	Stochastic Mode = "sgd"
	// MiniBatch takes one step per Config.Batch examples, in an order
	// shuffled every epoch; the last batch of an epoch may be smaller.
	MiniBatch Mode = "minibatch"
)

// Optimizer names the update rule that turns the mean gradient g of a batch
// into a change of the parameters.
type Optimizer string

// The optimizers. The zero value, "", means [SGD]. With v, m the optimizer's
// state (one value per parameter, starting at 0), μ = Config.Momentum and
// t the number of steps taken:
const (
	// SGD is plain gradient descent: w ← w − α g.
	SGD Optimizer = "sgd"
	// Momentum is heavy-ball momentum (as PyTorch writes it):
	// v ← μ v + g, w ← w − α v.
	Momentum Optimizer = "momentum"
	// Nesterov is Nesterov momentum (as PyTorch writes it):
	// v ← μ v + g, w ← w − α (g + μ v).
	Nesterov Optimizer = "nesterov"
	// Adam is Kingma & Ba's Adam: m ← β1 m + (1−β1) g,
	// v ← β2 v + (1−β2) g², w ← w − α m̂ / (√v̂ + ε) with the bias
	// corrections m̂ = m/(1−β1^t), v̂ = v/(1−β2^t).
	Adam Optimizer = "adam"
)

// Schedule names how the learning rate α changes from epoch to epoch; see
// [Config.Rate].
type Schedule string

// The schedules. The zero value, "", means [Constant].
const (
	// Constant keeps α = Config.Alpha.
	Constant Schedule = "constant"
	// StepDecay multiplies α by Config.Gamma every Config.Every epochs.
	StepDecay Schedule = "step"
	// Cosine anneals α from Config.Alpha towards 0 over Config.Epochs epochs
	// along half a cosine.
	Cosine Schedule = "cosine"
)

// Task says which metrics describe the network: accuracy (classification)
// or MSE and R² (regression).
type Task string

// The tasks. The zero value, "", means [TaskAuto].
const (
	// TaskAuto is classification when the network's loss is log or
	// cross-entropy and regression when it is squared.
	TaskAuto Task = "auto"
	// TaskClassification: one-hot targets (argmax of the outputs is the
	// predicted class) or, for a single output, 0/1 targets (o ≥ 0.5 is
	// class 1).
	TaskClassification Task = "classification"
	// TaskRegression: numeric targets.
	TaskRegression Task = "regression"
)

// The defaults of the optional fields of Config.
const (
	DefaultBatch    = 32
	DefaultMomentum = 0.9
	DefaultBeta1    = 0.9
	DefaultBeta2    = 0.999
	DefaultEps      = 1e-8
	DefaultGamma    = 0.1
	DefaultEvery    = 10
	DefaultShuffle  = 1 << 16
)

// Config says how to train. Alpha and Epochs are required; every other field
// has a documented default for its zero value.
type Config struct {
	Mode      Mode      `json:"mode"`      // "" means MiniBatch
	Batch     int       `json:"batch"`     // examples per step in MiniBatch mode; 0 means DefaultBatch
	Epochs    int       `json:"epochs"`    // passes over the training set, at least 1
	Alpha     float64   `json:"alpha"`     // learning rate α > 0 (of epoch 1 when a schedule changes it)
	Optimizer Optimizer `json:"optimizer"` // "" means SGD

	// Momentum is μ of Momentum and Nesterov, in (0, 1); 0 means
	// DefaultMomentum (use SGD for no momentum).
	Momentum float64 `json:"momentum,omitempty"`
	// Beta1, Beta2 and Eps are Adam's β1, β2 in (0, 1) and ε > 0; 0 means
	// DefaultBeta1, DefaultBeta2, DefaultEps.
	Beta1 float64 `json:"beta1,omitempty"`
	Beta2 float64 `json:"beta2,omitempty"`
	Eps   float64 `json:"eps,omitempty"`

	// L2 is the weight decay λ ≥ 0: every step adds λ·w to the mean gradient
	// of every weight w^l_ij, but not to the biases b^l_i, so the function
	// minimised is E/n + (λ/2) Σ (w^l_ij)². This is coupled L2 (PyTorch's
	// weight_decay), also with Adam, not AdamW. The reported losses do not
	// include the penalty.
	L2 float64 `json:"l2,omitempty"`
	// L1 is the L1 penalty λ₁ ≥ 0: every step adds λ₁·sign(w) to the mean
	// gradient of every weight w^l_ij (sign(0) = 0), but not to the biases,
	// so the function minimised is E/n + λ₁ Σ |w^l_ij| (plus the L2 term).
	// This is the subgradient, as TF Playground's L1: weights driven to 0
	// oscillate about it (within α·λ₁) rather than land on it exactly; an
	// absent connection (w = 0) stays 0. The reported losses do not include
	// the penalty.
	L1 float64 `json:"l1,omitempty"`

	Schedule Schedule `json:"schedule,omitempty"` // "" means Constant
	Gamma    float64  `json:"gamma,omitempty"`    // StepDecay factor in (0, 1]; 0 means DefaultGamma
	Every    int      `json:"every,omitempty"`    // StepDecay period in epochs; 0 means DefaultEvery

	// Seed drives the shuffling of Stochastic and MiniBatch modes (a PCG
	// generator of math/rand/v2). The initial weights come from
	// backprop.New's own seed: Train does not re-initialise the network.
	Seed uint64 `json:"seed"`

	// Patience, with a validation set, stops training after Patience epochs
	// in a row without a new lowest validation loss. 0 means no early
	// stopping. Either way, with a validation set Train ends with the
	// weights of the best epoch; see [Train].
	Patience int `json:"patience,omitempty"`

	Task Task `json:"task,omitempty"` // the metrics to report; "" means TaskAuto

	// Shuffle is the size of the shuffle buffer of [TrainSource], in
	// examples; 0 means DefaultShuffle. Train does not use it.
	Shuffle int `json:"shuffle,omitempty"`

	// Health records each layer's health every epoch in Epoch.Health:
	// gradient RMS, update-to-weight ratio, dead relu and saturated
	// sigmoid/tanh units (see LayerHealth, Diagnose). It is measured inside
	// the steps (the units on every step, the gradients and updates on about
	// 8 steps of an epoch) and allocates nothing per step.
	Health bool `json:"health,omitempty"`

	// OnEpoch, if not nil, is called after every epoch with its record.
	OnEpoch func(Epoch) `json:"-"`
	// OnStep, if not nil, is called after every step with the steps done in
	// this epoch, the steps per epoch and the batch's mean loss; for a
	// progress bar. Train itself allocates nothing to call it.
	OnStep func(done, total int, loss float64) `json:"-"`
	// OnRunning, if not nil, is called after every step (after OnStep) with
	// the steps done in this epoch, the steps per epoch and the epoch's
	// running score so far (each step's batch scored with the weights
	// before its update, as Epoch.Train): running means for a progress bar.
	OnRunning func(done, total int, running Score) `json:"-"`

	// OnCheckpoint, if not nil, is called at the end of every
	// CheckpointEvery-th epoch (0 means every epoch) with the State to
	// resume from, after OnEpoch; the network then holds the weights of the
	// end of the epoch. An error stops Train, which returns it wrapped.
	OnCheckpoint    func(*State) error `json:"-"`
	CheckpointEvery int                `json:"-"`
	// Resume, if not nil, continues the run that saved it: Train starts
	// after epoch Resume.Epoch with its optimizer state, shuffling
	// generator, best weights and history, on a network that holds the
	// weights saved with it. The other fields of Config must be those of
	// the saved run for the result to be the same.
	Resume *State `json:"-"`
}

// Validate checks c as NewTrainer and Train will, zero fields taking their
// defaults, and returns an error naming the first field out of range: a
// configuration can be checked before any network or data exists.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// withDefaults returns c with the defaults filled in, or an error naming the
// first field that is out of range.
func (c Config) withDefaults() (Config, error) {
	if c.Mode == "" {
		c.Mode = MiniBatch
	}
	if c.Optimizer == "" {
		c.Optimizer = SGD
	}
	if c.Schedule == "" {
		c.Schedule = Constant
	}
	if c.Task == "" {
		c.Task = TaskAuto
	}
	if c.Batch == 0 {
		c.Batch = DefaultBatch
	}
	if c.Momentum == 0 {
		c.Momentum = DefaultMomentum
	}
	if c.Beta1 == 0 {
		c.Beta1 = DefaultBeta1
	}
	if c.Beta2 == 0 {
		c.Beta2 = DefaultBeta2
	}
	if c.Eps == 0 {
		c.Eps = DefaultEps
	}
	if c.Gamma == 0 {
		c.Gamma = DefaultGamma
	}
	if c.Every == 0 {
		c.Every = DefaultEvery
	}
	if c.Shuffle == 0 {
		c.Shuffle = DefaultShuffle
	}
	switch c.Mode {
	case Batch, Stochastic, MiniBatch:
	default:
		return c, fmt.Errorf("unknown mode %q (want batch, sgd, minibatch)", c.Mode)
	}
	switch c.Optimizer {
	case SGD, Momentum, Nesterov, Adam:
	default:
		return c, fmt.Errorf("unknown optimizer %q (want sgd, momentum, nesterov, adam)", c.Optimizer)
	}
	switch c.Schedule {
	case Constant, StepDecay, Cosine:
	default:
		return c, fmt.Errorf("unknown schedule %q (want constant, step, cosine)", c.Schedule)
	}
	switch c.Task {
	case TaskAuto, TaskClassification, TaskRegression:
	default:
		return c, fmt.Errorf("unknown task %q (want auto, classification, regression)", c.Task)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.Epochs < 1:
		return c, fmt.Errorf("epochs: %d, want at least 1", c.Epochs)
	case c.Batch < 1:
		return c, fmt.Errorf("batch size: %d, want at least 1", c.Batch)
	case !(c.Alpha > 0) || !finite(c.Alpha):
		return c, fmt.Errorf("learning rate alpha: %v, want a number > 0", c.Alpha)
	case !(c.Momentum > 0 && c.Momentum < 1):
		return c, fmt.Errorf("momentum: %v, want a number in (0, 1)", c.Momentum)
	case !(c.Beta1 > 0 && c.Beta1 < 1):
		return c, fmt.Errorf("beta1: %v, want a number in (0, 1)", c.Beta1)
	case !(c.Beta2 > 0 && c.Beta2 < 1):
		return c, fmt.Errorf("beta2: %v, want a number in (0, 1)", c.Beta2)
	case !(c.Eps > 0) || !finite(c.Eps):
		return c, fmt.Errorf("eps: %v, want a number > 0", c.Eps)
	case !(c.L2 >= 0) || !finite(c.L2):
		return c, fmt.Errorf("l2: %v, want a number ≥ 0", c.L2)
	case !(c.L1 >= 0) || !finite(c.L1):
		return c, fmt.Errorf("l1: %v, want a number ≥ 0", c.L1)
	case !(c.Gamma > 0 && c.Gamma <= 1):
		return c, fmt.Errorf("gamma: %v, want a number in (0, 1]", c.Gamma)
	case c.Every < 1:
		return c, fmt.Errorf("every: %d epochs, want at least 1", c.Every)
	case c.Shuffle < 0:
		return c, fmt.Errorf("shuffle buffer: %d examples, want at least 1 (0: the default)", c.Shuffle)
	case c.Patience < 0:
		return c, fmt.Errorf("patience: %d, want 0 (no early stopping) or more", c.Patience)
	case c.CheckpointEvery < 0:
		return c, fmt.Errorf("checkpoint every: %d epochs, want 0 (every epoch) or more", c.CheckpointEvery)
	}
	return c, nil
}

// Rate returns the learning rate α of epoch e (1-based) under c's schedule:
//
//	constant: α_e = α
//	step:     α_e = α · γ^⌊(e−1)/k⌋            (γ = Gamma, k = Every)
//	cosine:   α_e = α · ½ (1 + cos(π (e−1)/E))  (E = Epochs)
//
// so epoch 1 always uses α, and the cosine schedule reaches 0 just after the
// last epoch (PyTorch's CosineAnnealingLR with T_max = E, stepped per epoch).
// Zero fields take their defaults.
func (c Config) Rate(e int) float64 {
	switch c.Schedule {
	case StepDecay:
		g, k := c.Gamma, c.Every
		if g == 0 {
			g = DefaultGamma
		}
		if k < 1 {
			k = DefaultEvery
		}
		return c.Alpha * math.Pow(g, float64((e-1)/k))
	case Cosine:
		return c.Alpha * (1 + math.Cos(math.Pi*float64(e-1)/float64(max(c.Epochs, 1)))) / 2
	}
	return c.Alpha
}

// resolve returns t, or for TaskAuto, regression when the network's loss is
// squared and classification otherwise.
func (t Task) resolve(squared bool) Task {
	if t == "" || t == TaskAuto {
		if squared {
			return TaskRegression
		}
		return TaskClassification
	}
	return t
}
