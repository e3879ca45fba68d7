package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func noTemps(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if IsTemp(e.Name()) {
			t.Errorf("temporary file %s left in %s", e.Name(), dir)
		}
	}
}

func TestWriteReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.json")
	if err := Write(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o600)
	if err := Write(p, []byte("two")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	info, _ := os.Stat(p)
	if string(b) != "two" || info.Mode().Perm() != 0o600 {
		t.Errorf("got %q, mode %v; want \"two\", 0600 kept", b, info.Mode())
	}
	noTemps(t, dir)
}

func TestSymlinkFollowed(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "real")
	os.Mkdir(sub, 0o755)
	target := filepath.Join(sub, "target.json")
	os.WriteFile(target, []byte("old"), 0o644)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := Check(link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", info, err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("target holds %q", b)
	}
	noTemps(t, dir)
	noTemps(t, sub)
}

func TestRefused(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	dangling := filepath.Join(dir, "dangling")
	os.Symlink(filepath.Join(dir, "nothing"), dangling)
	linkDir := filepath.Join(dir, "linkdir")
	os.Symlink(dir, linkDir)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{"", "empty file name"},
		{dir, "is a directory"},
		{linkDir, "is a directory"},
		{fifo, "is a named pipe"},
		{"/dev/null", "is a device"},
		{dangling, "symbolic link to a file that does not exist"},
		{filepath.Join(dir, "no", "such", "m.json"), "there is no directory"},
		{filepath.Join(file, "m.json"), "is not a directory"},
	} {
		for _, op := range []func(string) error{Check, func(p string) error { return Write(p, []byte("x")) }} {
			err := op(tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: %v, want an error with %q", tc.path, err, tc.want)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "no")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a parent directory was created")
	}
	if info, _ := os.Lstat(fifo); info.Mode()&os.ModeNamedPipe == 0 {
		t.Error("the fifo was replaced")
	}
	if info, _ := os.Lstat(dangling); info.Mode()&os.ModeSymlink == 0 {
		t.Error("the dangling link was replaced")
	}
	noTemps(t, dir)
}

func TestFailedWriteKeepsOld(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.json")
	os.WriteFile(p, []byte("old"), 0o644)
	boom := errors.New("boom")
	err := WriteFunc(p, func(w io.Writer) error {
		w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want boom", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("the file holds %q after a failed write", b)
	}
	noTemps(t, dir)
}

// TestStaleCleaned: the temporary file of a killed writer (a process that
// no longer runs) is removed by the next write; one of a live process is not.
func TestStaleCleaned(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.json")
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1):", err)
	}
	dead := filepath.Join(dir, ".m.json"+tmpMark+strconv.Itoa(cmd.Process.Pid)+"-123")
	live := filepath.Join(dir, ".m.json"+tmpMark+"1-456") // init runs
	other := filepath.Join(dir, ".other.json"+tmpMark+strconv.Itoa(cmd.Process.Pid)+"-789")
	for _, f := range []string{dead, live, other} {
		os.WriteFile(f, []byte("half"), 0o600)
	}
	if err := Write(p, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); err == nil {
		t.Error("the dead writer's temporary file is still there")
	}
	for _, f := range []string{live, other} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s was removed", f)
		}
	}
}

func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.json")
	if err := Check(path); err != nil { // before the work
		fmt.Println(err)
		return
	}
	if err := Write(path, []byte("{}\n")); err != nil {
		fmt.Println(err)
		return
	}
	b, _ := os.ReadFile(path)
	fmt.Printf("%s", b)
	// Output: {}
}
