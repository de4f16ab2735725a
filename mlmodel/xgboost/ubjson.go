package xgboost

import (
	"encoding/binary"
	"fmt"
	"math"
)

// maxDepth bounds the nesting of objects and arrays in a model file. An
// XGBoost model nests about six deep; the bound keeps a hostile file from
// exhausting the stack.
const maxDepth = 64

// ubjDecoder reads the subset of Universal Binary JSON (ubjson.org, draft
// 12) that XGBoost writes: objects, arrays (plain, counted, and typed and
// counted), strings, integers of 1 to 8 bytes, float32 and float64, booleans
// and null, all numbers big-endian. It decodes into the same generic values
// as the JSON path (see value.go), keeping typed arrays as Go slices of their
// element type so that a tree's arrays cost no boxing.
type ubjDecoder struct {
	b   []byte
	off int
}

// decodeUBJ decodes one UBJSON value that must fill b.
func decodeUBJ(b []byte) (any, error) {
	d := &ubjDecoder{b: b}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if d.off != len(d.b) {
		return nil, fmt.Errorf("UBJSON: %d bytes after the top-level value", len(d.b)-d.off)
	}
	return v, nil
}

func (d *ubjDecoder) errorf(format string, args ...any) error {
	return fmt.Errorf("UBJSON at byte %d: %s", d.off, fmt.Sprintf(format, args...))
}

func (d *ubjDecoder) need(n int) ([]byte, error) {
	if n < 0 || len(d.b)-d.off < n {
		return nil, d.errorf("file ends early (need %d bytes, have %d)", n, len(d.b)-d.off)
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p, nil
}

func (d *ubjDecoder) marker() (byte, error) {
	for {
		p, err := d.need(1)
		if err != nil {
			return 0, err
		}
		if p[0] != 'N' { // no-op
			return p[0], nil
		}
	}
}

// value reads one value starting at its type marker.
func (d *ubjDecoder) value(depth int) (any, error) {
	m, err := d.marker()
	if err != nil {
		return nil, err
	}
	return d.valueOf(m, depth)
}

func (d *ubjDecoder) valueOf(m byte, depth int) (any, error) {
	switch m {
	case '{':
		return d.object(depth + 1)
	case '[':
		return d.array(depth + 1)
	case 'S', 'H':
		return d.str()
	case 'Z':
		return nil, nil
	case 'T':
		return true, nil
	case 'F':
		return false, nil
	case 'C':
		p, err := d.need(1)
		if err != nil {
			return nil, err
		}
		return string(p), nil
	case 'd':
		p, err := d.need(4)
		if err != nil {
			return nil, err
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(p))), nil
	case 'D':
		p, err := d.need(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(p)), nil
	case 'i', 'U', 'I', 'l', 'L':
		return d.integer(m)
	}
	d.off--
	return nil, d.errorf("unknown type marker %q", m)
}

func (d *ubjDecoder) integer(m byte) (int64, error) {
	switch m {
	case 'i':
		p, err := d.need(1)
		if err != nil {
			return 0, err
		}
		return int64(int8(p[0])), nil
	case 'U':
		p, err := d.need(1)
		if err != nil {
			return 0, err
		}
		return int64(p[0]), nil
	case 'I':
		p, err := d.need(2)
		if err != nil {
			return 0, err
		}
		return int64(int16(binary.BigEndian.Uint16(p))), nil
	case 'l':
		p, err := d.need(4)
		if err != nil {
			return 0, err
		}
		return int64(int32(binary.BigEndian.Uint32(p))), nil
	case 'L':
		p, err := d.need(8)
		if err != nil {
			return 0, err
		}
		return int64(binary.BigEndian.Uint64(p)), nil
	}
	d.off--
	return 0, d.errorf("marker %q where an integer was expected", m)
}

// length reads a count or string length: an integer with its marker, which
// must not be negative nor promise more items than bytes remain (each item
// takes at least minSize bytes), so nothing is allocated for a lie.
func (d *ubjDecoder) length(minSize int) (int, error) {
	m, err := d.marker()
	if err != nil {
		return 0, err
	}
	n, err := d.integer(m)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, d.errorf("negative length %d", n)
	}
	if rest := int64(len(d.b) - d.off); n > rest/int64(minSize) {
		return 0, d.errorf("declared length %d exceeds the %d bytes left", n, rest)
	}
	return int(n), nil
}

func (d *ubjDecoder) str() (string, error) {
	n, err := d.length(1)
	if err != nil {
		return "", err
	}
	p, _ := d.need(n)
	return string(p), nil
}

// header reads the optional $type and #count of a container. typ is 0 when
// the elements carry their own markers; n is -1 when the container ends
// with its closing marker.
func (d *ubjDecoder) header(minSize func(byte) int) (typ byte, n int, err error) {
	n = -1
	if d.off < len(d.b) && d.b[d.off] == '$' {
		d.off++
		p, err := d.need(1)
		if err != nil {
			return 0, 0, err
		}
		typ = p[0]
		if d.off >= len(d.b) || d.b[d.off] != '#' {
			return 0, 0, d.errorf("typed container without a count")
		}
	}
	if d.off < len(d.b) && d.b[d.off] == '#' {
		d.off++
		size := 1
		if typ != 0 {
			size = minSize(typ)
		}
		if n, err = d.length(size); err != nil {
			return 0, 0, err
		}
	}
	return typ, n, nil
}

// elemSize is the encoded size of one element of a typed array, or 1 for
// types whose elements vary in size.
func elemSize(typ byte) int {
	switch typ {
	case 'I':
		return 2
	case 'l', 'd':
		return 4
	case 'L', 'D':
		return 8
	}
	return 1
}

func (d *ubjDecoder) array(depth int) (any, error) {
	if depth > maxDepth {
		return nil, d.errorf("nesting deeper than %d", maxDepth)
	}
	typ, n, err := d.header(elemSize)
	if err != nil {
		return nil, err
	}
	if typ != 0 {
		return d.typedArray(typ, n, depth)
	}
	var out []any
	if n >= 0 {
		out = make([]any, 0, n)
	}
	for i := 0; n < 0 || i < n; i++ {
		m, err := d.marker()
		if err != nil {
			return nil, err
		}
		if n < 0 && m == ']' {
			break
		}
		v, err := d.valueOf(m, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// typedArray reads n elements of one type. The length check in header
// guarantees the bytes are there.
func (d *ubjDecoder) typedArray(typ byte, n, depth int) (any, error) {
	switch typ {
	case 'd':
		p, _ := d.need(4 * n)
		out := make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(binary.BigEndian.Uint32(p[4*i:]))
		}
		return out, nil
	case 'D':
		p, _ := d.need(8 * n)
		out := make([]float64, n)
		for i := range out {
			out[i] = math.Float64frombits(binary.BigEndian.Uint64(p[8*i:]))
		}
		return out, nil
	case 'U':
		p, _ := d.need(n)
		return append([]uint8(nil), p...), nil
	case 'i':
		p, _ := d.need(n)
		out := make([]int8, n)
		for i := range out {
			out[i] = int8(p[i])
		}
		return out, nil
	case 'I':
		p, _ := d.need(2 * n)
		out := make([]int16, n)
		for i := range out {
			out[i] = int16(binary.BigEndian.Uint16(p[2*i:]))
		}
		return out, nil
	case 'l':
		p, _ := d.need(4 * n)
		out := make([]int32, n)
		for i := range out {
			out[i] = int32(binary.BigEndian.Uint32(p[4*i:]))
		}
		return out, nil
	case 'L':
		p, _ := d.need(8 * n)
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(binary.BigEndian.Uint64(p[8*i:]))
		}
		return out, nil
	}
	// Any other element type: each element is a value without its marker.
	out := make([]any, 0, n)
	for i := 0; i < n; i++ {
		v, err := d.valueOf(typ, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (d *ubjDecoder) object(depth int) (any, error) {
	if depth > maxDepth {
		return nil, d.errorf("nesting deeper than %d", maxDepth)
	}
	typ, n, err := d.header(func(byte) int { return 2 })
	if err != nil {
		return nil, err
	}
	out := make(map[string]any)
	for i := 0; n < 0 || i < n; i++ {
		if n < 0 {
			if d.off >= len(d.b) {
				return nil, d.errorf("file ends inside an object")
			}
			if d.b[d.off] == '}' {
				d.off++
				break
			}
		}
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		var v any
		if typ != 0 {
			v, err = d.valueOf(typ, depth)
		} else {
			v, err = d.value(depth)
		}
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		out[key] = v
	}
	return out, nil
}
