package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/internal/atomicfile"
	"github.com/backprop-go/backprop/internal/inputfile"
	"github.com/backprop-go/backprop/train"
)

// A checkpoint directory (train --checkpoint DIR) holds two files, each
// written atomically (temporary file, fsync, rename):
//
//	model.json  the network at the end of the epoch (the model format, with
//	            its checksum)
//	state.json  {"checksum": "sha256:<hex of payload>", "payload": {"format",
//	            "flags", "model_sha256", "state"}}: the flags of the run, the
//	            SHA-256 of the model.json it goes with, and the trainer's
//	            train.State
//
// model.json is written first, so a crash between the two renames leaves a
// state.json whose model_sha256 does not match, which --resume refuses.
const (
	checkpointFormat = "backprop-checkpoint/1"
	checkpointModel  = "model.json"
	checkpointState  = "state.json"
)

// maxCheckpointBytes bounds a checkpoint's state file (8 GiB: the state of
// a network of MaxParams parameters, as JSON, is about 6 GiB).
const maxCheckpointBytes = 8 << 30

// freeOnResume are the flags that --resume may change: where the outputs
// go. Every other flag is taken from the checkpoint, and if given must agree.
var freeOnResume = []string{"resume", "checkpoint", "checkpoint-every", "out", "history", "plot"}

type checkpointPayload struct {
	Format      string            `json:"format"`
	Flags       map[string]string `json:"flags"`
	ModelSHA256 string            `json:"model_sha256"`
	State       *train.State      `json:"state"`
}

type checkpointFile struct {
	Checksum string          `json:"checksum"`
	Payload  json.RawMessage `json:"payload"`
}

// runFlags returns the values of all of fs's flags but --resume.
func runFlags(fs *flag.FlagSet) map[string]string {
	m := map[string]string{}
	fs.VisitAll(func(fl *flag.Flag) {
		if fl.Name != "resume" {
			m[fl.Name] = fl.Value.String()
		}
	})
	return m
}

// writeCheckpoint saves net and s in dir.
func writeCheckpoint[T backprop.Float](dir string, flags map[string]string, net *backprop.Network[T], s *train.State) error {
	model, err := net.MarshalModel()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(model)
	payload, err := json.Marshal(checkpointPayload{Format: checkpointFormat, Flags: flags, ModelSHA256: hex.EncodeToString(sum[:]), State: s})
	if err != nil {
		return err
	}
	psum := sha256.Sum256(payload)
	file, err := json.Marshal(checkpointFile{Checksum: "sha256:" + hex.EncodeToString(psum[:]), Payload: payload})
	if err != nil {
		return err
	}
	if err := backprop.WriteFileAtomic(filepath.Join(dir, checkpointModel), model); err != nil {
		return err
	}
	return backprop.WriteFileAtomic(filepath.Join(dir, checkpointState), append(file, '\n'))
}

// checkpoint is a checkpoint read back.
type checkpoint struct {
	dir   string
	flags map[string]string
	state *train.State
	model []byte
}

// readCheckpoint reads and verifies the checkpoint in dir.
func readCheckpoint(dir string) (*checkpoint, error) {
	statePath, modelPath := filepath.Join(dir, checkpointState), filepath.Join(dir, checkpointModel)
	raw, err := inputfile.ReadFile(statePath, maxCheckpointBytes, "the checkpoint limit")
	if err != nil {
		return nil, err
	}
	var file checkpointFile
	if err := json.Unmarshal(raw, &file); err != nil || file.Payload == nil {
		return nil, fmt.Errorf("%s: not a checkpoint state, or damaged (truncated or changed)", statePath)
	}
	sum := sha256.Sum256(file.Payload)
	if file.Checksum != "sha256:"+hex.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("%s: %w", statePath, backprop.ErrChecksum)
	}
	var p checkpointPayload
	if err := json.Unmarshal(file.Payload, &p); err != nil {
		return nil, fmt.Errorf("%s: %v", statePath, err)
	}
	if p.Format != checkpointFormat || p.State == nil || p.Flags == nil {
		return nil, fmt.Errorf("%s: not a %s file", statePath, checkpointFormat)
	}
	model, err := inputfile.ReadFile(modelPath, backprop.MaxModelBytes, "MaxModelBytes")
	if err != nil {
		return nil, err
	}
	if msum := sha256.Sum256(model); hex.EncodeToString(msum[:]) != p.ModelSHA256 {
		return nil, fmt.Errorf("%s does not go with %s (it was changed, or the run stopped between the two): resume from an earlier copy or start again", modelPath, statePath)
	}
	return &checkpoint{dir: dir, flags: p.Flags, state: p.State, model: model}, nil
}

// applyResumeFlags sets fs's flags from the checkpoint: those not given on
// the command line take the checkpoint's values; those given must agree,
// except the outputs (freeOnResume).
func applyResumeFlags(fs *flag.FlagSet, c *checkpoint) error {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	names := make([]string, 0, len(c.flags))
	for name := range c.flags {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := c.flags[name]
		fl := fs.Lookup(name)
		if fl == nil {
			return usagef("train: --resume %s: the run used a flag --%s this version does not know", c.dir, name)
		}
		switch {
		case slices.Contains(freeOnResume, name) && given[name]:
		case given[name] && fl.Value.String() != v:
			return usagef("train: --resume %s: --%s %s differs from the run's --%s %s (leave it out to resume)", c.dir, name, fl.Value, name, v)
		case fl.Value.String() == v: // left as it is, so that checks of which flags were given still hold
		default:
			if err := fs.Set(name, v); err != nil {
				return usagef("train: --resume %s: --%s %s: %v", c.dir, name, v, err)
			}
		}
	}
	return nil
}

// resumeWeights loads the checkpoint's network into net, which must have
// the same shape.
func resumeWeights[T backprop.Float](c *checkpoint, net *backprop.Network[T]) error {
	path := filepath.Join(c.dir, checkpointModel)
	saved, err := backprop.UnmarshalModel[T](c.model)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if describeNet(saved) != describeNet(net) || saved.Loss != net.Loss {
		return fmt.Errorf("%s: the network %s; %s does not match the run's %s; %s", path, describeNet(saved), saved.Loss, describeNet(net), net.Loss)
	}
	dst, src := net.Params(), saved.Params()
	if len(dst) != len(src) {
		return fmt.Errorf("%s: %d parameter vectors, the run has %d", path, len(src), len(dst))
	}
	for p := range dst {
		if len(dst[p]) != len(src[p]) {
			return fmt.Errorf("%s: parameter vector %d has %d values, the run's %d", path, p, len(src[p]), len(dst[p]))
		}
		copy(dst[p], src[p])
	}
	return nil
}

// setupCheckpoint reads the checkpoint of --resume and takes its flags, then
// checks --checkpoint and --checkpoint-every; a resumed run goes on
// checkpointing into its directory unless --checkpoint says otherwise.
func setupCheckpoint(fs *flag.FlagSet, f *trainFlags) error {
	if f.resume != "" {
		c, err := readCheckpoint(f.resume)
		if err != nil {
			return badInput(fmt.Errorf("train: --resume: %w", err))
		}
		if err := applyResumeFlags(fs, c); err != nil {
			return err
		}
		if f.checkpoint == "" {
			f.checkpoint = f.resume
		}
		f.resumed = c
	}
	f.runFlags = runFlags(fs)
	if f.checkpointEvery < 1 {
		return usagef("train: --checkpoint-every %d: want at least 1", f.checkpointEvery)
	}
	if f.checkpoint != "" {
		// The directory itself is made if need be, never its parents.
		info, err := os.Stat(f.checkpoint)
		switch {
		case err == nil && !info.IsDir():
			return usagef("train: --checkpoint %s: not a directory", f.checkpoint)
		case err != nil:
			if err := atomicfile.Check(f.checkpoint); err != nil {
				return usagef("train: --checkpoint %v", err)
			}
			if err := os.Mkdir(f.checkpoint, 0o755); err != nil {
				return badInput(fmt.Errorf("train: --checkpoint: %w", err))
			}
		}
	}
	return nil
}

// hookCheckpoint makes cfg save checkpoints of net, and resume from the one
// of --resume, whose weights it loads into net.
func hookCheckpoint[T backprop.Float](f *trainFlags, net *backprop.Network[T], cfg *train.Config, stdout io.Writer) error {
	if c := f.resumed; c != nil {
		if err := resumeWeights(c, net); err != nil {
			return badInput(fmt.Errorf("train: --resume: %w", err))
		}
		cfg.Resume = c.state
		fmt.Fprintf(stdout, "resuming %s after epoch %d\n", c.dir, c.state.Epoch)
	}
	if f.checkpoint != "" {
		dir := f.checkpoint
		cfg.CheckpointEvery = f.checkpointEvery
		cfg.OnCheckpoint = func(s *train.State) error { return writeCheckpoint(dir, f.runFlags, net, s) }
	}
	return nil
}
