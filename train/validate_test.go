package train

import "testing"

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
