//go:build !weir_serve

package main

import (
	"bytes"
	"encoding/json"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/linear"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/ml/tree"
)

// retrainSpec is a --spec file: the learner and params a challenger is
// trained with, spelled as a pipeline's candidate (learner names are the
// predictor's; params are LightGBM's names for gbdt, scikit-learn's for the
// others), so a pipeline's winning candidate can be pasted in:
//
//	{"learner": "gbdt", "params": {"n_estimators": 200, "learning_rate": 0.05}, "seed": 7}
type retrainSpec struct {
	Learner   string         `json:"learner" yaml:"learner"`
	Params    map[string]any `json:"params" yaml:"params"`
	Seed      uint64         `json:"seed" yaml:"seed"`
	Threshold float64        `json:"threshold" yaml:"threshold"`
}

// readRetrainSpec reads a JSON or YAML spec file (YAML is a superset of
// JSON, so one parser reads both).
func readRetrainSpec(path string) (*retrainSpec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--spec: %v", err)
	}
	var s retrainSpec
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, usagef("--spec %s: %v", path, err)
	}
	return &s, nil
}

// learner builds the spec's unfitted learner; unknown params are an error
// so that a misspelt one does not silently train the default.
func (s *retrainSpec) learner() (ml.Classifier, error) {
	b, err := json.Marshal(s.Params)
	if err != nil {
		return nil, usagef("--spec params: %v", err)
	}
	if s.Params == nil {
		b = []byte("{}")
	}
	strict := func(v any) error {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return usagef("--spec %s params: %v", s.Learner, err)
		}
		return nil
	}
	switch s.Learner {
	case predictor.GBDT:
		m := gbdt.NewClassifier()
		m.Seed = int64(s.Seed)
		return m, strict(&m.Params)
	case predictor.RandomForest:
		m := tree.NewRandomForestClassifier()
		m.Seed = s.Seed
		p := struct {
			tree.Params
			NEstimators int     `json:"n_estimators"`
			MaxSamples  float64 `json:"max_samples"`
		}{m.Params, m.NEstimators, m.MaxSamples}
		if err := strict(&p); err != nil {
			return nil, err
		}
		m.Params, m.NEstimators, m.MaxSamples = p.Params, p.NEstimators, p.MaxSamples
		return m, nil
	case predictor.LogisticRegression:
		m := linear.NewLogisticRegression()
		p := struct {
			C        *float64 `json:"c"`
			Balanced bool     `json:"balanced"`
			MaxIter  int      `json:"max_iter"`
		}{}
		if err := strict(&p); err != nil {
			return nil, err
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
	return nil, usagef("--spec: unknown learner %q (want %s, %s or %s)", s.Learner, predictor.GBDT, predictor.RandomForest, predictor.LogisticRegression)
}

// spec returns the predictor spec, keeping the champion's positive class
// and, unless the file sets one, its threshold.
func (s *retrainSpec) spec(positive string, threshold float64) (predictor.Spec, error) {
	m, err := s.learner()
	if err != nil {
		return predictor.Spec{}, err
	}
	th := s.Threshold
	if th == 0 {
		th = threshold
	}
	if th < 0 || th >= 1 {
		return predictor.Spec{}, usagef("--spec threshold %v must be in [0, 1)", th)
	}
	return predictor.Spec{Model: m, Positive: positive, Threshold: th}, nil
}
