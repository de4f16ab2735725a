package tree

import (
	"context"
	"fmt"
	"math"

	"github.com/weir-ml/weir/ml"
)

// DecisionTreeClassifier is a CART classifier for labels 0..K-1: binary
// (P(y=1) in each leaf) when K is 2, multiclass (a class distribution in
// each node) when it is more. Configure the exported Params before Fit; Fit
// fills the fitted fields.
type DecisionTreeClassifier struct {
	Params
	Seed uint64 // decides the order features are examined in, so ties between equally good splits

	Tree               *Tree
	NFeatures          int
	FeatureNames       []string  // X.Names at Fit time, may be nil
	FeatureImportances []float64 // normalised mean decrease in impurity
}

// DecisionTreeRegressor is a CART regressor (squared error).
type DecisionTreeRegressor struct {
	Params
	Seed uint64

	Tree               *Tree
	NFeatures          int
	FeatureNames       []string
	FeatureImportances []float64
}

// NewDecisionTreeClassifier returns a Gini tree grown until leaves are pure,
// examining every feature at each split: scikit-learn's defaults.
func NewDecisionTreeClassifier() *DecisionTreeClassifier {
	return &DecisionTreeClassifier{Params: Params{Criterion: Gini}}
}

// NewDecisionTreeRegressor returns a squared-error tree with scikit-learn's
// defaults.
func NewDecisionTreeRegressor() *DecisionTreeRegressor {
	return &DecisionTreeRegressor{Params: Params{Criterion: SquaredError}}
}

var (
	_ ml.Classifier           = (*DecisionTreeClassifier)(nil)
	_ ml.MulticlassClassifier = (*DecisionTreeClassifier)(nil)
	_ ml.RowPredictor         = (*DecisionTreeClassifier)(nil)
	_ ml.RowProbaPredictor    = (*DecisionTreeClassifier)(nil)
	_ ml.Regressor            = (*DecisionTreeRegressor)(nil)
	_ ml.RowPredictor         = (*DecisionTreeRegressor)(nil)
)

// Fit grows the tree on labels y (class indices 0..K-1) with optional
// sample weights.
func (m *DecisionTreeClassifier) Fit(ctx context.Context, X *ml.Matrix, y, weights []float64) error {
	t, imp, err := fitTree(ctx, X, y, weights, true, m.Params, m.Seed)
	if err != nil {
		return fmt.Errorf("decision tree classifier: %w", err)
	}
	m.Tree, m.FeatureImportances, m.NFeatures, m.FeatureNames = t, imp, X.NumCols(), cloneNames(X.Names)
	return nil
}

// PredictProba returns P(y=1) for each row of X; a multiclass tree refuses
// it.
func (m *DecisionTreeClassifier) PredictProba(X *ml.Matrix) ([]float64, error) {
	if m.Tree == nil {
		return nil, fmt.Errorf("decision tree classifier: model is not fitted")
	}
	if m.Tree.Classes != 0 {
		return nil, fmt.Errorf("decision tree classifier: model has %d classes: PredictProba gives P(y=1) of binary models, PredictProbaMulti the probabilities of every class", m.Tree.Classes)
	}
	return predictMatrix([]*Tree{m.Tree}, m.NFeatures, X, 1)
}

// PredictRow returns P(y=1) for one row without allocating, or NaN when
// the model is not fitted, the row is too short or the tree is multiclass.
func (m *DecisionTreeClassifier) PredictRow(row []float64) float64 {
	if m.Tree == nil || len(row) < m.NFeatures || m.Tree.Classes != 0 {
		return math.NaN()
	}
	return m.Tree.PredictRow(row)
}

// NumClasses returns the number of classes K of the fitted tree: 2 for a
// binary tree, 0 before Fit.
func (m *DecisionTreeClassifier) NumClasses() int {
	if m.Tree == nil {
		return 0
	}
	return numClasses([]*Tree{m.Tree})
}

// PredictProbaMulti returns K probabilities per row of X, out[i*K+c] =
// P(y=c): the leaf's class distribution, or (1-p, p) for a binary tree.
func (m *DecisionTreeClassifier) PredictProbaMulti(X *ml.Matrix) ([]float64, error) {
	if m.Tree == nil {
		return nil, fmt.Errorf("decision tree classifier: model is not fitted")
	}
	p, err := predictProbaMatrix([]*Tree{m.Tree}, m.NFeatures, m.NumClasses(), X, 1)
	if err != nil {
		return nil, fmt.Errorf("decision tree classifier: %w", err)
	}
	return p, nil
}

// PredictProbaRow writes one row's K class probabilities into out without
// allocating; it writes NaNs when the tree is not fitted, the row is too
// short or len(out) is not K.
func (m *DecisionTreeClassifier) PredictProbaRow(row []float64, out []float64) {
	if m.Tree == nil || len(row) < m.NFeatures || len(out) != m.NumClasses() {
		fillNaN(out)
		return
	}
	if m.Tree.Classes == 0 {
		p := m.Tree.PredictRow(row)
		out[0], out[1] = 1-p, p
		return
	}
	copy(out, m.Tree.leafDist(row))
}

// Fit grows the tree on targets y with optional sample weights.
func (m *DecisionTreeRegressor) Fit(ctx context.Context, X *ml.Matrix, y, weights []float64) error {
	t, imp, err := fitTree(ctx, X, y, weights, false, m.Params, m.Seed)
	if err != nil {
		return fmt.Errorf("decision tree regressor: %w", err)
	}
	m.Tree, m.FeatureImportances, m.NFeatures, m.FeatureNames = t, imp, X.NumCols(), cloneNames(X.Names)
	return nil
}

// Predict returns the predicted target for each row of X.
func (m *DecisionTreeRegressor) Predict(X *ml.Matrix) ([]float64, error) {
	if m.Tree == nil {
		return nil, fmt.Errorf("decision tree regressor: model is not fitted")
	}
	return predictMatrix([]*Tree{m.Tree}, m.NFeatures, X, 1)
}

// PredictRow returns the prediction for one row without allocating, or NaN
// when the model is not fitted or the row is too short.
func (m *DecisionTreeRegressor) PredictRow(row []float64) float64 {
	if m.Tree == nil || len(row) < m.NFeatures {
		return math.NaN()
	}
	return m.Tree.PredictRow(row)
}

// fitTree grows one tree and returns it with its normalised importances.
func fitTree(ctx context.Context, X *ml.Matrix, y, weights []float64, classifier bool, pr Params, seed uint64) (*Tree, []float64, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	w, k, err := checkXY(X, y, weights, classifier, pr, false)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := pr.resolve(X.NumCols(), k, "all")
	if err != nil {
		return nil, nil, err
	}
	data, err := binMatrix(X, 1)
	if err != nil {
		return nil, nil, err
	}
	t := newBuilder(cfg, data).grow(y, w, seed)
	imp := make([]float64, X.NumCols())
	t.addImportances(imp)
	normalize(imp)
	return t, imp, nil
}

func cloneNames(names []string) []string {
	if names == nil {
		return nil
	}
	return append([]string(nil), names...)
}
