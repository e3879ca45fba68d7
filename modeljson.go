// The JSON scanner and validators of the model reader: it splits objects
// and arrays without decoding them, reads numbers and weight matrices one
// row at a time, and turns encoding/json's errors into ones a user can act
// on, with the line and column of a syntax error.

package backprop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// readObject splits the JSON object data (valid JSON) into its fields, at
// most maxFields of them; a repeated name keeps its last value. It scans the
// bytes once, without decoding the values.
func readObject(data []byte) (map[string]json.RawMessage, error) {
	fields := map[string]json.RawMessage{}
	i := skipSpace(data, 0) + 1 // {
	for {
		i = skipSpace(data, i)
		if data[i] == '}' {
			return fields, nil
		}
		end := skipValue(data, i)
		var name string
		if err := json.Unmarshal(data[i:end], &name); err != nil {
			return nil, err
		}
		i = skipSpace(data, end) + 1 // :
		i = skipSpace(data, i)
		end = skipValue(data, i)
		if _, seen := fields[name]; !seen && len(fields) == maxFields {
			return nil, fmt.Errorf("more than %d fields in an object", maxFields)
		}
		fields[name] = bytes.Clone(data[i:end])
		i = skipSpace(data, end)
		if data[i] == ',' {
			i++
		}
	}
}

// elements returns the elements of the JSON array data (valid JSON) one at
// a time: each call returns the next, or nil after the last.
func elements(data []byte) func() []byte {
	i := skipSpace(data, 0) + 1 // [
	return func() []byte {
		i = skipSpace(data, i)
		if i >= len(data) || data[i] == ']' {
			return nil
		}
		start := i
		i = skipValue(data, i)
		elem := data[start:i]
		i = skipSpace(data, i)
		if data[i] == ',' {
			i++
		}
		return elem
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value that starts at data[i], in
// valid JSON.
func skipValue(data []byte, i int) int {
	depth := 0
	for ; i < len(data); i++ {
		switch data[i] {
		case '"':
			for i++; data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '[', '{':
			depth++
		case ']', '}':
			if depth--; depth == 0 {
				return i + 1
			}
		case ' ', '\t', '\n', '\r', ',', ':':
			if depth == 0 {
				return i
			}
		default:
			if depth == 0 { // a number, true, false or null
				for i < len(data) && !bytes.ContainsRune([]byte(" \t\r\n,]}"), rune(data[i])) {
					i++
				}
				return i
			}
		}
	}
	return i
}

// openArray starts reading the JSON array raw one element at a time, with
// numbers as json.Number; ok is false for null. Any other value gives the
// error json.Unmarshal gives for it into like.
func openArray(raw json.RawMessage, like any) (dec *json.Decoder, ok bool, err error) {
	dec = json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, false, err
	}
	switch tok {
	case nil:
		return nil, false, nil
	case json.Delim('['):
		return dec, true, nil
	}
	return nil, false, errors.New(typeError(json.Unmarshal(raw, like)))
}

// countRest counts the elements left in the array dec reads, up to limit of
// them; all is false when it stopped at the limit. It holds one element at a
// time.
func countRest(dec *json.Decoder, limit int) (n int, all bool) {
	var skip json.RawMessage
	for dec.More() {
		if n == limit || dec.Decode(&skip) != nil {
			return n, false
		}
		n++
	}
	return n, true
}

// total says how many items an array holds when the reader stopped at item
// i: "12", or "more than 65548" when even counting stopped.
func total(dec *json.Decoder, i int) string {
	n, all := countRest(dec, 1<<16)
	if all {
		return strconv.Itoa(i + n)
	}
	return "more than " + strconv.Itoa(i+n)
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

// readRow reads the next element of dec, a row of a matrix: an array of at
// most want numbers, decoded one token at a time, so that a row longer than
// want is refused after want values, never held whole. For such a row it
// returns no values and count, how many it holds ("12", or "more than
// 65540").
func readRow(dec *json.Decoder, want int, row []json.Number) (_ []json.Number, count string, err error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, "", err
	}
	if tok != json.Delim('[') {
		return nil, "", fmt.Errorf("got a JSON %s, want an array or object of another shape", tokenKind(tok))
	}
	for dec.More() {
		if len(row) == want {
			return nil, total(dec, want), nil
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, "", err
		}
		v, ok := tok.(json.Number)
		if !ok {
			return nil, "", fmt.Errorf("got a JSON %s, want a number", tokenKind(tok))
		}
		row = append(row, v)
	}
	if _, err := dec.Token(); err != nil { // ]
		return nil, "", err
	}
	return row, "", nil
}

// tokenKind names the JSON kind of a token of a json.Decoder.
func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		if tok == json.Delim('{') {
			return "object"
		}
		return "array"
	case string:
		return "string"
	case bool:
		return "bool"
	case nil:
		return "null"
	}
	return "number"
}

// readWeights is the careful reading of the weights rawW of lay, for the
// errors parseMatrix leaves to it.
func readWeights[T Float](lay *Layer[T], rawW json.RawMessage, budget int) error {
	in := lay.In
	dec, ok, err := openArray(rawW, new([][]json.Number))
	if err != nil {
		return fmt.Errorf("weights: %v", err)
	}
	maxRows := maxParams / in
	var row []json.Number
	for i := 0; ok && dec.More(); i++ {
		if i == maxRows {
			return fmt.Errorf("weights: %s×%d is more than %d parameters", total(dec, i), in, maxParams)
		}
		var count string
		if row, count, err = readRow(dec, in, row[:0]); err != nil {
			return fmt.Errorf("weights: %v", err)
		}
		if count == "" {
			count = strconv.Itoa(len(row))
		}
		if len(row) != in {
			return fmt.Errorf("weights[%d]: %s values, want %d (the outputs of the layer before)", i, count, in)
		}
		if (i+1)*in > budget {
			return fmt.Errorf("weights: %s×%d: the network would have more than %d parameters (MaxParams)", total(dec, i+1), in, MaxParams)
		}
		for j, s := range row {
			v, err := number[T](s)
			if err != nil {
				return fmt.Errorf("weights[%d][%d]: %w", i, j, err)
			}
			lay.W = append(lay.W, v)
		}
		lay.Out++
	}
	if lay.Out == 0 {
		return errors.New("weights: no rows, want at least 1")
	}
	lay.W = slices.Clip(lay.W)
	return nil
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

// parseMatrix is the fast reading of weights: raw (valid JSON) as an array
// of rows of in numbers each, at most maxRows of them, in one pass without
// reflection. ok is false for anything else (null, another shape, a row of
// another length, too many rows, a number that does not fit T), which
// readWeights then reads carefully to say what is wrong.
func parseMatrix[T Float](raw []byte, in, maxRows int) (W []T, rows int, ok bool) {
	i := 0
	skip := func() {
		for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
			i++
		}
	}
	next := func(c byte) bool {
		skip()
		if i < len(raw) && raw[i] == c {
			i++
			return true
		}
		return false
	}
	if !next('[') {
		return nil, 0, false
	}
	if next(']') {
		return nil, 0, false // no rows: readWeights says so
	}
	for {
		if rows == maxRows || !next('[') {
			return nil, 0, false
		}
		for j := 0; ; j++ {
			skip()
			start := i
			for i < len(raw) && (raw[i] >= '0' && raw[i] <= '9' || raw[i] == '-' || raw[i] == '+' || raw[i] == '.' || raw[i] == 'e' || raw[i] == 'E') {
				i++
			}
			if i == start || j == in {
				return nil, 0, false
			}
			v, err := number[T](json.Number(raw[start:i]))
			if err != nil {
				return nil, 0, false
			}
			W = append(W, v)
			if next(']') {
				if j+1 != in {
					return nil, 0, false
				}
				break
			}
			if !next(',') {
				return nil, 0, false
			}
		}
		rows++
		if next(']') {
			break
		}
		if !next(',') {
			return nil, 0, false
		}
	}
	skip()
	if i != len(raw) {
		return nil, 0, false
	}
	return slices.Clip(W), rows, true
}
