package frame

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"time"
)

// ShortDigestLen is how many hex characters ShortDigest keeps: 64 bits, few
// enough for MLflow's 36-character dataset digest field and plenty to tell
// datasets apart.
const ShortDigestLen = 16

// Digest returns the SHA-256 (hex) of f's content: column names, kinds and
// values in row order. It depends on what the data says, not how it is
// stored: the same rows read in one frame or streamed in batches of any size
// (see Digester) hash the same, categorical level order does not matter, and
// int and float columns holding the same numbers hash the same, since the
// CSV reader may widen one to the other mid-stream.
func Digest(f *Frame) string {
	d := NewDigester()
	d.Add(f) // cannot fail on its first frame
	return d.Sum()
}

// ShortDigest returns the first ShortDigestLen characters of Digest(f).
func ShortDigest(f *Frame) string { return Digest(f)[:ShortDigestLen] }

// Digester computes Digest over a sequence of frames with the same columns,
// such as the batches of a CSVReader, as if they were one frame.
type Digester struct {
	names   []string
	classes []string
	hashes  []hash.Hash
	rows    int64
	buf     []byte
	scratch []byte
}

// NewDigester returns a Digester that has seen no rows.
func NewDigester() *Digester { return &Digester{} }

// kindClass groups kinds whose values Digest encodes alike.
func kindClass(k Kind) string {
	if k == Int || k == Float {
		return "number"
	}
	return k.String()
}

// Add hashes the rows of f after those already added. Its columns must have
// the names and kind classes of the first frame added.
func (d *Digester) Add(f *Frame) error {
	if d.hashes == nil {
		d.names = f.Names()
		for _, c := range f.cols {
			d.classes = append(d.classes, kindClass(c.Kind()))
			d.hashes = append(d.hashes, sha256.New())
		}
	}
	if !slices.Equal(f.Names(), d.names) {
		return fmt.Errorf("frame digest: columns %v, want %v", f.Names(), d.names)
	}
	for j, c := range f.cols {
		if kindClass(c.Kind()) != d.classes[j] {
			return fmt.Errorf("frame digest: column %q is %s, want %s", d.names[j], c.Kind(), d.classes[j])
		}
		d.addColumn(d.hashes[j], c)
	}
	d.rows += int64(f.rows)
	return nil
}

func (d *Digester) addColumn(h hash.Hash, c Column) {
	buf, tmp := d.buf[:0], d.scratch[:0]
	flush := func() {
		if len(buf) >= 32<<10 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	n := c.Len()
	for i := 0; i < n; i++ {
		if c.IsMissing(i) {
			buf = append(buf, 0)
			flush()
			continue
		}
		buf = append(buf, 1)
		switch c := c.(type) {
		case *FloatColumn:
			tmp = strconv.AppendFloat(tmp[:0], c.Values[i], 'g', -1, 64)
			buf = appendText(buf, tmp)
		case *IntColumn:
			tmp = strconv.AppendInt(tmp[:0], c.Values[i], 10)
			buf = appendText(buf, tmp)
		case *BoolColumn:
			if c.Values[i] {
				buf = append(buf, 1)
			} else {
				buf = append(buf, 0)
			}
		case *TimeColumn:
			tmp = c.Values[i].UTC().AppendFormat(tmp[:0], time.RFC3339Nano)
			buf = appendText(buf, tmp)
		case *CategoricalColumn:
			s := c.Levels[c.Codes[i]]
			buf = binary.AppendUvarint(buf, uint64(len(s)))
			buf = append(buf, s...)
		}
		flush()
	}
	h.Write(buf)
	d.buf, d.scratch = buf[:0], tmp[:0]
}

// appendText writes a length-prefixed byte string, so that no two different
// value sequences produce the same bytes.
func appendText(buf, s []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// Sum returns the digest of all rows added so far.
func (d *Digester) Sum() string {
	top := sha256.New()
	var buf []byte
	buf = appendText(buf, []byte("weir.frame.digest/v1"))
	buf = binary.AppendUvarint(buf, uint64(d.rows))
	buf = binary.AppendUvarint(buf, uint64(len(d.names)))
	for j, name := range d.names {
		buf = appendText(buf, []byte(name))
		buf = appendText(buf, []byte(d.classes[j]))
		buf = d.hashes[j].Sum(buf)
	}
	top.Write(buf)
	return hex.EncodeToString(top.Sum(nil))
}
