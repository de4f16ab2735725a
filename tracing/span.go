package tracing

import (
	"encoding/hex"
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
