// Command genwasm builds the playground's engine (serve/wasm) for
// GOOS=js GOARCH=wasm and writes, for the page embedded in `backprop serve`:
//
//	serve/static/backprop.wasm.gz   the engine, gzip-compressed (the worker inflates it)
//	serve/static/wasm_exec.js       Go's glue for it, from the toolchain that built it
//
// Run by `go generate ./serve`, before `go build ./cmd/backprop`. The two
// files are not committed (.gitignore): they are built from the sources as
// they are, never stale, and megabytes of binary are not added to the history at
// every change of the engine. Without them (a fresh clone built with no
// generate step) `backprop serve` works as before, training on the server.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// pkg is the engine's main package, from the module's root.
const pkg = "./serve/wasm"

func main() {
	root, err := moduleRoot()
	if err == nil {
		err = generate(root)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genwasm:", err)
		os.Exit(1)
	}
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

func generate(root string) error {
	tmp, err := os.MkdirTemp("", "genwasm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	wasm := filepath.Join(tmp, "backprop.wasm")
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", wasm, pkg)
	build.Dir, build.Env, build.Stderr = root, jsEnv(), os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	raw, err := os.ReadFile(wasm)
	if err != nil {
		return err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		return err
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return err
	}
	glue, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return fmt.Errorf("Go's wasm_exec.js: %w", err)
	}
	for name, data := range map[string][]byte{
		"serve/static/backprop.wasm.gz": gz.Bytes(),
		"serve/static/wasm_exec.js":     glue,
	} {
		if err := os.WriteFile(filepath.Join(root, name), data, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("genwasm: %s: %d bytes, %d gzip-compressed (%s)\n", pkg, len(raw), gz.Len(), runtime.Version())
	return nil
}

func jsEnv() []string { return append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0") }
