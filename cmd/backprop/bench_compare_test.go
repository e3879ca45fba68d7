package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestBenchJSONHasWhatCompareReads keeps bench/table.py (the table of
// bench/compare.sh) and `backprop bench --json` in step: every key the table
// reads from backprop's results is a field of the JSON, every GEMM shape it
// reads is one bench times, and a W4 + W5 run fills the keys it reads.
// (.ci/run's compare.sh --smoke runs the whole thing end to end.)
func TestBenchJSONHasWhatCompareReads(t *testing.T) {
	src, err := os.ReadFile("../../bench/table.py")
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]bool{}
	rt := reflect.TypeFor[benchResult]()
	for i := range rt.NumField() {
		fields[strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]] = true
	}
	keys := regexp.MustCompile(`(?:self\.f\((?:self\.)?bp|dig\(b[12]?|\bb\.get\()\s*,?\s*"([a-z0-9_]+)"`).FindAllSubmatch(src, -1)
	if len(keys) < 10 {
		t.Fatalf("found only %d keys of backprop's results in bench/table.py: has its form changed?", len(keys))
	}
	for _, k := range keys {
		if !fields[string(k[1])] {
			t.Errorf("bench/table.py reads %q, which backprop bench --json does not write", k[1])
		}
	}
	shapes := map[string]bool{}
	for _, s := range gemmShapes {
		shapes[s.name] = true
	}
	for _, s := range regexp.MustCompile(`"(\d+x\d+x\d+)"`).FindAllSubmatch(src, -1) {
		if !shapes[string(s[1])] {
			t.Errorf("bench/table.py reads the GEMM shape %s, which backprop bench does not time", s[1])
		}
	}

	out, errs, status := cli(t, "bench", "--json", "--only", "w4,w5", "--reps", "1", "--data", filepath.Join(t.TempDir(), "absent"))
	if status != 0 {
		t.Fatalf("status %d: %s", status, errs)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if v, _ := r["w4_us_per_step"].(float64); v <= 0 {
		t.Errorf("w4_us_per_step = %v", r["w4_us_per_step"])
	}
	w5, _ := r["w5_samples_per_s"].(map[string]any)
	for _, k := range regexp.MustCompile(`"w5_samples_per_s", "([a-z0-9_]+)"`).FindAllSubmatch(src, -1) {
		if v, _ := w5[string(k[1])].(float64); v <= 0 {
			t.Errorf("w5_samples_per_s[%q] = %v", k[1], w5[string(k[1])])
		}
	}
	for _, k := range []string{"kernel", "gomaxprocs"} {
		if r[k] == nil {
			t.Errorf("no %q in backprop bench --json", k)
		}
	}
}
