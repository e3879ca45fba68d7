package data

import (
	"fmt"
	"math"
)

// The kinds of Scaler.
const (
	ScaleStandard = "standard" // x' = (x - mean) / std
	ScaleMinMax   = "minmax"   // x' = (x - min) / (max - min), in [0, 1] on the fitted rows
	ScaleNone     = "none"     // x' = x
)

// Scaler is a per-feature affine map, x'_j = (x_j - Offset[j]) · Scale[j],
// fitted on training rows by [FitScaler] and applied to any rows by
// [Scaler.Apply]. Its fields are exported so that a model file can store it
// as JSON.
//
// For Kind "standard", Offset is the mean and Scale 1/std (the population
// standard deviation); for "minmax", Offset is the minimum and Scale
// 1/(max - min). A constant column gets Scale 1, so it maps to 0. For
// "none", Offset and Scale are nil and Apply changes nothing.
type Scaler struct {
	Kind   string    `json:"kind"`
	Offset []float64 `json:"offset,omitempty"`
	Scale  []float64 `json:"scale,omitempty"`
}

// FitScaler fits a Scaler of the given kind ("standard", "minmax" or
// "none") to the rows of d. Pass the training rows only, so that nothing of
// the test rows leaks into the scaling.
func FitScaler(d *Dataset, kind string) (*Scaler, error) {
	s := &Scaler{Kind: kind}
	switch kind {
	case ScaleNone:
		return s, nil
	case ScaleStandard, ScaleMinMax:
	default:
		return nil, fmt.Errorf("unknown scaling %q (want standard, minmax, none)", kind)
	}
	if d.N == 0 {
		return nil, fmt.Errorf("cannot fit %s scaling to no rows", kind)
	}
	s.Offset = make([]float64, d.Features)
	s.Scale = make([]float64, d.Features)
	for j := range d.Features {
		var spread float64
		if kind == ScaleStandard {
			var sum float64
			for i := range d.N {
				sum += float64(d.X[i*d.Features+j])
			}
			mean := sum / float64(d.N)
			var ss float64
			for i := range d.N {
				dx := float64(d.X[i*d.Features+j]) - mean
				ss += dx * dx
			}
			s.Offset[j], spread = mean, math.Sqrt(ss/float64(d.N))
		} else {
			lo, hi := math.Inf(1), math.Inf(-1)
			for i := range d.N {
				x := float64(d.X[i*d.Features+j])
				lo, hi = min(lo, x), max(hi, x)
			}
			s.Offset[j], spread = lo, hi-lo
		}
		s.Scale[j] = 1
		if spread > 0 {
			s.Scale[j] = 1 / spread
		}
	}
	return s, nil
}

// Check reports whether s is a valid Scaler for rows of the given number of
// features, as one read from a model file should be.
func (s *Scaler) Check(features int) error {
	switch s.Kind {
	case ScaleNone:
		if len(s.Offset) != 0 || len(s.Scale) != 0 {
			return fmt.Errorf("scaling %q has offsets or scales", s.Kind)
		}
		return nil
	case ScaleStandard, ScaleMinMax:
	default:
		return fmt.Errorf("unknown scaling %q (want standard, minmax, none)", s.Kind)
	}
	if len(s.Offset) != features || len(s.Scale) != features {
		return fmt.Errorf("scaling has %d offsets and %d scales, want one for each of %d features",
			len(s.Offset), len(s.Scale), features)
	}
	for j := range features {
		if math.IsNaN(s.Offset[j]) || math.IsInf(s.Offset[j], 0) || math.IsNaN(s.Scale[j]) || math.IsInf(s.Scale[j], 0) {
			return fmt.Errorf("scaling of feature %d is not finite (offset %v, scale %v)", j, s.Offset[j], s.Scale[j])
		}
	}
	return nil
}

// Apply scales the rows of d in place, x'_j = (x_j - Offset[j]) · Scale[j],
// computed in float64. It returns the error of [Scaler.Check] if s does not
// fit d, and then leaves d unchanged.
func (s *Scaler) Apply(d *Dataset) error {
	if err := s.Check(d.Features); err != nil {
		return err
	}
	if s.Kind == ScaleNone {
		return nil
	}
	for i := range d.N {
		s.ApplyRow(d.Row(i))
	}
	return nil
}

// ApplyRow scales one row x in place, as Apply does. It panics if x is
// longer than s has features; call [Scaler.Check] first on a Scaler read
// from a file.
func (s *Scaler) ApplyRow(x []float32) {
	if s.Kind == ScaleNone {
		return
	}
	for j, v := range x {
		x[j] = float32((float64(v) - s.Offset[j]) * s.Scale[j])
	}
}
