package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/backprop-go/backprop/data"
)

// hostileCase is one hostile input: the CLI run with args in the fixture
// directory must exit 2 with one line on stderr that contains want.
type hostileCase struct {
	class string // the class of failure it belongs to
	args  []string
	want  string
}

// TestHostileInputs runs the CLI, as a process under a 512 MB data limit,
// on hostile inputs written from scratch across every verb and reader:
// derived sizes, files too large by their size, devices, pipes, ONNX shapes,
// bad flags, damaged and mismatched checkpoints, output paths that are
// links, devices, directories or under missing directories, invalid UTF-8,
// numbers in Go-only syntax, IDX directories. Each must give exit 2 and
// exactly one line on stderr, within 512 MB of peak memory and 10 s, leave
// the pre-existing --out files as they were and leave no file behind.
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the CLI a few hundred times")
	}
	fx := newFixture(t)
	cases := fx.cases()
	classes := map[string]int{}
	for _, c := range cases {
		classes[c.class]++
	}
	if len(cases) < 150 {
		t.Errorf("%d hostile inputs, want at least 150", len(cases))
	}
	// The cases run four at a time; the fixture directory is compared once
	// at the end, and if anything changed, the cases run again one at a
	// time to find which.
	before := fx.snapshot(t)
	results := make([]limited, len(cases))
	var wg sync.WaitGroup
	next := make(chan int)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = runLimited(t, fx.dir, cases[i].args...)
			}
		}()
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	var worstRSS int64
	var worstTime time.Duration
	for i, c := range cases {
		r := results[i]
		line := strings.TrimSuffix(r.stderr, "\n")
		bad := r.status != 2 || r.signal != 0 || line == "" || strings.Contains(line, "\n") ||
			!strings.HasPrefix(line, "backprop: ") || !strings.Contains(line, c.want) ||
			strings.Contains(line, "panic") || strings.Contains(line, "goroutine")
		if bad {
			t.Errorf("#%d %s %q:\nstatus %d (signal %v), stderr:\n%s\nwant status 2 and one line with %q", i, c.class, c.args, r.status, r.signal, r.stderr, c.want)
		}
		if r.maxRSS > memLimit {
			t.Errorf("#%d %s %q: peak memory %d MB", i, c.class, c.args, r.maxRSS>>20)
		}
		if r.elapsed > timeLimit {
			t.Errorf("#%d %s %q: %v", i, c.class, c.args, r.elapsed)
		}
		worstRSS, worstTime = max(worstRSS, r.maxRSS), max(worstTime, r.elapsed)
		if testing.Verbose() {
			t.Logf("#%d %s: %d MB, %v: %s", i, c.class, r.maxRSS>>20, r.elapsed.Round(time.Millisecond), line)
		}
	}
	if fx.snapshot(t) != before {
		t.Errorf("the fixture directory changed: a file written, left or replaced; finding which case")
		fx2 := newFixture(t)
		before := fx2.snapshot(t)
		for i, c := range fx2.cases() {
			runLimited(t, fx2.dir, c.args...)
			if after := fx2.snapshot(t); after != before {
				t.Errorf("#%d %s %q changed the fixture directory:\n%s", i, c.class, c.args, diffLines(before, after))
				before = after
			}
		}
	}
	t.Logf("%d hostile inputs in %d classes %v: worst peak memory %d MB, worst time %v", len(cases), len(classes), classes, worstRSS>>20, worstTime.Round(time.Millisecond))
}

func diffLines(a, b string) string {
	in := map[string]bool{}
	for _, l := range strings.Split(a, "\n") {
		in[l] = true
	}
	var out []string
	for _, l := range strings.Split(b, "\n") {
		if !in[l] {
			out = append(out, "+ "+l)
		}
		delete(in, l)
	}
	for l := range in {
		out = append(out, "- "+l)
	}
	return strings.Join(out, "\n")
}

// fixture is the directory of hostile inputs.
type fixture struct {
	t   *testing.T
	dir string
}

func newFixture(t *testing.T) *fixture {
	fx := &fixture{t, t.TempDir()}
	fx.build()
	return fx
}

func (fx *fixture) path(name string) string { return filepath.Join(fx.dir, name) }

func (fx *fixture) write(name string, b []byte) string {
	fx.t.Helper()
	p := fx.path(name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		fx.t.Fatal(err)
	}
	return name
}

func (fx *fixture) text(name, s string) string { return fx.write(name, []byte(s)) }

// sparse makes a file of size bytes that takes no room on disk.
func (fx *fixture) sparse(name string, size int64) string {
	fx.t.Helper()
	p := fx.path(name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	f, err := os.Create(p)
	if err != nil {
		fx.t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		fx.t.Fatal(err)
	}
	f.Close()
	return name
}

func (fx *fixture) link(name, target string) string {
	fx.t.Helper()
	p := fx.path(name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.Symlink(target, p); err != nil {
		fx.t.Fatal(err)
	}
	return name
}

func (fx *fixture) fifo(name string) string {
	fx.t.Helper()
	if err := syscall.Mkfifo(fx.path(name), 0o644); err != nil {
		fx.t.Fatal(err)
	}
	return name
}

func (fx *fixture) cli(args ...string) {
	fx.t.Helper()
	wd, _ := os.Getwd()
	os.Chdir(fx.dir)
	defer os.Chdir(wd)
	if _, errs, status := cli(fx.t, args...); status != 0 {
		fx.t.Fatalf("%v: %s", args, errs)
	}
}

// snapshot lists every entry under the fixture directory with its kind,
// size and modification time, without following links.
func (fx *fixture) snapshot(t *testing.T) string {
	var b strings.Builder
	filepath.WalkDir(fx.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		info, err := os.Lstat(p)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(fx.dir, p)
		if info.IsDir() { // a directory's time changes when a check makes and removes a file in it
			fmt.Fprintf(&b, "%s %v\n", rel, info.Mode())
			return nil
		}
		fmt.Fprintf(&b, "%s %v %d %d\n", rel, info.Mode(), info.Size(), info.ModTime().UnixNano())
		return nil
	})
	return b.String()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func idx(magic uint32, dims []uint32, body []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	binary.Write(&b, binary.BigEndian, dims)
	b.Write(body)
	return b.Bytes()
}

func idxImages(n, rows, cols uint32, pix []byte) []byte {
	return idx(0x803, []uint32{n, rows, cols}, pix)
}

func idxLabels(l []byte) []byte { return idx(0x801, []uint32{uint32(len(l))}, l) }

// csvRows returns a CSV of n rows of a feature and a label from label(i).
func csvRows(n int, label func(i int) string) string {
	var b strings.Builder
	b.WriteString("x,label\n")
	for i := range n {
		b.WriteString(strconv.Itoa(i%7) + "," + label(i) + "\n")
	}
	return b.String()
}

// denseModel is a model file of one layer of out×in weights.
func denseModel(in, out int, act, loss string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"inputs":%d,"loss":%q,"layers":[{"activation":%q,"weights":[`, in, loss, act)
	row := "[" + strings.Repeat("0,", in-1) + "0]"
	for i := range out {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	b.WriteString("]}]}")
	return b.String()
}

// resign rewrites a checkpoint file with payload changed by edit and a
// checksum that matches: damage only the content can reveal.
func resign(t *testing.T, file []byte, edit func(p map[string]any)) []byte {
	t.Helper()
	var env checkpointEnvelope
	if err := json.Unmarshal(file, &env); err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	dec := json.NewDecoder(bytes.NewReader(env.Payload))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	json.Unmarshal(env.Payload, &raw)
	p["model"] = raw["model"] // as written: its own checksum covers its field order
	edit(p)
	payload, _ := json.Marshal(p)
	sum := sha256.Sum256(payload)
	out, _ := json.Marshal(checkpointEnvelope{Checksum: "sha256:" + hex.EncodeToString(sum[:]), Payload: payload})
	return out
}

// The protobuf of an ONNX graph, written field by field (the importer's
// own types are internal to it).
type pb []byte

func (b pb) bytes(num protowire.Number, v []byte) pb {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}
func (b pb) str(num protowire.Number, s string) pb { return b.bytes(num, []byte(s)) }
func (b pb) varint(num protowire.Number, v uint64) pb {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// onnxTensor is a FLOAT TensorProto: dims, name and float_data.
func onnxTensor(name string, dims []int64, v []float32) pb {
	var t pb
	for _, d := range dims {
		t = t.varint(1, uint64(d))
	}
	t = t.varint(2, 1) // FLOAT
	var packed []byte
	for _, x := range v {
		packed = binary.LittleEndian.AppendUint32(packed, math.Float32bits(x))
	}
	if len(v) > 0 {
		t = t.bytes(4, packed)
	}
	return t.str(8, name)
}

func onnxNode(op string, in []string, out string, attrs ...pb) pb {
	var n pb
	for _, s := range in {
		n = n.str(1, s)
	}
	n = n.str(2, out).str(4, op)
	for _, a := range attrs {
		n = n.bytes(5, a)
	}
	return n
}

func onnxValue(name string, width int64) pb {
	dimN := pb(nil).str(2, "N")
	dimW := pb(nil).varint(1, uint64(width))
	shape := pb(nil).bytes(1, dimN).bytes(1, dimW)
	tensor := pb(nil).varint(1, 1).bytes(2, shape)
	typ := pb(nil).bytes(1, tensor)
	return pb(nil).str(1, name).bytes(2, typ)
}

// onnxModel is a ModelProto of a graph that reads "x" of the given width
// through nodes to "y", with the initializers.
func onnxModel(width int64, nodes []pb, inits []pb) []byte {
	var g pb
	for _, n := range nodes {
		g = g.bytes(1, n)
	}
	g = g.str(2, "g")
	for _, t := range inits {
		g = g.bytes(5, t)
	}
	g = g.bytes(11, onnxValue("x", width)).bytes(12, onnxValue("y", 2))
	opset := pb(nil).str(1, "").varint(2, 13)
	return pb(nil).varint(1, 8).bytes(7, g).bytes(8, opset)
}

// onnxScaled is a graph x → Sub(s) → Mul(m) → Gemm(W 2×3, b) → y: the
// input claims width, the weights hold 3 columns.
func onnxScaled(width int64) []byte {
	return onnxModel(width,
		[]pb{onnxNode("Sub", []string{"x", "s"}, "a"), onnxNode("Mul", []string{"a", "m"}, "c"),
			onnxNode("Gemm", []string{"c", "W", "b"}, "y", pb(nil).str(1, "transB").varint(3, 1).varint(20, 2))},
		[]pb{onnxTensor("s", nil, []float32{1}), onnxTensor("m", nil, []float32{2}),
			onnxTensor("W", []int64{2, 3}, []float32{1, 2, 3, 4, 5, 6}), onnxTensor("b", []int64{2}, []float32{0, 0})})
}

// build writes every input of the table.
func (fx *fixture) build() {
	t := fx.t
	fx.text("existing.json", "a model that must stay as it is\n")
	fx.text("existing.csv", "predictions that must stay as they are\n")
	os.Mkdir(fx.path("adir"), 0o755)
	fx.link("linkdir", "adir")
	fx.link("linkdir.png", "adir")
	fx.link("linkdir.svg", "adir")
	fx.link("linkdir.onnx", "adir")
	fx.link("linkdir.json", "adir")
	fx.link("linkdir.csv", "adir")
	fx.link("dangling.json", "nothing-here.json")
	fx.link("dangling.png", "nothing-here.png")
	fx.link("dangling.svg", "nothing-here.svg")
	fx.link("dangling.csv", "nothing-here.csv")
	fx.link("dangling.onnx", "nothing-here.onnx")
	fx.link("null.json", "/dev/null")
	fx.link("null.png", "/dev/null")
	fx.link("null.svg", "/dev/null")
	fx.link("null.onnx", "/dev/null")
	fx.link("null.csv", "/dev/null")
	fx.link("zero.json", "/dev/zero")
	fx.link("zero.csv", "/dev/zero")
	fx.link("zero.onnx", "/dev/zero")
	fx.fifo("fifo.json")
	fx.fifo("fifo.csv")
	fx.fifo("fifo.png")
	fx.fifo("fifo.onnx")
	fx.fifo("fifo.svg")
	os.Mkdir(fx.path("adir.png"), 0o755)
	os.Mkdir(fx.path("adir.svg"), 0o755)
	os.Mkdir(fx.path("adir.json"), 0o755)
	os.Mkdir(fx.path("adir.onnx"), 0o755)
	os.Mkdir(fx.path("adir.csv"), 0o755)

	// A good model, data file, checkpoint and ONNX export to start from.
	iris, _ := data.EmbeddedCSV("iris", data.CSVOptions{})
	var ib strings.Builder
	ib.WriteString(strings.Join(iris.FeatureNames, ",") + ",species\n")
	for i := range iris.N {
		r := iris.Row(i)
		fmt.Fprintf(&ib, "%g,%g,%g,%g,%s\n", r[0], r[1], r[2], r[3], iris.Classes[iris.Labels[i]])
	}
	irisCSV := ib.String()
	fx.text("iris.csv", irisCSV)
	fx.link("link-iris.csv", "iris.csv")
	fx.cli("train", "--data", "iris.csv", "--hidden", "4", "--epochs", "3", "--lr", "0.05", "--out", "good.json", "--checkpoint", "goodck")
	fx.cli("export", "--model", "good.json", "--onnx", "good.onnx")
	fx.text("changing.csv", irisCSV)
	fx.cli("train", "--data", "changing.csv", "--hidden", "4", "--epochs", "3", "--lr", "0.05", "--out", "changing.json", "--checkpoint", "changingck")
	fx.text("changing.csv", strings.ReplaceAll(irisCSV, ",setosa", "1,setosa"))
	ckb, err := os.ReadFile(fx.path("goodck/checkpoint.json"))
	if err != nil {
		t.Fatal(err)
	}
	fx.write("ck-trunc/checkpoint.json", ckb[:len(ckb)/2])
	fx.write("ck-flipped/checkpoint.json", bytes.Replace(ckb, []byte(`"epoch":3`), []byte(`"epoch":2`), 1))
	fx.write("ck-empty/checkpoint.json", nil)
	fx.text("ck-notjson/checkpoint.json", "hello\n")
	fx.text("ck-old/state.json", "{}")
	fx.text("ck-old/model.json", "{}")
	os.MkdirAll(fx.path("ck-isdir/checkpoint.json"), 0o755)
	fx.link("ck-device/checkpoint.json", "/dev/zero")
	fx.sparse("ck-sparse/checkpoint.json", 9<<30)
	os.Mkdir(fx.path("ck-fifo"), 0o755)
	fx.fifo("ck-fifo/checkpoint.json")
	os.Mkdir(fx.path("ck-none"), 0o755)
	state := func(edit func(s map[string]any)) func(p map[string]any) {
		return func(p map[string]any) { edit(p["state"].(map[string]any)) }
	}
	fx.write("ck-format/checkpoint.json", resign(t, ckb, func(p map[string]any) { p["format"] = "backprop-checkpoint/9" }))
	fx.write("ck-flag/checkpoint.json", resign(t, ckb, func(p map[string]any) { p["flags"].(map[string]any)["frobnicate"] = "1" }))
	fx.write("ck-flagvalue/checkpoint.json", resign(t, ckb, func(p map[string]any) { p["flags"].(map[string]any)["epochs"] = "zero" }))
	fx.write("ck-model/checkpoint.json", resign(t, ckb, func(p map[string]any) { p["model"] = map[string]any{"inputs": 4} }))
	fx.write("ck-modelshape/checkpoint.json", resign(t, ckb, func(p map[string]any) {
		p["model"] = json.RawMessage(denseModel(4, 3, "softmax", "cross-entropy"))
	}))
	fx.write("ck-nostate/checkpoint.json", resign(t, ckb, func(p map[string]any) { delete(p, "state") }))
	fx.write("ck-epoch/checkpoint.json", resign(t, ckb, state(func(s map[string]any) { s["epoch"] = 99 })))
	fx.write("ck-negative/checkpoint.json", resign(t, ckb, state(func(s map[string]any) { s["steps"] = -5 })))
	fx.write("ck-rng/checkpoint.json", resign(t, ckb, state(func(s map[string]any) { s["rng"] = "AAAAAAAAAAA=" })))
	fx.write("ck-moments/checkpoint.json", resign(t, ckb, state(func(s map[string]any) { s["m"] = [][]float64{{1, 2, 3}} })))
	fx.write("ck-best/checkpoint.json", resign(t, ckb, state(func(s map[string]any) { s["best"] = [][]float64{{1e308}} })))
	fx.write("ck-history/checkpoint.json", resign(t, ckb, state(func(s map[string]any) { s["history"] = []any{} })))
	fx.write("ck-optimizer/checkpoint.json", resign(t, ckb, state(func(s map[string]any) { s["optimizer"] = "sgd" })))
	fx.write("ck-hugearray/checkpoint.json", resign(t, ckb, state(func(s map[string]any) {
		s["v"] = []any{make([]float64, 200000)}
	})))

	// CSV text that is not text, numbers that are not numbers, sizes.
	fx.text("utf8-label.csv", "x,label\n1,a\n2,\xff\xfe\n")
	fx.text("utf8-collide.csv", "x,label\n1,\xff\n2,\xfe\n3,\xff\n")
	fx.text("utf8-header.csv", "x,lab\xc3el\n1,a\n2,b\n")
	fx.text("utf8-feature.csv", "x,label\n1\xe2\x82,a\n2,b\n")
	fx.text("utf8-overlong.csv", "x,label\n1,\xc0\xaf\n2,b\n")
	fx.text("utf8-surrogate.csv", "x,label\n1,\xed\xa0\x80\n2,b\n")
	for name, v := range map[string]string{"underscore": "1_000", "hexfloat": "0x1p-2", "hex": "0x10", "octal": "0o17",
		"binary": "0b101", "inf": "Inf", "nan": "NaN", "plusinf": "+inf", "infinity": "-Infinity", "nanlower": "nan",
		"exp": "1e", "dots": "1.2.3", "signs": "--1", "comma": "1,5x", "space": "1 2", "range": "1e999"} {
		fx.text(name+".csv", "x,label\n1,a\n"+v+",b\n")
	}
	fx.text("spaces.csv", "x,label\n1,a\n2,\"a \"\n3,b\n")
	fx.text("empty.csv", "")
	fx.text("bom.csv", "\uFEFF")
	fx.text("header.csv", "x,label\n")
	fx.text("ragged.csv", "x,y,label\n1,2,a\n1,b\n")
	fx.text("quote.csv", "x,label\n1,\"a\n2,b\n")
	fx.text("dupcol.csv", "x,x,label\n1,2,a\n3,4,b\n")
	fx.text("emptyname.csv", "x,,label\n1,2,a\n3,4,b\n")
	fx.text("oneclass.csv", "x,label\n1,a\n2,a\n")
	fx.text("nul.csv", "x,label\n1\x00,a\n2,b\n")
	fx.text("longline.csv", "x,label\n"+strings.Repeat("1", 1<<20+10)+",a\n")
	fx.text("labels20k.csv", csvRows(20000, func(i int) string { return "l" + strconv.Itoa(i) }))
	fx.text("labels1025.csv", csvRows(1025, func(i int) string { return "c" + strconv.Itoa(i) }))
	fx.text("onehot.csv", csvRows(60000, func(i int) string { return strconv.Itoa(i%600) + "z" }))
	fx.text("numeric5000.csv", csvRows(5000, func(i int) string { return strconv.Itoa(i) }))
	var wide strings.Builder
	for j := range 100000 {
		fmt.Fprintf(&wide, "c%d,", j)
	}
	wide.WriteString("label\n")
	for i := range 10 {
		wide.WriteString(strings.Repeat(strconv.Itoa(i)+",", 100000) + string(rune('a'+i%2)) + "\n")
	}
	fx.text("wide.csv", wide.String())
	fx.sparse("big.csv", 2<<30)
	fx.sparse("big.json", 2<<30)
	fx.sparse("big.onnx", 2<<30)

	// Model files.
	fx.text("m60000.json", denseModel(1, 60000, "softmax", "cross-entropy"))
	fx.text("m60000sig.json", denseModel(1, 2000, "sigmoid", "log"))
	fx.text("longrow.json", `{"inputs":2,"loss":"squared","layers":[{"activation":"identity","weights":[[`+strings.Repeat("1,", 3_000_000)+`1]]}]}`)
	fx.text("longmask.json", `{"inputs":2,"loss":"squared","layers":[{"activation":"identity","weights":[[1,2]],"mask":[[`+strings.Repeat("1,", 3_000_000)+`1]]}]}`)
	fx.text("longbias.json", `{"inputs":1,"loss":"squared","layers":[{"activation":"identity","weights":[[1]],"bias":[`+strings.Repeat("0,", 3_000_000)+`0]}]}`)
	fx.text("hugeinputs.json", `{"inputs":1000000000000000000,"loss":"squared","layers":[{"activation":"identity","weights":[[1]]}]}`)
	fx.text("shortrow.json", `{"inputs":100000000,"loss":"squared","layers":[{"activation":"identity","weights":[[1,2]]}]}`)
	fx.text("manyrows.json", `{"inputs":300000000,"loss":"squared","layers":[{"activation":"identity","weights":[`+strings.Repeat("[],", 100000)+`[]]}]}`)
	fx.text("manylayers.json", `{"inputs":1,"loss":"squared","layers":[`+strings.Repeat(`{"activation":"identity","weights":[[1]]},`, 16400)+`{"activation":"identity","weights":[[1]]}]}`)
	var fields strings.Builder
	fields.WriteString(`{"layers":[]`)
	for i := range 5000 {
		fmt.Fprintf(&fields, `,"f%d":0`, i)
	}
	fx.text("manyfields.json", fields.String()+"}")
	fx.text("deep.json", `{"inputs":1,"loss":"squared","layers":`+strings.Repeat("[", 100000)+strings.Repeat("]", 100000)+"}")
	fx.text("gradcheck.json", denseModel(1000, 100, "identity", "squared"))
	fx.text("explain.json", denseModel(1000, 1000, "identity", "squared"))
	fx.text("gradcheck256.json", denseModel(256, 128, "identity", "squared"))
	fx.text("k500.csv", csvRows(1500, func(i int) string { return "k" + strconv.Itoa(i%500) }))
	fx.cli("train", "--data", "k500.csv", "--hidden", "2", "--epochs", "1", "--out", "k500.json")
	fx.text("overflow.json", `{"inputs":1,"loss":"squared","layers":[{"activation":"identity","weights":[[3e38]]},{"activation":"identity","weights":[[3e38]]}]}`)
	fx.text("overflowsm.json", `{"inputs":1,"loss":"cross-entropy","layers":[{"activation":"identity","weights":[[3e38],[1]]},{"activation":"softmax","weights":[[3e38,1],[1,1]]}],"classes":["a","b"]}`)
	fx.text("x1.csv", "x,y\n1,0\n2,1\n")
	fx.text("xl.csv", "x,label\n1,a\n2,b\n3,a\n4,b\n5,a\n6,b\n7,a\n8,b\n9,a\n10,b\n")
	fx.cli("train", "--data", "xl.csv", "--hidden", "2", "--epochs", "2", "--out", "xy.json")
	irisHead := strings.Join(iris.FeatureNames, ",") + ",species\n"
	fx.text("iris-utf8.csv", irisHead+"5.1,3.5,1.4,0.2,setosa\n4.9,3,1.4,0.2,seto\xffsa\n")
	fx.text("iris-utf8feat.csv", irisHead+"5.1,3.5,1.4,0.2,setosa\n4.9,3\xff,1.4,0.2,setosa\n")
	fx.text("xab.csv", "x,y\n1,a\n2,b\n")
	good, _ := os.ReadFile(fx.path("good.json"))
	fx.write("truncated.json", good[:len(good)/2])
	fx.write("damaged.json", bytes.Replace(good, []byte(`"inputs": 4`), []byte(`"inputs": 5`), 1))
	fx.text("notjson.json", "hello\n")
	fx.text("array.json", "[1,2,3]\n")
	fx.text("package.json", `{"name":"left-pad","version":"1.3.0"}`)
	fx.text("badact.json", `{"inputs":1,"loss":"squared","layers":[{"activation":"swish","weights":[[1]]}]}`)
	fx.text("badloss.json", `{"inputs":1,"loss":"hinge","layers":[{"activation":"identity","weights":[[1]]}]}`)
	fx.text("nan.json", `{"inputs":1,"loss":"squared","layers":[{"activation":"identity","weights":[[NaN]]}]}`)
	fx.text("inf.json", `{"inputs":1,"loss":"squared","layers":[{"activation":"identity","weights":[[1e999]]}]}`)
	fx.text("mask.json", `{"inputs":2,"loss":"squared","layers":[{"activation":"identity","weights":[[1,2]],"mask":[[1,7]]}]}`)

	// IDX directories.
	lab := make([]byte, 1_000_000)
	lab[0] = 255
	fx.write("idx-onehot/train-images-idx3-ubyte.gz", gz(idxImages(1_000_000, 1, 1, make([]byte, 1_000_000))))
	fx.write("idx-items/train-images-idx3-ubyte.gz", gz(idxImages(10_000_000, 1, 1, make([]byte, 10_000_000))))
	fx.write("idx-items/train-labels-idx1-ubyte.gz", gz(idxLabels(make([]byte, 10_000_000))))
	fx.write("idx-onehot/train-labels-idx1-ubyte.gz", gz(idxLabels(lab)))
	fx.write("idx-onehot/t10k-images-idx3-ubyte", idxImages(1, 1, 1, []byte{0}))
	fx.write("idx-onehot/t10k-labels-idx1-ubyte", idxLabels([]byte{0}))
	fx.write("idx-claims/train-images-idx3-ubyte", idxImages(1_000_000, 28, 28, nil))
	fx.write("idx-claims/train-labels-idx1-ubyte", idxLabels([]byte{1, 2}))
	fx.write("idx-budget/train-images-idx3-ubyte.gz", gz(idxImages(90_000, 28, 28, nil)))
	fx.write("idx-budget/train-labels-idx1-ubyte.gz", gz(idxLabels(make([]byte, 90_000))))
	fx.write("idx-mismatch/train-images-idx3-ubyte", idxImages(3, 1, 2, []byte{1, 2, 3, 4, 5, 6}))
	fx.write("idx-mismatch/train-labels-idx1-ubyte", idxLabels([]byte{0, 1}))
	fx.write("idx-dims/train-images-idx3-ubyte", idxImages(1, 1<<32-1, 1<<32-1, nil))
	fx.write("idx-dims/train-labels-idx1-ubyte", idxLabels([]byte{0}))
	fx.write("idx-magic/train-images-idx3-ubyte", idxLabels([]byte{0, 1}))
	fx.write("idx-magic/train-labels-idx1-ubyte", idxLabels([]byte{0, 1}))
	fx.write("idx-gzip/train-images-idx3-ubyte.gz", []byte{0x1f, 0x8b, 8, 0, 1, 2, 3})
	fx.write("idx-gzip/train-labels-idx1-ubyte", idxLabels([]byte{0, 1}))
	fx.write("idx-trunc/train-images-idx3-ubyte", idxImages(4, 2, 2, []byte{1, 2, 3}))
	fx.write("idx-trunc/train-labels-idx1-ubyte", idxLabels([]byte{0, 1, 0, 1}))
	fx.write("idx-trailing/train-images-idx3-ubyte", idxImages(2, 1, 2, []byte{1, 2, 3, 4, 5}))
	fx.write("idx-trailing/train-labels-idx1-ubyte", idxLabels([]byte{0, 1}))
	fx.write("idx-oneclass/train-images-idx3-ubyte", idxImages(2, 1, 1, []byte{1, 2}))
	fx.write("idx-oneclass/train-labels-idx1-ubyte", idxLabels([]byte{0, 0}))
	fx.sparse("idx-sparse/train-images-idx3-ubyte", 2<<30)
	fx.write("idx-sparse/train-labels-idx1-ubyte", idxLabels([]byte{0, 1}))
	fx.link("idx-zero/train-images-idx3-ubyte", "/dev/zero")
	fx.write("idx-zero/train-labels-idx1-ubyte", idxLabels([]byte{0, 1}))
	os.Mkdir(fx.path("idx-empty"), 0o755)
	// A small IDX run, its model, and test files that do not fit it.
	pix := make([]byte, 30*4)
	labs := make([]byte, 30)
	for i := range labs {
		labs[i] = byte(i % 3)
		pix[i*4+int(labs[i])] = 255
	}
	for _, d := range []string{"idx-small", "idx-badtest", "idx-wrongsize", "idx-notest", "idx-bigtest", "idx-badtrain"} {
		fx.write(d+"/train-images-idx3-ubyte", idxImages(30, 2, 2, pix))
		fx.write(d+"/train-labels-idx1-ubyte", idxLabels(labs))
	}
	fx.write("idx-small/t10k-images-idx3-ubyte", idxImages(3, 2, 2, pix[:12]))
	fx.write("idx-small/t10k-labels-idx1-ubyte", idxLabels(labs[:3]))
	fx.cli("train", "--data", "idx-small", "--hidden", "3", "--epochs", "2", "--out", "idx.json")
	fx.write("idx-badtest/t10k-images-idx3-ubyte", idxImages(2, 2, 2, pix[:8]))
	fx.write("idx-badtest/t10k-labels-idx1-ubyte", idxLabels([]byte{0, 200}))
	fx.write("idx-wrongsize/t10k-images-idx3-ubyte", idxImages(2, 3, 3, make([]byte, 18)))
	fx.write("idx-wrongsize/t10k-labels-idx1-ubyte", idxLabels([]byte{0, 1}))
	fx.write("idx-bigtest/t10k-images-idx3-ubyte.gz", gz(idxImages(1_000_000, 2, 2, nil)))
	fx.write("idx-bigtest/t10k-labels-idx1-ubyte.gz", gz(idxLabels(make([]byte, 1_000_000))))
	fx.write("idx-badtrain/t10k-images-idx3-ubyte", idxImages(3, 2, 2, pix[:12]))
	fx.write("idx-badtrain/t10k-labels-idx1-ubyte", idxLabels([]byte{0, 1, 7}))
	fx.write("idx-badtrain/train-images-idx3-ubyte", []byte("not even IDX"))

	// ONNX graphs.
	onnxGood, _ := os.ReadFile(fx.path("good.onnx"))
	fx.write("onnx-trunc.onnx", onnxGood[:len(onnxGood)/2])
	fx.write("onnx-empty.onnx", nil)
	fx.text("onnx-text.onnx", "not a model at all\n")
	fx.write("onnx-width27.onnx", onnxScaled(1<<27))
	fx.write("onnx-width28.onnx", onnxScaled(1<<28))
	fx.write("onnx-width40.onnx", onnxScaled(1<<40))
	fx.write("onnx-width62.onnx", onnxScaled(1<<62))
	fx.write("onnx-negwidth.onnx", onnxScaled(-5))
	gemm := func(W, b pb) []byte {
		return onnxModel(3, []pb{onnxNode("Gemm", []string{"x", "W", "b"}, "y", pb(nil).str(1, "transB").varint(3, 1).varint(20, 2))}, []pb{W, b})
	}
	fx.write("onnx-dims.onnx", gemm(onnxTensor("W", []int64{1 << 20, 1 << 20}, nil), onnxTensor("b", []int64{2}, []float32{0, 0})))
	fx.write("onnx-dims62.onnx", gemm(onnxTensor("W", []int64{1 << 62, 1 << 62}, nil), onnxTensor("b", []int64{2}, []float32{0, 0})))
	fx.write("onnx-negdims.onnx", gemm(onnxTensor("W", []int64{-2, -3}, []float32{1, 2, 3, 4, 5, 6}), onnxTensor("b", []int64{2}, []float32{0, 0})))
	fx.write("onnx-count.onnx", gemm(onnxTensor("W", []int64{2, 3}, []float32{1, 2, 3}), onnxTensor("b", []int64{2}, []float32{0, 0})))
	fx.write("onnx-shape.onnx", gemm(onnxTensor("W", []int64{2, 4}, make([]float32, 8)), onnxTensor("b", []int64{2}, []float32{0, 0})))
	fx.write("onnx-bias.onnx", gemm(onnxTensor("W", []int64{2, 3}, make([]float32, 6)), onnxTensor("b", []int64{1 << 40}, nil)))
	fx.write("onnx-3d.onnx", gemm(onnxTensor("W", []int64{2, 3, 1}, make([]float32, 6)), onnxTensor("b", []int64{2}, []float32{0, 0})))
	fx.write("onnx-conv.onnx", onnxModel(3, []pb{onnxNode("Conv", []string{"x", "W"}, "y")}, []pb{onnxTensor("W", []int64{2, 3}, make([]float32, 6))}))
	fx.write("onnx-nolayer.onnx", onnxModel(3, []pb{onnxNode("Relu", []string{"x"}, "y")}, nil))
	fx.write("onnx-nograph.onnx", pb(nil).varint(1, 8))
	fx.write("onnx-loop.onnx", onnxModel(3, []pb{onnxNode("Gemm", []string{"y", "W"}, "y")}, []pb{onnxTensor("W", []int64{2, 3}, make([]float32, 6))}))
	var chain []pb
	for i := range 16385 {
		in, out := "v"+strconv.Itoa(i), "v"+strconv.Itoa(i+1)
		if i == 0 {
			in = "x"
		}
		if i == 16384 {
			out = "y"
		}
		chain = append(chain, onnxNode("Gemm", []string{in, "W"}, out))
	}
	fx.write("onnx-layers.onnx", onnxModel(1, chain, []pb{onnxTensor("W", []int64{1, 1}, []float32{1})}))
	fx.write("onnx-nan.onnx", gemm(onnxTensor("W", []int64{2, 3}, []float32{float32(math.NaN()), 0, 0, 0, 0, 0}), onnxTensor("b", []int64{2}, []float32{0, 0})))
}

// cases is the table.
func (fx *fixture) cases() []hostileCase {
	var cs []hostileCase
	add := func(class, want string, args ...string) { cs = append(cs, hostileCase{class, args, want}) }
	tr := func(extra ...string) []string {
		return append([]string{"train", "--data", "iris", "--hidden", "4", "--epochs", "2", "--lr", "0.05", "--out", "existing.json"}, extra...)
	}
	trainOn := func(data string, extra ...string) []string {
		return append([]string{"train", "--data", data, "--hidden", "4", "--epochs", "2", "--out", "existing.json"}, extra...)
	}

	// Derived sizes.
	add("derived sizes", "MaxClasses", trainOn("labels20k.csv")...)
	add("derived sizes", "MaxClasses", trainOn("labels1025.csv")...)
	add("derived sizes", "MaxOneHot", trainOn("onehot.csv")...)
	add("derived sizes", "MaxClasses", trainOn("numeric5000.csv", "--loss", "cross-entropy")...)
	add("derived sizes", "MaxClasses", "evaluate", "--model", "m60000.json", "--data", "x1.csv")
	add("derived sizes", "MaxClasses", "predict", "--model", "m60000.json", "--data", "x1.csv", "--out", "existing.csv")
	add("derived sizes", "MaxClasses", "export", "--model", "m60000.json", "--onnx", "out.onnx")
	add("derived sizes", "MaxClasses", "evaluate", "--model", "m60000sig.json", "--data", "x1.csv")
	add("derived sizes", "MaxOneHot", trainOn("idx-onehot")...)
	add("derived sizes", "more than the limit", trainOn("idx-claims", "--stream=false")...)
	add("derived sizes", "more than the limit 1048576", trainOn("idx-items", "--stream=false")...)
	add("derived sizes", "67108864", trainOn("idx-budget", "--stream=false")...)
	add("derived sizes", "more than the limit", trainOn("idx-dims")...)
	// Beyond the limits of data in memory, train streams an IDX directory
	// (allocating nothing by the headers' claims) and finds what is wrong.
	add("derived sizes", "has 1000000 images but idx-claims/train-labels-idx1-ubyte has 2 labels", trainOn("idx-claims")...)
	add("derived sizes", "only one class, 0; need at least 2", trainOn("idx-items")...)
	add("derived sizes", "truncated: the data of item 0 of 90000 is missing", trainOn("idx-budget")...)
	add("derived sizes", "MaxLayerParams", tr("--hidden", "65536,65536")...)
	add("derived sizes", "MaxParams", tr("--hidden", "8192,8192")...)
	add("derived sizes", "MaxParams", tr("--hidden", "4096,4096,4096,4096,4096")...)
	add("derived sizes", "MaxLayerParams", trainOn("wide.csv", "--hidden", "3000")...)
	add("derived sizes", "65536", tr("--hidden", "65537")...)
	add("derived sizes", "65536", tr("--hidden", "0")...)
	add("derived sizes", "65536", tr("--hidden", "-3")...)
	add("derived sizes", "65536", tr("--hidden", "4,,4")...)
	add("derived sizes", "65536", tr("--hidden", "1e3")...)
	add("derived sizes", "65536", tr("--hidden", "99999999999999999999")...)
	add("derived sizes", "weights[0]: more than", "evaluate", "--model", "longrow.json", "--data", "x1.csv")
	add("derived sizes", "mask[0]: more than", "predict", "--model", "longmask.json", "--data", "x1.csv")
	add("derived sizes", "bias: more than", "explain", "--model", "longbias.json", "--x", "1", "--y", "1")
	add("derived sizes", "268435456 parameters", "evaluate", "--model", "hugeinputs.json", "--data", "x1.csv")
	add("derived sizes", "2 values, want 100000000", "gradcheck", "--model", "shortrow.json", "--x", "1", "--y", "1")
	add("derived sizes", "268435456 parameters", "export", "--model", "manyrows.json", "--onnx", "out.onnx")
	add("derived sizes", "more than 16384", "evaluate", "--model", "manylayers.json", "--data", "x1.csv")
	add("derived sizes", "more than 4096 fields", "predict", "--model", "manyfields.json", "--data", "x1.csv")
	add("derived sizes", "deep.json", "explain", "--model", "deep.json", "--x", "1", "--y", "1")
	x1000 := strings.TrimSuffix(strings.Repeat("1,", 1000), ",")
	y100 := strings.TrimSuffix(strings.Repeat("0,", 100), ",")
	add("derived sizes", "MaxGradCheckWork", "gradcheck", "--model", "gradcheck.json", "--x", x1000, "--y", y100)
	xs := []string{"explain", "--model", "explain.json"}
	for range 5 {
		xs = append(xs, "--x", x1000, "--y", x1000)
	}
	add("derived sizes", "MaxExplainWork", xs...)
	add("derived sizes", "MaxExplainWork", "explain", "--model", "explain.json", "--x", x1000, "--y", x1000)
	x256 := strings.TrimSuffix(strings.Repeat("1,", 256), ",")
	add("derived sizes", "MaxGradCheckWork", "gradcheck", "--model", "gradcheck256.json", "--x", x256, "--y", strings.TrimSuffix(strings.Repeat("0,", 128), ","))
	add("derived sizes", "plot.MaxClasses", "evaluate", "--model", "k500.json", "--data", "k500.csv", "--plot", "k500.png")
	add("derived sizes", "plot.MaxClasses", "evaluate", "--model", "k500.json", "--data", "k500.csv", "--plot", "k500.svg")
	add("derived sizes", "MaxTrainBytes", "train", "--data", "wide.csv", "--out", "existing.json")
	add("derived sizes", "MaxTrainBytes", "train", "--data", "wide.csv", "--out", "existing.json", "--hidden", "300", "--precision", "float64", "--optimizer", "sgd")

	// Files too large by their size, devices, pipes, directories.
	add("file sizes", "more than the limit of 1073741824 bytes", trainOn("big.csv", "--stream=false")...)
	// Larger than data.MaxCSVBytes, train streams it: the first line of
	// 2 GiB of zero bytes is too long.
	add("file sizes", "big.csv:1: line longer than 1048576 bytes", trainOn("big.csv")...)
	add("file sizes", "more than the limit of 1073741824 bytes", tr("--val", "big.csv")...)
	add("file sizes", "more than the limit of 1073741824 bytes", tr("--test", "big.csv")...)
	add("file sizes", "more than the limit of 1073741824 bytes", "evaluate", "--model", "big.json", "--data", "iris")
	add("file sizes", "more than the limit of 1073741824 bytes", "predict", "--model", "good.json", "--data", "big.csv", "--stream=false")
	add("file sizes", "more than the limit of 1073741824 bytes", "evaluate", "--model", "good.json", "--data", "big.csv", "--stream=false")
	// Larger than data.MaxCSVBytes, evaluate and predict stream it too.
	add("file sizes", "big.csv:1: line longer than 1048576 bytes", "predict", "--model", "good.json", "--data", "big.csv")
	add("file sizes", "big.csv:1: line longer than 1048576 bytes", "evaluate", "--model", "good.json", "--data", "big.csv", "--split", "all")
	add("file sizes", "more than the limit of 1073741824 bytes", "import", "--onnx", "big.onnx", "--model", "out.json")
	add("file sizes", "more than the limit", trainOn("idx-sparse")...)
	add("file sizes", "more than the limit of 8589934592 bytes", "train", "--resume", "ck-sparse")
	add("file sizes", "is a device", "train", "--resume", "ck-device")
	add("file sizes", "is a named pipe", "train", "--resume", "ck-fifo")
	add("file sizes", "is a directory", "train", "--resume", "ck-isdir")
	add("file sizes", "is a device", "evaluate", "--model", "zero.json", "--data", "iris")
	add("file sizes", "is a device", "predict", "--model", "zero.json", "--data", "iris")
	add("file sizes", "is a device", "explain", "--model", "zero.json", "--x", "1", "--y", "1")
	add("file sizes", "is a device", "gradcheck", "--model", "zero.json", "--x", "1", "--y", "1")
	add("file sizes", "is a device", "export", "--model", "zero.json", "--onnx", "out.onnx")
	add("file sizes", "is a device", "evaluate", "--model", "null.json", "--data", "iris")
	add("file sizes", "is a device", trainOn("zero.csv")...)
	add("file sizes", "is a device", "predict", "--model", "good.json", "--data", "zero.csv")
	add("file sizes", "is a device", "import", "--onnx", "zero.onnx", "--model", "out.json")
	add("file sizes", "is a device", trainOn("idx-zero")...)
	add("file sizes", "is a named pipe", "evaluate", "--model", "fifo.json", "--data", "iris")
	add("file sizes", "is a named pipe", trainOn("fifo.csv")...)
	add("file sizes", "is a named pipe", "import", "--onnx", "fifo.onnx", "--model", "out.json")
	add("file sizes", "is a directory", "evaluate", "--model", "adir", "--data", "iris")
	add("file sizes", "is a directory", "import", "--onnx", "adir", "--model", "out.json")
	add("file sizes", "adir.csv", tr("--val", "adir.csv")...)
	add("file sizes", "no such file", "evaluate", "--model", "none.json", "--data", "iris")

	// ONNX shapes and graphs.
	for _, c := range []struct{ file, want string }{
		{"onnx-width27.onnx", "want 134217728 columns"},
		{"onnx-width28.onnx", "want 268435456 columns"},
		{"onnx-width40.onnx", "MaxLayerParams"},
		{"onnx-width62.onnx", "MaxLayerParams"},
		{"onnx-negwidth.onnx", "fixed number of features"},
		{"onnx-dims.onnx", "out of range"},
		{"onnx-dims62.onnx", "out of range"},
		{"onnx-negdims.onnx", "out of range"},
		{"onnx-count.onnx", "3 values for dimensions"},
		{"onnx-shape.onnx", "want 3 columns"},
		{"onnx-bias.onnx", "out of range"},
		{"onnx-3d.onnx", "want 2 dimensions"},
		{"onnx-conv.onnx", "not supported"},
		{"onnx-nolayer.onnx", "an activation must follow"},
		{"onnx-nograph.onnx", "no graph"},
		{"onnx-loop.onnx", "want"},
		{"onnx-nan.onnx", "NaN"},
		{"onnx-layers.onnx", "more than 16384 layers (MaxLayers)"},
		{"onnx-trunc.onnx", "not an ONNX model"},
		{"onnx-empty.onnx", "onnx-empty.onnx"},
		{"onnx-text.onnx", "not an ONNX model"},
	} {
		add("ONNX shapes", c.want, "import", "--onnx", c.file, "--model", "out.json")
	}

	// Bad flags, every verb.
	for _, c := range []struct {
		want string
		args []string
	}{
		{"--val-split -0.1", []string{"--val-split", "-0.1"}},
		{"--val-split NaN", []string{"--val-split", "NaN"}},
		{"--val-split 1", []string{"--val-split", "1"}},
		{"--val-split +Inf", []string{"--val-split", "Inf"}},
		{"--test-split -0.5", []string{"--test-split", "-0.5"}},
		{"--test-split NaN", []string{"--test-split", "nan"}},
		{"--test-split 1", []string{"--test-split", "1"}},
		{"--lr", []string{"--lr", "-1"}},
		{"--lr", []string{"--lr", "0"}},
		{"--lr", []string{"--lr", "Inf"}},
		{"--lr NaN", []string{"--lr", "NaN"}},
		{"--slope", []string{"--slope", "NaN"}},
		{"--momentum", []string{"--optimizer", "momentum", "--momentum", "NaN"}},
		{"--l2", []string{"--l2", "Inf"}},
		{"--l1 +Inf", []string{"--l1", "Inf"}},
		{"--l1 NaN", []string{"--l1", "NaN"}},
		{"epochs", []string{"--epochs", "0"}},
		{"epochs", []string{"--epochs", "-3"}},
		{"--epochs 1000000000: more than the limit of 100000", []string{"--epochs", "1000000000"}},
		{"--batch 0", []string{"--batch", "0"}},
		{"--every 0", []string{"--schedule", "step", "--every", "0"}},
		{"--gamma 0", []string{"--schedule", "step", "--gamma", "0"}},
		{"--patience -1", []string{"--patience", "-1"}},
		{"gamma", []string{"--schedule", "step", "--gamma", "2"}},
		{"unknown optimizer", []string{"--optimizer", "adamw"}},
		{"unknown mode", []string{"--mode", "online"}},
		{"unknown schedule", []string{"--schedule", "linear"}},
		{"unknown activation", []string{"--activation", "gelu"}},
		{"--loss", []string{"--loss", "hinge"}},
		{"--precision", []string{"--precision", "float16"}},
		{"--scale", []string{"--scale", "robust"}},
		{"colour", []string{"--target", "colour"}},
		{"-seed", []string{"--seed", "-1"}},
		{"--checkpoint-every 0", []string{"--checkpoint", "newck", "--checkpoint-every", "0"}},
		{"flag provided but not defined", []string{"--frobnicate"}},
		{"unexpected argument", []string{"stray"}},
		{"--patience needs a validation set", []string{"--val-split", "0", "--patience", "3"}},
	} {
		add("bad flags", c.want, tr(c.args...)...)
	}
	add("bad flags", "unknown command", "frobnicate")
	add("bad flags", "--data is required", "evaluate", "--model", "good.json")
	add("bad flags", "--model FILE is required", "predict", "--data", "iris")
	add("bad flags", "--onnx FILE is required", "export", "--model", "good.json")
	add("bad flags", "are required", "import", "--onnx", "good.onnx")
	add("bad flags", "--split", "evaluate", "--model", "good.json", "--data", "iris.csv", "--split", "holdout")
	add("bad flags", `unknown format "pdf"`, "explain", "--format", "pdf")
	add("bad flags", "--lr -1", "explain", "--lr", "-1")
	add("bad flags", "is not a finite number", "explain", "--x", "1,NaN", "--y", "1")
	add("bad flags", "is not a finite number", "gradcheck", "--x", "1,0", "--y", "Inf")
	add("bad flags", "is not a finite number", "gradcheck", "--x", "1_0,0", "--y", "1")
	add("bad flags", "--reps", "bench", "--reps", "0")
	add("bad flags", "unknown workload", "bench", "--only", "w9")

	// Damaged and mismatched checkpoints.
	for _, c := range []struct{ dir, want string }{
		{"ck-trunc", "damaged"},
		{"ck-flipped", "checksum mismatch"},
		{"ck-empty", "damaged"},
		{"ck-notjson", "damaged"},
		{"ck-old", "older version"},
		{"ck-none", "no checkpoint"},
		{"nonexistent-ck", "no checkpoint directory"},
		{"ck-format", "not a backprop-checkpoint/2 file"},
		{"ck-flag", "--frobnicate this version does not know"},
		{"ck-flagvalue", "--epochs zero"},
		{"ck-model", "ck-model"},
		{"ck-modelshape", "does not match the run's"},
		{"ck-nostate", "not a backprop-checkpoint/2 file"},
		{"ck-epoch", "epoch 99"},
		{"ck-negative", "negative count"},
		{"ck-rng", "shuffling generator"},
		{"ck-moments", "parameter vectors"},
		{"ck-best", "best"},
		{"ck-history", "history"},
		{"ck-optimizer", "optimizer"},
		{"ck-hugearray", "parameter vectors"},
		{"changingck", "the data differs"},
	} {
		add("checkpoints", c.want, "train", "--resume", c.dir, "--out", "existing.json")
	}
	add("checkpoints", "--lr 0.1 differs", "train", "--resume", "goodck", "--lr", "0.1", "--out", "existing.json")
	add("checkpoints", "--hidden 5 differs", "train", "--resume", "goodck", "--hidden", "5", "--out", "existing.json")

	// Output paths: links to directories, dangling links, devices, pipes,
	// directories, missing parents, files as parents.
	outs := []struct{ class, want, path string }{
		{"output paths", "is a directory", "linkdir.%s"},
		{"output paths", "symbolic link to a file that does not exist", "dangling.%s"},
		{"output paths", "is a device", "null.%s"},
		{"output paths", "is a named pipe", "fifo.%s"},
		{"output paths", "is a directory", "adir.%s"},
		{"output paths", "there is no directory", "nodir/sub/out.%s"},
		{"output paths", "is not a directory", "existing.json/out.%s"},
	}
	for _, o := range outs {
		p := func(ext string) string { return fmt.Sprintf(o.path, ext) }
		add(o.class, o.want, "train", "--data", "iris", "--hidden", "4", "--epochs", "2", "--out", p("json"))
		add(o.class, o.want, tr("--history", p("csv"))...)
		add(o.class, o.want, "predict", "--model", "good.json", "--data", "iris", "--out", p("csv"))
		add(o.class, o.want, "export", "--model", "good.json", "--onnx", p("onnx"))
		add(o.class, o.want, "import", "--onnx", "good.onnx", "--model", p("json"))
		add(o.class, o.want, tr("--plot", p("png"))...)
		add(o.class, o.want, "explain", "--svg", p("svg"))
		add(o.class, o.want, "explain", "--png", p("png"))
		add(o.class, o.want, "evaluate", "--model", "good.json", "--data", "iris.csv", "--plot", p("png"))
	}
	// Outputs that are inputs, or each other.
	add("output paths", "--out iris.csv is the --data file", "train", "--data", "iris.csv", "--hidden", "4", "--epochs", "2", "--out", "iris.csv")
	add("output paths", "--out link-iris.csv is the --data file", "train", "--data", "iris.csv", "--hidden", "4", "--epochs", "2", "--out", "link-iris.csv")
	add("output paths", "--history iris.csv is the --val file", tr("--val", "iris.csv", "--history", "iris.csv")...)
	add("output paths", "--out and --history are the same file", tr("--history", "existing.json")...)
	add("output paths", "--out iris.csv is the --data file", "predict", "--model", "good.json", "--data", "iris.csv", "--out", "iris.csv")
	add("output paths", "--out good.json is the --model file", "predict", "--model", "good.json", "--data", "iris.csv", "--out", "good.json")
	add("output paths", "--onnx good.json is the --model file", "export", "--model", "good.json", "--onnx", "good.json")
	add("output paths", "--model good.onnx is the --onnx file", "import", "--onnx", "good.onnx", "--model", "good.onnx")
	add("output paths", "--out good.json is the --init file", "train", "--data", "iris.csv", "--epochs", "2", "--init", "good.json", "--out", "good.json")
	add("output paths", "is a device", "train", "--data", "iris", "--hidden", "4", "--epochs", "2", "--out", "/dev/null")
	add("output paths", "is a device", "predict", "--model", "good.json", "--data", "iris", "--out", "/dev/null")
	add("output paths", "is a device", "bench", "--only", "gemm", "--cpuprofile", "/dev/null")
	add("output paths", "there is no directory", tr("--checkpoint", "nodir/sub/ck")...)
	add("output paths", "is not a directory", tr("--checkpoint", "existing.json/ck")...)
	add("output paths", "not a directory", tr("--checkpoint", "existing.json")...)
	add("output paths", "is a device", tr("--checkpoint", "ck-device")...)
	add("output paths", "is a directory", tr("--checkpoint", "ck-isdir")...)
	add("output paths", "is a named pipe", tr("--checkpoint", "ck-fifo")...)

	// Text that is not text, numbers in Go-only syntax.
	for _, c := range []struct{ file, want string }{
		{"utf8-label.csv", "utf8-label.csv:3:2: invalid UTF-8"},
		{"utf8-collide.csv", "utf8-collide.csv:2:2: invalid UTF-8"},
		{"utf8-header.csv", "utf8-header.csv:1:2: invalid UTF-8"},
		{"utf8-feature.csv", "utf8-feature.csv:2:1: invalid UTF-8"},
		{"utf8-overlong.csv", "invalid UTF-8: byte 0xc0"},
		{"utf8-surrogate.csv", "invalid UTF-8: byte 0xed"},
		{"underscore.csv", `"1_000" is not a number in decimal or scientific notation`},
		{"hexfloat.csv", `"0x1p-2" is not a number in decimal or scientific notation`},
		{"hex.csv", `"0x10" is not a number`},
		{"octal.csv", `"0o17" is not a number`},
		{"binary.csv", `"0b101" is not a number`},
		{"inf.csv", `"Inf" is not a finite number`},
		{"nan.csv", `"NaN" is not a finite number`},
		{"plusinf.csv", `"+inf" is not a finite number`},
		{"infinity.csv", `"-Infinity" is not a finite number`},
		{"nanlower.csv", `"nan" is not a finite number`},
		{"exp.csv", `"1e" is not a number`},
		{"dots.csv", `"1.2.3" is not a number`},
		{"signs.csv", `"--1" is not a number`},
		{"comma.csv", `extra field`},
		{"space.csv", `"1 2" is not a number`},
		{"range.csv", "out of the float32 range"},
		{"spaces.csv", "differ only in spaces around them"},
		{"empty.csv", "empty file"},
		{"bom.csv", "empty"},
		{"header.csv", "no data rows"},
		{"ragged.csv", "ragged.csv:3"},
		{"quote.csv", "quote.csv:"},
		{"dupcol.csv", "duplicate column name"},
		{"emptyname.csv", "empty column name"},
		{"oneclass.csv", "only one class"},
		{"nul.csv", "nul.csv:2:1"},
		{"longline.csv", "line longer than"},
	} {
		add("text", c.want, trainOn(c.file)...)
	}
	add("text", "iris-utf8.csv:3:5: invalid UTF-8", "predict", "--model", "good.json", "--data", "iris-utf8.csv", "--out", "existing.csv")
	add("text", "iris-utf8.csv:3:5: invalid UTF-8", "evaluate", "--model", "good.json", "--data", "iris-utf8.csv")
	add("text", "utf8-header.csv:1:2: invalid UTF-8", "evaluate", "--model", "good.json", "--data", "utf8-header.csv")
	add("text", "iris-utf8.csv:3:5: invalid UTF-8", tr("--val", "iris-utf8.csv")...)
	add("text", "iris-utf8feat.csv:3:2: invalid UTF-8", tr("--test", "iris-utf8feat.csv")...)
	add("text", "not a number in decimal", "evaluate", "--model", "xy.json", "--data", "underscore.csv")

	// Model files.
	for _, c := range []struct{ file, want string }{
		{"truncated.json", "truncated"},
		{"damaged.json", "checksum mismatch"},
		{"notjson.json", "not a model file"},
		{"array.json", "not a model file"},
		{"package.json", `no "layers" field`},
		{"badact.json", "swish"},
		{"badloss.json", "hinge"},
		{"nan.json", "nan.json"},
		{"inf.json", "not a finite"},
		{"mask.json", "want 0 or 1"},
	} {
		add("model files", c.want, "evaluate", "--model", c.file, "--data", "x1.csv")
		add("model files", c.want, "explain", "--model", c.file, "--x", "1", "--y", "1")
	}
	add("model files", "the model's output is +Inf", "predict", "--model", "overflow.json", "--data", "x1.csv", "--out", "existing.csv")
	add("model files", "not finite", "evaluate", "--model", "overflow.json", "--data", "x1.csv")
	add("model files", "the model's output is", "predict", "--model", "overflowsm.json", "--data", "xab.csv", "--out", "existing.csv")

	// IDX directories.
	add("IDX directories", "no file", trainOn("idx-empty")...)
	add("IDX directories", "has 3 images but", trainOn("idx-mismatch")...)
	add("IDX directories", "magic number", trainOn("idx-magic")...)
	add("IDX directories", "gzip", trainOn("idx-gzip")...)
	add("IDX directories", "truncated", trainOn("idx-trunc")...)
	add("IDX directories", "data after", trainOn("idx-trailing")...)
	add("IDX directories", "only one class", trainOn("idx-oneclass")...)
	add("IDX directories", "no file t10k", trainOn("idx-notest")...)
	// --loss squared on an IDX directory trains on one-hot targets: its budget still holds.
	add("IDX directories", "more than the limit of", trainOn("idx-budget", "--loss", "squared", "--stream=false")...)
	add("IDX directories", "label 200", "evaluate", "--model", "idx.json", "--data", "idx-badtest")
	add("IDX directories", "label 200", "predict", "--model", "idx.json", "--data", "idx-badtest", "--out", "existing.csv")
	add("IDX directories", "9 features", "evaluate", "--model", "idx.json", "--data", "idx-wrongsize")
	add("IDX directories", "no file t10k", "predict", "--model", "idx.json", "--data", "idx-notest", "--out", "existing.csv")
	add("IDX directories", "truncated", "evaluate", "--model", "idx.json", "--data", "idx-bigtest")
	add("IDX directories", "label 7", "evaluate", "--model", "idx.json", "--data", "idx-badtrain")
	return cs
}
