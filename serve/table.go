package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/onnx"
	"github.com/backprop-go/backprop/train"
)

// A table: a CSV file given to the page, trained on as `backprop train`
// trains on --data, with the same code — read by data.ReadCSV (any number
// of columns, categorical columns, rows with a missing value left out, the
// CLI's limits), split by data.SplitRows, scaled by data.FitScaler, and
// encoded by the backprop.Pipeline the model file carries — and downloaded
// as that model file, or as ONNX. Its maps show two numeric feature
// columns (Config.View), the network's other inputs held at their means
// over the training part (a category's one-hot inputs at its frequencies).

// tableDataset is the Config.Dataset of a session's table.
const tableDataset = "csv"

// table is a CSV file given to a session (POST .../table), read again
// whenever its target, view or split changes.
type table struct {
	name string
	text []byte
}

// tableRows is what a session keeps of its table as read: every row, the
// model's pipeline, the split, and the maps' axes.
type tableRows struct {
	name        string
	all         *data.Dataset // every row as read: raw values, classes
	pipe        backprop.Pipeline
	split       backprop.Split
	fingerprint string
	numeric     []string   // the numeric feature columns, which the maps can show
	view        [2]int     // the feature columns of the maps' axes
	lo, hi      [2]float64 // the extent of the maps along them
	held        []string   // the feature columns held at their means on the maps
}

// tableJSON describes a session's table in its state.
type tableJSON struct {
	Name    string        `json:"name"`
	Rows    int           `json:"rows"`
	Dropped int           `json:"dropped"` // rows left out for a missing value
	Columns []string      `json:"columns"` // the feature columns and the target
	Numeric []string      `json:"numeric"`
	Target  string        `json:"target"`
	Classes []string      `json:"classes"`
	View    [2]string     `json:"view"`
	Range   [2][2]float64 `json:"range"` // the maps' extent: [lo, hi] of each view column
	Held    []string      `json:"held"`
	Inputs  []string      `json:"inputs"` // the network's inputs (a category's one-hot: column=category)
	// Predicted is each row's class as the model file predicts it
	// (backprop.Model.Classify on the raw record), in the file's order,
	// and Records the rows' record numbers in the file (1-based, as
	// `backprop predict` numbers them). With data=1 only.
	Predicted []string `json:"predicted,omitempty"`
	Records   []int    `json:"records,omitempty"`
}

// readTable reads the session's table for cfg: its target (Config.Target),
// split, pipeline and view, within the playground's limits.
func readTable(cfg Config, tbl *table, lim Limits) (dataset, error) {
	if tbl == nil {
		return dataset{}, bad("dataset", "csv: no table yet: drop a CSV file into the page (POST /api/sessions/{id}/table)")
	}
	d, err := data.ReadCSV(bytes.NewReader(tbl.text), tbl.name, data.CSVOptions{Target: cfg.Target, Missing: data.MissingDrop})
	if err != nil {
		return dataset{}, bad("table", "%v", err)
	}
	if d.Classes == nil {
		return dataset{}, bad("target", "%s: column %q holds numbers (a measurement, not classes): the playground trains classifiers on a table; choose a column of classes as the target, or train a regression with backprop train", tbl.name, d.TargetName)
	}
	K := len(d.Classes)
	switch {
	case d.N > lim.MaxPoints:
		return dataset{}, bad("table", "%s: %d rows, want at most %d (the playground's limit; backprop train takes more)", tbl.name, d.N, lim.MaxPoints)
	case K > lim.MaxClasses:
		return dataset{}, bad("target", "%s: column %q has %d classes, want at most %d (the playground's limit)", tbl.name, d.TargetName, K, lim.MaxClasses)
	}
	t := &tableRows{name: tbl.name, all: d, fingerprint: data.Fingerprint(d)}
	for j, name := range d.FeatureNames {
		if d.Categories == nil || d.Categories[j] == nil {
			t.numeric = append(t.numeric, name)
		}
	}
	if len(t.numeric) < 2 {
		return dataset{}, bad("table", "%s: %d numeric feature columns besides the target %q, want two for the maps", tbl.name, len(t.numeric), d.TargetName)
	}
	view := cfg.View
	if len(view) == 0 {
		view = t.numeric[:2]
	}
	if len(view) != 2 || view[0] == view[1] {
		return dataset{}, bad("view", "%q, want two different numeric feature columns (of %s)", view, t.numeric)
	}
	for k, name := range view {
		if !slices.Contains(t.numeric, name) {
			return dataset{}, bad(fmt.Sprintf("view[%d]", k), "%q is not a numeric feature column (want one of %s)", name, t.numeric)
		}
		t.view[k] = slices.Index(d.FeatureNames, name)
	}
	for j, name := range d.FeatureNames {
		if j != t.view[0] && j != t.view[1] {
			t.held = append(t.held, name)
		}
	}

	// Split and scale as backprop train does: the test part stratified by
	// class, the scaling fitted on the training part.
	t.split = backprop.Split{Seed: cfg.Seed, Test: 1 - cfg.TrainFraction, Stratified: true}
	trainIdx, testIdx, err := data.SplitRows(d, t.split.Test, t.split.Seed, t.split.Stratified)
	if err != nil {
		return dataset{}, bad("train_fraction", "%s: %v", tbl.name, err)
	}
	trainPart, testPart := d.Subset(trainIdx), d.Subset(testIdx)
	scaler, err := data.FitScaler(trainPart, data.ScaleStandard)
	if err != nil {
		return dataset{}, bad("table", "%v", err)
	}
	t.pipe = scaler.Pipeline(d)
	t.pipe.Target, t.pipe.Missing = d.TargetName, data.MissingDrop
	width := t.pipe.Width()
	if width > lim.MaxInputs {
		return dataset{}, bad("table", "%s: %d inputs (each category of a column one input), want at most %d (the playground's limit)", tbl.name, width, lim.MaxInputs)
	}

	// Two classes: one sigmoid output, p(Classes[1]), as backprop train
	// builds it; more: one output per class.
	ds := dataset{outputs: K, tab: t, inputs: t.inputNames()}
	if K == 2 {
		ds.outputs = 1
	}
	for k, j := range t.view {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range d.N {
			v := float64(d.Row(i)[j])
			lo, hi = min(lo, v), max(hi, v)
		}
		pad := 0.05 * (hi - lo)
		if pad == 0 {
			pad = 1
		}
		t.lo[k], t.hi[k] = lo-pad, hi+pad
	}
	part := func(p *data.Dataset) (set train.Set[float64], xy, dots []float64) {
		set = train.Set[float64]{X: backprop.Encode(&t.pipe, make([]float64, p.N*width), p.X), N: p.N}
		for i, c := range p.Labels {
			if ds.outputs == 1 {
				set.Y = append(set.Y, float64(c))
			} else {
				y := make([]float64, K)
				y[c] = 1
				set.Y = append(set.Y, y...)
			}
			row := p.Row(i)
			xy = append(xy, t.toMap(0, float64(row[t.view[0]])), t.toMap(1, float64(row[t.view[1]])))
			dots = append(dots, float64(c))
		}
		return set, xy, dots
	}
	ds.trainSet, ds.trainXY, ds.trainDot = part(trainPart)
	ds.testSet, ds.testXY, ds.testDot = part(testPart)

	// On the maps, the inputs of the held columns take their means over
	// the training part.
	mean := make([]float64, width)
	for i := range ds.trainSet.N {
		for k, v := range ds.trainSet.X[i*width : (i+1)*width] {
			mean[k] += v / float64(ds.trainSet.N)
		}
	}
	free := make([]bool, width) // the inputs of the view columns
	for k, j := range t.inputColumns() {
		free[k] = j == t.view[0] || j == t.view[1]
	}
	ds.at = func(xy []float64) []float64 {
		n, F := len(xy)/2, len(d.FeatureNames)
		raw := make([]float64, n*F) // the held columns' values do not matter: their inputs are replaced
		for i := range n {
			raw[i*F+t.view[0]] = t.fromMap(0, xy[2*i])
			raw[i*F+t.view[1]] = t.fromMap(1, xy[2*i+1])
		}
		x := backprop.Encode(&t.pipe, make([]float64, n*width), raw)
		for i := range n {
			for k := range width {
				if !free[k] {
					x[i*width+k] = mean[k]
				}
			}
		}
		return x
	}
	return ds, nil
}

// toMap places a value of view column k on the maps' axis, in [-1, 1].
func (t *tableRows) toMap(k int, v float64) float64 {
	return 2*(v-t.lo[k])/(t.hi[k]-t.lo[k]) - 1
}

// fromMap is the value of view column k at u in [-1, 1] on the maps.
func (t *tableRows) fromMap(k int, u float64) float64 {
	return t.lo[k] + (u+1)/2*(t.hi[k]-t.lo[k])
}

// inputColumns returns the feature column of each of the network's inputs.
func (t *tableRows) inputColumns() []int {
	var cols []int
	for j, f := range t.pipe.Features {
		for range f.Width() {
			cols = append(cols, j)
		}
	}
	return cols
}

// inputNames names the network's inputs: a numeric column's name, or
// column=category for each of a categorical column's one-hot inputs.
func (t *tableRows) inputNames() []string {
	var names []string
	for _, f := range t.pipe.Features {
		if f.Categories == nil {
			names = append(names, f.Name)
		}
		for _, c := range f.Categories {
			names = append(names, f.Name+"="+c)
		}
	}
	return names
}

// json describes the table; with predictions, each row's class as the
// model of net predicts it.
func (t *tableRows) json(net *backprop.Network[float64], predictions bool) *tableJSON {
	d := t.all
	tj := &tableJSON{
		Name: t.name, Rows: d.N, Dropped: d.Dropped, Columns: append(slices.Clone(d.FeatureNames), d.TargetName),
		Numeric: t.numeric, Target: d.TargetName, Classes: d.Classes,
		View:  [2]string{d.FeatureNames[t.view[0]], d.FeatureNames[t.view[1]]},
		Range: [2][2]float64{{t.lo[0], t.hi[0]}, {t.lo[1], t.hi[1]}},
		Held:  t.held, Inputs: t.inputNames(),
	}
	if !predictions {
		return tj
	}
	m, err := backprop.NewModel(net, t.pipe)
	if err != nil {
		return tj
	}
	x := make([]float64, len(d.X))
	for k, v := range d.X {
		x[k] = float64(v)
	}
	classes, err := m.Classify(nil, x)
	if err != nil { // the weights overflow: no predictions
		return tj
	}
	for i, c := range classes {
		tj.Predicted = append(tj.Predicted, m.Label(c))
		if d.Records != nil {
			tj.Records = append(tj.Records, d.Records[i])
		} else {
			tj.Records = append(tj.Records, i+1)
		}
	}
	return tj
}

// tableRequest is the body of POST .../table: a CSV file, and optionally
// its target column and the two columns the maps show.
type tableRequest struct {
	Name   string   `json:"name"`
	CSV    string   `json:"csv"`
	Target string   `json:"target"`
	View   []string `json:"view"`
}

// postTable handles POST /api/sessions/{id}/table: the session trains on
// the CSV file given (dataset csv), with a network of its hidden layers,
// one input per numeric column and per category, and one output per class
// (one sigmoid output for two classes). A file that cannot be read, or is
// over a limit, is a 400 saying why, and changes nothing.
func (s *Server) postTable(w *out, r *request, ss *session) {
	var req tableRequest
	if status, err := s.decode(w, r, &req); err != nil {
		fail(w, status, err)
		return
	}
	if req.Name == "" {
		req.Name = "table.csv"
	}
	tbl := &table{name: req.Name, text: []byte(req.CSV)}
	cfg := ss.cfg
	cfg.Dataset, cfg.Target, cfg.View, cfg.Preset = tableDataset, req.Target, req.View, ""
	if err := cfg.check(s.lim); err != nil {
		fail(w, statusBadRequest, err)
		return
	}
	if err := ss.configureWith(cfg, tbl, true); err != nil {
		fail(w, statusBadRequest, err)
		return
	}
	s.getState(w, r, ss)
}

// fileJSON is a file to download: its name, media type and bytes.
type fileJSON struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Base64 []byte `json:"base64"` // encoding/json writes bytes in base64
}

// getModel handles GET /api/sessions/{id}/model?format=json|onnx: the
// network as it is now, with its pipeline, as a model file (the format
// `backprop predict` and `explain` read) or as ONNX.
func (s *Server) getModel(w *out, r *request, ss *session) {
	format := cmpOr(r.query.Get("format"), "json")
	m, err := ss.model()
	if err != nil {
		fail(w, statusBadRequest, err)
		return
	}
	base := "playground-" + ss.cfg.Dataset
	if ss.tab != nil {
		base = trimExt(ss.tab.name)
	}
	var f fileJSON
	switch format {
	case "json":
		f.Name, f.Type = base+".model.json", "application/json"
		f.Base64, err = m.Marshal()
	case "onnx":
		f.Name, f.Type = base+".onnx", "application/octet-stream"
		f.Base64, err = onnx.Marshal(m.Net, onnx.Options{Pipeline: m.Pipeline})
	default:
		fail(w, statusBadRequest, bad("format", "%q, want json or onnx", format))
		return
	}
	if err != nil {
		fail(w, statusBadRequest, bad("format", "%v", err))
		return
	}
	reply(w, statusOK, f)
}

// model returns the session's network as a model: a table's pipeline and
// how it was trained; for a built-in dataset, the inputs x1, x2 as they
// are (the other features are computed from the point, which a model
// file's pipeline does not do).
func (s *session) model() (*backprop.Model[float64], error) {
	net := s.net.Clone()
	cfgJSON, err := json.Marshal(s.cfg.trainConfig())
	if err != nil {
		return nil, err
	}
	prov := &backprop.Provenance{Data: "the playground's " + s.cfg.Dataset, Config: cfgJSON}
	var pipe backprop.Pipeline
	if t := s.tab; t != nil {
		pipe = t.pipe
		split := t.split
		prov.Data, prov.Fingerprint, prov.Split = t.name, t.fingerprint, &split
	} else {
		if !slices.Equal(s.cfg.Features, []string{"x1", "x2"}) {
			return nil, bad("features", "the inputs %v are computed from the point, which a model file cannot do: download a network of the inputs x1, x2", s.cfg.Features)
		}
		pipe.Features = []backprop.Feature{{Name: "x1", Scale: 1}, {Name: "x2", Scale: 1}}
	}
	m, err := backprop.NewModel(net, pipe)
	if err != nil {
		return nil, err
	}
	m.Provenance = prov
	return m, nil
}

// trimExt returns name without its extension.
func trimExt(name string) string {
	for i := len(name) - 1; i > 0; i-- {
		if name[i] == '.' {
			return name[:i]
		}
		if name[i] == '/' {
			break
		}
	}
	return name
}
