package sklearn

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

func fixturePath(name string) string {
	return filepath.Join("..", "..", "tests", "reference", "fixtures", "sklearn", "1.9", name+".json")
}

// decodeFixture returns the decoded model state of a fixture.
func decodeFixture(t *testing.T, name string) (fixture, *pyobj.Object) {
	t.Helper()
	f, _ := loadFixture(t, fixturePath(name))
	root, err := decodePy(f.Model)
	if err != nil {
		t.Fatal(err)
	}
	return f, root.(*pyobj.Object)
}

// finalStep returns the last step of a Pipeline, or o itself.
func finalStep(o *pyobj.Object) *pyobj.Object {
	if o.Class != "Pipeline" {
		return o
	}
	steps := o.State["steps"].([]any)
	return steps[len(steps)-1].([]any)[1].(*pyobj.Object)
}

func field(o *pyobj.Object, array, name string) []int64 {
	return o.State[array].(*pyobj.Array).Fields[name].Data.([]int64)
}

func TestBuildRefuses(t *testing.T) {
	tests := []struct {
		fixture string
		breakIt func(root *pyobj.Object)
		want    string
	}{
		{"iris_tree", func(r *pyobj.Object) {
			field(r.State["tree_"].(*pyobj.Object), "nodes", "left_child")[0] = 999
		}, "node 0 has children 999"},
		{"iris_tree", func(r *pyobj.Object) {
			field(r.State["tree_"].(*pyobj.Object), "nodes", "right_child")[0] = 0
		}, "out of range"},
		{"iris_tree", func(r *pyobj.Object) {
			field(r.State["tree_"].(*pyobj.Object), "nodes", "feature")[0] = 4
		}, "node 0 splits on feature 4 of 4"},
		{"iris_tree", func(r *pyobj.Object) {
			r.State["tree_"].(*pyobj.Object).State["values"].(*pyobj.Array).Shape[2] = 2
		}, "values"},
		{"iris_forest", func(r *pyobj.Object) {
			t := r.State["estimators_"].([]any)[3].(*pyobj.Object).State["tree_"].(*pyobj.Object)
			field(t, "nodes", "left_child")[1] = -7
		}, "estimators_[3].tree_: node 1"},
		{"iris_logreg", func(r *pyobj.Object) {
			r.State["coef_"].(*pyobj.Array).Shape = []int{4, 3}
		}, "coef_ has shape (4, 3), want (3, 4)"},
		{"diabetes_linear", func(r *pyobj.Object) {
			a := r.State["coef_"].(*pyobj.Array)
			a.Shape = []int{2, 5}
		}, "only a single target"},
		{"iris_tree", func(r *pyobj.Object) {
			r.Module, r.Class = "sklearn.svm._classes", "SVC"
		}, "sklearn.svm._classes.SVC is not supported by the native scikit-learn scorer; serve the model with Python (weir models serve --env-manager local)"},
		{"mixed_logreg", func(r *pyobj.Object) {
			finalStep(r).Class = "LinearSVC"
		}, `Pipeline.steps["model"]: sklearn.linear_model._logistic.LinearSVC is not supported`},
		{"iris_tree", func(r *pyobj.Object) {
			r.State["_sklearn_version"] = "1.4.2"
		}, "scikit-learn 1.4.2 is not supported by this build: supported 1.8, 1.9"},
		{"mixed_gb", func(r *pyobj.Object) {
			finalStep(r).State["_sklearn_version"] = "1.10.0"
		}, "scikit-learn 1.10.0 is not supported"},
		{"iris_tree", func(r *pyobj.Object) {
			delete(r.State, "_sklearn_version")
		}, "no _sklearn_version"},
		{"iris_hgb", func(r *pyobj.Object) {
			p := r.State["_predictors"].([]any)[2].([]any)[1].(*pyobj.Object)
			field(p, "nodes", "right")[0] = 1000
		}, "_predictors[2][1]: node 0 has children"},
		{"iris_hgb", func(r *pyobj.Object) {
			p := r.State["_predictors"].([]any)[0].([]any)[0].(*pyobj.Object)
			field(p, "nodes", "feature_idx")[0] = -1
		}, "splits on feature -1 of 4"},
		{"variant_hgb_categorical", func(r *pyobj.Object) {
			for _, it := range finalStep(r).State["_predictors"].([]any) {
				for _, p := range it.([]any) {
					nodes := p.(*pyobj.Object).State["nodes"].(*pyobj.Array)
					for i, c := range nodes.Fields["is_categorical"].Data.([]int64) {
						if c != 0 {
							nodes.Fields["bitset_idx"].Data.([]int64)[i] = 50
							return
						}
					}
				}
			}
		}, "uses category bitset 50"},
		{"iris_gb", func(r *pyobj.Object) {
			r.State["estimators_"].(*pyobj.Array).Shape = []int{3, 5}
		}, "estimators_ is an array of shape (3, 5), want (n_estimators, 3)"},
		{"mixed_tree", func(r *pyobj.Object) {
			ct := r.State["steps"].([]any)[0].([]any)[1].(*pyobj.Object)
			ct.State["_transformer_to_input_indices"].(map[string]any)["cat"] = []any{int64(3), int64(9)}
		}, `transformer "cat" reads column 9 of 5`},
		{"mixed_tree", func(r *pyobj.Object) {
			finalStep(r).State["n_features_in_"] = int64(3)
		}, "the tree was built for 12 features, its estimator for 3"},
		{"mixed_linear_link", nil, "writes 12 columns but step 1 (LinearRegression) reads 3"},
		{"variant_onehot", func(r *pyobj.Object) {
			ct := r.State["steps"].([]any)[0].([]any)[1].(*pyobj.Object)
			city := ct.State["transformers_"].([]any)[2].([]any)[1].(*pyobj.Object)
			enc := city.State["steps"].([]any)[1].([]any)[1].(*pyobj.Object)
			m := enc.State["_default_to_infrequent_mappings"].([]any)[0].(*pyobj.Array)
			m.Data.([]int64)[0] = 40
		}, "encodes to column 40 of 4"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+"/"+tt.want, func(t *testing.T) {
			if tt.breakIt == nil { // a linear model reading fewer columns
				tt.fixture, tt.breakIt = "mixedreg_linear", func(r *pyobj.Object) {
					m := finalStep(r)
					m.State["n_features_in_"] = int64(3)
					m.State["coef_"] = &pyobj.Array{DType: "<f8", Shape: []int{3}, Data: []float64{1, 2, 3}}
				}
			}
			_, root := decodeFixture(t, tt.fixture)
			tt.breakIt(root)
			_, err := Build(root)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Build error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestBuildNotAnEstimator(t *testing.T) {
	for _, v := range []any{nil, "x", []any{}, &pyobj.Array{}} {
		if _, err := Build(v); err == nil || !strings.Contains(err.Error(), "not a scikit-learn estimator") {
			t.Errorf("Build(%s) error = %v", pyobj.Describe(v), err)
		}
	}
}

// TestBuildHostile replaces, one at a time, every attribute of every
// object in a few models with values of the wrong kind or size: Build must
// fail with an error or give an estimator that scores without panicking.
func TestBuildHostile(t *testing.T) {
	if testing.Short() {
		t.Skip("walks every attribute of several models")
	}
	bad := []func() any{
		func() any { return nil },
		func() any { return "x" },
		func() any { return int64(-1) },
		func() any { return int64(1 << 40) },
		func() any { return []any{} },
		func() any { return &pyobj.Array{DType: "<f8", Shape: []int{0}, Data: []float64{}} },
		func() any { return &pyobj.Array{DType: "<i8", Shape: []int{1 << 20}, Data: []int64{1}} },
	}
	for _, name := range []string{"mixed_logreg", "mixed_gb", "variant_onehot", "variant_ordinal", "variant_hgb_categorical", "iris_forest", "diabetes_hgb"} {
		t.Run(name, func(t *testing.T) {
			f, root := decodeFixture(t, name)
			rows := rowsOf(t, f)
			inputs := make([]mlmodel.Input, len(f.Columns))
			for i, c := range f.Columns {
				inputs[i] = mlmodel.Input{Name: c}
			}
			visit(root, func(o *pyobj.Object, key string) {
				old := o.State[key]
				for i, b := range bad {
					o.State[key] = b()
					func() {
						defer func() {
							if p := recover(); p != nil {
								t.Errorf("%s.%s = bad value %d: panic %v", o.Class, key, i, p)
							}
						}()
						est, err := Build(root)
						if err != nil {
							return
						}
						s, err := NewScorer(est, inputs, PredictFn)
						if err != nil {
							return
						}
						var out mlmodel.Scores
						out.Resize(len(rows), len(s.Output().Classes))
						_ = s.Score(rows, &out)
					}()
				}
				o.State[key] = old
			})
		})
	}
}

// visit calls fn for every attribute of every object reachable from v.
func visit(v any, fn func(o *pyobj.Object, key string)) {
	switch v := v.(type) {
	case *pyobj.Object:
		keys := make([]string, 0, len(v.State))
		for k := range v.State {
			keys = append(keys, k)
		}
		for _, k := range keys {
			visit(v.State[k], fn)
			fn(v, k)
		}
		for _, a := range v.Args {
			visit(a, fn)
		}
	case []any:
		for _, x := range v {
			visit(x, fn)
		}
	case map[string]any:
		for _, x := range v {
			visit(x, fn)
		}
	case *pyobj.Array:
		if d, ok := v.Data.([]any); ok {
			for _, x := range d {
				visit(x, fn)
			}
		}
	}
}
