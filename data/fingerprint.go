package data

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
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

// LoadFingerprint returns the [Fingerprint] of t's rows as [Load] reads the
// file whole (every record in order; of an IDX directory, the training
// files, the Dataset Load returns as train): the features as read, the
// targets one-hot for classes (none when the file has no target column).
// It reads the file twice more, once for the features and once for the
// targets, which the fingerprint hashes after all the features, in memory
// that does not grow with the file. A model trained on data read whole
// records this fingerprint; a streamed run's is [Table].Fingerprint.
func (t *Table) LoadFingerprint() (string, error) {
	parts := []Part{PartTrain, PartVal}
	if t.csv != nil {
		parts = append(parts, PartTest)
	}
	r := t.Reader(parts...)
	defer r.Close()
	nf, outputs := t.Features(), max(len(t.Classes), 1)
	h := sha256.New()
	buf := make([]byte, 0, 1<<16)
	for _, n := range []int{r.Len(), nf, outputs} {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(n))
	}
	x := make([]float32, nf)
	for pass := range 2 {
		if pass == 1 && t.NoTarget {
			break
		}
		if err := r.Reset(); err != nil {
			return "", err
		}
		for {
			y, err := r.Next(x)
			if err == io.EOF {
				break
			}
			if err != nil {
				return "", err
			}
			switch {
			case pass == 0:
				for _, v := range x {
					buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
				}
			case t.Classes != nil:
				for c := range outputs {
					v := float32(0)
					if c == int(y) {
						v = 1
					}
					buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
				}
			default:
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(y))
			}
			if len(buf) >= 1<<15 {
				h.Write(buf)
				buf = buf[:0]
			}
		}
	}
	h.Write(buf)
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
