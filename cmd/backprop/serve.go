package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/backprop-go/backprop/serve"
)

func init() {
	commands["serve"] = command{"run the playground: train and step through a network in the browser", runServe}
}

// runServe serves the playground until ctx is cancelled (Ctrl-C), then shuts
// down cleanly, letting requests in flight finish.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "[--addr 127.0.0.1:8080] [--export-static DIR]", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on, host:port (port 0: any free port)")
	export := fs.String("export-static", "", "write the page into `DIR` (a new folder) for any static web server, the engine running in the browser, and exit")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *export != "" {
		if err := serve.ExportStatic(*export); err != nil {
			return usagef("serve: --export-static: %v", err)
		}
		fmt.Fprintf(stdout, "backprop playground: written to %s (serve it with any static web server)\n", *export)
		return nil
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return usagef("serve: --addr %s: %v", *addr, err)
	}
	srv := &http.Server{
		Handler:           serve.New(serve.Limits{}, nil),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	if w := serve.AddrWarning(ln.Addr()); w != "" {
		fmt.Fprintln(stderr, "serve:", w)
	}
	fmt.Fprintf(stdout, "backprop playground: http://%s/  (Ctrl-C to stop)\n", ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("serve: shutting down: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintln(stdout, "backprop playground: stopped")
	return nil
}
