package serve

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
)

// Call runs one API request in this process, without a network: method,
// target (a path with its query, "/api/sessions/{id}?grid=50") and body
// (JSON, or empty), as the page would send it. It answers the status and
// the JSON body. The checks against other sites (Host, Origin,
// Content-Type) are the network's and do not apply. The WebAssembly engine
// of the page (serve/wasm) answers the page's requests with it.
func (s *Server) Call(method, target string, body []byte) (status int, answer []byte) {
	r, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		var w memWriter
		fail(&w, http.StatusBadRequest, fmt.Errorf("request: %w", err))
		return w.status, w.body.Bytes()
	}
	w := memWriter{header: http.Header{}}
	s.mux.ServeHTTP(&w, r)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.status, w.body.Bytes()
}

// memWriter is an http.ResponseWriter into memory.
type memWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *memWriter) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}

func (w *memWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *memWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// ExportStatic writes the page into dir (created; it must not hold files of
// the same names): a folder any static web server can serve, the engine
// running in the browser, no server API needed. It needs a build with the
// engine (go generate ./serve before go build).
func ExportStatic(dir string) error {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return err
	}
	if _, err := fs.Stat(sub, "backprop.wasm.gz"); err != nil {
		return errors.New("this build has no WebAssembly engine: run go generate ./serve, then build again")
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o755); err != nil {
		return err
	}
	if err := os.CopyFS(dir, sub); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("export %s: %w (export into a new or empty folder)", dir, err)
		}
		return fmt.Errorf("export %s: %w", dir, err)
	}
	return nil
}
