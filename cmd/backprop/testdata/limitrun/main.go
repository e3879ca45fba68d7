// Command limitrun runs a command under a limit of its data segment
// (RLIMIT_DATA) and writes the command's peak resident set, in bytes, to a
// file: the tests of hostile inputs run the CLI through it.
//
//	limitrun LIMIT REPORT COMMAND [ARG...]
//
// It exits with the command's status, or 128 + the signal that ended it.
// Being small itself, it measures the command's memory, not a large test
// process's (a child's peak resident set counts its parent's at the fork).
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: limitrun LIMIT REPORT COMMAND [ARG...]")
		os.Exit(3)
	}
	limit, err := strconv.ParseUint(os.Args[1], 10, 64)
	if err == nil {
		err = syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: limit, Max: limit})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "limitrun:", err)
		os.Exit(3)
	}
	cmd := exec.Command(os.Args[3], os.Args[4:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "limitrun:", err)
		os.Exit(3)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	os.WriteFile(os.Args[2], []byte(strconv.FormatInt(ru.Maxrss*1024, 10)), 0o644)
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		os.Exit(128 + int(ws.Signal()))
	}
	os.Exit(ws.ExitStatus())
}
