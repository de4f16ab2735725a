package pyobj

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// The skops and pickle files of one model read into the same graph, apart
// from the objects each format keeps differently (NumPy's Generator, and
// the Cython halves of losses).
func TestFormatsAgree(t *testing.T) {
	exp := readExpected(t)
	for name, m := range exp.Models {
		if m.Class == "FunctionTransformer" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			want, err := readFixture(name+".skops", DefaultAllow())
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range m.Files[1:] {
				got, err := readFixture(f, DefaultAllow())
				if err != nil {
					t.Fatal(err)
				}
				if d := diff(got, want, name, map[[2]uintptr]bool{}, 0); d != "" {
					t.Errorf("%s differs from the skops file: %s", f, d)
				}
			}
		})
	}
}

// skipClasses are kept differently by skops and pickle.
var skipClasses = map[string]bool{
	"Generator": true,
}

func diff(a, b any, where string, seen map[[2]uintptr]bool, depth int) string {
	if depth > 100 {
		return ""
	}
	if oa, ok := a.(*Object); ok && skipClasses[oa.Class] {
		return ""
	}
	if ob, ok := b.(*Object); ok && skipClasses[ob.Class] {
		return ""
	}
	switch x := a.(type) {
	case *Object:
		y, ok := b.(*Object)
		if !ok {
			return fmt.Sprintf("%s: %s against %s", where, Describe(a), Describe(b))
		}
		key := [2]uintptr{reflect.ValueOf(x).Pointer(), reflect.ValueOf(y).Pointer()}
		if seen[key] {
			return ""
		}
		seen[key] = true
		if x.Name() != y.Name() {
			return fmt.Sprintf("%s: %s against %s", where, x.Name(), y.Name())
		}
		if d := diff(x.Args, y.Args, where+".args", seen, depth+1); d != "" && len(x.Args)+len(y.Args) > 0 {
			return d
		}
		return diff(x.State, y.State, where, seen, depth+1)
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: %s against %s", where, Describe(a), Describe(b))
		}
		for k := range x {
			if _, ok := y[k]; !ok {
				return fmt.Sprintf("%s.%s only in the first", where, k)
			}
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				return fmt.Sprintf("%s.%s only in the second", where, k)
			}
			if d := diff(x[k], y[k], where+"."+k, seen, depth+1); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return fmt.Sprintf("%s: %s of %d against %s", where, Describe(a), len(x), Describe(b))
		}
		for i := range x {
			if d := diff(x[i], y[i], fmt.Sprintf("%s[%d]", where, i), seen, depth+1); d != "" {
				return d
			}
		}
		return ""
	case *Array:
		y, ok := b.(*Array)
		if !ok {
			return fmt.Sprintf("%s: %s against %s", where, Describe(a), Describe(b))
		}
		if x.DType != y.DType || !reflect.DeepEqual(x.Shape, y.Shape) || !reflect.DeepEqual(x.FieldNames, y.FieldNames) {
			return fmt.Sprintf("%s: %s %v against %s %v", where, x.DType, x.Shape, y.DType, y.Shape)
		}
		for _, f := range x.FieldNames {
			if d := diff(x.Fields[f], y.Fields[f], where+"."+f, seen, depth+1); d != "" {
				return d
			}
		}
		if xd, ok := x.Data.([]any); ok {
			return diff(xd, y.Data, where, seen, depth+1)
		}
		if !sameData(x.Data, y.Data) {
			return fmt.Sprintf("%s: data differs", where)
		}
		return ""
	case float64:
		y, ok := b.(float64)
		if !ok || !(x == y || math.IsNaN(x) && math.IsNaN(y)) {
			return fmt.Sprintf("%s: %v against %v", where, a, b)
		}
		return ""
	case *Type:
		y, ok := b.(*Type)
		if !ok || *x != *y {
			return fmt.Sprintf("%s: %s against %s", where, Describe(a), Describe(b))
		}
		return ""
	}
	if a != b {
		return fmt.Sprintf("%s: %s %s against %s %s", where, Describe(a), short(a), Describe(b), short(b))
	}
	return ""
}

func short(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.ReplaceAll(s, "\n", " ")
}

func sameData(a, b any) bool {
	x, ok1 := a.([]float64)
	y, ok2 := b.([]float64)
	if !ok1 || !ok2 {
		return reflect.DeepEqual(a, b)
	}
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !(x[i] == y[i] || math.IsNaN(x[i]) && math.IsNaN(y[i])) {
			return false
		}
	}
	return true
}
