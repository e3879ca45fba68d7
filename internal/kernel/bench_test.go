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

// BenchmarkGemmBlock is W5's first layer (784 inputs, 256 units, relu) on
// a block of 144 rows, one goroutine: GemmEp1 (packing Wᵀ each call)
// against GemmPackedEp1 (Wᵀ packed once); A read in place by rows where the
// kernel can.
func BenchmarkGemmBlock(b *testing.B) {
	const m, n, k = 144, 256, 784
	x, w, c, out, bias := make([]float32, m*k), make([]float32, n*k), make([]float32, m*n), make([]float32, m*n), make([]float32, n)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	for i := range w {
		w[i] = float32(i%5) - 2
	}
	ep := &Epilogue[float32]{Bias: bias, Act: ReLU, Out: out, LdOut: n}
	var pb Packed[float32]
	pb.Pack(true, k, n, w, k)
	for _, packed := range []bool{false, true} {
		b.Run(fmt.Sprintf("packed=%v", packed), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if packed {
					GemmPackedEp1(m, x, k, &pb, c, n, ep)
				} else {
					GemmEp1(false, true, m, n, k, x, k, w, k, c, n, ep)
				}
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
