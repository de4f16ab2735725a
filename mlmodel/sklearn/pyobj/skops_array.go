package pyobj

import (
	"fmt"
	"strconv"
	"strings"
)

// ndarray reads an NdArrayNode: a .npy member, or an object array kept as
// a list of nodes; a NumPy scalar class gives the one value.
func (s *skops) ndarray(m map[string]any, module, class string, depth int, where string) (any, error) {
	full := module + "." + class
	if full != "numpy.ndarray" {
		if err := s.allow.check(module, class); err != nil {
			return nil, err
		}
	}
	switch str(m, "type") {
	case "numpy":
		// skops names a member after the object it holds, so one member is
		// one array however many nodes name it; decoding it once also keeps
		// a schema that names a member many times from multiplying it.
		name := str(m, "file")
		a, ok := s.arrays[name]
		if !ok {
			b, err := s.member(name)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			if a, err = ReadNpy(b); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", where, name, err)
			}
			s.arrays[name] = a
		}
		if full == "numpy.ndarray" {
			return a, nil
		}
		return scalarOf(a, where)
	case "json":
		items, ok := m["content"].([]any)
		if !ok {
			return nil, fmt.Errorf("%s: object array content is not a list", where)
		}
		data := make([]any, len(items))
		for i, e := range items {
			v, err := s.node(e, depth+1, where+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			data[i] = v
		}
		sv, err := s.node(m["shape"], depth+1, where+".shape")
		if err != nil {
			return nil, err
		}
		shape, err := intTuple(sv)
		if err != nil {
			return nil, fmt.Errorf("%s: shape: %w", where, err)
		}
		if len(shape) > 1 {
			// skops keeps a many-dimensional object array as nested lists.
			flat, err := flatten(data, shape, 0)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			data = flat
		}
		if n, err := elements(shape, len(data)); err != nil || n != len(data) {
			return nil, fmt.Errorf("%s: object array of shape %s holds %d items", where, shapeString(shape), len(data))
		}
		return &Array{DType: "object", Shape: shape, Data: data}, nil
	}
	return nil, fmt.Errorf("%s: unknown array storage %q", where, str(m, "type"))
}

// flatten turns nested lists of the given shape into one C-ordered list.
func flatten(items []any, shape []int, depth int) ([]any, error) {
	if len(items) != shape[depth] {
		return nil, fmt.Errorf("object array rows do not match its shape %s", shapeString(shape))
	}
	if depth == len(shape)-1 {
		return items, nil
	}
	var out []any
	for _, it := range items {
		row, ok := it.([]any)
		if !ok {
			return nil, fmt.Errorf("object array rows do not match its shape %s", shapeString(shape))
		}
		f, err := flatten(row, shape, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, f...)
	}
	return out, nil
}

// scalarOf returns the one element of a as a Go scalar: a NumPy scalar
// (numpy.float64, numpy.int64, ...) is read as float64, int64, bool or
// string.
func scalarOf(a *Array, where string) (any, error) {
	if a.Len() != 1 {
		return nil, fmt.Errorf("%s: a NumPy scalar holds %d values", where, a.Len())
	}
	switch d := a.Data.(type) {
	case []float64:
		return d[0], nil
	case []int64:
		if strings.HasSuffix(a.DType, "b1") {
			return d[0] != 0, nil
		}
		return d[0], nil
	case []string:
		return d[0], nil
	}
	return nil, fmt.Errorf("%s: unsupported NumPy scalar of dtype %s", where, a.DType)
}
