package data

import (
	"strconv"

	"github.com/backprop-go/backprop"
)

// Pipeline returns the input and output pipeline of a model trained on data
// like d with inputs scaled by s: d's feature names, each with its offset and
// scale from s (a categorical feature with its categories, one-hot, offset 0
// and scale 1), and d's classes (nil for regression). The model applies it
// to raw records (see backprop.Model).
func (s *Scaler) Pipeline(d *Dataset) backprop.Pipeline {
	p := backprop.Pipeline{Scaling: s.Kind, Classes: d.Classes}
	for j := range d.Features {
		f := backprop.Feature{Name: "x" + strconv.Itoa(j+1), Scale: 1}
		if d.FeatureNames != nil {
			f.Name = d.FeatureNames[j]
		}
		switch {
		case d.Categories != nil && d.Categories[j] != nil:
			f.Categories = d.Categories[j]
		case s.Kind != ScaleNone:
			f.Offset, f.Scale = s.Offset[j], s.Scale[j]
		}
		p.Features = append(p.Features, f)
	}
	return p
}
