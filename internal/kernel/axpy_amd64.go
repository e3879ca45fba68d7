//go:build !purego

package kernel

import "golang.org/x/sys/cpu"

// axpyF32AVX2 is, with AVX2 and FMA,
//
//	for i, v := range x { y[i] += a * v }
//	return every y[i] is finite
//
//go:noescape
func axpyF32AVX2(a float32, x, y []float32) (finite bool)

// axpyF64AVX2 is, with AVX2 and FMA,
//
//	for i, v := range x { y[i] += a * v }
//	return every y[i] is finite
//
//go:noescape
func axpyF64AVX2(a float64, x, y []float64) (finite bool)

var axpyF32, axpyF64 = func() (func(float32, []float32, []float32) bool, func(float64, []float64, []float64) bool) {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return axpyF32AVX2, axpyF64AVX2
	}
	return nil, nil
}()
