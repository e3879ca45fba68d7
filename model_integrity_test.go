package backprop_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

func smallNet(t *testing.T) *backprop.Network[float32] {
	t.Helper()
	net, err := backprop.New[float32](3, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 4, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 2, Activation: backprop.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// TestChecksum: MarshalModel writes a checksum that ReadModel verifies; a
// flipped digit, a truncation or a removed field is refused, a re-indented
// file still reads, and a file without a checksum reads as before.
func TestChecksum(t *testing.T) {
	net := smallNet(t)
	data, err := net.MarshalModel()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"checksum": "sha256:`)) {
		t.Fatalf("no checksum field:\n%s", data)
	}
	if _, err := backprop.UnmarshalModel[float32](data); err != nil {
		t.Fatalf("own output: %v", err)
	}
	// A flipped digit in a weight.
	i := bytes.Index(data, []byte(`"weights": [`))
	j := i + bytes.IndexAny(data[i:], "123456789")
	flipped := bytes.Clone(data)
	flipped[j] = '0' + (data[j]-'0'+1)%10
	_, err = backprop.UnmarshalModel[float32](flipped)
	if !errors.Is(err, backprop.ErrChecksum) || err.Error() != "checksum mismatch: the file was changed or damaged after it was written" {
		t.Errorf("flipped digit: %v", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "model.json")
	os.WriteFile(path, flipped, 0o644)
	if _, err := backprop.LoadModel[float32](path); err == nil || err.Error() != path+": checksum mismatch: the file was changed or damaged after it was written" {
		t.Errorf("LoadModel: %v", err)
	}
	// A field removed, a field added, the checksum itself altered.
	for name, bad := range map[string][]byte{
		"no format": bytes.Replace(data, []byte(`"format": "`+backprop.Format+`",`), nil, 1),
		"extra":     bytes.Replace(data, []byte(`"inputs": 3,`), []byte(`"inputs": 3, "x": 1,`), 1),
		"sum":       bytes.Replace(data, []byte(`"sha256:`), []byte(`"sha256:0`), 1)[:len(data)],
	} {
		if bytes.Equal(bad, data) {
			t.Fatalf("%s: unchanged", name)
		}
		if _, err := backprop.UnmarshalModel[float32](bad); err == nil || !strings.Contains(err.Error(), "checksum") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Every truncation is refused.
	for n := 0; n < len(data)-1; n += 7 {
		if _, err := backprop.UnmarshalModel[float32](data[:n]); err == nil {
			t.Fatalf("truncated at %d bytes: accepted", n)
		}
	}
	_, err = backprop.UnmarshalModel[float32](data[:len(data)/2])
	if err == nil || !strings.HasSuffix(err.Error(), "(the file is truncated)") {
		t.Errorf("truncated: %v", err)
	}
	// Whitespace does not count: a re-indented file reads.
	compact := bytes.Join(bytes.Fields(data), nil)
	if _, err := backprop.UnmarshalModel[float32](compact); err != nil {
		t.Errorf("compacted: %v", err)
	}
	// A bad checksum value.
	bad := bytes.Replace(data, []byte(`"sha256:`), []byte(`"md5:`), 1)
	if _, err := backprop.UnmarshalModel[float32](bad); err == nil || !strings.Contains(err.Error(), `want "sha256:" and 64 hex digits`) {
		t.Errorf("md5: %v", err)
	}
}

// TestChecksumExtraNotDuplicated: a checksum or format in Extra is not
// written twice.
func TestChecksumExtraNotDuplicated(t *testing.T) {
	net := smallNet(t)
	net.Extra = map[string]jsonRaw{"checksum": jsonRaw(`"x"`), "format": jsonRaw(`"y"`), "note": jsonRaw(`1`)}
	data, err := net.MarshalModel()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(data, []byte(`"checksum"`)) != 1 || bytes.Count(data, []byte(`"format"`)) != 1 {
		t.Errorf("duplicated fields:\n%s", data)
	}
	back, err := backprop.UnmarshalModel[float32](data)
	if err != nil || string(back.Extra["note"]) != "1" {
		t.Errorf("%v %v", err, back.Extra)
	}
}

// TestHostileSizes: claimed shapes far beyond the file are refused before
// anything of their size is allocated.
func TestHostileSizes(t *testing.T) {
	many := func(prefix, elem, suffix string, n int) string {
		return prefix + strings.Repeat(elem+",", n-1) + elem + suffix
	}
	for _, tc := range []struct{ name, in, want string }{
		{"1e8 inputs, a short row",
			`{"inputs":100000000,"loss":"squared","layers":[{"activation":"identity","weights":[[1,2]]}]}`,
			`layer 1: weights[0]: 2 values, want 100000000 (the outputs of the layer before)`},
		{"1e8 inputs, an empty row",
			`{"inputs":100000000,"loss":"squared","layers":[{"activation":"identity","weights":[[]]}]}`,
			`layer 1: weights[0]: 0 values, want 100000000 (the outputs of the layer before)`},
		{"1e18 inputs",
			`{"inputs":1000000000000000000,"loss":"squared","layers":[{"activation":"identity","weights":[[1]]}]}`,
			`layer 1: weights: 1×1000000000000000000 is more than 268435456 parameters`},
		{"3e8 × 1e5",
			`{"inputs":300000000,"loss":"squared","layers":[{"activation":"identity","weights":` + many("[", "[]", "]", 100000) + `}]}`,
			`layer 1: weights: more than 65536×300000000 is more than 268435456 parameters`},
		{"a million empty rows",
			`{"inputs":1,"loss":"squared","layers":[{"activation":"identity","weights":` + many("[", "[]", "]", 1000000) + `}]}`,
			`layer 1: weights[0]: 0 values, want 1 (the outputs of the layer before)`},
		{"a million empty layers",
			`{"inputs":1,"loss":"squared","layers":` + many("[", "{}", "]", 1000000) + `}`,
			`layer 1: activation: missing`},
		{"a long bias",
			`{"inputs":1,"loss":"squared","layers":[{"activation":"identity","weights":[[1]],"bias":` + many("[", "0", "]", 1000000) + `}]}`,
			`layer 1: bias: more than 65537 values, want 1 (one per row of weights)`},
		{"a long mask",
			`{"inputs":1,"loss":"squared","layers":[{"activation":"identity","weights":[[1]],"mask":` + many("[", "[1]", "]", 3) + `}]}`,
			`layer 1: mask: 3 rows, want 1 (the rows of weights)`},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := backprop.UnmarshalModel[float64]([]byte(tc.in))
		runtime.ReadMemStats(&after)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got: %v\nwant: %s", tc.name, err, tc.want)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20+uint64(40*len(tc.in)) {
			t.Errorf("%s: %d MB allocated for a %d-byte file", tc.name, alloc>>20, len(tc.in))
		}
	}
	// More fields than an object may have.
	var b strings.Builder
	b.WriteString(`{"layers":[]`)
	for i := range 5000 {
		b.WriteString(`,"f` + strings.Repeat("x", i%3) + itoa(i) + `":0`)
	}
	b.WriteString("}")
	if _, err := backprop.UnmarshalModel[float64]([]byte(b.String())); err == nil || err.Error() != "not a model file: more than 4096 fields in an object" {
		t.Errorf("5000 fields: %v", err)
	}
}

type jsonRaw = json.RawMessage

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var s []byte
	for ; i > 0; i /= 10 {
		s = append([]byte{byte('0' + i%10)}, s...)
	}
	return string(s)
}
