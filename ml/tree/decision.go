package tree

import (
	"context"
	"fmt"
	"math"

	"github.com/weir-ml/weir/ml"
)

// DecisionTreeClassifier is a CART classifier for 0/1 labels. Configure the
// exported Params before Fit; Fit fills the fitted fields.
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
	_ ml.Classifier   = (*DecisionTreeClassifier)(nil)
	_ ml.RowPredictor = (*DecisionTreeClassifier)(nil)
	_ ml.Regressor    = (*DecisionTreeRegressor)(nil)
	_ ml.RowPredictor = (*DecisionTreeRegressor)(nil)
)

// Fit grows the tree on labels y (0 or 1) with optional sample weights.
func (m *DecisionTreeClassifier) Fit(ctx context.Context, X *ml.Matrix, y, weights []float64) error {
	t, imp, err := fitTree(ctx, X, y, weights, true, m.Params, m.Seed)
	if err != nil {
		return fmt.Errorf("decision tree classifier: %w", err)
	}
	m.Tree, m.FeatureImportances, m.NFeatures, m.FeatureNames = t, imp, X.NumCols(), cloneNames(X.Names)
	return nil
}

// PredictProba returns P(y=1) for each row of X.
func (m *DecisionTreeClassifier) PredictProba(X *ml.Matrix) ([]float64, error) {
	if m.Tree == nil {
		return nil, fmt.Errorf("decision tree classifier: model is not fitted")
	}
	return predictMatrix([]*Tree{m.Tree}, m.NFeatures, X, 1)
}

// PredictRow returns P(y=1) for one row without allocating, or NaN when
// the model is not fitted or the row is too short.
func (m *DecisionTreeClassifier) PredictRow(row []float64) float64 {
	if m.Tree == nil || len(row) < m.NFeatures {
		return math.NaN()
	}
	return m.Tree.PredictRow(row)
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

func fitTree(ctx context.Context, X *ml.Matrix, y, weights []float64, classifier bool, pr Params, seed uint64) (*Tree, []float64, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	w, err := checkXY(X, y, weights, classifier, pr, false)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := pr.resolve(X.NumCols(), classifier, "all")
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
