// Package linear fits linear models. LogisticRegression (binary and
// multinomial), LinearRegression and Ridge minimise the same objectives as
// scikit-learn's estimators of those names, so their coefficients can be
// checked against scikit-learn's.
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

// LogisticRegression is a logistic regression over K ≥ 2 classes. With two
// classes Fit minimises
//
//	C · Σᵢ sᵢ · logloss(yᵢ, σ(xᵢ·w + b)) + penalty(w)
//
// where sᵢ is the sample weight times the class weight of yᵢ: scikit-learn's
// convention, so C is its C. With K > 2 classes it fits the multinomial
// (softmax) model with one weight vector wₖ and intercept bₖ per class,
// minimising
//
//	C · Σᵢ sᵢ · (log Σₖ exp(xᵢ·wₖ + bₖ) − (xᵢ·w_yᵢ + b_yᵢ)) + Σₖ penalty(wₖ)
//
// as scikit-learn's LogisticRegression does for more than two classes; the
// intercepts are returned centred (they sum to zero), as scikit-learn's are.
// Configure the exported fields before Fit; the fitted fields are filled by
// Fit or by UnmarshalJSON.
type LogisticRegression struct {
	Penalty      Penalty // default PenaltyL2
	C            float64 // inverse regularisation strength, > 0; default 1
	L1Ratio      float64 // ρ in [0, 1] for PenaltyElasticNet, scikit-learn's l1_ratio
	FitIntercept bool    // NewLogisticRegression sets true
	// Classes is the number of classes K; 0 takes it from y as the largest
	// label plus one. Labels are the class indices 0 to K−1, and every class
	// needs at least one sample.
	Classes int
	// ClassWeight multiplies the weight of every sample of a class; a
	// missing class has weight 1. Ignored when BalancedClassWeight is set.
	ClassWeight map[int]float64
	// BalancedClassWeight weights class k by W / (K · W(k)), where W(k) is the
	// total sample weight of class k (its count without weights), as
	// scikit-learn's class_weight="balanced".
	BalancedClassWeight bool
	MaxIter             int     // default 10000
	Tol                 float64 // largest gradient entry of the objective divided by C·Σsᵢ; default 1e-10
	Memory              int     // L-BFGS correction pairs; default 20
	// Progress, if not nil, is called after every optimiser iteration with
	// the iterations done and MaxIter.
	Progress ml.Progress

	// Fitted model. A binary model fills Coef and Intercept; a model of
	// K > 2 classes fills ClassCoef and ClassIntercept instead.
	Coef           []float64   // one coefficient per feature
	Intercept      float64     // the binary model's intercept
	ClassCoef      [][]float64 // K rows of one coefficient per feature
	ClassIntercept []float64   // K intercepts, summing to zero
	FeatureNames   []string    // X.Names at Fit time, may be nil
	NIter          int         // iterations used by the optimiser
	GradNorm       float64     // largest |gradient| entry at the solution, scaled like Tol
	Converged      bool        // GradNorm ≤ Tol within MaxIter
}

// NewLogisticRegression returns an L2-penalised logistic regression with
// scikit-learn's defaults (C = 1, intercept fitted) and a tight tolerance.
func NewLogisticRegression() *LogisticRegression {
	return &LogisticRegression{Penalty: PenaltyL2, C: 1, FitIntercept: true, MaxIter: 10000, Tol: 1e-10, Memory: 20}
}

var (
	_ ml.Classifier           = (*LogisticRegression)(nil)
	_ ml.RowPredictor         = (*LogisticRegression)(nil)
	_ ml.MulticlassClassifier = (*LogisticRegression)(nil)
	_ ml.RowProbaPredictor    = (*LogisticRegression)(nil)
)

// Fit estimates the coefficients. y holds class indices (0 or 1 for a binary
// model); weights may be nil. X must have no missing values: imputation is
// the caller's job. Fit stops with ctx.Err() when ctx is done between two
// iterations.
func (m *LogisticRegression) Fit(ctx context.Context, X *ml.Matrix, y, weights []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.validate(); err != nil {
		return err
	}
	if err := checkData(X, y, weights); err != nil {
		return fmt.Errorf("logistic regression: %w", err)
	}
	k, err := numClasses(y, m.Classes)
	if err != nil {
		return fmt.Errorf("logistic regression: %w", err)
	}
	if k < 2 {
		k = 2 // one class: sampleWeights says so in binary terms
	}
	sw, err := sampleWeights(X, y, weights, m.ClassWeight, m.BalancedClassWeight, k)
	if err != nil {
		return fmt.Errorf("logistic regression: %w", err)
	}
	if k > 2 {
		return m.fitMultinomial(ctx, X, y, sw, k)
	}
	p := X.NumCols()
	total := 0.0
	for _, s := range sw {
		total += s
	}
	// The objective is divided by C·Σsᵢ (as scikit-learn does) so the
	// tolerance means the same thing for any data size and C.
	obj := &logLoss{X: X, y: y, sw: sw, scale: 1 / total, z: make([]float64, X.Rows), r: make([]float64, X.Rows)}
	l1, l2 := m.penaltyWeights(total, p+1, func(j int) bool { return j < p })
	obj.l2 = l2
	obj.intercept = m.FitIntercept
	x := make([]float64, p+1) // coefficients then the intercept
	opt := m.minimizer(ctx)
	res := opt.run(obj.eval, x, l1)
	if err := ctx.Err(); err != nil {
		return err
	}
	m.Coef = append([]float64(nil), x[:p]...)
	m.Intercept = x[p]
	m.ClassCoef, m.ClassIntercept = nil, nil
	m.FeatureNames = append([]string(nil), X.Names...)
	if X.Names == nil {
		m.FeatureNames = nil
	}
	m.NIter, m.GradNorm, m.Converged = res.iter, res.gradNorm, res.converged
	return nil
}

// minimizer returns the optimiser with m's settings, stopped by ctx and
// reporting to m.Progress.
func (m *LogisticRegression) minimizer(ctx context.Context) minimizer {
	opt := minimizer{memory: m.Memory, maxIter: m.MaxIter, tol: m.Tol, done: ctx.Done()}
	if m.Progress != nil {
		opt.progress = func(iter int) { m.Progress(iter, m.MaxIter) }
	}
	return opt
}

// penaltyWeights returns the per-parameter L1 weights of the penalty scaled by
// 1/(C·total) for a parameter vector of n entries, of which the entries
// with penalised(j) true are coefficients, and the L2 weight; l1 is nil when
// the penalty has no L1 term.
func (m *LogisticRegression) penaltyWeights(total float64, n int, penalised func(j int) bool) (l1 []float64, l2 float64) {
	var l1w float64
	switch m.Penalty {
	case PenaltyL2:
		l2 = 1 / (m.C * total)
	case PenaltyL1:
		l1w = 1 / (m.C * total)
	case PenaltyElasticNet:
		l2 = (1 - m.L1Ratio) / (m.C * total)
		l1w = m.L1Ratio / (m.C * total)
	}
	if l1w > 0 {
		l1 = make([]float64, n)
		for j := range l1 {
			if penalised(j) {
				l1[j] = l1w
			}
		}
	}
	return l1, l2
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
	if m.ClassCoef != nil {
		return nil, fmt.Errorf("logistic regression: model has %d classes, not 2: use PredictProbaMulti", len(m.ClassCoef))
	}
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

// PredictProba returns P(y=1) for each row of X of a binary model. A missing
// value yields NaN for its row. A model of more than two classes fails: use
// PredictProbaMulti.
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
// fitted, has more than two classes, or the row is too short.
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
