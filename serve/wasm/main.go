//go:build js && wasm

// Command wasm is the playground's engine compiled to WebAssembly: the page's
// Web Worker (serve/static/worker.js) loads it and sends it the requests the
// page would send to `backprop serve`. It answers them with the same code,
// serve.Server.Call: the sessions, the trainer and explain.Step run in the
// browser. Built by `go generate ./serve` into serve/static/backprop.wasm.gz.
//
// It sets one function on the global object:
//
//	backpropCall(method, target, body) → [status, answer]
//
// target is an API path with its query ("/api/sessions/{id}?grid=50"), body
// and answer are JSON text, status the HTTP status the server would answer.
package main

import (
	"syscall/js"
	"time"

	"github.com/backprop-go/backprop/serve"
)

func main() {
	// One tab's engine: sessions last as long as the page.
	s := serve.New(serve.Limits{MaxSessions: 4, IdleTimeout: 100 * 365 * 24 * time.Hour, MaxBody: 4 << 20}, nil)
	js.Global().Set("backpropCall", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) != 3 {
			return []any{400, `{"error":"backpropCall(method, target, body)"}`}
		}
		status, answer := s.Call(args[0].String(), args[1].String(), []byte(args[2].String()))
		return []any{status, string(answer)}
	}))
	select {} // serve calls until the worker ends
}
