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
			if name == "" || name == "-" || name == "objective" || name == "seed" || name == "n_classes" || name == "num_class" {
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

// SchemaURI is the JSON Schema dialect Schema writes.
const SchemaURI = "https://json-schema.org/draft/2020-12/schema"

// fieldNote is what the schema says of one key beyond its Go type.
type fieldNote struct {
	desc     string
	enum     []string
	def      any
	required bool
}

// fieldNotes describe every key of a spec, by path ("[]" for a list's
// items, "*" for a mapping's values). A test checks that every key of Spec
// has one, so the schema and docs/pipeline.md cannot forget a key.
var fieldNotes = map[string]fieldNote{
	"name":       {desc: "The pipeline's name: letters, digits, '.', '_' or '-'. Names the cache entries and the parent run.", required: true},
	"experiment": {desc: "The tracking experiment every run is logged to (created when missing).", required: true},
	"seed":       {desc: "Seeds every random choice (splits, folds, searches, learners), so a rerun gives the same result.", def: 0},
	"task":       {desc: "binary, multiclass or regression. Empty: inferred from the target (two values: binary; text or few whole numbers: multiclass; other numbers: regression).", enum: specTasks},

	"business":                        {desc: "Business understanding: the question, the decision the model serves and how it is judged in money."},
	"business.question":               {desc: "The question the model answers, in words."},
	"business.objective":              {desc: "What the business wants to improve."},
	"business.decision":               {desc: "The decision taken from the model's output."},
	"business.cost_per_contact":       {desc: "Cost of acting on one positive prediction (a call, a mail). Binary tasks: sets the profit-maximising threshold.", def: 0},
	"business.value_per_conversion":   {desc: "Value of one true positive. Required (> 0) for binary tasks."},
	"business.min_auc":                {desc: "The holdout ROC AUC the model must reach to meet the success criterion (0 to 1).", def: 0},
	"business.beat_contact_everyone":  {desc: "Also require more profit than acting on everyone.", def: false},
	"business.success_criterion":      {desc: "The success criterion in words, for the model card."},
	"business.costs":                  {desc: "Multiclass tasks: what mistakes cost. Each entry prices predicting one class for a row of another; the model then decides the class of least expected cost, and the holdout reports the cost per row against the best constant guess."},
	"business.costs[].actual":         {desc: "The row's true class."},
	"business.costs[].predicted":      {desc: "The class predicted for it (another class)."},
	"business.costs[].cost":           {desc: "The cost of that mistake (0 or more)."},
	"business.misclassification_cost": {desc: "Multiclass tasks with costs: the cost of a mistake that costs does not list.", def: 1},
	"business.under_cost":             {desc: "Regression: the cost of each unit a prediction falls short of the truth. With over_cost, the model answers the value of least expected cost (its prediction shifted by the matching quantile of its out-of-fold errors)."},
	"business.over_cost":              {desc: "Regression: the cost of each unit a prediction overshoots the truth (see under_cost)."},

	"data":          {desc: "Where the data comes from and what it holds."},
	"data.name":     {desc: "The dataset's name, as logged to tracking."},
	"data.path":     {desc: "A CSV file (comma or semicolon separated) or a Parquet file (column types kept), local or an `s3://bucket/key` object (copied into the state directory at each run). Relative paths are read from the working directory; `--data` overrides it."},
	"data.url":      {desc: "Where to download the data when path is empty; the download is cached."},
	"data.member":   {desc: "The CSV inside a (possibly nested) zip download."},
	"data.sha256":   {desc: "SHA-256 of the file's bytes, checked when the file is a plain CSV."},
	"data.digest":   {desc: "Digest of the parsed content (the same for comma and semicolon forms), always checked."},
	"data.target":   {desc: "The column the model predicts.", required: true},
	"data.positive": {desc: "Binary tasks: the positive class. Default: the last value in sorted order."},
	"data.leakage":  {desc: "Columns known only after the outcome: reported and never used as features."},
	"data.derived":  {desc: "Columns computed as the data is read, before any step (for the split and monitoring)."},
	"data.derived[].type": {desc: "year_from_month_sequence: rows in time order with a month name and no year; a month earlier than the previous row's starts a new year.",
		enum: derivedTypes, required: true},
	"data.derived[].name":       {desc: "The new column's name.", required: true},
	"data.derived[].column":     {desc: "The column it is computed from.", required: true},
	"data.derived[].start_year": {desc: "The first row's year.", required: true},

	"split":                  {desc: "How the holdout is set aside. Cross-validation within the training rows follows the same kind."},
	"split.kind":             {desc: "time: train on the past, hold out the future; random: a seeded share (stratified for classification); group: whole groups on one side; column: a column says train or holdout.", enum: splitKinds, required: true},
	"split.column":           {desc: "time: the date, datetime or numeric column that orders rows; group: the group column; column: the column that marks holdout rows."},
	"split.cutoff":           {desc: "time: rows at or after this number, date (2009-01-01) or RFC 3339 datetime are the holdout. Give this or holdout_fraction."},
	"split.holdout_fraction": {desc: "The share of rows held out: the latest for time, a random share for random and group (0 to 1)."},
	"split.holdout_values":   {desc: "column: the values that mark holdout rows.", def: []string{"holdout", "test"}},

	"validation":                    {desc: "Expectations on the columns, checked before anything is fitted."},
	"validation.columns":            {desc: "One rule per column."},
	"validation.columns[].name":     {desc: "The column.", required: true},
	"validation.columns[].kind":     {desc: "The column's kind.", enum: columnKinds},
	"validation.columns[].required": {desc: "No missing value allowed.", def: false},
	"validation.columns[].min":      {desc: "Smallest value allowed."},
	"validation.columns[].max":      {desc: "Largest value allowed."},
	"validation.columns[].values":   {desc: "The values allowed."},

	"prepare":         {desc: "Feature engineering: columns dropped, derived features and the preprocessing steps."},
	"prepare.drop":    {desc: "Columns never used as features."},
	"prepare.derived": {desc: "Features computed before the steps: ratio, flag or replace_with_nan."},
	"prepare.steps":   {desc: "Preprocessing steps, each transforming its columns in order. Columns in no step are not features."},

	"model":                     {desc: "Modeling: the candidate learners, their search spaces and how trials are scored."},
	"model.validation_fraction": {desc: "Scores trials on the latest share of the training period (0 to 0.5), when folds is 0."},
	"model.folds":               {desc: "Scores trials by k-fold cross-validation (2 to 10) within the training period instead.", def: 0},
	"model.cv":                  {desc: "How the folds are cut: stratified, kfold, forward (over the time split's column) or group (over the group split's column). Empty follows the split kind.", enum: cvKinds},
	"model.candidates":          {desc: "The learners tried, each with fixed params and a search space.", required: true},
	"model.candidates[].learner": {desc: "gbdt, random_forest, logistic_regression (classification); gbdt, random_forest, ridge, linear_regression (regression).",
		enum: knownLearners, required: true},
	"model.candidates[].search":         {desc: "grid tries every point (3 steps per range); random draws trials points.", enum: []string{"grid", "random"}, required: true},
	"model.candidates[].trials":         {desc: "Points a random search draws."},
	"model.candidates[].params":         {desc: "Fixed parameters of the learner (LightGBM's names for gbdt, scikit-learn's for the others)."},
	"model.candidates[].space":          {desc: "Search dimensions by parameter name."},
	"model.candidates[].space.*":        {desc: "Exactly one of choice, int or float."},
	"model.candidates[].space.*.choice": {desc: "The values tried."},
	"model.candidates[].space.*.int":    {desc: "[lo, hi]: whole numbers."},
	"model.candidates[].space.*.float":  {desc: "[lo, hi]: real numbers."},
	"model.candidates[].space.*.log":    {desc: "Search a float range on a log scale (lo > 0).", def: false},

	"evaluation":                  {desc: "Evaluation on the holdout."},
	"evaluation.calibration_bins": {desc: "Bins of the calibration curve.", def: 10},
	"evaluation.gains_bins":       {desc: "Bins of the gains and lift tables.", def: 10},

	"registry":                {desc: "The registered model and its promotion rule."},
	"registry.model_name":     {desc: "The registered model's name.", required: true},
	"registry.promote_margin": {desc: "How much higher the challenger's holdout score must be than the champion's to become champion.", def: 0},

	"deploy":       {desc: "The container image."},
	"deploy.image": {desc: "The image's tag, built as an OCI layout."},

	"monitoring":                {desc: "The replay of the holdout through the model, period by period."},
	"monitoring.period_column":  {desc: "The column naming each row's period. Default: the time split's column; without one, windows of rows."},
	"monitoring.replay_periods": {desc: "The periods replayed. Default: every period of the holdout, in order."},
	"monitoring.window_size":    {desc: "Predictions per performance window."},
	"monitoring.drift_share":    {desc: "The share of drifted features that calls for retraining (0 to 1)."},
	"monitoring.max_auc_drop":   {desc: "The fall of a window's ROC AUC below the validation AUC that calls for retraining."},
}

// Schema returns the JSON Schema (draft 2020-12) of a pipeline spec, made
// from the Go types, the notes above, the learners' parameters and the
// transforms' fields. Editors read it through a first line such as
//
//	# yaml-language-server: $schema=pipeline.schema.json
func Schema() map[string]any {
	s := schemaOf(reflect.TypeFor[Spec](), "")
	s["$schema"] = SchemaURI
	s["title"] = "Weir pipeline spec"
	s["description"] = "A CRISP-DM pipeline run by `weir pipeline run`; see docs/pipeline.md."
	return s
}

// schemaOf is the schema of a value of type t at path.
func schemaOf(t reflect.Type, path string) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var s map[string]any
	switch t.Kind() {
	case reflect.Struct:
		props := map[string]any{}
		var req []string
		for _, f := range yamlFieldList(t) {
			p := joinPath(path, f.Name)
			props[f.Name] = schemaOf(f.Type, p)
			if fieldNotes[p].required {
				req = append(req, f.Name)
			}
		}
		s = map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(req) > 0 {
			s["required"] = req
		}
	case reflect.Slice:
		s = map[string]any{"type": "array", "items": schemaOf(t.Elem(), path+"[]")}
	case reflect.Map:
		s = map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), path+".*")}
	case reflect.Interface:
		s = map[string]any{}
	default:
		s = map[string]any{"type": jsonType(t)}
		if k := t.Kind(); k >= reflect.Uint && k <= reflect.Uint64 {
			s["minimum"] = 0
		}
	}
	if n, ok := fieldNotes[path]; ok {
		if n.desc != "" {
			s["description"] = n.desc
		}
		if n.enum != nil {
			s["enum"] = n.enum
		}
		if n.def != nil {
			s["default"] = n.def
		}
	}
	if extra := schemaExtras[path]; extra != nil {
		extra(s)
	}
	return s
}

// yamlFieldList lists a struct's YAML keys and field types in order.
func yamlFieldList(t reflect.Type) []jsonField {
	ft := yamlFields(t)
	out := make([]jsonField, len(ft.names))
	for i, n := range ft.names {
		out[i] = jsonField{n, t.FieldByIndex(ft.index[n]).Type}
	}
	return out
}

// schemaExtras add what the Go types cannot say: the shape of a search
// dimension, each learner's parameters, each transform's fields.
var schemaExtras = map[string]func(map[string]any){
	"model.candidates[].space.*": func(s map[string]any) {
		s["oneOf"] = []any{
			map[string]any{"required": []string{"choice"}},
			map[string]any{"required": []string{"int"}},
			map[string]any{"required": []string{"float"}},
		}
	},
	"split.cutoff":                     scalarText,
	"data.positive":                    scalarText,
	"split.holdout_values[]":           scalarText,
	"validation.columns[].values[]":    scalarText,
	"monitoring.replay_periods[]":      scalarText,
	"model.candidates[].space.*.int":   pair,
	"model.candidates[].space.*.float": pair,
	"model.candidates[]": func(s map[string]any) {
		var all []any
		for _, l := range knownLearners {
			names := learnerParams("", l)
			if len(names) == 0 {
				names = []string{}
			}
			only := map[string]any{"propertyNames": map[string]any{"enum": names}}
			all = append(all, map[string]any{
				"if":   map[string]any{"properties": map[string]any{"learner": map[string]any{"const": l}}, "required": []string{"learner"}},
				"then": map[string]any{"properties": map[string]any{"params": only, "space": only}},
			})
		}
		all = append(all, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"search": map[string]any{"const": "random"}}, "required": []string{"search"}},
			"then": map[string]any{"required": []string{"trials"}, "properties": map[string]any{"trials": map[string]any{"minimum": 1}}},
		})
		s["allOf"] = all
	},
	"prepare.derived[]": func(s map[string]any) {
		typedSchema(s, derivationNames, func(typ string) any {
			pp, _ := PrepareSpec{Derived: []map[string]any{{"type": typ}}, Steps: []map[string]any{{"columns": []any{}}}}.preprocessor()
			if pp == nil {
				return nil
			}
			return pp.Derived[0]
		})
	},
	"prepare.steps[]": func(s map[string]any) {
		tr := map[string]any{}
		typedSchema(tr, transformNames, func(typ string) any {
			pp, _ := PrepareSpec{Steps: []map[string]any{{"columns": []any{}, "transforms": []any{map[string]any{"type": typ}}}}}.preprocessor()
			if pp == nil {
				return nil
			}
			return pp.Steps[0].Transforms[0]
		})
		s["type"] = "object"
		s["additionalProperties"] = false
		s["required"] = []string{"columns"}
		s["properties"] = map[string]any{
			"name":       map[string]any{"type": "string", "description": "The step's name, for reports."},
			"columns":    map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "The columns the step transforms."},
			"transforms": map[string]any{"type": "array", "items": tr, "description": "Transforms applied in order; none passes the columns through as they are."},
		}
	},
}

// scalarText accepts numbers where the Go field is text: a year written
// 2009 is read as "2009".
func scalarText(s map[string]any) { s["type"] = []string{"string", "number"} }

func pair(s map[string]any) { s["minItems"], s["maxItems"] = 2, 2 }

// typedSchema makes s the schema of {type: ..., fields...} objects, one
// branch per type with the fields of the Go type that reads it.
func typedSchema(s map[string]any, types []string, value func(typ string) any) {
	s["type"] = "object"
	s["required"] = []string{"type"}
	s["properties"] = map[string]any{"type": map[string]any{"enum": types}}
	var all []any
	for _, typ := range types {
		v := value(typ)
		if v == nil {
			continue
		}
		props := map[string]any{"type": map[string]any{"const": typ}}
		for _, f := range jsonFieldTypes(reflect.TypeOf(v)) {
			props[f.Name] = fieldSchema(f.Type)
		}
		all = append(all, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"type": map[string]any{"const": typ}}},
			"then": map[string]any{"properties": props, "additionalProperties": false},
		})
	}
	s["allOf"] = all
}

// fieldSchema is the plain schema of a transform's field.
func fieldSchema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": fieldSchema(t.Elem())}
	case reflect.Map, reflect.Struct, reflect.Interface:
		return map[string]any{}
	}
	return map[string]any{"type": jsonType(t)}
}
