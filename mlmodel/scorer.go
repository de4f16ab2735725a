package mlmodel

import (
	"github.com/weir-ml/weir/ml/frame"
)

// Scorer is a loaded model of any flavor, ready to score rows of raw input
// values: Weir's own predictor, or a model another library saved (LightGBM,
// XGBoost, scikit-learn), read by the adapter package named for its format
// (mlmodel/lightgbm, mlmodel/xgboost, mlmodel/sklearn). The scoring server,
// monitoring and retraining use every model through this one interface.
// Implementations must be safe for concurrent use once opened.
type Scorer interface {
	// Inputs returns the columns Score reads, in the order rows hold them.
	Inputs() []Input
	// Output describes what Score writes and what the flavor's pyfunc
	// predict returns.
	Output() Output
	// Score scores len(rows) rows into out, which the caller sized with
	// out.Resize. Each row has one value per input column, in order: nil
	// (missing), float64, int64, string, bool or time.Time. An error names
	// the row and column at fault.
	Score(rows [][]any, out *Scores) error
}

// Input is one column a Scorer reads.
type Input struct {
	Name string
	// Kind is how values of the column are read: frame.Float, frame.Int,
	// frame.Categorical (strings), frame.Bool or frame.Time.
	Kind frame.Kind
	// Required columns must be present in a request; an optional one is
	// scored as missing when absent.
	Required bool
}

// What a flavor's pyfunc predict returns, and so what the scoring server
// answers under "predictions".
const (
	// PredictLabel: one class label per row (scikit-learn classifiers,
	// LightGBM's and XGBoost's scikit-learn wrappers).
	PredictLabel = "label"
	// PredictProba: for binary tasks P(Classes[1]) per row, for multiclass
	// a row of K probabilities (LightGBM and XGBoost Boosters, or a
	// scikit-learn model logged with pyfunc_predict_fn="predict_proba").
	PredictProba = "proba"
	// PredictValue: one number per row (regressors).
	PredictValue = "value"
	// PredictRecords: Weir's own predictors, one record per row with the
	// probability and the decided label.
	PredictRecords = "records"
	// PredictRaw: each row's answer is JSON that the model wrote itself (a
	// pyfunc model scored by its own Python), passed through as is.
	PredictRaw = "raw"
)

// Output describes a Scorer's answers.
type Output struct {
	// Task is ml.TaskBinary, ml.TaskMulticlass or ml.TaskRegression; ""
	// when unknown (only with PredictRaw).
	Task string
	// Classes are the class labels of a classifier, in the order of its
	// probabilities, typed as the model holds them: string, int64, float64
	// or bool. Empty for regression.
	Classes []any
	// Predict is PredictLabel, PredictProba, PredictValue, PredictRecords
	// or PredictRaw.
	Predict string
	// AllClasses, with PredictProba, says that a binary classifier's
	// answer is both classes' probabilities per row (scikit-learn's
	// predict_proba), not the positive class's alone (a Booster's).
	AllClasses bool
}

// Scores holds the answers for a batch of rows.
type Scores struct {
	// K is the number of classes (0 for regression).
	K int
	// Value[i] is row i's prediction for regression, and P(Classes[1]) for
	// a binary classifier.
	Value []float64
	// Proba[i*K+k] is P(Classes[k]) for row i of a classifier.
	Proba []float64
	// Label[i] is the index in Classes of the label the model's own
	// predict gives row i (its own tie and threshold rules).
	Label []int
	// Raw[i] is row i's answer as JSON, for PredictRaw; when it is a
	// number, Value[i] holds it too (so drift gauges can watch it), else
	// Value[i] is NaN.
	Raw [][]byte
}

// Resize makes s hold n rows of k classes (k = 0 for regression), reusing
// its slices when they are large enough.
func (s *Scores) Resize(n, k int) {
	s.K = k
	s.Value = grow(s.Value, n)
	if k > 0 {
		s.Proba = grow(s.Proba, n*k)
		s.Label = growInts(s.Label, n)
	} else {
		s.Proba, s.Label = s.Proba[:0], s.Label[:0]
	}
	if cap(s.Raw) < n {
		s.Raw = make([][]byte, n)
	}
	s.Raw = s.Raw[:n]
}

func grow(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}

func growInts(b []int, n int) []int {
	if cap(b) < n {
		return make([]int, n)
	}
	return b[:n]
}
