package serve

import (
	"fmt"
	"slices"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/train"
)

// The configuration of a session: what it trains (the dataset, the network)
// and how, checked field by field (a 400 names the field).

// Config is what a session trains: the dataset and the network, and how to
// train it. Its JSON form is the body of PUT /api/sessions/{id}/config,
// where fields left out keep their values.
type Config struct {
	Dataset       string  `json:"dataset"`        // xor, circles, spirals, blobs, surface; csv: the session's table
	Noise         float64 `json:"noise"`          // standard deviation of the jitter, 0 to 0.5
	Points        int     `json:"points"`         // examples in all, train and test (a table: its rows)
	TrainFraction float64 `json:"train_fraction"` // the share of the points to train on, 0.1 to 0.9
	Seed          uint64  `json:"seed"`           // of the data and the initial weights

	// Features are the network's inputs, computed from the point (x1, x2):
	// x1, x2, x1sq, x2sq, x1x2, sinx1, sinx2. A table's inputs are its
	// pipeline's instead.
	Features []string `json:"features"`

	// Target and View are a table's (dataset csv): the target column ("":
	// the last), and the two feature columns the maps show ([]: the first
	// two numeric ones), the others held at their means.
	Target string   `json:"target,omitempty"`
	View   []string `json:"view,omitempty"`

	Hidden []LayerConfig `json:"hidden"` // the hidden layers 1..L-1
	Output string        `json:"output"` // the activation of the output layer L
	Loss   string        `json:"loss"`   // squared, log, cross-entropy

	Mode         string  `json:"mode"`          // batch, sgd, minibatch
	Batch        int     `json:"batch"`         // examples per step in minibatch mode
	LearningRate float64 `json:"learning_rate"` // α
	Optimizer    string  `json:"optimizer"`     // sgd, momentum, nesterov, adam
	L2           float64 `json:"l2"`            // weight decay λ
	L1           float64 `json:"l1"`            // L1 penalty λ₁ (the subgradient λ₁·sign(w))

	// Preset "article" is the network of the worked example (docs/notation.md) (2-3-2-1
	// sigmoid with absent connections), set by POST .../article; changing
	// the network's fields clears it.
	Preset string `json:"preset,omitempty"`
}

// LayerConfig is one hidden layer.
type LayerConfig struct {
	Units      int    `json:"units"`
	Activation string `json:"activation"`
}

// DefaultConfig is the configuration of a new session: XOR, hidden tanh
// layers of 6 and 4, Adam.
func DefaultConfig() Config {
	return Config{
		Dataset: "xor", Noise: 0, Points: 300, TrainFraction: 0.6, Seed: 1, Features: []string{"x1", "x2"},
		Hidden: []LayerConfig{{6, "tanh"}, {4, "tanh"}},
		Output: "sigmoid", Loss: "log",
		Mode: "minibatch", Batch: 10, LearningRate: 0.03, Optimizer: "adam",
	}
}

// fieldError is a configuration value out of range: a 400 naming the field.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func bad(field, format string, args ...any) error {
	return &fieldError{field, fmt.Sprintf(format, args...)}
}

// check validates c against the limits.
func (c *Config) check(lim Limits) error {
	if _, ok := isRegression(c.Dataset); !ok && c.Dataset != tableDataset {
		return bad("dataset", "unknown dataset %q (want %s, or csv after a table is given)", c.Dataset, datasetNames())
	}
	switch {
	case !(c.Noise >= 0 && c.Noise <= 0.5):
		return bad("noise", "%v, want 0 to 0.5", c.Noise)
	case c.Points < 10 || c.Points > lim.MaxPoints:
		return bad("points", "%d, want 10 to %d (the playground's limit)", c.Points, lim.MaxPoints)
	case !(c.TrainFraction >= 0.1 && c.TrainFraction <= 0.9):
		return bad("train_fraction", "%v, want 0.1 to 0.9", c.TrainFraction)
	case checkFeatures(c.Features) != nil:
		return checkFeatures(c.Features)
	case c.Preset == "article" && !slices.Equal(c.Features, []string{"x1", "x2"}):
		return bad("features", "the worked example's network takes x1, x2")
	case c.Preset == "article" && c.Dataset == tableDataset:
		return bad("preset", "the worked example's network takes the points of a built-in dataset, not a table")
	case len(c.Hidden) > lim.MaxHiddenLayers:
		return bad("hidden", "%d layers, want 0 to %d (the playground's limit)", len(c.Hidden), lim.MaxHiddenLayers)
	}
	for i, h := range c.Hidden {
		if h.Units < 1 || h.Units > lim.MaxUnits {
			return bad(fmt.Sprintf("hidden[%d].units", i), "%d, want 1 to %d (the playground's limit)", h.Units, lim.MaxUnits)
		}
		if _, err := backprop.ParseActivation(h.Activation); err != nil {
			return bad(fmt.Sprintf("hidden[%d].activation", i), "%v", err)
		}
		if h.Activation == "softmax" {
			return bad(fmt.Sprintf("hidden[%d].activation", i), "softmax of a whole layer is not offered for hidden layers here (want identity, sigmoid, tanh, relu, leaky-relu)")
		}
	}
	if _, err := backprop.ParseActivation(c.Output); err != nil {
		return bad("output", "%v", err)
	}
	if _, err := backprop.ParseLoss(c.Loss); err != nil {
		return bad("loss", "%v", err)
	}
	switch c.Mode {
	case "batch", "sgd", "minibatch":
	default:
		return bad("mode", "unknown mode %q (want batch, sgd, minibatch)", c.Mode)
	}
	if c.Batch < 1 || c.Batch > c.Points {
		return bad("batch", "%d, want 1 to %d (the number of points)", c.Batch, c.Points)
	}
	if !(c.LearningRate > 0 && c.LearningRate <= 10) {
		return bad("learning_rate", "%v, want a number in (0, 10]", c.LearningRate)
	}
	switch c.Optimizer {
	case "sgd", "momentum", "nesterov", "adam":
	default:
		return bad("optimizer", "unknown optimizer %q (want sgd, momentum, nesterov, adam)", c.Optimizer)
	}
	if !(c.L2 >= 0 && c.L2 <= 1) {
		return bad("l2", "%v, want 0 to 1", c.L2)
	}
	if !(c.L1 >= 0 && c.L1 <= 1) {
		return bad("l1", "%v, want 0 to 1", c.L1)
	}
	if c.Preset != "" && c.Preset != "article" {
		return bad("preset", "unknown preset %q (want article, or none)", c.Preset)
	}
	if err := c.trainConfig().Validate(); err != nil { // what the playground does not limit itself
		return bad("config", "%v", err)
	}
	return nil
}

// checkOutput checks the output activation and the loss against the data:
// its number of outputs K (the classes of a table's target, 1 otherwise)
// and whether its targets are numbers (regression) or classes.
func (c *Config) checkOutput(K int, regression bool) error {
	out, _ := backprop.ParseActivation(c.Output)
	J, _ := backprop.ParseLoss(c.Loss)
	switch {
	case out == backprop.Softmax && K < 2:
		return bad("output", "softmax over a single output is always 1 (want identity, sigmoid, tanh, relu, leaky-relu)")
	case J == backprop.CrossEntropy && out != backprop.Softmax:
		return bad("loss", "cross-entropy needs a softmax output over the classes (want softmax, or another loss)")
	case J == backprop.CrossEntropy && K < 2:
		return bad("loss", "cross-entropy needs a softmax over several outputs; this data has one output (want squared, log)")
	case J == backprop.Log && out != backprop.Sigmoid:
		return bad("loss", "log needs outputs in (0, 1), but the output activation is %s (use sigmoid, or the squared loss)", out)
	case J == backprop.Log && regression:
		return bad("loss", "log needs 0/1 targets, but %s is a regression dataset (use squared)", c.Dataset)
	}
	return nil
}

// trainConfig is the trainer's configuration: the playground's mode,
// batch, learning rate, optimizer, L2 and L1, one epoch at a time.
func (c *Config) trainConfig() train.Config {
	return train.Config{Mode: train.Mode(c.Mode), Batch: c.Batch, Epochs: 1, Alpha: c.LearningRate,
		Optimizer: train.Optimizer(c.Optimizer), L2: c.L2, L1: c.L1, Seed: c.Seed}
}

func (c *Config) dataKey() string {
	return fmt.Sprint(c.Dataset, c.Noise, c.Points, c.TrainFraction, c.Seed, c.Features, c.Target, c.View)
}

func (c *Config) netKey() string {
	return fmt.Sprint(c.Hidden, c.Output, c.Loss, c.Seed, c.Preset, c.Features)
}
