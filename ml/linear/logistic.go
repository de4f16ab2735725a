// Package linear fits linear models. LogisticRegression minimises the same
// objective as scikit-learn's LogisticRegression, so its coefficients can be
// checked against scikit-learn's to within the optimiser's tolerance.
package linear

import (
	"context"
	"fmt"
	"math"

	"github.com/weir-ml/weir/ml"
)

// Penalty names the regularisation term of a LogisticRegression.
type Penalty string

// Penalties. PenaltyL2 adds ½‖w‖², PenaltyL1 adds ‖w‖₁, PenaltyElasticNet
// adds ρ‖w‖₁ + ½(1−ρ)‖w‖² with ρ = L1Ratio; the intercept is never
// penalised.
const (
	PenaltyL2         Penalty = "l2"
	PenaltyL1         Penalty = "l1"
	PenaltyElasticNet Penalty = "elasticnet"
	PenaltyNone       Penalty = "none"
)

// LogisticRegression is a binary logistic regression. Fit minimises
//
//	C · Σᵢ sᵢ · logloss(yᵢ, σ(xᵢ·w + b)) + penalty(w)
//
// where sᵢ is the sample weight times the class weight of yᵢ: scikit-learn's
// convention, so C is its C. Configure the exported fields before Fit; the
// fitted fields are filled by Fit or by UnmarshalJSON.
type LogisticRegression struct {
	Penalty      Penalty // default PenaltyL2
	C            float64 // inverse regularisation strength, > 0; default 1
	L1Ratio      float64 // ρ in [0, 1] for PenaltyElasticNet, scikit-learn's l1_ratio
	FitIntercept bool    // NewLogisticRegression sets true
	// ClassWeight multiplies the weight of every sample of class 0 or 1;
	// a missing class has weight 1. Ignored when BalancedClassWeight is set.
	ClassWeight map[int]float64
	// BalancedClassWeight weights class k by W / (2 · W(k)), where W(k) is the
	// total sample weight of class k (its count without weights), as
	// scikit-learn's class_weight="balanced".
	BalancedClassWeight bool
	MaxIter             int     // default 10000
	Tol                 float64 // largest gradient entry of the objective divided by C·Σsᵢ; default 1e-10
	Memory              int     // L-BFGS correction pairs; default 20

	// Fitted model.
	Coef         []float64 // one coefficient per feature
	Intercept    float64
	FeatureNames []string // X.Names at Fit time, may be nil
	NIter        int      // iterations used by the optimiser
	GradNorm     float64  // largest |gradient| entry at the solution, scaled like Tol
	Converged    bool     // GradNorm ≤ Tol within MaxIter
}

// NewLogisticRegression returns an L2-penalised logistic regression with
// scikit-learn's defaults (C = 1, intercept fitted) and a tight tolerance.
func NewLogisticRegression() *LogisticRegression {
	return &LogisticRegression{Penalty: PenaltyL2, C: 1, FitIntercept: true, MaxIter: 10000, Tol: 1e-10, Memory: 20}
}

var (
	_ ml.Classifier   = (*LogisticRegression)(nil)
	_ ml.RowPredictor = (*LogisticRegression)(nil)
)

// Fit estimates the coefficients. y holds 0 or 1 labels; weights may be nil.
// X must have no missing values: imputation is the caller's job. Fit stops
// with ctx.Err() when ctx is done between two iterations.
func (m *LogisticRegression) Fit(ctx context.Context, X *ml.Matrix, y, weights []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.validate(); err != nil {
		return err
	}
	sw, err := sampleWeights(X, y, weights, m.ClassWeight, m.BalancedClassWeight)
	if err != nil {
		return err
	}
	p := X.NumCols()
	total := 0.0
	for _, s := range sw {
		total += s
	}
	// The objective is divided by C·Σsᵢ (as scikit-learn does) so the
	// tolerance means the same thing for any data size and C.
	obj := &logLoss{X: X, y: y, sw: sw, scale: 1 / total, z: make([]float64, X.Rows), r: make([]float64, X.Rows)}
	var l1 []float64
	switch m.Penalty {
	case PenaltyL2:
		obj.l2 = 1 / (m.C * total)
	case PenaltyL1:
		l1 = make([]float64, p+1)
		for j := 0; j < p; j++ {
			l1[j] = 1 / (m.C * total)
		}
	case PenaltyElasticNet:
		obj.l2 = (1 - m.L1Ratio) / (m.C * total)
		if m.L1Ratio > 0 {
			l1 = make([]float64, p+1)
			for j := 0; j < p; j++ {
				l1[j] = m.L1Ratio / (m.C * total)
			}
		}
	}
	obj.intercept = m.FitIntercept
	x := make([]float64, p+1) // coefficients then the intercept
	opt := minimizer{memory: m.Memory, maxIter: m.MaxIter, tol: m.Tol, done: ctx.Done()}
	res := opt.run(obj.eval, x, l1)
	if err := ctx.Err(); err != nil {
		return err
	}
	m.Coef = append([]float64(nil), x[:p]...)
	m.Intercept = x[p]
	m.FeatureNames = append([]string(nil), X.Names...)
	if X.Names == nil {
		m.FeatureNames = nil
	}
	m.NIter, m.GradNorm, m.Converged = res.iter, res.gradNorm, res.converged
	return nil
}

func (m *LogisticRegression) validate() error {
	switch m.Penalty {
	case "":
		m.Penalty = PenaltyL2
	case PenaltyL1, PenaltyL2, PenaltyNone:
	case PenaltyElasticNet:
		if !(m.L1Ratio >= 0 && m.L1Ratio <= 1) {
			return fmt.Errorf("logistic regression: L1Ratio must be in [0, 1], got %v", m.L1Ratio)
		}
	default:
		return fmt.Errorf("logistic regression: unknown penalty %q (want l1, l2, elasticnet or none)", m.Penalty)
	}
	if m.Penalty != PenaltyNone && (!(m.C > 0) || math.IsInf(m.C, 0)) {
		return fmt.Errorf("logistic regression: C must be a positive finite number, got %v", m.C)
	}
	if m.MaxIter < 0 || !(m.Tol >= 0) {
		return fmt.Errorf("logistic regression: MaxIter %d and Tol %v must not be negative", m.MaxIter, m.Tol)
	}
	if m.MaxIter == 0 {
		m.MaxIter = 10000
	}
	if m.Tol == 0 {
		m.Tol = 1e-10
	}
	if m.Memory <= 0 {
		m.Memory = 20
	}
	return nil
}

// Decision returns the linear score b + x·w of each row of X.
func (m *LogisticRegression) Decision(X *ml.Matrix) ([]float64, error) {
	if m.Coef == nil {
		return nil, fmt.Errorf("logistic regression: model is not fitted")
	}
	if err := X.Check(); err != nil {
		return nil, err
	}
	if X.NumCols() != len(m.Coef) {
		return nil, fmt.Errorf("logistic regression: X has %d columns, model has %d features", X.NumCols(), len(m.Coef))
	}
	z := make([]float64, X.Rows)
	linearScore(X, m.Coef, m.Intercept, z)
	return z, nil
}

// PredictProba returns P(y=1) for each row of X. A missing value yields NaN
// for its row.
func (m *LogisticRegression) PredictProba(X *ml.Matrix) ([]float64, error) {
	z, err := m.Decision(X)
	if err != nil {
		return nil, err
	}
	for i, v := range z {
		z[i] = sigmoid(v)
	}
	return z, nil
}

// PredictRow returns P(y=1) for one row of len(Coef) values without
// allocating. It returns NaN, rather than failing, when the model is not
// fitted or the row is too short.
func (m *LogisticRegression) PredictRow(row []float64) float64 {
	if len(m.Coef) == 0 || len(row) < len(m.Coef) {
		return math.NaN()
	}
	z := m.Intercept
	for j, w := range m.Coef {
		z += w * row[j]
	}
	return sigmoid(z)
}

func linearScore(X *ml.Matrix, w []float64, b float64, z []float64) {
	for i := range z {
		z[i] = b
	}
	for j, col := range X.Cols {
		if w[j] != 0 {
			axpy(w[j], col, z)
		}
	}
}

// sigmoid is 1/(1+e^-z), evaluated without overflow for large |z|.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
