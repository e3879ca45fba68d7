package serve

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// The 2-D datasets of the playground. Every point lies in the square
// [-1, 1]², the extent of the maps; classification targets are 0 or 1,
// regression targets lie in about [-1, 1].
var datasets = []struct {
	name       string
	regression bool
	gen        func(rng *rand.Rand, i, n int) (x1, x2, y float64)
}{
	{"xor", false, xorPoint},
	{"circles", false, circlePoint},
	{"spirals", false, spiralPoint},
	{"blobs", false, blobPoint},
	{"surface", true, surfacePoint},
}

// datasetNames lists the datasets, for error messages.
func datasetNames() string {
	names := make([]string, len(datasets))
	for i, d := range datasets {
		names[i] = d.name
	}
	return strings.Join(names, ", ")
}

// isRegression reports whether dataset name has numeric targets; ok is
// false for an unknown name.
func isRegression(name string) (regression, ok bool) {
	for _, d := range datasets {
		if d.name == name {
			return d.regression, true
		}
	}
	return false, false
}

// points is a generated dataset: n examples of 2 inputs and 1 target, rows of
// (x1, x2, y).
type points struct {
	X []float64 // n×2
	Y []float64 // n×1
}

// generate draws n points of dataset name from seed. noise is the standard
// deviation of a Gaussian jitter added to the inputs (classification: the
// class is that of the point before the jitter, so classes overlap; a jitter
// that would leave [-1, 1] is drawn again) or to the target (regression).
func generate(name string, n int, noise float64, seed uint64) (points, error) {
	for _, d := range datasets {
		if d.name != name {
			continue
		}
		rng := rand.New(rand.NewPCG(seed, 0x706c6179)) // "play"
		p := points{X: make([]float64, 0, 2*n), Y: make([]float64, 0, n)}
		for i := range n {
			x1, x2, y := d.gen(rng, i, n)
			if d.regression {
				y += noise * rng.NormFloat64()
			} else {
				x1, x2 = jitter(rng, x1, noise), jitter(rng, x2, noise)
			}
			p.X = append(p.X, clamp(x1), clamp(x2))
			p.Y = append(p.Y, y)
		}
		return p, nil
	}
	return points{}, fmt.Errorf("unknown dataset %q (want %s)", name, datasetNames())
}

func clamp(v float64) float64 { return max(-1, min(1, v)) }

// jitter returns v plus Gaussian noise of standard deviation sd, drawn again
// while the sum falls outside [-1, 1] (clamping would pile the points up on
// the border: a third of them at sd = 0.5). After 64 draws, it is clamped.
func jitter(rng *rand.Rand, v, sd float64) float64 {
	for range 64 {
		if w := v + sd*rng.NormFloat64(); w >= -1 && w <= 1 {
			return w
		}
	}
	return clamp(v)
}

// uniform returns a number drawn uniformly from [lo, hi).
func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }

// xorPoint: uniform in the square, class 1 where x1·x2 > 0; points are kept a
// little away from the axes so the four quadrants are distinct.
func xorPoint(rng *rand.Rand, _, _ int) (x1, x2, y float64) {
	const pad = 0.05
	side := func() float64 {
		v := uniform(rng, pad, 0.95)
		if rng.IntN(2) == 0 {
			return -v
		}
		return v
	}
	x1, x2 = side(), side()
	if x1*x2 > 0 {
		y = 1
	}
	return x1, x2, y
}

// circlePoint: half the points in a disc of radius 0.4 (class 1), half in a
// ring from 0.6 to 0.9 (class 0).
func circlePoint(rng *rand.Rand, i, _ int) (x1, x2, y float64) {
	r, y := uniform(rng, 0.6, 0.9), 0.0
	if i%2 == 0 {
		r, y = 0.4*math.Sqrt(rng.Float64()), 1
	}
	t := uniform(rng, 0, 2*math.Pi)
	return r * math.Cos(t), r * math.Sin(t), y
}

// spiralPoint: two interleaved spirals of 1.75 turns, one per class.
func spiralPoint(_ *rand.Rand, i, n int) (x1, x2, y float64) {
	half := (n + 1) / 2
	k, y := i/2, float64(i%2)
	frac := float64(k) / float64(max(half, 1))
	r := 0.9 * frac
	t := 1.75 * 2 * math.Pi * frac
	if y == 1 {
		t += math.Pi
	}
	return r * math.Sin(t), r * math.Cos(t), y
}

// blobPoint: two Gaussian blobs of standard deviation 0.2 centred at
// (-0.45, -0.35) (class 0) and (0.45, 0.35) (class 1).
func blobPoint(rng *rand.Rand, i, _ int) (x1, x2, y float64) {
	c1, c2 := -0.45, -0.35
	if i%2 == 1 {
		c1, c2, y = 0.45, 0.35, 1
	}
	return c1 + 0.2*rng.NormFloat64(), c2 + 0.2*rng.NormFloat64(), y
}

// surfacePoint: uniform in the square, target sin(π x1)·cos(π x2 / 2) + x2/2
// scaled into about [-1, 1].
func surfacePoint(rng *rand.Rand, _, _ int) (x1, x2, y float64) {
	x1, x2 = uniform(rng, -1, 1), uniform(rng, -1, 1)
	return x1, x2, 0.7*math.Sin(math.Pi*x1)*math.Cos(math.Pi*x2/2) + 0.3*x2
}
