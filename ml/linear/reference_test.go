package linear

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// linearFixture is tests/reference/fixtures/linear_small.json, written by
// tests/reference/gen_linear_tree.py from scikit-learn.
type linearFixture struct {
	X       [][]float64 `json:"X"` // row-major
	Y       []float64   `json:"y"`
	Weights []float64   `json:"weights"`
	Cases   []struct {
		Name         string          `json:"name"`
		Penalty      Penalty         `json:"penalty"`
		C            float64         `json:"C"`
		L1Ratio      float64         `json:"l1_ratio"`
		FitIntercept *bool           `json:"fit_intercept"`
		ClassWeight  json.RawMessage `json:"class_weight"`
		Weighted     bool            `json:"weighted"`
		Coef         []float64       `json:"coef"`
		Intercept    float64         `json:"intercept"`
		Proba        []float64       `json:"proba"`
	} `json:"cases"`
}

// mustReadFixture decodes a reference fixture into v.
func mustReadFixture(tb testing.TB, name string, v any) {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "tests", "reference", "fixtures", name))
	if err != nil {
		tb.Fatalf("read fixture (regenerate with tests/reference/gen_linear_tree.py): %v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		tb.Fatalf("decode %s: %v", name, err)
	}
}

// matrixFromRows builds a column-major matrix from row-major data.
func matrixFromRows(rows [][]float64) *ml.Matrix {
	m := ml.NewMatrix(len(rows), len(rows[0]))
	for i, r := range rows {
		for j, v := range r {
			m.Cols[j][i] = v
		}
	}
	return m
}

// TestLogisticMatchesScikitLearn checks coefficients, intercept and
// probabilities against scikit-learn (lbfgs for L2 and no penalty, saga for
// L1, all converged to 1e-12) within 1e-4.
func TestLogisticMatchesScikitLearn(t *testing.T) {
	const tol = 1e-4
	var fx linearFixture
	mustReadFixture(t, "linear_small.json", &fx)
	X := matrixFromRows(fx.X)
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			m := NewLogisticRegression()
			m.Penalty, m.C, m.L1Ratio = c.Penalty, c.C, c.L1Ratio
			if c.FitIntercept != nil {
				m.FitIntercept = *c.FitIntercept
			}
			switch string(c.ClassWeight) {
			case "", "null":
			case `"balanced"`:
				m.BalancedClassWeight = true
			default:
				var cw map[int]float64
				if err := json.Unmarshal(c.ClassWeight, &cw); err != nil {
					t.Fatal(err)
				}
				m.ClassWeight = cw
			}
			var w []float64
			if c.Weighted {
				w = fx.Weights
			}
			if err := m.Fit(context.Background(), X, fx.Y, w); err != nil {
				t.Fatal(err)
			}
			if !m.Converged {
				t.Errorf("not converged after %d iterations: gradient %g", m.NIter, m.GradNorm)
			}
			for j, want := range c.Coef {
				if got := m.Coef[j]; math.Abs(got-want) > tol {
					t.Errorf("Coef[%d] = %.8f, want %.8f (scikit-learn)", j, got, want)
				}
			}
			if got, want := m.Intercept, c.Intercept; math.Abs(got-want) > tol {
				t.Errorf("Intercept = %.8f, want %.8f (scikit-learn)", got, want)
			}
			p, err := m.PredictProba(X)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range c.Proba {
				if math.Abs(p[i]-want) > tol {
					t.Fatalf("proba[%d] = %.8f, want %.8f (scikit-learn)", i, p[i], want)
				}
			}
			if c.Penalty == PenaltyL1 || c.Penalty == PenaltyElasticNet {
				for j, want := range c.Coef {
					if (want == 0) != (m.Coef[j] == 0) {
						t.Errorf("Coef[%d] = %g, scikit-learn has %g: L1 zeros must be exact", j, m.Coef[j], want)
					}
				}
			}
			t.Logf("%d iterations, gradient %.2g", m.NIter, m.GradNorm)
		})
	}
}
