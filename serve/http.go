//go:build !js

package serve

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// The playground on the network: the page's files, the API behind its
// guards, and the page written out for static hosts. (The WebAssembly
// engine has none of it: it answers the page through Call.)

// CSP is the Content-Security-Policy of every answer: the page loads only
// its own files (the WebAssembly engine among them), shows only its own
// images and data: URLs, and may not be framed.
const CSP = "default-src 'self'; img-src 'self' data:; script-src 'self' 'wasm-unsafe-eval'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// ServeHTTP serves the page and the API. The API answers only requests
// addressed to this machine by an IP address or localhost (a page on a
// domain that rebinds its name to 127.0.0.1 is refused), and changes
// sessions only for requests with a JSON body type (which a page on another
// origin cannot send without the browser asking first) and without a
// foreign Origin.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		s.page(w, r)
		return
	}
	h.Set("Cache-Control", "no-store")
	var a *out
	if status, err := guard(r); err != nil {
		a = &out{}
		fail(a, status, err)
	} else {
		rq := &request{ctx: r.Context(), method: r.Method, path: r.URL.Path, query: r.URL.Query()}
		rq.body, rq.bodyErr = io.ReadAll(http.MaxBytesReader(w, r.Body, s.lim.MaxBody))
		if rq.bodyErr != nil {
			rq.bodyStatus, rq.bodyErr = statusBadRequest, fmt.Errorf("reading the request body: %w", rq.bodyErr)
			var tooBig *http.MaxBytesError
			if errors.As(rq.bodyErr, &tooBig) {
				rq.bodyStatus, rq.bodyErr = statusRequestEntityTooLarge, fmt.Errorf("request body over %d bytes", s.lim.MaxBody)
			}
		}
		a = s.route(rq)
	}
	for _, kv := range a.header {
		h.Set(kv[0], kv[1])
	}
	if a.body != nil {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(a.status)
	w.Write(a.body)
}

// page serves the page's files: read with GET (or HEAD).
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		a := &out{}
		fail(a, statusMethodNotAllowed, fmt.Errorf("%s %s: the page is read with GET", r.Method, r.URL.Path))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(a.status)
		w.Write(a.body)
		return
	}
	sub, _ := fs.Sub(static, "static")
	http.FileServerFS(sub).ServeHTTP(w, r)
}

// guard refuses API requests that a page of another site could make: a
// Host that is a name other than localhost (DNS rebinding), and writes
// whose Content-Type is not application/json or whose Origin is not the
// server's own.
func guard(r *http.Request) (int, error) {
	if !localHost(r.Host) {
		return http.StatusForbidden, fmt.Errorf("Host %q: the API answers requests addressed to an IP address or localhost only", r.Host)
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return 0, nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return http.StatusUnsupportedMediaType, fmt.Errorf("Content-Type %q: API writes take application/json", r.Header.Get("Content-Type"))
	}
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host && o != "https://"+r.Host {
		return http.StatusForbidden, fmt.Errorf("Origin %q: the API takes writes from its own page (%s) only", o, "http://"+r.Host)
	}
	return 0, nil
}

// localHost reports whether host (of a Host header, with or without a
// port) is an IP address or localhost: names a DNS rebinding cannot use.
func localHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	_, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return err == nil
}

// AddrWarning returns a warning for listening on addr when it is not a
// loopback address (the playground then answers anyone who can reach the
// machine), or "" for a loopback address.
func AddrWarning(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if ok && tcp.IP.IsLoopback() {
		return ""
	}
	return fmt.Sprintf("warning: %s is not a loopback address: anyone who can reach this machine can use the playground and its CPU (bind 127.0.0.1 to keep it to yourself)", addr)
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
