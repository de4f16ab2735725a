package linear

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// FormatVersion is the version of the JSON forms written by MarshalJSON.
// UnmarshalJSON refuses other versions rather than guess at their meaning.
const FormatVersion = 1

// Model names in the JSON forms. A multinomial logistic regression has its
// own name, so that a reader that knows only the binary form refuses it
// rather than misread it.
const (
	logisticModelName    = "logistic_regression"
	multinomialModelName = "multinomial_logistic_regression"
	linearModelName      = "linear_regression"
	ridgeModelName       = "ridge"
)

// logisticJSON is the stored form of a fitted binary LogisticRegression:
// the settings that produced it and the coefficients that score with it.
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

// multinomialJSON is the stored form of a fitted LogisticRegression of
// K > 2 classes: coef holds K rows of one coefficient per feature, as
// scikit-learn's coef_ does.
type multinomialJSON struct {
	FormatVersion       int             `json:"format_version"`
	Model               string          `json:"model"`
	Penalty             Penalty         `json:"penalty"`
	C                   float64         `json:"C"`
	L1Ratio             float64         `json:"l1_ratio,omitempty"`
	FitIntercept        bool            `json:"fit_intercept"`
	ClassWeight         map[int]float64 `json:"class_weight,omitempty"`
	BalancedClassWeight bool            `json:"balanced_class_weight,omitempty"`
	NClasses            int             `json:"n_classes"`
	Coef                [][]float64     `json:"coef"`
	Intercept           []float64       `json:"intercept"`
	FeatureNames        []string        `json:"feature_names,omitempty"`
	NIter               int             `json:"n_iter"`
	Converged           bool            `json:"converged"`
}

// regressionJSON is the stored form of a fitted LinearRegression or Ridge.
type regressionJSON struct {
	FormatVersion int       `json:"format_version"`
	Model         string    `json:"model"`
	Alpha         *float64  `json:"alpha,omitempty"` // ridge only
	Tol           *float64  `json:"tol,omitempty"`   // linear regression only
	FitIntercept  bool      `json:"fit_intercept"`
	Coef          []float64 `json:"coef"`
	Intercept     float64   `json:"intercept"`
	FeatureNames  []string  `json:"feature_names,omitempty"`
	Rank          *int      `json:"rank,omitempty"` // linear regression only
}

// header is the part of every form read before the rest.
type header struct {
	FormatVersion int    `json:"format_version"`
	Model         string `json:"model"`
}

// readHeader decodes data's header and checks its version and that its
// model is one of want.
func readHeader(who string, data []byte, want ...string) (string, error) {
	var h header
	if err := json.Unmarshal(data, &h); err != nil {
		return "", fmt.Errorf("%s: %w", who, err)
	}
	known := false
	for _, w := range want {
		known = known || h.Model == w
	}
	if !known {
		return "", fmt.Errorf("%s: JSON holds model %q", who, h.Model)
	}
	if h.FormatVersion != FormatVersion {
		return "", fmt.Errorf("%s: format_version %d is not supported (want %d)", who, h.FormatVersion, FormatVersion)
	}
	return h.Model, nil
}

// decodeStrict decodes data into v, refusing unknown fields: in a file of a
// known version they mean damage or a writer that is not ours.
func decodeStrict(who string, data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", who, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%s: data after the model's JSON object", who)
	}
	return nil
}

// MarshalJSON writes the fitted model with its format_version: the binary
// form for two classes, the multinomial form for more.
func (m *LogisticRegression) MarshalJSON() ([]byte, error) {
	if m.NumClasses() == 0 {
		return nil, fmt.Errorf("logistic regression: model is not fitted")
	}
	c := m.C
	if math.IsInf(c, 0) || math.IsNaN(c) {
		c = 0 // JSON has no infinity; C is unused without a penalty
	}
	if m.ClassCoef != nil {
		return json.Marshal(multinomialJSON{
			FormatVersion: FormatVersion, Model: multinomialModelName,
			Penalty: m.Penalty, C: c, L1Ratio: m.L1Ratio, FitIntercept: m.FitIntercept,
			ClassWeight: m.ClassWeight, BalancedClassWeight: m.BalancedClassWeight,
			NClasses: len(m.ClassCoef), Coef: m.ClassCoef, Intercept: m.ClassIntercept,
			FeatureNames: m.FeatureNames, NIter: m.NIter, Converged: m.Converged,
		})
	}
	return json.Marshal(logisticJSON{
		FormatVersion: FormatVersion, Model: logisticModelName,
		Penalty: m.Penalty, C: c, L1Ratio: m.L1Ratio, FitIntercept: m.FitIntercept,
		ClassWeight: m.ClassWeight, BalancedClassWeight: m.BalancedClassWeight,
		Coef: m.Coef, Intercept: m.Intercept, FeatureNames: m.FeatureNames,
		NIter: m.NIter, Converged: m.Converged,
	})
}

// UnmarshalJSON reads a model written by MarshalJSON, binary or
// multinomial. It checks the structure (coefficient counts, class count,
// feature names) so that a damaged file fails here and not while scoring.
func (m *LogisticRegression) UnmarshalJSON(data []byte) error {
	const who = "logistic regression"
	model, err := readHeader(who, data, logisticModelName, multinomialModelName)
	if err != nil {
		return err
	}
	if model == multinomialModelName {
		return m.unmarshalMultinomial(data)
	}
	var s logisticJSON
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("%s: %w", who, err)
	}
	if len(s.Coef) == 0 {
		return fmt.Errorf("%s: JSON has no coefficients", who)
	}
	if s.FeatureNames != nil && len(s.FeatureNames) != len(s.Coef) {
		return fmt.Errorf("%s: %d feature names for %d coefficients", who, len(s.FeatureNames), len(s.Coef))
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

func (m *LogisticRegression) unmarshalMultinomial(data []byte) error {
	const who = "multinomial logistic regression"
	var s multinomialJSON
	if err := decodeStrict(who, data, &s); err != nil {
		return err
	}
	k := s.NClasses
	if k < 3 || k > maxClasses {
		return fmt.Errorf("%s: n_classes = %d, want 3 to %d", who, k, maxClasses)
	}
	if len(s.Coef) != k || len(s.Intercept) != k {
		return fmt.Errorf("%s: n_classes = %d but %d coefficient rows and %d intercepts", who, k, len(s.Coef), len(s.Intercept))
	}
	p := len(s.Coef[0])
	if p == 0 {
		return fmt.Errorf("%s: JSON has no coefficients", who)
	}
	for c, row := range s.Coef {
		if len(row) != p {
			return fmt.Errorf("%s: coefficient row %d has %d values, row 0 has %d", who, c, len(row), p)
		}
	}
	if s.FeatureNames != nil && len(s.FeatureNames) != p {
		return fmt.Errorf("%s: %d feature names for %d coefficients per class", who, len(s.FeatureNames), p)
	}
	for c := range s.ClassWeight {
		if c < 0 || c >= k {
			return fmt.Errorf("%s: class weight for class %d, classes are 0 to %d", who, c, k-1)
		}
	}
	*m = LogisticRegression{
		Penalty: s.Penalty, C: s.C, L1Ratio: s.L1Ratio, FitIntercept: s.FitIntercept, Classes: k,
		ClassWeight: s.ClassWeight, BalancedClassWeight: s.BalancedClassWeight,
		MaxIter: 10000, Tol: 1e-10, Memory: 20,
		ClassCoef: s.Coef, ClassIntercept: s.Intercept, FeatureNames: s.FeatureNames,
		NIter: s.NIter, Converged: s.Converged,
	}
	return nil
}

// MarshalJSON writes the fitted model with its format_version.
func (m *LinearRegression) MarshalJSON() ([]byte, error) {
	if m.Coef == nil {
		return nil, fmt.Errorf("linear regression: model is not fitted")
	}
	tol, rank := m.Tol, m.Rank
	return json.Marshal(regressionJSON{
		FormatVersion: FormatVersion, Model: linearModelName, Tol: &tol, FitIntercept: m.FitIntercept,
		Coef: m.Coef, Intercept: m.Intercept, FeatureNames: m.FeatureNames, Rank: &rank,
	})
}

// UnmarshalJSON reads a model written by MarshalJSON, checking its
// structure.
func (m *LinearRegression) UnmarshalJSON(data []byte) error {
	const who = "linear regression"
	s, err := readRegression(who, data, linearModelName)
	if err != nil {
		return err
	}
	if s.Alpha != nil || s.Tol == nil || s.Rank == nil {
		return fmt.Errorf("%s: JSON must have tol and rank and no alpha", who)
	}
	if !(*s.Tol >= 0) {
		return fmt.Errorf("%s: tol = %v, want ≥ 0", who, *s.Tol)
	}
	if *s.Rank < 0 || *s.Rank > len(s.Coef) {
		return fmt.Errorf("%s: rank %d is outside 0 to %d", who, *s.Rank, len(s.Coef))
	}
	*m = LinearRegression{FitIntercept: s.FitIntercept, Tol: *s.Tol, Coef: s.Coef, Intercept: s.Intercept,
		FeatureNames: s.FeatureNames, Rank: *s.Rank}
	return nil
}

// MarshalJSON writes the fitted model with its format_version.
func (m *Ridge) MarshalJSON() ([]byte, error) {
	if m.Coef == nil {
		return nil, fmt.Errorf("ridge: model is not fitted")
	}
	alpha := m.Alpha
	return json.Marshal(regressionJSON{
		FormatVersion: FormatVersion, Model: ridgeModelName, Alpha: &alpha, FitIntercept: m.FitIntercept,
		Coef: m.Coef, Intercept: m.Intercept, FeatureNames: m.FeatureNames,
	})
}

// UnmarshalJSON reads a model written by MarshalJSON, checking its
// structure.
func (m *Ridge) UnmarshalJSON(data []byte) error {
	const who = "ridge"
	s, err := readRegression(who, data, ridgeModelName)
	if err != nil {
		return err
	}
	if s.Alpha == nil || s.Tol != nil || s.Rank != nil {
		return fmt.Errorf("%s: JSON must have alpha and no tol or rank", who)
	}
	if !(*s.Alpha >= 0) {
		return fmt.Errorf("%s: alpha = %v, want ≥ 0", who, *s.Alpha)
	}
	*m = Ridge{Alpha: *s.Alpha, FitIntercept: s.FitIntercept, Coef: s.Coef, Intercept: s.Intercept,
		FeatureNames: s.FeatureNames}
	return nil
}

// readRegression decodes and checks the parts LinearRegression and Ridge
// share.
func readRegression(who string, data []byte, model string) (regressionJSON, error) {
	var s regressionJSON
	if _, err := readHeader(who, data, model); err != nil {
		return s, err
	}
	if err := decodeStrict(who, data, &s); err != nil {
		return s, err
	}
	if len(s.Coef) == 0 {
		return s, fmt.Errorf("%s: JSON has no coefficients", who)
	}
	if s.FeatureNames != nil && len(s.FeatureNames) != len(s.Coef) {
		return s, fmt.Errorf("%s: %d feature names for %d coefficients", who, len(s.FeatureNames), len(s.Coef))
	}
	return s, nil
}
