package main

import (
	"os"
	"path/filepath"

	"github.com/backprop-go/backprop/internal/atomicfile"
)

// pathFlag is a flag that names a file: its name and its value.
type pathFlag = [2]string

// checkOutPaths checks, before any work, that each output file named by a
// flag (flag name → path; "" for none) can be written as atomicfile.Write
// writes: its directory exists and takes new files, and the path is absent,
// a regular file or a link to one — never a directory, a device, a pipe or
// a dangling link. A failure is bad input (exit 2), so that a long run never
// ends unable to save its result.
func checkOutPaths(verb string, paths ...[2]string) error {
	for _, fp := range paths {
		flagName, path := fp[0], fp[1]
		if path == "" {
			continue
		}
		if err := atomicfile.Check(path); err != nil {
			return usagef("%s: --%s %v", verb, flagName, err)
		}
	}
	return nil
}

// checkOverwrites refuses, before any work, an output that would replace
// one of the run's inputs (flag name → path, "" for none), or another of
// its outputs: --out naming the --data file would replace the data with a
// model.
func checkOverwrites(verb string, outs []pathFlag, ins ...pathFlag) error {
	for i, o := range outs {
		if o[1] == "" {
			continue
		}
		oi, oerr := os.Stat(o[1])
		for _, in := range ins {
			if in[1] == "" || oerr != nil {
				continue
			}
			if ii, err := os.Stat(in[1]); err == nil && os.SameFile(oi, ii) {
				return usagef("%s: --%s %s is the --%s file: it would be replaced (write elsewhere)", verb, o[0], o[1], in[0])
			}
		}
		for _, p := range outs[:i] {
			if p[1] == "" {
				continue
			}
			pi, perr := os.Stat(p[1])
			same := filepath.Clean(p[1]) == filepath.Clean(o[1]) || (oerr == nil && perr == nil && os.SameFile(oi, pi))
			if same {
				return usagef("%s: --%s and --%s are the same file, %s: one would replace the other", verb, p[0], o[0], o[1])
			}
		}
	}
	return nil
}
