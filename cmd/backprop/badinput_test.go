package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput audits every verb on bad input: each case prints exactly one
// line to stderr, naming the file (and line, column or field where there is
// one), exits 2 (bad input) or 1 (a failure at run time), never panics, and
// leaves no output file behind.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	model := filepath.Join(dir, "iris.json")
	if _, errs, status := cli(t, "train", "--data", "iris", "--hidden", "4", "--epochs", "2", "--lr", "0.05", "--out", model); status != 0 {
		t.Fatalf("train: %s", errs)
	}
	good, _ := os.ReadFile(model)
	header := "sepal_length,sepal_width,petal_length,petal_width,species\n"
	var (
		malformed = write("malformed.csv", header+"5.1,3.5,1.4,0.2,setosa\n4.9,\"3,1.4,0.2,setosa\n")
		notNumber = write("notnumber.csv", header+"5.1,3.5,1.4,0.2,setosa\n4.9,abc,1.4,0.2,setosa\n")
		ragged    = write("ragged.csv", header+"5.1,3.5,1.4,0.2,setosa\n4.9,3,1.4,setosa\n")
		nan       = write("nan.csv", header+"5.1,3.5,1.4,0.2,setosa\n4.9,NaN,1.4,0.2,setosa\n")
		inf       = write("inf.csv", header+"5.1,3.5,1.4,0.2,setosa\n4.9,3,+Inf,0.2,setosa\n")
		empty     = write("empty.csv", "")
		headOnly  = write("header.csv", header)
		otherCols = write("other.csv", "a,b,species\n1,2,setosa\n")
		newClass  = write("newclass.csv", header+"5.1,3.5,1.4,0.2,tulip\n")
		pkg       = write("package.json", `{"name":"left-pad","version":"1.3.0","main":"index.js"}`+"\n")
		truncated = write("truncated.json", string(good[:len(good)/2]))
		flipped   = write("flipped.json", strings.Replace(string(good), `"weights": [`+"\n", `"weights": [`+"\n ", 1))
		emptyJSON = write("empty.json", "")
		notJSON   = write("model.txt", "hello\n")
		shortRow  = write("short.json", `{"inputs":100000000,"loss":"squared","layers":[{"activation":"identity","weights":[[1,2]]}]}`)
		binary    = write("binary.json", "\x00\x01\x02{")
		noDir     = filepath.Join(dir, "nope", "m.json")
		fileDir   = filepath.Join(malformed, "m.json") // a file where a directory should be
		subdir    = filepath.Join(dir, "adir")
	)
	os.Mkdir(subdir, 0o755)
	// flipped only re-indents: still valid. Damage a digit instead.
	if i := strings.Index(string(good), `"weights": [`); i > 0 {
		b := []byte(good)
		for j := i; j < len(b); j++ {
			if b[j] >= '1' && b[j] <= '8' {
				b[j]++
				break
			}
		}
		os.WriteFile(flipped, b, 0o644)
	}
	tr := []string{"train", "--hidden", "4", "--epochs", "1", "--lr", "0.05"}
	for _, tc := range []struct {
		name   string
		args   []string
		status int
		want   string // in the one line
		out    string // a file that must not exist afterwards
	}{
		// train
		{"train malformed csv", append(tr, "--data", malformed), 2, "malformed.csv:3:", ""},
		{"train not a number", append(tr, "--data", notNumber), 2, "notnumber.csv:3:", ""},
		{"train ragged", append(tr, "--data", ragged), 2, "ragged.csv:3", ""},
		{"train NaN", append(tr, "--data", nan), 2, "nan.csv:3", ""},
		{"train Inf", append(tr, "--data", inf), 2, "inf.csv:3", ""},
		{"train empty", append(tr, "--data", empty), 2, "empty.csv", ""},
		{"train header only", append(tr, "--data", headOnly), 2, "header.csv", ""},
		{"train package.json", append(tr, "--data", pkg), 2, "package.json", ""},
		{"train directory", append(tr, "--data", subdir), 2, "adir", ""},
		{"train unknown set", append(tr, "--data", "irs"), 2, `"irs"`, ""},
		{"train unknown target", append(tr, "--data", "iris", "--target", "colour"), 2, `colour`, ""},
		{"train unknown activation", append(tr, "--activation", "sigmod"), 2, `unknown activation "sigmod"`, ""},
		{"train unknown optimizer", append(tr, "--optimizer", "adm"), 2, `unknown optimizer "adm"`, ""},
		{"train unknown mode", append(tr, "--mode", "mini"), 2, `unknown mode "mini"`, ""},
		{"train bad precision", append(tr, "--precision", "float16"), 2, `--precision "float16"`, ""},
		{"train test file of other columns", append(tr, "--data", "iris", "--test", otherCols), 2, "other.csv", ""},
		{"train val file is a directory", append(tr, "--data", "iris", "--val", subdir), 2, "adir", ""},
		{"train out in a missing directory", append(tr, "--data", "iris", "--out", noDir), 2, noDir, noDir},
		{"train out under a file", append(tr, "--data", "iris", "--out", fileDir), 2, fileDir, fileDir},
		{"train out is a directory", append(tr, "--data", "iris", "--out", subdir), 2, subdir, ""},
		{"train history in a missing directory", append(tr, "--data", "iris", "--history", noDir, "--out", filepath.Join(dir, "h.json")), 2, noDir, filepath.Join(dir, "h.json")},
		{"train checkpoint under a file", append(tr, "--data", "iris", "--checkpoint", fileDir), 2, "malformed.csv is not a directory", ""},
		{"train resume from nothing", []string{"train", "--resume", subdir}, 2, "no checkpoint (checkpoint.json) in it", ""},
		// evaluate
		{"evaluate package.json", []string{"evaluate", "--model", pkg, "--data", "iris"}, 2, pkg + `: not a model file: no "layers" field`, ""},
		{"evaluate truncated model", []string{"evaluate", "--model", truncated, "--data", "iris"}, 2, truncated + ": not a model file: line", ""},
		{"evaluate damaged model", []string{"evaluate", "--model", flipped, "--data", "iris"}, 2, flipped + ": checksum mismatch", ""},
		{"evaluate empty model", []string{"evaluate", "--model", emptyJSON, "--data", "iris"}, 2, emptyJSON + ": not a model file: empty", ""},
		{"evaluate text model", []string{"evaluate", "--model", notJSON, "--data", "iris"}, 2, notJSON + ": not a model file", ""},
		{"evaluate binary model", []string{"evaluate", "--model", binary, "--data", "iris"}, 2, binary + ": not a model file", ""},
		{"evaluate hostile model", []string{"evaluate", "--model", shortRow, "--data", "iris"}, 2, shortRow + ": layer 1: weights[0]: 2 values, want 100000000", ""},
		{"evaluate model is a directory", []string{"evaluate", "--model", subdir, "--data", "iris"}, 2, subdir, ""},
		{"evaluate missing model", []string{"evaluate", "--model", noDir, "--data", "iris"}, 2, noDir, ""},
		{"evaluate malformed csv", []string{"evaluate", "--model", model, "--data", malformed}, 2, "malformed.csv:3:", ""},
		{"evaluate NaN", []string{"evaluate", "--model", model, "--data", nan}, 2, "nan.csv:3", ""},
		{"evaluate empty csv", []string{"evaluate", "--model", model, "--data", empty}, 2, "empty.csv", ""},
		{"evaluate other columns", []string{"evaluate", "--model", model, "--data", otherCols}, 2, "other.csv", ""},
		{"evaluate unknown class", []string{"evaluate", "--model", model, "--data", newClass}, 2, "tulip", ""},
		{"evaluate other features", []string{"evaluate", "--model", model, "--data", "wine"}, 2, "sepal", ""},
		{"evaluate data is a directory", []string{"evaluate", "--model", model, "--data", subdir}, 2, "adir", ""},
		// predict
		{"predict truncated model", []string{"predict", "--model", truncated, "--data", "iris"}, 2, truncated, ""},
		{"predict ragged", []string{"predict", "--model", model, "--data", ragged}, 2, "ragged.csv:3", ""},
		{"predict Inf", []string{"predict", "--model", model, "--data", inf}, 2, "inf.csv:3", ""},
		{"predict out in a missing directory", []string{"predict", "--model", model, "--data", "iris", "--out", noDir}, 2, noDir, noDir},
		{"predict out under a file", []string{"predict", "--model", model, "--data", "iris", "--out", fileDir}, 2, fileDir, fileDir},
		{"predict out is a directory", []string{"predict", "--model", model, "--data", "iris", "--out", subdir}, 2, subdir, ""},
		// explain and gradcheck
		{"explain package.json", []string{"explain", "--model", pkg, "--x", "1,0", "--y", "1"}, 2, pkg, ""},
		{"explain truncated", []string{"explain", "--model", truncated, "--x", "1,0,0,0", "--y", "1,0,0"}, 2, truncated, ""},
		{"explain damaged", []string{"explain", "--model", flipped, "--x", "1,0,0,0", "--y", "1,0,0"}, 2, "checksum mismatch", ""},
		{"explain directory", []string{"explain", "--model", subdir, "--x", "1", "--y", "1"}, 2, subdir, ""},
		{"explain wrong shape", []string{"explain", "--model", model, "--x", "1,0", "--y", "1,0,0"}, 2, "--x #1: 2 values, want 4", ""},
		{"explain NaN x", []string{"explain", "--x", "1,NaN", "--y", "1"}, 2, `"NaN", is not a finite number`, ""},
		{"explain Inf y", []string{"explain", "--x", "1,0", "--y", "Inf"}, 2, `"Inf", is not a finite number`, ""},
		{"explain unknown format", []string{"explain", "--format", "pdf"}, 2, `unknown format "pdf"`, ""},
		{"explain y outside the log loss's domain", []string{"explain", "--x", "1,0", "--y", "2"}, 2, "--y #1: y_1 = 2, want a value in [0, 1]", ""},
		{"explain targets not a distribution", []string{"explain", "--model", model, "--x", "1,0,0,0", "--y", "0.5,0.2,0.1"}, 2, "--y #1: the targets sum to 0.8, want 1", ""},
		{"explain negative target", []string{"explain", "--model", model, "--x", "1,0,0,0", "--y", "1.5,-0.5,0"}, 2, "--y #1: y_2 = -0.5, want a value ≥ 0", ""},
		{"gradcheck y outside the log loss's domain", []string{"gradcheck", "--x", "1,0", "--y", "-1"}, 2, "--y #1: y_1 = -1, want a value in [0, 1]", ""},
		{"gradcheck package.json", []string{"gradcheck", "--model", pkg, "--x", "1", "--y", "1"}, 2, pkg, ""},
		{"gradcheck hostile", []string{"gradcheck", "--model", shortRow, "--x", "1", "--y", "1"}, 2, shortRow, ""},
		{"gradcheck wrong shape", []string{"gradcheck", "--model", model, "--x", "1,2,3,4", "--y", "1"}, 2, "--y #1: 1 values, want 3", ""},
		{"gradcheck NaN", []string{"gradcheck", "--x", "NaN,0", "--y", "1"}, 2, `"NaN"`, ""},
		// bench
		{"bench unknown workload", []string{"bench", "--only", "w9"}, 2, `unknown workload "w9"`, ""},
		{"bench zero reps", []string{"bench", "--reps", "0"}, 2, "--reps", ""},
		{"bench bad flag", []string{"bench", "--epochs", "x"}, 2, `invalid value "x" for flag -epochs`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, status := cli(t, tc.args...)
			lines := strings.Split(strings.TrimRight(errs, "\n"), "\n")
			if status != tc.status || len(lines) != 1 || !strings.Contains(errs, tc.want) ||
				strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine") {
				t.Errorf("%v:\nstatus %d, stderr:\n%s\nwant status %d and one line with %q", tc.args, status, errs, tc.status, tc.want)
			}
			if tc.out != "" {
				if _, err := os.Stat(tc.out); err == nil {
					t.Errorf("%s exists after the failure", tc.out)
				}
			}
			// No temporary files left anywhere in dir.
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.Contains(e.Name(), ".tmp-") {
					t.Errorf("temporary file %s left behind", e.Name())
				}
			}
		})
	}
}
