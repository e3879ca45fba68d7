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
	rlimitExec() // returns unless this process is the helper that applies a limit
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// backpropBin returns the path of the CLI, built for this test run.
func backpropBin(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "backprop-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "backprop")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// The limits a hostile input runs under.
const (
	memLimit  = 512 << 20        // bytes of data segment (RLIMIT_DATA), and of peak RSS
	timeLimit = 10 * time.Second // wall time
)

// The environment variables of the limit helper: the test binary, run with
// them, sets RLIMIT_DATA and executes the CLI in its place.
const (
	envLimit = "BACKPROP_TEST_RLIMIT_DATA"
	envExec  = "BACKPROP_TEST_EXEC"
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
// not: it reserves more address space than it uses), killed after twice
// timeLimit.
func runLimited(t testing.TB, dir string, args ...string) limited {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the limits are applied on Linux only")
	}
	bin := backpropBin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*timeLimit)
	defer cancel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), envLimit+"="+strconv.Itoa(memLimit), envExec+"="+bin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	r := limited{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%v: %v", args, err)
	}
	ps := cmd.ProcessState
	r.status = ps.ExitCode()
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		r.signal = ws.Signal()
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss * 1024
	}
	return r
}
