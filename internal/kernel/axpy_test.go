package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAxpy checks Axpy against its reference loop for every length 0…100,
// with guard values after y, in both precisions.
func TestAxpy(t *testing.T) {
	testAxpy[float32](t, 1e-6)
	testAxpy[float64](t, 1e-15)
}

func testAxpy[T Float](t *testing.T, tol float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 100; n++ {
		x, y := make([]T, n), make([]T, n+4)
		for i := range x {
			x[i], y[i] = T(rng.NormFloat64()), T(rng.NormFloat64())
		}
		want := append([]T(nil), y[:n]...)
		a := T(rng.NormFloat64())
		axpyGo(a, x, want)
		Axpy(a, x, y[:n])
		for i := range n {
			if math.Abs(float64(y[i]-want[i])) > tol*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%T n=%d: y[%d] = %v, want %v", a, n, i, y[i], want[i])
			}
		}
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			if n == 0 {
				break
			}
			z := append([]T(nil), y[:n]...)
			k := rng.IntN(n)
			z[k] = T(bad)
			if Axpy(a, x, z) {
				t.Fatalf("%T n=%d: %v at %d reported finite", a, n, bad, k)
			}
		}
		if n > 0 && !Axpy(0, x, y[:n]) {
			t.Fatalf("%T n=%d: finite values reported not finite", a, n)
		}
		for i := n; i < n+4; i++ {
			if y[i] != 0 {
				t.Fatalf("%T n=%d: wrote past the end", a, n)
			}
		}
	}
}

func BenchmarkAxpyF32(b *testing.B) {
	x, y := make([]float32, 200_000), make([]float32, 200_000)
	b.SetBytes(3 * 4 * 200_000)
	for b.Loop() {
		Axpy(-0.01, x, y)
	}
}

// TestParallel: every task runs once per call, concurrently with the others,
// and a call allocates nothing.
func TestParallel(t *testing.T) {
	var counts [3]int
	tasks := []*Task{NewTask(func() { counts[0]++ }), NewTask(func() { counts[1]++ }), NewTask(func() { counts[2]++ })}
	for range 100 {
		Parallel(tasks)
	}
	if counts != [3]int{100, 100, 100} {
		t.Errorf("counts %v, want 100 each", counts)
	}
	if n := testing.AllocsPerRun(100, func() { Parallel(tasks) }); n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}
