package data

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
)

// Fingerprint identifies the rows of d, whatever file or format they were
// read from: "sha256:" and the hex SHA-256 of the shape (N, Features,
// Outputs), then every value of X and Y as float32 bits, little-endian. A
// model file records the fingerprint of its training data, so that the
// data can be recognised later (and split again the same way).
func Fingerprint(d *Dataset) string {
	h := sha256.New()
	var b [8]byte
	for _, n := range []int{d.N, d.Features, d.Outputs} {
		binary.LittleEndian.PutUint64(b[:], uint64(n))
		h.Write(b[:])
	}
	buf := make([]byte, 0, 4096)
	for _, s := range [][]float32{d.X, d.Y} {
		for _, v := range s {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				h.Write(buf)
				buf = buf[:0]
			}
		}
	}
	h.Write(buf)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
