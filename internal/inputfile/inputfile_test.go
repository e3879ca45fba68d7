package inputfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	os.WriteFile(small, []byte("0123456789"), 0o644)
	sparse := filepath.Join(dir, "sparse")
	f, _ := os.Create(sparse)
	f.Truncate(1 << 40) // a TiB by stat, nothing on disk
	f.Close()
	zero := filepath.Join(dir, "zero")
	os.Symlink("/dev/zero", zero)
	if b, err := ReadFile(small, 10, "L"); err != nil || string(b) != "0123456789" {
		t.Errorf("%q %v", b, err)
	}
	for _, tc := range []struct {
		path  string
		limit int64
		want  string
	}{
		{small, 9, "10 bytes, more than the limit of 9 bytes (L)"},
		{sparse, 1 << 30, "1099511627776 bytes, more than the limit of 1073741824 bytes (L)"},
		{zero, 1 << 30, "is a device"},
		{dir, 1 << 30, "is a directory"},
		{filepath.Join(dir, "none"), 1, "no such file"},
	} {
		if _, err := ReadFile(tc.path, tc.limit, "L"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.want)
		}
	}
	if _, err := ReadAll(strings.NewReader("0123456789"), "p", 5, "L"); err == nil || err.Error() != "p: more than the limit of 5 bytes (L)" {
		t.Errorf("ReadAll: %v", err)
	}
}
