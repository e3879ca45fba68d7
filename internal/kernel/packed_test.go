package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPathsSameBits: every way the blocked driver reads A and op(B) gives
// each element of C the same bits — panels packed, A read in place by rows
// (the row-A kernels) or as a panel of Aᵀ, op(B) read in place, or packed
// once by Pack and the rows of A cut into separate calls (gemmPacked) — for
// every micro-kernel of this CPU and the masked Go family, with their own
// blocks and tiny ones, on sizes that cross every tile and block edge and
// on W1's layers, in float32 and float64, with and without an epilogue,
// special values in A (so in C) on every other shape.
func TestPathsSameBits(t *testing.T) {
	testPathsSameBits(t, withMasked(kernels32), &pool32)
	testPathsSameBits(t, withMasked(kernels64), &pool64)
}

func testPathsSameBits[T float32 | float64](t *testing.T, kernels []*microKernel[T], pool *callPool[T]) {
	r := rand.New(rand.NewPCG(21, 22))
	shapes := [][3]int{{1, 1, 1}, {5, 3, 2}, {7, 17, 26}, {13, 33, 11}, {2, 40, 9}, {6, 16, 256}, {25, 10, 300},
		{31, 47, 513}, {150, 256, 784}, {150, 128, 256}, {37, 10, 128}}
	for x, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		for _, kern := range kernels {
			tiny := *kern
			tiny.mc, tiny.kc, tiny.nc = 2*kern.mr, 5, 2*kern.nr
			kvs := []*microKernel[T]{kern, &tiny}
			switch {
			case m*n*k > 1e6 && kern != kernels[0]: // W1's layers: the CPU's own kernel only
				continue
			case m*n*k > 1e4: // tiny blocks only where they are cheap
				kvs = kvs[:1]
			}
			for _, kv := range kvs {
				for _, transB := range []bool{false, true} {
					if transB && m <= dotRows && kv.dot != nil {
						continue // the dot kernel's sums, by design
					}
					pad := x % 3
					lda, ldb, ldc := k+pad, n+pad, n+pad
					if transB {
						ldb = k + pad
					}
					a := randSlice[T](r, m*lda)
					b := randSlice[T](r, max(n, k)*ldb)
					if x%2 == 0 { // NaNs, infinities, zeros of both signs and subnormals in C
						for range 1 + m*k/50 {
							a[r.IntN(len(a))] = T(specials[r.IntN(len(specials))])
						}
					}
					fwd := newEpilogue[T](r, Act(x%3), true, m, n, pad)
					for _, ep := range []*Epilogue[T]{nil, &fwd} {
						desc := fmt.Sprintf("%T %s(kc=%d,nc=%d) %dx%dx%d transB=%v ep=%v", a[0], kv.name, kv.kc, kv.nc, m, n, k, transB, ep != nil)
						run := func(f func(c []T, ep *Epilogue[T])) ([]T, []T) {
							c := make([]T, m*ldc)
							if ep == nil {
								f(c, nil)
								return c, nil
							}
							e := *ep
							e.Out = slices.Clone(ep.Out)
							f(c, &e)
							return c, e.Out
						}
						blocked := func(direct bool) func([]T, *Epilogue[T]) {
							return func(c []T, ep *Epilogue[T]) {
								defer func(d bool) { directKernels = d }(directKernels)
								directKernels = direct
								gemmBlocked(kv, pool, true, 1, false, transB, m, n, k, a, lda, b, ldb, 0, c, ldc, ep)
							}
						}
						wantC, wantOut := run(blocked(false))
						cmp := func(path string, c, out []T) {
							t.Helper()
							for i := range wantC {
								if math.Float64bits(float64(c[i])) != math.Float64bits(float64(wantC[i])) {
									t.Fatalf("%s: %s gives C[%d] = %v (%#x), packed panels %v (%#x)", desc, path, i, c[i], math.Float64bits(float64(c[i])), wantC[i], math.Float64bits(float64(wantC[i])))
								}
							}
							for i := range wantOut {
								if math.Float64bits(float64(out[i])) != math.Float64bits(float64(wantOut[i])) {
									t.Fatalf("%s: %s gives Out[%d] = %v, packed panels %v", desc, path, i, out[i], wantOut[i])
								}
							}
						}
						c, out := run(blocked(true))
						cmp("panels in place", c, out)
						packed := make([]T, packedLen(kv, k, n))
						packAll(kv, transB, k, n, b, ldb, packed)
						// rows per call: whole register tiles, as the engine's
						// blocks (the Go kernel's NaNs of two signs may meet in
						// another order at another row of its tile)
						for _, cut := range []int{m, kv.mr * max(1, m/(3*kv.mr))} {
							c, out := run(func(c []T, ep *Epilogue[T]) {
								for i0 := 0; i0 < m; i0 += cut {
									i1 := min(m, i0+cut)
									var e *Epilogue[T]
									if ep != nil {
										ev := *ep
										ev.Out = ep.Out[i0*ep.LdOut:]
										e = &ev
									}
									gemmPacked(kv, pool, i1-i0, n, k, a[i0*lda:], lda, packed, c[i0*ldc:], ldc, e)
								}
							})
							cmp(fmt.Sprintf("packed once, %d rows per call", cut), c, out)
						}
					}
				}
			}
		}
	}
}

// TestGemmPackedEp1: the public entry gives GemmEp1's bits on products the
// blocked kernels compute (more than four rows), a Packed is reused for
// another shape, and a call allocates nothing.
func TestGemmPackedEp1(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	var pb Packed[float32]
	for _, s := range [][3]int{{64, 256, 784}, {300, 10, 128}, {9, 33, 70}} {
		m, n, k := s[0], s[1], s[2]
		a, w := randSlice[float32](r, m*k), randSlice[float32](r, n*k)
		bias := randSlice[float32](r, n)
		want, wantA := make([]float32, m*n), make([]float32, m*n)
		GemmEp1(false, true, m, n, k, a, k, w, k, want, n, &Epilogue[float32]{Bias: bias, Act: ReLU, Out: wantA, LdOut: n})
		pb.Pack(true, k, n, w, k)
		got, gotA := make([]float32, m*n), make([]float32, m*n)
		ep := &Epilogue[float32]{Bias: bias, Act: ReLU, Out: gotA, LdOut: n}
		GemmPackedEp1(m, a, k, &pb, got, n, ep)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) || math.Float32bits(gotA[i]) != math.Float32bits(wantA[i]) {
				t.Fatalf("%dx%dx%d: z[%d], a[%d] = %v, %v, GemmEp1 %v, %v", m, n, k, i, i, got[i], gotA[i], want[i], wantA[i])
			}
		}
		if allocs := testing.AllocsPerRun(20, func() { GemmPackedEp1(m, a, k, &pb, got, n, ep) }); allocs != 0 {
			t.Errorf("%dx%dx%d: %v allocations per call", m, n, k, allocs)
		}
	}
}
