package serve

import (
	"context"
	"fmt"
	"net/url"
)

// Call runs one API request in this process, without a network: method,
// target (a path with its query, "/api/sessions/{id}?grid=50") and body
// (JSON, or empty), as the page would send it. It answers the status and
// the JSON body. The checks against other sites (Host, Origin,
// Content-Type) are the network's and do not apply. The WebAssembly engine
// of the page (serve/wasm) answers the page's requests with it.
func (s *Server) Call(method, target string, body []byte) (status int, answer []byte) {
	u, err := url.Parse(target)
	if err != nil {
		w := &out{}
		fail(w, statusBadRequest, fmt.Errorf("request: %w", err))
		return w.status, w.body
	}
	r := &request{ctx: context.Background(), method: method, path: u.Path, query: u.Query(), body: body}
	if int64(len(body)) > s.lim.MaxBody {
		r.body, r.bodyStatus, r.bodyErr = nil, statusRequestEntityTooLarge, fmt.Errorf("request body over %d bytes", s.lim.MaxBody)
	}
	w := s.route(r)
	return w.status, w.body
}
