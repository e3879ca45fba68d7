// Package atomicfile writes output files so that a reader, or a crash, never
// sees half of one, and checks output paths before any work is done.
//
// Every file backprop writes (models, checkpoints, ONNX exports and imports,
// pictures, predictions, histories) goes through [Write]:
//
//   - the data goes to a temporary file in the destination's own directory,
//     named ".<name>.tmp-backprop-<pid>-<random>", which is synced, then
//     renamed over the destination, and the directory is synced, so the
//     destination holds either the old content or the new, whole;
//   - a symbolic link is followed: its target is replaced (atomically, in
//     the target's directory) and the link stays a link. A link to nothing
//     (dangling) is refused;
//   - a directory, a device, a named pipe or a socket is refused, never
//     replaced (so --out /dev/null is an error, not a regular file in /dev);
//   - no directory is ever created: a missing parent directory is an error;
//   - temporary files of this naming left by a write that was killed (their
//     process no longer runs) are removed by the next write to the same
//     destination.
//
// [Check] makes the same checks without writing, so that a command can
// refuse a bad output path before it starts its work.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// tmpMark is the part of a temporary file's name that marks it as ours:
// ".<name>" + tmpMark + "<pid>-<random>".
const tmpMark = ".tmp-backprop-"

// maxBase is the longest destination name kept whole in a temporary file's
// name (file names are at most 255 bytes).
const maxBase = 200

// Check reports whether Write(path) can succeed as far as can be known
// before writing: the destination (a symbolic link's target) is a regular
// file or does not exist, and its directory exists and takes new files.
func Check(path string) error {
	target, err := resolve(path)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(target), tmpPrefix(target)+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return fmt.Errorf("%s: cannot write in %s: %v", path, filepath.Dir(target), errors.Unwrap(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// resolve returns the file Write replaces for path: path itself, or the
// target of the symbolic link path, after checking that it is a regular
// file or absent with an existing directory.
func resolve(path string) (string, error) {
	if path == "" {
		return "", errors.New("empty file name")
	}
	target := path
	info, err := os.Lstat(path)
	if err == nil && info.Mode()&fs.ModeSymlink != 0 {
		if target, err = filepath.EvalSymlinks(path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("%s: a symbolic link to a file that does not exist (refusing to follow it)", path)
			}
			return "", fmt.Errorf("%s: %v", path, errors.Unwrap(err))
		}
		info, err = os.Stat(target)
	}
	switch {
	case err == nil:
		if kind := kindOf(info.Mode()); kind != "" {
			return "", fmt.Errorf("%s: is %s, not a regular file (refusing to replace it)", path, kind)
		}
		return target, nil
	case errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, syscallENOTDIR()):
	default:
		return "", fmt.Errorf("%s: %v", path, errors.Unwrap(err))
	}
	// Absent: its directory must exist.
	dir := filepath.Dir(target)
	dinfo, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("%s: there is no directory %s", path, dir)
	case errors.Is(err, syscallENOTDIR()):
		return "", fmt.Errorf("%s: %s is not a directory", path, dir)
	case err != nil:
		return "", fmt.Errorf("%s: %v", path, errors.Unwrap(err))
	case !dinfo.IsDir():
		return "", fmt.Errorf("%s: %s is not a directory", path, dir)
	}
	return target, nil
}

// kindOf names a file mode that is not a regular file's, or returns "".
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// tmpPrefix is the start of the names of target's temporary files.
func tmpPrefix(target string) string {
	base := filepath.Base(target)
	if len(base) > maxBase {
		base = base[:maxBase]
	}
	return "." + base + tmpMark
}

// writing holds the temporary files this process is writing now, which
// cleanStale must leave alone.
var writing sync.Map

// Write writes data to path atomically; see the package doc.
func Write(path string, data []byte) error {
	return WriteFunc(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFunc is Write with the content written by write to the temporary
// file. If write fails, path is left as it was.
func WriteFunc(path string, write func(w io.Writer) error) (err error) {
	target, err := resolve(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(target)
	cleanStale(dir, tmpPrefix(target))
	mode := fs.FileMode(0o644)
	if info, err := os.Stat(target); err == nil {
		mode = info.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, tmpPrefix(target)+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return fmt.Errorf("%s: cannot write in %s: %v", path, dir, errors.Unwrap(err))
	}
	tmp := f.Name()
	writing.Store(tmp, true)
	defer writing.Delete(tmp)
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("writing %s: %w", path, scrub(err, tmp))
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, target); err != nil {
		return err
	}
	return syncDir(dir)
}

// scrub replaces an *fs.PathError on the temporary file by its bare error,
// so that messages name the destination, not the temporary file.
func scrub(err error, tmp string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == tmp {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) && le.Old == tmp {
		return le.Err
	}
	return err
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// cleanStale removes dir's temporary files of prefix whose writing process
// no longer runs.
func cleanStale(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if _, busy := writing.Load(name); busy {
			continue
		}
		if pid == os.Getpid() || !running(pid) {
			os.Remove(name)
		}
	}
}

// IsTemp reports whether name (a base name) is one of the temporary files
// Write makes.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tmpMark)
}
