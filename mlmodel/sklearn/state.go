package sklearn

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

// obj is an object of the saved graph with the path that leads to it, so
// that every error names where in the model the fault is.
type obj struct {
	o    *pyobj.Object
	path string
}

func (o obj) errorf(format string, args ...any) error {
	return fmt.Errorf("sklearn: %s: %s", o.path, fmt.Sprintf(format, args...))
}

func (o obj) get(key string) (any, bool) {
	v, ok := o.o.State[key]
	return v, ok
}

func (o obj) need(key string) (any, error) {
	v, ok := o.o.State[key]
	if !ok {
		return nil, o.errorf("%s is missing: the estimator is not fitted or the file is damaged", key)
	}
	return v, nil
}

func (o obj) str(key string) (string, error) {
	v, err := o.need(key)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", o.errorf("%s is a %s, want a string", key, pyobj.Describe(v))
	}
	return s, nil
}

func (o obj) boolean(key string, def bool) (bool, error) {
	v, ok := o.get(key)
	if !ok || v == nil {
		return def, nil
	}
	switch v := v.(type) {
	case bool:
		return v, nil
	case int64:
		return v != 0, nil
	case *pyobj.Array: // a NumPy bool scalar
		if d, ok := v.Data.([]int64); ok && len(d) == 1 && len(v.Shape) == 0 {
			return d[0] != 0, nil
		}
	}
	return false, o.errorf("%s is a %s, want a bool", key, pyobj.Describe(v))
}

func (o obj) integer(key string) (int, error) {
	v, err := o.need(key)
	if err != nil {
		return 0, err
	}
	n, ok := asInt(v)
	if !ok {
		return 0, o.errorf("%s is a %s, want an integer", key, pyobj.Describe(v))
	}
	return n, nil
}

// maxCount bounds the sizes read from a file (feature counts, class
// counts), far above any real model, so that a hostile number cannot make
// Build allocate without bound.
const maxCount = 1 << 24

func asInt(v any) (int, bool) {
	switch v := v.(type) {
	case int64:
		if v < 0 || v > maxCount {
			return 0, false
		}
		return int(v), true
	case *pyobj.Array:
		if d, ok := v.Data.([]int64); ok && len(d) == 1 && len(v.Shape) == 0 {
			return asInt(d[0])
		}
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case *pyobj.Array:
		if v.Len() == 1 && len(v.Shape) <= 1 {
			if f, ok := floatData(v); ok {
				return f[0], true
			}
		}
	}
	return 0, false
}

func (o obj) float(key string) (float64, error) {
	v, err := o.need(key)
	if err != nil {
		return 0, err
	}
	f, ok := asFloat(v)
	if !ok {
		return 0, o.errorf("%s is a %s, want a number", key, pyobj.Describe(v))
	}
	return f, nil
}

func (o obj) array(key string) (*pyobj.Array, error) {
	v, err := o.need(key)
	if err != nil {
		return nil, err
	}
	a, ok := v.(*pyobj.Array)
	if !ok {
		return nil, o.errorf("%s is a %s, want an array", key, pyobj.Describe(v))
	}
	if err := checkArray(a); err != nil {
		return nil, o.errorf("%s: %v", key, err)
	}
	return a, nil
}

// checkArray checks that a's data holds as many elements as its shape.
func checkArray(a *pyobj.Array) error {
	n := 1
	for _, d := range a.Shape {
		if d < 0 || (d > 0 && n > math.MaxInt32/d) {
			return fmt.Errorf("array shape %s is invalid", shapeString(a.Shape))
		}
		n *= d
	}
	var got int
	switch d := a.Data.(type) {
	case []float64:
		got = len(d)
	case []int64:
		got = len(d)
	case []string:
		got = len(d)
	case []any:
		got = len(d)
	case nil:
		if a.Fields != nil {
			for _, name := range a.FieldNames {
				f := a.Fields[name]
				if f == nil || !sameShape(f.Shape, a.Shape) {
					return fmt.Errorf("field %q does not have the record array's shape", name)
				}
				if err := checkArray(f); err != nil {
					return fmt.Errorf("field %q: %v", name, err)
				}
			}
			return nil
		}
	default:
		return fmt.Errorf("array data is a %T", d)
	}
	if got != n {
		return fmt.Errorf("array of shape %s holds %d elements", shapeString(a.Shape), got)
	}
	return nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// floatData returns a numeric array's elements as float64.
func floatData(a *pyobj.Array) ([]float64, bool) {
	switch d := a.Data.(type) {
	case []float64:
		return d, true
	case []int64:
		f := make([]float64, len(d))
		for i, x := range d {
			f[i] = float64(x)
		}
		return f, true
	case []any:
		f := make([]float64, len(d))
		for i, x := range d {
			v, ok := asFloat(x)
			if !ok {
				return nil, false
			}
			f[i] = v
		}
		return f, true
	}
	return nil, false
}

// floats reads a numeric array attribute of the given shape; a negative
// dimension in shape matches any size.
func (o obj) floats(key string, shape ...int) ([]float64, []int, error) {
	a, err := o.array(key)
	if err != nil {
		return nil, nil, err
	}
	ok := len(a.Shape) == len(shape)
	for i := 0; ok && i < len(shape); i++ {
		ok = shape[i] < 0 || shape[i] == a.Shape[i]
	}
	if !ok {
		return nil, nil, o.errorf("%s has shape %s, want %s", key, shapeString(a.Shape), wantShape(shape))
	}
	f, ok := floatData(a)
	if !ok {
		return nil, nil, o.errorf("%s is a %s array, want numbers", key, a.DType)
	}
	return f, a.Shape, nil
}

func wantShape(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = "n"
		if d >= 0 {
			parts[i] = strconv.Itoa(d)
		}
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// values returns an array's elements as Go values: int64, float64, string
// or bool.
func values(a *pyobj.Array) ([]any, error) {
	out := make([]any, a.Len())
	switch d := a.Data.(type) {
	case []float64:
		for i, x := range d {
			out[i] = x
		}
	case []int64:
		isBool := a.DType == "|b1" || a.DType == "bool"
		for i, x := range d {
			if isBool {
				out[i] = x != 0
			} else {
				out[i] = x
			}
		}
	case []string:
		for i, x := range d {
			out[i] = x
		}
	case []any:
		for i, x := range d {
			switch x.(type) {
			case nil, bool, int64, float64, string:
				out[i] = x
			default:
				return nil, fmt.Errorf("element %d is a %s", i, pyobj.Describe(x))
			}
		}
	default:
		return nil, fmt.Errorf("array holds %s", a.DType)
	}
	return out, nil
}

// stringList reads a list or array of strings.
func stringList(v any) ([]string, bool) {
	var items []any
	switch v := v.(type) {
	case []any:
		items = v
	case *pyobj.Array:
		if s, ok := v.Data.([]string); ok {
			return s, true
		}
		d, ok := v.Data.([]any)
		if !ok {
			return nil, false
		}
		items = d
	default:
		return nil, false
	}
	out := make([]string, len(items))
	for i, x := range items {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}
