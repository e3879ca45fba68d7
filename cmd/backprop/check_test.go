package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backprop-go/backprop/explain"
)

// TestExplainCheck: explain --check on the worked example: the article's
// claims (exit 1, the first slip w3_12' and 0.7043 wrong on its own), exact
// claims (exit 0), a malformed file (exit 2 with file:line) and one over
// MaxClaimsBytes (exit 2).
func TestExplainCheck(t *testing.T) {
	dir := t.TempDir()
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	article := file("article.txt", "# the published article\na3_1 = 0.6718\nw3_12' = 0.857\no' = 0.7043\n")
	out, _, status := cli(t, "explain", "--check", article)
	if status != 1 || !strings.Contains(out, "The first slip, in the order of the derivation: w3_12' (line 3)") ||
		!strings.Contains(out, "o' = 0.7043 (line 4): the claimed values before it give o' = 0.7046") {
		t.Errorf("status %d:\n%s", status, out)
	}
	exact := file("exact.txt", "z1_1 = 0.8\na3_1 = 0.671846\ndelta1_2 = -0.0108522\nw1_20' = -0.194574\no' = 0.698076\nE' = 0.359427\n")
	if out, errs, status := cli(t, "explain", "--check", exact); status != 0 || !strings.Contains(out, "All 6 claims hold") {
		t.Errorf("status %d: %s%s", status, out, errs)
	}
	bad := file("bad.txt", "a3_1 = 0.6718\n\nw3_12' 0.857\n")
	if _, errs, status := cli(t, "explain", "--check", bad); status != 2 || !strings.Contains(errs, bad+":3: ") {
		t.Errorf("status %d: %s", status, errs)
	}
	big := file("big.txt", strings.Repeat("# a comment\n", explain.MaxClaimsBytes/12+1))
	if _, errs, status := cli(t, "explain", "--check", big); status != 2 || !strings.Contains(errs, "MaxClaimsBytes") {
		t.Errorf("status %d: %s", status, errs)
	}
}
