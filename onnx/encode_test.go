package onnx

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/onnx/internal/onnxpb"
	"github.com/backprop-go/backprop/onnx/ortcheck"
)

// encCase is a model whose pipeline has categorical features or fills, in
// float32 or float64 (one of net32, net64), with raw records to run it on.
type encCase struct {
	name  string
	net32 *backprop.Network[float32]
	net64 *backprop.Network[float64]
	p     backprop.Pipeline
	x     []float64 // raw records, rows×len(p.Features): indices, NaN, −1
	rows  int
}

func (c *encCase) marshal() ([]byte, error) {
	opt := Options{Pipeline: c.p}
	if c.net32 != nil {
		return Marshal(c.net32, opt)
	}
	return Marshal(c.net64, opt)
}

func (c *encCase) outputs() int {
	if c.net32 != nil {
		return c.net32.Outputs()
	}
	return c.net64.Outputs()
}

// tryPredict returns Model.Predict's answers on x.
func (c *encCase) tryPredict(x []float64) ([]float64, error) {
	if c.net32 != nil {
		m, err := backprop.NewModel(c.net32, c.p)
		if err != nil {
			return nil, err
		}
		return m.Predict(nil, x)
	}
	m, err := backprop.NewModel(c.net64, c.p)
	if err != nil {
		return nil, err
	}
	return m.Predict(nil, x)
}

// predict returns Model.Predict's answers on x, as the network's outputs
// (for one sigmoid output, the probability of the second class).
func (c *encCase) predict(t *testing.T, x []float64) []float64 {
	t.Helper()
	got, err := c.tryPredict(x)
	if err != nil {
		t.Fatalf("%s: Predict: %v", c.name, err)
	}
	if c.outputs() == 1 && c.p.Classes != nil {
		o := make([]float64, len(got)/2)
		for r := range o {
			o[r] = got[2*r+1]
		}
		return o
	}
	return got
}

// feature kinds for encCases.
func num(name string, offset, scale float64, fill ...float64) backprop.Feature {
	f := backprop.Feature{Name: name, Offset: offset, Scale: scale}
	if fill != nil {
		f.Fill = &fill[0]
	}
	return f
}

func cat(name string, k int, fill ...float64) backprop.Feature {
	f := backprop.Feature{Name: name, Scale: 1, Categories: make([]string, k)}
	for c := range k {
		f.Categories[c] = name + "_" + strconv.Itoa(c)
	}
	if fill != nil {
		f.Fill = &fill[0]
	}
	return f
}

// records draws rows raw records for p that Predict accepts: a missing
// value (NaN) in a tenth of the fields that have a fill, an unknown
// category (−1) in a tenth of the categorical ones when Unknown is
// "ignore", numbers about each feature's offset.
func records(rng *rand.Rand, p *backprop.Pipeline, rows int) []float64 {
	x := make([]float64, 0, rows*len(p.Features))
	for range rows {
		for _, f := range p.Features {
			var v float64
			switch {
			case f.Fill != nil && rng.IntN(10) == 0:
				v = math.NaN()
			case f.Categories != nil && p.Unknown == backprop.UnknownIgnore && rng.IntN(10) == 0:
				v = -1
			case f.Categories != nil:
				v = float64(rng.IntN(len(f.Categories)))
			default:
				v = float64(float32(f.Offset + rng.NormFloat64()/max(f.Scale, 1e-3)))
			}
			x = append(x, v)
		}
	}
	return x
}

// spread multiplies the weights so that the outputs spread over their range.
func spread[T backprop.Float](net *backprop.Network[T], by T) *backprop.Network[T] {
	for _, lay := range net.Layers {
		for k := range lay.W {
			lay.W[k] *= by
		}
	}
	return net
}

// encCases are models with categorical features (2, 3, 300 and
// MaxCategories categories) and fills, float32 and float64,
// classification and regression, scaled or not.
func encCases(t *testing.T) []encCase {
	rng := rand.New(rand.NewPCG(11, 11))
	const rows = 200
	var out []encCase
	add := func(name string, p backprop.Pipeline, net32 *backprop.Network[float32], net64 *backprop.Network[float64]) {
		out = append(out, encCase{name, net32, net64, p, records(rng, &p, rows), rows})
	}
	{ // float32 softmax: numbers with and without fills, 3 and 2 categories, unknown ignored
		p := backprop.Pipeline{Scaling: "standard", Unknown: backprop.UnknownIgnore, Missing: "mean",
			Features: []backprop.Feature{num("age", 40, 0.1, 38.5), cat("color", 3, 1), num("income", 3000, 0.001), cat("size", 2)},
			Classes:  []string{"a", "b", "c"}, Target: "kind"}
		add("f32-softmax-cat3-cat2-fills", p, spread(newNet(t, p.Width(), backprop.CrossEntropy, 1,
			backprop.LayerSpec{Units: 6, Activation: backprop.Tanh},
			backprop.LayerSpec{Units: 3, Activation: backprop.Softmax}), 3), nil)
	}
	{ // float64 regression, 300 categories, fills, two outputs
		p := backprop.Pipeline{Scaling: "minmax", Missing: "mean", Target: "y",
			Features: []backprop.Feature{num("x", -2, 0.25, 0.125), cat("city", 300, 17), num("z", 5, 2)}}
		add("f64-regression-cat300-fills", p, nil, spread(newNetOf[float64](t, p.Width(), backprop.Squared, 2,
			backprop.LayerSpec{Units: 8, Activation: backprop.ReLU},
			backprop.LayerSpec{Units: 2, Activation: backprop.Identity}), 2))
	}
	{ // float64 sigmoid: 2 categories (no fill), a filled number, unknown ignored
		p := backprop.Pipeline{Scaling: "standard", Unknown: backprop.UnknownIgnore, Missing: "mean",
			Features: []backprop.Feature{cat("yes_no", 2), num("dose", 1.5, 3, 1.25)}, Classes: []string{"healthy", "ill"}}
		add("f64-sigmoid-cat2-fill", p, nil, spread(newNetOf[float64](t, p.Width(), backprop.Log, 3,
			backprop.LayerSpec{Units: 5, Activation: backprop.LeakyReLU, Slope: 0.1},
			backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid}), 3))
	}
	{ // float32 fills only, no scaling, no categories
		p := backprop.Pipeline{Scaling: "none", Missing: "mean",
			Features: []backprop.Feature{num("a", 0, 1, 0.5), num("b", 0, 1), num("c", 0, 1, -3)}}
		add("f32-fills-only-unscaled", p, spread(newNet(t, p.Width(), backprop.Squared, 4,
			backprop.LayerSpec{Units: 4, Activation: backprop.Sigmoid},
			backprop.LayerSpec{Units: 1, Activation: backprop.Identity}), 2), nil)
	}
	{ // float32 softmax: MaxCategories categories and a number, no fills, unscaled
		p := backprop.Pipeline{Features: []backprop.Feature{cat("word", backprop.MaxCategories), num("n", 0, 1)},
			Classes: []string{"x", "y"}}
		add("f32-softmax-cat1024", p, spread(newNet(t, p.Width(), backprop.CrossEntropy, 5,
			backprop.LayerSpec{Units: 4, Activation: backprop.Tanh},
			backprop.LayerSpec{Units: 2, Activation: backprop.Softmax}), 4), nil)
	}
	return out
}

// TestOnnxruntimeEncoded runs the exported graphs of encCases in
// onnxruntime on raw records (category indices, NaN for missing values, −1
// for an unknown category) and compares with Model.Predict on the same
// records, to 1e-5·max(1, |o|) (the graph computes in float32, a float64
// model predicts in float64). It also runs records that Predict refuses
// (an index outside the categories or not whole, −1 without "unknown":
// "ignore", NaN without a fill), after a good one in the same batch: each
// gives a row of NaN (see Marshal), and the good one its answer.
func TestOnnxruntimeEncoded(t *testing.T) {
	ortcheck.Require(t, ortDir)
	dir := t.TempDir()
	cs := encCases(t)
	var jobs []ortcheck.Job
	bad := make([][]float64, len(cs)) // records Predict refuses
	for i := range cs {
		c := &cs[i]
		b, err := c.marshal()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		path := filepath.Join(dir, c.name+".onnx")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		n := len(c.p.Features)
		for j, f := range c.p.Features {
			var refused []float64
			switch {
			case f.Categories != nil:
				refused = []float64{float64(len(f.Categories)), 0.5, -7, 1e30}
				if c.p.Unknown != backprop.UnknownIgnore {
					refused = append(refused, -1)
				}
				if f.Fill == nil {
					refused = append(refused, math.NaN())
				}
			case f.Fill == nil:
				refused = []float64{math.NaN()}
			}
			for _, v := range refused {
				rec := slices.Clone(c.x[:n])
				rec[j] = v
				bad[i] = append(bad[i], rec...)
			}
		}
		jobs = append(jobs,
			ortcheck.Job{Model: path, X: float32s(c.x), Rows: c.rows, Cols: n},
			ortcheck.Job{Model: path, X: float32s(c.x[:n]), Rows: 1, Cols: n},
			ortcheck.Job{Model: path, X: float32s(append(slices.Clone(c.x[:n]), bad[i]...)), Rows: 1 + len(bad[i])/n, Cols: n})
	}
	res := ortcheck.Run(t, ortDir, jobs)
	for i := range cs {
		c := &cs[i]
		n, k := len(c.p.Features), c.outputs()
		want := c.predict(t, c.x)
		worst := 0.0
		for b, r := range res[3*i : 3*i+2] {
			rows := []int{c.rows, 1}[b]
			if !slices.Equal(r.Dims, []int{rows, k}) || r.Type != "float32" {
				t.Fatalf("%s: output %s %v, want float32 [%d %d]", c.name, r.Type, r.Dims, rows, k)
			}
			worst = max(worst, agree(t, c.name, r.Output, want[:rows*k], k))
		}
		// Records Predict refuses, after a good one: a row of NaN each.
		r := res[3*i+2]
		worst = max(worst, agree(t, c.name, r.Output[:k], want[:k], k))
		for rr := range len(bad[i]) / n {
			rec, got := bad[i][rr*n:(rr+1)*n], r.Output[(rr+1)*k:(rr+2)*k]
			if _, err := c.tryPredict(rec); err == nil {
				t.Errorf("%s: Predict accepts %v", c.name, rec)
			}
			if !slices.EqualFunc(got, got, func(a, _ float64) bool { return math.IsNaN(a) }) {
				t.Errorf("%s: record %v, which Predict refuses: onnxruntime %v, want NaN", c.name, rec, got)
			}
		}
		t.Logf("%-30s %s: %d records, max |onnxruntime − Predict| = %.3g", c.name, describe0(c), c.rows, worst)
	}
}

// agree compares onnxruntime's outputs with the model's, to
// 1e-5·max(1, |o|), and returns the largest difference.
func agree(t *testing.T, name string, got, want []float64, k int) float64 {
	t.Helper()
	worst := 0.0
	for q, w := range want {
		d := math.Abs(got[q] - w)
		if !(d <= 1e-5*max(1, math.Abs(w))) {
			t.Errorf("%s: row %d output %d: onnxruntime %v, Predict %v", name, q/k, q%k, got[q], w)
			return math.Inf(1)
		}
		worst = max(worst, d)
	}
	return worst
}

func describe0(c *encCase) string {
	opt := Options{Pipeline: c.p}
	if c.net32 != nil {
		return describe(c.net32, opt, c.p.Scaling != "none" && c.p.Scaling != "")
	}
	return describe(c.net64, opt, c.p.Scaling != "none" && c.p.Scaling != "")
}

func float32s(x []float64) []float32 {
	out := make([]float32, len(x))
	for k, v := range x {
		out[k] = float32(v)
	}
	return out
}

// TestEncodedGraph checks the graph of an encoded pipeline: the operators
// in order, the input [N×features], the constants (which feature each
// input of x⁰ reads, its category, the fills with NaN for none, the
// scaling of the inputs), the metadata with the categories' names, and
// that two exports give the same bytes.
func TestEncodedGraph(t *testing.T) {
	for _, c := range encCases(t) {
		b, err := c.marshal()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		m := &onnxpb.ModelProto{}
		if err := proto.Unmarshal(b, m); err != nil {
			t.Fatal(err)
		}
		g := m.GetGraph()
		p := &c.p
		filled, categorical := false, false
		for _, f := range p.Features {
			filled, categorical = filled || f.Fill != nil, categorical || f.Categories != nil
		}
		_, _, scaled := (&Options{Pipeline: c.p}).scaled()
		want := []string{"Cast"}
		if filled {
			want = append(want, "IsNaN", "Where")
		}
		want = append(want, "GreaterOrEqual", "LessOrEqual", "Floor", "Equal", "Or", "And", "And", "Cast", "ReduceMin", "Cast", "Where")
		if categorical {
			want = append(want, "Gather")
		}
		if scaled {
			want = append(want, "Sub", "Mul")
		}
		if categorical {
			want = append(want, "Equal", "Cast", "Where")
		}
		want = append(want, "Cast", "Gemm")
		var ops []string
		for _, n := range g.GetNode()[:len(want)] {
			ops = append(ops, n.GetOpType())
		}
		if last := g.GetNode()[len(g.GetNode())-1]; last.GetOpType() != "Add" || !slices.Equal(last.GetInput()[1:], []string{"refused"}) {
			t.Errorf("%s: the last node is %s %v, want Add(a^L, refused)", c.name, last.GetOpType(), last.GetInput())
		}
		if !slices.Equal(ops, want) {
			t.Errorf("%s: operators %v, want %v", c.name, ops, want)
		}
		dims := g.GetInput()[0].GetType().GetTensorType().GetShape().GetDim()
		if len(dims) != 2 || dims[0].GetDimParam() != "N" || dims[1].GetDimValue() != int64(len(p.Features)) {
			t.Errorf("%s: input shape %v, want [N, %d] (one value per feature)", c.name, dims, len(p.Features))
		}
		consts := map[string]*tensor{}
		for _, tp := range g.GetInitializer() {
			v, err := decodeTensor(tp)
			if err != nil {
				t.Fatalf("%s: %s: %v", c.name, tp.GetName(), err)
			}
			consts[tp.GetName()] = v
		}
		var expand, category, offset, scale, onehot, fill []float64
		for j, f := range p.Features {
			v := math.NaN()
			if f.Fill != nil {
				v = *f.Fill
			}
			fill = append(fill, v)
			if f.Categories == nil {
				expand, category, onehot = append(expand, float64(j)), append(category, -1), append(onehot, 0)
				offset, scale = append(offset, f.Offset), append(scale, f.Scale)
			}
			for k := range f.Categories {
				expand, category, onehot = append(expand, float64(j)), append(category, float64(k)), append(onehot, 1)
				offset, scale = append(offset, 0), append(scale, 1)
			}
		}
		for name, v := range map[string][]float64{"fill": fill, "expand": expand, "category": category, "onehot": onehot,
			"scaler_offset": offset, "scaler_scale": scale} {
			present := map[string]bool{"fill": filled, "expand": categorical, "category": categorical, "onehot": categorical,
				"scaler_offset": scaled, "scaler_scale": scaled}[name]
			got := consts[name]
			switch {
			case (got != nil) != present:
				t.Errorf("%s: constant %q present %v, want %v", c.name, name, got != nil, present)
			case got != nil && !slices.EqualFunc(got.v, v, func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }):
				t.Errorf("%s: constant %q = %v, want %v", c.name, name, got.v, v)
			}
		}
		meta := map[string]string{}
		for _, e := range m.GetMetadataProps() {
			meta[e.GetKey()] = e.GetValue()
		}
		var cats map[string][]string
		if categorical {
			if err := json.Unmarshal([]byte(meta["categories"]), &cats); err != nil {
				t.Errorf("%s: metadata categories %q: %v", c.name, meta["categories"], err)
			}
		}
		for _, f := range p.Features {
			if !slices.Equal(cats[f.Name], f.Categories) {
				t.Errorf("%s: metadata categories of %q: %v, want %v", c.name, f.Name, cats[f.Name], f.Categories)
			}
		}
		if meta["unknown"] != p.Unknown || meta["missing"] != p.Missing {
			t.Errorf("%s: metadata unknown %q, missing %q; want %q, %q", c.name, meta["unknown"], meta["missing"], p.Unknown, p.Missing)
		}
		again, _ := c.marshal()
		if !bytes.Equal(b, again) {
			t.Errorf("%s: two exports differ", c.name)
		}
	}
}

// TestEncodedGraphSize: the encoding costs a few constants of one value
// per input of x⁰ and nine nodes, whatever the number of features and
// categories: at most 40 bytes per input beside the weights (W¹ alone
// takes 4·n_1 per input), so MaxCategories categories stay far within
// MaxModelBytes, as the weights bound them.
func TestEncodedGraphSize(t *testing.T) {
	for _, c := range encCases(t) {
		b, err := c.marshal()
		if err != nil {
			t.Fatal(err)
		}
		var plain []byte
		if c.net32 != nil {
			plain, err = Marshal(c.net32, Options{})
		} else {
			plain, err = Marshal(c.net64, Options{})
		}
		if err != nil {
			t.Fatal(err)
		}
		meta := 0
		for _, f := range c.p.Features {
			meta += len(f.Name) + 8
			for _, s := range f.Categories {
				meta += len(s) + 3
			}
		}
		inputs := c.p.Width()
		if extra := len(b) - len(plain); extra > 40*inputs+2*meta+2048 {
			t.Errorf("%s: the encoding adds %d bytes for %d inputs (%d of names)", c.name, extra, inputs, meta)
		}
	}
}

// TestEncodedRefusals: what Marshal still refuses in an encoded pipeline
// is a pipeline that does not fit the network, each a clear error.
func TestEncodedRefusals(t *testing.T) {
	net := newNet(t, 4, backprop.CrossEntropy, 1, backprop.LayerSpec{Units: 2, Activation: backprop.Softmax})
	fill := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		p    backprop.Pipeline
		want string
	}{
		{backprop.Pipeline{Features: []backprop.Feature{cat("c", 3), cat("d", 2)}}, "features: 5 inputs, want 4 (one per input of the network; a categorical feature gives one per category)"},
		{backprop.Pipeline{Features: []backprop.Feature{cat("c", 3), {Name: "n", Scale: 1, Fill: fill(math.NaN())}}}, `features[1] "n": fill NaN: want a finite number (a category index for a categorical feature)`},
		{backprop.Pipeline{Features: []backprop.Feature{{Name: "c", Scale: 1, Categories: []string{"a", "b", "c"}, Fill: fill(3)}, num("n", 0, 1)}}, `features[0] "c": fill 3: want a finite number (a category index for a categorical feature)`},
		{backprop.Pipeline{Features: []backprop.Feature{{Name: "c", Scale: 1, Categories: []string{"a", "a", "b"}}, num("n", 0, 1)}}, `features[0] "c": categories[1]: "a" is empty or appears twice`},
		{backprop.Pipeline{Features: []backprop.Feature{cat("c", 3), num("c", 0, 1)}}, `features[1]: "c" appears twice`},
	} {
		_, err := Marshal(net, Options{Pipeline: tc.p})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v: error %v, want %s", tc.p.Features, err, tc.want)
		}
	}
	// A value name the encoding uses cannot name the input.
	p := backprop.Pipeline{Features: []backprop.Feature{cat("c", 3), num("n", 0, 1)}}
	if _, err := Marshal(net, Options{Pipeline: p, InputName: "expand"}); err == nil || err.Error() != `input name "expand" is taken by a value inside the graph (pick another)` {
		t.Errorf("input named expand: %v", err)
	}
}

// TestEncodedRoundTrip: Unmarshal reads an encoded graph back into the
// same network and pipeline (categories, fills, unknown, missing, ignore),
// exporting it again gives the same bytes, and the model it makes predicts
// exactly what the exported one predicts (in float32: a float64 network
// exports as its float32 conversion).
func TestEncodedRoundTrip(t *testing.T) {
	for _, c := range encCases(t) {
		c.p.Ignore = []string{"id"}
		b, err := c.marshal()
		if err != nil {
			t.Fatal(err)
		}
		net, opt, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(opt.Pipeline, c.p) {
			t.Errorf("%s: pipeline\n%+v, want\n%+v", c.name, opt.Pipeline, c.p)
		}
		again, err := Marshal(net, opt)
		if err != nil || !bytes.Equal(again, b) {
			t.Errorf("%s: exporting the imported network gives other bytes (%v)", c.name, err)
		}
		orig := c.net32
		if orig == nil {
			orig = backprop.Convert[float32](c.net64)
		}
		m1, err1 := backprop.NewModel(orig, c.p)
		m2, err2 := backprop.NewModel(backprop.Convert[float32](net), opt.Pipeline)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", c.name, err1, err2)
		}
		p1, err1 := m1.Predict(nil, c.x)
		p2, err2 := m2.Predict(nil, c.x)
		if err1 != nil || err2 != nil || !slices.Equal(p1, p2) {
			t.Errorf("%s: predictions differ after export and import (%v %v)", c.name, err1, err2)
		}
	}
}

// TestEncodedImportRefusals: an encoded graph that is not what Marshal
// writes for the pipeline it holds is refused, in one line that says so.
func TestEncodedImportRefusals(t *testing.T) {
	c := encCases(t)[0]
	b, err := c.marshal()
	if err != nil {
		t.Fatal(err)
	}
	const notOurs = "the graph encodes its input (categorical features or fills), but not as backprop export writes it, the only encoding read back: "
	for _, tc := range []struct {
		name string
		edit func(m *onnxpb.ModelProto)
		want string
	}{
		{"a category index changed", func(m *onnxpb.ModelProto) { setDouble(m, "category", 2, 7) },
			notOurs + `initializer "category" differs from the one written for the pipeline it gives`},
		{"a fill changed", func(m *onnxpb.ModelProto) { setDouble(m, "valid_hi", 1, 5) },
			notOurs + `initializer "valid_hi" differs from the one written for the pipeline it gives`},
		{"the refusal left out", func(m *onnxpb.ModelProto) {
			g := m.Graph
			g.Node[len(g.Node)-2].Output[0] = g.Output[0].GetName()
			g.Node = g.Node[:len(g.Node)-1]
		}, notOurs + "it has no Gemm layer, or does not end in Add(a^L, refused)"},
		{"an operator swapped", func(m *onnxpb.ModelProto) { m.Graph.Node[3].OpType = proto.String("Greater") },
			notOurs + "node 4 (valid_ge, Greater) differs"},
		{"no categories' names", func(m *onnxpb.ModelProto) { dropMeta(m, "categories") },
			`metadata categories: feature "color" has 0 categories, the graph 3 one-hot inputs`},
		{"no valid_lo", func(m *onnxpb.ModelProto) { rename(m, "valid_lo", "lo") },
			notOurs + `no constant "valid_lo" of 4 values, one per input column`},
		{"expand out of order", func(m *onnxpb.ModelProto) { setInt64(m, "expand", 0, 3) },
			notOurs + "input 6 of x⁰ reads column 4, out of order"},
	} {
		m := &onnxpb.ModelProto{}
		if err := proto.Unmarshal(b, m); err != nil {
			t.Fatal(err)
		}
		tc.edit(m)
		bad, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := Unmarshal(bad); err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v\nwant %s", tc.name, err, tc.want)
		}
	}
}

func initializer(m *onnxpb.ModelProto, name string) *onnxpb.TensorProto {
	for _, t := range m.Graph.Initializer {
		if t.GetName() == name {
			return t
		}
	}
	panic(name)
}

func setDouble(m *onnxpb.ModelProto, name string, k int, v float64) {
	binary.LittleEndian.PutUint64(initializer(m, name).RawData[8*k:], math.Float64bits(v))
}

func setInt64(m *onnxpb.ModelProto, name string, k int, v int64) {
	binary.LittleEndian.PutUint64(initializer(m, name).RawData[8*k:], uint64(v))
}

func rename(m *onnxpb.ModelProto, from, to string) {
	initializer(m, from).Name = proto.String(to)
	for _, n := range m.Graph.Node {
		for k, in := range n.Input {
			if in == from {
				n.Input[k] = to
			}
		}
	}
}

func dropMeta(m *onnxpb.ModelProto, key string) {
	m.MetadataProps = slices.DeleteFunc(m.MetadataProps, func(e *onnxpb.StringStringEntryProto) bool { return e.GetKey() == key })
}

// TestGraphTooLarge: a graph beyond what Read accepts is refused, from its
// sizes before it is built when the weights and the encoding's constants
// already pass the limit, else from the exact size before it is written
// (here with the limit lowered, so that a small model shows both).
func TestGraphTooLarge(t *testing.T) {
	c := encCases(t)[4] // 1025 inputs of x⁰ from MaxCategories categories and a number
	b, err := c.marshal()
	if err != nil {
		t.Fatal(err)
	}
	defer func(n int) { maxGraphBytes = n }(maxGraphBytes)
	lower := graphBytes(c.net32, &c.p)
	if lower > len(b) || lower < 4*len(c.net32.Layers[0].W) {
		t.Fatalf("graphBytes %d, the file %d bytes", lower, len(b))
	}
	for _, tc := range []struct{ limit, size int }{{lower - 1, lower}, {len(b) - 1, len(b)}} {
		maxGraphBytes = tc.limit
		_, err := c.marshal()
		want := fmt.Sprintf("the ONNX file would take %d bytes or more, beyond the limit of %d (onnx.MaxModelBytes, what import reads)", tc.size, tc.limit)
		if err == nil || err.Error() != want {
			t.Errorf("limit %d: %v\nwant %s", tc.limit, err, want)
		}
	}
	maxGraphBytes = len(b)
	if _, err := c.marshal(); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}
