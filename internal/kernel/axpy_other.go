//go:build purego || !amd64

package kernel

// Without assembly, Axpy runs its reference loop.
var (
	axpyF32 func(float32, []float32, []float32) bool
	axpyF64 func(float64, []float64, []float64) bool
)
