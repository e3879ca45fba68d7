package data

// Dataset is a set of examples: inputs X and targets Y, one example a row.
//
// For classification, Classes names the classes, Labels[i] is the class index
// of row i, and Y is either the one-hot encoding of Labels (Outputs =
// len(Classes)) or, for a two-class target read with binary encoding, a single
// column holding 0 for Classes[0] and 1 for Classes[1] (Outputs = 1).
// For regression, Classes and Labels are nil and Y holds the numeric
// target(s).
//
// Y and Labels are nil when the data has no target column, as at prediction
// time (see [CSVOptions].Features).
type Dataset struct {
	X []float32 // N×Features, row-major
	Y []float32 // N×Outputs, row-major; nil when there is no target

	N, Features, Outputs int

	FeatureNames []string
	TargetName   string   // the target column's name; "" when not known, or without a target
	Classes      []string // class names; nil for regression
	Labels       []int    // class index of each row; nil for regression or without a target

	// Categories holds the categories of each categorical feature, whose
	// X values are category indices (−1 for an unknown category read as
	// ignored); nil for a numeric feature, and nil when no feature is
	// categorical. A missing value (read as kept) is NaN in X.
	Categories [][]string
	// Dropped counts the rows left out for a missing value; Records then
	// gives each row's record number in the source (1-based, the header
	// not counted), nil when no row was left out.
	Dropped int
	Records []int
}

// Row returns the features of example i, a slice of X (not a copy).
func (d *Dataset) Row(i int) []float32 {
	return d.X[i*d.Features : (i+1)*d.Features : (i+1)*d.Features]
}

// Target returns the targets of example i, a slice of Y (not a copy), or nil
// when d has no targets.
func (d *Dataset) Target(i int) []float32 {
	if d.Y == nil {
		return nil
	}
	return d.Y[i*d.Outputs : (i+1)*d.Outputs : (i+1)*d.Outputs]
}

// IsClassification reports whether d holds class labels (Classes is not nil).
func (d *Dataset) IsClassification() bool {
	return d.Classes != nil
}

// Subset returns a new Dataset holding copies of the rows idx, in that order.
// It shares FeatureNames and Classes with d. It panics if an index is out of
// range.
func (d *Dataset) Subset(idx []int) *Dataset {
	s := &Dataset{
		N:            len(idx),
		Features:     d.Features,
		Outputs:      d.Outputs,
		FeatureNames: d.FeatureNames,
		TargetName:   d.TargetName,
		Classes:      d.Classes,
		Categories:   d.Categories,
		X:            make([]float32, 0, len(idx)*d.Features),
	}
	if d.Y != nil {
		s.Y = make([]float32, 0, len(idx)*d.Outputs)
	}
	if d.Labels != nil {
		s.Labels = make([]int, 0, len(idx))
	}
	for _, i := range idx {
		s.X = append(s.X, d.Row(i)...)
		if d.Y != nil {
			s.Y = append(s.Y, d.Target(i)...)
		}
		if d.Labels != nil {
			s.Labels = append(s.Labels, d.Labels[i])
		}
	}
	return s
}

// ClassCounts returns the number of rows of each class, indexed like Classes,
// or nil when d has no labels.
func (d *Dataset) ClassCounts() []int {
	if d.Labels == nil {
		return nil
	}
	counts := make([]int, len(d.Classes))
	for _, c := range d.Labels {
		counts[c]++
	}
	return counts
}
