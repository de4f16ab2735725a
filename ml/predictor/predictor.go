// Package predictor holds the saved form of a fitted binary classifier: the
// fitted preprocessing (transform.Preprocessor) that turns raw columns into
// features, one fitted learner (logistic regression, random forest or
// gradient-boosted trees) and what a scorer needs to speak in the data's own
// terms: the input schema, the target's name, its two class labels and the
// decision threshold. The scoring server, the pipeline and the model
// directory format (mlmodel) all load this one type. It imports only the
// standard library and Weir's ml packages.
package predictor

import (
	"fmt"
	"math"
	"sync"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/linear"
	"github.com/weir-ml/weir/ml/transform"
	"github.com/weir-ml/weir/ml/tree"
)

// Learner type tags, as written in the "learner" member of the saved JSON.
const (
	LogisticRegression = "logistic_regression"
	RandomForest       = "random_forest"
	GBDT               = "gbdt"
)

// Predictor is a fitted binary classifier over raw frame columns. Build one
// with Fit or Load, or by filling the fields with an already fitted
// preprocessor and learner and calling Check. A checked Predictor is safe for
// concurrent use; it must not be copied or modified afterwards.
type Predictor struct {
	// Preprocessor is fitted; its Inputs are the model's input schema and its
	// Features the learner's columns.
	Preprocessor *transform.Preprocessor
	// Model is the fitted learner: *linear.LogisticRegression,
	// *tree.RandomForestClassifier or *gbdt.Model (binary objective).
	Model ml.Classifier
	// Target names the column the model predicts.
	Target string
	// Classes are the target's labels: Classes[0] for y = 0, Classes[1]
	// (the positive class, whose probability the model gives) for y = 1.
	Classes [2]string
	// Threshold decides the label: Classes[1] when the probability is
	// strictly greater than Threshold, as scikit-learn's predict at 0.5.
	Threshold float64

	row  ml.RowPredictor // Model, for one-row scoring
	bufs sync.Pool       // *[]float64 feature rows for PredictRow
}

// LearnerType returns the type tag of Model (LogisticRegression,
// RandomForest or GBDT), or an error for any other learner.
func (p *Predictor) LearnerType() (string, error) {
	switch m := p.Model.(type) {
	case *linear.LogisticRegression:
		return LogisticRegression, nil
	case *tree.RandomForestClassifier:
		return RandomForest, nil
	case *gbdt.Model:
		if m.Objective != gbdt.Binary {
			return "", fmt.Errorf("predictor: gbdt model has objective %q, want %q", m.Objective, gbdt.Binary)
		}
		return GBDT, nil
	case nil:
		return "", fmt.Errorf("predictor: no model")
	}
	return "", fmt.Errorf("predictor: unsupported learner %T (want logistic regression, random forest or gbdt)", p.Model)
}

// numFeatures returns how many columns the fitted learner reads.
func numFeatures(m ml.Classifier) int {
	switch m := m.(type) {
	case *linear.LogisticRegression:
		return len(m.Coef)
	case *tree.RandomForestClassifier:
		return m.NFeatures
	case *gbdt.Model:
		return m.NumFeatures
	}
	return -1
}

// Check validates that the fields fit together (fitted preprocessor and
// learner of matching width, two distinct class labels, a threshold in
// [0, 1]) and prepares one-row scoring. Fit and Load call it.
func (p *Predictor) Check() error {
	if err := p.validate(); err != nil {
		return err
	}
	rp, ok := p.Model.(ml.RowPredictor)
	if !ok {
		return fmt.Errorf("predictor: learner %T cannot score single rows", p.Model)
	}
	p.row = rp
	return nil
}

// validate is Check without the preparation, so that Save, which may run
// while other goroutines score, writes nothing.
func (p *Predictor) validate() error {
	if _, err := p.LearnerType(); err != nil {
		return err
	}
	if p.Preprocessor == nil || p.Preprocessor.Inputs == nil {
		return fmt.Errorf("predictor: preprocessor is missing or not fitted")
	}
	if got, want := numFeatures(p.Model), p.Preprocessor.NumFeatures(); got != want {
		return fmt.Errorf("predictor: learner reads %d features but the preprocessor writes %d", got, want)
	}
	if p.Target == "" {
		return fmt.Errorf("predictor: no target name")
	}
	for _, name := range p.Preprocessor.InputNames() {
		if name == p.Target {
			return fmt.Errorf("predictor: target %q is also an input", p.Target)
		}
	}
	if p.Classes[0] == p.Classes[1] {
		return fmt.Errorf("predictor: class labels must differ, got %q twice", p.Classes[0])
	}
	if math.IsNaN(p.Threshold) || p.Threshold < 0 || p.Threshold > 1 {
		return fmt.Errorf("predictor: threshold %v is outside [0, 1]", p.Threshold)
	}
	return nil
}

// InputSchema returns the raw input columns, names and kinds, in the order
// PredictRow takes them. The caller must not modify it.
func (p *Predictor) InputSchema() frame.Schema {
	return frame.Schema{Fields: p.Preprocessor.Inputs}
}

// FeatureNames returns the names of the learner's columns, such as "age" or
// "job=admin.". The caller must not modify it.
func (p *Predictor) FeatureNames() []string { return p.Preprocessor.Features }

// Label returns the class label for a positive-class probability.
func (p *Predictor) Label(proba float64) string {
	if proba > p.Threshold {
		return p.Classes[1]
	}
	return p.Classes[0]
}

// PredictFrame scores every row of f, which needs the input columns (others,
// such as the target, are ignored). It returns the positive-class
// probability and the label of each row.
func (p *Predictor) PredictFrame(f *frame.Frame) (proba []float64, labels []string, err error) {
	if p.row == nil {
		return nil, nil, fmt.Errorf("predictor: not checked (use Fit, Load or Check)")
	}
	X, err := p.Preprocessor.Transform(f)
	if err != nil {
		return nil, nil, fmt.Errorf("predictor: %w", err)
	}
	proba, err = p.Model.PredictProba(X)
	if err != nil {
		return nil, nil, fmt.Errorf("predictor: %w", err)
	}
	labels = make([]string, len(proba))
	for i, x := range proba {
		labels[i] = p.Label(x)
	}
	return proba, labels, nil
}

// PredictRow scores one row given as the input values in InputSchema order
// (see transform.Preprocessor.TransformRow for the Go types accepted). It
// allocates nothing once warm beyond what the conversion of values needs.
func (p *Predictor) PredictRow(values []any) (proba float64, label string, err error) {
	if p.row == nil {
		return 0, "", fmt.Errorf("predictor: not checked (use Fit, Load or Check)")
	}
	buf := p.buffer()
	defer p.bufs.Put(buf)
	if *buf, err = p.Preprocessor.TransformRow(values, *buf); err != nil {
		return 0, "", fmt.Errorf("predictor: %w", err)
	}
	proba = p.row.PredictRow(*buf)
	return proba, p.Label(proba), nil
}

// PredictMap is PredictRow with the inputs looked up by column name; a
// missing input column is an error, extra keys are ignored.
func (p *Predictor) PredictMap(values map[string]any) (proba float64, label string, err error) {
	if p.row == nil {
		return 0, "", fmt.Errorf("predictor: not checked (use Fit, Load or Check)")
	}
	buf := p.buffer()
	defer p.bufs.Put(buf)
	if *buf, err = p.Preprocessor.TransformMap(values, *buf); err != nil {
		return 0, "", fmt.Errorf("predictor: %w", err)
	}
	proba = p.row.PredictRow(*buf)
	return proba, p.Label(proba), nil
}

func (p *Predictor) buffer() *[]float64 {
	if b, ok := p.bufs.Get().(*[]float64); ok {
		return b
	}
	b := make([]float64, p.Preprocessor.NumFeatures())
	return &b
}
