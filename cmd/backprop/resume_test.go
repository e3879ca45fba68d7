package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/internal/atomicfile"
	"github.com/backprop-go/backprop/internal/testenv"
)

// TestKillAtRandomMoments kills checkpointed training processes (SIGKILL)
// at random moments of their run after their first checkpoint — during a
// step, a checkpoint's write, the model's write — resumes each from a copy
// of its checkpoint directory with --resume DIR alone, and checks that every
// one resumes, that the resumed model file is the
// uninterrupted run's, byte for byte, that the resumed run checkpoints into
// the copy, never the original, and that no temporary file is left where it
// wrote. 6 kills by default, 60 with BACKPROP_LONG=1; then as many of a
// streamed run (--stream: the file read again every epoch through a
// shuffle buffer smaller than it).
func TestKillAtRandomMoments(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and trains many times")
	}
	kills := 6
	if testenv.IsLong() {
		kills = 60
	}
	// Stochastic steps on the digits, Adam, a validation set and early
	// stopping: every kind of state, a checkpoint every epoch.
	killAtRandomMoments(t, kills, "train", "--data", "digits", "--hidden", "24", "--mode", "sgd", "--epochs", "8", "--seed", "4", "--patience", "3", "--val-split", "0.1")
	data := writeStreamCSV(t, filepath.Join(t.TempDir(), "s.csv"), 100<<10)
	killAtRandomMoments(t, kills, "train", "--data", data, "--stream", "--shuffle-buffer", "200", "--ignore", "id", "--missing", "mean", "--hidden", "24",
		"--mode", "sgd", "--epochs", "6", "--seed", "4", "--patience", "3", "--val-split", "0.1", "--test-split", "0.1")
}

func killAtRandomMoments(t *testing.T, kills int, args ...string) {
	bin := backpropBin(t)
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.json")
	start := time.Now()
	ref := exec.Command(bin, append(args, "--out", whole, "--checkpoint", filepath.Join(dir, "whole-ck"))...)
	var refOut bytes.Buffer
	ref.Stdout, ref.Stderr = &refOut, &refOut
	if err := ref.Start(); err != nil {
		t.Fatal(err)
	}
	first := waitFor(filepath.Join(dir, "whole-ck", checkpointFile), start)
	if err := ref.Wait(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, refOut.String())
	}
	T := time.Since(start)
	want, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 9))
	t.Logf("an uninterrupted run takes %v, its first checkpoint %v; kill times from seed %d", T.Round(time.Millisecond), first.Round(time.Millisecond), seed)
	var resumed, restarted, finished int
	for k := range kills {
		ck, cp, out := filepath.Join(dir, fmt.Sprint("ck", k)), filepath.Join(dir, fmt.Sprint("copy", k)), filepath.Join(dir, fmt.Sprint("m", k, ".json"))
		cmd := exec.Command(bin, append(args, "--out", out, "--checkpoint", ck)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A moment after the first checkpoint (there is nothing to resume
		// before it), up to the end of the run.
		start := time.Now()
		waitFor(filepath.Join(ck, checkpointFile), start)
		at := time.Since(start) + time.Duration(rng.Float64()*float64(T-first))
		time.Sleep(time.Until(start.Add(at)))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		switch ws := cmd.ProcessState.Sys().(syscall.WaitStatus); {
		case ws.Exited() && ws.ExitStatus() == 0:
			finished++
		case !ws.Signaled():
			t.Fatalf("kill %d: the run failed: %v", k, cmd.ProcessState)
		default:
			saved, err := os.ReadFile(filepath.Join(ck, checkpointFile))
			if errors.Is(err, os.ErrNotExist) { // killed before its first checkpoint
				if out, err := exec.Command(bin, append(args, "--out", out, "--checkpoint", ck)...).CombinedOutput(); err != nil {
					t.Fatalf("kill %d at %v: starting again: %v\n%s", k, at, err, out)
				}
				restarted++
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			copyDir(t, ck, cp)
			if out, err := exec.Command(bin, "train", "--resume", cp).CombinedOutput(); err != nil {
				t.Fatalf("kill %d at %v: resume: %v\n%s", k, at, err, out)
			}
			if now, _ := os.ReadFile(filepath.Join(ck, checkpointFile)); !bytes.Equal(now, saved) {
				t.Errorf("kill %d: resuming from a copy wrote into the original checkpoint", k)
			}
			for _, d := range []string{cp, dir} {
				entries, _ := os.ReadDir(d)
				for _, e := range entries {
					if atomicfile.IsTemp(e.Name()) && (d == cp || strings.HasPrefix(e.Name(), "."+filepath.Base(out))) {
						t.Errorf("kill %d at %v: %s left in %s after the resumed run", k, at, e.Name(), d)
					}
				}
			}
			resumed++
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("kill %d at %v: %v", k, at, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("kill %d at %v: the model differs from the uninterrupted run's (%d and %d bytes)", k, at, len(got), len(want))
		}
	}
	if !t.Failed() {
		t.Logf("%d kills: %d resumed from a checkpoint, %d killed before the first checkpoint and started again, %d finished before the kill; every model identical to the uninterrupted run's",
			kills, resumed, restarted, finished)
	}
}

// waitFor waits until path exists, at most a minute, and returns the time
// since start.
func waitFor(path string, start time.Time) time.Duration {
	for time.Since(start) < time.Minute {
		if _, err := os.Stat(path); err == nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

// copyDir copies the regular files of src into a new directory dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSigterm: SIGTERM stops a run after its current step; it saves the
// model so far (exit 130, one line), and its checkpoint resumes to the
// uninterrupted run's model.
func TestSigterm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := backpropBin(t)
	dir := t.TempDir()
	ck, out, whole := filepath.Join(dir, "ck"), filepath.Join(dir, "m.json"), filepath.Join(dir, "whole.json")
	args := []string{"train", "--data", "digits", "--hidden", "24", "--mode", "sgd", "--epochs", "30", "--seed", "5"}
	cmd := exec.Command(bin, append(args, "--out", out, "--checkpoint", ck)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := os.Stat(filepath.Join(ck, checkpointFile)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint after a minute")
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "interrupted") {
		t.Fatalf("after SIGTERM: status %d, stderr\n%s", code, stderr.String())
	}
	if _, err := backprop.LoadModel[float32](out); err != nil {
		t.Errorf("the model so far: %v", err)
	}
	if b, err := exec.Command(bin, "train", "--resume", ck).CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	if b, err := exec.Command(bin, append(args, "--out", whole)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted: %v\n%s", err, b)
	}
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(whole)
	if !bytes.Equal(a, b) {
		t.Error("the run resumed after SIGTERM differs from the uninterrupted run")
	}
}

// TestResumeErrors: a damaged or mismatched checkpoint is refused with one
// line and status 2; flags given with --resume must agree.
func TestResumeErrors(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck")
	args := []string{"train", "--data", "iris", "--hidden", "4", "--epochs", "3", "--lr", "0.05", "--out", filepath.Join(dir, "m.json"), "--checkpoint", ck}
	if _, errs, status := cli(t, args...); status != 0 {
		t.Fatalf("train: %d %s", status, errs)
	}
	// The same run resumed from its last checkpoint gives the same model.
	first, _ := os.ReadFile(filepath.Join(dir, "m.json"))
	if _, errs, status := cli(t, "train", "--resume", ck, "--out", filepath.Join(dir, "m2.json")); status != 0 {
		t.Fatalf("resume: %d %s", status, errs)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "m2.json")); !bytes.Equal(first, again) {
		t.Errorf("resuming a finished run changed the model")
	}
	ckFile := filepath.Join(ck, "checkpoint.json")
	saved, _ := os.ReadFile(ckFile)
	// Data that changed since: the same file name, other rows.
	changed := filepath.Join(dir, "changed.csv")
	iris, _ := data.EmbeddedCSV("iris", data.CSVOptions{})
	var b strings.Builder
	b.WriteString(strings.Join(iris.FeatureNames, ",") + ",species\n")
	for i := range iris.N {
		row := iris.Row(i)
		fmt.Fprintf(&b, "%g,%g,%g,%g,%s\n", row[0], row[1], row[2], row[3]+0.01, iris.Classes[iris.Labels[i]])
	}
	os.WriteFile(changed, []byte(b.String()), 0o644)
	ck2 := filepath.Join(dir, "ck2")
	if _, errs, status := cli(t, "train", "--data", changed, "--hidden", "4", "--epochs", "3", "--lr", "0.05", "--out", filepath.Join(dir, "m3.json"), "--checkpoint", ck2); status != 0 {
		t.Fatalf("train: %d %s", status, errs)
	}
	os.WriteFile(changed, []byte(strings.ReplaceAll(b.String(), ",setosa", "1,setosa")), 0o644) // a digit more in petal_width
	old := filepath.Join(dir, "old")
	os.Mkdir(old, 0o755)
	os.WriteFile(filepath.Join(old, "state.json"), []byte("{}"), 0o644)
	for _, tc := range []struct {
		name   string
		damage func()
		args   []string
		want   string
	}{
		{"other flags", func() {}, []string{"--lr", "0.1"}, "train: --resume " + ck + ": --lr 0.1 differs from the run's --lr 0.05 (leave it out to resume)"},
		{"truncated", func() { os.WriteFile(ckFile, saved[:len(saved)/2], 0o644) }, nil,
			"train: --resume: " + ckFile + ": not a checkpoint, or damaged (truncated or changed)"},
		{"changed", func() {
			os.WriteFile(ckFile, bytes.Replace(saved, []byte(`"epoch":3`), []byte(`"epoch":2`), 1), 0o644)
		}, nil, "train: --resume: " + ckFile + ": checksum mismatch: the file was changed or damaged after it was written"},
		{"no checkpoint", func() {}, []string{"--resume", dir}, "train: --resume: " + dir + ": no checkpoint (checkpoint.json) in it"},
		{"no directory", func() {}, []string{"--resume", filepath.Join(dir, "none")}, "train: --resume: " + filepath.Join(dir, "none") + ": no checkpoint directory"},
		{"older format", func() {}, []string{"--resume", old}, "train: --resume: " + old + " holds a checkpoint of an older version (state.json and model.json): resume it with that version, or start again"},
		{"data changed", func() {}, []string{"--resume", ck2}, "train: --resume " + ck2 + ": the data differs from the data the run was training on (the files changed since): start again"},
		{"a device", func() { os.Remove(ckFile); os.Symlink("/dev/zero", ckFile) }, nil, "train: --resume: " + ckFile + ": is a device, not a regular file"},
	} {
		tc.damage()
		a := append([]string{"train", "--resume", ck}, tc.args...)
		_, errs, status := cli(t, a...)
		if status != 2 || strings.TrimSpace(errs) != "backprop: "+tc.want {
			t.Errorf("%s: status %d, stderr\n%s\nwant\nbackprop: %s", tc.name, status, errs, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "m3.json")); err != nil {
		t.Error(err)
	}
}

func TestCheckpointEvery(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck")
	args := []string{"train", "--data", "iris", "--hidden", "4", "--epochs", "5", "--lr", "0.05", "--out", filepath.Join(dir, "m.json"), "--checkpoint", ck}
	if _, errs, status := cli(t, append(args, "--checkpoint-every", "2")...); status != 0 {
		t.Fatalf("train: %d %s", status, errs)
	}
	c, err := readCheckpoint(ck)
	if err != nil || c.state.Epoch != 4 || c.flags["epochs"] != "5" {
		t.Errorf("checkpoint every 2 of 5 epochs: %v, %+v", err, c)
	}
	// Flags that agree with the run's may be given.
	if _, errs, status := cli(t, "train", "--resume", ck, "--epochs", "5", "--data", "iris", "--out", filepath.Join(dir, "m2.json")); status != 0 {
		t.Errorf("resume with agreeing flags: %d %s", status, errs)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "m.json"))
	b, _ := os.ReadFile(filepath.Join(dir, "m2.json"))
	if !bytes.Equal(a, b) {
		t.Errorf("resumed from epoch 4 of 5: another model")
	}
	if _, errs, status := cli(t, append(args, "--checkpoint-every", "0")...); status != 2 || !strings.Contains(errs, "--checkpoint-every 0: want at least 1") {
		t.Errorf("--checkpoint-every 0: %d %s", status, errs)
	}
}
