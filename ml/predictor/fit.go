package predictor

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/transform"
)

// Spec says what Fit builds.
type Spec struct {
	// Preprocessor is the unfitted configuration; nil means DefaultPreprocessor
	// of the frame's columns. Fit fits it in place, and the Predictor keeps it.
	Preprocessor *transform.Preprocessor
	// Model is the configured, unfitted learner (see Predictor.Model); Fit
	// fits it in place, and the Predictor keeps it.
	Model ml.Classifier
	// Positive names the positive class (y = 1). Empty means the last of the
	// target's two values in sorted order, as scikit-learn's classes_[1]:
	// "yes" of "no"/"yes", "true" of a bool, 1 of 0/1.
	Positive string
	// Threshold is the decision threshold; 0 means 0.5. Set
	// Predictor.Threshold after Fit for a threshold of exactly 0.
	Threshold float64
	// Weights are optional per-row sample weights.
	Weights []float64
}

// Fit fits spec's preprocessor and learner on f to predict the column
// target, which must hold exactly two distinct values and no missing one.
// Every other column of f is available to the preprocessor.
func Fit(ctx context.Context, f *frame.Frame, target string, spec Spec) (*Predictor, error) {
	if spec.Model == nil {
		return nil, fmt.Errorf("predictor: spec has no model")
	}
	if spec.Weights != nil && len(spec.Weights) != f.NumRows() {
		return nil, fmt.Errorf("predictor: %d weights for %d rows", len(spec.Weights), f.NumRows())
	}
	col, err := f.Column(target)
	if err != nil {
		return nil, fmt.Errorf("predictor: target: %w", err)
	}
	classes, y, err := encodeTarget(col, spec.Positive)
	if err != nil {
		return nil, fmt.Errorf("predictor: target %q: %w", target, err)
	}
	X, err := f.Drop(target)
	if err != nil {
		return nil, err
	}
	pre := spec.Preprocessor
	if pre == nil {
		pre = DefaultPreprocessor(X.Schema())
	}
	m, err := pre.FitTransform(X, y)
	if err != nil {
		return nil, fmt.Errorf("predictor: %w", err)
	}
	if err := spec.Model.Fit(ctx, m, y, spec.Weights); err != nil {
		return nil, fmt.Errorf("predictor: fitting %T: %w", spec.Model, err)
	}
	p := &Predictor{Preprocessor: pre, Model: spec.Model, Target: target, Classes: classes, Threshold: spec.Threshold}
	if p.Threshold == 0 {
		p.Threshold = 0.5
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	return p, nil
}

// encodeTarget returns the two class labels of a target column and its 0/1
// values.
func encodeTarget(c frame.Column, positive string) ([2]string, []float64, error) {
	n := c.Len()
	var seen []string
	for i := 0; i < n; i++ {
		if c.IsMissing(i) {
			return [2]string{}, nil, fmt.Errorf("row %d is missing", i)
		}
		if s := c.Text(i); !slices.Contains(seen, s) {
			if seen = append(seen, s); len(seen) > 2 {
				return [2]string{}, nil, fmt.Errorf("has more than two values (%q, %q, %q, ...)", seen[0], seen[1], seen[2])
			}
		}
	}
	if len(seen) != 2 {
		return [2]string{}, nil, fmt.Errorf("has %d distinct values, want 2", len(seen))
	}
	sortLabels(seen, c.Kind())
	classes := [2]string{seen[0], seen[1]}
	switch positive {
	case "", classes[1]:
	case classes[0]:
		classes[0], classes[1] = classes[1], classes[0]
	default:
		return [2]string{}, nil, fmt.Errorf("positive class %q is not one of %q and %q", positive, classes[0], classes[1])
	}
	y := make([]float64, n)
	for i := range y {
		if c.Text(i) == classes[1] {
			y[i] = 1
		}
	}
	return classes, y, nil
}

// sortLabels orders two labels as scikit-learn orders classes: numbers by
// value, everything else as text ("false" < "true" holds for bools too).
func sortLabels(s []string, k frame.Kind) {
	if k == frame.Float || k == frame.Int {
		a, _ := strconv.ParseFloat(s[0], 64) // Text of a number always parses
		b, _ := strconv.ParseFloat(s[1], 64)
		if a > b {
			s[0], s[1] = s[1], s[0]
		}
		return
	}
	slices.Sort(s)
}

// DefaultPreprocessor returns a preprocessor for the given columns: numeric
// and bool columns get median imputation and standard scaling (harmless for
// trees, needed by logistic regression), categorical ones one-hot encoding
// with a category seen fewer than 5 times grouped as infrequent. Time
// columns are left out: a timestamp rarely generalises as a feature.
func DefaultPreprocessor(s frame.Schema) *transform.Preprocessor {
	var num, cat []string
	for _, f := range s.Fields {
		switch f.Kind {
		case frame.Categorical:
			cat = append(cat, f.Name)
		case frame.Float, frame.Int, frame.Bool:
			num = append(num, f.Name)
		}
	}
	p := &transform.Preprocessor{}
	if len(num) > 0 {
		p.Steps = append(p.Steps, transform.Step{Name: "numeric", Columns: num, Transforms: []transform.Transformer{
			&transform.Imputer{Strategy: transform.Median}, &transform.StandardScaler{}}})
	}
	if len(cat) > 0 {
		p.Steps = append(p.Steps, transform.Step{Name: "categorical", Columns: cat, Transforms: []transform.Transformer{
			&transform.OneHot{MinFrequency: 5}}})
	}
	return p
}
