// Package gbdt trains and applies gradient-boosted decision trees the way
// LightGBM does: features are binned once into histograms, trees grow
// leaf-wise (best gain first), missing values and categorical features are
// handled natively, and a leaf's histogram is the parent's minus its
// sibling's. Training uses every core and gives the same model, byte for
// byte, whatever the number of threads.
package gbdt

import (
	"errors"
	"fmt"
	"math"

	"github.com/weir-ml/weir/ml"
)

// Model is a gradient-boosted tree ensemble. Create it with NewClassifier or
// NewRegressor, adjust Params and the optional validation fields, then Fit.
type Model struct {
	Params

	// ValidX and ValidY, when set, are scored after every iteration with
	// the metric in Params; EarlyStoppingRounds needs them.
	ValidX       *ml.Matrix
	ValidY       []float64
	ValidWeights []float64
	// Progress, if not nil, is called after every iteration.
	Progress ml.Progress

	// InitScore is the raw score every prediction starts from.
	InitScore float64
	// Trees are the fitted trees, in boosting order.
	Trees []*Tree
	// NumFeatures is the number of columns the model was fitted on.
	NumFeatures int
	// FeatureNames are the training matrix's column names, if it had any.
	FeatureNames []string
	// BestIteration is the number of trees kept by early stopping (0 when
	// early stopping did not run).
	BestIteration int
	// ValidHistory holds the validation metric after each iteration.
	ValidHistory []float64

	// fast scores PredictRows batches with per-feature tables; Fit and
	// Load build it, and it is nil when the trees do not suit it.
	fast *tableScorer
}

var (
	_ ml.Classifier   = (*Model)(nil)
	_ ml.Regressor    = (*Model)(nil)
	_ ml.RowPredictor = (*Model)(nil)
)

// NewClassifier returns a binary log-loss model with LightGBM's defaults.
func NewClassifier() *Model { return &Model{Params: DefaultParams(Binary)} }

// NewRegressor returns an L2 regression model with LightGBM's defaults;
// NewModel(RegressionL1) and NewModel(Huber) give the other losses.
func NewRegressor() *Model { return &Model{Params: DefaultParams(Regression)} }

var errNotFitted = errors.New("gbdt: model is not fitted")

// fitted reports whether Fit or Load has given the model its trees.
func (m *Model) fitted() bool { return m.NumFeatures > 0 }

// checkX validates a matrix given for prediction.
func (m *Model) checkX(X *ml.Matrix) error {
	if !m.fitted() {
		return errNotFitted
	}
	if X == nil {
		return errors.New("gbdt: nil matrix")
	}
	if err := X.Check(); err != nil {
		return fmt.Errorf("gbdt: %w", err)
	}
	if X.NumCols() != m.NumFeatures {
		return fmt.Errorf("gbdt: matrix has %d columns, the model was fitted on %d", X.NumCols(), m.NumFeatures)
	}
	return nil
}

// PredictRaw returns the raw score of each row of X: the log-odds for a
// binary classifier, the prediction for a regressor. Rows are scored in
// parallel. A multiclass model has K scores per row: see PredictRawMulti.
func (m *Model) PredictRaw(X *ml.Matrix) ([]float64, error) {
	if err := m.checkX(X); err != nil {
		return nil, err
	}
	if m.Objective == Multiclass {
		return nil, errors.New("gbdt: a multiclass model has one raw score per class: use PredictRawMulti")
	}
	out := make([]float64, X.Rows)
	forBlocks(X.Rows, m.threads(), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			s := m.InitScore
			for _, t := range m.Trees {
				s += t.leafValue[t.leafOfCol(X.Cols, r)]
			}
			out[r] = s
		}
	})
	return out, nil
}

// PredictProba returns P(y=1) for each row of X.
func (m *Model) PredictProba(X *ml.Matrix) ([]float64, error) {
	if m.fitted() && m.Objective != Binary {
		return nil, fmt.Errorf("gbdt: PredictProba needs a %q model, this one is %q", Binary, m.Objective)
	}
	out, err := m.PredictRaw(X)
	for i, s := range out {
		out[i] = sigmoid(s)
	}
	return out, err
}

// Predict returns the predicted value of each row: the probability of
// class 1 for a binary classifier, the most probable class for a
// multiclass one, the regression value otherwise.
func (m *Model) Predict(X *ml.Matrix) ([]float64, error) {
	if m.Objective == Multiclass && m.fitted() {
		raw, err := m.PredictRawMulti(X)
		if err != nil {
			return nil, err
		}
		k := m.NumClass
		out := make([]float64, len(raw)/k)
		for i := range out {
			out[i] = float64(argmax(raw[i*k : (i+1)*k]))
		}
		return out, nil
	}
	out, err := m.PredictRaw(X)
	if m.Objective == Binary {
		for i, s := range out {
			out[i] = sigmoid(s)
		}
	}
	return out, err
}

// PredictRawRow returns the raw score of one row of NumFeatures values,
// without allocating. A short row, an unfitted model, or a multiclass one
// (K scores: see PredictProbaRow) gives NaN.
func (m *Model) PredictRawRow(row []float64) float64 {
	if !m.fitted() || len(row) < m.NumFeatures || m.Objective == Multiclass {
		return math.NaN()
	}
	s := m.InitScore
	for _, t := range m.Trees {
		s += t.leafValue[t.leaf(row)]
	}
	return s
}

// PredictRow returns the prediction for one row (a probability for a
// binary classifier, the most probable class for a multiclass one)
// without allocating. A short row, or an unfitted model, gives NaN.
func (m *Model) PredictRow(row []float64) float64 {
	if m.Objective == Multiclass && m.fitted() && len(row) >= m.NumFeatures {
		return m.predictedClass(row)
	}
	s := m.PredictRawRow(row)
	if m.Objective == Binary {
		return sigmoid(s)
	}
	return s
}

// Importance kinds for FeatureImportance.
const (
	ImportanceSplit = "split" // how many splits use the feature
	ImportanceGain  = "gain"  // total gain of the splits that use it
)

// FeatureImportance returns one value per feature.
func (m *Model) FeatureImportance(kind string) ([]float64, error) {
	if !m.fitted() {
		return nil, errNotFitted
	}
	if kind != ImportanceSplit && kind != ImportanceGain {
		return nil, fmt.Errorf("gbdt: unknown importance %q (want %q or %q)", kind, ImportanceSplit, ImportanceGain)
	}
	out := make([]float64, m.NumFeatures)
	for _, t := range m.Trees {
		for i, n := range t.nodes {
			if kind == ImportanceSplit {
				out[n.feature]++
			} else {
				out[n.feature] += t.nodeGain[i]
			}
		}
	}
	return out, nil
}
