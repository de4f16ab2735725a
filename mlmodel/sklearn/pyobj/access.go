package pyobj

import (
	"fmt"
	"math"
)

// Describe names the kind of a graph value for error messages: "None",
// "int", "float", "str", "list", "dict", "float array", "type float64",
// or an object's class, such as "LogisticRegression".
func Describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	case *Object:
		if v == nil {
			return "None"
		}
		return v.Class
	case *Type:
		if v == nil {
			return "None"
		}
		return "type " + v.Name
	case *Array:
		if v == nil {
			return "None"
		}
		switch v.Data.(type) {
		case []float64:
			return "float array"
		case []int64:
			return "int array"
		case []string:
			return "string array"
		case []any:
			return "object array"
		}
		if v.Fields != nil {
			return "record array"
		}
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// Name returns "module.Class".
func (o *Object) Name() string { return o.Module + "." + o.Class }

// Get returns the state attribute key and whether it is there.
func (o *Object) Get(key string) (any, bool) {
	v, ok := o.State[key]
	return v, ok
}

// Has reports whether the state has the attribute key.
func (o *Object) Has(key string) bool {
	_, ok := o.State[key]
	return ok
}

// IsNone reports whether the attribute key is missing or None.
func (o *Object) IsNone(key string) bool {
	return o.State[key] == nil
}

func (o *Object) errorf(key, format string, args ...any) error {
	return fmt.Errorf("%s.%s: %s", o.Class, key, fmt.Sprintf(format, args...))
}

// attr returns the attribute key, or an error naming it when it is
// missing: a fitted estimator has all the attributes its class uses.
func (o *Object) attr(key string) (any, error) {
	v, ok := o.State[key]
	if !ok {
		return nil, o.errorf(key, "missing (is the estimator fitted, and of a supported version?)")
	}
	return v, nil
}

// Value returns the attribute key, whatever its kind.
func (o *Object) Value(key string) (any, error) { return o.attr(key) }

// Array returns the attribute key, which must be a NumPy array.
func (o *Object) Array(key string) (*Array, error) {
	v, err := o.attr(key)
	if err != nil {
		return nil, err
	}
	a, ok := v.(*Array)
	if !ok || a == nil {
		return nil, o.errorf(key, "want an array, got %s", Describe(v))
	}
	return a, nil
}

// Float64s returns the attribute key, a numeric array, as float64s in C
// order (integer arrays are converted).
func (o *Object) Float64s(key string) ([]float64, error) {
	v, err := o.attr(key)
	if err != nil {
		return nil, err
	}
	a, ok := v.(*Array)
	if ok && a != nil {
		if f, err := a.Float64s(); err == nil {
			return f, nil
		}
	}
	return nil, o.errorf(key, "want a float array, got %s", Describe(v))
}

// Int64s returns the attribute key, an integer or bool array, as int64s.
func (o *Object) Int64s(key string) ([]int64, error) {
	v, err := o.attr(key)
	if err != nil {
		return nil, err
	}
	a, ok := v.(*Array)
	if ok && a != nil {
		if n, err := a.Int64s(); err == nil {
			return n, nil
		}
	}
	return nil, o.errorf(key, "want an integer array, got %s", Describe(v))
}

// Strings returns the attribute key, a string array (or an object array or
// list of strings), as strings.
func (o *Object) Strings(key string) ([]string, error) {
	v, err := o.attr(key)
	if err != nil {
		return nil, err
	}
	s, err := stringsOf(v)
	if err != nil {
		return nil, o.errorf(key, "%v", err)
	}
	return s, nil
}

// Int returns the attribute key, an integer (a NumPy integer scalar, or a
// float that is a whole number).
func (o *Object) Int(key string) (int64, error) {
	v, err := o.attr(key)
	if err != nil {
		return 0, err
	}
	n, ok := AsInt(v)
	if !ok {
		return 0, o.errorf(key, "want an int, got %s", Describe(v))
	}
	return n, nil
}

// Float returns the attribute key, a number.
func (o *Object) Float(key string) (float64, error) {
	v, err := o.attr(key)
	if err != nil {
		return 0, err
	}
	f, ok := AsFloat(v)
	if !ok {
		return 0, o.errorf(key, "want a float, got %s", Describe(v))
	}
	return f, nil
}

// Bool returns the attribute key, a bool.
func (o *Object) Bool(key string) (bool, error) {
	v, err := o.attr(key)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, o.errorf(key, "want a bool, got %s", Describe(v))
	}
	return b, nil
}

// String returns the attribute key, a str.
func (o *Object) String(key string) (string, error) {
	v, err := o.attr(key)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", o.errorf(key, "want a str, got %s", Describe(v))
	}
	return s, nil
}

// List returns the attribute key, a list or tuple.
func (o *Object) List(key string) ([]any, error) {
	v, err := o.attr(key)
	if err != nil {
		return nil, err
	}
	l, ok := v.([]any)
	if !ok {
		return nil, o.errorf(key, "want a list, got %s", Describe(v))
	}
	return l, nil
}

// Dict returns the attribute key, a dict.
func (o *Object) Dict(key string) (map[string]any, error) {
	v, err := o.attr(key)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, o.errorf(key, "want a dict, got %s", Describe(v))
	}
	return m, nil
}

// Object returns the attribute key, an object of an allowed class.
func (o *Object) Object(key string) (*Object, error) {
	v, err := o.attr(key)
	if err != nil {
		return nil, err
	}
	x, ok := v.(*Object)
	if !ok || x == nil {
		return nil, o.errorf(key, "want an object, got %s", Describe(v))
	}
	return x, nil
}

// AsInt returns v as an integer when it is one: an int64, or a float64
// holding a whole number.
func AsInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v), true
		}
	}
	return 0, false
}

// AsFloat returns v as a float64 when it is a number.
func AsFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	}
	return 0, false
}

// Float64s returns a numeric array's elements as float64s in C order.
func (a *Array) Float64s() ([]float64, error) {
	switch d := a.Data.(type) {
	case []float64:
		return d, nil
	case []int64:
		out := make([]float64, len(d))
		for i, n := range d {
			out[i] = float64(n)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a float array, got %s", Describe(a))
}

// Int64s returns an integer or bool array's elements in C order.
func (a *Array) Int64s() ([]int64, error) {
	if d, ok := a.Data.([]int64); ok {
		return d, nil
	}
	return nil, fmt.Errorf("want an integer array, got %s", Describe(a))
}

// Strings returns a string array's elements, or an object array's when
// every element is a str.
func (a *Array) Strings() ([]string, error) { return stringsOf(a) }

// Field returns a record array's field name.
func (a *Array) Field(name string) (*Array, error) {
	f, ok := a.Fields[name]
	if !ok {
		return nil, fmt.Errorf("record array has no field %q", name)
	}
	return f, nil
}

func stringsOf(v any) ([]string, error) {
	var items []any
	switch x := v.(type) {
	case *Array:
		if x == nil {
			break
		}
		if s, ok := x.Data.([]string); ok {
			return s, nil
		}
		items, _ = x.Data.([]any)
	case []any:
		items = x
	}
	if items == nil {
		return nil, fmt.Errorf("want strings, got %s", Describe(v))
	}
	out := make([]string, len(items))
	for i, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("want strings, got %s at index %d", Describe(it), i)
		}
		out[i] = s
	}
	return out, nil
}

// Objects returns the attribute key, a list or object array (in C order)
// of objects, such as a forest's estimators_ or gradient boosting's 2-D
// estimators_.
func (o *Object) Objects(key string) ([]*Object, error) {
	v, err := o.attr(key)
	if err != nil {
		return nil, err
	}
	out, err := objectsOf(v)
	if err != nil {
		return nil, o.errorf(key, "%v", err)
	}
	return out, nil
}

// Objects returns an object array's elements, each an object.
func (a *Array) Objects() ([]*Object, error) { return objectsOf(a) }

func objectsOf(v any) ([]*Object, error) {
	var items []any
	switch x := v.(type) {
	case *Array:
		if x != nil {
			items, _ = x.Data.([]any)
		}
	case []any:
		items = x
	}
	if items == nil {
		return nil, fmt.Errorf("want a list of objects, got %s", Describe(v))
	}
	out := make([]*Object, len(items))
	for i, it := range items {
		o, ok := it.(*Object)
		if !ok || o == nil {
			return nil, fmt.Errorf("want objects, got %s at index %d", Describe(it), i)
		}
		out[i] = o
	}
	return out, nil
}
