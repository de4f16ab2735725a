package pyobj

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// jsonText quotes a short JSON value for an error message.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 40 {
		return "(unreadable)"
	}
	return string(b)
}

// parseJSONValue reads a JsonNode's content, which Python's json module
// wrote: it may hold NaN and Infinity, which JSON itself has not.
func parseJSONValue(text, where string) (any, error) {
	switch strings.TrimSpace(text) {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%s: JsonNode content: %w", where, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: JsonNode content has trailing data", where)
	}
	out, err := fromJSON(v, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return out, nil
}

// fromJSON turns a decoded JSON value (numbers as json.Number) into the
// graph's value types: integers as int64, other numbers as float64.
func fromJSON(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	switch v := v.(type) {
	case json.Number:
		s := v.String()
		if !strings.ContainsAny(s, ".eE") {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n, nil
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("bad number %q", s)
		}
		return f, nil
	case []any:
		for i, e := range v {
			x, err := fromJSON(e, depth+1)
			if err != nil {
				return nil, err
			}
			v[i] = x
		}
		return v, nil
	case map[string]any:
		for k, e := range v {
			x, err := fromJSON(e, depth+1)
			if err != nil {
				return nil, err
			}
			v[k] = x
		}
		return v, nil
	}
	return v, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a bool"
	case []any:
		return "a list"
	}
	return "something else"
}
