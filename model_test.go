package backprop_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

const okLayer = `{"activation":"sigmoid","weights":[[0.1,0.2]],"bias":[0.3]}`

// TestReadModelErrors: each invalid model gives its exact error, naming the
// layer and the field.
func TestReadModelErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{``, `not a model file: empty`},
		{`[1,2]`, `not a model file: want a JSON object`},
		{`null`, `not a model file: want a JSON object`},
		{`{"inputs":2,`, `not a model file: line 1, column 12: unexpected end of JSON input (the file is truncated)`},
		{"{\n\"inputs\": 2,\n  x}", `not a model file: line 3, column 3: invalid character 'x' looking for beginning of object key string`},
		{`{"name":"resnet"}`, `not a model file: no "layers" field`},
		{`{"loss":"log","layers":[]}`, `inputs: missing`},
		{`{"inputs":"2","loss":"log","layers":[]}`, `inputs: got a JSON string, want an integer`},
		{`{"inputs":2.5,"loss":"log","layers":[]}`, `inputs: got a JSON number 2.5, want an integer`},
		{`{"inputs":0,"loss":"log","layers":[` + okLayer + `]}`, `inputs: 0, want at least 1`},
		{`{"inputs":2,"layers":[]}`, `loss: missing`},
		{`{"inputs":2,"loss":"mse","layers":[]}`, `loss: unknown loss "mse" (want squared, log, cross-entropy)`},
		{`{"inputs":2,"loss":"log","layers":[]}`, `layers: none, want at least 1`},
		{`{"inputs":2,"loss":"log","layers":{}}`, `layers: got a JSON object, want an array or object of another shape`},
		{`{"inputs":2,"loss":"log","layers":[null]}`, `layer 1: want an object`},
		{`{"inputs":2,"loss":"log","layers":[{"weights":[[1,2]]}]}`, `layer 1: activation: missing`},
		{`{"inputs":2,"loss":"log","layers":[{"activation":"sigmod","weights":[[1,2]]}]}`, `layer 1: activation: unknown activation "sigmod" (want identity, sigmoid, tanh, relu, leaky-relu, softmax)`},
		{`{"inputs":2,"loss":"log","layers":[{"activation":"sigmoid"}]}`, `layer 1: weights: missing`},
		{`{"inputs":2,"loss":"log","layers":[{"activation":"sigmoid","weights":[]}]}`, `layer 1: weights: no rows, want at least 1`},
		{`{"inputs":2,"loss":"log","layers":[{"activation":"sigmoid","weights":[[1,2,3]]}]}`, `layer 1: weights[0]: 3 values, want 2 (the outputs of the layer before)`},
		{`{"inputs":2,"loss":"log","layers":[{"activation":"sigmoid","weights":[[1,"a"]]}]}`, `layer 1: weights: got a JSON string, want a number`},
		{`{"inputs":2,"loss":"log","layers":[{"activation":"sigmoid","weights":[[1,1e999]]}]}`, `layer 1: weights[0][1]: 1e999 is not a finite 64-bit number`},
		{`{"inputs":2,"loss":"log","layers":[{"activation":"sigmoid","weights":[[1,2]],"bias":[1,2]}]}`, `layer 1: bias: 2 values, want 1 (one per row of weights)`},
		{`{"inputs":2,"loss":"log","layers":[{"activation":"sigmoid","weights":[[1,2]],"bias":[1e400]}]}`, `layer 1: bias[0]: 1e400 is not a finite 64-bit number`},
		{`{"inputs":2,"loss":"log","layers":[{"activation":"sigmoid","weights":[[1,2]],"mask":[[1,2]]}]}`, `layer 1: mask[0][1]: 2, want 0 or 1`},
		{`{"inputs":2,"loss":"log","layers":[{"activation":"sigmoid","weights":[[1,2]],"mask":[[1]]}]}`, `layer 1: mask[0]: 1 values, want 2 (the columns of weights)`},
		{`{"inputs":2,"loss":"log","layers":[{"activation":"sigmoid","weights":[[1,2]],"mask":[[1,1],[1,1]]}]}`, `layer 1: mask: 2 rows, want 1 (the rows of weights)`},
		{`{"inputs":2,"loss":"log","layers":[{"activation":"sigmoid","weights":[[1,2]],"mask":[[1,0]]}]}`, `layer 1: weights[0][1]: 2 where mask is 0 (an absent connection has weight 0)`},
		{`{"inputs":2,"loss":"log","layers":[{"activation":"relu","weights":[[1,2]]}]}`, `layer 1: loss log needs outputs in (0, 1), but the output activation is relu (use sigmoid or softmax, or the squared loss)`},
		{`{"inputs":2,"loss":"cross-entropy","layers":[` + okLayer + `,{"activation":"identity","weights":[[1],[2]]}]}`, `layer 2: loss cross-entropy needs outputs in (0, 1), but the output activation is identity (use sigmoid or softmax, or the squared loss)`},
		{`{"inputs":2,"loss":"log","layers":[` + okLayer + `,{"activation":"sigmoid","weights":[[1,2]]}]}`, `layer 2: weights[0]: 2 values, want 1 (the outputs of the layer before)`},
		{`{"inputs":2,"loss":"log","layers":[{"activation":"leaky-relu","slope":"x","weights":[[1,2]]}]}`, `layer 1: slope: got a JSON string, want a number`},
	} {
		_, err := backprop.UnmarshalModel[float64]([]byte(tc.in))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s\n got: %v\nwant: %s", tc.in, err, tc.want)
		}
	}
	_, err := backprop.UnmarshalModel[float32]([]byte(`{"inputs":1,"loss":"squared","layers":[{"activation":"identity","weights":[[1e39]]}]}`))
	if want := "layer 1: weights[0][0]: 1e39 is not a finite 32-bit number"; err == nil || err.Error() != want {
		t.Errorf("float32 overflow: got %v, want %s", err, want)
	}
}

// TestModelRoundTrip: write → read gives the same network, bit for bit, and
// keeps unknown fields; the article's model (no format field) reads.
func TestModelRoundTrip(t *testing.T) {
	for _, rc := range loadCases(t) {
		in := rc.Model
		if rc.Name == "case-003-multiclass" { // unknown fields are kept
			in = append([]byte(`{"classes":["a","b"],"zz":{"n":1},`), bytes.TrimPrefix(bytes.TrimSpace(in), []byte("{"))...)
		}
		net, err := backprop.UnmarshalModel[float64](in)
		if err != nil {
			t.Fatalf("%s: %v", rc.Name, err)
		}
		data, err := net.MarshalModel()
		if err != nil {
			t.Fatal(err)
		}
		again, err := backprop.UnmarshalModel[float64](data)
		if err != nil {
			t.Fatalf("%s: reading back: %v\n%s", rc.Name, err, data)
		}
		data2, _ := again.MarshalModel()
		if !bytes.Equal(data, data2) {
			t.Errorf("%s: second write differs", rc.Name)
		}
		x := flat[float64](rc.X)
		o1 := append([]float64(nil), net.NewWorkspace(len(rc.X)).Forward(x)...)
		o2 := again.NewWorkspace(len(rc.X)).Forward(x)
		for i := range o1 {
			if o1[i] != o2[i] {
				t.Errorf("%s: output %d differs after a round trip: %v vs %v", rc.Name, i, o1[i], o2[i])
			}
		}
		if rc.Name == "case-003-multiclass" && (!bytes.Contains(data, []byte(`"classes": [`)) || !bytes.Contains(data, []byte(`"zz": {`))) {
			t.Errorf("unknown fields lost:\n%s", data)
		}
	}
}

func TestSaveAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.json")
	net, err := backprop.New[float32](3, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 4, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 2, Activation: backprop.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	if err := net.Save(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after Save, want 1 (no temp files left)", len(entries))
	}
	back, err := backprop.LoadModel[float32](path)
	if err != nil {
		t.Fatal(err)
	}
	for l, lay := range net.Layers {
		for k, w := range lay.W {
			if back.Layers[l].W[k] != w {
				t.Fatalf("layer %d weight %d: %v read back as %v", l+1, k, w, back.Layers[l].W[k])
			}
		}
	}
	// A failed save leaves the old file in place.
	net.Layers[0].W[0] = float32(posInf())
	if err := net.Save(path); err == nil || !strings.Contains(err.Error(), "not a finite number") {
		t.Errorf("saving a non-finite weight: %v", err)
	}
	if _, err := backprop.LoadModel[float32](path); err != nil {
		t.Errorf("the old model is damaged: %v", err)
	}
}

func posInf() float64 { var z float64; return 1 / z }

// FuzzReadModel: no input makes the reader panic, and whatever it accepts
// writes back and reads again to the same bytes.
func FuzzReadModel(f *testing.F) {
	for _, rc := range loadCases(f) {
		if rc.Name == "article-worked-example" || rc.Name == "case-001-mismatched-softmax" {
			var b bytes.Buffer
			json.Compact(&b, rc.Model)
			f.Add(b.Bytes())
		}
	}
	f.Add([]byte(`{"inputs":2,"loss":"log","layers":[{"activation":"sigmoid","weights":[[0.1,0.2]],"bias":[0.3],"mask":[[1,0]]}]}`))
	f.Add([]byte(`{"inputs":1,"loss":"squared","layers":[{"activation":"leaky-relu","slope":0.2,"weights":[[1]]}],"x":1}`))
	// A file as MarshalModel writes it, with its checksum.
	withSum, err := backprop.UnmarshalModel[float64]([]byte(`{"inputs":2,"loss":"log","layers":[{"activation":"tanh","weights":[[0.5,-1],[2,0.25]],"bias":[0,1]},{"activation":"sigmoid","weights":[[1,-1]]}],"classes":["a","b"]}`))
	if err != nil {
		f.Fatal(err)
	}
	sum, _ := withSum.MarshalModel()
	f.Add(sum)
	f.Add([]byte(`{"inputs":100000000,"loss":"squared","layers":[{"activation":"identity","weights":[[1,2]]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		net, err := backprop.UnmarshalModel[float64](data)
		if err != nil {
			return
		}
		out, err := net.MarshalModel()
		if err != nil {
			t.Fatalf("accepted model does not write: %v", err)
		}
		again, err := backprop.UnmarshalModel[float64](out)
		if err != nil {
			t.Fatalf("written model does not read: %v\n%s", err, out)
		}
		out2, _ := again.MarshalModel()
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip not stable:\n%s\n%s", out, out2)
		}
		if net.Inputs <= 64 {
			ws := net.NewWorkspace(1)
			ws.Forward(make([]float64, net.Inputs))
		}
	})
}
