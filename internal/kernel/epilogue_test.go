package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/backprop-go/backprop/internal/testenv"
)

// gemmEpFunc is the signature of GemmEp and of every path under test.
type gemmEpFunc[T Float] func(transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, ep *Epilogue[T])

// epPaths lists every way GemmEp can compute a product: the public entry,
// and the blocked driver with each micro-kernel of this CPU, its own blocks
// and tiny ones, panels in place or packed, split among 1 or 3 parts.
func epPaths[T float32 | float64](kernels []*microKernel[T], pool *callPool[T]) map[string]gemmEpFunc[T] {
	ps := map[string]gemmEpFunc[T]{"GemmEp": GemmEp[T], "GemmEp1": GemmEp1[T]}
	for _, kern := range kernels {
		tiny := *kern
		tiny.mc, tiny.kc, tiny.nc = 2*kern.mr, 5, 2*kern.nr
		for _, kv := range []*microKernel[T]{kern, &tiny} {
			for _, direct := range []bool{true, false} {
				for _, threads := range []int{1, 3} {
					name := fmt.Sprintf("%s(mc=%d,kc=%d,nc=%d,direct=%v,threads=%d)", kv.name, kv.mc, kv.kc, kv.nc, direct, threads)
					ps[name] = func(transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, ep *Epilogue[T]) {
						defer func(d bool) { directKernels = d }(directKernels)
						directKernels = direct
						gemmBlocked(kv, pool, false, threads, transA, transB, m, n, k, a, lda, b, ldb, 0, c, ldc, ep)
					}
				}
			}
		}
	}
	return ps
}

// checkEp runs f with the epilogue and compares C, Out and the blocks Fn saw
// bit for bit with the plain product followed by the reference loops of
// the epilogue over the whole of C; guard values around C and Out must stay.
func checkEp[T Float](t *testing.T, desc string, p *problem[T], ep Epilogue[T], fn bool, f gemmEpFunc[T]) {
	t.Helper()
	m, n := p.m, p.n
	// the reference: the plain product (same path, no epilogue), then the loops
	want := slices.Clone(p.c0)
	f(p.transA, p.transB, m, n, p.k, p.a, p.lda, p.b, p.ldb, want[5:], p.ldc, nil)
	var wantOut []T
	if ep.Out != nil {
		wantOut = slices.Clone(ep.Out)
	}
	refEpilogue(ep, want[5:], p.ldc, wantOut, m, n)

	got := slices.Clone(p.c0)
	e := ep
	if ep.Out != nil {
		e.Out = slices.Clone(ep.Out)
	}
	seen := make([]int, m*n)
	if fn {
		e.Fn = func(c []T, ldc, i0, j0, bm, bn int) {
			for i := 0; i < bm; i++ {
				for j := 0; j < bn; j++ {
					seen[(i0+i)*n+j0+j]++
					c[i*ldc+j] += 1 // Fn sees the block after steps 1 to 3
				}
			}
		}
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				want[5+i*p.ldc+j] += 1
			}
		}
	}
	f(p.transA, p.transB, m, n, p.k, p.a, p.lda, p.b, p.ldb, got[5:], p.ldc, &e)
	for x := range got {
		if math.Float64bits(float64(got[x])) != math.Float64bits(float64(want[x])) {
			t.Fatalf("%s: C buffer[%d] = %v, want %v", desc, x, got[x], want[x])
		}
	}
	for x := range wantOut {
		if math.Float64bits(float64(e.Out[x])) != math.Float64bits(float64(wantOut[x])) {
			t.Fatalf("%s: Out[%d] = %v, want %v", desc, x, e.Out[x], wantOut[x])
		}
	}
	if fn {
		for x, s := range seen {
			if s != 1 {
				t.Fatalf("%s: Fn saw C[%d][%d] %d times", desc, x/n, x%n, s)
			}
		}
	}
}

// refEpilogue is the Epilogue's doc, word for word, over the whole of C:
// the specification the fused loops are checked against.
func refEpilogue[T Float](ep Epilogue[T], c []T, ldc int, out []T, m, n int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			v := c[i*ldc+j]
			if ep.Bias != nil {
				v += ep.Bias[j]
			}
			if ep.Z != nil {
				z := ep.Z[i*ep.LdZ+j]
				switch ep.Act {
				case ReLU:
					if !positiveBits(z) {
						v = 0
					}
				case LeakyReLU:
					if z <= 0 {
						v *= ep.Slope
					}
				}
			}
			c[i*ldc+j] = v
			if out != nil {
				switch ep.Act {
				case Linear:
					out[i*ep.LdOut+j] = v
				case ReLU:
					out[i*ep.LdOut+j] = max(v, 0)
				case LeakyReLU:
					if v > 0 {
						out[i*ep.LdOut+j] = v
					} else {
						out[i*ep.LdOut+j] = ep.Slope * v
					}
				}
			}
		}
	}
}

// specials are values an epilogue must treat exactly as the separate loops do.
var specials = []float64{0, math.Copysign(0, -1), math.NaN(), -math.NaN(), math.Float64frombits(0xfff8000000000123), math.Inf(1), math.Inf(-1), 1e-40, -1e-40, 1e-310}

// newEpilogue makes random epilogue operands for an m×n C (with some special
// values in Z and Bias): forward (Bias and Out) when fwd, else backward (Z).
func newEpilogue[T Float](r *rand.Rand, act Act, fwd bool, m, n, pad int) Epilogue[T] {
	ep := Epilogue[T]{Act: act, Slope: T(0.01 + r.Float64()/10)}
	if fwd {
		ep.Bias = randSlice[T](r, n+pad)
		ep.LdOut = n + pad
		ep.Out = make([]T, (m-1)*ep.LdOut+n+3)
		for i := range ep.Out {
			ep.Out[i] = guard
		}
		if r.IntN(4) == 0 {
			ep.Bias[r.IntN(n)] = T(specials[r.IntN(len(specials))])
		}
		return ep
	}
	ep.LdZ = n + pad
	ep.Z = randSlice[T](r, (m-1)*ep.LdZ+n)
	for range 1 + m*n/8 {
		ep.Z[r.IntN(len(ep.Z))] = T(specials[r.IntN(len(specials))])
	}
	return ep
}

// testEpilogue checks every path of GemmEp over sizes that cross every tile
// and block edge, the real shapes, every activation, forward and backward,
// with and without Fn.
func testEpilogue[T float32 | float64](t *testing.T, kernels []*microKernel[T], pool *callPool[T]) {
	r := rand.New(rand.NewPCG(11, 12))
	ps := epPaths(kernels, pool)
	maxDim := 19
	if testenv.IsLong() && !testing.Short() {
		maxDim = 40
	}
	var shapes [][3]int
	for m := 1; m <= maxDim; m += 1 + m/6 {
		for n := 1; n <= maxDim+14; n += 1 + n/5 {
			shapes = append(shapes, [3]int{m, n, 1 + (m*7+n*13)%maxDim})
		}
	}
	shapes = append(shapes, [3]int{1, 33, 0}, [3]int{3, 5, 0})
	if testenv.IsLong() && !testing.Short() {
		shapes = append(shapes, realShapes...)
	} else { // a split by columns, a narrow C, one row of the dot kernel
		shapes = append(shapes, [3]int{64, 784, 256}, [3]int{64, 10, 128}, [3]int{1, 256, 784})
	}
	for x, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		p := newProblem[T](r, x%4 >= 2, x%2 == 1, m, n, max(k, 1), x%3, 0, x%5 == 0)
		p.k = k
		act := Act(x % 3)
		fwd := x/3%2 == 0
		ep := newEpilogue[T](r, act, fwd, m, n, x%2)
		for name, f := range ps {
			if k == 0 && name != "GemmEp" && name != "GemmEp1" {
				continue // the blocked driver is for k > 0 only
			}
			desc := fmt.Sprintf("%s transA=%v transB=%v m=%d n=%d k=%d act=%d fwd=%v", name, p.transA, p.transB, m, n, k, act, fwd)
			checkEp(t, desc, p, ep, x%7 < 3, f)
		}
	}
}

func TestGemmEpFloat32(t *testing.T) { testEpilogue(t, withMasked(kernels32), &pool32) }
func TestGemmEpFloat64(t *testing.T) { testEpilogue(t, withMasked(kernels64), &pool64) }

// TestGemmEpProduct: the fused product itself is Ref's, within rounding.
func TestGemmEpProduct(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for x, s := range realShapes {
		p := newProblem[float32](r, x%4 >= 2, x%2 == 1, s[0], s[1], s[2], x%2, 0, false)
		ep := &Epilogue[float32]{Bias: make([]float32, s[1])} // z + 0 = z
		p.check(t, "GemmEp", func(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, _ float32, c []float32, ldc int) {
			GemmEp(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, ep)
		})
	}
}

// TestGemmEpNamedType: a type whose underlying type is float32 takes the
// fast path with its epilogue.
func TestGemmEpNamedType(t *testing.T) {
	type real32 float32
	r := rand.New(rand.NewPCG(15, 16))
	p := newProblem[real32](r, false, true, 40, 50, 300, 0, 0, false)
	ep := newEpilogue[real32](r, ReLU, false, 40, 50, 0)
	checkEp(t, "GemmEp[real32]", p, ep, true, GemmEp[real32])
}

// TestGemmEpShort: an epilogue slice too short for C panics before any write.
func TestGemmEpShort(t *testing.T) {
	a, b, c := make([]float32, 64*64), make([]float32, 64*64), make([]float32, 64*64)
	for name, ep := range map[string]*Epilogue[float32]{
		"Bias": {Bias: make([]float32, 63)},
		"Z":    {Z: make([]float32, 64*64-1), LdZ: 64},
		"Out":  {Out: make([]float32, 64*64), LdOut: 63},
		"Act":  {Act: LeakyReLU + 1},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			GemmEp(false, false, 64, 64, 64, a, 64, b, 64, c, 64, ep)
		}()
	}
}

// TestGemmEpAllocs: GemmEp allocates nothing per call, with an epilogue
// and a function.
func TestGemmEpAllocs(t *testing.T) {
	var calls int
	for _, s := range [][3]int{{1, 3, 2}, {1, 256, 784}, {7, 13, 5}, {64, 10, 128}, {64, 256, 784}, {256, 784, 64}} {
		m, n, k := s[0], s[1], s[2]
		a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		fwd := &Epilogue[float32]{Bias: make([]float32, n), Act: ReLU, Out: make([]float32, m*n), LdOut: n,
			Fn: func(c []float32, ldc, i0, j0, m, n int) { calls++ }}
		bwd := &Epilogue[float32]{Act: LeakyReLU, Slope: 0.1, Z: make([]float32, m*n), LdZ: n}
		for _, ep := range []*Epilogue[float32]{fwd, bwd} {
			if allocs := testing.AllocsPerRun(5, func() { GemmEp(false, true, m, n, k, a, k, b, k, c, n, ep) }); allocs != 0 {
				t.Errorf("GemmEp %dx%dx%d: %v allocations per call", m, n, k, allocs)
			}
		}
	}
	if calls == 0 {
		t.Error("Fn never called")
	}
}

// TestGemmSameBitsAnyThreads: however many parts the product is split into
// (as GOMAXPROCS decides), every element of C has the same bits: the split
// never cuts the sum over k.
func TestGemmSameBitsAnyThreads(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	shapes := append([][3]int{{1024, 64, 300}, {37, 700, 513}, {700, 37, 513}, {5, 9, 3000}}, realShapes...)
	for x, s := range shapes {
		for tr := 0; tr < 4; tr++ {
			if tr%2 != x%2 && !testenv.IsLong() {
				continue
			}
			sameBits[float32](t, r, tr >= 2, tr%2 == 1, s[0], s[1], s[2], x%2, kern32, &pool32)
			sameBits[float64](t, r, tr >= 2, tr%2 == 1, s[0], s[1], s[2], x%2, kern64, &pool64)
		}
	}
}

func sameBits[T float32 | float64](t *testing.T, r *rand.Rand, transA, transB bool, m, n, k, pad int, kern *microKernel[T], pool *callPool[T]) {
	t.Helper()
	lda, ldb, ldc := k+pad, n+pad, n+pad
	if transA {
		lda = m + pad
	}
	if transB {
		ldb = k + pad
	}
	a, b := randSlice[T](r, max(m, k)*lda), randSlice[T](r, max(n, k)*ldb)
	var first []T
	for _, threads := range []int{1, 2, 3, 4, 7, 64} {
		c := make([]T, m*ldc)
		gemmBlocked(kern, pool, false, threads, transA, transB, m, n, k, a, lda, b, ldb, 0, c, ldc, nil)
		if first == nil {
			first = c
			continue
		}
		for x := range c {
			if math.Float64bits(float64(c[x])) != math.Float64bits(float64(first[x])) {
				t.Fatalf("%T transA=%v transB=%v %dx%dx%d: %d parts give C[%d] = %v, 1 part %v",
					c[x], transA, transB, m, n, k, threads, x, c[x], first[x])
			}
		}
	}
}

// ExampleGemmEp computes a layer's forward pass for two examples in one
// product: z = x·Wᵀ + b into Z, and a = relu(z) into A.
func ExampleGemmEp() {
	x := []float32{1, 2, 3, 4, 5, 6}        // 2 examples × 3 inputs
	W := []float32{1, 0, -1, 0.5, 0.5, 0.5} // 2 units × 3 inputs
	b := []float32{0, -4}
	Z, A := make([]float32, 4), make([]float32, 4)
	GemmEp(false, true, 2, 2, 3, x, 3, W, 3, Z, 2, &Epilogue[float32]{Bias: b, Act: ReLU, Out: A, LdOut: 2})
	fmt.Println(Z, A)
	// Output: [-2 -1 -2 3.5] [0 0 0 3.5]
}

// TestEpilogueSpecials: the epilogue's loops, assembly and Go, give the
// reference's bits on blocks full of special values (C, Z and Bias drawn
// from ±0, NaNs of either sign, ±Inf, subnormals and ordinary numbers), for
// every activation, every step alone and together, every width 1…19 and
// offsets into larger matrices.
func TestEpilogueSpecials(t *testing.T) {
	testEpilogueSpecials[float32](t)
	testEpilogueSpecials[float64](t)
}

func testEpilogueSpecials[T float32 | float64](t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	val := func() T {
		if r.IntN(2) == 0 {
			return T(specials[r.IntN(len(specials))])
		}
		return T(r.NormFloat64())
	}
	fill := func(s []T) {
		for i := range s {
			s[i] = val()
		}
	}
	defer func(v bool) { asmEpilogue = v }(asmEpilogue)
	for x := 0; x < 400; x++ {
		m, n := 1+x%3, 1+x%19
		rows, cols := m+2, n+3 // the block sits at (1, 2) of larger matrices
		i0, j0 := 1, 2
		ep := Epilogue[T]{Act: Act(x % 3), Slope: T(0.01 + r.Float64())}
		steps := 1 + x/3%7 // bit 0: bias, 1: z, 2: out
		if steps&1 != 0 {
			ep.Bias = make([]T, cols)
			fill(ep.Bias)
		}
		if steps&2 != 0 {
			ep.Z, ep.LdZ = make([]T, rows*cols), cols
			fill(ep.Z)
		}
		if steps&4 != 0 {
			ep.Out, ep.LdOut = make([]T, rows*cols), cols
		}
		c := make([]T, rows*cols)
		fill(c)
		// Go leaves the NaN of NaN + NaN unspecified (the compiler may swap
		// the operands): never both
		for k := range c {
			for ep.Bias != nil && c[k] != c[k] && ep.Bias[k%cols] != ep.Bias[k%cols] {
				c[k] = val()
			}
		}
		for _, asm := range []bool{true, false} {
			asmEpilogue = asm
			got, want := slices.Clone(c), slices.Clone(c)
			e := ep
			var wantOut []T
			if ep.Out != nil {
				e.Out, wantOut = make([]T, len(ep.Out)), make([]T, len(ep.Out))
			}
			e.apply(got[i0*cols+j0:], cols, i0, j0, m, n)
			// the reference on the same block: Bias, Z and Out offset to it
			re := ep
			if re.Bias != nil {
				re.Bias = re.Bias[j0:]
			}
			if re.Z != nil {
				re.Z = re.Z[i0*cols+j0:]
			}
			var ro []T
			if wantOut != nil {
				ro = wantOut[i0*cols+j0:]
			}
			refEpilogue(re, want[i0*cols+j0:], cols, ro, m, n)
			for k := range got {
				if math.Float64bits(float64(got[k])) != math.Float64bits(float64(want[k])) {
					t.Fatalf("%T asm=%v act=%d steps=%b m=%d n=%d: C[%d] = %v (%x), want %v (%x)", got[k], asm, ep.Act, steps, m, n, k, got[k], math.Float64bits(float64(got[k])), want[k], math.Float64bits(float64(want[k])))
				}
			}
			for k := range wantOut {
				if math.Float64bits(float64(e.Out[k])) != math.Float64bits(float64(wantOut[k])) {
					t.Fatalf("%T asm=%v act=%d steps=%b m=%d n=%d: Out[%d] = %v (%x), want %v (%x)", got[k], asm, ep.Act, steps, m, n, k, e.Out[k], math.Float64bits(float64(e.Out[k])), wantOut[k], math.Float64bits(float64(wantOut[k])))
				}
			}
		}
	}
}
