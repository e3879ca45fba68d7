package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/internal/atomicfile"
	"github.com/backprop-go/backprop/internal/inputfile"
	"github.com/backprop-go/backprop/train"
)

// A checkpoint directory (train --checkpoint DIR) holds one file,
// checkpoint.json, which is the whole checkpoint: a crash-consistent unit.
// Each is written by atomicfile.Write (a temporary file in DIR, fsync,
// rename over the previous one, fsync of DIR), so the previous checkpoint
// stays whole until the new one is durable, and a kill at any moment leaves
// one or the other:
//
//	{"checksum": "sha256:<hex of payload>",
//	 "payload": {"format", "flags", "data_sha256", "model", "state"}}
//
// flags are the run's flags, data_sha256 identifies the training and
// validation rows as scaled for training (a resumed run must see the same),
// model is the network at the end of the epoch (the model format, with its
// own checksum) and state the trainer's train.State.
const (
	checkpointFormat = "backprop-checkpoint/2"
	checkpointFile   = "checkpoint.json"
)

// maxCheckpointBytes bounds a checkpoint file (8 GiB: the checkpoint of a
// network of MaxParams parameters, as JSON, is about 6 GiB).
const maxCheckpointBytes = 8 << 30

// freeOnResume are the flags that --resume may change: where the outputs
// go, and whether health is measured. Every other flag is taken from the checkpoint, and if given must agree.
// --health only measures: the weights are the same with it or without.
var freeOnResume = []string{"resume", "checkpoint", "checkpoint-every", "out", "history", "plot", "health"}

type checkpointPayload struct {
	Format     string            `json:"format"`
	Flags      map[string]string `json:"flags"`
	DataSHA256 string            `json:"data_sha256"`
	Model      json.RawMessage   `json:"model"`
	State      *train.State      `json:"state"`
}

type checkpointEnvelope struct {
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

// writeCheckpoint saves net and s in dir, as one file.
func writeCheckpoint[T backprop.Float](dir string, flags map[string]string, dataSum string, net *backprop.Network[T], s *train.State) error {
	model, err := net.MarshalModel()
	if err != nil {
		return err
	}
	payload, err := json.Marshal(checkpointPayload{Format: checkpointFormat, Flags: flags, DataSHA256: dataSum, Model: model, State: s})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(payload)
	file, err := json.Marshal(checkpointEnvelope{Checksum: "sha256:" + hex.EncodeToString(sum[:]), Payload: payload})
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, checkpointFile), append(file, '\n'))
}

// checkpoint is a checkpoint read back.
type checkpoint struct {
	dir     string
	flags   map[string]string
	dataSum string
	state   *train.State
	model   []byte
}

// readCheckpoint reads and verifies the checkpoint in dir.
func readCheckpoint(dir string) (*checkpoint, error) {
	path := filepath.Join(dir, checkpointFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(filepath.Join(dir, "state.json")); err == nil {
			return nil, fmt.Errorf("%s holds a checkpoint of an older version (state.json and model.json): resume it with that version, or start again", dir)
		}
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			return nil, fmt.Errorf("%s: no checkpoint directory", dir)
		}
		return nil, fmt.Errorf("%s: no checkpoint (%s) in it", dir, checkpointFile)
	}
	raw, err := inputfile.ReadFile(path, maxCheckpointBytes, "the checkpoint limit, 8 GiB")
	if err != nil {
		return nil, err
	}
	var env checkpointEnvelope
	if err := json.Unmarshal(raw, &env); err != nil || env.Payload == nil {
		return nil, fmt.Errorf("%s: not a checkpoint, or damaged (truncated or changed)", path)
	}
	sum := sha256.Sum256(env.Payload)
	if env.Checksum != "sha256:"+hex.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("%s: %w", path, backprop.ErrChecksum)
	}
	var p checkpointPayload
	if err := json.Unmarshal(env.Payload, &p); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if p.Format != checkpointFormat || p.State == nil || p.Flags == nil || p.Model == nil {
		return nil, fmt.Errorf("%s: not a %s file", path, checkpointFormat)
	}
	return &checkpoint{dir: dir, flags: p.Flags, dataSum: p.DataSHA256, state: p.State, model: p.Model}, nil
}

// dataSHA256 identifies the rows of the sets (nil for none) as they are
// given to the trainer: their shapes and every value of X and Y.
func dataSHA256(sets ...*data.Dataset) string {
	h := sha256.New()
	var buf []byte
	for _, d := range sets {
		if d == nil {
			buf = binary.LittleEndian.AppendUint64(buf[:0], 0)
			h.Write(buf)
			continue
		}
		buf = buf[:0]
		for _, n := range []int{d.N, d.Features, d.Outputs} {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(n))
		}
		h.Write(buf)
		for _, s := range [][]float32{d.X, d.Y} {
			buf = buf[:0]
			for _, v := range s {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
				if len(buf) >= 1<<16 {
					h.Write(buf)
					buf = buf[:0]
				}
			}
			h.Write(buf)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
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
		case name == "checkpoint": // a resumed run checkpoints into its --resume DIR, or its own --checkpoint
		case name == "epochs" && given[name]:
			if err := extendEpochs(c, fl.Value.String(), v); err != nil {
				return err
			}
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

// extendEpochs checks a --epochs given with --resume: the run's own, or
// more, which extends the run (see runTrain's --resume). Fewer are refused.
func extendEpochs(c *checkpoint, given, run string) error {
	n, _ := strconv.Atoi(given)
	m, _ := strconv.Atoi(run)
	if n < m {
		return usagef("train: --resume %s: --epochs %d is fewer than the run's %d: a run can be extended, not shortened", c.dir, n, m)
	}
	return nil
}

// resumeWeights loads the checkpoint's network into net, which must have
// the same shape.
func resumeWeights[T backprop.Float](c *checkpoint, net *backprop.Network[T]) error {
	path := filepath.Join(c.dir, checkpointFile)
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
		// The directory itself is made at the first checkpoint if need be,
		// never its parents.
		info, err := os.Stat(f.checkpoint)
		switch {
		case err == nil && !info.IsDir():
			return usagef("train: --checkpoint %s: not a directory", f.checkpoint)
		case err == nil:
			if err := atomicfile.Check(filepath.Join(f.checkpoint, checkpointFile)); err != nil {
				return usagef("train: --checkpoint %v", err)
			}
		default:
			if err := atomicfile.Check(f.checkpoint); err != nil {
				return usagef("train: --checkpoint %v", err)
			}
		}
	}
	return nil
}

// hookCheckpoint makes cfg save checkpoints of net, and resume from the one
// of --resume, whose weights it loads into net.
//
// dataSum is dataSHA256 of the training and validation sets: a resumed run
// must train on the rows the checkpointed run trained on.
func hookCheckpoint[T backprop.Float](f *trainFlags, net *backprop.Network[T], cfg *train.Config, dataSum string) error {
	if c := f.resumed; c != nil {
		if c.dataSum != dataSum {
			return usagef("train: --resume %s: the data differs from the data the run was training on (the files changed since): start again", c.dir)
		}
		if err := resumeWeights(c, net); err != nil {
			return badInput(fmt.Errorf("train: --resume: %w", err))
		}
		cfg.Resume = c.state
	}
	if f.checkpoint != "" {
		dir := f.checkpoint
		cfg.CheckpointEvery = f.checkpointEvery
		cfg.OnCheckpoint = func(s *train.State) error {
			if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
			return writeCheckpoint(dir, f.runFlags, dataSum, net, s)
		}
	}
	return nil
}
