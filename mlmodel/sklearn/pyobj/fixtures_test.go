package pyobj

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixtureDir = "../../../tests/reference/fixtures/pyobj"

// expected is fixtures/pyobj/expected.json, written by gen_pyobj.py.
type expected struct {
	Models map[string]struct {
		Module, Class string
		Files         []string
		Attrs         []expectedAttr
	}
}

type expectedAttr struct {
	Path   []any
	DType  string
	Shape  []int
	Head   json.RawMessage
	Float  *float64
	Int    *int64
	Bool   *bool
	String *string
	Len    int
}

func readExpected(t *testing.T) expected {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e expected
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// readFixture reads one fixture file with the reader its name asks for.
func readFixture(name string, allow Allow) (any, error) {
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(name, ".skops") {
		return ReadSkops(bytes.NewReader(b), int64(len(b)), allow)
	}
	return ReadPickle(bytes.NewReader(b), allow)
}

// walk follows path (attribute and dict keys, list indices) from v.
func walk(v any, path []any) (any, error) {
	for i, p := range path {
		switch k := p.(type) {
		case string:
			switch x := v.(type) {
			case *Object:
				v = x.State[k]
			case map[string]any:
				v = x[k]
			default:
				return nil, fmt.Errorf("at %d (%s): %s has no keys", i, k, Describe(v))
			}
		case float64:
			l, ok := v.([]any)
			if a, isArr := v.(*Array); isArr {
				l, ok = a.Data.([]any)
			}
			if !ok || int(k) >= len(l) {
				return nil, fmt.Errorf("at %d: cannot index %s with %d", i, Describe(v), int(k))
			}
			v = l[int(k)]
		}
	}
	return v, nil
}

// The tolerance is exact: the values are the same float64s, read back.
func TestFixturesMatchPython(t *testing.T) {
	exp := readExpected(t)
	allow := DefaultAllow()
	for name, m := range exp.Models {
		for _, file := range m.Files {
			t.Run(file, func(t *testing.T) {
				v, err := readFixture(file, allow)
				if m.Class == "FunctionTransformer" {
					// FunctionTransformer(np.log1p): the function is refused.
					var re *RefusedError
					if !errors.As(err, &re) || re.Name != "numpy.log1p" {
						t.Fatalf("got error %v, want numpy.log1p refused", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				o, ok := v.(*Object)
				if !ok || o.Class != m.Class {
					t.Fatalf("%s: got %s, want a %s", name, Describe(v), m.Class)
				}
				for _, a := range m.Attrs {
					checkAttr(t, v, a)
				}
			})
		}
	}
}

func checkAttr(t *testing.T, root any, a expectedAttr) {
	t.Helper()
	where := fmt.Sprint(a.Path...)
	v, err := walk(root, a.Path)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	switch {
	case a.Float != nil:
		f, ok := v.(float64)
		if !ok || !(f == *a.Float || math.IsNaN(f) && math.IsNaN(*a.Float)) {
			t.Errorf("%s: got %s, want %v", where, Describe(v), *a.Float)
		}
	case a.Int != nil:
		if n, ok := v.(int64); !ok || n != *a.Int {
			t.Errorf("%s: got %s %v, want %d", where, Describe(v), v, *a.Int)
		}
	case a.Bool != nil:
		if b, ok := v.(bool); !ok || b != *a.Bool {
			t.Errorf("%s: got %s %v, want %v", where, Describe(v), v, *a.Bool)
		}
	case a.String != nil:
		s, ok := v.(string)
		if !ok || len(s) != a.Len || !strings.HasPrefix(s, *a.String) {
			t.Errorf("%s: got %s, want a string of %d starting %q", where, Describe(v), a.Len, *a.String)
		}
	default:
		arr, ok := v.(*Array)
		if !ok {
			t.Errorf("%s: got %s, want an array", where, Describe(v))
			return
		}
		if arr.DType != a.DType || fmt.Sprint(arr.Shape) != fmt.Sprint(a.Shape) {
			t.Errorf("%s: got %s %v, want %s %v", where, arr.DType, arr.Shape, a.DType, a.Shape)
		}
		if arr.Fields != nil {
			var heads map[string]json.RawMessage
			if err := json.Unmarshal(a.Head, &heads); err != nil {
				t.Errorf("%s: %v", where, err)
				return
			}
			for f, h := range heads {
				checkHead(t, where+"."+f, arr.Fields[f], h)
			}
			return
		}
		checkHead(t, where, arr, a.Head)
	}
}

func checkHead(t *testing.T, where string, arr *Array, head json.RawMessage) {
	t.Helper()
	if arr == nil {
		t.Errorf("%s: missing", where)
		return
	}
	var want []any
	if err := json.Unmarshal(head, &want); err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	if len(want) > arr.Len() {
		t.Errorf("%s: got %d elements, want at least %d", where, arr.Len(), len(want))
		return
	}
	for i, w := range want {
		var got any
		switch d := arr.Data.(type) {
		case []float64:
			got = d[i]
			if w == nil && math.IsInf(d[i], 0) || w == nil && math.IsNaN(d[i]) {
				continue
			}
		case []int64:
			got = float64(d[i])
		case []string:
			got = d[i]
		case []any:
			got = d[i]
		}
		if got != w {
			t.Errorf("%s[%d]: got %v, want %v", where, i, got, w)
		}
	}
}
