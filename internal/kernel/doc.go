// Package kernel holds the matrix kernels of the backprop engine: a general
// matrix product (GEMM) for the three shapes training needs, over float32 and
// float64.
//
// All matrices are dense and row-major; ld* is the row stride. The receiver of
// the result is the destination slice c, which the caller owns, so no kernel
// allocates (the gonum/mat convention).
//
// The naive triple loop (Ref) is the specification; the fast kernels are tested
// against it.
package kernel
