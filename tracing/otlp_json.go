package tracing

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// DecodeOTLPJSON decodes an ExportTraceServiceRequest in OTLP's JSON form
// (application/json): field names in lowerCamelCase (snake_case is taken
// too), trace and span ids in hex, 64-bit integers as strings or numbers,
// enums as numbers or names.
func DecodeOTLPJSON(body []byte) (spans []Span, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("OTLP JSON request: %w", err)
		}
	}()
	req, err := jsonFields(body)
	if err != nil {
		return nil, err
	}
	rss, err := jsonList(req["resourcespans"])
	if err != nil {
		return nil, fmt.Errorf("resourceSpans: %w", err)
	}
	for _, raw := range rss {
		rs, err := jsonFields(raw)
		if err != nil {
			return nil, err
		}
		sss, err := jsonList(rs["scopespans"])
		if err != nil {
			return nil, fmt.Errorf("scopeSpans: %w", err)
		}
		for _, raw := range sss {
			ss, err := jsonFields(raw)
			if err != nil {
				return nil, err
			}
			list, err := jsonList(ss["spans"])
			if err != nil {
				return nil, fmt.Errorf("spans: %w", err)
			}
			for i, raw := range list {
				sp, err := decodeJSONSpan(raw)
				if err != nil {
					return nil, fmt.Errorf("span %d: %w", i+1, err)
				}
				spans = append(spans, sp)
			}
		}
	}
	return spans, nil
}

func decodeJSONSpan(raw json.RawMessage) (Span, error) {
	var sp Span
	f, err := jsonFields(raw)
	if err != nil {
		return sp, err
	}
	d := jsonDecoder{f: f}
	sp.TraceID = d.id("traceid")
	sp.SpanID = d.id("spanid")
	sp.ParentSpanID = d.id("parentspanid")
	sp.TraceState = d.str("tracestate")
	sp.Flags = uint32(d.uint("flags", math.MaxUint32))
	sp.Name = d.str("name")
	sp.Kind = int32(d.enum("kind", spanKinds))
	sp.StartTimeUnixNano = d.uint("starttimeunixnano", math.MaxUint64)
	sp.EndTimeUnixNano = d.uint("endtimeunixnano", math.MaxUint64)
	sp.Attributes = d.attrs("attributes", 0)
	for _, raw := range d.list("events") {
		e := jsonDecoder{}
		if e.f, e.err = jsonFields(raw); e.err == nil {
			sp.Events = append(sp.Events, Event{TimeUnixNano: e.uint("timeunixnano", math.MaxUint64), Name: e.str("name"), Attributes: e.attrs("attributes", 0)})
		}
		d.fail(e.err)
	}
	for _, raw := range d.list("links") {
		l := jsonDecoder{}
		if l.f, l.err = jsonFields(raw); l.err == nil {
			sp.Links = append(sp.Links, Link{TraceID: l.id("traceid"), SpanID: l.id("spanid"), TraceState: l.str("tracestate"),
				Attributes: l.attrs("attributes", 0), Flags: uint32(l.uint("flags", math.MaxUint32))})
		}
		d.fail(l.err)
	}
	if raw, ok := f["status"]; ok && !isNull(raw) {
		s := jsonDecoder{}
		if s.f, s.err = jsonFields(raw); s.err == nil {
			sp.Status = Status{Code: int32(s.enum("code", statusCodes)), Message: s.str("message")}
			if sp.Status.Code > 2 {
				s.fail(fmt.Errorf("status code %d is not 0 (unset), 1 (ok) or 2 (error)", sp.Status.Code))
			}
		}
		d.fail(s.err)
	}
	if d.err != nil {
		return sp, d.err
	}
	return sp, checkSpan(&sp)
}

// jsonDecoder reads fields of one JSON object, keeping the first error.
type jsonDecoder struct {
	f   map[string]json.RawMessage
	err error
}

// displayNames are OTLP/JSON's names of the fields whose keys jsonFields
// folds, for messages.
var displayNames = map[string]string{
	"traceid": "traceId", "spanid": "spanId", "parentspanid": "parentSpanId", "tracestate": "traceState",
	"starttimeunixnano": "startTimeUnixNano", "endtimeunixnano": "endTimeUnixNano", "timeunixnano": "timeUnixNano",
}

// display names a folded key as OTLP/JSON spells it.
func display(key string) string {
	if n, ok := displayNames[key]; ok {
		return n
	}
	return key
}

func (d *jsonDecoder) fail(err error) {
	if d.err == nil && err != nil {
		d.err = err
	}
}

func (d *jsonDecoder) str(key string) string {
	raw, ok := d.f[key]
	if !ok || isNull(raw) {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		d.fail(fmt.Errorf("%s is not a string", display(key)))
	}
	return s
}

// id reads a trace or span id: hex as OTLP/JSON has it (base64 is taken
// too when the text is not hex, as Protocol Buffers' own JSON writes bytes).
func (d *jsonDecoder) id(key string) []byte {
	s := d.str(key)
	if s == "" {
		return nil
	}
	if b, err := hex.DecodeString(s); err == nil {
		return b
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		d.fail(fmt.Errorf("%s %q is neither hex nor base64", display(key), s))
	}
	return b
}

// uint reads a non-negative integer written as a number or a string.
func (d *jsonDecoder) uint(key string, max uint64) uint64 {
	raw, ok := d.f[key]
	if !ok || isNull(raw) {
		return 0
	}
	s := strings.Trim(string(raw), `"`)
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v > max {
		d.fail(fmt.Errorf("%s %s is not an integer from 0 to %d", display(key), raw, max))
	}
	return v
}

// enum reads an enum as its number or its name in names.
func (d *jsonDecoder) enum(key string, names []string) int {
	raw, ok := d.f[key]
	if !ok || isNull(raw) {
		return 0
	}
	if raw[0] == '"' {
		name := d.str(key)
		for i, n := range names {
			if n == name {
				return i
			}
		}
		d.fail(fmt.Errorf("%s %q is not one of %s", display(key), name, strings.Join(names, ", ")))
		return 0
	}
	return int(d.uint(key, uint64(len(names)-1)))
}

func (d *jsonDecoder) list(key string) []json.RawMessage {
	l, err := jsonList(d.f[key])
	if err != nil {
		d.fail(fmt.Errorf("%s: %w", key, err))
	}
	return l
}

func (d *jsonDecoder) attrs(key string, depth int) []KeyValue {
	var kvs []KeyValue
	for _, raw := range d.list(key) {
		kv, err := decodeJSONKeyValue(raw, depth)
		if err != nil {
			d.fail(fmt.Errorf("%s: %w", key, err))
			return nil
		}
		kvs = append(kvs, kv)
	}
	return kvs
}

func decodeJSONKeyValue(raw json.RawMessage, depth int) (KeyValue, error) {
	f, err := jsonFields(raw)
	if err != nil {
		return KeyValue{}, err
	}
	d := jsonDecoder{f: f}
	kv := KeyValue{Key: d.str("key")}
	if d.err != nil {
		return kv, d.err
	}
	kv.Value, err = decodeJSONValue(f["value"], depth+1)
	if err != nil {
		return kv, fmt.Errorf("attribute %q: %w", kv.Key, err)
	}
	return kv, nil
}

func decodeJSONValue(raw json.RawMessage, depth int) (Value, error) {
	if depth > maxValueDepth {
		return Value{}, fmt.Errorf("values nest deeper than %d levels", maxValueDepth)
	}
	if len(raw) == 0 || isNull(raw) {
		return Value{}, nil
	}
	f, err := jsonFields(raw)
	if err != nil {
		return Value{}, err
	}
	d := jsonDecoder{f: f}
	var v Value
	switch {
	case has(f, "stringvalue"):
		v = Value{Kind: String, Str: d.str("stringvalue")}
	case has(f, "boolvalue"):
		if err := json.Unmarshal(f["boolvalue"], &v.Bool); err != nil {
			return v, fmt.Errorf("boolValue is not true or false")
		}
		v.Kind = Bool
	case has(f, "intvalue"):
		s := strings.Trim(string(f["intvalue"]), `"`)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return v, fmt.Errorf("intValue %s is not a 64-bit integer", f["intvalue"])
		}
		v = Value{Kind: Int, Int: n}
	case has(f, "doublevalue"):
		s := strings.Trim(string(f["doublevalue"]), `"`)
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return v, fmt.Errorf("doubleValue %s is not a number", f["doublevalue"])
		}
		v = Value{Kind: Double, Double: x}
	case has(f, "bytesvalue"):
		b, err := base64.StdEncoding.DecodeString(d.str("bytesvalue"))
		if err != nil {
			return v, fmt.Errorf("bytesValue is not base64")
		}
		v = Value{Kind: Bytes, Bytes: b}
	case has(f, "arrayvalue"), has(f, "kvlistvalue"):
		key, kind := "arrayvalue", Array
		if has(f, "kvlistvalue") {
			key, kind = "kvlistvalue", KVList
		}
		inner, err := jsonFields(f[key])
		if err != nil {
			return v, err
		}
		list, err := jsonList(inner["values"])
		if err != nil {
			return v, err
		}
		v.Kind = kind
		for _, raw := range list {
			if kind == Array {
				e, err := decodeJSONValue(raw, depth+1)
				if err != nil {
					return v, err
				}
				v.Array = append(v.Array, e)
			} else {
				kv, err := decodeJSONKeyValue(raw, depth+1)
				if err != nil {
					return v, err
				}
				v.KVList = append(v.KVList, kv)
			}
		}
	}
	return v, d.err
}

func has(f map[string]json.RawMessage, key string) bool {
	raw, ok := f[key]
	return ok && !isNull(raw)
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// jsonFields decodes a JSON object into its fields, keyed by their names in
// lower case without underscores, so lowerCamelCase and snake_case match.
func jsonFields(raw json.RawMessage) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("want a JSON object")
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[strings.ToLower(strings.ReplaceAll(k, "_", ""))] = v
	}
	return out, nil
}

// jsonList decodes a JSON array; absent or null is empty.
func jsonList(raw json.RawMessage) ([]json.RawMessage, error) {
	if len(raw) == 0 || isNull(raw) {
		return nil, nil
	}
	var l []json.RawMessage
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, fmt.Errorf("want a JSON array")
	}
	return l, nil
}
