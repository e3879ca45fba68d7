package kernel

import (
	"fmt"
	"testing"
)

// benchShapes are the headline square product and W1's products (784-256-128-10,
// batch 64): forward (NT), backward (NN) and weight gradient (TN), plus the
// 2-3-2-1 network's tiny product.
var benchShapes = []struct {
	name           string
	transA, transB bool
	m, n, k        int
}{
	{"NN_1024x1024x1024", false, false, 1024, 1024, 1024},
	{"NT_64x256x784", false, true, 64, 256, 784},
	{"NT_64x128x256", false, true, 64, 128, 256},
	{"NT_64x10x128", false, true, 64, 10, 128},
	{"NN_64x784x256", false, false, 64, 784, 256},
	{"NN_64x256x128", false, false, 64, 256, 128},
	{"TN_256x784x64", true, false, 256, 784, 64},
	{"TN_128x256x64", true, false, 128, 256, 64},
	{"TN_10x128x64", true, false, 10, 128, 64},
	{"NT_1x256x784", false, true, 1, 256, 784}, // batch-1 inference, layer 1
	{"NN_1x3x2", false, false, 1, 3, 2},
}

func benchGemm[T Float](b *testing.B) {
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			m, n, k := s.m, s.n, s.k
			lda, ldb := k, n
			if s.transA {
				lda = m
			}
			if s.transB {
				ldb = k
			}
			x, y, c := make([]T, m*k), make([]T, k*n), make([]T, m*n)
			for i := range x {
				x[i] = T(i%7) - 3
			}
			for i := range y {
				y[i] = T(i%5) - 2
			}
			Gemm(s.transA, s.transB, m, n, k, x, lda, y, ldb, 0, c, n) // grow the pack buffers
			b.ReportAllocs()
			for b.Loop() {
				Gemm(s.transA, s.transB, m, n, k, x, lda, y, ldb, 0, c, n)
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func BenchmarkGemmFloat32(b *testing.B) { benchGemm[float32](b) }
func BenchmarkGemmFloat64(b *testing.B) { benchGemm[float64](b) }

// ExampleInfo shows how a benchmark command names the kernel in use.
func ExampleInfo() {
	fmt.Println(Info() != "")
	// Output: true
}
