package backprop_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/backprop-go/backprop"
)

// irisModel returns a small classifier with a full pipeline.
func irisModel(t testing.TB) *backprop.Model[float32] {
	t.Helper()
	net, err := backprop.New[float32](4, backprop.CrossEntropy, 7,
		backprop.LayerSpec{Units: 5, Activation: backprop.Tanh},
		backprop.LayerSpec{Units: 3, Activation: backprop.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	m, err := backprop.NewModel(net, backprop.Pipeline{
		Features: []backprop.Feature{{Name: "sl", Offset: 5.8, Scale: 1.2}, {Name: "sw", Offset: 3.1, Scale: 2.3}, {Name: "pl", Offset: 3.8, Scale: 0.57}, {Name: "pw", Offset: 1.2, Scale: 1.3}},
		Scaling:  "standard", Target: "species", Classes: []string{"setosa", "versicolor", "virginica"},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Provenance = &backprop.Provenance{Data: "iris", Fingerprint: "sha256:00",
		Split: &backprop.Split{Seed: 1, Test: 0.2, Val: 0.1, Stratified: true},
		Flags: map[string]string{"hidden": "5"}, Config: json.RawMessage(`{"epochs":3}`)}
	return m
}

var records = []float64{5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3, 5.9, 3.0, 4.2, 1.5}

// TestModelFileRoundTrip: Save then Load gives the same pipeline, provenance and
// bit-identical predictions.
func TestModelFileRoundTrip(t *testing.T) {
	m := irisModel(t)
	path := filepath.Join(t.TempDir(), "m.json")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := backprop.Load[float32](path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Pipeline, m.Pipeline) {
		t.Errorf("pipeline: %+v, want %+v", back.Pipeline, m.Pipeline)
	}
	if !reflect.DeepEqual(back.Provenance, m.Provenance) {
		t.Errorf("provenance: %+v, want %+v", back.Provenance, m.Provenance)
	}
	if back.Net.Extra != nil {
		t.Errorf("pipeline fields left in Extra: %v", back.Net.Extra)
	}
	p1, _ := m.Predict(nil, records)
	p2, _ := back.Predict(nil, records)
	if !reflect.DeepEqual(p1, p2) {
		t.Errorf("predictions %v, after a round trip %v", p1, p2)
	}
	again, _ := back.Marshal()
	first, _ := m.Marshal()
	if !bytes.Equal(again, first) {
		t.Error("a loaded model marshals to other bytes")
	}
}

// TestPredictByHand: Predict applies the features' transforms and the
// forward pass; Classify takes the most probable class; a binary model gives
// [1−o, o].
func TestPredictByHand(t *testing.T) {
	m := irisModel(t)
	p, err := m.Predict(nil, records)
	if err != nil {
		t.Fatal(err)
	}
	ws := m.Net.NewWorkspace(1)
	x0 := make([]float32, 4)
	for r := range 3 {
		for j, f := range m.Features {
			x0[j] = float32((records[r*4+j] - f.Offset) * f.Scale)
		}
		o := ws.Forward(x0)
		best := 0
		for k := range o {
			if float64(o[k]) != p[r*3+k] {
				t.Errorf("record %d: p[%d] = %v, by hand %v", r, k, p[r*3+k], o[k])
			}
			if o[k] > o[best] {
				best = k
			}
		}
		c, _ := m.Classify(nil, records[r*4:(r+1)*4])
		if c[0] != best {
			t.Errorf("record %d: class %d, by hand %d", r, c[0], best)
		}
	}
	if _, err := m.Predict(nil, records[:5]); err == nil {
		t.Error("5 values for 4 features: no error")
	}

	bin, _ := backprop.New[float64](2, backprop.Log, 3, backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
	bm, err := backprop.NewModel(bin, backprop.Pipeline{Classes: []string{"no", "yes"}})
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.5, -1, -3, 2}
	pb, _ := bm.Predict(nil, x)
	cb, _ := bm.Classify(nil, x)
	for r := range 2 {
		o := bin.NewWorkspace(1).Forward(x[r*2 : r*2+2])[0]
		if pb[2*r] != 1-o || pb[2*r+1] != o {
			t.Errorf("binary record %d: %v, want [%v %v]", r, pb[2*r:2*r+2], 1-o, o)
		}
		if want := map[bool]int{true: 1, false: 0}[o >= 0.5]; cb[r] != want {
			t.Errorf("binary record %d: class %d, o = %v", r, cb[r], o)
		}
	}
	reg, _ := backprop.New[float64](2, backprop.Squared, 3, backprop.LayerSpec{Units: 1, Activation: backprop.Identity})
	rm, _ := backprop.NewModel(reg, backprop.Pipeline{})
	if _, err := rm.Classify(nil, x); err == nil {
		t.Error("Classify on a regression model: no error")
	}
}

// TestPredictConcurrent: one model serves many goroutines at once, each
// getting what it gets alone (run with -race).
func TestPredictConcurrent(t *testing.T) {
	m := irisModel(t)
	x := make([]float64, 4*37)
	for i := range x {
		x[i] = records[i%len(records)] + float64(i%5)*0.1
	}
	want, _ := m.Predict(nil, x)
	wantC, _ := m.Classify(nil, x)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst, cls := make([]float64, len(want)), make([]int, len(wantC))
			for range 50 {
				got, _ := m.Predict(dst, x[g*4:])
				c, _ := m.Classify(cls, x[g*4:])
				if !reflect.DeepEqual(got, want[g*3:]) || !reflect.DeepEqual(c, wantC[g:]) {
					errs <- "goroutine " + strconv.Itoa(g) + ": another answer than alone"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestPredictAllocs: with the caller's buffers, Predict and Classify
// allocate nothing in the steady state.
func TestPredictAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	m := irisModel(t)
	dst, cls := make([]float64, 3*3), make([]int, 3)
	m.Predict(dst, records)
	if n := testing.AllocsPerRun(100, func() { m.Predict(dst, records) }); n != 0 {
		t.Errorf("Predict: %v allocations per call", n)
	}
	if n := testing.AllocsPerRun(100, func() { m.Classify(cls, records) }); n != 0 {
		t.Errorf("Classify: %v allocations per call", n)
	}
}

// BenchmarkPredict: one record per call, from 1 and 2 goroutines sharing
// one model, for the iris model (4 → 5 tanh → 3 softmax) and a digits-shaped
// one (64 → 128 relu → 64 relu → 10 softmax); ns/op is wall time per
// record, so 1e9/ns is records per second.
func BenchmarkPredict(b *testing.B) {
	digits, err := backprop.New[float32](64, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 128, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 64, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 10, Activation: backprop.Softmax})
	if err != nil {
		b.Fatal(err)
	}
	dm, _ := backprop.NewModel(digits, backprop.Pipeline{})
	x64 := make([]float64, 64)
	for j := range x64 {
		x64[j] = float64(j%17) / 16
	}
	for _, c := range []struct {
		name string
		m    *backprop.Model[float32]
		x    []float64
	}{{"iris", irisModel(b), records[:4]}, {"digits", dm, x64}} {
		for _, g := range []int{1, 2} {
			b.Run(c.name+"/goroutines="+strconv.Itoa(g), func(b *testing.B) {
				b.ReportAllocs()
				var wg sync.WaitGroup
				for i := range g {
					wg.Add(1)
					go func() {
						defer wg.Done()
						dst := make([]float64, c.m.Outputs())
						for n := i; n < b.N; n += g {
							c.m.Predict(dst, c.x)
						}
					}()
				}
				wg.Wait()
			})
		}
	}
}

// TestLegacyModel: a file written by backprop-model/1 (the command's
// "features" names, "scaler" and "training") loads, with its scaling in the
// features, and predicts what that version's `backprop predict` printed.
func TestLegacyModel(t *testing.T) {
	m, err := backprop.Load[float32]("testdata/iris-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	if m.Scaling != "standard" || len(m.Features) != 4 || m.Features[0].Name != "sepal_length" || m.Features[0].Scale == 1 {
		t.Errorf("pipeline: %+v", m.Pipeline)
	}
	if m.Provenance == nil || m.Provenance.Data != "iris" || m.Provenance.Flags["hidden"] != "8" || len(m.Provenance.History) == 0 {
		t.Errorf("provenance: %+v", m.Provenance)
	}
	f, err := os.Open("testdata/iris-v1.predict.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := csv.NewReader(f).ReadAll()
	x := irisRows(t)
	p, _ := m.Predict(nil, x)
	c, _ := m.Classify(nil, x)
	for r, row := range rows[1:] {
		if m.Label(c[r]) != row[1] {
			t.Errorf("row %d: %s, version 1 said %s", r+1, m.Label(c[r]), row[1])
		}
		for k := range 3 {
			// Version 1 ran 256 rows at once, this one record by record:
			// float32 sums in another order may move the 6th digit by one.
			if want, _ := strconv.ParseFloat(row[2+k], 64); math.Abs(p[r*3+k]-want) > 1.0000001e-6 {
				t.Errorf("row %d p[%d] = %.6f, version 1 said %s", r+1, k, p[r*3+k], row[2+k])
			}
		}
	}
}

// irisRows reads the four feature columns of the embedded iris set from the
// data package's copy.
func irisRows(t *testing.T) []float64 {
	t.Helper()
	b, err := os.ReadFile("data/embedded/iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var x []float64
	for _, rec := range recs[1:] {
		for _, s := range rec[:4] {
			v, err := strconv.ParseFloat(s, 32)
			if err != nil {
				t.Fatal(err)
			}
			x = append(x, float64(float32(v)))
		}
	}
	return x
}

// TestModelErrors: a pipeline that does not fit the network, a feature
// field of a later version and a later format are refused, each saying why.
func TestModelErrors(t *testing.T) {
	m := irisModel(t)
	good, _ := m.Marshal()
	for name, c := range map[string]struct{ old, new, want string }{
		"features": {`"name": "pw",`, `"name": "pw", "clip": 0,`, `features: json: unknown field "clip" (a field this version does not know: was the file written by a newer backprop?`},
		"format":   {`"format": "backprop-model/2"`, `"format": "backprop-model/3"`, `format: "backprop-model/3" is newer than this backprop reads (backprop-model/2): use a newer backprop`},
		"classes":  {`"virginica"`, `"virginica", "x"`, `classes: 4 for 3 outputs, want one per output`},
		"twice":    {`"name": "pw"`, `"name": "sl"`, `features[3]: "sl" appears twice`},
		"scaling":  {`"scaling": "standard"`, `"scaling": "robust"`, `scaling: "robust", want standard, minmax or none`},
	} {
		bad := strings.Replace(string(good), c.old, c.new, 1)
		bad = bad[:strings.Index(bad, `,
 "checksum"`)] + "\n}\n"
		if bad == string(good) {
			t.Fatalf("%s: unchanged", name)
		}
		_, err := backprop.Read[float32](strings.NewReader(bad))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
	// A feature without its scale is refused, not scaled by 0.
	_, err := backprop.Read[float32](strings.NewReader(`{"inputs":1,"loss":"squared","layers":[{"activation":"identity","weights":[[1]]}],"features":[{"name":"a","offset":1}]}`))
	if err == nil || !strings.Contains(err.Error(), `features: a feature needs "name", "offset" and "scale"`) {
		t.Errorf("a feature without scale: %v", err)
	}
}

// FuzzReadModelFile: whatever the model reader accepts, pipeline and
// provenance included, writes and reads back to the same file: a model the
// library saves is never one it refuses.
func FuzzReadModelFile(f *testing.F) {
	good, err := irisModel(f).Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	if v1, err := os.ReadFile("testdata/iris-v1.json"); err == nil {
		f.Add(v1)
	}
	f.Add([]byte(`{"inputs":1,"loss":"log","layers":[{"activation":"sigmoid","weights":[[1]]}],"features":["a"],"scaler":{"kind":"none"},"classes":["n","y"]}`))
	f.Add([]byte(`{"inputs":1,"loss":"squared","layers":[{"activation":"identity","weights":[[1]]}],"features":[{"name":"a","offset":1,"scale":2}],"target":"t"}`))
	f.Add([]byte(`{"inputs":3,"loss":"squared","layers":[{"activation":"identity","weights":[[1,2,3]]}],"features":[{"name":"a","offset":1,"scale":2,"fill":0.5},` +
		`{"name":"c","offset":0,"scale":1,"categories":["r","g"],"fill":1}],"target":"t","ignore":["id"],"unknown":"ignore","missing":"mean"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := backprop.Read[float64](bytes.NewReader(data))
		if err != nil {
			return
		}
		out, err := m.Marshal()
		if err != nil {
			t.Fatalf("accepted model does not write: %v", err)
		}
		back, err := backprop.Read[float64](bytes.NewReader(out))
		if err != nil {
			t.Fatalf("written model does not read: %v\n%s", err, out)
		}
		again, err := back.Marshal()
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("a second round trip changes the file (%v)", err)
		}
	})
}

func TestPipelineIgnore(t *testing.T) {
	net, err := backprop.New[float64](2, backprop.Squared, 1, backprop.LayerSpec{Units: 1, Activation: backprop.Identity})
	if err != nil {
		t.Fatal(err)
	}
	p := backprop.Pipeline{Features: []backprop.Feature{{Name: "a", Scale: 1}, {Name: "b", Scale: 1}}, Target: "y", Ignore: []string{"id", "note"}}
	m, err := backprop.NewModel(net, p)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := backprop.Read[float64](&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Ignore, []string{"id", "note"}) {
		t.Errorf("ignore read back as %q", back.Ignore)
	}
	for _, bad := range [][]string{{"a"}, {"id", "id"}, {""}, {"y"}} {
		p.Ignore = bad
		if _, err := backprop.NewModel(net, p); err == nil {
			t.Errorf("ignore %q accepted", bad)
		}
	}
}

func TestPipelineCategoricalEncode(t *testing.T) {
	fill, mode := 2.0, 1.0
	p := backprop.Pipeline{Features: []backprop.Feature{
		{Name: "x", Offset: 1, Scale: 0.5, Fill: &fill},
		{Name: "c", Scale: 1, Categories: []string{"a", "b", "c"}, Fill: &mode},
	}}
	if p.Width() != 4 {
		t.Fatalf("width %d", p.Width())
	}
	x := []float64{3, 2, math.NaN(), math.NaN(), 1, -1}
	got := backprop.Encode(&p, make([]float64, 12), x)
	want := []float64{1, 0, 0, 1, 0.5, 0, 1, 0, 0, 0, 0, 0}
	if !slices.Equal(got, want) {
		t.Errorf("Encode: %v, want %v", got, want)
	}
	if err := p.CheckRecords(x); err == nil || !strings.Contains(err.Error(), "not a category index") {
		t.Errorf("index -1 without Unknown ignore: %v", err)
	}
	p.Unknown = backprop.UnknownIgnore
	if err := p.CheckRecords(x); err != nil {
		t.Error(err)
	}
	r, err := p.Record(nil, []string{" 4.5", "c"})
	if err != nil || r[0] != 4.5 || r[1] != 2 {
		t.Errorf("Record: %v %v", r, err)
	}
	if r, err := p.Record(nil, []string{"", "zz"}); err != nil || !math.IsNaN(r[0]) || r[1] != -1 {
		t.Errorf("Record missing/unknown ignored: %v %v", r, err)
	}
	p.Unknown = ""
	if _, err := p.Record(nil, []string{"1", "zz"}); err == nil || !strings.Contains(err.Error(), `unknown category "zz"`) {
		t.Errorf("Record unknown: %v", err)
	}
	net, _ := backprop.New[float64](4, backprop.Squared, 1, backprop.LayerSpec{Units: 1, Activation: backprop.Identity})
	m, err := backprop.NewModel(net, p)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	m.Write(&buf)
	back, err := backprop.Read[float64](&buf)
	if err != nil || !reflect.DeepEqual(back.Pipeline, p) {
		t.Fatalf("round trip: %+v %v", back.Pipeline, err)
	}
	if _, err := m.Predict(nil, []float64{1, 7}); err == nil {
		t.Error("Predict of category index 7 of 3: accepted")
	}
	bad := 5.0
	p.Features[1].Fill = &bad
	if _, err := backprop.NewModel(net, p); err == nil {
		t.Error("a fill that is not a category index: accepted")
	}
}
