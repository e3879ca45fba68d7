package kernel

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// A microKernel multiplies a k×mr panel of op(A) by a k×nr panel of op(B)
// into a full mr×nr tile of C (see microGo for the loop), and carries the
// cache-block sizes that suit it. The panels are packed (row strides mr and
// nr) or read in place from A and B when the layout allows it.
type microKernel[T float32 | float64] struct {
	name       string
	mr, nr     int // register tile: mr rows of C by nr columns
	mc, kc, nc int // cache blocks: op(A) is packed mc×kc, op(B) kc×nc
	// rows[r-1] computes r ≤ mr rows (nil where there is none; rows[mr-1]
	// is the full kernel); if masked, bit j of its last argument says whether
	// column j is in the tile (columns outside are not touched), so every
	// edge tile is computed in place, else tiles cut by the right edge go
	// through a buffer.
	rows   []func(k int, a *T, lda int, b *T, ldb int, c *T, ldc int, beta T, mask uint64)
	masked bool
	// rowA, if not nil, is rows for A read in place by rows: r rows of a
	// row-major A (element (i, p) at a[i*lda+p]) instead of a panel of
	// op(A), every height 1…mr, the same sums in the same order.
	rowA []func(k int, a *T, lda int, b *T, ldb int, c *T, ldc int, beta T, mask uint64)
	// rowAEp, if not nil, is rowA finishing full-width tiles as an
	// Epilogue with Bias and Out does (act: its Act), in the registers.
	rowAEp []func(k int, a *T, lda int, b *T, ldb int, c *T, ldc int, beta T, bias, out *T, ldout, act int, slope T)
	// rowAStrip and rowAEpStrip, if not nil, are rowA[mr-1] and
	// rowAEp[mr-1] on np ≥ 1 panels of mr rows one below the other (A, C
	// and out advancing by mr rows), in one call.
	rowAStrip   func(np, k int, a *T, lda int, b *T, ldb int, c *T, ldc int, beta T, mask uint64)
	rowAEpStrip func(np, k int, a *T, lda int, b *T, ldb int, c *T, ldc int, beta T, bias, out *T, ldout, act int, slope T)
	// dot, if not nil, computes C = a·Bᵀ + beta·C for one row a and n rows
	// of B read in place (mask: the low k%lanes bits, for the AVX-512 ones;
	// AVX2 masks the tail itself), for op(A)·Bᵀ with few
	// rows, where packing B would cost more than the product.
	dot   func(k int, a, b *T, ldb int, c *T, n int, beta T, mask uint64)
	lanes int
	// tr, if not nil, transposes nb tb×tb blocks for packing (see packT).
	tr func(nb int, src *T, lds int, dst *T, ldd int)
	tb int
}

// The micro-kernels of this CPU, fastest first, and the ones in use.
var (
	kernels32 []*microKernel[float32]
	kernels64 []*microKernel[float64]
	kern32    *microKernel[float32]
	kern64    *microKernel[float64]
)

func init() {
	kernels32, kernels64 = archKernels()
	kernels32 = append(kernels32, &microKernel[float32]{name: "purego", mr: 4, nr: 4, mc: 128, kc: 256, nc: 2048,
		rows: []func(int, *float32, int, *float32, int, *float32, int, float32, uint64){nil, nil, nil, microGo[float32]}})
	kernels64 = append(kernels64, &microKernel[float64]{name: "purego", mr: 4, nr: 4, mc: 128, kc: 256, nc: 1024,
		rows: []func(int, *float64, int, *float64, int, *float64, int, float64, uint64){nil, nil, nil, microGo[float64]}})
	kern32, kern64 = kernels32[0], kernels64[0]
}

// Info names the micro-kernel Gemm uses on this machine ("avx512", "avx2" or
// "purego") and the number of threads it splits large products among, e.g.
// "avx512, 2 threads".
func Info() string {
	startWorkers()
	if nThreads == 1 {
		return kern32.name + ", 1 thread"
	}
	return kern32.name + ", " + strconv.Itoa(nThreads) + " threads"
}

// A runner is a unit of work for the worker pool.
type runner interface{ run() }

// The worker pool: nThreads-1 goroutines started once. A call queues its
// other parts on jobs, computes one part itself, then takes back any part
// still queued while it waits: a part is never handed to a goroutine that is
// not running yet. Parked workers are woken through wake, which carries no
// part (a part sent straight to a parked goroutine would wait, taken, until
// the scheduler found it a thread).
var (
	workersOnce sync.Once
	nThreads    int
	jobs        chan runner
	wake        chan struct{}
	parked      atomic.Int32 // workers parked, or about to park
)

// maxThreads caps the parts a product is split into.
const maxThreads = 64

// spinTime is how long an idle worker polls for the next part before it
// parks: a training step runs a parallel phase every few tens of
// microseconds, and waking a parked goroutine costs several (tens, and up
// to some hundred, on a virtual machine, where the wake-up is an interrupt
// to another virtual CPU). Polling is a busy loop on the goroutine's own P:
// runtime.Gosched would put it on the global run queue, where it can wait
// as long as a wake-up while its P sits idle (measured on a 2-vCPU EPYC: a
// team's second goroutine started its phase 16–18 µs late). 500 µs, not
// less: a product called after a serial gap longer than spinTime finds the
// workers parked and, their wake-up as long as the product, runs on one
// thread (BenchmarkGemmAfterGap: a 100 µs gap cost the second thread with
// 50 µs).
const spinTime = 500 * time.Microsecond

// startWorkers starts the pool on first use, sized by GOMAXPROCS at that
// moment.
func startWorkers() {
	workersOnce.Do(func() {
		nThreads = min(runtime.GOMAXPROCS(0), maxThreads)
		jobs = make(chan runner, maxThreads)
		wake = make(chan struct{}, maxThreads)
		for range nThreads - 1 {
			go work()
		}
	})
}

// submit queues j and wakes a parked worker, if any.
func submit(j runner) {
	jobs <- j
	if parked.Load() > 0 {
		select {
		case wake <- struct{}{}:
		default: // tokens enough for every parked worker already
		}
	}
}

// work runs parts forever.
func work() {
	for {
		next().run()
	}
}

// next returns the next queued part: it polls for up to spinTime, then
// parks until woken, and polls again. A worker counts itself parked before
// its last look at the queue, and submit queues before it reads the count,
// so a part queued meanwhile is either seen by that look or wakes it.
func next() runner {
	for {
		start := time.Now()
		for i := 0; ; i++ {
			select {
			case j := <-jobs:
				return j
			default:
			}
			if i%64 == 63 && time.Since(start) >= spinTime {
				break
			}
		}
		parked.Add(1)
		select {
		case j := <-jobs:
			parked.Add(-1)
			return j
		default:
		}
		<-wake
		parked.Add(-1)
	}
}

// wait returns once n parts have reported on done. Meanwhile it runs any
// part still queued (of this call or another), so that no part waits for a
// worker slow to wake, and otherwise polls: the parts it waits for are
// running on other threads. Past spinTime it yields now and then
// (runtime.Gosched), in case one of them is runnable only on this
// goroutine's P (GOMAXPROCS lowered after the pool started).
func wait(done chan struct{}, n int) {
	start := time.Now()
	for i := 0; n > 0; i++ {
		select {
		case <-done:
			n--
			continue
		case j := <-jobs:
			j.run()
			continue
		default:
		}
		if i%64 == 63 && time.Since(start) >= spinTime {
			runtime.Gosched()
		}
	}
}

// A part is one rectangle of C computed by one goroutine: its own
// sub-problem of Gemm and its own pack buffers.
type part[T float32 | float64] struct {
	kern           *microKernel[T]
	transA, transB bool
	transC         bool // C is stored transposed: element (i, j) at c[j*ldc+i]
	m, n, k        int
	a              []T
	lda            int
	b              []T
	ldb            int
	beta           T
	c              []T
	ldc            int
	packA, packB   []T
	tile           []T
	packed         []T           // if not nil, all of op(B) packed by packAll (no B)
	done           chan struct{} // receives once per part run through jobs
	// ep, if not nil, finishes each tile once complete; the part's C starts
	// at row i0, column j0 of the whole C (in C's coordinates, not the
	// stored transpose's).
	ep     Epilogue[T]
	hasEp  bool
	i0, j0 int
}

func (p *part[T]) run() {
	p.gemm()
	p.done <- struct{}{}
}

// A call holds everything one Gemm call needs beyond its arguments; calls are
// recycled through a callPool, so steady state allocates nothing.
type call[T float32 | float64] struct {
	parts [maxThreads]part[T]
	done  chan struct{}
}

// A callPool is a free list of calls (not a sync.Pool: the garbage collector
// must not drop the pack buffers).
type callPool[T float32 | float64] struct {
	mu   sync.Mutex
	free []*call[T]
}

var (
	pool32 callPool[float32]
	pool64 callPool[float64]
)

func (p *callPool[T]) get() *call[T] {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		c := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return c
	}
	p.mu.Unlock()
	return &call[T]{done: make(chan struct{}, maxThreads)}
}

func (p *callPool[T]) put(c *call[T]) {
	p.mu.Lock()
	p.free = append(p.free, c)
	p.mu.Unlock()
}

// gemmBlocked is Gemm for products too large for plain loops (serial: on
// the calling goroutine alone), each tile finished by ep if not nil. A·Bᵀ
// with at most dotRows rows goes to the dot kernel, if any; otherwise it
// splits C into parts (by columns or by rows: see splitByCols), runs the first
// on the calling goroutine and the others on the worker pool. threads, if
// not 0, is the number of parts (for tests); else GOMAXPROCS decides.
//
// How C is split never changes a value: each element's sum runs over k in
// the same order (the same kc blocks, each over p in order, on a micro-kernel
// or dot kernel chosen by the shape alone), whichever part computes it.
func gemmBlocked[T float32 | float64](kern *microKernel[T], pool *callPool[T], serial bool, threads int, transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int, ep *Epilogue[T]) {
	if kern.dot != nil && !transA && transB && m <= dotRows {
		mask := uint64(1)<<(k%kern.lanes) - 1
		for i := 0; i < m; i++ {
			kern.dot(k, &a[i*lda], &b[0], ldb, &c[i*ldc], n, beta, mask)
			if ep != nil {
				ep.apply(c[i*ldc:], ldc, i, 0, 1, n)
			}
		}
		return
	}
	startWorkers()
	cl := pool.get()
	nparts := 1
	switch {
	case threads > 0:
		nparts = threads
	case m*n*k >= parallelWork && !serial:
		nparts = nThreads
	}
	// A C narrower than a register tile and taller than wide is computed as
	// Cᵀ = op(B)ᵀ·op(A)ᵀ, so that the short side lies along the rows of the
	// tiles, where the kernels come in every height.
	transC := kern.masked && n < kern.nr && m > n
	if transC {
		transA, transB, m, n, a, b, lda, ldb = !transB, !transA, n, m, b, a, ldb, lda
	}
	byCols := splitByCols[T](kern, nparts, transA, transB, m, n, k, lda, ldb)
	unit, size := kern.mr, m
	if byCols {
		unit, size = kern.nr, n
	}
	units := (size + unit - 1) / unit
	nparts = max(1, min(nparts, units))
	for i := 0; i < nparts; i++ {
		lo, hi := units*i/nparts*unit, min(size, units*(i+1)/nparts*unit)
		p := &cl.parts[i]
		p.kern, p.transA, p.transB, p.transC, p.k, p.beta, p.ldc, p.lda, p.ldb = kern, transA, transB, transC, k, beta, ldc, lda, ldb
		p.done, p.hasEp = cl.done, ep != nil
		if ep != nil {
			p.ep = *ep
		}
		// the part's C starts at row or column lo (of the stored C when transC)
		rowOff, colOff := lo*ldc, lo
		if transC {
			rowOff, colOff = lo, lo*ldc
		}
		p.i0, p.j0 = 0, lo // in C's own coordinates
		if byCols == transC {
			p.i0, p.j0 = lo, 0
		}
		if byCols { // C[:, lo:hi] = op(A)·op(B)[:, lo:hi]
			p.m, p.n, p.a, p.c = m, hi-lo, a, c[colOff:]
			if transB {
				p.b = b[lo*ldb:]
			} else {
				p.b = b[lo:]
			}
		} else { // C[lo:hi, :] = op(A)[lo:hi, :]·op(B)
			p.m, p.n, p.b, p.c = hi-lo, n, b, c[rowOff:]
			if transA {
				p.a = a[lo:]
			} else {
				p.a = a[lo*lda:]
			}
		}
	}
	for i := 1; i < nparts; i++ {
		submit(&cl.parts[i])
	}
	cl.parts[0].gemm()
	wait(cl.done, nparts-1)
	for i := 0; i < nparts; i++ { // drop references to the caller's slices
		cl.parts[i].a, cl.parts[i].b, cl.parts[i].c, cl.parts[i].ep = nil, nil, nil, Epilogue[T]{}
	}
	pool.put(cl)
}

// dotRows is the most rows of A for which op(A)·Bᵀ runs the dot kernel.
var dotRows = 4

// grow returns s resliced to length n, reallocated only if too small.
func grow[T float32 | float64](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// gemm computes the part C = op(A)·op(B) + beta·C (m×n, inner dimension k)
// on one goroutine with the GotoBLAS loop nest: for each nc-wide column block
// and kc-deep slice, pack op(B) kc×nc; for each mc-high row block, pack op(A)
// mc×kc; then run the micro-kernel over the mr×nr tiles, column panel by
// column panel. The masked kernels compute tiles cut by the edge of C in
// place; otherwise, and when C is stored transposed, tiles go through p.tile.
//
// When a panel of op(B) already lies in B as the kernel reads it (B not
// transposed: row p of the panel is contiguous, rows ldb apart), the kernel
// reads it in place instead; so for op(A) when transA. Only panels cut by an
// edge are then packed.
func (p *part[T]) gemm() {
	kern := p.kern
	mr, nr := kern.mr, kern.nr
	m, n, k := p.m, p.n, p.k
	a, b, c := p.a, p.b, p.c
	lda, ldb, ldc := p.lda, p.ldb, p.ldc
	// Panels used once (a single row or column of tiles) are always read in
	// place when they can be: the cache has no time to suffer.
	directA := p.transA && (n <= nr || directOK[T](lda))
	directB := !p.transB && p.packed == nil && (m <= mr || directOK[T](ldb))
	// A not transposed is read in place by rows where the kernel can
	rowsA := !p.transA && kern.rowA != nil && rowsOK[T](lda)
	kerns := kern.rows
	if rowsA {
		kerns = kern.rowA
	}
	// edge panels read in place need kernels of every height (A) or masked
	// columns (B)
	packEdgeA, packEdgeB := directA && kern.rows[0] == nil, directB && !kern.masked
	full := kerns[mr-1]
	// an epilogue of bias and activation alone is applied by the kernel
	epKern := rowsA && kern.rowAEp != nil && !p.transC && p.hasEp &&
		p.ep.Bias != nil && p.ep.Z == nil && p.ep.Out != nil && p.ep.Fn == nil
	strips := rowsA && kern.rowAStrip != nil && !p.transC
	mcMax := min(max(kern.mc/mr, 1)*mr, (m+mr-1)/mr*mr)
	kcMax := min(kern.kc, k)
	ncMax := min(max(kern.nc/nr, 1)*nr, (n+nr-1)/nr*nr)
	p.packA = grow(p.packA, mcMax*kcMax)
	p.packB = grow(p.packB, kcMax*ncMax)
	p.tile = grow(p.tile, mr*nr)
	for jc := 0; jc < n; jc += ncMax {
		nc := min(ncMax, n-jc)
		for pc := 0; pc < k; pc += kcMax {
			kc := min(kcMax, k-pc)
			beta := p.beta
			if pc > 0 {
				beta = 1
			}
			var ep *Epilogue[T] // finishes the tiles at the last kc block
			if p.hasEp && pc+kc == k {
				ep = &p.ep
			}
			bpack := p.packB // the packed block of op(B), if any
			switch {
			case p.packed != nil: // packed already, as packAll lays it out
				bpack = p.packed[jc*k+pc*((nc+nr-1)/nr*nr):]
			case !directB:
				packB(kern, p.transB, b, ldb, pc, kc, jc, nc, p.packB)
			case packEdgeB && nc%nr != 0: // only the last, partial panel
				packB(kern, false, b, ldb, pc, kc, jc+nc/nr*nr, nc%nr, p.packB)
			}
			for ic := 0; ic < m; ic += mcMax {
				mc := min(mcMax, m-ic)
				switch {
				case rowsA:
				case !directA:
					packA(kern, p.transA, a, lda, ic, mc, pc, kc, p.packA)
				case packEdgeA && mc%mr != 0:
					packA(kern, true, a, lda, ic+mc/mr*mr, mc%mr, pc, kc, p.packA)
				}
				for jr := 0; jr < nc; jr += nr {
					nrr := min(nr, nc-jr)
					bp, bs := &p.packB[0], nr
					switch {
					case !directB:
						bp = &bpack[jr*kc]
					case nrr == nr || !packEdgeB:
						bp, bs = &b[pc*ldb+jc+jr], ldb
					}
					mask := uint64(1)<<nrr - 1
					ir := 0
					if np := mc / mr; strips && nrr == nr && np > 0 {
						// the whole panels of rows in one call
						off, i, j := ic*ldc+jc+jr, p.i0+ic, p.j0+jc+jr
						ap := &a[ic*lda+pc]
						switch {
						case ep != nil && epKern:
							kern.rowAEpStrip(np, kc, ap, lda, bp, bs, &c[off], ldc, beta, &ep.Bias[j], &ep.Out[i*ep.LdOut+j], ep.LdOut, int(ep.Act), ep.Slope)
						default:
							kern.rowAStrip(np, kc, ap, lda, bp, bs, &c[off], ldc, beta, mask)
							if ep != nil {
								ep.apply(c[off:], ldc, i, j, np*mr, nr)
							}
						}
						ir = np * mr
					}
					for ; ir < mc; ir += mr {
						mrr := min(mr, mc-ir)
						ap, as := &p.packA[0], mr
						switch {
						case rowsA:
							ap, as = &a[(ic+ir)*lda+pc], lda
						case !directA:
							ap = &p.packA[ir*kc]
						case mrr == mr || !packEdgeA:
							ap, as = &a[pc*lda+ic+ir], lda
						}
						if p.transC {
							fn := full
							if kern.masked || rowsA {
								fn = kerns[mrr-1]
							}
							fn(kc, ap, as, bp, bs, &p.tile[0], nr, 0, mask)
							off := (jc+jr)*ldc + ic + ir
							mergeTileT(p.tile, nr, mrr, nrr, beta, c[off:], ldc)
							if ep != nil {
								ep.apply(c[off:], ldc, p.i0+jc+jr, p.j0+ic+ir, nrr, mrr)
							}
							continue
						}
						off := (ic+ir)*ldc + jc + jr
						// a kernel of the tile's height, if any (else A's
						// panel is packed, zero-padded to mr rows); in place
						// unless columns are cut and the kernel has no masks
						fn := kerns[mrr-1]
						inPlace := fn != nil && (kern.masked || nrr == nr)
						if fn == nil {
							fn = full
						}
						if inPlace && ep != nil && epKern && nrr == nr {
							i, j := p.i0+ic+ir, p.j0+jc+jr
							kern.rowAEp[mrr-1](kc, ap, as, bp, bs, &c[off], ldc, beta, &ep.Bias[j], &ep.Out[i*ep.LdOut+j], ep.LdOut, int(ep.Act), ep.Slope)
							continue
						}
						if inPlace {
							fn(kc, ap, as, bp, bs, &c[off], ldc, beta, mask)
						} else {
							fn(kc, ap, as, bp, bs, &p.tile[0], nr, 0, mask)
							mergeTile(p.tile, nr, mrr, nrr, beta, c[off:], ldc)
						}
						if ep != nil {
							ep.apply(c[off:], ldc, p.i0+ic+ir, p.j0+jc+jr, mrr, nrr)
						}
					}
				}
			}
		}
	}
}

// directKernels switches reading panels in place on or off (for tests and
// benchmarks).
var directKernels = true

// directOK reports whether the kernel should read panels in place from a
// matrix of T with row stride ld rather than from packed copies: not when
// rows are a multiple of 256 bytes apart, as consecutive rows would then
// crowd into a few sets of the L1 cache.
func directOK[T float32 | float64](ld int) bool {
	var z T
	return directKernels && ld*int(unsafe.Sizeof(z))%256 != 0
}

// rowsOK reports whether the row-A kernels should read a row-major A with
// row stride ld in place rather than pack it: not when rows are a multiple
// of 2 KB apart, as three or six of the rows a kernel reads at once would
// then share a set of the L1 cache with the panel of B.
func rowsOK[T float32 | float64](ld int) bool {
	var z T
	return directKernels && ld*int(unsafe.Sizeof(z))%2048 != 0
}

// mergeTile sets the mr×nr corner of C to t + beta·C (t has row stride ldt);
// beta = 0 overwrites C.
func mergeTile[T float32 | float64](t []T, ldt, mr, nr int, beta T, c []T, ldc int) {
	for i := 0; i < mr; i++ {
		ti := t[i*ldt : i*ldt+nr]
		ci := c[i*ldc : i*ldc+nr]
		if beta == 0 {
			copy(ci, ti)
			continue
		}
		for j, v := range ti {
			ci[j] = v + beta*ci[j]
		}
	}
}

// mergeTileT is mergeTile into a C stored transposed: it sets C[j][i] =
// t[i][j] + beta·C[j][i] for i < mr, j < nr.
func mergeTileT[T float32 | float64](t []T, ldt, mr, nr int, beta T, c []T, ldc int) {
	for j := 0; j < nr; j++ {
		cj := c[j*ldc : j*ldc+mr]
		if beta == 0 {
			for i := range cj {
				cj[i] = t[i*ldt+j]
			}
			continue
		}
		for i := range cj {
			cj[i] = t[i*ldt+j] + beta*cj[i]
		}
	}
}

// packA packs the mc×kc block of op(A) at row i0, column p0 into dst as
// ⌈mc/mr⌉ panels of kc×mr (panel q holds rows q·mr… at dst[q·mr·kc + p·mr + i]),
// zero-padding rows past mc. op(A)[i,p] is a[i*lda+p], or a[p*lda+i] when transA.
func packA[T float32 | float64](kern *microKernel[T], transA bool, a []T, lda, i0, mc, p0, kc int, dst []T) {
	mr := kern.mr
	for ir := 0; ir < mc; ir += mr {
		rows := min(mr, mc-ir)
		d := dst[ir*kc : ir*kc+kc*mr]
		if transA {
			packCopy(kc, rows, a[p0*lda+i0+ir:], lda, d, mr)
		} else {
			packT(kern, rows, kc, a[(i0+ir)*lda+p0:], lda, d, mr)
		}
		if rows < mr {
			for p := 0; p < kc; p++ {
				clear(d[p*mr+rows : p*mr+mr])
			}
		}
	}
}

// packB packs the kc×nc block of op(B) at row p0, column j0 into dst as
// ⌈nc/nr⌉ panels of kc×nr (panel q holds columns q·nr… at dst[q·nr·kc + p·nr + j]),
// zero-padding columns past nc. op(B)[p,j] is b[p*ldb+j], or b[j*ldb+p] when transB.
func packB[T float32 | float64](kern *microKernel[T], transB bool, b []T, ldb, p0, kc, j0, nc int, dst []T) {
	nr := kern.nr
	jr := 0
	if !transB { // the whole panels row by row of B, in memory order
		whole := nc / nr
		if whole > 0 {
			packRows(kc, whole, nr, b[p0*ldb+j0:], ldb, dst)
		}
		jr = whole * nr
	}
	for ; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		d := dst[jr*kc : jr*kc+kc*nr]
		if transB {
			packT(kern, cols, kc, b[(j0+jr)*ldb+p0:], ldb, d, nr)
		} else {
			packCopy(kc, cols, b[p0*ldb+j0+jr:], ldb, d, nr)
		}
		if cols < nr {
			for p := 0; p < kc; p++ {
				clear(d[p*nr+cols : p*nr+nr])
			}
		}
	}
}

// packRows packs np whole panels of nr columns of a kc-row block with row
// stride lds: dst[q·nr·kc + p·nr + j] = src[p·lds + q·nr + j]. It reads the
// block row by row, in memory order (column panel by column panel, the
// reads would stride a whole row apart and miss the TLB at every one).
func packRows[T float32 | float64](kc, np, nr int, src []T, lds int, dst []T) {
	_ = src[(kc-1)*lds+np*nr-1]
	_ = dst[(np-1)*nr*kc+kc*nr-1]
	switch s := any(src).(type) {
	case []float32:
		if d := any(dst).([]float32); nr == 16 {
			packRowsF32x16(kc, np, s, lds, d)
			return
		}
	case []float64:
		if d := any(dst).([]float64); nr == 8 {
			packRowsF64x8(kc, np, s, lds, d)
			return
		}
	}
	for p := 0; p < kc; p++ {
		for q := 0; q < np; q++ {
			copy(dst[q*nr*kc+p*nr:q*nr*kc+p*nr+nr], src[p*lds+q*nr:])
		}
	}
}

// packRowsF32x16 is packRows for nr = 16 float32 (64-byte rows, copied as
// arrays: a generic function would call memmove for each).
func packRowsF32x16(kc, np int, src []float32, lds int, dst []float32) {
	for p := 0; p < kc; p++ {
		s := src[p*lds : p*lds+np*16]
		d := dst[p*16:]
		for q := range np {
			v := *(*[16]float32)(s[q*16:])
			*(*[16]float32)(d[q*16*kc:]) = v
		}
	}
}

// packRowsF64x8 is packRows for nr = 8 float64.
func packRowsF64x8(kc, np int, src []float64, lds int, dst []float64) {
	for p := 0; p < kc; p++ {
		s := src[p*lds : p*lds+np*8]
		d := dst[p*8:]
		for q := range np {
			v := *(*[8]float64)(s[q*8:])
			*(*[8]float64)(d[q*8*kc:]) = v
		}
	}
}

// packCopy copies a rows×cols block: dst[r*ldd+c] = src[r*lds+c], element
// by element (cols is at most a register tile's width: a call to memmove
// per row would cost more than the copy).
func packCopy[T float32 | float64](rows, cols int, src []T, lds int, dst []T, ldd int) {
	for r := 0; r < rows; r++ {
		d, s := dst[r*ldd:r*ldd+cols], src[r*lds:r*lds+cols]
		for c := range d {
			d[c] = s[c]
		}
	}
}

// packT copies the transpose of a rows×cols block: dst[c*ldd+r] = src[r*lds+c].
// Whole groups of kern.tb rows go through kern.tr, tb×tb blocks at a time.
func packT[T float32 | float64](kern *microKernel[T], rows, cols int, src []T, lds int, dst []T, ldd int) {
	r := 0
	if bs := kern.tb; kern.tr != nil && cols >= bs {
		nb := cols / bs
		for ; r+bs <= rows; r += bs {
			_ = src[(r+bs-1)*lds+nb*bs-1] // bounds of the assembly's reads
			_ = dst[(nb*bs-1)*ldd+r+bs-1] // and writes
			kern.tr(nb, &src[r*lds], lds, &dst[r], ldd)
			for rr := r; rr < r+bs; rr++ {
				s := src[rr*lds : rr*lds+cols]
				for c := nb * bs; c < cols; c++ {
					dst[c*ldd+rr] = s[c]
				}
			}
		}
	}
	if r == rows {
		return
	}
	// the rows left (all of a panel narrower than tb), column by column: one
	// pass over dst, in order
	rest := rows - r
	src = src[r*lds : (rows-1)*lds+cols]
	if rest == 6 && ldd == 6 && r == 0 { // a whole AVX2 panel of A
		packT6(cols, src, lds, dst)
		return
	}
	for c := 0; c < cols; c++ {
		d := dst[c*ldd+r : c*ldd+r+rest]
		for i := range d {
			d[i] = src[i*lds+c]
		}
	}
}

// packT6 is packT of six whole rows into a panel of row stride 6:
// dst[c*6+i] = src[i*lds+c], the rows sliced to one length up front so that
// the loop runs without bounds checks (the general loop costs several times
// more per element, and packing A is a fifth of a tall product's time).
func packT6[T float32 | float64](cols int, src []T, lds int, dst []T) {
	if s, ok := any(src).([]float32); ok && pack6F32 != nil && cols >= 8 {
		nb := cols / 8
		_ = s[5*lds+nb*8-1] // bounds of the assembly's reads
		_ = dst[nb*48-1]    // and writes
		pack6F32(nb, &s[0], lds, &any(dst).([]float32)[0])
		src, dst, cols = src[nb*8:], dst[nb*48:], cols-nb*8
		if cols == 0 {
			return
		}
	}
	s0 := src[:cols]
	s1 := src[lds : lds+cols][:len(s0)]
	s2 := src[2*lds : 2*lds+cols][:len(s0)]
	s3 := src[3*lds : 3*lds+cols][:len(s0)]
	s4 := src[4*lds : 4*lds+cols][:len(s0)]
	s5 := src[5*lds : 5*lds+cols][:len(s0)]
	dst = dst[:6*len(s0)]
	for c := range s0 {
		d := dst[6*c : 6*c+6 : 6*c+6]
		d[0], d[1], d[2], d[3], d[4], d[5] = s0[c], s1[c], s2[c], s3[c], s4[c], s5[c]
	}
}

// A Task is work for Parallel: a function made once, run many times.
type Task struct {
	f    func()
	done chan struct{}
}

// NewTask returns a task that runs f.
func NewTask(f func()) *Task { return &Task{f: f, done: make(chan struct{}, 1)} }

func (t *Task) run() {
	t.f()
	t.done <- struct{}{}
}

// Parallel runs the tasks concurrently and returns when all are done:
// tasks[0] on the calling goroutine, the others on the worker pool (in turn on
// the caller too, should no worker take them). With one thread it runs them
// in order. It allocates nothing. Tasks should use Gemm1, so that they do not
// split their products among the same workers.
func Parallel(tasks []*Task) {
	startWorkers()
	if nThreads == 1 || len(tasks) == 1 {
		for _, t := range tasks {
			t.f()
		}
		return
	}
	for _, t := range tasks[1:] {
		submit(t)
	}
	tasks[0].f()
	for _, t := range tasks[1:] {
		wait(t.done, 1)
	}
}

// Threads returns the number of threads Gemm and Parallel use.
func Threads() int {
	startWorkers()
	return nThreads
}

// splitByCols reports whether C is better split among nparts parts by
// columns (each part packs all of op(A) and its share of op(B)) than by
// rows (the reverse): the packing done twice should be the cheaper one. A
// transposing pack costs about twice a copy; a matrix read in place costs
// nothing. A side with fewer tiles than parts is not split while the other
// has more; on a tie the longer side is.
func splitByCols[T float32 | float64](kern *microKernel[T], nparts int, transA, transB bool, m, n, k, lda, ldb int) bool {
	rowUnits, colUnits := (m+kern.mr-1)/kern.mr, (n+kern.nr-1)/kern.nr
	switch {
	case nparts <= 1:
		return n >= m
	case rowUnits < nparts && colUnits > rowUnits:
		return true
	case colUnits < nparts && rowUnits > colUnits:
		return false
	}
	costA, costB := 2*m*k, 2*k*n // transposing packs
	if transA {
		costA = m * k
		if directOK[T](lda) {
			costA = 0
		}
	}
	if !transB {
		costB = k * n
		if directOK[T](ldb) {
			costB = 0
		}
	}
	if costA == costB {
		return n >= m
	}
	return costA < costB
}
