package data

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

func TestFitScaler(t *testing.T) {
	d := &Dataset{
		N: 4, Features: 3,
		X: []float32{
			1, 5, 10,
			2, 5, 20,
			3, 5, 30,
			6, 5, 40,
		},
	}
	tests := []struct {
		kind   string
		offset []float64
		scale  []float64
		x      []float32 // d.X after Apply
	}{
		{ScaleStandard, []float64{3, 5, 25}, []float64{1 / math.Sqrt(3.5), 1, 1 / math.Sqrt(125)}, nil},
		{ScaleMinMax, []float64{1, 5, 10}, []float64{0.2, 1, 1.0 / 30}, []float32{
			0, 0, 0,
			0.2, 0, 1.0 / 3,
			0.4, 0, 2.0 / 3,
			1, 0, 1,
		}},
		{ScaleNone, nil, nil, d.X},
	}
	for _, tt := range tests {
		s, err := FitScaler(d, tt.kind)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s.Offset, tt.offset) || !closeTo(s.Scale, tt.scale) {
			t.Errorf("%s: offset %v, scale %v, want %v, %v", tt.kind, s.Offset, s.Scale, tt.offset, tt.scale)
		}
		c := d.Subset([]int{0, 1, 2, 3})
		if err := s.Apply(c); err != nil {
			t.Fatal(err)
		}
		if tt.x != nil && !reflect.DeepEqual(c.X, tt.x) {
			t.Errorf("%s: scaled %v, want %v", tt.kind, c.X, tt.x)
		}
		if tt.kind == ScaleStandard {
			// Each column has mean 0 and, unless constant, std 1.
			for j := range c.Features {
				var sum, ss float64
				for i := range c.N {
					x := float64(c.Row(i)[j])
					sum += x
					ss += x * x
				}
				if std := math.Sqrt(ss / 4); math.Abs(sum) > 1e-6 || j != 1 && math.Abs(std-1) > 1e-6 {
					t.Errorf("standard: column %d has mean %v, std %v", j, sum/4, std)
				}
			}
		}
	}
}

func closeTo(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}

// TestScalerTrainOnly checks that a scaler fitted on the training part
// knows nothing of the test part.
func TestScalerTrainOnly(t *testing.T) {
	d, err := Embedded("wine")
	if err != nil {
		t.Fatal(err)
	}
	train, test, err := Split(d, 0.25, 3, true)
	if err != nil {
		t.Fatal(err)
	}
	s, err := FitScaler(train, ScaleStandard)
	if err != nil {
		t.Fatal(err)
	}
	for j := range d.Features {
		var sum float64
		for i := range train.N {
			sum += float64(train.Row(i)[j])
		}
		if mean := sum / float64(train.N); math.Abs(s.Offset[j]-mean) > 1e-9*math.Abs(mean) {
			t.Errorf("feature %d: offset %v, want the training mean %v", j, s.Offset[j], mean)
		}
	}
	// Applied to the test rows, the training statistics are used: the
	// test rows scale to a mean near, but not exactly, 0.
	before := test.Row(0)[0]
	if err := s.Apply(test); err != nil {
		t.Fatal(err)
	}
	if want := float32((float64(before) - s.Offset[0]) * s.Scale[0]); test.Row(0)[0] != want {
		t.Errorf("test row 0 scaled to %v, want %v", test.Row(0)[0], want)
	}
}

func TestScalerJSON(t *testing.T) {
	d, err := Embedded("iris")
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{ScaleStandard, ScaleMinMax, ScaleNone} {
		s, err := FitScaler(d, kind)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back Scaler
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&back, s) {
			t.Errorf("%s: %s read back as %+v", kind, b, back)
		}
		if err := back.Check(d.Features); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
}

func TestScalerErrors(t *testing.T) {
	d := &Dataset{N: 1, Features: 2, X: []float32{1, 2}}
	if _, err := FitScaler(d, "zscore"); err == nil || err.Error() != `unknown scaling "zscore" (want standard, minmax, none)` {
		t.Errorf("FitScaler(zscore): %v", err)
	}
	if _, err := FitScaler(&Dataset{Features: 2}, ScaleMinMax); err == nil || err.Error() != "cannot fit minmax scaling to no rows" {
		t.Errorf("FitScaler(no rows): %v", err)
	}
	tests := []struct {
		s   Scaler
		err string
	}{
		{Scaler{Kind: "zscore"}, `unknown scaling "zscore" (want standard, minmax, none)`},
		{Scaler{Kind: ScaleStandard, Offset: []float64{0}, Scale: []float64{1}},
			"scaling has 1 offsets and 1 scales, want one for each of 2 features"},
		{Scaler{Kind: ScaleMinMax, Offset: []float64{0, 0}, Scale: []float64{1, math.Inf(1)}},
			"scaling of feature 1 is not finite (offset 0, scale +Inf)"},
		{Scaler{Kind: ScaleNone, Offset: []float64{0, 0}}, `scaling "none" has offsets or scales`},
	}
	for _, tt := range tests {
		err := tt.s.Apply(d)
		if err == nil || err.Error() != tt.err {
			t.Errorf("%+v: error %v, want %s", tt.s, err, tt.err)
		}
		if d.X[0] != 1 || d.X[1] != 2 {
			t.Fatalf("a failed Apply changed the data")
		}
	}
}
