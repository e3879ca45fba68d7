package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/backprop-go/backprop/internal/testenv"
)

// guard fills everything of C's buffer that is not C.
const guard = -12345.5

// gemmFunc is the signature of Gemm, of Ref and of every path under test.
type gemmFunc[T Float] func(transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

// A problem is one product with its operands, strides and the reference result.
type problem[T Float] struct {
	transA, transB bool
	m, n, k        int
	a, b           []T
	lda, ldb, ldc  int
	beta           T
	c0             []T // C before the product: guard values outside the matrix
	want           []T // Ref's result over c0
	tol            float64
}

// newProblem makes random operands with strides wider than the matrices
// (pad extra columns) and C surrounded by guard values.
func newProblem[T Float](r *rand.Rand, transA, transB bool, m, n, k, pad int, beta T, nanC bool) *problem[T] {
	p := &problem[T]{transA: transA, transB: transB, m: m, n: n, k: k, beta: beta}
	ra, ca := m, k
	if transA {
		ra, ca = k, m
	}
	rb, cb := k, n
	if transB {
		rb, cb = n, k
	}
	p.lda, p.ldb, p.ldc = ca+pad, cb+pad, n+pad
	p.a = randSlice[T](r, (ra-1)*p.lda+ca)
	p.b = randSlice[T](r, (rb-1)*p.ldb+cb)
	// C lives at offset 5 in a buffer with 7 guard values after it.
	buf := make([]T, 5+(m-1)*p.ldc+n+7)
	for i := range buf {
		buf[i] = guard
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			v := T(r.Float64()*2 - 1)
			if nanC {
				v = T(math.NaN())
			}
			buf[5+i*p.ldc+j] = v
		}
	}
	p.c0 = buf
	p.want = slices.Clone(buf)
	Ref(transA, transB, m, n, k, p.a, p.lda, p.b, p.ldb, beta, p.want[5:], p.ldc)
	eps := 1e-5
	if isF64[T]() {
		eps = 1e-12
	}
	p.tol = eps * math.Sqrt(float64(k)+1)
	return p
}

func isF64[T Float]() bool {
	var z T
	_, ok := any(z).(float64)
	return ok
}

func randSlice[T Float](r *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(r.Float64()*2 - 1)
	}
	return s
}

// check runs f on a copy of the problem and reports the first wrong value,
// a guard value overwritten, or a modified A or B.
func (p *problem[T]) check(t *testing.T, name string, f gemmFunc[T]) {
	t.Helper()
	a, b, buf := slices.Clone(p.a), slices.Clone(p.b), slices.Clone(p.c0)
	f(p.transA, p.transB, p.m, p.n, p.k, a, p.lda, b, p.ldb, p.beta, buf[5:], p.ldc)
	desc := fmt.Sprintf("%s transA=%v transB=%v m=%d n=%d k=%d beta=%v", name, p.transA, p.transB, p.m, p.n, p.k, p.beta)
	if !slices.Equal(a, p.a) || !slices.Equal(b, p.b) {
		t.Fatalf("%s: A or B was modified", desc)
	}
	for x := range buf {
		i, j := (x-5)/p.ldc, (x-5)%p.ldc
		inC := x >= 5 && i < p.m && j < p.n
		if !inC {
			if buf[x] != guard {
				t.Fatalf("%s: wrote %v outside C at buffer index %d", desc, buf[x], x)
			}
			continue
		}
		got, want := float64(buf[x]), float64(p.want[x])
		if !(math.Abs(got-want) <= p.tol*(1+math.Abs(want))) {
			t.Fatalf("%s: C[%d][%d] = %v, want %v", desc, i, j, got, want)
		}
	}
}

// paths lists every way Gemm can compute a product of T: the public entry
// (plain loops for m·n·k ≤ smallWork), and the blocked driver with each
// micro-kernel of this CPU, with its own cache blocks and with tiny ones (so
// that small sizes cross every block edge), reading panels in place where it
// can or always packing.
func paths[T float32 | float64](kernels []*microKernel[T], pool *callPool[T]) map[string]gemmFunc[T] {
	ps := map[string]gemmFunc[T]{"Gemm": Gemm[T]}
	for _, kern := range kernels {
		tiny := *kern
		tiny.mc, tiny.kc, tiny.nc = 2*kern.mr, 5, 2*kern.nr
		for _, kv := range []*microKernel[T]{kern, &tiny} {
			for _, direct := range []bool{true, false} {
				for _, serial := range []bool{false, true} {
					name := fmt.Sprintf("%s(mc=%d,kc=%d,nc=%d,direct=%v,serial=%v)", kv.name, kv.mc, kv.kc, kv.nc, direct, serial)
					ps[name] = func(transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
						defer func(d bool) { directKernels = d }(directKernels)
						directKernels = direct
						gemmBlocked(kv, pool, serial, 0, transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc, nil)
					}
				}
			}
		}
	}
	return ps
}

// testAllSizes checks every m and n in 1…67, each with two values of k
// in 1…67 (every k is met), cycling through the transpositions, the betas and
// the strides. By default (without BACKPROP_LONG=1) m and n run over 1…26
// and the sizes around one and two register tiles of every micro-kernel
// (mr or nr, ±1), which with the tiny blocks also cross every block edge, and
// k over 1…26.
func testAllSizes[T float32 | float64](t *testing.T, kernels []*microKernel[T], ps map[string]gemmFunc[T]) {
	r := rand.New(rand.NewPCG(1, 2))
	betas := []T{0, 1, -0.5}
	maxDim := 26
	long := testenv.IsLong() && !testing.Short()
	if long {
		maxDim = 67
	}
	var dims []int
	for d := 1; d <= maxDim; d++ {
		dims = append(dims, d)
	}
	if !long {
		for _, kern := range kernels {
			for _, tile := range []int{kern.mr, kern.nr, 2 * kern.mr, 2 * kern.nr} {
				for _, d := range []int{tile - 1, tile, tile + 1} {
					if d > maxDim && !slices.Contains(dims, d) {
						dims = append(dims, d)
					}
				}
			}
		}
	}
	x := 0
	for _, m := range dims {
		for _, n := range dims {
			for _, k := range []int{1 + (m*7+n*13)%maxDim, 1 + (m*29+n*3+31)%maxDim} {
				x++
				p := newProblem(r, x%4 >= 2, x%2 == 1, m, n, k, x%3, betas[(x/4)%3], false)
				for name, f := range ps {
					p.check(t, name, f)
				}
			}
		}
	}
}

func TestGemmAllSizesFloat32(t *testing.T) {
	testAllSizes(t, withMasked(kernels32), paths(withMasked(kernels32), &pool32))
}
func TestGemmAllSizesFloat64(t *testing.T) {
	testAllSizes(t, withMasked(kernels64), paths(withMasked(kernels64), &pool64))
}

// realShapes are W1's products and a few odd ones: split by columns, by rows,
// narrow C computed transposed (also split), a few rows (the dot kernel).
var realShapes = [][3]int{{64, 784, 256}, {256, 64, 784}, {64, 256, 784}, {256, 784, 64}, {64, 10, 128},
	{2000, 10, 200}, {7, 13, 5}, {1, 1, 1}, {1, 3, 2}, {100, 1, 300}, {3, 1000, 700}, {1, 256, 784}}

// testRealShapes checks every real shape with every transposition and beta
// under BACKPROP_LONG=1; by default each shape with one of them, in turn.
func testRealShapes[T float32 | float64](t *testing.T, ps map[string]gemmFunc[T]) {
	r := rand.New(rand.NewPCG(3, 4))
	long := testenv.IsLong() && !testing.Short()
	betas := []T{0, 1, 0.25}
	for x, s := range realShapes {
		for tr := 0; tr < 4; tr++ {
			for bi, beta := range betas {
				if !long && (tr != x%4 || bi != x%3) {
					continue
				}
				p := newProblem(r, tr >= 2, tr%2 == 1, s[0], s[1], s[2], x%2*3, beta, false)
				for name, f := range ps {
					p.check(t, name, f)
				}
			}
		}
	}
}

func TestGemmRealShapesFloat32(t *testing.T) { testRealShapes(t, paths(kernels32, &pool32)) }
func TestGemmRealShapesFloat64(t *testing.T) { testRealShapes(t, paths(kernels64, &pool64)) }

// TestGemmBetaZeroNaN: with beta = 0, NaN in C must not reach the result
// (every shape with every transposition under BACKPROP_LONG=1, by default
// two transpositions of each).
func TestGemmBetaZeroNaN(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	long := testenv.IsLong() && !testing.Short()
	for x, s := range [][3]int{{1, 1, 1}, {9, 33, 7}, {64, 784, 256}, {70, 70, 300}} {
		for tr := 0; tr < 4; tr++ {
			if !long && tr%2 != x%2 {
				continue
			}
			p32 := newProblem[float32](r, tr >= 2, tr%2 == 1, s[0], s[1], s[2], 1, 0, true)
			for name, f := range paths(kernels32, &pool32) {
				p32.check(t, name, f)
			}
			p64 := newProblem[float64](r, tr >= 2, tr%2 == 1, s[0], s[1], s[2], 1, 0, true)
			for name, f := range paths(kernels64, &pool64) {
				p64.check(t, name, f)
			}
		}
	}
}

// TestGemmZeroK: with k = 0, C = beta·C.
func TestGemmZeroK(t *testing.T) {
	c := []float64{1, 2, 3, 4}
	Gemm(false, false, 2, 2, 0, nil, 0, nil, 0, 0.5, c, 2)
	if !slices.Equal(c, []float64{0.5, 1, 1.5, 2}) {
		t.Fatalf("k=0, beta=0.5: C = %v", c)
	}
	Gemm(true, true, 2, 2, 0, nil, 0, nil, 0, 0, c, 2)
	if !slices.Equal(c, []float64{0, 0, 0, 0}) {
		t.Fatalf("k=0, beta=0: C = %v", c)
	}
}

// TestGemmNamedType: a type whose underlying type is float32 takes the fast path.
func TestGemmNamedType(t *testing.T) {
	type real32 float32
	r := rand.New(rand.NewPCG(7, 8))
	p := newProblem[real32](r, false, true, 40, 50, 300, 0, 1, false)
	p.check(t, "Gemm", Gemm[real32])
}

// TestGemmShortSlice: a slice too short for its shape panics before any write.
func TestGemmShortSlice(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a short C")
		}
	}()
	a, b, c := make([]float32, 64*64), make([]float32, 64*64), make([]float32, 64*64-1)
	Gemm(false, false, 64, 64, 64, a, 64, b, 64, 0, c, 64)
}

func testAllocs[T float32 | float64](t *testing.T) {
	for _, s := range [][3]int{{1, 3, 2}, {1, 256, 784}, {3, 128, 256}, {7, 13, 5}, {64, 10, 128}, {64, 256, 784}, {256, 784, 64}, {300, 300, 300}} {
		m, n, k := s[0], s[1], s[2]
		a, b, c := make([]T, m*k), make([]T, k*n), make([]T, m*n)
		for tr := 0; tr < 4; tr++ {
			transA, transB := tr >= 2, tr%2 == 1
			lda, ldb := k, n
			if transA {
				lda = m
			}
			if transB {
				ldb = k
			}
			allocs := testing.AllocsPerRun(5, func() {
				Gemm(transA, transB, m, n, k, a, lda, b, ldb, 1, c, n)
			})
			if allocs != 0 {
				t.Errorf("Gemm %dx%dx%d transA=%v transB=%v: %v allocations per call", m, n, k, transA, transB, allocs)
			}
		}
	}
}

func TestGemmAllocsFloat32(t *testing.T) { testAllocs[float32](t) }
func TestGemmAllocsFloat64(t *testing.T) { testAllocs[float64](t) }

func TestInfo(t *testing.T) {
	t.Log(Info())
	if Info() == "" {
		t.Fatal("empty Info")
	}
}

// TestGemmConcurrent: calls from several goroutines at once share the worker
// pool and the recycled buffers without mixing their results.
func TestGemmConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var ps []*problem[float32]
	for x := 0; x < 6; x++ {
		ps = append(ps, newProblem[float32](r, x%2 == 1, x%3 == 1, 150+x, 200-x, 100+7*x, x%2, float32(x%2), false))
	}
	errs := make(chan string, len(ps))
	for _, p := range ps {
		go func() {
			for range 5 {
				a, b, buf := slices.Clone(p.a), slices.Clone(p.b), slices.Clone(p.c0)
				Gemm(p.transA, p.transB, p.m, p.n, p.k, a, p.lda, b, p.ldb, p.beta, buf[5:], p.ldc)
				for x := range buf {
					if got, want := float64(buf[x]), float64(p.want[x]); !(math.Abs(got-want) <= p.tol*(1+math.Abs(want))) {
						errs <- fmt.Sprintf("m=%d n=%d k=%d: buffer[%d] = %v, want %v", p.m, p.n, p.k, x, got, want)
						return
					}
				}
			}
			errs <- ""
		}()
	}
	for range ps {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

// BenchmarkParallelHandoff is Parallel on two tasks of about 5 µs each: on
// two free cores it should take about 5 µs, not 10 (the second task waiting
// for a worker to wake).
func BenchmarkParallelHandoff(b *testing.B) {
	spin := func() {
		s := time.Now()
		for time.Since(s) < 5*time.Microsecond {
		}
	}
	tasks := []*Task{NewTask(spin), NewTask(spin)}
	for b.Loop() {
		Parallel(tasks)
	}
}

// BenchmarkGemmAfterGap is W1's forward product (64×784×256) called after
// 100 µs of serial work each time, as a training loop calls it: the
// workers must still be there (polling, or woken without handing them the
// part) for the product to run on every thread. GFLOP/s of the products
// alone.
func BenchmarkGemmAfterGap(b *testing.B) {
	m, n, k := 64, 256, 784
	a, bb, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	var busy time.Duration
	for b.Loop() {
		t0 := time.Now()
		Gemm(false, false, m, n, k, a, k, bb, n, 0, c, n)
		busy += time.Since(t0)
		for t1 := time.Now(); time.Since(t1) < 100*time.Microsecond; {
		}
	}
	b.ReportMetric(float64(2*m*n*k)*float64(b.N)/busy.Seconds()/1e9, "GFLOP/s")
}
