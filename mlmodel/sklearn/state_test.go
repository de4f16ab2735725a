package sklearn

import (
	"testing"

	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

// TestScalars checks that NumPy scalars, which a reader may give as
// zero-dimensional arrays, read as Python numbers do.
func TestScalars(t *testing.T) {
	o := obj{o: &pyobj.Object{Class: "X", State: map[string]any{
		"i":  &pyobj.Array{DType: "<i8", Data: []int64{7}},
		"f":  &pyobj.Array{DType: "<f8", Data: []float64{0.25}},
		"b":  &pyobj.Array{DType: "|b1", Data: []int64{1}},
		"pi": int64(3),
		"pf": 0.5,
	}}, path: "X"}
	if got, err := o.integer("i"); err != nil || got != 7 {
		t.Errorf("integer(i) got %d, %v, want 7", got, err)
	}
	if got, err := o.integer("pi"); err != nil || got != 3 {
		t.Errorf("integer(pi) got %d, %v, want 3", got, err)
	}
	if got, err := o.float("f"); err != nil || got != 0.25 {
		t.Errorf("float(f) got %v, %v, want 0.25", got, err)
	}
	if got, err := o.float("pf"); err != nil || got != 0.5 {
		t.Errorf("float(pf) got %v, %v, want 0.5", got, err)
	}
	if got, err := o.boolean("b", false); err != nil || !got {
		t.Errorf("boolean(b) got %v, %v, want true", got, err)
	}
	if _, err := o.integer("f"); err == nil {
		t.Errorf("integer(f) gave no error for a float")
	}
	if _, err := o.integer("missing"); err == nil {
		t.Errorf("integer(missing) gave no error")
	}
}
