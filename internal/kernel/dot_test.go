//go:build linux && amd64 && !purego

package kernel

import (
	"math"
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// guarded returns a slice of n T whose last element ends a page followed
// by a page that may not be read: a kernel that reads past the end faults.
func guarded[T float32 | float64](t *testing.T, n int) []T {
	t.Helper()
	page := syscall.Getpagesize()
	var z T
	size := n * int(unsafe.Sizeof(z))
	pages := (size+page-1)/page + 1
	mem, err := syscall.Mmap(-1, 0, pages*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[(pages-1)*page:], syscall.PROT_NONE); err != nil {
		t.Skip("mprotect:", err)
	}
	end := (pages - 1) * page
	return unsafe.Slice((*T)(unsafe.Pointer(&mem[end-size])), n)
}

// TestDotKernelsEdges: every dot kernel of this CPU, for every k up to
// 3 vectors past two whole steps and every n up to 9, with a and the last
// row of B ending at an unreadable page (no read past them), B's rows at
// every alignment of the stride, and beta 0 (NaN in C ignored) or not.
func TestDotKernelsEdges(t *testing.T) {
	testDotEdges(t, kernels32)
	testDotEdges(t, kernels64)
}

func testDotEdges[T float32 | float64](t *testing.T, kernels []*microKernel[T]) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, kern := range kernels {
		if kern.dot == nil {
			continue
		}
		maxK := 5*kern.lanes + 3
		for k := 1; k <= maxK; k++ {
			for n := 1; n <= 9; n++ {
				pad := (k + n) % 3
				ldb := k + pad
				a := guarded[T](t, k)
				b := guarded[T](t, (n-1)*ldb+k)
				for i := range a {
					a[i] = T(r.Float64()*2 - 1)
				}
				for i := range b {
					b[i] = T(r.Float64()*2 - 1)
				}
				for _, beta := range []T{0, 0.5} {
					c := make([]T, n+1)
					want := make([]T, n+1)
					for j := range c {
						c[j] = T(math.NaN())
						if beta != 0 {
							c[j] = T(r.Float64())
						}
						want[j] = c[j]
					}
					c[n], want[n] = guard, guard
					Ref(false, true, 1, n, k, a, k, b, ldb, beta, want, n)
					mask := uint64(1)<<(k%kern.lanes) - 1
					kern.dot(k, &a[0], &b[0], ldb, &c[0], n, beta, mask)
					for j := range c {
						if !(math.Abs(float64(c[j]-want[j])) <= 1e-5*math.Sqrt(float64(k))*(1+math.Abs(float64(want[j])))) {
							t.Fatalf("%s %T k=%d n=%d ldb=%d beta=%v: c[%d] = %v, want %v", kern.name, c[j], k, n, ldb, beta, j, c[j], want[j])
						}
					}
				}
			}
		}
	}
}
