package testenv

import "testing"

func TestLong(t *testing.T) {
	t.Setenv(Var, "")
	if IsLong() {
		t.Fatal("IsLong with BACKPROP_LONG unset")
	}
	ran := false
	t.Run("skipped", func(t *testing.T) {
		Long(t)
		ran = true
	})
	if ran {
		t.Fatal("Long did not skip with BACKPROP_LONG unset")
	}
	t.Setenv(Var, "1")
	if !IsLong() {
		t.Fatal("IsLong false with BACKPROP_LONG=1")
	}
	if !testing.Short() {
		ran = false
		t.Run("runs", func(t *testing.T) {
			Long(t)
			ran = true
		})
		if !ran {
			t.Fatal("Long skipped with BACKPROP_LONG=1")
		}
	}
}
