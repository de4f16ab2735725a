package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/linear"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/ml/selection"
	"github.com/weir-ml/weir/ml/transform"
	"github.com/weir-ml/weir/ml/tree"
)

// learnersFor lists the learner names a candidate may use for a task.
func learnersFor(task string) []string {
	switch task {
	case ml.TaskRegression:
		return []string{predictor.GBDT, predictor.RandomForest, predictor.LinearRegression, predictor.Ridge}
	case ml.TaskMulticlass:
		return []string{predictor.GBDT, predictor.LogisticRegression, predictor.RandomForest}
	}
	return []string{predictor.GBDT, predictor.LogisticRegression, predictor.RandomForest}
}

// learners are every learner name of any task.
var learners = []string{predictor.GBDT, predictor.LogisticRegression, predictor.RandomForest, predictor.LinearRegression, predictor.Ridge}

// newLearner builds an unfitted learner for a task ("" is binary) from its
// params, spelled as the learner's JSON names (LightGBM's for gbdt), with
// classes the number of classes of a multiclass task. Unknown names are an
// error, so that a typo in the YAML does not silently train the default.
func newLearner(task, name string, params map[string]any, seed uint64, classes int) (any, error) {
	if task == "" {
		task = ml.TaskBinary
	}
	if !slices.Contains(learnersFor(task), name) {
		return nil, fmt.Errorf("learner %q cannot fit a %s task; use %s", name, task, listText(learnersFor(task)))
	}
	b, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	switch name {
	case predictor.GBDT:
		var m *gbdt.Model
		switch task {
		case ml.TaskRegression:
			m = gbdt.NewRegressor()
		case ml.TaskMulticlass:
			m = gbdt.NewClassifier()
			m.Params = gbdt.DefaultParams(gbdt.Multiclass)
			m.NumClass = classes
		default:
			m = gbdt.NewClassifier()
		}
		m.Seed = int64(seed)
		if err := strictUnmarshal(b, &m.Params); err != nil {
			return nil, fmt.Errorf("gbdt params: %w", err)
		}
		if task == ml.TaskMulticlass {
			m.Objective, m.NumClass = gbdt.Multiclass, classes
		}
		return m, nil
	case predictor.RandomForest:
		var p struct {
			tree.Params
			NEstimators int     `json:"n_estimators"`
			MaxSamples  float64 `json:"max_samples"`
		}
		if task == ml.TaskRegression {
			m := tree.NewRandomForestRegressor()
			m.Seed = seed
			p.Params, p.NEstimators, p.MaxSamples = m.Params, m.NEstimators, m.MaxSamples
			if err := strictUnmarshal(b, &p); err != nil {
				return nil, fmt.Errorf("random_forest params: %w", err)
			}
			m.Params, m.NEstimators, m.MaxSamples = p.Params, p.NEstimators, p.MaxSamples
			return m, nil
		}
		m := tree.NewRandomForestClassifier()
		m.Seed = seed
		p.Params, p.NEstimators, p.MaxSamples = m.Params, m.NEstimators, m.MaxSamples
		if err := strictUnmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("random_forest params: %w", err)
		}
		m.Params, m.NEstimators, m.MaxSamples = p.Params, p.NEstimators, p.MaxSamples
		if task == ml.TaskMulticlass {
			m.NClasses = classes
		}
		return m, nil
	case predictor.LogisticRegression:
		m := linear.NewLogisticRegression()
		var p struct {
			C        *float64 `json:"c"`
			Balanced bool     `json:"balanced"`
			MaxIter  int      `json:"max_iter"`
		}
		if err := strictUnmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("logistic_regression params: %w", err)
		}
		if p.C != nil {
			m.C = *p.C
		}
		if p.MaxIter > 0 {
			m.MaxIter = p.MaxIter
		}
		m.BalancedClassWeight = p.Balanced
		if task == ml.TaskMulticlass {
			m.Classes = classes
		}
		return m, nil
	case predictor.LinearRegression:
		m := linear.NewLinearRegression()
		var p struct {
			FitIntercept *bool `json:"fit_intercept"`
		}
		if err := strictUnmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("linear_regression params: %w", err)
		}
		if p.FitIntercept != nil {
			m.FitIntercept = *p.FitIntercept
		}
		return m, nil
	case predictor.Ridge:
		m := linear.NewRidge()
		var p struct {
			Alpha        *float64 `json:"alpha"`
			FitIntercept *bool    `json:"fit_intercept"`
		}
		if err := strictUnmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("ridge params: %w", err)
		}
		if p.Alpha != nil {
			m.Alpha = *p.Alpha
		}
		if p.FitIntercept != nil {
			m.FitIntercept = *p.FitIntercept
		}
		return m, nil
	}
	return nil, fmt.Errorf("unknown learner %q", name)
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// merged returns fixed params overridden by a trial's params.
func merged(fixed map[string]any, trial selection.Params) map[string]any {
	out := maps.Clone(fixed)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range trial {
		out[k] = v
	}
	return out
}

// space converts the YAML search space to selection's.
func (c CandidateSpec) space() (selection.Space, error) {
	s := selection.Space{}
	for _, name := range slices.Sorted(maps.Keys(c.Space)) {
		d := c.Space[name]
		set := 0
		if len(d.Choice) > 0 {
			s[name] = selection.Choice(d.Choice)
			set++
		}
		if d.Int != nil {
			if len(d.Int) != 2 || d.Int[0] > d.Int[1] {
				return nil, fmt.Errorf("space %s: int needs [lo, hi]", name)
			}
			s[name] = selection.IntRange{Lo: d.Int[0], Hi: d.Int[1], Steps: 3}
			set++
		}
		if d.Float != nil {
			if len(d.Float) != 2 || d.Float[0] > d.Float[1] || (d.Log && d.Float[0] <= 0) {
				return nil, fmt.Errorf("space %s: float needs [lo, hi] (lo > 0 with log)", name)
			}
			s[name] = selection.Uniform{Lo: d.Float[0], Hi: d.Float[1], Log: d.Log, Steps: 3}
			set++
		}
		if set != 1 {
			return nil, fmt.Errorf("space %s: give exactly one of choice, int, float", name)
		}
	}
	if len(s) == 0 {
		return s, nil
	}
	return s, s.Validate()
}

// preprocessor builds the unfitted preprocessor that the YAML declares, by
// way of transform's own JSON form, so both read the same.
func (p PrepareSpec) preprocessor() (*transform.Preprocessor, error) {
	derived, steps := p.Derived, p.Steps
	if derived == nil {
		derived = []map[string]any{}
	}
	if steps == nil {
		steps = []map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"format_version": transform.FormatVersion, "derived": derived, "steps": steps})
	if err != nil {
		return nil, err
	}
	pp := &transform.Preprocessor{}
	if err := pp.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	if len(pp.Steps) == 0 {
		return nil, fmt.Errorf("no preprocessing steps")
	}
	return pp, nil
}
