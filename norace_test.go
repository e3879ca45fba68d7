//go:build !race

package backprop_test

const raceEnabled = false
