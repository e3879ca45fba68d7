package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests that run the CLI as a process build it once per test run.
var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// backpropBin returns the path of the CLI, built for this test run (with
// limitrun beside it). Tests cross-compiled to run under an emulator (go
// test -exec qemu-aarch64-static, GOARCH=arm64) build both for that
// architecture too: with BACKPROP_EXEC set to the emulator, each path is a
// shell script that runs the binary through it.
func backpropBin(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "backprop-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "backprop")
		for _, b := range [][2]string{{binPath, "."}, {filepath.Join(binDir, "limitrun"), "./testdata/limitrun"}} {
			if out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput(); err != nil {
				binErr = errors.New("go build " + b[1] + ": " + err.Error() + "\n" + string(out))
				return
			}
			if emu := os.Getenv("BACKPROP_EXEC"); emu != "" {
				if binErr = emulated(b[0], emu); binErr != nil {
					return
				}
			}
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// emulated moves the binary at path to path.bin and writes at path a
// script that runs it through the emulator emu.
func emulated(path, emu string) error {
	if err := os.Rename(path, path+".bin"); err != nil {
		return err
	}
	script := "#!/bin/sh\nexec " + emu + " " + strconv.Quote(path+".bin") + ` "$@"` + "\n"
	return os.WriteFile(path, []byte(script), 0o755)
}

// The limits a hostile input runs under.
const (
	memLimit  = 512 << 20        // bytes of data segment (RLIMIT_DATA), and of peak RSS
	timeLimit = 10 * time.Second // wall time
)

// limited is the result of a run of the CLI under the limits.
type limited struct {
	stdout, stderr string
	status         int // the exit status; -1 if killed by a signal
	signal         syscall.Signal
	maxRSS         int64 // peak resident set, bytes
	elapsed        time.Duration
}

// runLimited runs the CLI with args in dir under RLIMIT_DATA = memLimit
// (the Go runtime runs under it; an address-space limit, RLIMIT_AS, it does
// not: it reserves more address space than it uses), through limitrun,
// which reports its peak resident set; killed after twice timeLimit.
func runLimited(t testing.TB, dir string, args ...string) limited {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the limits are applied on Linux only")
	}
	bin := backpropBin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*timeLimit)
	defer cancel()
	report, err := os.CreateTemp("", "limitrun-")
	if err != nil {
		t.Fatal(err)
	}
	report.Close()
	defer os.Remove(report.Name())
	cmd := exec.CommandContext(ctx, filepath.Join(filepath.Dir(bin), "limitrun"),
		append([]string{strconv.Itoa(memLimit), report.Name(), bin}, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	r := limited{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%v: %v", args, err)
	}
	r.status = cmd.ProcessState.ExitCode()
	if r.status > 128 {
		r.signal = syscall.Signal(r.status - 128)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() { // killed at the time limit
		r.status, r.signal = -1, ws.Signal()
	}
	b, _ := os.ReadFile(report.Name())
	r.maxRSS, _ = strconv.ParseInt(string(b), 10, 64)
	if r.status == 3 && strings.HasPrefix(r.stderr, "limitrun:") {
		t.Fatalf("%v: %s", args, r.stderr)
	}
	return r
}
