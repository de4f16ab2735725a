package xgboost

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadDoc reads a JSON fixture model as a generic document to mutate.
func loadDoc(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// at walks a document by object keys and array indices.
func at(doc any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			doc = doc.(map[string]any)[k]
		case int:
			doc = doc.([]any)[k]
		}
	}
	return doc
}

func learner(doc map[string]any) map[string]any { return at(doc, "learner").(map[string]any) }

func firstTree(doc map[string]any) map[string]any {
	gb := at(doc, "learner", "gradient_booster").(map[string]any)
	if gb["name"] == "dart" {
		gb = gb["gbtree"].(map[string]any)
	}
	return at(gb, "model", "trees", 0).(map[string]any)
}

func TestParseRefusesBadModels(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		mutate  func(doc map[string]any)
		want    string
	}{
		{"unsupported objective", "binary_booster_json", func(d map[string]any) {
			at(d, "learner", "objective").(map[string]any)["name"] = "rank:pairwise"
		}, `objective "rank:pairwise" is not supported`},
		{"gblinear", "binary_booster_json", func(d map[string]any) {
			at(d, "learner", "gradient_booster").(map[string]any)["name"] = "gblinear"
		}, `booster "gblinear" is not supported`},
		{"multi-target", "regression_absoluteerror_json", func(d map[string]any) {
			at(d, "learner", "learner_model_param").(map[string]any)["num_target"] = "2"
		}, "multi-target"},
		{"vector leaves", "binary_booster_json", func(d map[string]any) {
			firstTree(d)["tree_param"].(map[string]any)["size_leaf_vector"] = "3"
		}, "vector leaves"},
		{"child out of range", "binary_booster_json", func(d map[string]any) {
			firstTree(d)["left_children"].([]any)[0] = 9999
		}, "outside"},
		{"negative child", "binary_booster_json", func(d map[string]any) {
			firstTree(d)["right_children"].([]any)[0] = -7
		}, "outside"},
		{"cycle", "binary_booster_json", func(d map[string]any) {
			firstTree(d)["left_children"].([]any)[0] = 0
		}, "reached twice"},
		{"feature out of range", "binary_booster_json", func(d map[string]any) {
			firstTree(d)["split_indices"].([]any)[0] = 8
		}, "splits on feature 8"},
		{"short array", "binary_booster_json", func(d map[string]any) {
			t := firstTree(d)
			t["split_conditions"] = t["split_conditions"].([]any)[:1]
		}, "split_conditions"},
		{"tree_info out of range", "multiclass_softprob_json", func(d map[string]any) {
			at(d, "learner", "gradient_booster", "model", "tree_info").([]any)[0] = 3
		}, "tree_info[0] is 3"},
		{"iteration_indptr wrong", "binary_booster_json", func(d map[string]any) {
			at(d, "learner", "gradient_booster", "model").(map[string]any)["iteration_indptr"] = []any{0, 2}
		}, "iteration_indptr"},
		{"base_score not a number", "binary_booster_json", func(d map[string]any) {
			at(d, "learner", "learner_model_param").(map[string]any)["base_score"] = "[abc]"
		}, "base_score"},
		{"base_score outside (0,1)", "binary_booster_json", func(d map[string]any) {
			at(d, "learner", "learner_model_param").(map[string]any)["base_score"] = "1.5E0"
		}, "must be in (0, 1)"},
		{"base_score count", "multiclass_softprob_json", func(d map[string]any) {
			at(d, "learner", "learner_model_param").(map[string]any)["base_score"] = "[1E0,2E0]"
		}, "2 values for 3 outputs"},
		{"huge num_class", "multiclass_softprob_json", func(d map[string]any) {
			at(d, "learner", "learner_model_param").(map[string]any)["num_class"] = "99999999999"
		}, "num_class"},
		{"dart weights", "dart_regression_json", func(d map[string]any) {
			gb := at(d, "learner", "gradient_booster").(map[string]any)
			gb["weight_drop"] = gb["weight_drop"].([]any)[:1]
		}, "tree weights"},
		{"category set out of range", "categorical_classifier_json", func(d map[string]any) {
			t := catTree(d)
			t["categories_segments"].([]any)[0] = 1 << 30
		}, "outside the"},
		{"huge category", "categorical_classifier_json", func(d map[string]any) {
			catTree(d)["categories"].([]any)[0] = 1 << 40
		}, "outside [0, 16777216)"},
		{"category set on a numerical split", "categorical_classifier_json", func(d map[string]any) {
			t := catTree(d)
			t["categories_nodes"].([]any)[0] = 0
			t["split_type"].([]any)[0] = 0
		}, "not a categorical split"},
		{"bad category offsets", "categorical_classifier_json", func(d map[string]any) {
			enc := at(d, "learner", "gradient_booster", "model", "cats", "enc").([]any)
			for _, e := range enc {
				if o, ok := e.(map[string]any)["offsets"].([]any); ok && len(o) > 1 {
					o[1] = 1 << 30
				}
			}
		}, "offsets"},
		{"feature names count", "binary_booster_json", func(d map[string]any) {
			l := learner(d)
			l["feature_names"] = l["feature_names"].([]any)[:2]
		}, "feature names"},
		{"not an object", "binary_booster_json", func(d map[string]any) {
			l := learner(d)
			l["gradient_booster"] = []any{1}
		}, "want an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := loadDoc(t, tt.fixture)
			tt.mutate(doc)
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(bytes.NewReader(b), "json")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// catTree returns the first tree with a categorical split.
func catTree(doc map[string]any) map[string]any {
	for _, t := range at(doc, "learner", "gradient_booster", "model", "trees").([]any) {
		tm := t.(map[string]any)
		if len(tm["categories_nodes"].([]any)) > 0 {
			return tm
		}
	}
	panic("fixture has no categorical split")
}

func TestParseFormats(t *testing.T) {
	tests := []struct {
		format, want string
	}{
		{"xgb", "legacy binary"},
		{"deprecated", "legacy binary"},
		{"yaml", `unknown model format "yaml"`},
	}
	for _, tt := range tests {
		_, err := Parse(strings.NewReader("{}"), tt.format)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(format %q): got error %v, want one containing %q", tt.format, err, tt.want)
		}
	}
	if _, err := Parse(strings.NewReader(`{"learner": 1} x`), "json"); err == nil {
		t.Error("Parse of JSON with trailing data: no error")
	}
}

func TestParseBaseScore(t *testing.T) {
	tests := []struct {
		in   string
		want []float32
	}{
		{"5E-1", []float32{0.5}},
		{"[0E0,1.5E0,-2E0]", []float32{0, 1.5, -2}},
		{"1.2345678E2", []float32{123.45678}},
	}
	for _, tt := range tests {
		got, err := parseBaseScore(tt.in)
		if err != nil {
			t.Fatalf("parseBaseScore(%q): %v", tt.in, err)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("parseBaseScore(%q): got %v, want %v", tt.in, got, tt.want)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("parseBaseScore(%q)[%d]: got %v, want %v", tt.in, i, got[i], tt.want[i])
			}
		}
	}
	for _, bad := range []string{"", "[]", "nan", "inf", "[1E0,x]"} {
		if _, err := parseBaseScore(bad); err == nil {
			t.Errorf("parseBaseScore(%q): no error", bad)
		}
	}
}

// TestCategoricalDecision checks XGBoost's rule on a node whose set is
// {1, 3, 70}: in the set goes right; anything else, a negative or huge
// value, goes left; fractions truncate.
func TestCategoricalDecision(t *testing.T) {
	tr := tree{catBits: []uint64{1<<1 | 1<<3, 1 << (70 - 64)}}
	r := catRange{0, 2}
	tests := []struct {
		v    float32
		want bool
	}{
		{1, true}, {3, true}, {70, true}, {3.9, true},
		{0, false}, {2, false}, {69, false}, {128, false}, {-1, false}, {-0.5, false},
		{1 << 24, false}, {float32(math.Inf(1)), false},
	}
	for _, tt := range tests {
		if got := tr.inSet(r, tt.v); got != tt.want {
			t.Errorf("inSet(%v): got %v, want %v", tt.v, got, tt.want)
		}
	}
}

// TestParseOlderLayouts reads a 3.2 model rewritten the way older XGBoost
// versions wrote it (a scalar base_score, no iteration_indptr, no cats,
// no split_type, default_left as booleans) and requires the same margins.
func TestParseOlderLayouts(t *testing.T) {
	for _, name := range []string{"binary_booster_json", "dart_regression_json"} {
		t.Run(name, func(t *testing.T) {
			want := mustParse(t, filepath.Join(fixtureDir, name, "model.json"), "json")
			doc := loadDoc(t, name)
			p := at(doc, "learner", "learner_model_param").(map[string]any)
			p["base_score"] = strings.Trim(p["base_score"].(string), "[]")
			gb := at(doc, "learner", "gradient_booster").(map[string]any)
			if gb["name"] == "dart" {
				gb = gb["gbtree"].(map[string]any)
			}
			model := gb["model"].(map[string]any)
			delete(model, "iteration_indptr")
			delete(model, "cats")
			for _, tr := range model["trees"].([]any) {
				tm := tr.(map[string]any)
				delete(tm, "split_type")
				for i, v := range tm["default_left"].([]any) {
					tm["default_left"].([]any)[i] = v.(float64) != 0
				}
			}
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(bytes.NewReader(b), "json")
			if err != nil {
				t.Fatal(err)
			}
			rows := [][]float64{make([]float64, want.NumFeature()), make([]float64, want.NumFeature())}
			for j := range rows[0] {
				rows[0][j], rows[1][j] = float64(j)/10-0.3, math.NaN()
			}
			mg, mw := make([]float32, 2), make([]float32, 2)
			if err := got.Margin(rows, mg); err != nil {
				t.Fatal(err)
			}
			if err := want.Margin(rows, mw); err != nil {
				t.Fatal(err)
			}
			if mg[0] != mw[0] || mg[1] != mw[1] {
				t.Errorf("margins: got %v, want %v", mg, mw)
			}
			if got.NumIterations() != want.NumIterations() {
				t.Errorf("iterations: got %d, want %d", got.NumIterations(), want.NumIterations())
			}
		})
	}
}

// TestParseNonFiniteJSON reads the bare NaN and ±Infinity XGBoost's JSON
// writer emits, in fields it ignores and in leaf values, and leaves the
// words alone inside strings.
func TestParseNonFiniteJSON(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtureDir, "binary_booster_json", "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	// The first tree's first loss change and first sum_hessian.
	s = strings.Replace(s, `"loss_changes":[`, `"loss_changes":[NaN,`, 1)
	s = strings.Replace(s, `"sum_hessian":[`, `"sum_hessian":[-Infinity,Infinity,`, 1)
	s = strings.Replace(s, `"feature_names":["`, `"feature_names":["NaN\"Infinity`, 1)
	bst, err := Parse(strings.NewReader(s), "json")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := bst.FeatureNames()[0]; !strings.HasPrefix(got, `NaN"Infinity`) {
		t.Errorf("feature name: got %q, want the words kept", got)
	}
	got, ok := float32Of("-Infinity")
	if !ok || !math.IsInf(float64(got), -1) {
		t.Errorf(`float32Of("-Infinity"): got %v, %v`, got, ok)
	}
	if got := string(quoteNonFinite([]byte(`[NaN,-Infinity,"NaN",Infinity]`))); got != `["NaN","-Infinity","NaN","Infinity"]` {
		t.Errorf("quoteNonFinite: got %s", got)
	}
}
