package serve

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/onnx"
)

func irisCSV(t *testing.T) string {
	t.Helper()
	r, err := data.OpenEmbedded("iris")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// download fetches the session's model in format (json, onnx).
func download(t *testing.T, s http.Handler, id, format string) []byte {
	t.Helper()
	var f fileJSON
	if code, body := api(t, s, "GET", "/api/sessions/"+id+"/model?format="+format, nil, &f); code != 200 {
		t.Fatalf("model %s: %d %s", format, code, body)
	}
	if len(f.Base64) == 0 || f.Name == "" {
		t.Fatalf("model %s: %q, %d bytes", format, f.Name, len(f.Base64))
	}
	return f.Base64
}

// predictCSV predicts every row of csv with the model file m as `backprop
// predict` does: the model read in float32, the rows read with the
// model's features and classes, Classify on each raw record.
func predictCSV(t *testing.T, file []byte, csv string) []string {
	t.Helper()
	m, err := backprop.Read[float32](bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	d, err := data.ReadCSV(strings.NewReader(csv), "t.csv", data.CSVOptions{Target: m.Target, Features: m.FeatureNames(),
		Classes: m.Classes, Categories: categoriesOf(m), Missing: m.Missing, Task: data.TaskClassification})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	x := make([]float64, d.Features)
	for i := range d.N {
		for j, v := range d.Row(i) {
			x[j] = float64(v)
		}
		k, err := m.Classify(nil, x)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.Label(k[0]))
	}
	return got
}

func categoriesOf(m *backprop.Model[float32]) map[string][]string {
	c := map[string][]string{}
	for _, f := range m.Features {
		if f.Categories != nil {
			c[f.Name] = f.Categories
		}
	}
	return c
}

// TestTableIris: iris dropped into the page trains a three-class softmax
// network with its own pipeline, and the model file downloaded predicts
// every row as the page does; the ONNX file holds the same network.
func TestTableIris(t *testing.T) {
	s := New(Limits{}, nil)
	st := newSession(t, s, map[string]any{"hidden": []LayerConfig{{8, "tanh"}}, "learning_rate": 0.03})
	iris := irisCSV(t)
	if code, body := api(t, s, "POST", "/api/sessions/"+st.ID+"/table", map[string]any{"name": "iris.csv", "csv": iris, "view": []string{"petal_length", "petal_width"}}, &st); code != 200 {
		t.Fatalf("table: %d %s", code, body)
	}
	tab := st.Table
	c := st.Config
	if c.Dataset != "csv" || c.Output != "softmax" || c.Loss != "cross-entropy" || tab == nil || len(tab.Classes) != 3 ||
		tab.Rows != 150 || st.Network.Inputs != 4 || len(st.Network.Layers[1].Weights) != 3 {
		t.Fatalf("state after the table: config %+v, table %+v, network %d inputs", c, tab, st.Network.Inputs)
	}
	if tab.View != [2]string{"petal_length", "petal_width"} || !slices.Equal(tab.Held, tab.Columns[:2]) || !slices.Equal(st.Inputs, tab.Columns[:4]) {
		t.Errorf("view %v, held %v, inputs %v", tab.View, tab.Held, st.Inputs)
	}
	var res trainResult
	for range 10 {
		if code, body := api(t, s, "POST", "/api/sessions/"+st.ID+"/train", map[string]int{"steps": 300}, &res); code != 200 {
			t.Fatalf("train: %d %s", code, body)
		}
	}
	var got state
	if code, body := api(t, s, "GET", "/api/sessions/"+st.ID+"?grid=20&neurons=8&data=1", nil, &got); code != 200 {
		t.Fatalf("state: %d %s", code, body)
	}
	if res.TestLoss > 0.3 {
		t.Errorf("test loss %v after %d steps, want < 0.3", res.TestLoss, res.Total)
	}
	// The output map colours by class: all three appear.
	if b := got.Boundary; b == nil || len(b.Class) != 400 || len(slices.Compact(slices.Sorted(slices.Values(b.Class)))) != 3 {
		t.Errorf("the output map's classes: %+v", b)
	}
	if n := len(got.Neurons); n != 4+8+3 || got.Neurons[0].Layer != 0 {
		t.Errorf("%d neuron maps, want the 4 inputs', 8 hidden and 3 outputs'", n)
	}
	pred := got.Table.Predicted
	if len(pred) != 150 || len(got.Table.Records) != 150 || got.Table.Records[149] != 150 {
		t.Fatalf("%d predictions, %d records", len(pred), len(got.Table.Records))
	}
	file := download(t, s, st.ID, "json")
	if !bytes.Contains(file, []byte(`"format": "backprop-model/2"`)) {
		t.Errorf("the model file is not backprop-model/2:\n%.300s", file)
	}
	if cli := predictCSV(t, file, iris); !slices.Equal(cli, pred) {
		t.Errorf("the model file predicts\n%v\nthe page\n%v", cli, pred)
	}
	truth, err := data.ReadCSV(strings.NewReader(iris), "iris.csv", data.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	right := 0
	for i, c := range truth.Labels {
		if truth.Classes[c] == pred[i] {
			right++
		}
	}
	if right < 135 {
		t.Errorf("%d of 150 rows classified right, want at least 135", right)
	}

	// Step mode on a row: the four inputs, the three outputs.
	var step stepResult
	if code, body := api(t, s, "POST", "/api/sessions/"+st.ID+"/step", map[string]any{"set": "train", "index": 3, "apply": false}, &step); code != 200 ||
		len(step.X) != 4 || len(step.OutputAfter) != 3 || len(step.Y) != 3 {
		t.Errorf("a step on a row of the table: %d %.300s", code, body)
	}

	// ONNX: the same weights, the pipeline's scaling and classes.
	net, opt, err := onnx.Unmarshal(download(t, s, st.ID, "onnx"))
	if err != nil {
		t.Fatal(err)
	}
	ss := s.sessions[st.ID]
	if !slices.Equal(opt.Pipeline.Classes, tab.Classes) || net.Outputs() != 3 || net.Inputs != 4 {
		t.Errorf("ONNX: classes %v, %d inputs, %d outputs", opt.Pipeline.Classes, net.Inputs, net.Outputs())
	}
	for l, lay := range net.Layers {
		for k, w := range lay.W {
			if want := ss.net.Layers[l].W[k]; w != float64(float32(want)) {
				t.Fatalf("ONNX w%d[%d] = %v, want %v", l+1, k, w, want)
			}
		}
	}
}

// TestTableHeldAtMeans: on the maps, the inputs of the columns not shown
// are their means over the training part (a category's one-hot inputs its
// frequencies); the two shown vary. A category column and a missing value
// go through the model's pipeline, which the ONNX file carries too.
func TestTableHeldAtMeans(t *testing.T) {
	csv := "a,b,colour,c,label\n"
	for i := range 40 {
		colour := []string{"red", "green", "blue"}[i%3]
		c := "NA"
		if i != 7 {
			c = strings.Repeat("1", 1+i%2)
		}
		csv += strings.Join([]string{strconv.Itoa(i), strconv.Itoa(40 - i*i%7), colour, c, []string{"yes", "no"}[i%2]}, ",") + "\n"
	}
	s := New(Limits{}, nil)
	st := newSession(t, s, nil)
	if code, body := api(t, s, "POST", "/api/sessions/"+st.ID+"/table", map[string]any{"name": "t.csv", "csv": csv, "view": []string{"b", "c"}}, &st); code != 200 {
		t.Fatalf("table: %d %s", code, body)
	}
	tab := st.Table
	if tab.Dropped != 1 || tab.Rows != 39 || !slices.Equal(st.Inputs, []string{"a", "b", "colour=blue", "colour=green", "colour=red", "c"}) ||
		st.Config.Output != "sigmoid" || st.Config.Loss != "log" || !slices.Equal(tab.Held, []string{"a", "colour"}) {
		t.Fatalf("table %+v, inputs %v, output %s, loss %s", tab, st.Inputs, st.Config.Output, st.Config.Loss)
	}
	ss := s.sessions[st.ID]
	n, F := ss.trainSet.N, ss.net.Inputs
	mean := make([]float64, F)
	for i := range n {
		for k := range F {
			mean[k] += ss.trainSet.X[i*F+k] / float64(n)
		}
	}
	x := ss.at([]float64{-1, -1, 1, 1})
	for k, held := range []bool{true, false, true, true, true, false} {
		if held && (x[k] != mean[k] || x[F+k] != mean[k]) {
			t.Errorf("input %s: %v and %v, want its mean %v", st.Inputs[k], x[k], x[F+k], mean[k])
		}
		if !held && x[k] >= x[F+k] {
			t.Errorf("input %s: %v at the bottom left, %v at the top right", st.Inputs[k], x[k], x[F+k])
		}
	}
	if sum := mean[2] + mean[3] + mean[4]; math.Abs(sum-1) > 1e-12 {
		t.Errorf("the colour's frequencies add up to %v", sum)
	}
	file := download(t, s, st.ID, "json")
	var got state
	api(t, s, "GET", "/api/sessions/"+st.ID+"?data=1", nil, &got)
	if cli := predictCSV(t, file, csv); !slices.Equal(cli, got.Table.Predicted) || got.Table.Records[7] != 9 {
		t.Errorf("the model file predicts %v, the page %v (records %v)", cli, got.Table.Predicted, got.Table.Records)
	}
	// ONNX carries the whole pipeline: read back, it is the model file's.
	m, err := backprop.Read[float64](bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	net, opt, err := onnx.Unmarshal(download(t, s, st.ID, "onnx"))
	if err != nil || !reflect.DeepEqual(opt.Pipeline, m.Pipeline) || net.Inputs != m.Net.Inputs {
		t.Errorf("ONNX of a categorical pipeline: %v\n%+v, want\n%+v", err, opt.Pipeline, m.Pipeline)
	}
}

// TestBadTables: a file that cannot be trained on is a 400 that says why
// and names the field; the session is left as it was.
func TestBadTables(t *testing.T) {
	s := New(Limits{MaxPoints: 100, MaxClasses: 3, MaxInputs: 5}, nil)
	iris := irisCSV(t)
	for _, c := range []struct {
		name, csv, field, want string
		view                   []string
		target                 string
	}{
		{"empty", "", "table", "empty file", nil, ""},
		{"header only", "a,b,y\n", "table", "", nil, ""},
		{"a ragged row", "a,b,y\n1,2,x\n1,2\n", "table", "t.csv:3", nil, ""},
		{"a regression target", "a,b,y\n1,2,0.5\n2,3,0.25\n3,1,0.125\n", "target", "holds numbers", nil, ""},
		{"one numeric column", "a,y\n1,x\n2,y\n", "table", "want two for the maps", nil, ""},
		{"over the rows limit", iris, "table", "150 rows, want at most 100", nil, ""},
		{"over the classes limit", "a,b,y\n1,2,p\n2,3,q\n3,1,r\n4,4,s\n", "target", "4 classes, want at most 3", nil, ""},
		{"over the inputs limit", "a,b,c,y\n1,2,u,p\n2,3,v,q\n3,1,w,p\n4,4,x,q\n5,5,z,p\n", "table", "7 inputs", nil, ""},
		{"an unknown view column", "a,b,y\n1,2,p\n2,3,q\n", "view[1]", "not a numeric feature column", []string{"a", "zz"}, ""},
		{"one view column", "a,b,y\n1,2,p\n2,3,q\n", "view", "want two different", []string{"a"}, ""},
		{"an unknown target", "a,b,y\n1,2,p\n2,3,q\n", "table", "no target column", nil, "nope"},
		{"binary garbage", "\x00\x01\xff\xfe,\n\xff", "table", "", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := newSession(t, s, map[string]any{"points": 100})
			ss := s.sessions[st.ID]
			before := snapshot(ss)
			var e apiError
			req := map[string]any{"name": "t.csv", "csv": c.csv, "target": c.target}
			if c.view != nil {
				req["view"] = c.view
			}
			code, body := api(t, s, "POST", "/api/sessions/"+st.ID+"/table", req, nil)
			json.Unmarshal([]byte(body), &e)
			if code != 400 || e.Field != c.field || !strings.Contains(e.Error, c.want) {
				t.Errorf("%d %s; want 400, field %s, %q", code, body, c.field, c.want)
			}
			if after := snapshot(ss); after != before || ss.table != nil {
				t.Errorf("the session changed:\n%s\n%s", before, after)
			}
		})
	}
	// Without a table, dataset csv is refused.
	st := newSession(t, s, map[string]any{"points": 100})
	if code, body := api(t, s, "PUT", "/api/sessions/"+st.ID+"/config", map[string]any{"dataset": "csv"}, nil); code != 400 || !strings.Contains(body, "no table yet") {
		t.Errorf("csv without a table: %d %s", code, body)
	}
}

// TestTableChoices: the target and the maps' columns change with PUT
// .../config, each change applied (a list of the same length included),
// the output and loss following the classes of a new target.
func TestTableChoices(t *testing.T) {
	s := New(Limits{}, nil)
	st := newSession(t, s, nil)
	api(t, s, "POST", "/api/sessions/"+st.ID+"/table", map[string]any{"name": "iris.csv", "csv": irisCSV(t)}, &st)
	for _, view := range [][]string{{"petal_length", "sepal_width"}, {"petal_length", "petal_width"}, {"sepal_width", "sepal_length"}} {
		if code, body := api(t, s, "PUT", "/api/sessions/"+st.ID+"/config", map[string]any{"view": view}, &st); code != 200 || st.Table.View != [2]string(view) {
			t.Fatalf("view %v: %d, %v %s", view, code, st.Table.View, body)
		}
	}
	// features of the same length, too
	api(t, s, "PUT", "/api/sessions/"+st.ID+"/config", map[string]any{"dataset": "xor", "features": []string{"x1sq", "x2sq"}}, &st)
	if !slices.Equal(st.Config.Features, []string{"x1sq", "x2sq"}) || !slices.Equal(st.Inputs, []string{"x1sq", "x2sq"}) || st.Config.Output != "sigmoid" {
		t.Errorf("features %v, inputs %v, output %s", st.Config.Features, st.Inputs, st.Config.Output)
	}
	// a two-class target: one sigmoid output and the log loss
	csv := "a,b,c,y\n"
	for i := range 30 {
		csv += strconv.Itoa(i) + "," + strconv.Itoa(i%4) + "," + []string{"u", "v"}[i%2] + "," + []string{"p", "q", "r"}[i%3] + "\n"
	}
	api(t, s, "POST", "/api/sessions/"+st.ID+"/table", map[string]any{"name": "t.csv", "csv": csv}, &st)
	if st.Config.Output != "softmax" || len(st.Table.Classes) != 3 {
		t.Fatalf("three classes: %s, %v", st.Config.Output, st.Table.Classes)
	}
	if code, body := api(t, s, "PUT", "/api/sessions/"+st.ID+"/config", map[string]any{"target": "c", "view": []string{}}, &st); code != 200 ||
		st.Config.Output != "sigmoid" || st.Config.Loss != "log" || st.Network.Layers[len(st.Network.Layers)-1].Weights == nil ||
		len(st.Network.Layers[len(st.Network.Layers)-1].Weights) != 1 || st.Table.Target != "c" {
		t.Errorf("target c: %d %s", code, body)
	}
}
