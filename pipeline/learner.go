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

// learners are the learner names a candidate may use: the predictor's tags.
var learners = []string{predictor.GBDT, predictor.LogisticRegression, predictor.RandomForest}

// newLearner builds an unfitted learner from its params, spelled as the
// learner's JSON names (LightGBM's for gbdt). Unknown names are an error,
// so that a typo in the YAML does not silently train the default.
func newLearner(name string, params map[string]any, seed uint64) (ml.Classifier, error) {
	b, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	switch name {
	case predictor.GBDT:
		m := gbdt.NewClassifier()
		m.Seed = int64(seed)
		if err := strictUnmarshal(b, &m.Params); err != nil {
			return nil, fmt.Errorf("gbdt params: %w", err)
		}
		return m, nil
	case predictor.RandomForest:
		m := tree.NewRandomForestClassifier()
		m.Seed = seed
		var p struct {
			tree.Params
			NEstimators int     `json:"n_estimators"`
			MaxSamples  float64 `json:"max_samples"`
		}
		p.Params, p.NEstimators, p.MaxSamples = m.Params, m.NEstimators, m.MaxSamples
		if err := strictUnmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("random_forest params: %w", err)
		}
		m.Params, m.NEstimators, m.MaxSamples = p.Params, p.NEstimators, p.MaxSamples
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
