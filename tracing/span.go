package tracing

import (
	"encoding/hex"
	"strconv"
)

// Span is one OpenTelemetry span, as exporters send it and MLflow keeps it.
type Span struct {
	// TraceID is OpenTelemetry's 16-byte trace id; SpanID and ParentSpanID
	// are 8 bytes (ParentSpanID empty for a root span).
	TraceID, SpanID, ParentSpanID []byte
	TraceState                    string
	Flags                         uint32
	Name                          string
	// Kind is OpenTelemetry's SpanKind number (0 unspecified, 1 internal,
	// 2 server, 3 client, 4 producer, 5 consumer).
	Kind              int32
	StartTimeUnixNano uint64
	EndTimeUnixNano   uint64
	Attributes        []KeyValue
	Events            []Event
	Links             []Link
	Status            Status
}

// Event is a timed annotation of a span (an exception, a token stream...).
type Event struct {
	TimeUnixNano uint64
	Name         string
	Attributes   []KeyValue
}

// Link points from a span to a span of another trace.
type Link struct {
	TraceID, SpanID []byte
	TraceState      string
	Attributes      []KeyValue
	Flags           uint32
}

// Status is a span's outcome: Code 0 unset, 1 ok, 2 error.
type Status struct {
	Code    int32
	Message string
}

// KeyValue is an attribute.
type KeyValue struct {
	Key   string
	Value Value
}

// ValueKind says which field of a Value holds it.
type ValueKind uint8

// Value kinds, as OpenTelemetry's AnyValue has them.
const (
	Empty ValueKind = iota
	String
	Bool
	Int
	Double
	Array
	KVList
	Bytes
)

// Value is OpenTelemetry's AnyValue.
type Value struct {
	Kind   ValueKind
	Str    string
	Bool   bool
	Int    int64
	Double float64
	Bytes  []byte
	Array  []Value
	KVList []KeyValue
}

// Attr returns the value of the attribute key, if the span has it.
func (s *Span) Attr(key string) (Value, bool) {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return Value{}, false
}

// MLflowTraceID returns the MLflow trace id a span belongs to: "tr-" and
// the hex of OpenTelemetry's trace id. MLflow's server derives it so rather
// than trust the mlflow.traceRequestId attribute a client sends (its own
// client sets that attribute to the same value).
func (s *Span) MLflowTraceID() string {
	return "tr-" + hex.EncodeToString(s.TraceID)
}

// Type returns MLflow's span type (LLM, TOOL, ...), "" when unset.
func (s *Span) Type() string {
	if v, ok := s.Attr(AttrSpanType); ok && v.Kind == String {
		return unquote(v.Str)
	}
	return ""
}

// StatusName is the span status as MLflow's search compares it: OK, ERROR
// or UNSET.
func (s *Span) StatusName() string {
	switch s.Status.Code {
	case 1:
		return "OK"
	case 2:
		return "ERROR"
	}
	return "UNSET"
}

// unquote strips the JSON quotes older MLflow clients put around string
// attributes ("\"TOOL\"").
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// SearchText is what full-text search reads of a span: its name, and each
// attribute's key and value as text (strings as they are, other values as
// their JSON), one per line. It leaves out the JSON field names of the
// span's stored form, which would match every span.
func (s *Span) SearchText() string {
	var b []byte
	b = append(b, s.Name...)
	for _, kv := range s.Attributes {
		b = append(b, '\n')
		b = append(b, kv.Key...)
		b = append(b, ' ')
		b = kv.Value.appendText(b)
	}
	for _, e := range s.Events {
		b = append(b, '\n')
		b = append(b, e.Name...)
	}
	if s.Status.Message != "" {
		b = append(b, '\n')
		b = append(b, s.Status.Message...)
	}
	return string(b)
}

// appendText appends a value as text: a string as it is, lists and maps
// of their items.
func (v *Value) appendText(b []byte) []byte {
	switch v.Kind {
	case String:
		return append(b, v.Str...)
	case Array:
		for i := range v.Array {
			if i > 0 {
				b = append(b, ' ')
			}
			b = v.Array[i].appendText(b)
		}
		return b
	case KVList:
		for i, kv := range v.KVList {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, kv.Key...)
			b = append(b, ' ')
			b = kv.Value.appendText(b)
		}
		return b
	case Bool:
		return strconv.AppendBool(b, v.Bool)
	case Int:
		return strconv.AppendInt(b, v.Int, 10)
	case Double:
		return strconv.AppendFloat(b, v.Double, 'g', -1, 64)
	}
	return b // bytes and empty values have no text
}
