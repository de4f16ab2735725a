// Package predictor holds Weir's saved model: the fitted preprocessing
// (transform.Preprocessor) that turns raw columns into features, one fitted
// learner and what a scorer needs to speak in the data's own terms: the
// task (binary, multiclass or regression), the input schema, the target's
// name, its class labels and the rule that decides a label (a threshold
// for binary, argmax or an optional cost matrix for multiclass). Learners
// are found through a registry (see Register). The scoring server, the
// pipeline and the model directory format (mlmodel) all load this one
// type. It imports only the standard library and Weir's ml packages.
package predictor

import (
	"fmt"
	"math"
	"sync"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/transform"
)

// Predictor is a fitted model over raw frame columns. Build one with Fit or
// Load, or by filling the fields with an already fitted preprocessor and
// learner and calling Check. A checked Predictor is safe for concurrent
// use; it must not be copied or modified afterwards.
type Predictor struct {
	// Task is ml.TaskBinary, ml.TaskMulticlass or ml.TaskRegression; empty
	// means binary.
	Task string
	// Preprocessor is fitted; its Inputs are the model's input schema and its
	// Features the learner's columns.
	Preprocessor *transform.Preprocessor
	// Model is the fitted learner, one registered for Task (see Register):
	// an ml.Classifier (binary: *linear.LogisticRegression,
	// *tree.RandomForestClassifier, *gbdt.Model), an ml.MulticlassClassifier
	// or an ml.Regressor (*tree.RandomForestRegressor, *gbdt.Model).
	Model any
	// Target names the column the model predicts.
	Target string
	// Classes are the target's labels in the order of the model's
	// probabilities. Binary: Classes[0] for y = 0 and Classes[1] (the
	// positive class, whose probability the model gives) for y = 1.
	// Multiclass: K ≥ 3 labels, Classes[k] for y = k. Regression: none.
	Classes []string
	// Threshold decides a binary label: Classes[1] when the probability is
	// strictly greater than Threshold, as scikit-learn's predict at 0.5.
	// Other tasks leave it 0.
	Threshold float64
	// CostMatrix optionally decides a multiclass label: CostMatrix[i][j] is
	// the cost of predicting Classes[j] when the truth is Classes[i], and
	// the label is the class of least expected cost Σᵢ P(i)·CostMatrix[i][j]
	// (the first on ties). Nil means the most probable class (the first on
	// ties), as scikit-learn's predict. Other tasks leave it nil.
	CostMatrix [][]float64
	// Offset is added to a regression predictor's predictions: the shift
	// that makes them the value of least expected cost when falling short
	// and overshooting cost differently (0: none).
	Offset float64

	rowBinary ml.RowPredictor      // Model, binary and regression
	rowProba  ml.RowProbaPredictor // Model, multiclass
	bufs      sync.Pool            // *[]float64 feature rows for one-row scoring
}

// task returns Task with the empty default resolved.
func (p *Predictor) task() string {
	if p.Task == "" {
		return ml.TaskBinary
	}
	return p.Task
}

// LearnerType returns the registered tag of Model for Task, such as
// LogisticRegression or GBDT, or an error for an unregistered learner or
// one that does not suit the task.
func (p *Predictor) LearnerType() (string, error) {
	l, err := learnerOf(p.task(), p.Model)
	if err != nil {
		return "", err
	}
	if _, err := l.NumFeatures(p.Model); err != nil {
		return "", err
	}
	return l.Tag, nil
}

// NumClasses returns the number of classes: 2 for binary, K for
// multiclass, 0 for regression.
func (p *Predictor) NumClasses() int { return len(p.Classes) }

// Check validates that the fields fit together (a known task, a
// registered learner that satisfies the task's interfaces and reads as
// many features as the fitted preprocessor writes, class labels, threshold
// or cost matrix as the task needs) and prepares one-row scoring. Fit and
// Load call it.
func (p *Predictor) Check() error {
	if err := p.validate(); err != nil {
		return err
	}
	if p.Task == "" {
		p.Task = ml.TaskBinary
	}
	switch p.Task {
	case ml.TaskMulticlass:
		p.rowProba = p.Model.(ml.RowProbaPredictor) // validate vetted it
	default:
		p.rowBinary = p.Model.(ml.RowPredictor)
	}
	return nil
}

// validate is Check without the preparation, so that Save, which may run
// while other goroutines score, writes nothing.
func (p *Predictor) validate() error {
	task := p.task()
	if !knownTask(task) {
		return fmt.Errorf("predictor: unknown task %q (want %s, %s or %s)", task, ml.TaskBinary, ml.TaskMulticlass, ml.TaskRegression)
	}
	l, err := learnerOf(task, p.Model)
	if err != nil {
		return err
	}
	if err := checkInterfaces(task, p.Model); err != nil {
		return err
	}
	n, err := l.NumFeatures(p.Model)
	if err != nil {
		return err
	}
	if p.Preprocessor == nil || p.Preprocessor.Inputs == nil {
		return fmt.Errorf("predictor: preprocessor is missing or not fitted")
	}
	if want := p.Preprocessor.NumFeatures(); n != want {
		return fmt.Errorf("predictor: learner reads %d features but the preprocessor writes %d", n, want)
	}
	if p.Target == "" {
		return fmt.Errorf("predictor: no target name")
	}
	for _, name := range p.Preprocessor.InputNames() {
		if name == p.Target {
			return fmt.Errorf("predictor: target %q is also an input", p.Target)
		}
	}
	switch task {
	case ml.TaskBinary:
		return p.validateBinary()
	case ml.TaskMulticlass:
		return p.validateMulticlass()
	}
	return p.validateRegression()
}

// checkInterfaces reports whether model satisfies the task's interfaces.
func checkInterfaces(task string, model any) error {
	ok := false
	switch task {
	case ml.TaskBinary:
		_, c := model.(ml.Classifier)
		_, r := model.(ml.RowPredictor)
		ok = c && r
	case ml.TaskMulticlass:
		_, c := model.(ml.MulticlassClassifier)
		_, r := model.(ml.RowProbaPredictor)
		ok = c && r
	case ml.TaskRegression:
		_, c := model.(ml.Regressor)
		_, r := model.(ml.RowPredictor)
		ok = c && r
	}
	if !ok {
		return fmt.Errorf("predictor: learner %T cannot score %s rows one by one", model, task)
	}
	return nil
}

func (p *Predictor) validateBinary() error {
	if len(p.Classes) != 2 {
		return fmt.Errorf("predictor: %d classes, want 2", len(p.Classes))
	}
	if p.Classes[0] == p.Classes[1] {
		return fmt.Errorf("predictor: class labels must differ, got %q twice", p.Classes[0])
	}
	if math.IsNaN(p.Threshold) || p.Threshold < 0 || p.Threshold > 1 {
		return fmt.Errorf("predictor: threshold %v is outside [0, 1]", p.Threshold)
	}
	if p.CostMatrix != nil {
		return fmt.Errorf("predictor: a binary predictor decides by threshold and takes no cost matrix")
	}
	return nil
}

func (p *Predictor) validateMulticlass() error {
	k := len(p.Classes)
	if k < 3 {
		return fmt.Errorf("predictor: multiclass predictor has %d classes, want at least 3", k)
	}
	seen := make(map[string]bool, k)
	for _, c := range p.Classes {
		if seen[c] {
			return fmt.Errorf("predictor: class labels must differ, got %q twice", c)
		}
		seen[c] = true
	}
	if got := p.Model.(ml.MulticlassClassifier).NumClasses(); got != k {
		return fmt.Errorf("predictor: learner has %d classes but the predictor names %d", got, k)
	}
	if p.Threshold != 0 {
		return fmt.Errorf("predictor: a multiclass predictor takes no threshold (got %v)", p.Threshold)
	}
	if p.CostMatrix == nil {
		return nil
	}
	if len(p.CostMatrix) != k {
		return fmt.Errorf("predictor: cost matrix has %d rows for %d classes", len(p.CostMatrix), k)
	}
	for i, row := range p.CostMatrix {
		if len(row) != k {
			return fmt.Errorf("predictor: cost matrix row %d has %d costs for %d classes", i, len(row), k)
		}
		for j, c := range row {
			if math.IsNaN(c) || math.IsInf(c, 0) {
				return fmt.Errorf("predictor: cost matrix entry [%d][%d] is %v, want a finite number", i, j, c)
			}
		}
	}
	return nil
}

func (p *Predictor) validateRegression() error {
	if len(p.Classes) != 0 {
		return fmt.Errorf("predictor: a regression predictor has no classes (got %d)", len(p.Classes))
	}
	if p.Threshold != 0 || p.CostMatrix != nil {
		return fmt.Errorf("predictor: a regression predictor takes no threshold or cost matrix")
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

// Label returns a binary predictor's class label for a positive-class
// probability.
func (p *Predictor) Label(proba float64) string {
	if proba > p.Threshold {
		return p.Classes[1]
	}
	return p.Classes[0]
}

// Decide returns the index in Classes of the label for one row's class
// probabilities (len(proba) == NumClasses()): for binary, 1 when proba[1]
// is above Threshold; for multiclass, the class of least expected cost when
// CostMatrix is set, else the most probable class, the first on ties.
func (p *Predictor) Decide(proba []float64) int {
	if len(proba) == 2 && p.task() == ml.TaskBinary {
		if proba[1] > p.Threshold {
			return 1
		}
		return 0
	}
	if p.CostMatrix == nil {
		best := 0
		for k, x := range proba {
			if x > proba[best] {
				best = k
			}
		}
		return best
	}
	best, bestCost := 0, math.Inf(1)
	for j := range proba {
		cost := 0.0
		for i, x := range proba {
			cost += x * p.CostMatrix[i][j]
		}
		if cost < bestCost {
			best, bestCost = j, cost
		}
	}
	return best
}
