package tracing

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// DecodeOTLP decodes an OpenTelemetry ExportTraceServiceRequest in its
// Protocol Buffers form (OTLP over HTTP, application/x-protobuf) and returns
// its spans, in the order they came. Resource and scope attributes are not
// kept: MLflow keeps spans only.
func DecodeOTLP(body []byte) ([]Span, error) {
	var spans []Span
	r := wireReader{b: body}
	for num, typ, ok := r.next(); ok; num, typ, ok = r.next() {
		if num != 1 { // resource_spans
			r.skip(typ)
			continue
		}
		if r.want(num, typ, wireLen) {
			spans = decodeResourceSpans(&r, r.bytes(), spans)
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("OTLP request: %w", r.err)
	}
	return spans, nil
}

func decodeResourceSpans(parent *wireReader, b []byte, spans []Span) []Span {
	r := wireReader{b: b}
	for num, typ, ok := r.next(); ok; num, typ, ok = r.next() {
		if num != 2 { // scope_spans
			r.skip(typ)
			continue
		}
		if !r.want(num, typ, wireLen) {
			break
		}
		s := wireReader{b: r.bytes()}
		for num, typ, ok := s.next(); ok; num, typ, ok = s.next() {
			if num != 2 { // spans
				s.skip(typ)
				continue
			}
			if s.want(num, typ, wireLen) {
				var sp Span
				decodeSpan(&s, s.bytes(), &sp)
				spans = append(spans, sp)
			}
		}
		r.fail(s.err)
	}
	parent.fail(r.err)
	return spans
}

func decodeSpan(parent *wireReader, b []byte, sp *Span) {
	r := wireReader{b: b}
	for num, typ, ok := r.next(); ok; num, typ, ok = r.next() {
		switch num {
		case 1, 2, 4: // trace_id, span_id, parent_span_id
			if r.want(num, typ, wireLen) {
				v := append([]byte(nil), r.bytes()...)
				switch num {
				case 1:
					sp.TraceID = v
				case 2:
					sp.SpanID = v
				default:
					sp.ParentSpanID = v
				}
			}
		case 3:
			sp.TraceState = r.str(num, typ)
		case 5:
			sp.Name = r.str(num, typ)
		case 6:
			if r.want(num, typ, wireVarint) {
				sp.Kind = int32(r.varint())
			}
		case 7, 8:
			if r.want(num, typ, wire64) {
				if num == 7 {
					sp.StartTimeUnixNano = r.fixed64()
				} else {
					sp.EndTimeUnixNano = r.fixed64()
				}
			}
		case 9:
			if r.want(num, typ, wireLen) {
				sp.Attributes = append(sp.Attributes, decodeKeyValue(&r, r.bytes(), 0))
			}
		case 11:
			if r.want(num, typ, wireLen) {
				sp.Events = append(sp.Events, decodeEvent(&r, r.bytes()))
			}
		case 13:
			if r.want(num, typ, wireLen) {
				sp.Links = append(sp.Links, decodeLink(&r, r.bytes()))
			}
		case 15:
			if r.want(num, typ, wireLen) {
				sp.Status = decodeStatus(&r, r.bytes())
			}
		case 16:
			if r.want(num, typ, wire32) {
				sp.Flags = r.fixed32()
			}
		default:
			r.skip(typ)
		}
	}
	if r.err == nil {
		r.err = checkSpan(sp)
	}
	parent.fail(r.err)
}

// checkSpan refuses spans no store could key: ids of the wrong size.
func checkSpan(sp *Span) error {
	switch {
	case len(sp.TraceID) != 16:
		return fmt.Errorf("span %q has a trace id of %d bytes, want 16", sp.Name, len(sp.TraceID))
	case len(sp.SpanID) != 8:
		return fmt.Errorf("span %q has a span id of %d bytes, want 8", sp.Name, len(sp.SpanID))
	case len(sp.ParentSpanID) != 0 && len(sp.ParentSpanID) != 8:
		return fmt.Errorf("span %q has a parent span id of %d bytes, want 8", sp.Name, len(sp.ParentSpanID))
	}
	return nil
}

// str reads a string field, which Protocol Buffers requires to be UTF-8.
func (r *wireReader) str(num, typ int) string {
	if !r.want(num, typ, wireLen) {
		return ""
	}
	b := r.bytes()
	if !utf8.Valid(b) {
		r.fail(fmt.Errorf("field %d is not valid UTF-8", num))
		return ""
	}
	return string(b)
}

func decodeEvent(parent *wireReader, b []byte) Event {
	var e Event
	r := wireReader{b: b}
	for num, typ, ok := r.next(); ok; num, typ, ok = r.next() {
		switch num {
		case 1:
			if r.want(num, typ, wire64) {
				e.TimeUnixNano = r.fixed64()
			}
		case 2:
			e.Name = r.str(num, typ)
		case 3:
			if r.want(num, typ, wireLen) {
				e.Attributes = append(e.Attributes, decodeKeyValue(&r, r.bytes(), 0))
			}
		default:
			r.skip(typ)
		}
	}
	parent.fail(r.err)
	return e
}

func decodeLink(parent *wireReader, b []byte) Link {
	var l Link
	r := wireReader{b: b}
	for num, typ, ok := r.next(); ok; num, typ, ok = r.next() {
		switch num {
		case 1, 2:
			if r.want(num, typ, wireLen) {
				v := append([]byte(nil), r.bytes()...)
				if num == 1 {
					l.TraceID = v
				} else {
					l.SpanID = v
				}
			}
		case 3:
			l.TraceState = r.str(num, typ)
		case 4:
			if r.want(num, typ, wireLen) {
				l.Attributes = append(l.Attributes, decodeKeyValue(&r, r.bytes(), 0))
			}
		case 6:
			if r.want(num, typ, wire32) {
				l.Flags = r.fixed32()
			}
		default:
			r.skip(typ)
		}
	}
	parent.fail(r.err)
	return l
}

func decodeStatus(parent *wireReader, b []byte) Status {
	var s Status
	r := wireReader{b: b}
	for num, typ, ok := r.next(); ok; num, typ, ok = r.next() {
		switch num {
		case 2:
			s.Message = r.str(num, typ)
		case 3:
			if r.want(num, typ, wireVarint) {
				s.Code = int32(r.varint())
			}
		default:
			r.skip(typ)
		}
	}
	if s.Code < 0 || s.Code > 2 {
		r.fail(fmt.Errorf("status code %d is not 0 (unset), 1 (ok) or 2 (error)", s.Code))
	}
	parent.fail(r.err)
	return s
}

func decodeKeyValue(parent *wireReader, b []byte, depth int) KeyValue {
	var kv KeyValue
	r := wireReader{b: b}
	for num, typ, ok := r.next(); ok; num, typ, ok = r.next() {
		switch num {
		case 1:
			kv.Key = r.str(num, typ)
		case 2:
			if r.want(num, typ, wireLen) {
				kv.Value = decodeValue(&r, r.bytes(), depth+1)
			}
		default:
			r.skip(typ)
		}
	}
	parent.fail(r.err)
	return kv
}

func decodeValue(parent *wireReader, b []byte, depth int) Value {
	var v Value
	if depth > maxValueDepth {
		parent.fail(fmt.Errorf("attribute values nest deeper than %d levels", maxValueDepth))
		return v
	}
	r := wireReader{b: b}
	for num, typ, ok := r.next(); ok; num, typ, ok = r.next() {
		switch num {
		case 1:
			v = Value{Kind: String, Str: r.str(num, typ)}
		case 2:
			if r.want(num, typ, wireVarint) {
				v = Value{Kind: Bool, Bool: r.varint() != 0}
			}
		case 3:
			if r.want(num, typ, wireVarint) {
				v = Value{Kind: Int, Int: int64(r.varint())}
			}
		case 4:
			if r.want(num, typ, wire64) {
				v = Value{Kind: Double, Double: math.Float64frombits(r.fixed64())}
			}
		case 5, 6:
			if !r.want(num, typ, wireLen) {
				break
			}
			inner := wireReader{b: r.bytes()}
			v = Value{Kind: Array}
			if num == 6 {
				v = Value{Kind: KVList}
			}
			for n, t, ok := inner.next(); ok; n, t, ok = inner.next() {
				if n != 1 || !inner.want(n, t, wireLen) {
					inner.skip(t)
					continue
				}
				if num == 5 {
					v.Array = append(v.Array, decodeValue(&inner, inner.bytes(), depth+1))
				} else {
					v.KVList = append(v.KVList, decodeKeyValue(&inner, inner.bytes(), depth+1))
				}
			}
			r.fail(inner.err)
		case 7:
			if r.want(num, typ, wireLen) {
				v = Value{Kind: Bytes, Bytes: append([]byte(nil), r.bytes()...)}
			}
		default:
			r.skip(typ)
		}
	}
	parent.fail(r.err)
	return v
}
