package lightgbm

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir/mlmodel"
)

// small is a hand-written two-tree binary model: tree 0 splits feature 0
// at 0.5 (NaN missing, default left), then feature 1 by category {1, 3};
// tree 1 is a single leaf.
const small = `tree
version=v4
num_class=1
num_tree_per_iteration=1
label_index=0
max_feature_idx=1
objective=binary sigmoid:2
feature_names=a b
feature_infos=[0:1] 1:3:5
tree_sizes=1 1

Tree=0
num_leaves=3
num_cat=1
split_feature=0 1
split_gain=1 1
threshold=0.5 0
decision_type=10 1
left_child=-1 -2
right_child=1 -3
leaf_value=0.25 -0.5 1
cat_boundaries=0 1
cat_threshold=10
is_linear=0
shrinkage=1


Tree=1
num_leaves=1
num_cat=0
split_feature=
split_gain=
threshold=
decision_type=
left_child=
right_child=
leaf_value=0.125
is_linear=0
shrinkage=1


end of trees

parameters:
[categorical_feature: 1]
end of parameters

pandas_categorical:null
`

func mustParseString(tb testing.TB, s string) *Booster {
	tb.Helper()
	b, err := Parse(strings.NewReader(s))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestSmallModel(t *testing.T) {
	b := mustParseString(t, small)
	nan := math.NaN()
	tests := []struct {
		a, b float64
		raw  float64
	}{
		{0.5, 0, 0.25 + 0.125},   // on the threshold: left
		{nan, 0, 0.25 + 0.125},   // NaN takes the default side, left
		{0.6, 1, -0.5 + 0.125},   // category 1 is in the set
		{0.6, 3.9, -0.5 + 0.125}, // truncated to 3
		{0.6, 2, 1 + 0.125},
		{0.6, -0.5, 1 + 0.125}, // truncates to 0, not in the set
		{0.6, -1, 1 + 0.125},   // negative: right
		{0.6, nan, 1 + 0.125},
		{0.6, 1e10, 1 + 0.125}, // beyond int32: right
		{0.6, 35, 1 + 0.125},   // beyond the bitset: right
		{math.Inf(1), 1, -0.5 + 0.125},
	}
	raw := make([]float64, 1)
	for _, tt := range tests {
		if err := b.PredictRaw([]float64{tt.a, tt.b}, raw); err != nil {
			t.Fatal(err)
		}
		if raw[0] != tt.raw {
			t.Errorf("PredictRaw(%v, %v) = %v, want %v", tt.a, tt.b, raw[0], tt.raw)
		}
		var p [1]float64
		if err := b.Predict([]float64{tt.a, tt.b}, p[:]); err != nil {
			t.Fatal(err)
		}
		if want := 1 / (1 + math.Exp(-2*tt.raw)); p[0] != want {
			t.Errorf("Predict(%v, %v) = %v, want %v", tt.a, tt.b, p[0], want)
		}
	}
	if got := b.FeatureNames(); strings.Join(got, ",") != "a,b" {
		t.Errorf("FeatureNames() = %q, want a, b", got)
	}
	if got := b.Objective(); got.Name != "binary" || got.Sigmoid != 2 {
		t.Errorf("Objective() = %+v, want binary with sigmoid 2", got)
	}
	if got := b.Categorical(); got[0] || !got[1] {
		t.Errorf("Categorical() = %v, want [false true]", got)
	}
	if got := b.Iterations(1).NumIterations(); got != 1 {
		t.Errorf("Iterations(1).NumIterations() = %d, want 1", got)
	}
}

func TestNumericalDecisions(t *testing.T) {
	nan, tiny := math.NaN(), 1e-36
	tests := []struct {
		name        string
		op          uint8
		defaultLeft bool
		x           float64
		left        bool
	}{
		{"none: below", opNumber, false, -1, true},
		{"none: NaN reads as 0 <= 0.5", opNumber, false, nan, true},
		{"none: above", opNumber, true, 1, false},
		{"zero: tiny is zero, default right", opZeroMissing, false, tiny, false},
		{"zero: -0 default left", opZeroMissing, true, math.Copysign(0, -1), true},
		{"zero: NaN is zero", opZeroMissing, false, nan, false},
		{"zero: 1e-30 is not zero", opZeroMissing, false, 1e-30, true},
		{"nan: NaN default right", opNaNMissing, false, nan, false},
		{"nan: zero compares", opNaNMissing, false, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := node{threshold: 0.5, left: -1, right: -2, op: tt.op, defaultLeft: tt.defaultLeft}
			switch tt.op {
			case opNumber:
				n.nan = n.left // 0 <= 0.5
			case opNaNMissing:
				n.nan = n.side()
			}
			tr := tree{nodes: []node{n}}
			got := tr.leaf([]float64{tt.x}) == 0
			if got != tt.left {
				t.Errorf("goes left = %v, want %v", got, tt.left)
			}
		})
	}
}

func TestParseRefusesBadModels(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"empty", small, "", "first line"},
		{"wrong magic", "tree\n", "{\"tree\": 1}\n", "not a LightGBM text model"},
		{"no version", "version=v4\n", "", "no version"},
		{"unknown version", "version=v4", "version=v9", "version"},
		{"no classes", "num_class=1", "num_class=0", "num_class"},
		{"huge class count", "num_class=1", "num_class=99999999999", "num_class"},
		{"names short", "feature_names=a b", "feature_names=a", "feature_names lists 1"},
		{"infos short", "feature_infos=[0:1] 1:3:5", "feature_infos=[0:1]", "feature_infos"},
		{"unknown objective", "objective=binary sigmoid:2", "objective=magic", "magic"},
		{"no sigmoid", "objective=binary sigmoid:2", "objective=binary", "sigmoid"},
		{"truncated", "\n\nTree=1\n", "", "tree sizes"},
		{"feature out of range", "split_feature=0 1", "split_feature=0 7", "feature 7"},
		{"negative feature", "split_feature=0 1", "split_feature=-1 1", "feature -1"},
		{"child cycle", "right_child=1 -3", "right_child=0 -3", "child node 0"},
		{"child out of range", "right_child=1 -3", "right_child=5 -3", "child node 5"},
		{"leaf out of range", "right_child=1 -3", "right_child=1 -9", "child leaf 8"},
		{"huge leaf count", "num_leaves=3\nnum_cat=1", "num_leaves=16000000\nnum_cat=1", "leaf_value has 3 values, want 16000000"},
		{"leaf count beyond cap", "num_leaves=3\nnum_cat=1", "num_leaves=999999999\nnum_cat=1", "num_leaves"},
		{"category set out of range", "threshold=0.5 0", "threshold=0.5 4", "category set 4"},
		{"cat bitset short", "cat_boundaries=0 1", "cat_boundaries=0 2", "cat_threshold has 1 values, want 2"},
		{"cat boundaries decrease", "num_cat=1\nsplit_feature=0 1", "num_cat=2\nsplit_feature=0 1", "cat_boundaries has 2 values, want 3"},
		{"bitset word too big", "cat_threshold=10", "cat_threshold=99999999999", "cat_threshold"},
		{"missing type 3", "decision_type=10 1", "decision_type=14 1", "missing type 3"},
		{"bad number", "leaf_value=0.25 -0.5 1", "leaf_value=0.25 x 1", "leaf_value value 1"},
		{"child not int32", "left_child=-1 -2", "left_child=-1 4294967294", "left_child"},
		{"pandas not JSON", "pandas_categorical:null", "pandas_categorical:[[\"a\"", "pandas_categorical"},
		{"pandas odd category", "pandas_categorical:null", "pandas_categorical:[[{}]]", "pandas_categorical column 0"},
		{"bad categorical_feature", "[categorical_feature: 1]", "[categorical_feature: 9]", "categorical_feature 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := small
			if tt.old == small {
				s = tt.new
			} else {
				if !strings.Contains(s, tt.old) {
					t.Fatalf("model has no %q", tt.old)
				}
				s = strings.Replace(s, tt.old, tt.new, 1)
			}
			_, err := Parse(strings.NewReader(s))
			if err == nil {
				t.Fatalf("Parse succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// TestParseTruncatedAnywhere cuts the model at every byte: Parse must
// return a model or an error, never panic.
func TestParseTruncatedAnywhere(t *testing.T) {
	for n := range len(small) {
		b, err := Parse(strings.NewReader(small[:n]))
		if err == nil {
			// A cut in the trailer leaves a whole model.
			if b.NumIterations() != 2 {
				t.Errorf("cut at %d: model of %d iterations and no error", n, b.NumIterations())
			}
		}
	}
}

func TestPredictChecksLengths(t *testing.T) {
	b := mustParseString(t, small)
	if err := b.PredictRaw([]float64{1}, make([]float64, 1)); err == nil {
		t.Error("PredictRaw of a short row succeeded")
	}
	if err := b.Predict([]float64{1, 2}, nil); err == nil {
		t.Error("Predict into no room succeeded")
	}
	if err := b.PredictBatch([]float64{1, 2, 3}, make([]float64, 2)); err == nil {
		t.Error("PredictBatch of a ragged batch succeeded")
	}
	out := make([]float64, 2)
	if err := b.PredictRawBatch([]float64{0.6, 1, 0.6, 2}, out); err != nil {
		t.Fatal(err)
	}
	if out[0] != -0.375 || out[1] != 1.125 {
		t.Errorf("PredictRawBatch = %v, want [-0.375 1.125]", out)
	}
}

func writeModelDir(t *testing.T, mlmodelText string, files map[string]string) (string, *mlmodel.File) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := mlmodel.ParseFile([]byte(mlmodelText))
	if err != nil {
		t.Fatal(err)
	}
	return dir, f
}

func TestOpenRefuses(t *testing.T) {
	const flavor = "flavors:\n  lightgbm:\n    data: %s\n    model_class: %s\n"
	mk := func(data, class string) string {
		return strings.Replace(strings.Replace(flavor, "%s", data, 1), "%s", class, 1)
	}
	tests := []struct {
		name, mlmodel string
		files         map[string]string
		symlink       bool
		want          string
	}{
		{"no flavor", "flavors:\n  sklearn:\n    data: x\n", nil, false, "no lightgbm flavor"},
		{"sklearn class", mk("model.skops", "lightgbm.sklearn.LGBMClassifier"), nil, false, "scikit-learn-API"},
		{"outside dir", mk("../model.lgb", "lightgbm.basic.Booster"), nil, false, "not a file inside"},
		{"absolute", mk("/etc/passwd", "lightgbm.basic.Booster"), nil, false, "not a file inside"},
		{"missing file", mk("model.lgb", "lightgbm.basic.Booster"), nil, false, "model.lgb"},
		{"symlink", mk("link.lgb", "lightgbm.basic.Booster"), map[string]string{"model.lgb": small}, true, "not a regular file"},
		{"bad model", mk("model.lgb", "lightgbm.basic.Booster"), map[string]string{"model.lgb": "gbtree\n"}, false, "not a LightGBM text model"},
		{"signature too short", mk("model.lgb", "lightgbm.basic.Booster") +
			"signature:\n  inputs: '[{\"type\": \"double\", \"name\": \"a\", \"required\": true}]'\n",
			map[string]string{"model.lgb": small}, false, "signature has 1 inputs"},
		{"string for a number", mk("model.lgb", "lightgbm.basic.Booster") +
			"signature:\n  inputs: '[{\"type\": \"string\", \"name\": \"a\", \"required\": true}, {\"type\": \"double\", \"name\": \"b\", \"required\": true}]'\n",
			map[string]string{"model.lgb": small}, false, "holds strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, f := writeModelDir(t, tt.mlmodel, tt.files)
			if tt.symlink {
				if err := os.Symlink(filepath.Join(dir, "model.lgb"), filepath.Join(dir, "link.lgb")); err != nil {
					t.Skip(err)
				}
			}
			_, err := Open(dir, f)
			if err == nil {
				t.Fatalf("Open succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// TestOpenTensorSignature opens a model logged with a numpy input
// example, whose signature is one tensor: the inputs are then the model's
// feature names.
func TestOpenTensorSignature(t *testing.T) {
	dir, f := writeModelDir(t, "flavors:\n  lightgbm:\n    data: model.lgb\n    model_class: lightgbm.basic.Booster\n"+
		"signature:\n  inputs: '[{\"type\": \"tensor\", \"tensor-spec\": {\"dtype\": \"float64\", \"shape\": [-1, 2]}}]'\n",
		map[string]string{"model.lgb": small})
	s, err := Open(dir, f)
	if err != nil {
		t.Fatal(err)
	}
	in := s.Inputs()
	if len(in) != 2 || in[0].Name != "a" || in[1].Name != "b" {
		t.Errorf("Inputs() = %+v, want a and b", in)
	}
	var sc mlmodel.Scores
	sc.Resize(1, 2)
	if err := s.Score([][]any{{0.6, 1.0}}, &sc); err != nil {
		t.Fatal(err)
	}
	if want := 1 / (1 + math.Exp(-2*(-0.375))); sc.Value[0] != want {
		t.Errorf("Score = %v, want %v", sc.Value[0], want)
	}
}
