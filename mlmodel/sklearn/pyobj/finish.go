package pyobj

import (
	"fmt"
	"reflect"
)

// finisher turns the lists still being built into []any, once the whole
// graph is read, and checks that every array got its data.
type finisher struct {
	lists   map[*pyList][]any
	seen    map[any]bool
	pending map[*Array]bool
}

func (f *finisher) finish(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("objects nested more than %d deep", maxDepth)
	}
	switch x := v.(type) {
	case *pyList:
		if out, ok := f.lists[x]; ok {
			return out, nil
		}
		out := make([]any, len(x.items))
		f.lists[x] = out
		for i, e := range x.items {
			y, err := f.finish(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	case []any:
		if len(x) == 0 || f.seen[&x[0]] {
			return x, nil
		}
		f.seen[&x[0]] = true
		for i, e := range x {
			y, err := f.finish(e, depth+1)
			if err != nil {
				return nil, err
			}
			x[i] = y
		}
	case map[string]any:
		key := reflect.ValueOf(x).UnsafePointer()
		if f.seen[key] {
			return x, nil
		}
		f.seen[key] = true
		for k, e := range x {
			y, err := f.finish(e, depth+1)
			if err != nil {
				return nil, err
			}
			x[k] = y
		}
	case *Object:
		if f.seen[x] {
			return x, nil
		}
		f.seen[x] = true
		if _, err := f.finish(x.State, depth+1); err != nil {
			return nil, err
		}
		if _, err := f.finish(x.Args, depth+1); err != nil {
			return nil, err
		}
	case *Array:
		if f.pending[x] {
			return nil, fmt.Errorf("a NumPy array was never given its data")
		}
		if d, ok := x.Data.([]any); ok {
			if _, err := f.finish(d, depth+1); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}
