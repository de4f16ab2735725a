package tracing

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseRawSpan decodes a span kept in the form Span.AppendJSON writes.
func ParseRawSpan(raw RawSpan) (Span, error) {
	sp, err := decodeJSONSpan([]byte(raw))
	if err != nil {
		return sp, fmt.Errorf("stored span: %w", err)
	}
	return sp, nil
}

// AppendDict appends the span as MLflow's Span.to_dict has it and as its
// store keeps it (the traces.json body of a trace download): json.dumps
// with Python's separators and non-ASCII text unescaped; ids in base64;
// each attribute's value JSON-encoded into a string, as MLflow's server
// stores OpenTelemetry attributes, with mlflow.traceRequestId derived from
// the trace id; event attributes as plain JSON values.
func (s *Span) AppendDict(b []byte) []byte {
	b = append(b, `{"trace_id": "`...)
	b = base64.StdEncoding.AppendEncode(b, s.TraceID)
	b = append(b, `", "span_id": "`...)
	b = base64.StdEncoding.AppendEncode(b, s.SpanID)
	b = append(b, `", "parent_span_id": `...)
	if len(s.ParentSpanID) > 0 {
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, s.ParentSpanID)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `, "name": `...)
	b = appendPyString(b, s.Name)
	b = append(b, `, "start_time_unix_nano": `...)
	b = strconv.AppendUint(b, s.StartTimeUnixNano, 10)
	b = append(b, `, "end_time_unix_nano": `...)
	b = strconv.AppendUint(b, s.EndTimeUnixNano, 10)
	b = append(b, `, "events": [`...)
	for i, e := range s.Events {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, `{"name": `...)
		b = appendPyString(b, e.Name)
		b = append(b, `, "time_unix_nano": `...)
		b = strconv.AppendUint(b, e.TimeUnixNano, 10)
		b = append(b, `, "attributes": `...)
		b = appendPyDict(b, e.Attributes, false)
		b = append(b, '}')
	}
	b = append(b, `], "status": {"code": `...)
	b = appendPyString(b, enumName(statusCodes, s.Status.Code))
	// OpenTelemetry keeps a status description only on errors.
	msg := ""
	if s.Status.Code == 2 {
		msg = s.Status.Message
	}
	b = append(b, `, "message": `...)
	b = appendPyString(b, msg)
	b = append(b, `}, "attributes": {`...)
	b = s.appendDumpedAttributes(b)
	b = append(b, `}, "links": [`...)
	for i, l := range s.Links {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, `{"trace_id": `...)
		b = appendPyString(b, "tr-"+hex.EncodeToString(l.TraceID))
		b = append(b, `, "span_id": `...)
		b = appendPyString(b, hex.EncodeToString(l.SpanID))
		b = append(b, `, "attributes": `...)
		if len(l.Attributes) == 0 {
			b = append(b, "null"...)
		} else {
			b = appendPyDict(b, l.Attributes, true)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// appendDumpedAttributes writes the span's attributes, each value as the
// JSON text of its value, in their order with later duplicates replacing
// earlier ones (a Python dict), and mlflow.traceRequestId set to the
// trace's MLflow id, where the span had it or else last.
func (s *Span) appendDumpedAttributes(b []byte) []byte {
	order, last := dictOrder(s.Attributes)
	requestID := appendPyString(nil, s.MLflowTraceID())
	seen := false
	for i, idx := range order {
		if i > 0 {
			b = append(b, ", "...)
		}
		kv := s.Attributes[last[idx]]
		b = appendPyString(b, kv.Key)
		b = append(b, ": "...)
		if kv.Key == AttrTraceRequestID {
			seen = true
			b = appendPyString(b, string(requestID))
			continue
		}
		b = appendPyString(b, string(kv.Value.appendPyJSON(nil, false)))
	}
	if !seen {
		if len(order) > 0 {
			b = append(b, ", "...)
		}
		b = appendPyString(b, AttrTraceRequestID)
		b = append(b, ": "...)
		b = appendPyString(b, string(requestID))
	}
	return b
}

// dictOrder returns, for key-value pairs read into a Python dict, the
// indexes of each key's first appearance in order and, by that index, the
// index of the key's last value.
func dictOrder(kvs []KeyValue) (order []int, last map[int]int) {
	first := make(map[string]int, len(kvs))
	last = make(map[int]int, len(kvs))
	for i, kv := range kvs {
		f, ok := first[kv.Key]
		if !ok {
			first[kv.Key] = i
			order = append(order, i)
			f = i
		}
		last[f] = i
	}
	return order, last
}

// appendPyDict writes key-value pairs as a JSON object the way json.dumps
// writes a Python dict; base64Bytes writes bytes values in base64 (as
// MLflow does for link attributes) rather than as Python's bytes repr.
func appendPyDict(b []byte, kvs []KeyValue, base64Bytes bool) []byte {
	b = append(b, '{')
	order, last := dictOrder(kvs)
	for i, idx := range order {
		if i > 0 {
			b = append(b, ", "...)
		}
		kv := kvs[last[idx]]
		b = appendPyString(b, kv.Key)
		b = append(b, ": "...)
		b = kv.Value.appendPyJSON(b, base64Bytes)
	}
	return append(b, '}')
}

// appendPyJSON writes the value as Python's json.dumps writes the value
// MLflow decodes from it: lists, dicts, numbers as Python prints them.
func (v *Value) appendPyJSON(b []byte, base64Bytes bool) []byte {
	switch v.Kind {
	case String:
		return appendPyString(b, v.Str)
	case Bool:
		return strconv.AppendBool(b, v.Bool)
	case Int:
		return strconv.AppendInt(b, v.Int, 10)
	case Double:
		return appendPyFloat(b, v.Double)
	case Bytes:
		if base64Bytes {
			return appendPyString(b, base64.StdEncoding.EncodeToString(v.Bytes))
		}
		// MLflow's JSON encoder falls back to str() for bytes.
		return appendPyString(b, pyBytesRepr(v.Bytes))
	case Array:
		b = append(b, '[')
		for i := range v.Array {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = v.Array[i].appendPyJSON(b, base64Bytes)
		}
		return append(b, ']')
	case KVList:
		return appendPyDict(b, v.KVList, base64Bytes)
	}
	return append(b, "null"...)
}

// appendPyFloat writes a float as Python's repr does, which is what
// json.dumps writes: the shortest round-trip digits, with ".0" on whole
// numbers and an exponent only below 1e-4 or from 1e16; NaN and the
// infinities as json.dumps spells them.
func appendPyFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	if exp < -4 || exp >= 16 {
		b = append(b, mant...)
		b = append(b, 'e')
		if exp < 0 {
			b = append(b, '-')
			exp = -exp
		} else {
			b = append(b, '+')
		}
		if exp < 10 {
			b = append(b, '0')
		}
		return strconv.AppendInt(b, int64(exp), 10)
	}
	text := strconv.FormatFloat(f, 'f', -1, 64)
	b = append(b, text...)
	if !strings.Contains(text, ".") {
		b = append(b, ".0"...)
	}
	return b
}

// pyBytesRepr is Python's repr of a bytes value (b'...').
func pyBytesRepr(p []byte) string {
	quote := byte('\'')
	if strings.IndexByte(string(p), '\'') >= 0 && strings.IndexByte(string(p), '"') < 0 {
		quote = '"'
	}
	const hexDigits = "0123456789abcdef"
	out := []byte{'b', quote}
	for _, c := range p {
		switch {
		case c == quote || c == '\\':
			out = append(out, '\\', c)
		case c == '\t':
			out = append(out, '\\', 't')
		case c == '\n':
			out = append(out, '\\', 'n')
		case c == '\r':
			out = append(out, '\\', 'r')
		case c < 0x20 || c >= 0x7f:
			out = append(out, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			out = append(out, c)
		}
	}
	return string(append(out, quote))
}

// appendPyString writes s as json.dumps(s, ensure_ascii=False) does:
// quotes, backslashes and control characters escaped, everything else as
// it is. Invalid UTF-8 becomes U+FFFD.
func appendPyString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b = utf8.AppendRune(b, r) // RuneError for invalid bytes
		i += size
	}
	return append(b, '"')
}
