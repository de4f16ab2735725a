package linear

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// regressionFixture is tests/reference/fixtures/linear_tasks_regression.json,
// written by tests/reference/gen_linear_tasks.py from scikit-learn.
type regressionFixture struct {
	Data map[string]struct {
		X       [][]float64 `json:"X"` // row-major
		Y       []float64   `json:"y"`
		Weights []float64   `json:"weights"`
	} `json:"data"`
	Cases []struct {
		Name         string    `json:"name"`
		Data         string    `json:"data"`
		Model        string    `json:"model"` // "linear" or "ridge"
		Alpha        float64   `json:"alpha"`
		FitIntercept *bool     `json:"fit_intercept"`
		Weighted     bool      `json:"weighted"`
		Coef         []float64 `json:"coef"`
		Intercept    float64   `json:"intercept"`
		Pred         []float64 `json:"pred"`
		Rank         int       `json:"rank"`
	} `json:"cases"`
}

// fittedLinear is what the regression tests need of either model.
type fittedLinear interface {
	ml.Regressor
	ml.RowPredictor
}

// TestRegressionMatchesScikitLearn checks LinearRegression and Ridge against
// scikit-learn's on diabetes, a weighted make_regression set, the same set
// with two exactly collinear columns (singular XᵀX: the minimum-norm
// solution) and a set with more columns than rows: coefficients, intercept
// and predictions within 1e-6.
func TestRegressionMatchesScikitLearn(t *testing.T) {
	const tol = 1e-6
	var fx regressionFixture
	mustReadFixture(t, "linear_tasks_regression.json", &fx)
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			d := fx.Data[c.Data]
			X := matrixFromRows(d.X)
			intercept := c.FitIntercept == nil || *c.FitIntercept
			var m fittedLinear
			var coef func() ([]float64, float64)
			switch c.Model {
			case "linear":
				lr := NewLinearRegression()
				lr.FitIntercept = intercept
				m, coef = lr, func() ([]float64, float64) { return lr.Coef, lr.Intercept }
				defer func() {
					if lr.Rank != c.Rank {
						t.Errorf("Rank = %d, want %d (scikit-learn)", lr.Rank, c.Rank)
					}
				}()
			case "ridge":
				r := NewRidge()
				r.Alpha, r.FitIntercept = c.Alpha, intercept
				m, coef = r, func() ([]float64, float64) { return r.Coef, r.Intercept }
			default:
				t.Fatalf("unknown model %q", c.Model)
			}
			var w []float64
			if c.Weighted {
				w = d.Weights
			}
			if err := m.Fit(context.Background(), X, d.Y, w); err != nil {
				t.Fatal(err)
			}
			gotCoef, gotIcpt := coef()
			maxDiff := math.Abs(gotIcpt - c.Intercept)
			for j, want := range c.Coef {
				got := gotCoef[j]
				maxDiff = math.Max(maxDiff, math.Abs(got-want))
				if math.Abs(got-want) > tol {
					t.Errorf("Coef[%d] = %.10f, want %.10f (scikit-learn)", j, got, want)
				}
			}
			if math.Abs(gotIcpt-c.Intercept) > tol {
				t.Errorf("Intercept = %.10f, want %.10f (scikit-learn)", gotIcpt, c.Intercept)
			}
			pred, err := m.Predict(X)
			if err != nil {
				t.Fatal(err)
			}
			row := make([]float64, X.NumCols())
			for i, want := range c.Pred {
				if math.Abs(pred[i]-want) > tol {
					t.Fatalf("pred[%d] = %.10f, want %.10f (scikit-learn)", i, pred[i], want)
				}
				if got := m.PredictRow(X.Row(i, row)); got != pred[i] {
					t.Fatalf("PredictRow(row %d) = %v, Predict gave %v", i, got, pred[i])
				}
			}
			t.Logf("largest coefficient difference %.2g", maxDiff)
		})
	}
}

func TestRegressionFitErrors(t *testing.T) {
	X, _ := smallData()
	y := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	nan := matrixFromRows([][]float64{{1, math.NaN()}, {2, 3}})
	tests := []struct {
		name    string
		m       fittedLinear
		X       *ml.Matrix
		y, w    []float64
		wantErr string
	}{
		{"nan in X", NewLinearRegression(), nan, []float64{1, 2}, nil, "linear regression: X[0, 1] = NaN"},
		{"nan in X ridge", NewRidge(), nan, []float64{1, 2}, nil, "ridge: X[0, 1] = NaN"},
		{"nan in y", NewLinearRegression(), X, []float64{1, 2, math.NaN(), 4, 5, 6, 7, 8, 9, 10}, nil, "y[2] = NaN: targets must be finite"},
		{"inf in y", NewRidge(), X, []float64{1, 2, 3, math.Inf(-1), 5, 6, 7, 8, 9, 10}, nil, "y[3] = -Inf"},
		{"empty X", NewLinearRegression(), ml.NewMatrix(0, 2), nil, nil, "X is empty"},
		{"nil X", NewRidge(), nil, y, nil, "X is nil"},
		{"short y", NewLinearRegression(), X, y[:4], nil, "y has 4 values, X has 10 rows"},
		{"negative weight", NewRidge(), X, y, []float64{1, 1, -1, 1, 1, 1, 1, 1, 1, 1}, "weights[2] = -1"},
		{"zero weights", NewLinearRegression(), X, y, make([]float64, 10), "all sample weights are zero"},
		{"negative alpha", &Ridge{Alpha: -1}, X, y, nil, "Alpha must be"},
		{"NaN alpha", &Ridge{Alpha: math.NaN()}, X, y, nil, "Alpha must be"},
		{"negative tol", &LinearRegression{Tol: -1}, X, y, nil, "Tol must be"},
		{"ragged X", NewLinearRegression(), &ml.Matrix{Rows: 2, Cols: [][]float64{{1, 2}, {3}}}, []float64{1, 2}, nil, "column 1 has 1 rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Fit(context.Background(), tt.X, tt.y, tt.w)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Fit error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestRegressionUnfittedShapeAndCancel(t *testing.T) {
	X, _ := smallData()
	y := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, m := range []fittedLinear{NewLinearRegression(), NewRidge()} {
		if _, err := m.Predict(X); err == nil {
			t.Errorf("%T: Predict before Fit succeeded, want an error", m)
		}
		if got := m.PredictRow([]float64{1, 2}); !math.IsNaN(got) {
			t.Errorf("%T: PredictRow before Fit = %v, want NaN", m, got)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := m.Fit(ctx, X, y, nil); err != context.Canceled {
			t.Errorf("%T: Fit on a canceled context = %v, want context.Canceled", m, err)
		}
		if err := m.Fit(context.Background(), X, y, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Predict(ml.NewMatrix(2, 3)); err == nil {
			t.Errorf("%T: Predict with 3 columns on a 2-feature model succeeded, want an error", m)
		}
		if got := m.PredictRow([]float64{1}); !math.IsNaN(got) {
			t.Errorf("%T: PredictRow of a short row = %v, want NaN", m, got)
		}
		nan := matrixFromRows([][]float64{{math.NaN(), 1}})
		if p, err := m.Predict(nan); err != nil || !math.IsNaN(p[0]) {
			t.Errorf("%T: Predict of a row with NaN = %v, %v, want NaN", m, p, err)
		}
	}
}

// TestRegressionDegenerate checks inputs where XᵀX is singular in the
// extreme: a constant column gets coefficient 0 and one row fits exactly,
// with finite numbers throughout.
func TestRegressionDegenerate(t *testing.T) {
	tests := []struct {
		name string
		X    *ml.Matrix
		y    []float64
	}{
		{"constant column", matrixFromRows([][]float64{{1, 5}, {2, 5}, {3, 5}}), []float64{2, 4, 6}},
		{"one row", matrixFromRows([][]float64{{1, 2}}), []float64{3}},
		{"all zero X", ml.NewMatrix(4, 3), []float64{1, 2, 3, 4}},
		{"duplicate columns", matrixFromRows([][]float64{{1, 1}, {2, 2}, {3, 3}, {4, 4}}), []float64{1, 3, 5, 7}},
	}
	for _, tt := range tests {
		for _, m := range []fittedLinear{NewLinearRegression(), &Ridge{Alpha: 0, FitIntercept: true}} {
			t.Run(tt.name, func(t *testing.T) {
				if err := m.Fit(context.Background(), tt.X, tt.y, nil); err != nil {
					t.Fatal(err)
				}
				p, err := m.Predict(tt.X)
				if err != nil {
					t.Fatal(err)
				}
				for i, v := range p {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("%T: prediction %d = %v, want a finite number", m, i, v)
					}
				}
			})
		}
	}
	// Duplicate columns share the slope equally (the minimum-norm solution):
	// y = 2x − 1 gives 1 and 1.
	m := NewLinearRegression()
	X := matrixFromRows([][]float64{{1, 1}, {2, 2}, {3, 3}, {4, 4}})
	if err := m.Fit(context.Background(), X, []float64{1, 3, 5, 7}, nil); err != nil {
		t.Fatal(err)
	}
	if math.Abs(m.Coef[0]-1) > 1e-12 || math.Abs(m.Coef[1]-1) > 1e-12 || math.Abs(m.Intercept+1) > 1e-12 || m.Rank != 1 {
		t.Errorf("duplicate columns: Coef %v, %v, Intercept %v, Rank %d; want 1, 1, -1, 1", m.Coef[0], m.Coef[1], m.Intercept, m.Rank)
	}
}
