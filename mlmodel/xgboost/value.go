package xgboost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// The JSON and UBJSON decoders both produce generic values: nil, bool,
// string, float64, int64 (UBJSON integers), json.Number (JSON numbers),
// map[string]any, []any, and for UBJSON typed arrays []float32, []float64,
// []int8, []uint8, []int16, []int32 or []int64. The accessors below read a
// model from either, each naming the field it reads in its errors.

// object returns v as an object.
func object(v any, what string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s is %s, want an object", what, typeName(v))
	}
	return m, nil
}

// field returns the object member key of m as an object.
func field(m map[string]any, key, what string) (map[string]any, error) {
	v, ok := m[key]
	if !ok {
		return nil, fmt.Errorf("%s has no %q", what, key)
	}
	return object(v, what+"."+key)
}

// str returns m[key] as a string.
func str(m map[string]any, key, what string) (string, error) {
	v, ok := m[key]
	if !ok {
		return "", fmt.Errorf("%s has no %q", what, key)
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s.%s is %s, want a string", what, key, typeName(v))
	}
	return s, nil
}

// intString reads m[key], an integer XGBoost writes as a decimal string
// ("num_class": "3"), and checks it lies in [lo, hi].
func intString(m map[string]any, key, what string, lo, hi int64) (int64, error) {
	s, err := str(m, key, what)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s.%s is %q, want an integer in [%d, %d]", what, key, s, lo, hi)
	}
	return n, nil
}

// number returns a scalar number as float64.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// integer returns a scalar integer.
func integer(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		return n, err == nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// ints reads an array of integers of any encoding. A missing key gives
// nil when optional.
func ints(m map[string]any, key, what string, optional bool) ([]int64, error) {
	v, ok := m[key]
	if !ok {
		if optional {
			return nil, nil
		}
		return nil, fmt.Errorf("%s has no %q", what, key)
	}
	switch x := v.(type) {
	case []int64:
		return x, nil
	case []int32:
		return widen(x), nil
	case []int16:
		return widen(x), nil
	case []int8:
		return widen(x), nil
	case []uint8:
		return widen(x), nil
	case []any:
		out := make([]int64, len(x))
		for i, e := range x {
			n, ok := integer(e)
			if !ok {
				return nil, fmt.Errorf("%s.%s[%d] is %s, want an integer", what, key, i, typeName(e))
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s.%s is %s, want an array of integers", what, key, typeName(v))
}

func widen[T int8 | uint8 | int16 | int32](x []T) []int64 {
	out := make([]int64, len(x))
	for i, e := range x {
		out[i] = int64(e)
	}
	return out
}

// floats32 reads an array of numbers as float32, the precision XGBoost
// holds thresholds, leaf values and tree weights in.
func floats32(m map[string]any, key, what string, optional bool) ([]float32, error) {
	v, ok := m[key]
	if !ok {
		if optional {
			return nil, nil
		}
		return nil, fmt.Errorf("%s has no %q", what, key)
	}
	switch x := v.(type) {
	case []float32:
		return x, nil
	case []float64:
		out := make([]float32, len(x))
		for i, e := range x {
			out[i] = float32(e)
		}
		return out, nil
	case []any:
		out := make([]float32, len(x))
		for i, e := range x {
			f, ok := float32Of(e)
			if !ok {
				return nil, fmt.Errorf("%s.%s[%d] is %s, want a number", what, key, i, typeName(e))
			}
			out[i] = f
		}
		return out, nil
	}
	if n, err := ints(m, key, what, false); err == nil {
		out := make([]float32, len(n))
		for i, e := range n {
			out[i] = float32(e)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s.%s is %s, want an array of numbers", what, key, typeName(v))
}

// float32Of reads one number as float32. A JSON number is parsed straight
// to float32, as XGBoost's own reader does, not through float64.
func float32Of(v any) (float32, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 32)
		return float32(f), err == nil
	case string:
		f, ok := nonFinite[x]
		return float32(f), ok
	}
	f, ok := number(v)
	return float32(f), ok
}

// nonFinite holds the words XGBoost's JSON writer uses for numbers JSON
// cannot spell; quoteNonFinite turns them into these strings.
var nonFinite = map[string]float64{"NaN": math.NaN(), "Infinity": math.Inf(1), "-Infinity": math.Inf(-1)}

// quoteNonFinite quotes the bare words NaN, Infinity and -Infinity that
// XGBoost writes for non-finite numbers (in gains and hessians, say), so
// that encoding/json reads the document. Words inside strings are left
// alone.
func quoteNonFinite(b []byte) []byte {
	if !bytes.Contains(b, []byte("NaN")) && !bytes.Contains(b, []byte("Infinity")) {
		return b
	}
	out := make([]byte, 0, len(b)+64)
	inString, escaped := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			out = append(out, c)
			continue
		}
		if c == '"' {
			inString = true
		}
		word := ""
		for w := range nonFinite {
			if bytes.HasPrefix(b[i:], []byte(w)) && (w != "Infinity" || i == 0 || b[i-1] != '-') {
				word = w
			}
		}
		if word == "" {
			out = append(out, c)
			continue
		}
		out = append(append(append(out, '"'), word...), '"')
		i += len(word) - 1
	}
	return out
}

// strings reads an array of strings; a missing key gives nil.
func stringList(m map[string]any, key, what string) ([]string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, nil
	}
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s.%s is %s, want an array of strings", what, key, typeName(v))
	}
	out := make([]string, len(a))
	for i, e := range a {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%s.%s[%d] is %s, want a string", what, key, i, typeName(e))
		}
		out[i] = s
	}
	return out, nil
}

// typeName names the kind of a generic value for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case float64, int64, json.Number:
		return "a number"
	case map[string]any:
		return "an object"
	}
	return "an array"
}
