package pyobj

import (
	"fmt"
	"testing"
)

func TestAccessors(t *testing.T) {
	o := &Object{Module: "sklearn.linear_model._logistic", Class: "LogisticRegression", State: map[string]any{
		"coef_":    &Array{DType: "<f8", Shape: []int{1, 2}, Data: []float64{0.5, -1}},
		"classes_": &Array{DType: "object", Shape: []int{2}, Data: []any{"no", "yes"}},
		"n_iter_":  &Array{DType: "<i4", Shape: []int{1}, Data: []int64{7}},
		"steps":    []any{},
		"estimators_": &Array{DType: "object", Shape: []int{1, 1}, Data: []any{
			&Object{Module: "sklearn.tree._classes", Class: "DecisionTreeRegressor"}}},
		"max_iter":   int64(100),
		"C":          1.0,
		"fitted":     true,
		"penalty":    "l2",
		"intercept_": nil,
	}}
	tests := []struct {
		name string
		get  func() (any, error)
		want string
	}{
		{"floats", func() (any, error) { return o.Float64s("coef_") }, "[0.5 -1]"},
		{"ints as floats", func() (any, error) { return o.Float64s("n_iter_") }, "[7]"},
		{"ints", func() (any, error) { return o.Int64s("n_iter_") }, "[7]"},
		{"object strings", func() (any, error) { return o.Strings("classes_") }, "[no yes]"},
		{"int", func() (any, error) { return o.Int("max_iter") }, "100"},
		{"float from int", func() (any, error) { return o.Float("max_iter") }, "100"},
		{"float", func() (any, error) { return o.Float("C") }, "1"},
		{"bool", func() (any, error) { return o.Bool("fitted") }, "true"},
		{"string", func() (any, error) { return o.String("penalty") }, "l2"},
		{"list", func() (any, error) { return o.List("steps") }, "[]"},
		{"objects", func() (any, error) {
			l, err := o.Objects("estimators_")
			if err != nil {
				return nil, err
			}
			return l[0].Class, nil
		}, "DecisionTreeRegressor"},
		{"floats not objects", func() (any, error) { return o.Objects("coef_") }, "LogisticRegression.coef_: want a list of objects, got float array"},
		{"list not floats", func() (any, error) { return o.Float64s("steps") }, "LogisticRegression.steps: want a float array, got list"},
		{"None not array", func() (any, error) { return o.Array("intercept_") }, "LogisticRegression.intercept_: want an array, got None"},
		{"missing", func() (any, error) { return o.Float64s("nope_") }, "LogisticRegression.nope_: missing (is the estimator fitted, and of a supported version?)"},
		{"str not int", func() (any, error) { return o.Int("penalty") }, "LogisticRegression.penalty: want an int, got str"},
		{"floats not strings", func() (any, error) { return o.Strings("coef_") }, "LogisticRegression.coef_: want strings, got float array"},
		{"object not dict", func() (any, error) { return o.Dict("coef_") }, "LogisticRegression.coef_: want a dict, got float array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.get()
			got := fmt.Sprint(v)
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
