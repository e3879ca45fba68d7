package kernel

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedUpToDate: the assembly and its Go declarations are what
// asmgen writes today (go generate), byte for byte: an edit to the
// generator that was not regenerated, or a hand edit to its output, fails
// here.
func TestGeneratedUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "asmgen")
	// The generator runs here, so it is built for this machine, not for the
	// GOOS/GOARCH the tests were cross-compiled to (under qemu, say): empty
	// values make go build use the host's.
	build := exec.Command("go", "build", "-o", bin, "./asmgen")
	build.Env = append(os.Environ(), "GOOS=", "GOARCH=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./asmgen: %v\n%s", err, out)
	}
	run := exec.Command(bin)
	run.Dir = dir // asmgen writes into its working directory
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("asmgen: %v\n%s", err, out)
	}
	for _, name := range []string{"kernel_amd64.s", "kernel_decl_amd64.go"} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what asmgen writes: run go generate in internal/kernel", name)
		}
	}
}
