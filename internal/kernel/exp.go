package kernel

import "math"

// Exp sets dst[i] = math.Exp(x[i]) for every i < len(x), bit for bit; dst
// must be at least as long as x and may be x. Where the CPU has AVX2 and FMA
// (then math.Exp takes its FMA path) it computes four values at a time with
// that path's instructions in packed form, and leaves to math.Exp the
// groups of four that hold a value outside the path's normal range
// (infinities, NaNs, results that overflow or are subnormal or zero).
func Exp(dst, x []float64) {
	dst = dst[:len(x)]
	i := 0
	if expAsm {
		for len(x)-i >= 4 {
			i += expF64AVX2(&dst[i], &x[i], len(x)-i)
			if len(x)-i < 4 {
				break
			}
			for j := i; j < i+4; j++ { // a group the packed path leaves
				dst[j] = math.Exp(x[j])
			}
			i += 4
		}
	}
	for ; i < len(x); i++ {
		dst[i] = math.Exp(x[i])
	}
}
