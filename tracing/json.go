package tracing

import (
	"encoding/base64"
	"math"
	"strconv"
)

// spanKinds are OpenTelemetry's SpanKind names by number.
var spanKinds = []string{"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"}

// statusCodes are OpenTelemetry's status code names by number.
var statusCodes = []string{"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"}

// AppendJSON appends the span as MLflow's server answers it in a trace: the
// OpenTelemetry span message in Protocol Buffers' JSON form with field names
// as declared (trace_id, start_time_unix_nano...), ids in base64, enums by
// name and default values left out.
func (s *Span) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	b = appendBytesField(b, "trace_id", s.TraceID, true)
	b = appendBytesField(b, "span_id", s.SpanID, false)
	if s.TraceState != "" {
		b = appendStringField(b, "trace_state", s.TraceState)
	}
	if len(s.ParentSpanID) > 0 {
		b = appendBytesField(b, "parent_span_id", s.ParentSpanID, false)
	}
	if s.Flags != 0 {
		b = appendUintField(b, "flags", uint64(s.Flags))
	}
	b = appendStringField(b, "name", s.Name)
	if s.Kind != 0 {
		b = appendStringField(b, "kind", enumName(spanKinds, s.Kind))
	}
	b = appendUintField(b, "start_time_unix_nano", s.StartTimeUnixNano)
	b = appendUintField(b, "end_time_unix_nano", s.EndTimeUnixNano)
	if len(s.Attributes) > 0 {
		b = append(b, `,"attributes":`...)
		b = appendKeyValues(b, s.Attributes)
	}
	if len(s.Events) > 0 {
		b = append(b, `,"events":[`...)
		for i, e := range s.Events {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"time_unix_nano":`...)
			b = strconv.AppendUint(b, e.TimeUnixNano, 10)
			b = appendStringField(b, "name", e.Name)
			if len(e.Attributes) > 0 {
				b = append(b, `,"attributes":`...)
				b = appendKeyValues(b, e.Attributes)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(s.Links) > 0 {
		b = append(b, `,"links":[`...)
		for i, l := range s.Links {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			b = appendBytesField(b, "trace_id", l.TraceID, true)
			b = appendBytesField(b, "span_id", l.SpanID, false)
			if l.TraceState != "" {
				b = appendStringField(b, "trace_state", l.TraceState)
			}
			if len(l.Attributes) > 0 {
				b = append(b, `,"attributes":`...)
				b = appendKeyValues(b, l.Attributes)
			}
			if l.Flags != 0 {
				b = appendUintField(b, "flags", uint64(l.Flags))
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"status":{`...)
	b = append(b, `"code":`...)
	b = strconv.AppendQuote(b, enumName(statusCodes, s.Status.Code))
	if s.Status.Message != "" {
		b = appendStringField(b, "message", s.Status.Message)
	}
	return append(b, '}', '}')
}

func enumName(names []string, v int32) string {
	if v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return strconv.Itoa(int(v))
}

// appendBytesField writes ,"key":"<base64>" (without the comma when first).
func appendBytesField(b []byte, key string, v []byte, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = strconv.AppendQuote(b, key)
	b = append(b, ':', '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}

func appendStringField(b []byte, key, v string) []byte {
	b = append(b, ',')
	b = strconv.AppendQuote(b, key)
	b = append(b, ':')
	return appendJSONString(b, v)
}

func appendUintField(b []byte, key string, v uint64) []byte {
	b = append(b, ',')
	b = strconv.AppendQuote(b, key)
	b = append(b, ':')
	return strconv.AppendUint(b, v, 10)
}

func appendKeyValues(b []byte, kvs []KeyValue) []byte {
	b = append(b, '[')
	for i, kv := range kvs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"key":`...)
		b = appendJSONString(b, kv.Key)
		b = append(b, `,"value":`...)
		b = kv.Value.AppendJSON(b)
		b = append(b, '}')
	}
	return append(b, ']')
}

// AppendJSON appends the value as an AnyValue message in Protocol Buffers'
// JSON form with declared field names ({"string_value": "..."}).
func (v *Value) AppendJSON(b []byte) []byte {
	switch v.Kind {
	case String:
		b = append(b, `{"string_value":`...)
		b = appendJSONString(b, v.Str)
	case Bool:
		b = append(b, `{"bool_value":`...)
		b = strconv.AppendBool(b, v.Bool)
	case Int:
		b = append(b, `{"int_value":`...)
		b = strconv.AppendInt(b, v.Int, 10)
	case Double:
		b = append(b, `{"double_value":`...)
		switch {
		case math.IsNaN(v.Double):
			b = append(b, `"NaN"`...)
		case math.IsInf(v.Double, 1):
			b = append(b, `"Infinity"`...)
		case math.IsInf(v.Double, -1):
			b = append(b, `"-Infinity"`...)
		default:
			b = strconv.AppendFloat(b, v.Double, 'g', -1, 64)
		}
	case Bytes:
		b = append(b, `{"bytes_value":"`...)
		b = base64.StdEncoding.AppendEncode(b, v.Bytes)
		b = append(b, '"')
	case Array:
		b = append(b, `{"array_value":{"values":[`...)
		for i := range v.Array {
			if i > 0 {
				b = append(b, ',')
			}
			b = v.Array[i].AppendJSON(b)
		}
		b = append(b, ']', '}')
	case KVList:
		b = append(b, `{"kvlist_value":{"values":`...)
		b = appendKeyValues(b, v.KVList)
		b = append(b, '}')
	default:
		return append(b, '{', '}')
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r < 0x20 || r == '<' || r == '>' || r == '&' || r == 0x2028 || r == 0x2029:
			b = append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		default:
			b = append(b, string(r)...)
		}
	}
	return append(b, '"')
}
