package main

import "github.com/backprop-go/backprop/internal/atomicfile"

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
