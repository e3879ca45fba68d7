package serve

import (
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCall: the WebAssembly engine's way in answers as the HTTP API does,
// the worked example included.
func TestCall(t *testing.T) {
	s := New(Limits{}, nil)
	code, body := s.Call("POST", "/api/sessions?grid=5&data=1", []byte(`{"dataset":"circles"}`))
	var st state
	if code != 201 || json.Unmarshal(body, &st) != nil || st.Config.Dataset != "circles" || st.Boundary.Res != 5 {
		t.Fatalf("create: %d %s", code, body)
	}
	code, body = s.Call("POST", "/api/sessions/"+st.ID+"/article", nil)
	var art struct{ Example stepRequest }
	if code != 200 || json.Unmarshal(body, &art) != nil {
		t.Fatalf("article: %d %s", code, body)
	}
	req, _ := json.Marshal(map[string]any{"x": art.Example.X, "y": art.Example.Y, "alpha": art.Example.Alpha})
	code, body = s.Call("POST", "/api/sessions/"+st.ID+"/step", req)
	var res stepResult
	if code != 200 || json.Unmarshal(body, &res) != nil || math.Abs(res.OutputAfter[0]-0.698076) > 5e-7 {
		t.Fatalf("step: %d %s", code, body)
	}
	for _, tc := range []struct {
		method, target, body string
		status               int
	}{
		{"GET", "/api/sessions/nope", "", 404},
		{"POST", "/api/sessions", `{"hidden": null}`, 400},
		{"GET", "/api/nothing", "", 404},
		{"GET", "%zz", "", 400},
		{"PUT", "/api/sessions/" + st.ID, "{}", 405},
		{"POST", "/api/limits", "{}", 405},
		{"GET", "/api/sessions/" + st.ID + "/config/x", "", 404},
	} {
		if code, body := s.Call(tc.method, tc.target, []byte(tc.body)); code != tc.status || !strings.Contains(string(body), `"error"`) {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.target, code, body, tc.status)
		}
	}
}

// TestExportStatic: the export is the embedded page, engine included; a
// build without the engine says how to get it.
func TestExportStatic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	err := ExportStatic(dir)
	if _, missing := fs.Stat(static, "static/backprop.wasm.gz"); missing != nil {
		if err == nil || !strings.Contains(err.Error(), "go generate ./serve") {
			t.Fatalf("without the engine: %v", err)
		}
		t.Skip("this build has no WebAssembly engine (go generate ./serve)")
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"index.html", "app.js", "style.css", "worker.js", "wasm_exec.js", "backprop.wasm.gz"} {
		want, _ := fs.ReadFile(static, "static/"+name)
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != string(want) || len(got) == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := ExportStatic(dir); err == nil || !strings.Contains(err.Error(), "new or empty folder") {
		t.Errorf("exporting over an export: %v", err)
	}
}
