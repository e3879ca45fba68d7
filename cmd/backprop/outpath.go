package main

import (
	"errors"

	"os"
	"path/filepath"
)

// checkOutPaths checks, before any work, that each output file named by a
// flag (flag name → path; "" for none) can be written: its directory exists
// and takes new files, and the path is not a directory. A failure is bad
// input (exit 2), so that a long run never ends unable to save its result.
func checkOutPaths(verb string, paths ...[2]string) error {
	for _, fp := range paths {
		flagName, path := fp[0], fp[1]
		if path == "" {
			continue
		}
		if info, err := os.Stat(path); err == nil && info.IsDir() {
			return usagef("%s: --%s %s is a directory, want a file name", verb, flagName, path)
		}
		dir := filepath.Dir(path)
		info, err := os.Stat(dir)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return usagef("%s: --%s %s: there is no directory %s", verb, flagName, path, dir)
		case err != nil:
			return usagef("%s: --%s %s: %v", verb, flagName, path, err)
		case !info.IsDir():
			return usagef("%s: --%s %s: %s is not a directory", verb, flagName, path, dir)
		}
		f, err := os.CreateTemp(dir, ".backprop-write-test-*")
		if err != nil {
			return usagef("%s: --%s %s: cannot write in %s: %v", verb, flagName, path, dir, errors.Unwrap(err))
		}
		f.Close()
		os.Remove(f.Name())
	}
	return nil
}
