//go:build race

package backprop_test

// raceEnabled: the race detector is on (sync.Pool then drops some items on
// purpose, so allocation counts mean nothing).
const raceEnabled = true
