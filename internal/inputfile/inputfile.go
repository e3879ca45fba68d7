// Package inputfile opens the files backprop reads with their size checked
// before anything is read: a regular file larger than the reader's limit is
// refused by its size (stat); a directory, device, named pipe or socket is
// refused outright (a link to /dev/zero is not a model); and what is read is
// read through a limit, so a file that grows cannot exceed it either.
package inputfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Open opens path for reading, refusing it unless it is a regular file of
// at most limit bytes: a directory, device, named pipe (opening one could
// wait forever) or socket is refused before it is opened. name names the
// limit in the message (e.g. "MaxModelBytes").
func Open(path string, limit int64, name string) (*os.File, error) {
	if info, err := os.Stat(path); err == nil {
		if err := check(path, info, limit, name); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	// Check again what was opened: the path may have changed in between.
	info, err := f.Stat()
	if err == nil {
		err = check(path, info, limit, name)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func check(path string, info fs.FileInfo, limit int64, name string) error {
	m := info.Mode()
	switch {
	case m.IsRegular():
		if info.Size() > limit {
			return fmt.Errorf("%s: %d bytes, more than the limit of %d bytes (%s)", path, info.Size(), limit, name)
		}
		return nil
	case m&fs.ModeNamedPipe != 0:
		return fmt.Errorf("%s: is a named pipe, not a regular file", path)
	case m.IsDir():
		return fmt.Errorf("%s: is a directory, want a file", path)
	case m&fs.ModeDevice != 0:
		return fmt.Errorf("%s: is a device, not a regular file", path)
	}
	return fmt.Errorf("%s: not a regular file", path)
}

// ReadFile reads the whole file at path (see Open), at most limit bytes.
func ReadFile(path string, limit int64, name string) ([]byte, error) {
	f, err := Open(path, limit, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(f, path, limit, name)
}

// ReadAll reads r to its end, refusing it once it passes limit bytes.
func ReadAll(r io.Reader, path string, limit int64, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: more than the limit of %d bytes (%s)", path, limit, name)
	}
	return b, nil
}
