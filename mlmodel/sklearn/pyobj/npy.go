package pyobj

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

var npyMagic = []byte("\x93NUMPY")

// ReadNpy reads a NumPy .npy file (format versions 1 to 3) into an Array.
// Object arrays, which .npy holds as pickles, are refused.
func ReadNpy(b []byte) (*Array, error) {
	if len(b) < 10 || !bytes.Equal(b[:6], npyMagic) {
		return nil, fmt.Errorf("not a .npy file (wrong magic)")
	}
	major := b[6]
	var hlen, start int
	switch major {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, fmt.Errorf(".npy header truncated")
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:])), 12
	default:
		return nil, fmt.Errorf("unsupported .npy format version %d", major)
	}
	if hlen < 0 || hlen > len(b)-start {
		return nil, fmt.Errorf(".npy header of %d bytes is longer than the file", hlen)
	}
	header := string(b[start : start+hlen])
	v, err := parseLiteral(header)
	if err != nil {
		return nil, fmt.Errorf(".npy header: %w", err)
	}
	h, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf(".npy header is not a dict")
	}
	fortran, ok := h["fortran_order"].(bool)
	if !ok {
		return nil, fmt.Errorf(".npy header: fortran_order is not a bool")
	}
	shape, err := intTuple(h["shape"])
	if err != nil {
		return nil, fmt.Errorf(".npy header: shape: %w", err)
	}
	d, err := descrDtype(h["descr"])
	if err != nil {
		return nil, fmt.Errorf(".npy header: %w", err)
	}
	return decodeArray(d, shape, fortran, b[start+hlen:])
}

func intTuple(v any) ([]int, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a tuple of integers")
	}
	out := make([]int, len(l))
	for i, e := range l {
		n, ok := e.(int64)
		if !ok || n < 0 || n > 1<<48 {
			return nil, fmt.Errorf("want non-negative integers")
		}
		out[i] = int(n)
	}
	return out, nil
}

// descrDtype reads a .npy descr: a dtype string, or a list of (name,
// descr) pairs for a packed record.
func descrDtype(v any) (*dtype, error) {
	return descrDepth(v, 0)
}

func descrDepth(v any, depth int) (*dtype, error) {
	if depth > 8 {
		return nil, fmt.Errorf("descr nested too deeply")
	}
	switch v := v.(type) {
	case string:
		d, err := parseDtypeString(v)
		if err == nil && d.kind == 'V' {
			err = fmt.Errorf("unstructured void dtype %q", v)
		}
		return d, err
	case []any:
		rec := &dtype{kind: 'V'}
		for _, f := range v {
			pair, ok := f.([]any)
			if !ok || len(pair) != 2 {
				return nil, fmt.Errorf("record descr: want (name, type) pairs (sub-array fields are not read)")
			}
			name, ok := pair[0].(string)
			if !ok {
				return nil, fmt.Errorf("record descr: field name is not a string")
			}
			var fd *dtype
			var err error
			if pad, ok := pair[1].(string); ok && name == "" {
				fd, err = parseDtypeString(pad) // padding, such as "|V7"
			} else {
				fd, err = descrDepth(pair[1], depth+1)
			}
			if err != nil {
				return nil, fmt.Errorf("record field %q: %w", name, err)
			}
			if fd.kind == 'O' {
				return nil, fmt.Errorf("record field %q is an object field", name)
			}
			if name != "" {
				rec.fields = append(rec.fields, field{name: name, dt: fd, offset: rec.size})
			}
			rec.size += fd.size
		}
		return rec, nil
	}
	return nil, fmt.Errorf("descr is neither a dtype string nor a record list")
}

// parseLiteral parses the Python literal of a .npy header: dicts, lists,
// tuples, strings, integers, True, False and None.
func parseLiteral(s string) (any, error) {
	p := &litParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q after the literal", p.rest())
	}
	return v, nil
}

type litParser struct {
	s string
	i int
}

func (p *litParser) rest() string {
	r := p.s[p.i:]
	if len(r) > 10 {
		r = r[:10]
	}
	return r
}

func (p *litParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *litParser) value(depth int) (any, error) {
	if depth > 16 {
		return nil, fmt.Errorf("literal nested too deeply")
	}
	p.space()
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("literal ends early")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		m := map[string]any{}
		for {
			p.space()
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return m, nil
			}
			k, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("dict key is not a string")
			}
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, fmt.Errorf("want ':' in dict")
			}
			p.i++
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m[ks] = v
			if err := p.sep('}'); err != nil {
				return nil, err
			}
		}
	case c == '[' || c == '(':
		end := byte(']')
		if c == '(' {
			end = ')'
		}
		p.i++
		l := []any{}
		for {
			p.space()
			if p.i < len(p.s) && p.s[p.i] == end {
				p.i++
				return l, nil
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
			if err := p.sep(end); err != nil {
				return nil, err
			}
		}
	case c == '\'' || c == '"':
		j := strings.IndexByte(p.s[p.i+1:], c)
		if j < 0 {
			return nil, fmt.Errorf("unterminated string")
		}
		v := p.s[p.i+1 : p.i+1+j]
		if strings.IndexByte(v, '\\') >= 0 {
			return nil, fmt.Errorf("escapes in header strings are not read")
		}
		p.i += j + 2
		return v, nil
	case c == '-' || c >= '0' && c <= '9':
		j := p.i + 1
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		n, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad integer %q", p.s[p.i:j])
		}
		p.i = j
		if p.i < len(p.s) && p.s[p.i] == 'L' { // Python 2's long suffix
			p.i++
		}
		return n, nil
	}
	for word, v := range map[string]any{"True": true, "False": false, "None": nil} {
		if strings.HasPrefix(p.s[p.i:], word) {
			p.i += len(word)
			return v, nil
		}
	}
	return nil, fmt.Errorf("unexpected %q in literal", p.rest())
}

// sep consumes a ',' or sees the closing byte end.
func (p *litParser) sep(end byte) error {
	p.space()
	if p.i >= len(p.s) {
		return fmt.Errorf("literal ends early")
	}
	switch p.s[p.i] {
	case ',':
		p.i++
		return nil
	case end:
		return nil
	}
	return fmt.Errorf("unexpected %q in literal", p.rest())
}
