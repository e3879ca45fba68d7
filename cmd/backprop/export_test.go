package main

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/onnx/ortcheck"
)

// ortDir holds the onnxruntime-node script and its npm lock.
const ortDir = "../../onnx/testdata/ort"

// maskedModel is a hand-written model file: a masked layer without bias, a
// masked tanh layer, a softmax output, standard scaling and names.
const maskedModel = `{"inputs":3,"loss":"cross-entropy","layers":[
 {"activation":"leaky-relu","slope":0.3,"weights":[[0.5,0,-1.2],[0,0.8,0.4],[1.1,-0.7,0],[0,0,0.9]],
  "mask":[[1,0,1],[0,1,1],[1,1,0],[0,0,1]]},
 {"activation":"tanh","weights":[[0.3,-0.5,0,1],[0,0.6,0.2,-0.4]],"bias":[0.1,-0.2],"mask":[[1,1,0,1],[0,1,1,1]]},
 {"activation":"softmax","weights":[[1.5,-1],[-0.5,2],[0.2,0.3]],"bias":[0,0.1,-0.1]}],
 "features":["p","q","r"],"classes":["a","b","c"],"target":"label",
 "scaler":{"kind":"standard","offset":[1,-2,0.5],"scale":[0.5,2,1]}}
`

// TestExportMatchesPredict trains models with the CLI, exports them with
// `backprop export`, runs the ONNX files in onnxruntime on the raw data and
// compares with what `backprop predict` computes: its engine outputs (to
// 1e-5, relative above 1) and its CSV (to the CSV's printed precision).
func TestExportMatchesPredict(t *testing.T) {
	ortcheck.Require(t, ortDir)
	dir := t.TempDir()
	masked := filepath.Join(dir, "masked.json")
	if err := os.WriteFile(masked, []byte(maskedModel), 0o644); err != nil {
		t.Fatal(err)
	}
	dataCSV := filepath.Join(dir, "masked.csv")
	var rows strings.Builder
	rows.WriteString("p,q,r,label\n")
	for r := range 50 {
		x := float64(r)
		rows.WriteString(strconv.FormatFloat(math.Sin(x)*3+1, 'g', -1, 64) + "," +
			strconv.FormatFloat(math.Cos(x*0.7)-2, 'g', -1, 64) + "," +
			strconv.FormatFloat(x/10, 'g', -1, 64) + "," + []string{"a", "b", "c"}[r%3] + "\n")
	}
	os.WriteFile(dataCSV, []byte(rows.String()), 0o644)

	// Tables with categorical columns (3 and 40 categories) and missing
	// values, to train on, and new records with unseen categories.
	mixed, mixedNew := filepath.Join(dir, "mixed.csv"), filepath.Join(dir, "mixed-new.csv")
	os.WriteFile(mixed, []byte(mixedCSV(300, 40, 1)), 0o644)
	os.WriteFile(mixedNew, []byte(mixedCSV(120, 45, 2)), 0o644)

	type tc struct {
		name, data string
		train      []string // nil: the model file exists
		model      string
		trainData  string // "": data
	}
	encoded := []string{"--missing", "mean", "--hidden", "8", "--epochs", "15"}
	cases := []tc{
		{"iris softmax, tanh hidden, standard scaling", "iris", []string{"--hidden", "8", "--activation", "tanh", "--epochs", "30"}, "", ""},
		{"breast_cancer sigmoid, leaky-relu hidden, minmax scaling", "breast_cancer", []string{"--hidden", "16,8", "--activation", "leaky-relu", "--scale", "minmax", "--epochs", "10"}, "", ""},
		{"diabetes identity regression, relu hidden", "diabetes", []string{"--hidden", "16", "--epochs", "20"}, "", ""},
		{"masked no-bias net (hand-written file)", dataCSV, nil, masked, ""},
		{"categories 3+40+2, fills, softmax, float32", mixed, append([]string{"--target", "label", "--ignore", "id"}, encoded...), "", ""},
		{"categories, fills, softmax, float64, unseen categories", mixedNew, append([]string{"--target", "label", "--ignore", "id,y", "--precision", "float64", "--unknown", "ignore"}, encoded...), "", mixed},
		{"categories, fills, regression, float64", mixed, append([]string{"--target", "y", "--ignore", "id,yes", "--precision", "float64", "--scale", "minmax"}, encoded...), "", ""},
		{"categories, fills, sigmoid, float32, unseen categories", mixedNew, append([]string{"--target", "yes", "--ignore", "id,y", "--unknown", "ignore"}, encoded...), "", mixed},
	}
	var jobs []ortcheck.Job
	type prepared struct {
		want  []float32 // what predict's engine computes
		csv   [][]string
		n     int
		proba bool
	}
	var preps []prepared
	for i := range cases {
		c := &cases[i]
		if c.train != nil {
			c.model = filepath.Join(dir, strconv.Itoa(i)+".json")
			args := append([]string{"train", "--data", cmp.Or(c.trainData, c.data), "--seed", "2", "--out", c.model}, c.train...)
			if out, errs, status := cli(t, args...); status != 0 {
				t.Fatalf("%s: train: status %d: %s\n%s", c.name, status, errs, out)
			}
		}
		onnxPath := strings.TrimSuffix(c.model, ".json") + ".onnx"
		out, errs, status := cli(t, "export", "--model", c.model, "--onnx", onnxPath)
		t.Logf("%s: %s", c.name, strings.TrimSpace(out))
		if status != 0 || !strings.HasPrefix(out, onnxPath+" written: ONNX opset 13") {
			t.Fatalf("%s: export: status %d: %s\n%s", c.name, status, errs, out)
		}

		// The inputs predict reads, scaled (as it feeds them to the engine)
		// and raw (as the ONNX model takes them).
		tr, err := loadTrained(c.model)
		if err != nil {
			t.Fatal(err)
		}
		p, err := tr.readData(c.data, false, "all")
		if err != nil {
			t.Fatal(err)
		}
		dRaw := p.d
		// The engine as runPredict runs it: record by record, after the
		// model's pipeline.
		net := tr.m.Net
		n := net.Outputs()
		x0 := encode[float32](tr.m, dRaw)
		ws := net.NewWorkspace(1)
		var want []float32
		for r := range dRaw.N {
			want = append(want, ws.Forward(x0[r*net.Inputs:(r+1)*net.Inputs])...)
		}
		proba := tr.m.Classes != nil
		args := []string{"predict", "--model", c.model, "--data", c.data, "--split", "all"}
		if proba {
			args = append(args, "--proba")
		}
		out, errs, status = cli(t, args...)
		if status != 0 {
			t.Fatalf("%s: predict: status %d: %s", c.name, status, errs)
		}
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(recs) != dRaw.N+1 {
			t.Fatalf("%s: predict CSV: %v, %d records for %d rows", c.name, err, len(recs), dRaw.N)
		}
		preps = append(preps, prepared{want, recs[1:], n, proba})
		jobs = append(jobs, ortcheck.Job{Model: onnxPath, X: dRaw.X, Rows: dRaw.N, Cols: dRaw.Features})
	}

	res := ortcheck.Run(t, ortDir, jobs)
	for i, c := range cases {
		p, r := preps[i], res[i]
		rows := len(p.want) / p.n
		if len(r.Dims) != 2 || r.Dims[0] != rows || r.Dims[1] != p.n {
			t.Errorf("%s: onnxruntime output shape %v, want [%d %d]", c.name, r.Dims, rows, p.n)
			continue
		}
		// Against predict's engine outputs: |Δ| ≤ 1e-5·max(1, |o|).
		worst, worstRel := 0.0, 0.0
		for k, w := range p.want {
			d := math.Abs(r.Output[k] - float64(w))
			worst = max(worst, d)
			rel := d / max(1, math.Abs(float64(w)))
			worstRel = max(worstRel, rel)
			if !(rel <= 1e-5) {
				t.Errorf("%s: row %d output %d: onnxruntime %v, predict's engine %v", c.name, k/p.n, k%p.n, r.Output[k], w)
				break
			}
		}
		// Against predict's CSV, to its printed precision: probabilities
		// with 6 decimals, regression values with 7 significant digits.
		worstCSV := 0.0
		for row, rec := range p.csv {
			var printed []string
			switch {
			case p.proba && p.n == 1:
				printed = rec[3:4] // p of the second class
			case p.proba:
				printed = rec[2:]
			default:
				printed = rec[1:]
			}
			for k, s := range printed {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil {
					t.Fatalf("%s: predict CSV row %d: %v", c.name, row+1, err)
				}
				o := r.Output[row*p.n+k]
				slack := 5e-7 // half the last printed decimal
				if !p.proba {
					slack = 5e-7 * max(1, math.Abs(o))
				}
				d := math.Abs(o - v)
				worstCSV = max(worstCSV, d)
				if d > 1e-5*max(1, math.Abs(o))+slack {
					t.Errorf("%s: row %d: predict printed %s, onnxruntime %v", c.name, row+1, s, o)
				}
			}
		}
		t.Logf("%-55s %4d rows × %d: max |onnxruntime − predict engine| = %.3g (relative %.3g); vs predict CSV %.3g",
			c.name, rows, p.n, worst, worstRel, worstCSV)
	}
}

// mixedCSV returns rows of a table with an id, numbers x1 and x2 (some
// missing: empty, NA or ?), a colour of 3 categories (some missing) and a
// city of k (c00 …), and three targets: a class label (a, b, c), a number
// y and a yes/no. seed varies the rows; k above 40 gives cities that a
// table of k = 40 never saw.
func mixedCSV(rows, k int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 3))
	var b strings.Builder
	b.WriteString("id,x1,colour,city,x2,label,y,yes\n")
	missing := []string{"", "NA", "?"}
	for r := range rows {
		x1, x2 := rng.NormFloat64()*3+10, rng.Float64()*100
		colour, city := rng.IntN(3), rng.IntN(k)
		v := x1/3 + float64(colour) - float64(city%5)/2 + x2/50
		label := "a"
		if v > 5 {
			label = "b"
		}
		if v > 6 {
			label = "c"
		}
		f1, f2, fc := strconv.FormatFloat(x1, 'f', 3, 64), strconv.FormatFloat(x2, 'f', 2, 64), []string{"red", "green", "blue"}[colour]
		if r%7 == 3 {
			f1 = missing[r%3]
		}
		if r%11 == 5 {
			fc = missing[(r/11)%3]
		}
		if r%13 == 6 {
			f2 = ""
		}
		yes := map[bool]string{true: "yes", false: "no"}[v > 5.5]
		fmt.Fprintf(&b, "%d,%s,%s,c%02d,%s,%s,%.4f,%s\n", r+1, f1, fc, city, f2, label, 2*v+rng.NormFloat64()*0.1, yes)
	}
	return b.String()
}

// TestExportErrors: bad usage or input, an output path that cannot be
// written included, exits 2 with one line.
func TestExportErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "m.json")
	os.WriteFile(good, []byte(maskedModel), 0o644)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"inputs":2,"loss":"log","layers":[{"activation":"relu","weights":[[1,2]]}]}`), 0o644)
	badMeta := filepath.Join(dir, "meta.json")
	os.WriteFile(badMeta, []byte(`{"inputs":2,"loss":"log","layers":[{"activation":"sigmoid","weights":[[1,2]]}],"features":["a"]}`), 0o644)
	out := filepath.Join(dir, "m.onnx")
	for _, tc := range []struct {
		args   []string
		want   string
		status int
	}{
		{[]string{"export", "--onnx", out}, `backprop: --model FILE is required`, 2},
		{[]string{"export", "--model", good}, `backprop: export: --onnx FILE is required`, 2},
		{[]string{"export", "--model", bad, "--onnx", out}, `backprop: ` + bad + `: layer 1: loss log needs outputs in (0, 1), but the output activation is relu (use sigmoid or softmax, or the squared loss)`, 2},
		{[]string{"export", "--model", badMeta, "--onnx", out}, `backprop: ` + badMeta + `: features: 1, want 2 (one per input of the network)`, 2},
		{[]string{"export", "--model", filepath.Join(dir, "none.json"), "--onnx", out}, `backprop: open ` + filepath.Join(dir, "none.json") + `: no such file or directory`, 2},
		{[]string{"export", "--model", good, "--onnx", out, "--output", "a1"}, `backprop: ` + good + `: output name "a1" is taken by a value inside the graph (pick another)`, 2},
		{[]string{"export", "--model", good, "--onnx", out, "stray"}, `backprop: export: unexpected argument "stray" (see backprop export -h)`, 2},
		{[]string{"export", "--model", good, "--onnx", filepath.Join(dir, "no", "such", "dir", "m.onnx")}, "backprop: export: --onnx " + filepath.Join(dir, "no", "such", "dir", "m.onnx") + ": there is no directory " + filepath.Join(dir, "no", "such", "dir"), 2},
	} {
		_, errs, status := cli(t, tc.args...)
		line := strings.TrimSpace(errs)
		if status != tc.status || strings.Contains(line, "\n") || (tc.want != "" && line != tc.want) {
			t.Errorf("%v: status %d, stderr\n%s\nwant status %d and\n%s", tc.args, status, errs, tc.status, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed export left a file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("the directory holds %d files, want the 3 model files (no temporary left)", len(entries))
	}
}

// TestImportRoundTrip: export, then import gives a model file that predicts
// the same and that explain can walk.
func TestImportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	model, onnxPath, back := filepath.Join(dir, "m.json"), filepath.Join(dir, "m.onnx"), filepath.Join(dir, "back.json")
	os.WriteFile(model, []byte(maskedModel), 0o644)
	if _, errs, status := cli(t, "export", "--model", model, "--onnx", onnxPath); status != 0 {
		t.Fatal(errs)
	}
	out, errs, status := cli(t, "import", "--onnx", onnxPath, "--model", back)
	if status != 0 || out != back+" written: 3 → 4 leaky-relu → 2 tanh → 3 softmax, loss cross-entropy, classes a, b, c\n" {
		t.Fatalf("import: status %d: %s%s", status, errs, out)
	}
	csvPath := filepath.Join(dir, "x.csv")
	os.WriteFile(csvPath, []byte("p,q,r\n1,2,3\n-1,0.5,2\n4,-3,0\n"), 0o644)
	p1, errs1, _ := cli(t, "predict", "--model", model, "--data", csvPath, "--proba")
	p2, errs2, _ := cli(t, "predict", "--model", back, "--data", csvPath, "--proba")
	if p1 == "" || p1 != p2 {
		t.Errorf("predictions differ after export and import:\n%s%s\n%s%s", p1, errs1, p2, errs2)
	}
	if out, errs, status := cli(t, "explain", "--model", back, "--x", "0.2,-0.1,0.4", "--y", "0,1,0"); status != 0 || !strings.Contains(out, "Layer 3") {
		t.Errorf("explain on the imported model: status %d: %s\n%.300s", status, errs, out)
	}
	if _, errs, status := cli(t, "import", "--onnx", model, "--model", back); status != 2 || !strings.HasPrefix(errs, "backprop: "+model+": not an ONNX model") {
		t.Errorf("import of a JSON file: status %d: %s", status, errs)
	}
}

// TestImportRoundTripEncoded: a model with categorical features and fills,
// exported and imported, is the same model: the same pipeline in the model
// file and the same predictions, byte for byte, on records with missing
// values and unseen categories.
func TestImportRoundTripEncoded(t *testing.T) {
	dir := t.TempDir()
	train, fresh := filepath.Join(dir, "mixed.csv"), filepath.Join(dir, "new.csv")
	os.WriteFile(train, []byte(mixedCSV(200, 12, 1)), 0o644)
	os.WriteFile(fresh, []byte(mixedCSV(60, 14, 2)), 0o644)
	model, onnxPath, back := filepath.Join(dir, "m.json"), filepath.Join(dir, "m.onnx"), filepath.Join(dir, "back.json")
	if out, errs, status := cli(t, "train", "--data", train, "--target", "label", "--ignore", "id,y", "--missing", "mean",
		"--unknown", "ignore", "--hidden", "6", "--epochs", "5", "--seed", "3", "--out", model); status != 0 {
		t.Fatalf("train: %s%s", errs, out)
	}
	if _, errs, status := cli(t, "export", "--model", model, "--onnx", onnxPath); status != 0 {
		t.Fatal(errs)
	}
	out, errs, status := cli(t, "import", "--onnx", onnxPath, "--model", back)
	if status != 0 || out != back+" written: 19 → 6 relu → 3 softmax, loss cross-entropy, classes a, b, c\n" {
		t.Fatalf("import: status %d: %s%s", status, errs, out)
	}
	m1, err1 := backprop.Load[float32](model)
	m2, err2 := backprop.Load[float32](back)
	if err1 != nil || err2 != nil || !reflect.DeepEqual(m1.Pipeline, m2.Pipeline) {
		t.Fatalf("pipeline after export and import (%v %v):\n%+v\nwant\n%+v", err1, err2, m2.Pipeline, m1.Pipeline)
	}
	p1, errs1, _ := cli(t, "predict", "--model", model, "--data", fresh, "--proba")
	p2, errs2, _ := cli(t, "predict", "--model", back, "--data", fresh, "--proba")
	if p1 == "" || p1 != p2 {
		t.Errorf("predictions differ after export and import:\n%s%s\n%s%s", p1, errs1, p2, errs2)
	}
	// --features renames the features (one name per input column).
	if out, errs, status := cli(t, "import", "--onnx", onnxPath, "--model", back, "--features", "a,b,c,d,e"); status != 0 {
		t.Errorf("import --features: %s%s", errs, out)
	}
	if _, errs, status := cli(t, "import", "--onnx", onnxPath, "--model", back, "--features", "a,b"); status != 2 ||
		errs != "backprop: import: --features: 2 names, the graph has 5 input columns\n" {
		t.Errorf("import --features a,b: status %d: %s", status, errs)
	}
}
