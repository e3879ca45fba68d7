package backprop

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/backprop-go/backprop/internal/atomicfile"
	"github.com/backprop-go/backprop/internal/inputfile"
)

// Format is the value of the "format" field that WriteModel adds. Readers
// accept files without it (the reference cases have none) and files of
// backprop-model/1 (the pipeline in the fields of the backprop command:
// feature names, "scaler", "training"), and refuse a later version.
const Format = "backprop-model/2"

// MaxModelBytes bounds the size of a model file ReadModel accepts (1 GiB),
// so a hostile file cannot exhaust memory.
const MaxModelBytes = 1 << 30

// The other limits of the model reader (see the package doc, "Limits"): the
// parameters of one layer (2^28, 1 GiB of float32), the layers of a network
// and the fields of one JSON object (the top level or a layer).
const (
	maxParams = 1 << 28
	maxLayers = 1 << 14
	maxFields = 1 << 12
)

// ErrChecksum is the error, wrapped, of a model file whose checksum field
// does not match its content.
var ErrChecksum = errors.New("checksum mismatch: the file was changed or damaged after it was written")

// ReadModel reads a network from its JSON model file (the format of
// testdata/cases.json's models) and validates it: shapes, names, mask
// values, finite numbers. Fields it does not know are kept in Extra.
//
// A file with a "checksum" field (MarshalModel writes one) must match it, or
// ReadModel returns an error wrapping [ErrChecksum] and no network; a file
// without one (written by hand, or a reference case) is read as it is. The
// reader decodes the weights a row at a time and refuses a row of the wrong
// length, a layer of more than 2^28 parameters, more than 16384 layers or
// more than 4096 fields in an object before allocating for them, so a
// hostile file costs memory in proportion to its size, at most
// MaxModelBytes.
func ReadModel[T Float](r io.Reader) (*Network[T], error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxModelBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxModelBytes {
		return nil, fmt.Errorf("model file larger than %d bytes (MaxModelBytes)", MaxModelBytes)
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
	if !json.Valid(data) {
		var v struct{}
		err := jsonError(data, json.Unmarshal(data, &v)) // the syntax error, found before decoding anything
		if strings.HasSuffix(err.Error(), "unexpected end of JSON input") {
			return nil, fmt.Errorf("not a model file: %v (the file is truncated)", err)
		}
		return nil, fmt.Errorf("not a model file: %v", err)
	}
	top, err := readObject(data)
	if err != nil {
		return nil, fmt.Errorf("not a model file: %v", err)
	}
	if _, ok := top["layers"]; !ok {
		return nil, errors.New(`not a model file: no "layers" field`)
	}
	if raw, ok := top["checksum"]; ok {
		if err := verifyChecksum(data, raw); err != nil {
			return nil, err
		}
		delete(top, "checksum")
	}
	net := &Network[T]{}
	var format string
	if err := field(top, "format", &format, false); err != nil {
		return nil, err
	}
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	if err := field(top, "inputs", &net.Inputs, true); err != nil {
		return nil, err
	}
	var loss string
	if err := field(top, "loss", &loss, true); err != nil {
		return nil, err
	}
	if net.Loss, err = ParseLoss(loss); err != nil {
		return nil, fmt.Errorf("loss: %w", err)
	}
	rawLayers := top["layers"]
	delete(top, "layers")
	if first := bytes.TrimSpace(rawLayers); first[0] != '[' && first[0] != 'n' {
		return nil, fmt.Errorf("layers: %s", typeError(json.Unmarshal(rawLayers, new([]map[string]json.RawMessage))))
	}
	net.Extra = top
	in := net.Inputs
	if in < 1 {
		return nil, fmt.Errorf("inputs: %d, want at least 1", in)
	}
	// One layer at a time: the first bad one stops the reading.
	next := func() []byte { return nil } // null: no layers
	if bytes.TrimSpace(rawLayers)[0] == '[' {
		next = elements(rawLayers)
	}
	params := 0 // of the layers read so far, at most MaxParams
	for l := 0; ; l++ {
		elem := next()
		if elem == nil {
			break
		}
		if l == maxLayers {
			return nil, fmt.Errorf("layers: more than %d", maxLayers)
		}
		var raw map[string]json.RawMessage
		switch elem[0] {
		case 'n': // null
		case '{':
			if raw, err = readObject(elem); err != nil {
				return nil, fmt.Errorf("layer %d: %v", l+1, err)
			}
		default:
			return nil, fmt.Errorf("layers: %s", typeError(json.Unmarshal(elem, new(map[string]json.RawMessage))))
		}
		lay, err := readLayer[T](raw, in, MaxParams-params)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", l+1, err)
		}
		if params += len(lay.W) + len(lay.B); params > MaxParams {
			return nil, fmt.Errorf("layer %d: the network has more than %d parameters (MaxParams)", l+1, MaxParams)
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

// verifyChecksum checks the checksum field raw of the model file data:
// "sha256:" and the hex SHA-256 of the file's compact form (json.Compact)
// without the checksum field, which MarshalModel writes last.
func verifyChecksum(data []byte, raw json.RawMessage) error {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("checksum: %v", typeError(err))
	}
	hexSum, ok := strings.CutPrefix(s, "sha256:")
	want, err := hex.DecodeString(hexSum)
	if !ok || err != nil || len(want) != sha256.Size {
		return fmt.Errorf("checksum: %q, want \"sha256:\" and 64 hex digits", s)
	}
	var c bytes.Buffer
	if err := json.Compact(&c, data); err != nil {
		return err
	}
	body, ok := bytes.CutSuffix(c.Bytes(), []byte(`,"checksum":"`+s+`"}`))
	if !ok {
		return ErrChecksum // not the last field: not as written
	}
	got := sha256.Sum256(append(body, '}'))
	if !bytes.Equal(got[:], want) {
		return ErrChecksum
	}
	return nil
}

// readLayer reads one layer on in inputs. Weights, bias and mask are decoded
// an element at a time, each row checked before the next is read, so a
// claimed shape never allocates more than the file holds.
func readLayer[T Float](raw map[string]json.RawMessage, in, budget int) (*Layer[T], error) {
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
	rawW, ok := raw["weights"]
	if !ok {
		return nil, errors.New("weights: missing")
	}
	delete(raw, "weights")
	if W, rows, ok := parseMatrix[T](rawW, in, min(maxParams, budget)/in); ok {
		lay.W, lay.Out = W, rows
	} else if err := readWeights(lay, rawW, budget); err != nil {
		return nil, err
	}
	if rawB, found := raw["bias"]; found {
		delete(raw, "bias")
		dec, ok, err := openArray(rawB, new([]json.Number))
		if err != nil {
			return nil, fmt.Errorf("bias: %v", err)
		}
		if ok {
			lay.B = make([]T, 0, lay.Out)
		}
		var s json.Number
		for i := 0; ok && dec.More(); i++ {
			if i == lay.Out {
				return nil, fmt.Errorf("bias: %s values, want %d (one per row of weights)", total(dec, i), lay.Out)
			}
			if err := dec.Decode(&s); err != nil {
				return nil, fmt.Errorf("bias: %v", typeError(err))
			}
			v, err := number[T](s)
			if err != nil {
				return nil, fmt.Errorf("bias[%d]: %w", i, err)
			}
			lay.B = append(lay.B, v)
		}
		if ok && len(lay.B) != lay.Out {
			return nil, fmt.Errorf("bias: %d values, want %d (one per row of weights)", len(lay.B), lay.Out)
		}
	}
	if rawM, found := raw["mask"]; found {
		delete(raw, "mask")
		dec, ok, err := openArray(rawM, new([][]json.Number))
		if err != nil {
			return nil, fmt.Errorf("mask: %v", err)
		}
		if ok {
			lay.Mask = make([]bool, 0, len(lay.W))
		}
		var row []json.Number
		rows := 0
		for i := 0; ok && dec.More(); i++ {
			if i == lay.Out {
				return nil, fmt.Errorf("mask: %s rows, want %d (the rows of weights)", total(dec, i), lay.Out)
			}
			var count string
			if row, count, err = readRow(dec, in, row[:0]); err != nil {
				return nil, fmt.Errorf("mask: %v", err)
			}
			if count == "" {
				count = strconv.Itoa(len(row))
			}
			if len(row) != in {
				return nil, fmt.Errorf("mask[%d]: %s values, want %d (the columns of weights)", i, count, in)
			}
			for j, s := range row {
				switch s {
				case "0", "1":
					lay.Mask = append(lay.Mask, s == "1")
				default:
					return nil, fmt.Errorf("mask[%d][%d]: %s, want 0 or 1", i, j, s)
				}
			}
			rows++
		}
		if ok && rows != lay.Out {
			return nil, fmt.Errorf("mask: %d rows, want %d (the rows of weights)", rows, lay.Out)
		}
	}
	if len(raw) > 0 {
		lay.Extra = raw
	}
	return lay, nil
}

// LoadModel reads and validates the network of the model file at path, its
// pipeline left in Extra; [Load] reads the whole Model.
func LoadModel[T Float](path string) (*Network[T], error) {
	data, err := inputfile.ReadFile(path, MaxModelBytes, "MaxModelBytes")
	if err != nil {
		return nil, err
	}
	net, err := UnmarshalModel[T](data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return net, nil
}

// MarshalModel returns the network's model file: JSON, indented, with numbers
// in the shortest form that reads back to the same value of T, the Extra
// fields after the known ones in sorted order, and last a "checksum" field,
// "sha256:" and the hex SHA-256 of the file's compact form (json.Compact)
// without that field, which ReadModel verifies.
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
	writeExtra(&b, net.Extra, "format", "checksum") // written here, not twice
	// The checksum, last: the SHA-256 of the compact form of all before it.
	var c bytes.Buffer
	if err := json.Compact(&c, append(b.Bytes(), '}')); err != nil {
		return nil, fmt.Errorf("backprop: writing model: %w", err)
	}
	sum := sha256.Sum256(c.Bytes())
	b.WriteString(`,"checksum":"sha256:` + hex.EncodeToString(sum[:]) + `"}`)
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

// writeExtra writes the fields of extra in sorted order, except those named
// in skip.
func writeExtra(b *bytes.Buffer, extra map[string]json.RawMessage, skip ...string) {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !slices.Contains(skip, k) {
			keys = append(keys, k)
		}
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

// WriteFileAtomic writes data to path atomically: a temporary file in the
// same directory, synced, renamed over path, the directory synced. A
// symbolic link is followed (its target replaced); a directory, device, pipe
// or socket is refused, and no directory is created. See
// internal/atomicfile for the whole contract.
func WriteFileAtomic(path string, data []byte) error {
	return atomicfile.Write(path, data)
}

// checkFormat refuses a format field of a later version than Format, or of
// another kind of file.
func checkFormat(format string) error {
	if format == "" {
		return nil
	}
	v, ok := strings.CutPrefix(format, "backprop-model/")
	n, err := strconv.Atoi(v)
	if !ok || err != nil || n < 1 {
		return fmt.Errorf("format: %q, want %q", format, Format)
	}
	if cur, _ := strconv.Atoi(strings.TrimPrefix(Format, "backprop-model/")); n > cur {
		return fmt.Errorf("format: %q is newer than this backprop reads (%s): use a newer backprop", format, Format)
	}
	return nil
}
