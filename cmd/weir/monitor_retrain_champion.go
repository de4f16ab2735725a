//go:build !weir_serve

package main

import (
	"fmt"
	"strconv"

	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/predictor"
)

// foreignThreshold is the probability at which a model another library
// saved calls the positive class: scikit-learn's, LightGBM's and XGBoost's
// binary predict all decide at 0.5.
const foreignThreshold = 0.5

// retrainChampion is what retraining needs of the champion, whoever saved
// it: its two classes (negative, positive) as the label column spells them,
// the threshold its labels are decided at, and the challenger's
// configuration when --spec gives none.
type retrainChampion struct {
	classes   [2]string
	threshold float64
	spec      func() (predictor.Spec, error)
}

// championFor describes m for retraining. A Weir champion is retrained with
// its own learner and params; a champion another library saved (LightGBM,
// XGBoost, scikit-learn) is challenged by Weir's gradient-boosted trees
// with their default params (LightGBM's defaults) unless --spec says
// otherwise, and keeps its own 0.5 decision threshold.
func championFor(m *monitoredModel) (retrainChampion, error) {
	if m.model != nil {
		p := m.model.Predictor
		return retrainChampion{
			classes: [2]string(p.Classes), threshold: p.Threshold,
			spec: func() (predictor.Spec, error) { return championSpec(p) },
		}, nil
	}
	out := m.scorer.Output()
	if len(out.Classes) != 2 {
		return retrainChampion{}, usagef("the champion has %d classes: retraining needs a binary classifier", len(out.Classes))
	}
	var classes [2]string
	for i, c := range out.Classes {
		if classes[i] = labelText(c); classes[i] == "" {
			return retrainChampion{}, fmt.Errorf("the champion's class %d has a label of an unsupported type", i+1)
		}
	}
	return retrainChampion{
		classes: classes, threshold: foreignThreshold,
		spec: func() (predictor.Spec, error) {
			return predictor.Spec{Model: gbdt.NewClassifier(), Positive: classes[1], Threshold: foreignThreshold}, nil
		},
	}, nil
}

// labelText spells a class label the way a CSV's label column holds it.
func labelText(c any) string {
	switch c := c.(type) {
	case string:
		return c
	case int64:
		return strconv.FormatInt(c, 10)
	case float64:
		return strconv.FormatFloat(c, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(c)
	}
	return ""
}
