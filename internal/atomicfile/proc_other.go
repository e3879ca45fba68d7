//go:build !unix

package atomicfile

import "errors"

// running reports whether a process pid exists; without a portable check,
// every writer is taken to be alive and no temporary file is removed.
func running(pid int) bool { return true }

var errNoENOTDIR = errors.New("ENOTDIR")

func syscallENOTDIR() error { return errNoENOTDIR }
