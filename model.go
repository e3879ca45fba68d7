package backprop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// Format is the value of the "format" field that WriteModel adds. Readers
// accept files without it (the reference cases have none).
const Format = "backprop-model/1"

// MaxModelBytes bounds the size of a model file ReadModel accepts (1 GiB),
// so a hostile file cannot exhaust memory.
const MaxModelBytes = 1 << 30

// maxParams bounds the parameters of one layer (2^28, 1 GiB of float32).
const maxParams = 1 << 28

// ReadModel reads a network from its JSON model file (the format of
// SPEC.md and reference/README.md) and validates it: shapes, names, mask
// values, finite numbers. Fields it does not know are kept in Extra.
func ReadModel[T Float](r io.Reader) (*Network[T], error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxModelBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxModelBytes {
		return nil, fmt.Errorf("model file larger than %d bytes", MaxModelBytes)
	}
	return UnmarshalModel[T](data)
}

// UnmarshalModel is ReadModel on a byte slice.
func UnmarshalModel[T Float](data []byte) (*Network[T], error) {
	if trimmed := bytes.TrimSpace(data); len(trimmed) == 0 {
		return nil, errors.New("not a model file: empty")
	} else if trimmed[0] != '{' {
		return nil, errors.New("not a model file: want a JSON object")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("not a model file: %v", jsonError(data, err))
	}
	if _, ok := top["layers"]; !ok {
		return nil, errors.New(`not a model file: no "layers" field`)
	}
	net := &Network[T]{}
	if err := field(top, "format", new(string), false); err != nil {
		return nil, err
	}
	if err := field(top, "inputs", &net.Inputs, true); err != nil {
		return nil, err
	}
	var loss string
	if err := field(top, "loss", &loss, true); err != nil {
		return nil, err
	}
	var err error
	if net.Loss, err = ParseLoss(loss); err != nil {
		return nil, fmt.Errorf("loss: %w", err)
	}
	var layers []map[string]json.RawMessage
	if err := field(top, "layers", &layers, true); err != nil {
		return nil, err
	}
	net.Extra = top
	in := net.Inputs
	if in < 1 {
		return nil, fmt.Errorf("inputs: %d, want at least 1", in)
	}
	for l, raw := range layers {
		lay, err := readLayer[T](raw, in)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", l+1, err)
		}
		net.Layers = append(net.Layers, lay)
		in = lay.Out
	}
	if len(net.Extra) == 0 {
		net.Extra = nil
	}
	if err := net.Validate(); err != nil {
		return nil, err
	}
	return net, nil
}

// field decodes top[name] into v and removes it from top.
func field(top map[string]json.RawMessage, name string, v any, required bool) error {
	raw, ok := top[name]
	if !ok {
		if required {
			return fmt.Errorf("%s: missing", name)
		}
		return nil
	}
	delete(top, name)
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %v", name, typeError(err))
	}
	return nil
}

func readLayer[T Float](raw map[string]json.RawMessage, in int) (*Layer[T], error) {
	if raw == nil {
		return nil, errors.New("want an object")
	}
	lay := &Layer[T]{In: in}
	var name string
	if err := field(raw, "activation", &name, true); err != nil {
		return nil, err
	}
	f, err := ParseActivation(name)
	if err != nil {
		return nil, fmt.Errorf("activation: %w", err)
	}
	lay.Activation = f
	var slope *float64
	if err := field(raw, "slope", &slope, false); err != nil {
		return nil, err
	}
	if f == LeakyReLU {
		lay.Slope = 0.01
		if slope != nil {
			lay.Slope = T(*slope)
		}
	}
	var W [][]json.Number
	if err := field(raw, "weights", &W, true); err != nil {
		return nil, err
	}
	lay.Out = len(W)
	if lay.Out == 0 {
		return nil, errors.New("weights: no rows, want at least 1")
	}
	if lay.Out > maxParams/in {
		return nil, fmt.Errorf("weights: %d×%d is more than %d parameters", lay.Out, in, maxParams)
	}
	lay.W = make([]T, 0, lay.Out*in)
	for i, row := range W {
		if len(row) != in {
			return nil, fmt.Errorf("weights[%d]: %d values, want %d (the outputs of the layer before)", i, len(row), in)
		}
		for j, s := range row {
			v, err := number[T](s)
			if err != nil {
				return nil, fmt.Errorf("weights[%d][%d]: %w", i, j, err)
			}
			lay.W = append(lay.W, v)
		}
	}
	if _, ok := raw["bias"]; ok {
		var b []json.Number
		if err := field(raw, "bias", &b, false); err != nil {
			return nil, err
		}
		if b != nil {
			if len(b) != lay.Out {
				return nil, fmt.Errorf("bias: %d values, want %d (one per row of weights)", len(b), lay.Out)
			}
			lay.B = make([]T, lay.Out)
			for i, s := range b {
				if lay.B[i], err = number[T](s); err != nil {
					return nil, fmt.Errorf("bias[%d]: %w", i, err)
				}
			}
		}
	}
	if _, ok := raw["mask"]; ok {
		var M [][]json.Number
		if err := field(raw, "mask", &M, false); err != nil {
			return nil, err
		}
		if M != nil {
			if len(M) != lay.Out {
				return nil, fmt.Errorf("mask: %d rows, want %d (the rows of weights)", len(M), lay.Out)
			}
			lay.Mask = make([]bool, 0, lay.Out*in)
			for i, row := range M {
				if len(row) != in {
					return nil, fmt.Errorf("mask[%d]: %d values, want %d (the columns of weights)", i, len(row), in)
				}
				for j, s := range row {
					switch s {
					case "0", "1":
						lay.Mask = append(lay.Mask, s == "1")
					default:
						return nil, fmt.Errorf("mask[%d][%d]: %s, want 0 or 1", i, j, s)
					}
				}
			}
		}
	}
	if len(raw) > 0 {
		lay.Extra = raw
	}
	return lay, nil
}

// number parses a JSON number into T, refusing values that overflow T.
func number[T Float](s json.Number) (T, error) {
	bits := 64
	if _, ok := any(T(0)).(float32); ok {
		bits = 32
	}
	v, err := strconv.ParseFloat(string(s), bits)
	if err != nil || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s is not a finite %d-bit number", s, bits)
	}
	return T(v), nil
}

// typeError shortens encoding/json's type errors to what a user can act on.
func typeError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("got a JSON %s, want %s", te.Value, jsonKind(te.Type.String()))
	}
	return err.Error()
}

func jsonKind(goType string) string {
	switch goType {
	case "int":
		return "an integer"
	case "string":
		return "a string"
	case "json.Number", "float64", "*float64":
		return "a number"
	}
	return "an array or object of another shape"
}

// jsonError adds the line and column of a JSON syntax error.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:se.Offset], []byte("\n"))
		col := int(se.Offset) - bytes.LastIndexByte(data[:se.Offset], '\n') - 1
		return fmt.Errorf("line %d, column %d: %v", line, col, err)
	}
	return err
}

// LoadModel reads and validates the model file at path.
func LoadModel[T Float](path string) (*Network[T], error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	net, err := ReadModel[T](f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return net, nil
}

// MarshalModel returns the network's model file: JSON, indented, with numbers
// in the shortest form that reads back to the same value of T, and the Extra
// fields after the known ones in sorted order.
func (net *Network[T]) MarshalModel() ([]byte, error) {
	if err := net.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`{"format":"` + Format + `","inputs":` + strconv.Itoa(net.Inputs) + `,"loss":"` + net.Loss.String() + `","layers":[`)
	for l, lay := range net.Layers {
		if l > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"activation":"` + lay.Activation.String() + `"`)
		if lay.Activation == LeakyReLU {
			b.WriteString(`,"slope":`)
			writeNumber(&b, lay.Slope)
		}
		b.WriteString(`,"weights":`)
		writeMatrix(&b, lay.W, lay.In, func(v T) { writeNumber(&b, v) })
		if lay.B != nil {
			b.WriteString(`,"bias":`)
			b.WriteByte('[')
			for i, v := range lay.B {
				if i > 0 {
					b.WriteByte(',')
				}
				writeNumber(&b, v)
			}
			b.WriteByte(']')
		}
		if lay.Mask != nil {
			b.WriteString(`,"mask":`)
			writeMatrix(&b, lay.Mask, lay.In, func(v bool) {
				if v {
					b.WriteByte('1')
				} else {
					b.WriteByte('0')
				}
			})
		}
		writeExtra(&b, lay.Extra)
		b.WriteByte('}')
	}
	b.WriteByte(']')
	writeExtra(&b, net.Extra)
	b.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", " "); err != nil {
		return nil, fmt.Errorf("backprop: writing model: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func writeNumber[T Float](b *bytes.Buffer, v T) {
	bits := 64
	if _, ok := any(v).(float32); ok {
		bits = 32
	}
	b.WriteString(strconv.FormatFloat(float64(v), 'g', -1, bits))
}

// writeMatrix writes s as a JSON array of rows of the given width.
func writeMatrix[E any](b *bytes.Buffer, s []E, width int, put func(E)) {
	b.WriteByte('[')
	for k, v := range s {
		switch {
		case k%width == 0 && k > 0:
			b.WriteString("],[")
		case k%width == 0:
			b.WriteByte('[')
		default:
			b.WriteByte(',')
		}
		put(v)
	}
	b.WriteString("]]")
}

func writeExtra(b *bytes.Buffer, extra map[string]json.RawMessage) {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		name, _ := json.Marshal(k)
		b.WriteByte(',')
		b.Write(name)
		b.WriteByte(':')
		b.Write(extra[k])
	}
}

// WriteModel writes the network's model file to w.
func (net *Network[T]) WriteModel(w io.Writer) error {
	data, err := net.MarshalModel()
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// Save writes the network's model file to path atomically: to a temporary
// file in the same directory, synced, then renamed over path, so a crash
// never leaves a half-written model.
func (net *Network[T]) Save(path string) error {
	data, err := net.MarshalModel()
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, data)
}

// WriteFileAtomic writes data to path via a temporary file in the same
// directory, fsync and rename.
func WriteFileAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
