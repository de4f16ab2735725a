package tracing

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Protocol Buffers wire types.
const (
	wireVarint = 0
	wire64     = 1
	wireLen    = 2
	wire32     = 5
)

// maxValueDepth bounds how deeply attribute values nest (arrays of
// key-value lists of arrays...), so a hostile body cannot exhaust the stack.
const maxValueDepth = 32

var errTruncated = errors.New("truncated message")

// wireReader reads one Protocol Buffers message, field by field.
type wireReader struct {
	b   []byte
	err error
}

// next reads the next field's number and wire type; ok is false at the end
// of the message or on an error (in r.err).
func (r *wireReader) next() (num int, typ int, ok bool) {
	if r.err != nil || len(r.b) == 0 {
		return 0, 0, false
	}
	key, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errTruncated
		return 0, 0, false
	}
	r.b = r.b[n:]
	num, typ = int(key>>3), int(key&7)
	if num <= 0 || num > math.MaxInt32 {
		r.err = fmt.Errorf("field number %d is out of range", key>>3)
		return 0, 0, false
	}
	return num, typ, true
}

func (r *wireReader) varint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errTruncated)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *wireReader) fixed64() uint64 {
	if len(r.b) < 8 {
		r.fail(errTruncated)
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *wireReader) fixed32() uint32 {
	if len(r.b) < 4 {
		r.fail(errTruncated)
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

// bytes reads a length-delimited field; the result aliases the message.
func (r *wireReader) bytes() []byte {
	n := r.varint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail(fmt.Errorf("a field declares %d bytes but %d remain", n, len(r.b)))
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// skip skips a field of wire type typ.
func (r *wireReader) skip(typ int) {
	switch typ {
	case wireVarint:
		r.varint()
	case wire64:
		r.fixed64()
	case wireLen:
		r.bytes()
	case wire32:
		r.fixed32()
	default:
		r.fail(fmt.Errorf("wire type %d is not supported", typ))
	}
}

// want checks that a field has the wire type its schema gives it.
func (r *wireReader) want(num, typ, want int) bool {
	if typ != want {
		r.fail(fmt.Errorf("field %d has wire type %d, want %d", num, typ, want))
		return false
	}
	return true
}

func (r *wireReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}
