package backprop_test

import (
	"os"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/explain"
	"github.com/backprop-go/backprop/onnx"
	"github.com/backprop-go/backprop/train"
)

// TestLimitsDocumented: the README's limits table and the package doc give
// every budget its value as the code has it.
func TestLimitsDocumented(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, value string
		got, want   int64
	}{
		{"MaxModelBytes", "1 GiB", backprop.MaxModelBytes, 1 << 30},
		{"onnx.MaxModelBytes", "1 GiB", onnx.MaxModelBytes, 1 << 30},
		{"MaxLayers", "16384", backprop.MaxLayers, 16384},
		{"MaxLayerParams", "2^28", backprop.MaxLayerParams, 1 << 28},
		{"MaxParams", "2^26", backprop.MaxParams, 1 << 26},
		{"MaxGradCheckWork", "2^29", backprop.MaxGradCheckWork, 1 << 29},
		{"MaxExplainWork", "2^17", backprop.MaxExplainWork, 1 << 17},
		{"explain.MaxClaimsBytes", "4 MiB", explain.MaxClaimsBytes, 4 << 20},
		{"MaxTrainBytes", "256 MiB", backprop.MaxTrainBytes, 256 << 20},
		{"data.MaxCSVBytes", "1 GiB", data.MaxCSVBytes, 1 << 30},
		{"data.MaxStreamBytes", "1 PiB", data.MaxStreamBytes, 1 << 50},
		{"data.MaxNameBytes", "64 MiB", data.MaxNameBytes, 64 << 20},
		{"data.MaxLineBytes", "1 MiB", data.MaxLineBytes, 1 << 20},
		{"data.MaxClasses", "1024", data.MaxClasses, 1024},
		{"train.MaxConfusionClasses", "1024", train.MaxConfusionClasses, 1024},
		{"data.MaxOneHot", "2^25", data.MaxOneHot, 1 << 25},
		{"MaxCategories", "1024", backprop.MaxCategories, 1024},
		{"data.MaxIDXItems", "2^20", data.MaxIDXItems, 1 << 20},
		{"data.MaxIDXBytes", "2^26", data.MaxIDXBytes, 1 << 26},
	} {
		if tc.got != tc.want {
			t.Errorf("%s is %d, the docs say %s", tc.name, tc.got, tc.value)
		}
		if !strings.Contains(string(readme), "| `"+tc.name+"` | "+tc.value+" |") && !strings.Contains(string(readme), "`"+tc.name+"`: an ONNX file") {
			t.Errorf("README.md: no row | `%s` | %s |", tc.name, tc.value)
		}
		if !strings.Contains(string(doc), tc.name) {
			t.Errorf("doc.go: no %s", tc.name)
		}
	}
}
