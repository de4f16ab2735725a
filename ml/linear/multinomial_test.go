package linear

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// multiclassFixture is tests/reference/fixtures/linear_tasks_multiclass.json,
// written by tests/reference/gen_linear_tasks.py from scikit-learn.
type multiclassFixture struct {
	Data map[string]struct {
		X       [][]float64 `json:"X"` // row-major
		Y       []float64   `json:"y"`
		Weights []float64   `json:"weights"`
	} `json:"data"`
	Cases []struct {
		Name         string          `json:"name"`
		Data         string          `json:"data"`
		C            float64         `json:"C"`
		Penalty      Penalty         `json:"penalty"` // "" for L2
		L1Ratio      float64         `json:"l1_ratio"`
		FitIntercept *bool           `json:"fit_intercept"`
		ClassWeight  json.RawMessage `json:"class_weight"`
		Weighted     bool            `json:"weighted"`
		NClasses     int             `json:"n_classes"`
		Coef         [][]float64     `json:"coef"`
		Intercept    []float64       `json:"intercept"`
		Proba        [][]float64     `json:"proba"`
	} `json:"cases"`
}

// TestMultinomialMatchesScikitLearn checks coefficients, intercepts and
// probabilities of the softmax model on iris and standardised wine against
// scikit-learn's LogisticRegression within 1e-4: for L2, its
// newton-cholesky solver converged to a gradient below 1e-10 (its lbfgs
// solver agrees to 3e-5); for L1 and elastic net, saga at tol 1e-12, with
// the same exact zeros.
func TestMultinomialMatchesScikitLearn(t *testing.T) {
	const tol = 1e-4
	var fx multiclassFixture
	mustReadFixture(t, "linear_tasks_multiclass.json", &fx)
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			d := fx.Data[c.Data]
			X := matrixFromRows(d.X)
			m := NewLogisticRegression()
			m.C = c.C
			if c.Penalty != "" {
				m.Penalty, m.L1Ratio = c.Penalty, c.L1Ratio
			}
			if c.FitIntercept != nil {
				m.FitIntercept = *c.FitIntercept
			}
			switch string(c.ClassWeight) {
			case "", "null":
			case `"balanced"`:
				m.BalancedClassWeight = true
			default:
				if err := json.Unmarshal(c.ClassWeight, &m.ClassWeight); err != nil {
					t.Fatal(err)
				}
			}
			var w []float64
			if c.Weighted {
				w = d.Weights
			}
			if err := m.Fit(context.Background(), X, d.Y, w); err != nil {
				t.Fatal(err)
			}
			if !m.Converged {
				t.Errorf("not converged after %d iterations: gradient %g", m.NIter, m.GradNorm)
			}
			if got, want := m.NumClasses(), c.NClasses; got != want {
				t.Fatalf("NumClasses() = %d, want %d", got, want)
			}
			maxDiff := 0.0
			for k := range c.Coef {
				for j, want := range c.Coef[k] {
					got := m.ClassCoef[k][j]
					maxDiff = math.Max(maxDiff, math.Abs(got-want))
					if math.Abs(got-want) > tol {
						t.Errorf("ClassCoef[%d][%d] = %.8f, want %.8f (scikit-learn)", k, j, got, want)
					}
					if c.Penalty != "" && (got == 0) != (want == 0) {
						t.Errorf("ClassCoef[%d][%d] = %g, scikit-learn has %g: L1 zeros must be exact", k, j, got, want)
					}
				}
				got, want := m.ClassIntercept[k], c.Intercept[k]
				maxDiff = math.Max(maxDiff, math.Abs(got-want))
				if math.Abs(got-want) > tol {
					t.Errorf("ClassIntercept[%d] = %.8f, want %.8f (scikit-learn)", k, got, want)
				}
			}
			p, err := m.PredictProbaMulti(X)
			if err != nil {
				t.Fatal(err)
			}
			k := m.NumClasses()
			for i, row := range c.Proba {
				for j, want := range row {
					if got := p[i*k+j]; math.Abs(got-want) > tol {
						t.Fatalf("proba[%d][%d] = %.8f, want %.8f (scikit-learn)", i, j, got, want)
					}
				}
			}
			t.Logf("%d iterations, gradient %.2g, largest coefficient difference %.2g", m.NIter, m.GradNorm, maxDiff)
		})
	}
}

// threeClassData returns a small three-class problem.
func threeClassData() (*ml.Matrix, []float64) {
	X := matrixFromRows([][]float64{
		{0.1, 1.2}, {0.5, -0.3}, {1.5, 0.2}, {-0.7, 0.9}, {2.1, -1.1},
		{-1.3, 0.4}, {0.9, 0.8}, {-0.2, -1.5}, {1.1, 1.9}, {-1.9, -0.6},
	})
	return X, []float64{0, 1, 1, 2, 1, 2, 0, 0, 2, 2}
}

func TestMultinomialFitErrors(t *testing.T) {
	X, y := threeClassData()
	nan := matrixFromRows([][]float64{{1, math.NaN()}, {2, 3}, {0, 1}})
	inf := matrixFromRows([][]float64{{1, 2}, {2, math.Inf(1)}, {0, 1}})
	classes := func(k int) func() *LogisticRegression {
		return func() *LogisticRegression { m := NewLogisticRegression(); m.Classes = k; return m }
	}
	tests := []struct {
		name    string
		m       func() *LogisticRegression
		X       *ml.Matrix
		y, w    []float64
		wantErr string
	}{
		{"nan in X", NewLogisticRegression, nan, []float64{0, 1, 2}, nil, "X[0, 1] = NaN"},
		{"inf in X", NewLogisticRegression, inf, []float64{0, 1, 2}, nil, "X[1, 1] = +Inf"},
		{"empty X", NewLogisticRegression, ml.NewMatrix(0, 2), nil, nil, "X is empty"},
		{"no columns", NewLogisticRegression, ml.NewMatrix(3, 0), []float64{0, 1, 2}, nil, "X is empty"},
		{"label above Classes", classes(3), X, []float64{0, 1, 3, 2, 1, 2, 0, 0, 2, 2}, nil, "y[2] = 3: labels must be class indices 0 to 2"},
		{"negative label", NewLogisticRegression, X, []float64{0, 1, -1, 2, 1, 2, 0, 0, 2, 2}, nil, "y[2] = -1"},
		{"fractional label", NewLogisticRegression, X, []float64{0, 1, 1.5, 2, 1, 2, 0, 0, 2, 2}, nil, "y[2] = 1.5"},
		{"NaN label", NewLogisticRegression, X, []float64{0, 1, math.NaN(), 2, 1, 2, 0, 0, 2, 2}, nil, "y[2] = NaN"},
		{"huge label", NewLogisticRegression, X, []float64{0, 1, 1e300, 2, 1, 2, 0, 0, 2, 2}, nil, "too large"},
		{"K=1 setting", classes(1), X, y, nil, "Classes = 1"},
		{"K=1 from y", NewLogisticRegression, X, make([]float64, 10), nil, "only one class"},
		{"negative Classes", classes(-3), X, y, nil, "Classes = -3"},
		{"empty class", classes(4), X, y, nil, "class 3 of 0 to 3 has no samples"},
		{"gap in labels", NewLogisticRegression, X, []float64{0, 1, 1, 3, 1, 3, 0, 0, 3, 3}, nil, "class 2 of 0 to 3 has no samples"},
		{"zero-weight class", NewLogisticRegression, X, y, []float64{0, 1, 1, 1, 1, 1, 0, 0, 1, 1}, "class 0 has zero total weight"},
		{"bad class weight", func() *LogisticRegression {
			m := NewLogisticRegression()
			m.ClassWeight = map[int]float64{3: 1}
			return m
		}, X, y, nil, "class weight for class 3: classes are 0 to 2"},
		{"short weights", NewLogisticRegression, X, y, []float64{1, 2}, "weights has 2 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m().Fit(context.Background(), tt.X, tt.y, tt.w)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Fit error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestMultinomialRowAndBatch checks that PredictProbaRow gives the batch
// probabilities without allocating, that rows sum to one, and that the
// binary-only methods refuse a three-class model.
func TestMultinomialRowAndBatch(t *testing.T) {
	X, y := threeClassData()
	m := NewLogisticRegression()
	calls := 0
	m.Progress = func(done, total int) {
		calls++
		if done != calls || total != m.MaxIter {
			t.Errorf("Progress(%d, %d) on call %d, want (%d, %d)", done, total, calls, calls, m.MaxIter)
		}
	}
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	if calls != m.NIter {
		t.Errorf("Progress called %d times, want %d (one per iteration)", calls, m.NIter)
	}
	p, err := m.PredictProbaMulti(X)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, 3)
	row := make([]float64, 2)
	for i := 0; i < X.Rows; i++ {
		X.Row(i, row)
		if allocs := testing.AllocsPerRun(10, func() { m.PredictProbaRow(row, out) }); allocs != 0 {
			t.Fatalf("PredictProbaRow allocates %v times per call, want 0", allocs)
		}
		sum := 0.0
		for k, v := range out {
			if v != p[i*3+k] {
				t.Errorf("row %d class %d: PredictProbaRow = %v, PredictProbaMulti = %v", i, k, v, p[i*3+k])
			}
			sum += v
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("row %d: probabilities sum to %v, want 1", i, sum)
		}
	}
	if _, err := m.PredictProba(X); err == nil || !strings.Contains(err.Error(), "PredictProbaMulti") {
		t.Errorf("PredictProba on a 3-class model: error %v, want one pointing to PredictProbaMulti", err)
	}
	if got := m.PredictRow(row); !math.IsNaN(got) {
		t.Errorf("PredictRow on a 3-class model = %v, want NaN", got)
	}
	m.PredictProbaRow(row[:1], out)
	if !math.IsNaN(out[0]) {
		t.Errorf("PredictProbaRow of a short row = %v, want NaN", out)
	}
	if _, err := m.PredictProbaMulti(ml.NewMatrix(2, 3)); err == nil {
		t.Error("PredictProbaMulti with 3 columns on a 2-feature model succeeded, want an error")
	}
	sumI := 0.0
	for _, b := range m.ClassIntercept {
		sumI += b
	}
	if math.Abs(sumI) > 1e-12 {
		t.Errorf("intercepts sum to %v, want 0 (centred)", sumI)
	}
}

// TestMultinomialBinaryInterfaces checks that a two-class model answers the
// multiclass methods from its binary fit.
func TestMultinomialBinaryInterfaces(t *testing.T) {
	X, y := smallData()
	m := NewLogisticRegression()
	if got := m.NumClasses(); got != 0 {
		t.Errorf("NumClasses() before Fit = %d, want 0", got)
	}
	if _, err := m.PredictProbaMulti(X); err == nil {
		t.Error("PredictProbaMulti before Fit succeeded, want an error")
	}
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	if got := m.NumClasses(); got != 2 {
		t.Fatalf("NumClasses() = %d, want 2", got)
	}
	p1, _ := m.PredictProba(X)
	pm, err := m.PredictProbaMulti(X)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p1 {
		if pm[2*i+1] != p1[i] || pm[2*i] != 1-p1[i] {
			t.Errorf("row %d: PredictProbaMulti = %v, %v, want %v, %v", i, pm[2*i], pm[2*i+1], 1-p1[i], p1[i])
		}
	}
}

func TestMultinomialCanceled(t *testing.T) {
	X, y := threeClassData()
	ctx, cancel := context.WithCancel(context.Background())
	m := NewLogisticRegression()
	m.Progress = func(done, total int) {
		if done == 2 {
			cancel()
		}
	}
	if err := m.Fit(ctx, X, y, nil); err != context.Canceled {
		t.Errorf("Fit canceled during iterations = %v, want context.Canceled", err)
	}
	if m.ClassCoef != nil {
		t.Error("a canceled Fit left coefficients behind")
	}
}

// TestMultinomialWeightsAreReplication checks that an integer sample weight
// means the same as repeating the row.
func TestMultinomialWeightsAreReplication(t *testing.T) {
	X, y := threeClassData()
	w := []float64{1, 2, 1, 3, 1, 1, 2, 1, 1, 1}
	var rows [][]float64
	var yy []float64
	for i := range y {
		for k := 0; k < int(w[i]); k++ {
			rows = append(rows, X.Row(i, nil))
			yy = append(yy, y[i])
		}
	}
	a, b := NewLogisticRegression(), NewLogisticRegression()
	if err := a.Fit(context.Background(), X, y, w); err != nil {
		t.Fatal(err)
	}
	if err := b.Fit(context.Background(), matrixFromRows(rows), yy, nil); err != nil {
		t.Fatal(err)
	}
	for k := range a.ClassCoef {
		for j := range a.ClassCoef[k] {
			if d := math.Abs(a.ClassCoef[k][j] - b.ClassCoef[k][j]); d > 1e-8 {
				t.Errorf("weighted ClassCoef[%d][%d] = %v, replicated = %v", k, j, a.ClassCoef[k][j], b.ClassCoef[k][j])
			}
		}
	}
}
