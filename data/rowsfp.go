package data

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
	"strings"
)

// RowsFingerprint identifies the rows of d as a streamed [Table] does
// ([Table].Fingerprint), so that a model trained from a stream knows its
// data again when it is read whole: "rows-sha256:" and the hex SHA-256 of
// every row in order, its features (a number as its float32 bits, a
// category by its name, a missing value and an unknown category by marks
// of their own) and then its target (a number, or a class name that is a
// number, as its float32 bits; another class name as text).
func RowsFingerprint(d *Dataset) string {
	h := newRowHash()
	for i := range d.N {
		for k, v := range d.Row(i) {
			var cats []string
			if d.Categories != nil {
				cats = d.Categories[k]
			}
			h.feature(v, cats)
		}
		switch {
		case d.Classes != nil && d.Labels != nil:
			h.target(d.Classes[d.Labels[i]])
		case d.Y != nil:
			for _, y := range d.Target(i) {
				h.number(y)
			}
		}
	}
	return h.sum()
}

// SameRows reports whether fingerprint, a model's record of its training
// data, is that of d's rows: a [Fingerprint] or a [RowsFingerprint].
func SameRows(fingerprint string, d *Dataset) bool {
	if strings.HasPrefix(fingerprint, rowsPrefix) {
		return fingerprint == RowsFingerprint(d)
	}
	return fingerprint != "" && fingerprint == Fingerprint(d)
}

const rowsPrefix = "rows-sha256:"

// rowHash hashes rows value by value, each with a tag: 'n' and 4 bytes, 'c',
// a length and the bytes, 'm' (missing) or 'u' (unknown category).
type rowHash struct {
	h       hash.Hash
	w       *bufio.Writer
	b       [binary.MaxVarintLen64 + 1]byte
	scratch []byte
}

func newRowHash() *rowHash {
	h := sha256.New()
	return &rowHash{h: h, w: bufio.NewWriterSize(h, 32<<10)}
}

func (r *rowHash) number(v float32) {
	r.b[0] = 'n'
	binary.LittleEndian.PutUint32(r.b[1:], math.Float32bits(v))
	r.w.Write(r.b[:5])
}

// numbers hashes the numbers x, as number does one by one.
func (r *rowHash) numbers(x []float32) {
	buf := r.scratch[:0]
	for _, v := range x {
		buf = append(buf, 'n')
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
	}
	r.w.Write(buf)
	r.scratch = buf
}

func (r *rowHash) text(s string) {
	r.b[0] = 'c'
	n := binary.PutUvarint(r.b[1:], uint64(len(s)))
	r.w.Write(r.b[:1+n])
	r.w.WriteString(s)
}

// feature hashes a raw feature value: cats are its categories (nil for a
// numeric feature).
func (r *rowHash) feature(v float32, cats []string) {
	switch {
	case math.IsNaN(float64(v)):
		r.w.WriteByte('m')
	case cats == nil:
		r.number(v)
	case v < 0 || int(v) >= len(cats):
		r.w.WriteByte('u')
	default:
		r.text(cats[int(v)])
	}
}

// target hashes a target value as read: a number's bits, else its text.
func (r *rowHash) target(s string) {
	if isDecimal(s) {
		if v, err := parseNumber(s); err == nil {
			r.number(v)
			return
		}
	}
	r.text(s)
}

func (r *rowHash) sum() string {
	r.w.Flush()
	return rowsPrefix + hex.EncodeToString(r.h.Sum(nil))
}
