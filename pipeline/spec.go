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
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/weir-ml/weir"
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

// ParseSpec reads a pipeline from YAML and checks it.
func ParseSpec(b []byte) (*Spec, error) {
	var s Spec
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "pipeline spec: %v", err)
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return &s, nil
}

// ReadSpec reads a pipeline file.
func ReadSpec(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "pipeline spec: %v", err)
	}
	s, err := ParseSpec(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Check reports the first thing in s that cannot run.
func (s *Spec) Check() error {
	bad := func(format string, args ...any) error {
		return weir.Errorf(weir.ErrInvalidParameterValue, "pipeline spec: "+format, args...)
	}
	switch {
	case !namePattern.MatchString(s.Name):
		return bad("name %q must be letters, digits, '.', '_' or '-'", s.Name)
	case s.Experiment == "":
		return bad("experiment is required")
	case s.Data.Path == "" && s.Data.URL == "":
		return bad("data needs a path or a url")
	case s.Data.Target == "":
		return bad("data.target is required")
	case s.Business.CostPerContact < 0 || s.Business.ValuePerConversion <= 0:
		return bad("business.cost_per_contact must be >= 0 and value_per_conversion > 0")
	case len(s.Model.Candidates) == 0:
		return bad("model.candidates is empty")
	case s.Model.Folds == 0 && (s.Model.ValidationFraction <= 0 || s.Model.ValidationFraction >= 0.5):
		return bad("model.validation_fraction must be in (0, 0.5), or set model.folds")
	case s.Model.Folds < 0 || s.Model.Folds == 1 || s.Model.Folds > 10:
		return bad("model.folds must be 2 to 10 (or 0 for a time-ordered validation)")
	case !namePattern.MatchString(s.Registry.ModelName):
		return bad("registry.model_name %q is not a valid name", s.Registry.ModelName)
	}
	if err := s.Split.check(); err != nil {
		return bad("%v", err)
	}
	switch cv := s.Model.CV; {
	case cv != "" && !slices.Contains(cvKinds, cv):
		return bad("model.cv %q must be one of %s", cv, listText(cvKinds))
	case cv == cvForward && s.Split.Kind != SplitTime:
		return bad("model.cv forward needs a time split (it chains over the split's time column)")
	case cv == cvGroup && s.Split.Kind != SplitGroup:
		return bad("model.cv group needs a group split (it keeps the split's groups whole)")
	}
	if s.Task != "" && !slices.Contains(tasks, s.Task) {
		return bad("task %q must be one of %s", s.Task, listText(tasks))
	}
	for _, d := range s.Data.Derived {
		if err := d.check(); err != nil {
			return bad("%v", err)
		}
	}
	for _, c := range s.Model.Candidates {
		if !slices.Contains(learners, c.Learner) {
			return bad("candidate learner %q is not one of %v", c.Learner, learners)
		}
		if c.Search != "grid" && c.Search != "random" {
			return bad("candidate %s: search %q must be grid or random", c.Learner, c.Search)
		}
		if c.Search == "random" && c.Trials <= 0 {
			return bad("candidate %s: a random search needs trials > 0", c.Learner)
		}
		if _, err := c.space(); err != nil {
			return bad("candidate %s: %v", c.Learner, err)
		}
	}
	for _, r := range s.Validation.Columns {
		if r.Name == "" {
			return bad("a validation rule has no column name")
		}
	}
	if _, err := s.Prepare.preprocessor(); err != nil {
		return bad("prepare: %v", err)
	}
	return nil
}
