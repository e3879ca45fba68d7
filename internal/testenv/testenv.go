// Package testenv says which tests run by default and which only on request.
//
// `go test ./...` stays fast (under 40 s on a 2-core machine): exhaustive
// sweeps, long fuzzing and soak runs are skipped unless the environment
// variable BACKPROP_LONG is set to 1, as .ci/run does:
//
//	BACKPROP_LONG=1 go test -timeout 45m ./...
package testenv

import (
	"os"
	"testing"
)

// Var is the environment variable that turns the long tests on.
const Var = "BACKPROP_LONG"

// IsLong reports whether the long tests were asked for (BACKPROP_LONG=1).
// Tests that run a short version by default and a longer one on request use it
// to choose their sizes.
func IsLong() bool { return os.Getenv(Var) == "1" }

// Long skips the test unless BACKPROP_LONG=1 (and in -short mode), saying how
// to run it.
func Long(t testing.TB) {
	t.Helper()
	if testing.Short() || !IsLong() {
		t.Skip("long test: run it with " + Var + "=1 go test")
	}
}
