package linear

import (
	"encoding/json"
	"fmt"
	"math"
)

// FormatVersion is the version of the JSON form written by MarshalJSON.
// UnmarshalJSON refuses other versions rather than guess at their meaning.
const FormatVersion = 1

// logisticJSON is the stored form of a fitted LogisticRegression: the
// settings that produced it and the coefficients that score with it.
type logisticJSON struct {
	FormatVersion       int             `json:"format_version"`
	Model               string          `json:"model"`
	Penalty             Penalty         `json:"penalty"`
	C                   float64         `json:"C"`
	L1Ratio             float64         `json:"l1_ratio,omitempty"`
	FitIntercept        bool            `json:"fit_intercept"`
	ClassWeight         map[int]float64 `json:"class_weight,omitempty"`
	BalancedClassWeight bool            `json:"balanced_class_weight,omitempty"`
	Coef                []float64       `json:"coef"`
	Intercept           float64         `json:"intercept"`
	FeatureNames        []string        `json:"feature_names,omitempty"`
	NIter               int             `json:"n_iter"`
	Converged           bool            `json:"converged"`
}

const logisticModelName = "logistic_regression"

// MarshalJSON writes the fitted model with its format_version.
func (m *LogisticRegression) MarshalJSON() ([]byte, error) {
	if m.Coef == nil {
		return nil, fmt.Errorf("logistic regression: model is not fitted")
	}
	c := m.C
	if math.IsInf(c, 0) || math.IsNaN(c) {
		c = 0 // JSON has no infinity; C is unused without a penalty
	}
	return json.Marshal(logisticJSON{
		FormatVersion: FormatVersion, Model: logisticModelName,
		Penalty: m.Penalty, C: c, L1Ratio: m.L1Ratio, FitIntercept: m.FitIntercept,
		ClassWeight: m.ClassWeight, BalancedClassWeight: m.BalancedClassWeight,
		Coef: m.Coef, Intercept: m.Intercept, FeatureNames: m.FeatureNames,
		NIter: m.NIter, Converged: m.Converged,
	})
}

// UnmarshalJSON reads a model written by MarshalJSON.
func (m *LogisticRegression) UnmarshalJSON(data []byte) error {
	var s logisticJSON
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("logistic regression: %w", err)
	}
	if s.Model != logisticModelName {
		return fmt.Errorf("logistic regression: JSON holds model %q", s.Model)
	}
	if s.FormatVersion != FormatVersion {
		return fmt.Errorf("logistic regression: format_version %d is not supported (want %d)", s.FormatVersion, FormatVersion)
	}
	if len(s.Coef) == 0 {
		return fmt.Errorf("logistic regression: JSON has no coefficients")
	}
	if s.FeatureNames != nil && len(s.FeatureNames) != len(s.Coef) {
		return fmt.Errorf("logistic regression: %d feature names for %d coefficients", len(s.FeatureNames), len(s.Coef))
	}
	*m = LogisticRegression{
		Penalty: s.Penalty, C: s.C, L1Ratio: s.L1Ratio, FitIntercept: s.FitIntercept,
		ClassWeight: s.ClassWeight, BalancedClassWeight: s.BalancedClassWeight,
		MaxIter: 10000, Tol: 1e-10, Memory: 20,
		Coef: s.Coef, Intercept: s.Intercept, FeatureNames: s.FeatureNames,
		NIter: s.NIter, Converged: s.Converged,
	}
	return nil
}
