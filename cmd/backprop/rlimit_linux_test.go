//go:build linux

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// rlimitExec, in the helper process runLimited starts, sets RLIMIT_DATA and
// executes the CLI with the helper's arguments; it returns at once in a
// test process.
func rlimitExec() {
	lim, bin := os.Getenv(envLimit), os.Getenv(envExec)
	if lim == "" || bin == "" {
		return
	}
	n, err := strconv.ParseUint(lim, 10, 64)
	if err == nil {
		err = syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: n, Max: n})
	}
	if err == nil {
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, envLimit+"=") && !strings.HasPrefix(kv, envExec+"=") {
				env = append(env, kv)
			}
		}
		err = syscall.Exec(bin, append([]string{bin}, os.Args[1:]...), env)
	}
	fmt.Fprintln(os.Stderr, "limit helper:", err)
	os.Exit(3)
}
