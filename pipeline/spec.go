// Package pipeline runs a CRISP-DM pipeline declared in YAML, step by step:
// business understanding, data acquisition, data understanding (an EDA
// report), validation, preparation, modeling with a hyper-parameter search,
// evaluation on a time-ordered holdout (curves, the profit-maximising
// threshold, a model card), registration, deployment and monitoring. Every
// step is cached by the content hash of its definition, its inputs and Weir's
// version, so that re-running an unchanged pipeline only replays results.
//
// It logs to any MLflow-compatible tracking backend through the domain
// interfaces of tracking and registry; it imports the standard library, Weir's
// domain and ml packages, mlmodel and a YAML library.
package pipeline

import (
	"fmt"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/ml/transform"
)

// Spec is a pipeline as declared in YAML.
type Spec struct {
	Name       string `yaml:"name" json:"name"`
	Experiment string `yaml:"experiment" json:"experiment"`
	Seed       uint64 `yaml:"seed" json:"seed"`
	// Task is binary, multiclass or regression; empty means inferred from
	// the target.
	Task       string         `yaml:"task" json:"task,omitempty"`
	Business   BusinessSpec   `yaml:"business" json:"business"`
	Data       DataSpec       `yaml:"data" json:"data"`
	Split      SplitSpec      `yaml:"split" json:"split"`
	Validation ValidationSpec `yaml:"validation" json:"validation"`
	Prepare    PrepareSpec    `yaml:"prepare" json:"prepare"`
	Model      ModelSpec      `yaml:"model" json:"model"`
	Evaluation EvaluationSpec `yaml:"evaluation" json:"evaluation"`
	Registry   RegistrySpec   `yaml:"registry" json:"registry"`
	Deploy     DeploySpec     `yaml:"deploy" json:"deploy"`
	Monitoring MonitoringSpec `yaml:"monitoring" json:"monitoring"`
}

// BusinessSpec is the business understanding: the question, the decision it
// serves and how the result is judged in money.
type BusinessSpec struct {
	Question             string  `yaml:"question" json:"question"`
	Objective            string  `yaml:"objective" json:"objective"`
	Decision             string  `yaml:"decision" json:"decision"`
	CostPerContact       float64 `yaml:"cost_per_contact" json:"cost_per_contact"`
	ValuePerConversion   float64 `yaml:"value_per_conversion" json:"value_per_conversion"`
	MinAUC               float64 `yaml:"min_auc" json:"min_auc"`
	BeatContactEveryone  bool    `yaml:"beat_contact_everyone" json:"beat_contact_everyone"`
	SuccessCriterionText string  `yaml:"success_criterion" json:"success_criterion"`
	// Costs (multiclass) price mistakes: predicting Predicted for a row
	// of class Actual costs Cost. Correct predictions cost nothing and an
	// unlisted mistake costs MisclassificationCost (default 1). With
	// costs, the model decides each row's class of least expected cost.
	Costs                 []MisclassCost `yaml:"costs" json:"costs,omitempty"`
	MisclassificationCost float64        `yaml:"misclassification_cost" json:"misclassification_cost,omitempty"`
	// UnderCost and OverCost (regression) are the costs of each unit a
	// prediction falls short of the truth and overshoots it. With both
	// set, the model answers the value of least expected cost: its
	// prediction shifted by the matching quantile of its out-of-fold
	// errors on the training rows.
	UnderCost float64 `yaml:"under_cost" json:"under_cost,omitempty"`
	OverCost  float64 `yaml:"over_cost" json:"over_cost,omitempty"`
}

// MisclassCost is the cost of one kind of mistake.
type MisclassCost struct {
	Actual    string  `yaml:"actual" json:"actual"`
	Predicted string  `yaml:"predicted" json:"predicted"`
	Cost      float64 `yaml:"cost" json:"cost"`
}

// DataSpec says where the data comes from and how its rows map to time.
type DataSpec struct {
	Name string `yaml:"name" json:"name"`
	// Path is a local copy; URL is downloaded (and cached) when Path is empty.
	Path string `yaml:"path" json:"path"`
	URL  string `yaml:"url" json:"url"`
	// Member names the CSV inside a (possibly nested) zip download.
	Member string `yaml:"member" json:"member"`
	// SHA256 is the checksum of the file's bytes, checked when the file is
	// a plain CSV; Digest is frame.Digest of the parsed content, checked in
	// every case (it is the same for the comma and the semicolon forms).
	SHA256 string `yaml:"sha256" json:"sha256"`
	Digest string `yaml:"digest" json:"digest"`
	Target string `yaml:"target" json:"target"`
	// Positive is the target's positive class.
	Positive string `yaml:"positive" json:"positive"`
	// Leakage lists columns known only after the outcome: reported, never
	// used as features.
	Leakage []string `yaml:"leakage" json:"leakage"`
	// Derived are columns computed as the data is read (such as a year
	// from a sequence of month names), for the split and monitoring.
	Derived []DerivedColumn `yaml:"derived" json:"derived,omitempty"`
}

// ValidationSpec declares expectations on the columns.
type ValidationSpec struct {
	Columns []ColumnRule `yaml:"columns" json:"columns"`
}

// ColumnRule is the expectations on one column. Nil fields are not checked.
type ColumnRule struct {
	Name     string   `yaml:"name" json:"name"`
	Kind     string   `yaml:"kind" json:"kind,omitempty"`
	Required bool     `yaml:"required" json:"required,omitempty"` // no missing value
	Min      *float64 `yaml:"min" json:"min,omitempty"`
	Max      *float64 `yaml:"max" json:"max,omitempty"`
	Values   []string `yaml:"values" json:"values,omitempty"`
}

// PrepareSpec is the feature engineering: columns dropped, and the
// preprocessor in transform's JSON form (derived and steps), written in YAML.
type PrepareSpec struct {
	Drop    []string         `yaml:"drop" json:"drop"`
	Derived []map[string]any `yaml:"derived" json:"derived"`
	Steps   []map[string]any `yaml:"steps" json:"steps"`
}

// ModelSpec is the modeling step: the candidates and how trials are ranked.
type ModelSpec struct {
	// ValidationFraction is the latest share of the training period that
	// scores trials, so that model choice never sees the holdout.
	ValidationFraction float64 `yaml:"validation_fraction" json:"validation_fraction"`
	// Folds, when set, scores trials by stratified k-fold cross-validation
	// over the training period instead (shuffled by the seed): steadier when
	// the end of the training period is unlike the rest of it.
	Folds int `yaml:"folds" json:"folds"`
	// CV is how the Folds are cut: stratified, kfold, forward (over the
	// time split's column) or group (over the group split's column);
	// empty follows the split kind.
	CV         string          `yaml:"cv" json:"cv,omitempty"`
	Candidates []CandidateSpec `yaml:"candidates" json:"candidates"`
}

// CandidateSpec is one learner with fixed params and a search space.
type CandidateSpec struct {
	Learner string         `yaml:"learner" json:"learner"`
	Search  string         `yaml:"search" json:"search"` // "grid" or "random"
	Trials  int            `yaml:"trials" json:"trials"` // random search size
	Params  map[string]any `yaml:"params" json:"params"`
	Space   map[string]Dim `yaml:"space" json:"space"`
}

// Dim is one dimension of a search space: exactly one of Choice, Int, Float.
type Dim struct {
	Choice []any     `yaml:"choice" json:"choice,omitempty"`
	Int    []int     `yaml:"int" json:"int,omitempty"`     // [lo, hi]
	Float  []float64 `yaml:"float" json:"float,omitempty"` // [lo, hi]
	Log    bool      `yaml:"log" json:"log,omitempty"`
}

// EvaluationSpec configures evaluation.
type EvaluationSpec struct {
	CalibrationBins int `yaml:"calibration_bins" json:"calibration_bins"`
	GainsBins       int `yaml:"gains_bins" json:"gains_bins"`
}

// RegistrySpec names the registered model and the promotion rule.
type RegistrySpec struct {
	ModelName string `yaml:"model_name" json:"model_name"`
	// PromoteMargin is how much higher the challenger's holdout AUC must be
	// than the champion's for the challenger to become champion.
	PromoteMargin float64 `yaml:"promote_margin" json:"promote_margin"`
}

// DeploySpec configures the container image.
type DeploySpec struct {
	Image string `yaml:"image" json:"image"`
}

// MonitoringSpec configures the replay of the holdout through the model.
type MonitoringSpec struct {
	// PeriodColumn names each row's period (a year, a month, a week); the
	// holdout is replayed period by period. Default: the time split's
	// column; without one, the holdout is replayed in windows of rows.
	PeriodColumn string `yaml:"period_column" json:"period_column,omitempty"`
	// ReplayPeriods, when set, are the periods replayed (values of
	// PeriodColumn); default: every period of the holdout, in order.
	ReplayPeriods []string `yaml:"replay_periods" json:"replay_periods,omitempty"`
	// WindowSize is the number of predictions per performance window.
	WindowSize int `yaml:"window_size" json:"window_size"`
	// DriftShare is the share of drifted features that calls for
	// retraining; MaxAUCDrop the fall of a window's ROC AUC below the
	// validation AUC that does.
	DriftShare float64 `yaml:"drift_share" json:"drift_share"`
	MaxAUCDrop float64 `yaml:"max_auc_drop" json:"max_auc_drop"`
}

// periodColumn is the column that names each row's period, if any.
func (s *Spec) periodColumn() string {
	if s.Monitoring.PeriodColumn != "" {
		return s.Monitoring.PeriodColumn
	}
	if s.Split.Kind == SplitTime {
		return s.Split.Column
	}
	return ""
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// ParseSpec reads a pipeline from YAML and checks it. Its error is a
// *SpecError listing every problem found (up to ten), each with its line
// and column.
func ParseSpec(b []byte) (*Spec, error) {
	return parseSpec(b, "")
}

// ReadSpec reads a pipeline file and checks it; problems are located as
// path:line:column.
func ReadSpec(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "pipeline spec: %v", err)
	}
	return parseSpec(b, path)
}

func parseSpec(b []byte, file string) (*Spec, error) {
	s, d, ok := decodeSpec(b)
	if ok {
		s.check(d)
	}
	if err := d.err(file); err != nil {
		return nil, err
	}
	return s, nil
}

// Check reports what in s cannot run, as a *SpecError (without lines and
// columns, since s carries no YAML).
func (s *Spec) Check() error {
	d := newSpecDoc()
	s.check(d)
	return d.err("")
}

// specTasks are the tasks a spec may name; empty means inferred from the
// target.
var specTasks = tasks

// check records what in s cannot run, at the place d knows for it.
func (s *Spec) check(d *specDoc) {
	if !namePattern.MatchString(s.Name) {
		if s.Name == "" {
			d.at("name", false, "required: the pipeline's name (letters, digits, '.', '_' or '-')")
		} else {
			d.at("name", false, "%q must be letters, digits, '.', '_' or '-', starting with a letter or digit", s.Name)
		}
	}
	if s.Experiment == "" {
		d.at("experiment", false, "required: the tracking experiment the runs are logged to")
	}
	if s.Task != "" {
		d.enum("task", s.Task, specTasks, "task")
	}
	s.checkData(d)
	s.checkBusiness(d)
	s.checkSplit(d)
	for i, r := range s.Validation.Columns {
		p := fmt.Sprintf("validation.columns[%d]", i)
		if r.Name == "" {
			d.at(p, false, "a validation rule needs the name of its column")
		}
		if r.Kind != "" {
			if _, err := frame.ParseKind(r.Kind); err != nil {
				d.enum(p+".kind", r.Kind, columnKinds, "column kind")
			}
		}
		if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
			d.at(p+".min", false, "min %s is above max %s", fmtNum(*r.Min), fmtNum(*r.Max))
		}
	}
	s.Prepare.check(d)
	s.Model.check(d, s.Task)
	s.checkCV(d)
	if s.Evaluation.CalibrationBins < 0 {
		d.at("evaluation.calibration_bins", false, "want 0 (the default) or more, got %d", s.Evaluation.CalibrationBins)
	}
	if s.Evaluation.GainsBins < 0 {
		d.at("evaluation.gains_bins", false, "want 0 (the default) or more, got %d", s.Evaluation.GainsBins)
	}
	if !namePattern.MatchString(s.Registry.ModelName) {
		if s.Registry.ModelName == "" {
			d.at("registry.model_name", false, "required: the registered model's name")
		} else {
			d.at("registry.model_name", false, "%q is not a valid name: letters, digits, '.', '_' or '-'", s.Registry.ModelName)
		}
	}
	if m := s.Monitoring; m.WindowSize < 0 {
		d.at("monitoring.window_size", false, "want 0 (the default) or more, got %d", m.WindowSize)
	}
	if m := s.Monitoring; m.DriftShare < 0 || m.DriftShare > 1 {
		d.at("monitoring.drift_share", false, "want a share between 0 and 1, got %s", fmtNum(m.DriftShare))
	}
}

// columnKinds are the kinds a validation rule may name.
var columnKinds = []string{"float", "int", "categorical", "bool", "time"}

// enum records a problem unless got is one of allowed.
func (d *specDoc) enum(path, got string, allowed []string, what string) bool {
	if slices.Contains(allowed, got) {
		return true
	}
	d.at(path, false, "%q is not a %s%s", got, what, choices(got, allowed))
	return false
}

func (s *Spec) checkData(d *specDoc) {
	if s.Data.Path == "" && s.Data.URL == "" {
		d.at("data", false, "needs a path (a CSV or Parquet file, local or s3://bucket/key) or a url to download it from")
	}
	if s.Data.Target == "" {
		d.at("data.target", false, "required: the column the model predicts")
	}
	for i, c := range s.Data.Derived {
		p := fmt.Sprintf("data.derived[%d]", i)
		if !d.enum(p+".type", c.Type, derivedTypes, "derived column type") {
			continue
		}
		if err := c.check(); err != nil {
			d.at(p, false, "%v", err)
		}
	}
}

func (s *Spec) checkBusiness(d *specDoc) {
	b := s.Business
	if b.CostPerContact < 0 {
		d.at("business.cost_per_contact", false, "want 0 or more, got %s", fmtNum(b.CostPerContact))
	}
	// The money figures price a binary decision (contact or not); other
	// tasks may leave them out.
	binary := s.Task == "" || s.Task == ml.TaskBinary
	if binary && b.ValuePerConversion <= 0 {
		d.at("business.value_per_conversion", false, "want a value above 0 for a binary task (what a positive case brings), got %s", fmtNum(b.ValuePerConversion))
	} else if b.ValuePerConversion < 0 {
		d.at("business.value_per_conversion", false, "want 0 or more, got %s", fmtNum(b.ValuePerConversion))
	}
	if b.MinAUC < 0 || b.MinAUC > 1 {
		d.at("business.min_auc", false, "want an AUC between 0 and 1, got %s", fmtNum(b.MinAUC))
	}
}

func (s *Spec) checkSplit(d *specDoc) {
	if s.Split.Kind == "" {
		d.at("split.kind", false, "required: how the holdout is set aside, one of %s", orList(splitKinds))
		return
	}
	if !d.enum("split.kind", s.Split.Kind, splitKinds, "split kind") {
		return
	}
	if s.Split.Cutoff != "" {
		if _, err := parseTimeValue(s.Split.Cutoff); err != nil {
			d.at("split.cutoff", false, "%v", err)
		}
	}
	if err := s.Split.check(); err != nil {
		d.atNamed("split", err.Error())
	}
}

var fieldInMessage = regexp.MustCompile(`^(\w+(?:\.\w+)+) `)

// atNamed records msg at the field it starts with ("split.column is
// required ...") when the spec has it, else at path.
func (d *specDoc) atNamed(path, msg string) {
	if m := fieldInMessage.FindStringSubmatch(msg); m != nil && d.values[m[1]] != nil {
		d.at(m[1], false, "%s", strings.TrimPrefix(msg, m[0]))
		return
	}
	d.at(path, false, "%s", msg)
}

// checkCV checks model.cv against the split it folds over.
func (s *Spec) checkCV(d *specDoc) {
	switch cv := s.Model.CV; {
	case cv == "":
	case !d.enum("model.cv", cv, cvKinds, "cross-validation kind"):
	case cv == cvForward && s.Split.Kind != SplitTime:
		d.at("model.cv", false, "forward needs a time split (it chains over the split's time column), not %s", s.Split.Kind)
	case cv == cvGroup && s.Split.Kind != SplitGroup:
		d.at("model.cv", false, "group needs a group split (it keeps the split's groups whole), not %s", s.Split.Kind)
	case cv == cvStratified && s.Task == ml.TaskRegression:
		d.at("model.cv", false, "stratified folds need classes: use kfold for a regression")
	}
}

func (m ModelSpec) check(d *specDoc, task string) {
	switch {
	case d.failed("model.folds") || d.failed("model.validation_fraction"):
	case m.Folds < 0 || m.Folds == 1 || m.Folds > 10:
		d.at("model.folds", false, "want 2 to 10 folds (or 0 for a time-ordered validation), got %d", m.Folds)
	case m.Folds == 0 && (m.ValidationFraction <= 0 || m.ValidationFraction >= 0.5):
		d.at("model.validation_fraction", false, "want a share in (0, 0.5), got %s; or set model.folds", fmtNum(m.ValidationFraction))
	}
	if len(m.Candidates) == 0 {
		d.at("model.candidates", false, "required: at least one candidate learner")
	}
	for i, c := range m.Candidates {
		c.check(d, fmt.Sprintf("model.candidates[%d]", i), task)
	}
}

func (c CandidateSpec) check(d *specDoc, p, task string) {
	if c.Search == "" {
		d.at(p+".search", false, "required: grid or random")
	} else if d.enum(p+".search", c.Search, []string{"grid", "random"}, "search") && c.Search == "random" && c.Trials <= 0 {
		d.at(p+".trials", false, "a random search needs trials > 0, got %d", c.Trials)
	}
	if _, err := c.space(); err != nil {
		d.at(p+".space", false, "%v", err)
	}
	if c.Learner == "" {
		d.at(p+".learner", false, "required: one of %s", orList(taskLearners(task)))
		return
	}
	if !d.enum(p+".learner", c.Learner, taskLearners(task), learnerWhat(task)) {
		return
	}
	c.checkParams(d, p, task)
}

func learnerWhat(task string) string {
	if task == "" {
		return "learner"
	}
	return task + " learner"
}

// checkParams builds the candidate's learner with each of its params and
// space dimensions (at the dimension's first value), so that a misspelt or
// mistyped parameter fails the check rather than every trial.
func (c CandidateSpec) checkParams(d *specDoc, p, task string) {
	type param struct {
		path  string
		value any
	}
	all := map[string]param{}
	for k, v := range c.Params {
		all[k] = param{p + ".params." + k, v}
	}
	for k, dim := range c.Space {
		if _, fixed := c.Params[k]; fixed {
			d.at(p+".space."+k, true, "%s is both a fixed param and a search dimension: keep one", k)
			continue
		}
		all[k] = param{p + ".space." + k, dim.first()}
	}
	merged := map[string]any{}
	bad := false
	for _, k := range slices.Sorted(maps.Keys(all)) {
		pa := all[k]
		merged[k] = pa.value
		err := tryLearner(task, c.Learner, map[string]any{k: pa.value})
		switch {
		case err == nil:
		case isUnknownParam(err, k):
			bad = true
			names := learnerParams(task, c.Learner)
			d.at(pa.path, true, "unknown parameter %q for %s%s", k, c.Learner, choices(k, names))
		default:
			bad = true
			d.at(pa.path, false, "%s", paramErrorText(k, pa.value, err))
		}
	}
	if bad {
		return
	}
	if err := tryLearner(task, c.Learner, merged); err != nil {
		d.at(p, false, "%s with these params: %s", c.Learner, paramErrorText("", nil, err))
	}
}

// first is the value a dimension is checked at: its lower bound or first
// choice.
func (dim Dim) first() any {
	switch {
	case len(dim.Choice) > 0:
		return dim.Choice[0]
	case len(dim.Int) > 0:
		return dim.Int[0]
	case len(dim.Float) > 0:
		return dim.Float[0]
	}
	return nil
}

// knownLearners are every learner name a candidate may use in some task;
// taskLearners asks the pipeline's learner factory which a task takes.
var knownLearners = []string{predictor.GBDT, predictor.RandomForest, predictor.LogisticRegression, predictor.Ridge, predictor.LinearRegression}

// taskLearners returns the learners a candidate may use for task; for an
// empty task (inferred from the data) those of any task.
func taskLearners(task string) []string {
	var out []string
	for _, l := range knownLearners {
		for _, t := range checkTasks(task) {
			if err := tryLearner(t, l, nil); err == nil {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

// checkTasks are the tasks a spec is checked for: its own, or every task
// when it leaves the task to the data.
func checkTasks(task string) []string {
	if task == "" {
		return specTasks
	}
	return []string{task}
}

// tryLearner builds an unfitted learner, only to check its params. For an
// empty task it tries every task that has the learner and keeps the
// first verdict.
func tryLearner(task, name string, params map[string]any) error {
	var first error
	for _, t := range checkTasks(task) {
		_, err := newLearner(t, name, params, 1, 3)
		if err == nil {
			return nil
		}
		if first == nil || isUnknownLearner(first) {
			first = err
		}
	}
	return first
}

func isUnknownLearner(err error) bool {
	return strings.Contains(err.Error(), "unknown learner") || strings.Contains(err.Error(), "learner \"")
}

// isUnknownParam reports whether err says that parameter k is unknown.
func isUnknownParam(err error, k string) bool {
	msg := err.Error()
	return strings.Contains(msg, "unknown") && strings.Contains(msg, strconv.Quote(k))
}

var fieldPattern = regexp.MustCompile(`Go struct field \w+\.(\w+) of type`)

var unmarshalPattern = regexp.MustCompile(`cannot unmarshal (\w+) into Go (?:struct field \S+|value) of type (\S+)`)

// paramErrorText turns a learner's parameter error into words for people.
func paramErrorText(k string, v any, err error) string {
	if m := unmarshalPattern.FindStringSubmatch(err.Error()); m != nil {
		want := map[string]string{"int": "a whole number", "int64": "a whole number", "uint64": "a whole number",
			"float64": "a number", "bool": "true or false", "string": "text"}[strings.TrimPrefix(m[2], "*")]
		if want == "" {
			want = "a " + m[2]
		}
		if k != "" {
			return fmt.Sprintf("parameter %s wants %s, got %s", k, want, valueText(v))
		}
		return fmt.Sprintf("a parameter wants %s, got a %s", want, m[1])
	}
	return err.Error()
}

// valueText writes a YAML value for a message.
func valueText(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	case nil:
		return "nothing"
	}
	return fmt.Sprint(v)
}

// Transform and derivation types that prepare may use, as transform's JSON
// form names them (a test keeps the lists true).
var (
	transformNames  = []string{"imputer", "standard_scaler", "robust_scaler", "quantile_bins", "one_hot", "ordinal", "target_encoder"}
	derivationNames = []string{"ratio", "flag", "replace_with_nan"}
	prepareStepKeys = []string{"name", "columns", "transforms"}
)

// check reads each derivation and transform on its own, so that a problem
// is reported where it is, then the whole preprocessor.
func (p PrepareSpec) check(d *specDoc) {
	bad := false
	for i, der := range p.Derived {
		path := fmt.Sprintf("prepare.derived[%d]", i)
		if !d.typedEntry(path, der, derivationNames, "derivation type", func(pp *transform.Preprocessor) any { return pp.Derived[0] },
			PrepareSpec{Derived: []map[string]any{der}, Steps: []map[string]any{{"columns": []any{}}}}) {
			bad = true
		}
	}
	for i, st := range p.Steps {
		path := fmt.Sprintf("prepare.steps[%d]", i)
		for _, k := range slices.Sorted(maps.Keys(st)) {
			if !slices.Contains(prepareStepKeys, k) {
				bad = true
				d.at(path+"."+k, true, "unknown key %q in a prepare step%s", k, choices(k, prepareStepKeys))
			}
		}
		if _, ok := st["columns"].([]any); !ok {
			bad = true
			d.at(path+".columns", false, "required: the list of columns the step transforms")
		}
		ts, _ := st["transforms"].([]any)
		if _, given := st["transforms"]; given && ts == nil {
			bad = true
			d.at(path+".transforms", false, "want a list of transforms, such as [{type: standard_scaler}]")
		}
		for j, t := range ts {
			tp := fmt.Sprintf("%s.transforms[%d]", path, j)
			m, ok := t.(map[string]any)
			if !ok {
				bad = true
				d.at(tp, false, "want a mapping with a type, such as {type: imputer, strategy: median}")
				continue
			}
			if !d.typedEntry(tp, m, transformNames, "transform type", func(pp *transform.Preprocessor) any { return pp.Steps[0].Transforms[0] },
				PrepareSpec{Steps: []map[string]any{{"columns": []any{}, "transforms": []any{m}}}}) {
				bad = true
			}
		}
	}
	if bad {
		return
	}
	if _, err := p.preprocessor(); err != nil {
		d.at("prepare", false, "%s", strings.TrimPrefix(err.Error(), "transform: "))
	}
}

// typedEntry checks one {type: ..., ...} entry of prepare: its type, then
// its keys against the fields of the Go type that reads it.
func (d *specDoc) typedEntry(path string, m map[string]any, types []string, what string, pick func(*transform.Preprocessor) any, alone PrepareSpec) bool {
	typ, _ := m["type"].(string)
	if typ == "" {
		d.at(path+".type", false, "required: the %s, one of %s", what, orList(types))
		return false
	}
	if !d.enum(path+".type", typ, types, what) {
		return false
	}
	pp, err := alone.preprocessor()
	if err != nil {
		if f := fieldPattern.FindStringSubmatch(err.Error()); f != nil {
			if v, ok := m[f[1]]; ok {
				d.at(path+"."+f[1], false, "%s", paramErrorText(f[1], v, err))
				return false
			}
		}
		msg := err.Error()
		if i := strings.LastIndex(msg, typ+": "); i >= 0 {
			msg = msg[i+len(typ)+2:]
		}
		d.at(path, false, "%s: %s", typ, paramErrorText("", nil, fmt.Errorf("%s", msg)))
		return false
	}
	fields := append(jsonFields(reflect.TypeOf(pick(pp))), "type")
	ok := true
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(fields, k) {
			ok = false
			d.at(path+"."+k, true, "unknown key %q for %s%s", k, typ, choices(k, fields))
		}
	}
	return ok
}

// jsonFields lists the JSON names of a struct's fields (through pointers
// and embedded structs), leaving out fitted state.
func jsonFields(t reflect.Type) []string {
	var out []string
	for _, f := range jsonFieldTypes(t) {
		out = append(out, f.Name)
	}
	return out
}

// jsonField is a field's JSON name and Go type.
type jsonField struct {
	Name string
	Type reflect.Type
}

func jsonFieldTypes(t reflect.Type) []jsonField {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []jsonField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case f.Anonymous && name == "":
			out = append(out, jsonFieldTypes(f.Type)...)
		case name == "-" || !f.IsExported() || isFittedState(f):
		case name == "":
			out = append(out, jsonField{f.Name, f.Type})
		default:
			out = append(out, jsonField{name, f.Type})
		}
	}
	return out
}

// isFittedState reports a field that holds what fitting learnt (lists
// written only once fitted, a target mean), which a spec does not write.
func isFittedState(f reflect.StructField) bool {
	tag := f.Tag.Get("json")
	return (f.Type.Kind() == reflect.Slice && strings.Contains(tag, ",omitempty")) || strings.HasPrefix(tag, "target_mean")
}
