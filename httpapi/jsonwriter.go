package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"unicode/utf8"
)

// jsonWriter appends JSON to a byte slice. Responses of the hot endpoints
// (search-runs, get-run, metric history) are written with it field by field,
// which is several times faster than encoding/json's reflection and lets the
// wire rules (int64 as numbers, NaN as "NaN", omitted fields) live in code.
// Object and array separators are tracked with a one-byte flag: first is true
// right after '{' or '['.
type jsonWriter struct {
	b     []byte
	first bool
	// out, when set (by Server.api), lets a handler of a long answer send
	// it in pieces with flush; see jsonstream.go.
	out     http.ResponseWriter
	started bool  // flush has sent the status line and a first piece
	outErr  error // the first write that failed; later flushes do nothing
}

var writerPool = sync.Pool{New: func() any { return &jsonWriter{b: make([]byte, 0, 4096)} }}

// maxPooledBuffer keeps huge one-off responses from pinning memory in the
// pool; below it, large answers (a 10,000-point history is about 1 MB)
// reuse their buffer instead of growing a new one each time.
const maxPooledBuffer = 4 << 20

func getWriter() *jsonWriter {
	w := writerPool.Get().(*jsonWriter)
	w.b = w.b[:0]
	w.first = false
	w.out, w.started, w.outErr = nil, false, nil
	return w
}

func putWriter(w *jsonWriter) {
	if cap(w.b) <= maxPooledBuffer {
		writerPool.Put(w)
	}
}

func (w *jsonWriter) comma() {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
}

func (w *jsonWriter) openObject() {
	w.b = append(w.b, '{')
	w.first = true
}

func (w *jsonWriter) closeObject() {
	w.b = append(w.b, '}')
	w.first = false
}

func (w *jsonWriter) openArray() {
	w.b = append(w.b, '[')
	w.first = true
}

func (w *jsonWriter) closeArray() {
	w.b = append(w.b, ']')
	w.first = false
}

// key writes a field name (a trusted ASCII constant) and its colon.
func (w *jsonWriter) key(k string) {
	w.comma()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

// objectField opens a nested object under k.
func (w *jsonWriter) objectField(k string) {
	w.key(k)
	w.openObject()
}

// arrayField opens a nested array under k.
func (w *jsonWriter) arrayField(k string) {
	w.key(k)
	w.openArray()
}

// element starts the next array element that is an object.
func (w *jsonWriter) element() {
	w.comma()
	w.openObject()
}

func (w *jsonWriter) stringField(k, v string) {
	w.key(k)
	w.b = appendJSONString(w.b, v)
}

// optStringField writes k only when v is not empty.
func (w *jsonWriter) optStringField(k, v string) {
	if v != "" {
		w.stringField(k, v)
	}
}

func (w *jsonWriter) stringValue(v string) {
	w.comma()
	w.b = appendJSONString(w.b, v)
}

func (w *jsonWriter) intField(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
}

func (w *jsonWriter) boolField(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

func (w *jsonWriter) floatField(k string, v float64) {
	w.key(k)
	w.b = appendJSONFloat(w.b, v)
}

// appendJSONFloat writes v as protobuf's JSON mapping does: NaN and the
// infinities as the strings "NaN", "Infinity" and "-Infinity", others as the
// shortest number that reads back exactly, in encoding/json's notation.
func appendJSONFloat(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, `"NaN"`...)
	case math.IsInf(v, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(v, -1):
		return append(b, `"-Infinity"`...)
	}
	abs := math.Abs(v)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(b)
	b = strconv.AppendFloat(b, v, format, -1, 64)
	if format == 'e' {
		// Shorten e-07 to e-7, as encoding/json does.
		n := len(b) - start
		if n >= 4 && b[len(b)-4] == 'e' && b[len(b)-3] == '-' && b[len(b)-2] == '0' {
			b[len(b)-2] = b[len(b)-1]
			b = b[:len(b)-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD;
// HTML characters are not escaped (MLflow does not escape them either).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript parsers.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// stringList writes k as a list of strings, or nothing when list is empty.
func (w *jsonWriter) stringList(k string, list []string) {
	if len(list) == 0 {
		return
	}
	w.arrayField(k)
	for _, s := range list {
		w.stringValue(s)
	}
	w.closeArray()
}
