package pyobj

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// dtype is a NumPy data type as the readers decode it: a scalar kind
// ('f', 'i', 'u', 'b', 'U', 'S', 'O') of size bytes, or a record ('V') of
// fields at offsets.
type dtype struct {
	kind   byte
	size   int // bytes per element
	big    bool
	fields []field
}

type field struct {
	name   string
	dt     *dtype
	offset int
}

// String returns NumPy's dtype string, such as "<f8" or "|b1".
func (d *dtype) String() string {
	switch d.kind {
	case 'V':
		return "record"
	case 'O':
		return "object"
	}
	order := "<"
	if d.big {
		order = ">"
	}
	n := d.size
	if d.kind == 'U' {
		n /= 4
	}
	if d.size == 1 && d.kind != 'U' || d.kind == 'S' {
		order = "|"
	}
	return order + string(d.kind) + strconv.Itoa(n)
}

// parseDtypeString parses a dtype string such as "<f8", "|u1", "<U5", "f8"
// or "V56" (a bare record, whose fields come separately).
func parseDtypeString(s string) (*dtype, error) {
	orig := s
	d := &dtype{}
	if s != "" {
		switch s[0] {
		case '<', '|', '=':
			s = s[1:]
		case '>':
			d.big = true
			s = s[1:]
		}
	}
	if s == "O" || s == "O8" || s == "O4" {
		return &dtype{kind: 'O', size: 8}, nil
	}
	if s == "?" {
		return &dtype{kind: 'b', size: 1}, nil
	}
	if len(s) < 2 {
		return nil, fmt.Errorf("unsupported dtype %q", orig)
	}
	d.kind = s[0]
	n, err := strconv.Atoi(s[1:])
	if err != nil || n < 0 || n > 1<<20 {
		return nil, fmt.Errorf("unsupported dtype %q", orig)
	}
	d.size = n
	switch d.kind {
	case 'f':
		if n != 2 && n != 4 && n != 8 {
			return nil, fmt.Errorf("unsupported float size in dtype %q", orig)
		}
	case 'i', 'u':
		if n != 1 && n != 2 && n != 4 && n != 8 {
			return nil, fmt.Errorf("unsupported integer size in dtype %q", orig)
		}
	case 'b':
		if n != 1 {
			return nil, fmt.Errorf("unsupported bool size in dtype %q", orig)
		}
	case 'U':
		d.size = 4 * n
	case 'S', 'V':
	default:
		return nil, fmt.Errorf("unsupported dtype %q (only numbers, bools, strings and records are read)", orig)
	}
	return d, nil
}

func (d *dtype) order() binary.ByteOrder {
	if d.big {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// decode turns n elements of d, stride bytes apart starting at b[0], into an
// Array of the given shape. The caller has checked that b holds them.
func (d *dtype) decode(b []byte, n, stride int, shape []int) (*Array, error) {
	a := &Array{DType: d.String(), Shape: shape}
	if n > 0 && (stride < d.size || len(b) < (n-1)*stride+d.size) {
		return nil, fmt.Errorf("array data too short: %d elements of %d bytes need more than %d bytes", n, d.size, len(b))
	}
	bo := d.order()
	switch d.kind {
	case 'f':
		out := make([]float64, n)
		for i := range out {
			p := b[i*stride:]
			switch d.size {
			case 2:
				out[i] = float16(bo.Uint16(p))
			case 4:
				out[i] = float64(math.Float32frombits(bo.Uint32(p)))
			default:
				out[i] = math.Float64frombits(bo.Uint64(p))
			}
		}
		a.Data = out
	case 'i', 'u', 'b':
		out := make([]int64, n)
		for i := range out {
			p := b[i*stride:]
			var v uint64
			switch d.size {
			case 1:
				v = uint64(p[0])
			case 2:
				v = uint64(bo.Uint16(p))
			case 4:
				v = uint64(bo.Uint32(p))
			default:
				v = bo.Uint64(p)
			}
			switch {
			case d.kind == 'i':
				shift := 64 - 8*uint(d.size)
				out[i] = int64(v<<shift) >> shift
			case d.kind == 'b' && v > 1:
				return nil, fmt.Errorf("bool array element %d is %d, not 0 or 1", i, v)
			case v > math.MaxInt64:
				return nil, fmt.Errorf("uint64 array element %d does not fit in int64", i)
			default:
				out[i] = int64(v)
			}
		}
		a.Data = out
	case 'U', 'S':
		out := make([]string, n)
		for i := range out {
			p := b[i*stride : i*stride+d.size]
			if d.kind == 'S' {
				out[i] = strings.TrimRight(string(p), "\x00")
				continue
			}
			var sb strings.Builder
			for j := 0; j+4 <= len(p); j += 4 {
				r := rune(bo.Uint32(p[j:]))
				if r == 0 {
					break
				}
				if !utf8.ValidRune(r) {
					return nil, fmt.Errorf("string array element %d holds an invalid character", i)
				}
				sb.WriteRune(r)
			}
			out[i] = sb.String()
		}
		a.Data = out
	case 'V':
		if len(d.fields) == 0 {
			return nil, fmt.Errorf("record dtype without fields")
		}
		a.Fields = make(map[string]*Array, len(d.fields))
		for _, f := range d.fields {
			if f.offset < 0 || f.offset+f.dt.size > d.size {
				return nil, fmt.Errorf("record field %q lies outside its %d-byte record", f.name, d.size)
			}
			var fb []byte
			if n > 0 {
				fb = b[f.offset:]
			}
			fa, err := f.dt.decode(fb, n, stride, shape)
			if err != nil {
				return nil, fmt.Errorf("record field %q: %w", f.name, err)
			}
			a.Fields[f.name] = fa
			a.FieldNames = append(a.FieldNames, f.name)
		}
	default:
		return nil, fmt.Errorf("cannot decode %s arrays from raw bytes", d)
	}
	return a, nil
}

// float16 widens an IEEE half-precision number.
func float16(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * frac * math.Pow(2, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	}
	return sign * (1 + frac/1024) * math.Pow(2, float64(exp-15))
}

// elements returns the product of shape, or an error when a dimension is
// negative or the product exceeds limit.
func elements(shape []int, limit int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative array dimension %d", d)
		}
		if d != 0 && n > limit/d {
			return 0, fmt.Errorf("array shape too large for the data")
		}
		n *= d
	}
	return n, nil
}

// decodeArray checks that data holds the elements of shape in d and
// decodes them, reordering Fortran-ordered data into C order.
func decodeArray(d *dtype, shape []int, fortran bool, data []byte) (*Array, error) {
	if d.kind == 'O' {
		return nil, fmt.Errorf("object arrays cannot be read from raw bytes (they hold pickles)")
	}
	// The limit only keeps n*d.size from overflowing; the size check below
	// compares with the data.
	n, err := elements(shape, (1<<50)/max(d.size, 1))
	if err != nil {
		return nil, fmt.Errorf("shape %s of %s: %w", shapeString(shape), d, err)
	}
	if d.size == 0 && n > 0 {
		return nil, fmt.Errorf("%s elements of zero bytes are not read", d)
	}
	if n*d.size > len(data) {
		return nil, fmt.Errorf("shape %s of %s needs %d bytes, the data has %d", shapeString(shape), d, n*d.size, len(data))
	}
	if !fortran || len(shape) < 2 || n == 0 {
		return d.decode(data, n, d.size, shape)
	}
	c := make([]byte, n*d.size)
	idx := make([]int, len(shape))
	for i := 0; i < n; i++ {
		// i is the C-order position; idx its multi-index.
		f, mul := 0, 1
		for k := range shape {
			f += idx[k] * mul
			mul *= shape[k]
		}
		copy(c[i*d.size:(i+1)*d.size], data[f*d.size:])
		for k := len(shape) - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < shape[k] {
				break
			}
			idx[k] = 0
		}
	}
	return d.decode(c, n, d.size, shape)
}

func shapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
