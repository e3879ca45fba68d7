package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/backprop-go/backprop/data"
)

// TestKillAndResume kills a training process (SIGKILL) after its checkpoint
// of epoch 2, resumes it with --resume DIR alone, and checks that the model
// file is the one of an uninterrupted run with the same flags, byte for byte.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and trains three times")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "backprop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ck, killed, whole := filepath.Join(dir, "ck"), filepath.Join(dir, "killed.json"), filepath.Join(dir, "whole.json")
	// Stochastic steps (one example each) on the digits, Adam, a validation
	// set and early stopping: a few seconds, and every kind of state.
	args := []string{"train", "--data", "digits", "--hidden", "32", "--mode", "sgd", "--epochs", "25", "--seed", "4", "--patience", "6"}

	cmd := exec.Command(bin, append(args, "--out", killed, "--checkpoint", ck)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if c, err := readCheckpoint(ck); err == nil && c.state.Epoch >= 2 {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the run ended (%v) before a checkpoint of epoch 2 was seen: %s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint of epoch 2 after 2 minutes")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-exited
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the run was not killed mid-run: %v", err)
	}
	if _, err := os.Stat(killed); !os.IsNotExist(err) {
		t.Fatalf("the killed run wrote its model (%v): it was not killed mid-run", err)
	}
	c, err := readCheckpoint(ck)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed after the checkpoint of epoch %d", c.state.Epoch)

	// Resume with the directory alone: flags, --out included, come from it.
	out, err := exec.Command(bin, "train", "--resume", ck).CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "resuming "+ck+" after epoch ") {
		t.Errorf("resume output:\n%s", out)
	}
	// The same flags, never interrupted, never checkpointed.
	if out, err := exec.Command(bin, append(args, "--out", whole)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	a, err := os.ReadFile(killed)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(whole)
	if !bytes.Equal(a, b) {
		t.Errorf("the resumed run's model differs from the uninterrupted run's (%d and %d bytes)", len(a), len(b))
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
