package httpapi

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// The types in this file are request fields. Each one remembers whether the
// field was present and, when it held a JSON value of the wrong type, that
// raw value. Decoding never fails on a wrong type: the handler validates the
// fields in MLflow's schema order afterwards, so the first error reported and
// its wording match MLflow's ("Invalid value 123 for parameter 'name'
// supplied: ..."), which needs the parameter name that encoding/json does
// not give to an Unmarshaler. A JSON null counts as absent, as in MLflow.

// str is a string field.
type str struct {
	V   string
	Set bool
	bad []byte
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *str) UnmarshalJSON(b []byte) error {
	*f = str{}
	switch {
	case isNull(b):
	case b[0] == '"':
		s, ok := unquote(b)
		if !ok {
			f.bad = bytes.Clone(b)
			return nil
		}
		f.V, f.Set = s, true
	default:
		f.bad = bytes.Clone(b)
	}
	return nil
}

// i64 is an int64 field: a JSON number or a string holding an integer, as
// protobuf's JSON parser and MLflow's _assert_intlike both accept.
type i64 struct {
	V   int64
	Set bool
	bad []byte
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *i64) UnmarshalJSON(b []byte) error {
	*f = i64{}
	if isNull(b) {
		return nil
	}
	text := b
	if b[0] == '"' {
		s, ok := unquote(b)
		if !ok {
			f.bad = bytes.Clone(b)
			return nil
		}
		text = []byte(s)
	}
	if v, ok := parseIntLike(string(text), b[0] != '"'); ok {
		f.V, f.Set = v, true
		return nil
	}
	f.bad = bytes.Clone(b)
	return nil
}

// parseIntLike parses an integer; bare JSON numbers may also be integral
// floats such as 3.0 or 1e3, which protobuf accepts for integer fields.
func parseIntLike(s string, allowFloat bool) (int64, bool) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	if !allowFloat {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<63-1024 {
		return 0, false
	}
	return int64(f), true
}

// f64 is a double field: a JSON number, or a string holding a number or one
// of protobuf's names "NaN", "Infinity" and "-Infinity" (how clients send
// values JSON numbers cannot hold).
type f64 struct {
	V   float64
	Set bool
	bad []byte
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *f64) UnmarshalJSON(b []byte) error {
	*f = f64{}
	if isNull(b) {
		return nil
	}
	if b[0] == '"' {
		s, ok := unquote(b)
		if v, ok2 := parseFloatString(s); ok && ok2 {
			f.V, f.Set = v, true
			return nil
		}
		f.bad = bytes.Clone(b)
		return nil
	}
	if b[0] == '-' || (b[0] >= '0' && b[0] <= '9') {
		if v, err := strconv.ParseFloat(string(b), 64); err == nil {
			f.V, f.Set = v, true
			return nil
		}
	}
	f.bad = bytes.Clone(b)
	return nil
}

// parseFloatString parses a float sent as a JSON string. strconv alone would
// also take "inf" or "nan" in any case, which protobuf does not.
func parseFloatString(s string) (float64, bool) {
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	if s == "" || !(s[0] == '-' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9')) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// strs is a repeated string field.
type strs struct {
	V   []string
	Set bool
	bad []byte
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *strs) UnmarshalJSON(b []byte) error {
	*f = strs{}
	if isNull(b) {
		return nil
	}
	if b[0] == '[' {
		var raw []json.RawMessage
		if err := json.Unmarshal(b, &raw); err == nil {
			vals := make([]string, 0, len(raw))
			for _, r := range raw {
				s, ok := "", len(r) > 0 && r[0] == '"'
				if ok {
					s, ok = unquote(r)
				}
				if !ok {
					f.bad = bytes.Clone(b)
					return nil
				}
				vals = append(vals, s)
			}
			f.V, f.Set = vals, true
			return nil
		}
	}
	f.bad = bytes.Clone(b)
	return nil
}

func isNull(b []byte) bool { return len(b) == 0 || string(b) == "null" }

// unquote decodes a JSON string literal, avoiding encoding/json for the
// common case of a string without escapes.
func unquote(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	inner := b[1 : len(b)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", false
	}
	return s, true
}

// enum is an enum field, sent by name ("ACTIVE_ONLY") or by number (3).
type enum struct {
	V   string // the name or the number as written
	Set bool
	bad []byte
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *enum) UnmarshalJSON(b []byte) error {
	*f = enum{}
	switch {
	case isNull(b):
	case b[0] == '"':
		s, ok := unquote(b)
		if !ok {
			f.bad = bytes.Clone(b)
			return nil
		}
		f.V, f.Set = s, true
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		f.V, f.Set = string(b), true
	default:
		f.bad = bytes.Clone(b)
	}
	return nil
}

// wireTag is a key/value pair in a request (experiment, run or input tag,
// or a param).
type wireTag struct {
	Key   str `json:"key"`
	Value str `json:"value"`
}
