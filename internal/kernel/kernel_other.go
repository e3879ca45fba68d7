//go:build purego || !amd64

package kernel

// archKernels lists no assembly micro-kernel: the portable Go kernels are the
// only ones in a purego build or off amd64.
func archKernels() (k32 []*microKernel[float32], k64 []*microKernel[float64]) {
	return nil, nil
}
