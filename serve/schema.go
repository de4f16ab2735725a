package serve

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/weir-ml/weir"
)

// schema indexes a model's input columns by name for decoding requests.
type schema struct {
	cols     []Column
	index    map[string]int
	strs     []internTable                 // per column: strings seen in requests (decodeSplit)
	lastCols atomic.Pointer[columnsLayout] // the last dataframe_split column list (decodeSplit)
}

func newSchema(cols []Column) *schema {
	s := &schema{cols: cols, index: make(map[string]int, len(cols)), strs: make([]internTable, len(cols))}
	for i, c := range cols {
		s.index[c.Name] = i
	}
	return s
}

// inputError is the caller's mistake, answered with 400: a malformed body
// (BAD_REQUEST) or one that does not match the model's signature
// (INVALID_PARAMETER_VALUE, with a message naming the column).
type inputError struct {
	code string
	msg  string
}

func (e *inputError) Error() string { return e.msg }

func inputErrorf(format string, args ...any) error {
	return &inputError{weir.ErrBadRequest, fmt.Sprintf(format, args...)}
}

func schemaErrorf(format string, args ...any) error {
	return &inputError{weir.ErrInvalidParameterValue, fmt.Sprintf(format, args...)}
}

// layout maps the columns a request names to schema positions: pos[k] is the
// schema index of the request's k-th column, or -1 for an extra column that
// is ignored. It reports missing required columns and, when strict, extra
// ones.
func (s *schema) layout(names []string, strict bool) ([]int, error) {
	pos := make([]int, len(names))
	seen := make([]bool, len(s.cols))
	for k, n := range names {
		i, ok := s.index[n]
		if !ok {
			if strict {
				return nil, schemaErrorf("input column %q is not in the model signature (the server runs with --strict-columns)", n)
			}
			pos[k] = -1
			continue
		}
		if seen[i] {
			return nil, schemaErrorf("input column %q is given twice", n)
		}
		seen[i] = true
		pos[k] = i
	}
	var missing []string
	for i, c := range s.cols {
		if !seen[i] && c.Required {
			missing = append(missing, strconv.Quote(c.Name))
		}
	}
	if len(missing) > 0 {
		return nil, schemaErrorf("model is missing inputs [%s]", strings.Join(missing, ", "))
	}
	return pos, nil
}

// coerce converts one JSON-decoded value (decoded with UseNumber) to the Go
// type Predict expects for column c, refusing values of the wrong type with
// a message naming the column, as MLflow's schema enforcement does.
func coerce(c *Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.Type {
	case TypeDouble, TypeFloat:
		switch v := v.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				return nil, schemaErrorf("column %q: %s is not a number", c.Name, v)
			}
			return f, nil
		case float64:
			return v, nil
		case string:
			// pandas writes NaN and infinities as strings in some orients.
			if f, ok := specialFloat(v); ok {
				return f, nil
			}
		}
	case TypeLong, TypeInteger:
		switch v := v.(type) {
		case json.Number:
			return parseInt(c, string(v))
		case float64:
			return parseInt(c, strconv.FormatFloat(v, 'g', -1, 64))
		}
	case TypeString:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case TypeBoolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case TypeDatetime:
		if s, ok := v.(string); ok {
			return parseTime(c, s)
		}
	default:
		// Types Weir's models never declare (binary, arrays, objects) are
		// passed through for the model to judge.
		return v, nil
	}
	return nil, schemaErrorf("column %q: expected %s, got %s", c.Name, c.Type, describe(v))
}

// coerceText converts one CSV field to the type of column c; an empty field
// is missing.
func coerceText(c *Column, s string) (any, error) {
	if s == "" {
		return nil, nil
	}
	switch c.Type {
	case TypeDouble, TypeFloat:
		if f, ok := specialFloat(s); ok {
			return f, nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, inputErrorf("column %q: expected %s, got %q", c.Name, c.Type, s)
		}
		return f, nil
	case TypeLong, TypeInteger:
		return parseInt(c, strings.TrimSpace(s))
	case TypeBoolean:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, inputErrorf("column %q: expected boolean, got %q", c.Name, s)
	case TypeDatetime:
		return parseTime(c, s)
	}
	return s, nil
}

func specialFloat(s string) (float64, bool) {
	switch s {
	case "NaN", "nan":
		return math.NaN(), true
	case "Infinity", "inf":
		return math.Inf(1), true
	case "-Infinity", "-inf":
		return math.Inf(-1), true
	}
	return 0, false
}

// parseInt accepts integers and floats with an integral value (pandas turns
// an int column into floats when it passes through JSON as 35.0), and
// refuses fractions rather than truncate them silently.
func parseInt(c *Column, s string) (any, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return checkRange(c, n)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return nil, schemaErrorf("column %q: expected %s, got %s (cannot safely convert to an integer)", c.Name, c.Type, s)
	}
	return checkRange(c, int64(f))
}

func checkRange(c *Column, n int64) (any, error) {
	if c.Type == TypeInteger && (n < math.MinInt32 || n > math.MaxInt32) {
		return nil, schemaErrorf("column %q: %d does not fit in a 32-bit integer", c.Name, n)
	}
	return n, nil
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

func parseTime(c *Column, s string) (any, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return nil, schemaErrorf("column %q: expected datetime (RFC 3339 or YYYY-MM-DD), got %q", c.Name, s)
}

// describe names the JSON type of v for error messages.
func describe(v any) string {
	switch v := v.(type) {
	case json.Number:
		return "number " + string(v)
	case float64:
		return "number " + strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return "string " + strconv.Quote(v)
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
