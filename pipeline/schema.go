package pipeline

import (
	"reflect"
	"slices"
	"strings"

	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/ml/tree"
)

// paramDoc describes one learner parameter for the schema and the docs.
type paramDoc struct {
	Name        string
	Type        string // JSON Schema type: integer, number, boolean, string
	Description string
}

// learnerParamDocs are the parameters people tune most, described. The
// parameters a learner takes are these plus the JSON fields of its
// parameter type (gbdt.Params, tree.Params), each confirmed by building
// the learner.
var learnerParamDocs = map[string][]paramDoc{
	predictor.GBDT: {
		{"n_estimators", "integer", "Boosting rounds (trees). Default 100."},
		{"learning_rate", "number", "Shrinkage of each tree's contribution. Default 0.1."},
		{"num_leaves", "integer", "Most leaves per tree. Default 31."},
		{"max_depth", "integer", "Deepest a tree may grow; 0 or less means no limit. Default -1."},
		{"min_data_in_leaf", "integer", "Fewest rows in a leaf. Default 20."},
		{"feature_fraction", "number", "Share of the features each tree sees. Default 1."},
		{"bagging_fraction", "number", "Share of the rows each tree sees (with bagging_freq > 0). Default 1."},
		{"bagging_freq", "integer", "Resample the rows every this many trees; 0 turns bagging off."},
		{"lambda_l1", "number", "L1 penalty on leaf values. Default 0."},
		{"lambda_l2", "number", "L2 penalty on leaf values. Default 0."},
		{"min_gain_to_split", "number", "Smallest gain that makes a split. Default 0."},
		{"max_bin", "integer", "Most histogram bins per feature. Default 255."},
		{"is_unbalance", "boolean", "Weigh the classes of a binary target as balanced."},
	},
	predictor.RandomForest: {
		{"n_estimators", "integer", "Trees in the forest. Default 100."},
		{"max_depth", "integer", "Deepest a tree may grow; 0 means no limit."},
		{"min_samples_split", "integer", "Fewest rows a node needs to be split. Default 2."},
		{"min_samples_leaf", "integer", "Fewest rows in a leaf. Default 1."},
		{"max_features", "string", "Features tried per split: sqrt, log2, a count or a share. Default sqrt for classifiers."},
		{"max_samples", "number", "Share of the rows each tree's bootstrap draws; 0 means all."},
		{"balanced_class_weight", "boolean", "Weigh the classes as balanced."},
	},
	predictor.LogisticRegression: {
		{"c", "number", "Inverse of the L2 penalty's strength. Default 1."},
		{"max_iter", "integer", "Most solver iterations. Default 100."},
		{"balanced", "boolean", "Weigh the classes as balanced."},
	},
	predictor.Ridge: {
		{"alpha", "number", "Strength of the L2 penalty. Default 1."},
		{"fit_intercept", "boolean", "Fit an intercept. Default true."},
	},
	predictor.LinearRegression: {
		{"fit_intercept", "boolean", "Fit an intercept. Default true."},
	},
}

// learnerParamTypes are the Go types whose JSON fields are a learner's
// parameters, beyond those described above.
var learnerParamTypes = map[string][]reflect.Type{
	predictor.GBDT:         {reflect.TypeFor[gbdt.Params]()},
	predictor.RandomForest: {reflect.TypeFor[tree.Params]()},
}

// learnerParamList returns the parameters learner takes for task, as
// building it confirms, with their descriptions where known.
func learnerParamList(task, learner string) []paramDoc {
	var out []paramDoc
	add := func(p paramDoc) {
		if slices.ContainsFunc(out, func(q paramDoc) bool { return q.Name == p.Name }) {
			return
		}
		if err := tryLearner(task, learner, map[string]any{p.Name: sampleValue(p.Type)}); err != nil && isUnknownParam(err, p.Name) {
			return
		}
		out = append(out, p)
	}
	for _, p := range learnerParamDocs[learner] {
		add(p)
	}
	for _, t := range learnerParamTypes[learner] {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" || name == "objective" || name == "seed" || name == "n_classes" {
				continue
			}
			add(paramDoc{Name: name, Type: jsonType(f.Type)})
		}
	}
	return out
}

// learnerParams returns the names of learnerParamList.
func learnerParams(task, learner string) []string {
	var out []string
	for _, p := range learnerParamList(task, learner) {
		out = append(out, p.Name)
	}
	return out
}

func sampleValue(typ string) any {
	switch typ {
	case "integer":
		return 1
	case "number":
		return 0.5
	case "boolean":
		return true
	case "string":
		return "sqrt"
	}
	return nil
}

// jsonType is the JSON Schema type of a Go type.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Pointer:
		return jsonType(t.Elem())
	}
	return ""
}
