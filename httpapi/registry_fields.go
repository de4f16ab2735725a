package httpapi

import (
	"bytes"
	"strconv"
	"strings"
)

// flag is a boolean field: a JSON boolean, or "true"/"false" in any case
// as a GET query sends it.
type flag struct {
	V   bool
	Set bool
	bad []byte
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *flag) UnmarshalJSON(b []byte) error {
	*f = flag{}
	switch s := string(b); {
	case isNull(b):
	case s == "true" || s == "false":
		f.V, f.Set = s == "true", true
	case b[0] == '"':
		u, _ := unquote(b)
		switch strings.ToLower(u) {
		case "true":
			f.V, f.Set = true, true
		case "false":
			f.Set = true
		default:
			f.bad = bytes.Clone(b)
		}
	default:
		f.bad = bytes.Clone(b)
	}
	return nil
}

// flag returns an optional boolean field's value.
func (v *validator) flag(name string, f flag) bool {
	if f.bad != nil {
		v.badType(name, f.bad)
	}
	return f.V
}

// capResults rejects a max_results above limit the way MLflow's schema
// check does (its cap is an assertion, so it reads as a type error).
func (v *validator) capResults(f i64, limit int64) {
	if f.Set && f.V > limit {
		v.badType("max_results", strconv.AppendInt(nil, f.V, 10))
	}
}
