//go:build !js

package serve

import "embed"

// static is the page: index.html, app.js, style.css, the Web Worker that
// runs the engine (worker.js), Go's wasm_exec.js and the engine compiled to
// WebAssembly (backprop.wasm.gz, made by go generate; see wasm.go).
//
//go:embed static
var static embed.FS
