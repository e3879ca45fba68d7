package backprop

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

// TestLongRow: a weight or mask row far longer than the layer's inputs is
// refused after the inputs' count of values, not decoded whole.
func TestLongRow(t *testing.T) {
	long := "[" + strings.Repeat("1,", 2_000_000) + "1]"
	for _, tc := range []struct{ in, want string }{
		{`{"inputs":2,"loss":"squared","layers":[{"activation":"identity","weights":[` + long + `]}]}`,
			"layer 1: weights[0]: more than 65538 values, want 2 (the outputs of the layer before)"},
		{`{"inputs":2,"loss":"squared","layers":[{"activation":"identity","weights":[[1,2]],"mask":[` + long + `]}]}`,
			"layer 1: mask[0]: more than 65538 values, want 2 (the columns of weights)"},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := UnmarshalModel[float32]([]byte(tc.in))
		runtime.ReadMemStats(&after)
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
		// The file is 4 MB; a decoded row would be 2e6 json.Numbers (32 MB).
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 24<<20 {
			t.Errorf("%d MB allocated", alloc>>20)
		}
	}
}

// TestParamBudget: a layer that would take the network past its budget of
// parameters is refused at the first row beyond it.
func TestParamBudget(t *testing.T) {
	raw := map[string]json.RawMessage{"activation": json.RawMessage(`"identity"`),
		"weights": json.RawMessage(`[[1,2],[3,4],[5,6]]`)}
	if _, err := readLayer[float64](raw, 2, 4); err == nil || err.Error() != "weights: 3×2: the network would have more than 67108864 parameters (MaxParams)" {
		t.Errorf("got %v", err)
	}
	raw = map[string]json.RawMessage{"activation": json.RawMessage(`"identity"`),
		"weights": json.RawMessage(`[[1,2],[3,4]]`)}
	if _, err := readLayer[float64](raw, 2, 4); err != nil {
		t.Errorf("within the budget: %v", err)
	}
}
