package kernel

import (
	"fmt"
	"math"
	"unsafe"
)

// Act is an activation an Epilogue applies: one whose value and derivative
// are exact (no rounding beyond the product's), so that the fused product
// gives the same bits as the product followed by separate passes.
type Act uint8

// The activations of an Epilogue, with f and f′.
const (
	Linear    Act = iota // f(z) = z; f′(z) = 1
	ReLU                 // f(z) = max(z, 0); f′(z) = 1 if z > 0, else 0
	LeakyReLU            // f(z) = z if z > 0, else s·z; f′(z) = 1 if z > 0, else s (the Slope)
)

// An Epilogue is what GemmEp does to each element of C = op(A)·op(B) once its
// sum is complete, while the tile that holds it is still in the registers or
// the L1 cache, in this order:
//
//  1. Bias (length ≥ n, nil for none): C[i][j] += Bias[j] — the forward pass's
//     z = W·a + b, one example per row;
//  2. Z (m×n, row stride LdZ; nil for none): C[i][j] = C[i][j]·f′(Z[i][j]) —
//     the backward pass's δ = f′(z) ⊙ g. For ReLU the product is a mask: C
//     is kept exactly where Z's bits, as a signed integer, are positive
//     (z > 0, or a NaN with its sign bit clear) and set to +0 elsewhere (a
//     NaN or infinite C included); for LeakyReLU, C·s where Z ≤ 0;
//  3. Out (m×n, row stride LdOut; nil for none): Out[i][j] = f(C[i][j]) —
//     the forward pass's a = f(z), with f(NaN) = NaN;
//  4. Fn (nil for none): any other finishing, called once for each finished
//     block of C (rows i0 ≤ i < i0+m, columns j0 ≤ j < j0+n, in C's
//     coordinates; c[0] is C[i0][j0] and c[i*ldc+j] is C[i0+i][j0+j]) after
//     the steps above. The blocks cover C exactly once; their shapes are the
//     kernel's (a register tile, a row, or the whole of a small C). GemmEp
//     may call Fn from several goroutines at once, on disjoint blocks;
//     GemmEp1 calls it on the caller's goroutine only.
//
// Act and Slope name f for steps 2 and 3. Step 1 rounds as z + b does in
// Go, steps 2 and 3 are exact, so the result is bit for bit the product
// followed by the same loops as separate passes.
type Epilogue[T Float] struct {
	Bias  []T
	Act   Act
	Slope T
	Z     []T
	LdZ   int
	Out   []T
	LdOut int
	Fn    func(c []T, ldc, i0, j0, m, n int)
}

// GemmEp computes C = op(A)·op(B) (C's previous contents are neither read
// nor kept) and finishes each element of C with ep (nil: nothing), as the
// product's tiles are completed: bias, activation and derivative in the same
// pass over C as the product. Shapes and speed are Gemm's (beta 0); it
// never allocates in steady state.
//
// It panics if a slice is too short for its shape and stride.
func GemmEp[T Float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, ep *Epilogue[T]) {
	gemmEp(false, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, ep)
}

// GemmEp1 is GemmEp on the calling goroutine alone, for work that Parallel
// already spreads over the threads.
func GemmEp1[T Float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, ep *Epilogue[T]) {
	gemmEp(true, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, ep)
}

func gemmEp[T Float](serial, transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, ep *Epilogue[T]) {
	if ep == nil {
		gemm(serial, transA, transB, m, n, k, a, lda, b, ldb, 0, c, ldc)
		return
	}
	if m <= 0 || n <= 0 {
		return
	}
	checkEpilogue(ep, m, n)
	if m*n*k > smallWork {
		checkShapes(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
		if unsafe.Sizeof(ep.Slope) == 4 {
			e := epilogueOf[T, float32](ep)
			gemmBlocked(kern32, &pool32, serial, 0, transA, transB, m, n, k, as32(a), lda, as32(b), ldb, 0, as32(c), ldc, &e)
		} else {
			e := epilogueOf[T, float64](ep)
			gemmBlocked(kern64, &pool64, serial, 0, transA, transB, m, n, k, as64(a), lda, as64(b), ldb, 0, as64(c), ldc, &e)
		}
		return
	}
	gemm(serial, transA, transB, m, n, k, a, lda, b, ldb, 0, c, ldc)
	ep.apply(c, ldc, 0, 0, m, n)
}

// checkEpilogue panics unless ep's slices hold their shapes for an m×n C.
func checkEpilogue[T Float](ep *Epilogue[T], m, n int) {
	if ep.Act > LeakyReLU {
		panic(fmt.Sprintf("kernel: GemmEp: unknown activation %d", ep.Act))
	}
	if ep.Bias != nil && len(ep.Bias) < n {
		panic(fmt.Sprintf("kernel: GemmEp: %d biases for %d columns", len(ep.Bias), n))
	}
	if ep.Z != nil {
		checkMatrix("Z", m, n, len(ep.Z), ep.LdZ)
	}
	if ep.Out != nil {
		checkMatrix("Out", m, n, len(ep.Out), ep.LdOut)
	}
}

// epilogueOf views ep, of a Float type T, as an Epilogue of its underlying
// type U (same size): the slices and Fn are reinterpreted, not copied.
func epilogueOf[T Float, U float32 | float64](ep *Epilogue[T]) Epilogue[U] {
	return *(*Epilogue[U])(unsafe.Pointer(ep))
}

// asmEpilogue switches the assembly epilogues on or off (for tests).
var asmEpilogue = true

// apply finishes the m×n block of C at row i0, column j0 (c[0] is C[i0][j0]).
func (ep *Epilogue[T]) apply(c []T, ldc, i0, j0, m, n int) {
	if (ep.Bias != nil || ep.Z != nil || ep.Out != nil) && !ep.applyAsm(c, ldc, i0, j0, m, n) {
		for i := 0; i < m; i++ {
			ci := c[i*ldc : i*ldc+n]
			if ep.Bias != nil {
				for j, b := range ep.Bias[j0 : j0+n] {
					ci[j] += b
				}
			}
			if ep.Z != nil {
				ep.deriv(ci, ep.Z[(i0+i)*ep.LdZ+j0:][:n])
			}
			if ep.Out != nil {
				ep.act(ci, ep.Out[(i0+i)*ep.LdOut+j0:][:n])
			}
		}
	}
	if ep.Fn != nil {
		ep.Fn(c, ldc, i0, j0, m, n)
	}
}

// applyAsm runs steps 1 to 3 of apply in assembly, if this CPU has it, and
// reports whether it did. The slices' bounds were checked for the whole of
// C by checkEpilogue.
func (ep *Epilogue[T]) applyAsm(c []T, ldc, i0, j0, m, n int) bool {
	if !asmEpilogue {
		return false
	}
	var bias, z, out unsafe.Pointer
	ldz, ldout := 0, 0 // a nil matrix keeps a nil pointer from row to row
	if ep.Bias != nil {
		bias = unsafe.Pointer(&ep.Bias[j0])
	}
	if ep.Z != nil {
		z, ldz = unsafe.Pointer(&ep.Z[i0*ep.LdZ+j0]), ep.LdZ
	}
	if ep.Out != nil {
		out, ldout = unsafe.Pointer(&ep.Out[i0*ep.LdOut+j0]), ep.LdOut
	}
	cp := unsafe.Pointer(&c[0])
	if unsafe.Sizeof(ep.Slope) == 4 {
		if epilogueF32 == nil {
			return false
		}
		epilogueF32((*float32)(cp), ldc, m, n, (*float32)(bias), (*float32)(z), ldz, (*float32)(out), ldout, int(ep.Act), float32(ep.Slope))
		return true
	}
	if epilogueF64 == nil {
		return false
	}
	epilogueF64((*float64)(cp), ldc, m, n, (*float64)(bias), (*float64)(z), ldz, (*float64)(out), ldout, int(ep.Act), float64(ep.Slope))
	return true
}

// deriv sets g = g·f′(z) (step 2 of Epilogue).
func (ep *Epilogue[T]) deriv(g, z []T) {
	switch ep.Act {
	case ReLU:
		ReLUMask(z, g)
	case LeakyReLU:
		s := ep.Slope
		for j, v := range z {
			if v <= 0 {
				g[j] *= s
			}
		}
	}
}

// ReLUMask sets g_i = +0 where z_i is not positive, g_i·relu′(z_i) with
// relu′(0) = 0: it keeps g_i exactly where z_i's bits, as a signed integer,
// are positive (z_i > 0, or a NaN with its sign bit clear), and clears it
// otherwise (a NaN or infinite g_i included), without branches: the signs
// of z are random, and a mispredicted branch per element costs more than
// the arithmetic. The engine's backward pass and Epilogue's ReLU derivative
// both use it.
func ReLUMask[T Float](z, g []T) {
	g = g[:len(z)]
	switch zs := any(z).(type) {
	case []float32:
		g := any(g).([]float32)
		for i, v := range zs {
			b := int32(math.Float32bits(v))
			keep := ^uint32((b | (b - 1)) >> 31) // all ones when b > 0
			g[i] = math.Float32frombits(math.Float32bits(g[i]) & keep)
		}
	case []float64:
		g := any(g).([]float64)
		for i, v := range zs {
			b := int64(math.Float64bits(v))
			keep := ^uint64((b | (b - 1)) >> 63)
			g[i] = math.Float64frombits(math.Float64bits(g[i]) & keep)
		}
	default: // a named type: the same rule through its bits
		for i, v := range z {
			if !positiveBits(v) {
				g[i] = 0
			}
		}
	}
}

// positiveBits reports whether v's bits, as a signed integer, are positive.
func positiveBits[T Float](v T) bool {
	if unsafe.Sizeof(v) == 4 {
		return int32(math.Float32bits(float32(v))) > 0
	}
	return int64(math.Float64bits(float64(v))) > 0
}

// act sets a = f(z) (step 3 of Epilogue).
func (ep *Epilogue[T]) act(z, a []T) {
	switch ep.Act {
	case Linear:
		copy(a, z)
	case ReLU:
		for j, v := range z {
			a[j] = max(v, 0)
		}
	case LeakyReLU:
		s := ep.Slope
		for j, v := range z {
			if v > 0 {
				a[j] = v
			} else {
				a[j] = s * v
			}
		}
	}
}
