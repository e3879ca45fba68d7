package serve

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// The network's inputs, as in TensorFlow Playground: computed from the
// point (x1, x2) of the plane, any of x1, x2, x1², x2², x1·x2, sin x1 and
// sin x2.

// inputFeatures are the inputs the network can take, in the page's order.
var inputFeatures = []struct {
	name string
	f    func(x1, x2 float64) float64
}{
	{"x1", func(x1, _ float64) float64 { return x1 }},
	{"x2", func(_, x2 float64) float64 { return x2 }},
	{"x1sq", func(x1, _ float64) float64 { return x1 * x1 }},
	{"x2sq", func(_, x2 float64) float64 { return x2 * x2 }},
	{"x1x2", func(x1, x2 float64) float64 { return x1 * x2 }},
	{"sinx1", func(x1, _ float64) float64 { return math.Sin(x1) }},
	{"sinx2", func(_, x2 float64) float64 { return math.Sin(x2) }},
}

func featureNames() string {
	var names []string
	for _, f := range inputFeatures {
		names = append(names, f.name)
	}
	return strings.Join(names, ", ")
}

// checkFeatures validates the inputs of a configuration: one or more of
// inputFeatures, each at most once.
func checkFeatures(names []string) error {
	if len(names) == 0 {
		return bad("features", "none, want one or more of %s", featureNames())
	}
	for k, n := range names {
		if featureFunc(n) == nil {
			return bad(fmt.Sprintf("features[%d]", k), "unknown input %q (want %s)", n, featureNames())
		}
		if slices.Index(names, n) != k {
			return bad(fmt.Sprintf("features[%d]", k), "%q given twice", n)
		}
	}
	return nil
}

// featureFunc returns the function of the input named name, or nil.
func featureFunc(name string) func(x1, x2 float64) float64 {
	for _, f := range inputFeatures {
		if f.name == name {
			return f.f
		}
	}
	return nil
}

// featurize returns the network's inputs for points xy (rows of x1, x2):
// one row of len(names) values per point.
func featurize(names []string, xy []float64) []float64 {
	fs := make([]func(x1, x2 float64) float64, len(names))
	for k, n := range names {
		fs[k] = featureFunc(n)
	}
	out := make([]float64, 0, len(xy)/2*len(fs))
	for i := 0; i+1 < len(xy); i += 2 {
		for _, f := range fs {
			out = append(out, f(xy[i], xy[i+1]))
		}
	}
	return out
}
