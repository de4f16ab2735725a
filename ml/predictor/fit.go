package predictor

import (
	"cmp"
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
	// Task is ml.TaskBinary, ml.TaskMulticlass or ml.TaskRegression; empty
	// means binary.
	Task string
	// Preprocessor is the unfitted configuration; nil means DefaultPreprocessor
	// of the frame's columns. Fit fits it in place, and the Predictor keeps it.
	Preprocessor *transform.Preprocessor
	// Model is the configured, unfitted learner, one registered for Task
	// (see Predictor.Model); Fit fits it in place, and the Predictor keeps
	// it.
	Model any
	// Positive names a binary predictor's positive class (y = 1). Empty
	// means the last of the target's two values in sorted order, as
	// scikit-learn's classes_[1]: "yes" of "no"/"yes", "true" of a bool, 1
	// of 0/1.
	Positive string
	// Threshold is a binary predictor's decision threshold; 0 means 0.5.
	// Set Predictor.Threshold after Fit for a threshold of exactly 0.
	Threshold float64
	// CostMatrix is a multiclass predictor's optional cost matrix (see
	// Predictor.CostMatrix), over the classes in sorted order.
	CostMatrix [][]float64
	// Weights are optional per-row sample weights.
	Weights []float64
}

// Fit fits spec's preprocessor and learner on f to predict the column
// target, which must hold no missing value and, for binary, exactly two
// distinct values; for multiclass, three or more (in sorted order, as
// scikit-learn's classes_, they are the predictor's Classes); for
// regression, numbers. Every other column of f is available to the
// preprocessor.
func Fit(ctx context.Context, f *frame.Frame, target string, spec Spec) (*Predictor, error) {
	task := spec.Task
	if task == "" {
		task = ml.TaskBinary
	}
	if !knownTask(task) {
		return nil, fmt.Errorf("predictor: unknown task %q (want %s, %s or %s)", task, ml.TaskBinary, ml.TaskMulticlass, ml.TaskRegression)
	}
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
	p := &Predictor{Task: task, Model: spec.Model, Target: target, CostMatrix: spec.CostMatrix}
	var y []float64
	switch task {
	case ml.TaskBinary:
		var classes [2]string
		classes, y, err = encodeTarget(col, spec.Positive)
		p.Classes, p.Threshold = classes[:], spec.Threshold
		if p.Threshold == 0 {
			p.Threshold = 0.5
		}
	case ml.TaskMulticlass:
		p.Classes, y, err = encodeClasses(col)
	case ml.TaskRegression:
		y, err = numericTarget(col)
	}
	if err != nil {
		return nil, fmt.Errorf("predictor: target %q: %w", target, err)
	}
	// Say that the model does not suit the task before fitting it.
	if err := fitLearner(ctx, task, spec.Model, nil, y, nil); err != nil {
		return nil, err
	}
	if _, err := learnerOf(task, spec.Model); err != nil {
		return nil, err
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
	if err := fitLearner(ctx, task, spec.Model, m, y, spec.Weights); err != nil {
		return nil, err
	}
	p.Preprocessor = pre
	if err := p.Check(); err != nil {
		return nil, err
	}
	return p, nil
}

// fitLearner fits model through the task's interface; with a nil X it
// only checks that model has that interface.
func fitLearner(ctx context.Context, task string, model any, X *ml.Matrix, y, w []float64) error {
	var fit func(context.Context, *ml.Matrix, []float64, []float64) error
	switch task {
	case ml.TaskBinary:
		if m, ok := model.(ml.Classifier); ok {
			fit = m.Fit
		}
	case ml.TaskMulticlass:
		if m, ok := model.(ml.MulticlassClassifier); ok {
			fit = m.Fit
		}
	case ml.TaskRegression:
		if m, ok := model.(ml.Regressor); ok {
			fit = m.Fit
		}
	}
	if fit == nil {
		return fmt.Errorf("predictor: learner %T cannot fit a %s predictor", model, task)
	}
	if X == nil {
		return nil
	}
	if err := fit(ctx, X, y, w); err != nil {
		return fmt.Errorf("predictor: fitting %T: %w", model, err)
	}
	return nil
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

// encodeClasses returns the sorted distinct labels of a multiclass target
// column and each row's label index.
func encodeClasses(c frame.Column) ([]string, []float64, error) {
	n := c.Len()
	var seen []string
	for i := 0; i < n; i++ {
		if c.IsMissing(i) {
			return nil, nil, fmt.Errorf("row %d is missing", i)
		}
		if s := c.Text(i); !slices.Contains(seen, s) {
			seen = append(seen, s)
		}
	}
	if len(seen) < 3 {
		return nil, nil, fmt.Errorf("has %d distinct values, want at least 3 for a multiclass predictor", len(seen))
	}
	sortLabels(seen, c.Kind())
	y := make([]float64, n)
	for i := range y {
		y[i] = float64(slices.Index(seen, c.Text(i)))
	}
	return seen, y, nil
}

// numericTarget returns a regression target column's values.
func numericTarget(c frame.Column) ([]float64, error) {
	if k := c.Kind(); k != frame.Float && k != frame.Int && k != frame.Bool {
		return nil, fmt.Errorf("is %v, want numbers for a regression predictor", k)
	}
	y := make([]float64, c.Len())
	for i := range y {
		if c.IsMissing(i) {
			return nil, fmt.Errorf("row %d is missing", i)
		}
		y[i] = c.Float(i)
	}
	return y, nil
}

// sortLabels orders labels as scikit-learn orders classes: numbers by
// value, everything else as text ("false" < "true" holds for bools too).
// SortLabels sorts class labels as a predictor orders its Classes:
// numerically for a numeric column, else as text (scikit-learn's classes_
// order).
func SortLabels(s []string, k frame.Kind) { sortLabels(s, k) }

func sortLabels(s []string, k frame.Kind) {
	if k == frame.Float || k == frame.Int {
		slices.SortFunc(s, func(a, b string) int {
			x, _ := strconv.ParseFloat(a, 64) // Text of a number always parses
			y, _ := strconv.ParseFloat(b, 64)
			return cmp.Compare(x, y)
		})
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
