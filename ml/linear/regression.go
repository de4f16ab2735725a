package linear

import (
	"context"
	"fmt"
	"math"

	"github.com/weir-ml/weir/ml"
)

// LinearRegression is ordinary least squares: Fit minimises
// Σᵢ sᵢ·(yᵢ − xᵢ·w − b)² with sᵢ the sample weights, as scikit-learn's
// LinearRegression does. When XᵀX is singular (collinear or constant
// columns, more columns than rows) it returns the minimum-norm solution
// among the minimisers, ignoring singular values of the centred, weighted X
// at or below Tol times the largest, as scikit-learn's scipy.linalg.lstsq
// call does with cond = tol. Configure the exported fields before Fit; the
// fitted fields are filled by Fit or by UnmarshalJSON.
type LinearRegression struct {
	FitIntercept bool    // NewLinearRegression sets true
	Tol          float64 // relative singular-value cutoff, scikit-learn's tol; default 1e-6

	// Fitted model.
	Coef         []float64 // one coefficient per feature
	Intercept    float64
	FeatureNames []string // X.Names at Fit time, may be nil
	Rank         int      // rank of the centred, weighted X as the fit saw it
}

// NewLinearRegression returns a least-squares regression with
// scikit-learn's defaults: intercept fitted, tol 1e-6.
func NewLinearRegression() *LinearRegression {
	return &LinearRegression{FitIntercept: true, Tol: 1e-6}
}

// Ridge is least squares with an L2 penalty on the coefficients: Fit
// minimises Σᵢ sᵢ·(yᵢ − xᵢ·w − b)² + Alpha·‖w‖², the intercept
// unpenalised, as scikit-learn's Ridge does. Alpha = 0 is ordinary least
// squares with LinearRegression's handling of singular XᵀX. Configure the
// exported fields before Fit; the fitted fields are filled by Fit or by
// UnmarshalJSON.
type Ridge struct {
	Alpha        float64 // penalty strength, ≥ 0; NewRidge sets 1
	FitIntercept bool    // NewRidge sets true

	// Fitted model.
	Coef         []float64 // one coefficient per feature
	Intercept    float64
	FeatureNames []string // X.Names at Fit time, may be nil
}

// NewRidge returns a ridge regression with scikit-learn's defaults:
// alpha 1, intercept fitted.
func NewRidge() *Ridge {
	return &Ridge{Alpha: 1, FitIntercept: true}
}

var (
	_ ml.Regressor    = (*LinearRegression)(nil)
	_ ml.RowPredictor = (*LinearRegression)(nil)
	_ ml.Regressor    = (*Ridge)(nil)
	_ ml.RowPredictor = (*Ridge)(nil)
)

// Fit estimates the coefficients; weights may be nil. X must have no
// missing values. Fit returns ctx.Err() when ctx is done part way.
func (m *LinearRegression) Fit(ctx context.Context, X *ml.Matrix, y, weights []float64) error {
	if !(m.Tol >= 0) || math.IsInf(m.Tol, 0) {
		return fmt.Errorf("linear regression: Tol must be a finite number ≥ 0, got %v", m.Tol)
	}
	fit, err := fitLeastSquares(ctx, X, y, weights, m.FitIntercept, 0, m.Tol)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("linear regression: %w", err)
	}
	m.Coef, m.Intercept, m.Rank = fit.coef, fit.intercept, fit.rank
	m.FeatureNames = namesOf(X)
	return nil
}

// Fit estimates the coefficients; weights may be nil. X must have no
// missing values. Fit returns ctx.Err() when ctx is done part way.
func (m *Ridge) Fit(ctx context.Context, X *ml.Matrix, y, weights []float64) error {
	if !(m.Alpha >= 0) || math.IsInf(m.Alpha, 0) {
		return fmt.Errorf("ridge: Alpha must be a finite number ≥ 0, got %v", m.Alpha)
	}
	fit, err := fitLeastSquares(ctx, X, y, weights, m.FitIntercept, m.Alpha, 1e-6)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("ridge: %w", err)
	}
	m.Coef, m.Intercept = fit.coef, fit.intercept
	m.FeatureNames = namesOf(X)
	return nil
}

// Predict returns b + x·w for each row of X.
func (m *LinearRegression) Predict(X *ml.Matrix) ([]float64, error) {
	return predictLinear("linear regression", X, m.Coef, m.Intercept)
}

// Predict returns b + x·w for each row of X.
func (m *Ridge) Predict(X *ml.Matrix) ([]float64, error) {
	return predictLinear("ridge", X, m.Coef, m.Intercept)
}

// PredictRow returns b + x·w for one row of len(Coef) values without
// allocating; NaN when the model is not fitted or the row is too short.
func (m *LinearRegression) PredictRow(row []float64) float64 {
	return predictRow(row, m.Coef, m.Intercept)
}

// PredictRow returns b + x·w for one row of len(Coef) values without
// allocating; NaN when the model is not fitted or the row is too short.
func (m *Ridge) PredictRow(row []float64) float64 {
	return predictRow(row, m.Coef, m.Intercept)
}

// leastSquares is a fitted linear regression.
type leastSquares struct {
	coef      []float64
	intercept float64
	rank      int
}

// fitLeastSquares minimises Σᵢ sᵢ(yᵢ − xᵢ·w − b)² + alpha‖w‖². With an
// intercept it centres X and y on their weighted means, so b drops out and
// is recovered as ȳ − x̄·w; each row is then scaled by √sᵢ, which turns the
// weighted problem into an ordinary one.
func fitLeastSquares(ctx context.Context, X *ml.Matrix, y, weights []float64, intercept bool, alpha, rcond float64) (leastSquares, error) {
	if err := ctx.Err(); err != nil {
		return leastSquares{}, err
	}
	if err := checkData(X, y, weights); err != nil {
		return leastSquares{}, err
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return leastSquares{}, fmt.Errorf("y[%d] = %v: targets must be finite", i, v)
		}
	}
	n, p := X.Rows, X.NumCols()
	sqrtW := make([]float64, n)
	total := 0.0
	for i := range sqrtW {
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		sqrtW[i] = math.Sqrt(w)
		total += w
	}
	mean := func(v []float64) float64 {
		if !intercept {
			return 0
		}
		s := 0.0
		for i, x := range v {
			s += sqrtW[i] * sqrtW[i] * x
		}
		return s / total
	}
	A := make([][]float64, p)
	xMean := make([]float64, p)
	for j, col := range X.Cols {
		xMean[j] = mean(col)
		A[j] = make([]float64, n)
		for i, v := range col {
			A[j][i] = (v - xMean[j]) * sqrtW[i]
		}
	}
	yMean := mean(y)
	b := make([]float64, n)
	for i, v := range y {
		b[i] = (v - yMean) * sqrtW[i]
	}
	w, rank, err := lstsq(ctx, A, b, alpha, rcond)
	if err != nil {
		return leastSquares{}, err
	}
	fit := leastSquares{coef: w, rank: rank}
	if intercept {
		fit.intercept = yMean - dot(xMean, w)
	}
	return fit, nil
}

func predictLinear(model string, X *ml.Matrix, coef []float64, intercept float64) ([]float64, error) {
	if coef == nil {
		return nil, fmt.Errorf("%s: model is not fitted", model)
	}
	if X == nil {
		return nil, fmt.Errorf("%s: X is nil", model)
	}
	if err := X.Check(); err != nil {
		return nil, err
	}
	if X.NumCols() != len(coef) {
		return nil, fmt.Errorf("%s: X has %d columns, model has %d features", model, X.NumCols(), len(coef))
	}
	z := make([]float64, X.Rows)
	for i := range z {
		z[i] = intercept
	}
	for j, col := range X.Cols {
		axpy(coef[j], col, z) // not skipped at 0: a missing value must give NaN
	}
	return z, nil
}

func predictRow(row, coef []float64, intercept float64) float64 {
	if len(coef) == 0 || len(row) < len(coef) {
		return math.NaN()
	}
	z := intercept
	for j, w := range coef {
		z += w * row[j]
	}
	return z
}

// namesOf returns a copy of X's column names, nil when it has none.
func namesOf(X *ml.Matrix) []string {
	if X.Names == nil {
		return nil
	}
	return append([]string(nil), X.Names...)
}
