// Package kernel holds the matrix kernels of the backprop engine: a general
// matrix product (GEMM) for the three shapes training needs, over float32 and
// float64.
//
// All matrices are dense and row-major; ld* is the row stride. The receiver of
// the result is the destination slice c, which the caller owns, so no kernel
// allocates (the gonum/mat convention). C must not overlap A or B.
//
// The naive triple loop (Ref) is the specification; the fast kernels are tested
// against it.
//
// # How Gemm is fast
//
// Gemm follows the GotoBLAS/BLIS design. The smallest products (m·n·k up to
// a few thousand, such as a batch-1 step of a tiny network) run plain loops
// with no set-up at all. Larger ones are cut into cache blocks: a kc×nc
// block of op(B) and an mc×kc block of op(A) are packed into reusable
// buffers as panels laid out in the order a micro-kernel reads them, and
// the micro-kernel computes an mr×nr tile of C in registers from a k-deep
// panel of each (a rank-1 update per step: mr broadcasts times nr/16 or nr/8
// vector loads, fused multiply-adds). A panel that already lies in memory as
// the micro-kernel reads it (op(B) = B, or op(A) = Aᵀ) is read in place
// instead of packed. A product A·Bᵀ with a few rows (a batch of one, as in
// inference) runs dot products over B's rows in place (AVX-512 and AVX2).
//
// GemmEp is Gemm fused with what a layer does next to the product
// (an Epilogue): the bias and activation of the forward pass, or the
// f′(z) ⊙ of the backward pass, applied to each tile of C as soon as its
// sum is complete, while the tile is still in the L1 cache, instead of in
// separate passes over C.
//
// The way C is split among threads never changes a value: the sum over k of
// each element runs in the same order whichever thread computes it, so the
// results are the same bits on one core or many.
//
// The micro-kernels are chosen at run time (Info names the one in use):
//
//   - avx512: 8×32 float32 / 8×16 float64 tiles of ZMM accumulators, one
//     routine per tile height 1…8 and opmasks for partial widths, so edge
//     tiles are computed in place;
//   - avx2: 6×16 float32 / 6×8 float64 tiles of YMM accumulators, one
//     routine per tile height 1…6, so tiles cut by the bottom edge are
//     computed in place; tiles cut by the right edge go through a buffer;
//   - purego: a 4×4 tile in plain Go, the only one with the purego build tag
//     or off amd64.
//
// The assembly (kernel_amd64.s, kernel_decl_amd64.go) is written by
// asmgen (go generate); each routine's doc comment is its plain-Go loop.
//
// Products above about a million multiply-adds are split by columns (or by
// rows when C is taller than wide) among GOMAXPROCS goroutines: the caller
// and long-lived workers started on first use, each with its own pack
// buffers, which are recycled from call to call.
package kernel
