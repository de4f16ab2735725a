package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// decodeSplit is the fast path of decodeJSON for its commonest body,
// {"dataframe_split": {"columns": [...], "data": [[...], ...]}}: one scan of
// the bytes straight into schema-ordered rows, without the generic tree of
// maps, slices and json.Numbers, and without allocating numbers' text or
// the categories a model has seen. Cells it has no short cut for are parsed
// and coerced as decodeJSON does. Any other shape and any error report
// !ok, so decodeJSON's general path gives every answer but the fast one,
// with its messages in its order.
//
// The rows are built in rb's memory when rb is not nil (see rowsBuf).
func (s *schema) decodeSplit(body []byte, strict bool, rb *rowsBuf) (rows [][]any, ok bool) {
	p := splitParser{jsonParser: jsonParser{b: body}, s: s, rb: rb}
	rows, err := p.top(strict)
	return rows, err == nil
}

// rowsBuf is the memory of one request's rows and predictions, kept
// between requests when nothing holds them after the answer (no inference
// log or drift monitor, which keep rows after the request). Its cells are
// all nil between uses: decoding relies on that for nulls.
type rowsBuf struct {
	cells []any
	rows  [][]any
	preds []Prediction
}

var rowsPool = sync.Pool{New: func() any { return new(rowsBuf) }}

// maxKeptCells bounds the cells kept, so one huge request does not stay in
// memory.
const maxKeptCells = 1 << 16

// release clears the buffer and returns it to the pool.
func (rb *rowsBuf) release() {
	if cap(rb.cells) > maxKeptCells {
		return
	}
	clear(rb.cells[:cap(rb.cells)])
	clear(rb.rows[:cap(rb.rows)])
	rb.cells, rb.rows, rb.preds = rb.cells[:0], rb.rows[:0], rb.preds[:0]
	rowsPool.Put(rb)
}

// predictions returns rb's predictions, n of them.
func (rb *rowsBuf) predictions(n int) []Prediction {
	if rb == nil {
		return make([]Prediction, n)
	}
	rb.preds = slices.Grow(rb.preds[:0], n)[:n]
	return rb.preds
}

// errNotFast says a body is not one decodeSplit takes.
var errNotFast = errors.New("not the fast path's shape")

type splitParser struct {
	jsonParser
	s  *schema
	rb *rowsBuf // memory for the rows, or nil
}

// expect moves past c after white space, or fails.
func (p *splitParser) expect(c byte) error {
	p.space()
	if p.i >= len(p.b) || p.b[p.i] != c {
		return errNotFast
	}
	p.i++
	return nil
}

// key reads an object key without escapes, and the colon after it.
func (p *splitParser) key() ([]byte, error) {
	if err := p.expect('"'); err != nil {
		return nil, err
	}
	start := p.i
	for p.i < len(p.b) && p.b[p.i] != '"' {
		if p.b[p.i] == '\\' || p.b[p.i] < 0x20 {
			return nil, errNotFast
		}
		p.i++
	}
	if p.i >= len(p.b) {
		return nil, errNotFast
	}
	k := p.b[start:p.i]
	p.i++
	return k, p.expect(':')
}

// top reads {"dataframe_split": ...} and nothing else.
func (p *splitParser) top(strict bool) ([][]any, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	k, err := p.key()
	if err != nil || string(k) != keySplit {
		return nil, errNotFast
	}
	rows, err := p.split(strict)
	if err != nil {
		return nil, err
	}
	if err := p.expect('}'); err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.b) {
		return nil, errNotFast
	}
	return rows, nil
}

// split reads the dataframe_split object: "columns" before "data", each
// once; other keys (pandas' "index") are parsed and ignored, as
// decodeJSON ignores them.
func (p *splitParser) split(strict bool) ([][]any, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	var pos []int
	var rows [][]any
	done := false
	for {
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		switch string(k) {
		case "columns":
			if pos != nil {
				return nil, errNotFast
			}
			if pos, err = p.columns(strict); err != nil {
				return nil, err
			}
		case "data":
			if pos == nil || done {
				return nil, errNotFast
			}
			if rows, err = p.data(pos); err != nil {
				return nil, err
			}
			done = true
		default:
			if _, err := p.value(2); err != nil {
				return nil, err
			}
		}
		p.space()
		if p.i >= len(p.b) {
			return nil, errNotFast
		}
		p.i++
		switch p.b[p.i-1] {
		case ',':
		case '}':
			if !done {
				return nil, errNotFast
			}
			return rows, nil
		default:
			return nil, errNotFast
		}
	}
}

// columns reads the column names and maps them to the schema. A client
// sends the same column list with every request, so the last list's text
// and layout are kept: the same bytes again skip parsing and mapping.
func (p *splitParser) columns(strict bool) ([]int, error) {
	p.space()
	if c := p.s.lastCols.Load(); c != nil && c.strict == strict && bytes.HasPrefix(p.b[p.i:], c.text) {
		p.i += len(c.text)
		return c.pos, nil
	}
	start := p.i
	pos, err := p.parseColumns(strict)
	if err == nil && p.i-start <= maxKeptColumns {
		p.s.lastCols.Store(&columnsLayout{text: bytes.Clone(p.b[start:p.i]), strict: strict, pos: pos})
	}
	return pos, err
}

// maxKeptColumns bounds the column list text kept between requests.
const maxKeptColumns = 16 << 10

// columnsLayout is a column list's text and its layout (read only).
type columnsLayout struct {
	text   []byte
	strict bool
	pos    []int
}

// parseColumns is columns without the kept layout.
func (p *splitParser) parseColumns(strict bool) ([]int, error) {
	v, err := p.value(2)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, errNotFast
	}
	names := make([]string, len(list))
	for k, c := range list {
		if names[k], ok = c.(string); !ok {
			return nil, errNotFast
		}
	}
	return p.s.layout(names, strict)
}

// data reads the rows into one slab of cells.
func (p *splitParser) data(pos []int) ([][]any, error) {
	if err := p.expect('['); err != nil {
		return nil, err
	}
	w := len(p.s.cols)
	// Every row opens a bracket, so their count bounds the rows.
	bound := w * bytes.Count(p.b[p.i:], []byte{'['})
	var slab []any
	if p.rb != nil {
		slab = slices.Grow(p.rb.cells[:0], bound)
		defer func() { p.rb.cells = slab }() // keep what it grew to
	} else {
		slab = make([]any, 0, bound)
	}
	n := 0
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return [][]any{}, nil
	}
	for {
		if err := p.expect('['); err != nil {
			return nil, err
		}
		if len(slab)+w <= cap(slab) {
			slab = slab[:len(slab)+w] // fresh or cleared memory: already nil
		} else {
			slab = append(slab, make([]any, w)...)
		}
		row := slab[n*w : (n+1)*w]
		n++
		for k := range pos {
			if k > 0 {
				if err := p.expect(','); err != nil {
					return nil, err
				}
			}
			if err := p.cell(row, pos[k]); err != nil {
				return nil, err
			}
		}
		if err := p.expect(']'); err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.b) {
			return nil, errNotFast
		}
		p.i++
		switch p.b[p.i-1] {
		case ',':
		case ']':
			var rows [][]any
			if p.rb != nil {
				rows = slices.Grow(p.rb.rows[:0], n)[:n]
				p.rb.rows = rows
			} else {
				rows = make([][]any, n)
			}
			for i := range rows {
				rows[i] = slab[i*w : (i+1)*w : (i+1)*w]
			}
			return rows, nil
		default:
			return nil, errNotFast
		}
	}
}

// cell reads one value into row[j] (j < 0: an ignored extra column).
func (p *splitParser) cell(row []any, j int) error {
	p.space()
	if p.i >= len(p.b) {
		return errNotFast
	}
	if j < 0 {
		_, err := p.value(3)
		return err
	}
	c := &p.s.cols[j]
	var v any
	switch b := p.b[p.i]; {
	case b == 'n':
		return p.literal("null")
	case b == 't' && c.Type == TypeBoolean:
		row[j] = true
		return p.literal("true")
	case b == 'f' && c.Type == TypeBoolean:
		row[j] = false
		return p.literal("false")
	case b == '-' || (b >= '0' && b <= '9'):
		if v, ok := p.integer(c); ok {
			row[j] = v
			return nil
		}
		start := p.i
		if err := p.scanNumber(); err != nil {
			return err
		}
		v = json.Number(p.b[start:p.i])
	case b == '"' && c.Type == TypeString:
		if s, ok := p.plainString(); ok {
			row[j] = p.s.intern(j, s)
			return nil
		}
		fallthrough
	default:
		var err error
		if v, err = p.value(3); err != nil {
			return err
		}
	}
	v, err := coerce(c, v)
	row[j] = v
	return err
}

// plainString reads a string without escapes, control characters or
// invalid UTF-8 (which decodeJSON's parser would rewrite); otherwise it
// reads nothing and reports !ok.
func (p *splitParser) plainString() ([]byte, bool) {
	start := p.i + 1
	ascii := true
	for i := start; i < len(p.b); i++ {
		switch c := p.b[i]; {
		case c == '"':
			s := p.b[start:i]
			if !ascii && !utf8.Valid(s) {
				return nil, false
			}
			p.i = i + 1
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// integer reads an integer literal of at most 15 digits, in JSON's
// grammar (no leading zeros), straight into a numeric column's Go value in
// one scan: such integers are exact as float64, so the value is what
// coerce gives. A number with a fraction or exponent, a longer one, or
// anything that is not a number moves nothing and reports !ok, for the
// general path.
func (p *splitParser) integer(c *Column) (any, bool) {
	b, i := p.b, p.i
	neg := b[i] == '-'
	if neg {
		i++
	}
	start := i
	var n int64
	for i < len(b) && b[i] >= '0' && b[i] <= '9' && i-start < 16 {
		n = n*10 + int64(b[i]-'0')
		i++
	}
	digits := i - start
	if digits == 0 || digits > 15 || (digits > 1 && b[start] == '0') {
		return nil, false
	}
	if i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E' || (b[i] >= '0' && b[i] <= '9')) {
		return nil, false
	}
	var v any
	switch c.Type {
	case TypeDouble, TypeFloat:
		f := float64(n)
		if neg {
			f = -f // -0 stays negative zero, as strconv.ParseFloat gives it
		}
		v = f
	case TypeLong, TypeInteger:
		if neg {
			n = -n
		}
		var err error
		if v, err = checkRange(c, n); err != nil {
			return nil, false
		}
	default:
		return nil, false
	}
	p.i = i
	return v, true
}

// maxInterned bounds the distinct strings kept per column: categories are
// few, and a column of free text must not grow the table without end.
const maxInterned = 256

// maxInternedLen bounds the length of a string kept: a category is a short
// word, and the table lives as long as the model, so a client sending long
// strings must not fill it with them.
const maxInternedLen = 128

// intern returns column j's string s as an interface value, shared between
// requests for the strings seen before, so a category costs no allocation.
// The table is copied on write and swapped atomically; readers never lock.
func (s *schema) intern(j int, b []byte) any {
	t := s.strs[j].Load()
	if t != nil {
		if v, ok := (*t)[string(b)]; ok {
			return v
		}
	}
	str := string(b)
	v := any(str)
	if len(b) <= maxInternedLen && (t == nil || len(*t) < maxInterned) {
		next := make(map[string]any, 1+lenOf(t))
		if t != nil {
			for k, x := range *t {
				next[k] = x
			}
		}
		next[str] = v
		s.strs[j].CompareAndSwap(t, &next) // a lost race only loses a cache entry
	}
	return v
}

func lenOf(t *map[string]any) int {
	if t == nil {
		return 0
	}
	return len(*t)
}

// internTable is one column's shared strings.
type internTable = atomic.Pointer[map[string]any]
