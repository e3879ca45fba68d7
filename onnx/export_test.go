package onnx

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/onnx/internal/onnxpb"
	"github.com/backprop-go/backprop/onnx/ortcheck"
)

// ortDir holds the onnxruntime-node script and its npm lock.
const ortDir = "testdata/ort"

// tol is the largest |onnxruntime − engine| allowed on any output.
const tol = 1e-5

// exportCase is a network trained a little on synthetic data, with the
// options it is exported with and raw inputs to run it on.
type exportCase struct {
	name string
	net  *backprop.Network[float32]
	opt  Options
	x    []float32 // raw inputs, rows×n_0
	rows int
}

// synthetic returns rows×n raw inputs whose columns have very different
// centres and spreads (column j ~ mean 10^(j%4 − 1)·(j+1), spread 10^(j%3 − 1)),
// so that scaling matters.
func synthetic(rng *rand.Rand, rows, n int) []float32 {
	x := make([]float32, rows*n)
	for r := range rows {
		for j := range n {
			mean := math.Pow(10, float64(j%4-1)) * float64(j+1)
			spread := math.Pow(10, float64(j%3-1))
			x[r*n+j] = float32(mean + spread*rng.NormFloat64())
		}
	}
	return x
}

// fit trains net on (x, y) by full-batch gradient descent, after scaling x
// with s (nil for none); it returns the scaled inputs.
func fit(t *testing.T, net *backprop.Network[float32], s *data.Scaler, x, y []float32, rows, steps int, alpha float32) {
	t.Helper()
	xs := scale(s, x, net.Inputs)
	ws := net.NewWorkspace(rows)
	first := 0.0
	var E float64
	for k := range steps {
		ws.Forward(xs)
		E = ws.Backward(y)
		if k == 0 {
			first = E
		}
		ws.Step(alpha / float32(rows))
	}
	if !(E < first) {
		t.Fatalf("training did not lower the loss: %v → %v", first, E)
	}
}

// scale returns a scaled copy of x, as backprop predict scales its inputs.
func scale(s *data.Scaler, x []float32, n int) []float32 {
	xs := slices.Clone(x)
	if s != nil {
		for r := 0; r < len(xs)/n; r++ {
			s.ApplyRow(xs[r*n : (r+1)*n])
		}
	}
	return xs
}

func fitScaler(t *testing.T, kind string, x []float32, rows, n int) *data.Scaler {
	t.Helper()
	s, err := data.FitScaler(&data.Dataset{X: x, N: rows, Features: n}, kind)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newNet(t *testing.T, inputs int, J backprop.Loss, seed uint64, specs ...backprop.LayerSpec) *backprop.Network[float32] {
	t.Helper()
	return newNetOf[float32](t, inputs, J, seed, specs...)
}

func newNetOf[T backprop.Float](t *testing.T, inputs int, J backprop.Loss, seed uint64, specs ...backprop.LayerSpec) *backprop.Network[T] {
	t.Helper()
	net, err := backprop.New[T](inputs, J, seed, specs...)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// cases trains the networks the tests export.
func cases(t *testing.T) []exportCase {
	rng := rand.New(rand.NewPCG(7, 7))
	const rows = 120
	var out []exportCase

	// A softmax classifier on standard-scaled inputs: 4 → 8 tanh → 3 softmax.
	{
		n := 4
		x := synthetic(rng, rows, n)
		s := fitScaler(t, data.ScaleStandard, x, rows, n)
		xs := scale(s, x, n)
		y := make([]float32, rows*3)
		for r := range rows {
			c := 0
			switch v := xs[r*n] + xs[r*n+2]; {
			case v > 0.7:
				c = 2
			case v > -0.7:
				c = 1
			}
			y[r*3+c] = 1
		}
		net := newNet(t, n, backprop.CrossEntropy, 1,
			backprop.LayerSpec{Units: 8, Activation: backprop.Tanh},
			backprop.LayerSpec{Units: 3, Activation: backprop.Softmax})
		fit(t, net, s, x, y, rows, 300, 0.5)
		out = append(out, exportCase{"softmax-standard", net, Options{Pipeline: pipeline(
			[]string{"sepal length", "sepal width", "petal length", "petal width"},
			"species", []string{"setosa", "versicolor", "virginica"}, s)}, x, rows})
	}

	// A sigmoid binary classifier on min-max-scaled inputs: 5 → 6 relu → 1 sigmoid.
	{
		n := 5
		x := synthetic(rng, rows, n)
		s := fitScaler(t, data.ScaleMinMax, x, rows, n)
		xs := scale(s, x, n)
		y := make([]float32, rows)
		for r := range rows {
			if xs[r*n+1]-xs[r*n+3] > 0 {
				y[r] = 1
			}
		}
		net := newNet(t, n, backprop.Log, 2,
			backprop.LayerSpec{Units: 6, Activation: backprop.ReLU},
			backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
		fit(t, net, s, x, y, rows, 300, 1)
		out = append(out, exportCase{"sigmoid-binary-minmax", net, Options{
			Pipeline: pipeline(nil, "", []string{"benign", "malignant"}, s)}, x, rows})
	}

	// An identity regression: 3 → 7 leaky-relu (slope 0.2) → 1 identity, no scaling.
	{
		n := 3
		x := make([]float32, rows*n)
		y := make([]float32, rows)
		for r := range rows {
			for j := range n {
				x[r*n+j] = float32(rng.NormFloat64())
			}
			y[r] = float32(math.Sin(float64(x[r*n])) + 0.5*float64(x[r*n+1]*x[r*n+2]))
		}
		net := newNet(t, n, backprop.Squared, 3,
			backprop.LayerSpec{Units: 7, Activation: backprop.LeakyReLU, Slope: 0.2},
			backprop.LayerSpec{Units: 1, Activation: backprop.Identity})
		fit(t, net, nil, x, y, rows, 300, 0.1)
		out = append(out, exportCase{"identity-regression", net, Options{Pipeline: backprop.Pipeline{Target: "y"}}, x, rows})
	}

	// A masked net with layers without bias: 4 → 5 sigmoid (masked, no bias)
	// → 3 relu (masked) → 2 softmax (no bias), standard scaling.
	{
		n := 4
		x := synthetic(rng, rows, n)
		s := fitScaler(t, data.ScaleStandard, x, rows, n)
		xs := scale(s, x, n)
		y := make([]float32, rows*2)
		for r := range rows {
			if xs[r*n]*xs[r*n+3] > 0 {
				y[r*2] = 1
			} else {
				y[r*2+1] = 1
			}
		}
		net := newNet(t, n, backprop.CrossEntropy, 4,
			backprop.LayerSpec{Units: 5, Activation: backprop.Sigmoid, NoBias: true},
			backprop.LayerSpec{Units: 3, Activation: backprop.ReLU},
			backprop.LayerSpec{Units: 2, Activation: backprop.Softmax, NoBias: true})
		for _, lay := range net.Layers[:2] {
			lay.Mask = make([]bool, len(lay.W))
			for k := range lay.Mask {
				lay.Mask[k] = (k*7)%3 != 0 // about a third absent
			}
		}
		net.Init(4)
		fit(t, net, s, x, y, rows, 300, 1)
		out = append(out, exportCase{"masked-no-bias", net, Options{Pipeline: pipeline(nil, "", nil, s)}, x, rows})
	}

	// Deep, two outputs: 6 → 10 leaky-relu (slope 0.05) → 6 tanh → 4 identity
	// → 2 identity, no metadata at all.
	{
		n := 6
		x := make([]float32, rows*n)
		y := make([]float32, rows*2)
		for r := range rows {
			for j := range n {
				x[r*n+j] = float32(2*rng.Float64() - 1)
			}
			y[r*2] = x[r*n] - x[r*n+5]
			y[r*2+1] = float32(math.Tanh(float64(3 * x[r*n+2])))
		}
		net := newNet(t, n, backprop.Squared, 5,
			backprop.LayerSpec{Units: 10, Activation: backprop.LeakyReLU, Slope: 0.05},
			backprop.LayerSpec{Units: 6, Activation: backprop.Tanh},
			backprop.LayerSpec{Units: 4, Activation: backprop.Identity},
			backprop.LayerSpec{Units: 2, Activation: backprop.Identity})
		fit(t, net, nil, x, y, rows, 300, 0.05)
		out = append(out, exportCase{"leaky-tanh-identity", net, Options{InputName: "x", OutputName: "o"}, x, rows})
	}
	return out
}

// TestOnnxruntimeAgrees exports each network, runs it in onnxruntime on raw
// inputs (a batch of all rows, and a batch of one, through the same file)
// and compares with the engine's float32 outputs on the scaled inputs.
func TestOnnxruntimeAgrees(t *testing.T) {
	ortcheck.Require(t, ortDir)
	dir := t.TempDir()
	cs := cases(t)
	var jobs []ortcheck.Job
	for _, c := range cs {
		b, err := Marshal(c.net, c.opt)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		path := filepath.Join(dir, c.name+".onnx")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs,
			ortcheck.Job{Model: path, X: c.x, Rows: c.rows, Cols: c.net.Inputs},
			ortcheck.Job{Model: path, X: c.x[:c.net.Inputs], Rows: 1, Cols: c.net.Inputs})
	}
	res := ortcheck.Run(t, ortDir, jobs)
	for i, c := range cs {
		want := c.net.NewWorkspace(c.rows).Forward(backprop.Encode(&c.opt.Pipeline, make([]float32, len(c.x)), c.x))
		inName, outName := cmp.Or(c.opt.InputName, DefaultInput), cmp.Or(c.opt.OutputName, DefaultOutput)
		worst := 0.0
		for k, r := range res[2*i : 2*i+2] {
			rows := []int{c.rows, 1}[k]
			if !slices.Equal(r.Dims, []int{rows, c.net.Outputs()}) || r.Type != "float32" {
				t.Errorf("%s: output %s %v, want float32 [%d %d]", c.name, r.Type, r.Dims, rows, c.net.Outputs())
				continue
			}
			if !slices.Equal(r.InputNames, []string{inName}) || !slices.Equal(r.OutputNames, []string{outName}) {
				t.Errorf("%s: input %v, output %v; want [%s], [%s]", c.name, r.InputNames, r.OutputNames, inName, outName)
			}
			d, at := ortcheck.MaxDiff(t, r.Output, want[:rows*c.net.Outputs()])
			if d > tol {
				n := c.net.Outputs()
				t.Errorf("%s: batch of %d: row %d output %d: onnxruntime %v, engine %v (|Δ| %.3g > %g)",
					c.name, rows, at/n, at%n, r.Output[at], want[at], d, tol)
			}
			worst = max(worst, d)
		}
		t.Logf("%-22s %-45s max |onnxruntime − engine| = %.3g over %d outputs", c.name, describe(c.net, c.opt, c.opt.Pipeline.Scaling != ""), worst, c.rows*c.net.Outputs())
	}
}

// TestGraph checks the exported graph itself: operators, opset, shapes,
// initializers (masked weights are zeros), metadata.
func TestGraph(t *testing.T) {
	for _, c := range cases(t) {
		b, err := Marshal(c.net, c.opt)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		m := &onnxpb.ModelProto{}
		if err := proto.Unmarshal(b, m); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if m.GetIrVersion() != 7 || len(m.GetOpsetImport()) != 1 || m.GetOpsetImport()[0].GetVersion() != 13 || m.GetOpsetImport()[0].GetDomain() != "" {
			t.Errorf("%s: IR %d, opsets %v; want IR 7, ai.onnx 13", c.name, m.GetIrVersion(), m.GetOpsetImport())
		}
		g := m.GetGraph()
		var ops []string
		for _, n := range g.GetNode() {
			ops = append(ops, n.GetOpType())
		}
		var want []string
		if c.opt.Pipeline.Scaling != "" {
			want = append(want, "Cast", "Sub", "Mul", "Cast")
		}
		for _, lay := range c.net.Layers {
			want = append(want, "Gemm", opNames[lay.Activation])
		}
		if !slices.Equal(ops, want) {
			t.Errorf("%s: operators %v, want %v", c.name, ops, want)
		}
		for _, v := range append(g.GetInput(), g.GetOutput()...) {
			dims := v.GetType().GetTensorType().GetShape().GetDim()
			if len(dims) != 2 || dims[0].GetDimParam() != "N" || dims[1].GetDimValue() == 0 {
				t.Errorf("%s: %s has shape %v, want [N, n]", c.name, v.GetName(), dims)
			}
		}
		inits := map[string]*onnxpb.TensorProto{}
		for _, tp := range g.GetInitializer() {
			inits[tp.GetName()] = tp
		}
		for l, lay := range c.net.Layers {
			W := inits["W"+strconv.Itoa(l+1)]
			if W == nil || !slices.Equal(W.GetDims(), []int64{int64(lay.Out), int64(lay.In)}) {
				t.Fatalf("%s: layer %d: W %v", c.name, l+1, W)
			}
			for k, w := range lay.W {
				got := math.Float32frombits(binary.LittleEndian.Uint32(W.GetRawData()[4*k:]))
				if got != w || (lay.Mask != nil && !lay.Mask[k] && got != 0) {
					t.Fatalf("%s: layer %d: W[%d] = %v, want %v", c.name, l+1, k, got, w)
				}
			}
			if _, ok := inits["b"+strconv.Itoa(l+1)]; ok != (lay.B != nil) {
				t.Errorf("%s: layer %d: bias initializer present %v, layer has bias %v", c.name, l+1, ok, lay.B != nil)
			}
		}
		meta := map[string]string{}
		for _, p := range m.GetMetadataProps() {
			meta[p.GetKey()] = p.GetValue()
		}
		if meta["loss"] != c.net.Loss.String() {
			t.Errorf("%s: metadata loss %q", c.name, meta["loss"])
		}
		var classes []string
		if s, ok := meta["classes"]; ok {
			if err := json.Unmarshal([]byte(s), &classes); err != nil {
				t.Errorf("%s: metadata classes %q: %v", c.name, s, err)
			}
		}
		if !slices.Equal(classes, c.opt.Pipeline.Classes) {
			t.Errorf("%s: metadata classes %v, want %v", c.name, classes, c.opt.Pipeline.Classes)
		}
		var names []string
		for _, f := range c.opt.Pipeline.Features {
			names = append(names, f.Name)
		}
		if got, _ := json.Marshal(names); names != nil && meta["features"] != string(got) {
			t.Errorf("%s: metadata features %q, want %s", c.name, meta["features"], got)
		}
		// Deterministic: the same network gives the same bytes.
		again, _ := Marshal(c.net, c.opt)
		if !bytes.Equal(b, again) {
			t.Errorf("%s: two exports differ", c.name)
		}
	}
}

// TestFloat64Network: a float64 network exports as its float32 conversion.
func TestFloat64Network(t *testing.T) {
	net, err := backprop.New[float64](3, backprop.Log, 9,
		backprop.LayerSpec{Units: 4, Activation: backprop.Tanh},
		backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Marshal(net, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Marshal(backprop.Convert[float32](net), Options{})
	if !bytes.Equal(a, b) {
		t.Error("a float64 network exports differently from its float32 conversion")
	}
	net.Layers[0].W[5] = 1e300
	if _, err := Marshal(net, Options{}); err == nil || err.Error() != "layer 1: weights[1][2]: 1e+300 overflows float32" {
		t.Errorf("overflow: %v", err)
	}
}

func TestOptionErrors(t *testing.T) {
	net := newNet(t, 2, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 3, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 2, Activation: backprop.Softmax})
	for _, tc := range []struct {
		opt  Options
		want string
	}{
		{Options{Pipeline: backprop.Pipeline{Features: []backprop.Feature{{Name: "a", Scale: 1}}}}, "features: 1, want 2 (one per input of the network)"},
		{Options{Pipeline: backprop.Pipeline{Classes: []string{"a", "b", "c"}}}, "classes: 3 for 2 outputs, want one per output"},
		{Options{Pipeline: backprop.Pipeline{Features: []backprop.Feature{{Name: "a", Scale: 1}, {Name: "b", Offset: math.Inf(1), Scale: 1}}}}, `features[1] "b": offset +Inf, scale 1, want finite numbers`},
		{Options{InputName: "z", OutputName: "z"}, `input and output are both named "z"`},
		{Options{InputName: "W1"}, `input name "W1" is taken by a value inside the graph (pick another)`},
		{Options{OutputName: "a1"}, `output name "a1" is taken by a value inside the graph (pick another)`},
	} {
		_, err := Marshal(net, tc.opt)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%+v: error %v, want %s", tc.opt, err, tc.want)
		}
	}
	net.Layers[1].Activation = backprop.Tanh // tanh with cross-entropy: invalid
	if _, err := Marshal(net, Options{}); err == nil || !strings.HasPrefix(err.Error(), "layer 2: ") {
		t.Errorf("invalid network: error %v", err)
	}
}

// pipeline is the pipeline of a model trained with scaler s (nil: none).
func pipeline(names []string, target string, classes []string, s *data.Scaler) backprop.Pipeline {
	p := backprop.Pipeline{Target: target, Classes: classes}
	n := len(names)
	if s != nil {
		n = max(n, len(s.Offset))
		p.Scaling = s.Kind
	}
	for j := range n {
		f := backprop.Feature{Name: "x" + strconv.Itoa(j+1), Scale: 1}
		if names != nil {
			f.Name = names[j]
		}
		if s != nil && s.Offset != nil {
			f.Offset, f.Scale = s.Offset[j], s.Scale[j]
		}
		p.Features = append(p.Features, f)
	}
	return p
}
