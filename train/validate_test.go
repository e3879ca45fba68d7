package train

import (
	"context"
	"testing"

	"github.com/backprop-go/backprop"
)

// TestConfigValidate: Validate checks a configuration without a network,
// with the messages of NewTrainer.
func TestConfigValidate(t *testing.T) {
	if err := (Config{Epochs: 1, Alpha: 0.1}).Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Epochs: 1, Alpha: 0.1, Mode: "online"}, `unknown mode "online" (want batch, sgd, minibatch)`},
		{Config{Epochs: 0, Alpha: 0.1}, "epochs: 0, want at least 1"},
		{Config{Epochs: 1, Alpha: -1}, "learning rate alpha: -1, want a number > 0"},
		{Config{Epochs: 1, Alpha: 0.1, Optimizer: Momentum, Momentum: 1.5}, "momentum: 1.5, want a number in (0, 1)"},
	} {
		if err := c.cfg.Validate(); err == nil || err.Error() != c.want {
			t.Errorf("%+v: %v, want %s", c.cfg, err, c.want)
		}
	}
}

// TestTargetsOutsideDomain: Train refuses a training set whose targets are
// outside the loss's domain, naming the set and the example.
func TestTargetsOutsideDomain(t *testing.T) {
	net, err := backprop.New[float64](2, backprop.Log, 1, backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
	if err != nil {
		t.Fatal(err)
	}
	set := Set[float64]{X: []float64{0, 1, 1, 0}, Y: []float64{1, 2}, N: 2}
	_, err = Train(context.Background(), net, set, Set[float64]{}, Config{Epochs: 1, Alpha: 0.1})
	want := "train set: example 2: y_1 = 2, want a value in [0, 1] (the log loss's targets are probabilities)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
