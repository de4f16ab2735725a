package linear

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// smallData returns a separable-but-noisy two-feature problem.
func smallData() (*ml.Matrix, []float64) {
	X := matrixFromRows([][]float64{
		{0.1, 1.2}, {0.5, -0.3}, {1.5, 0.2}, {-0.7, 0.9}, {2.1, -1.1},
		{-1.3, 0.4}, {0.9, 0.8}, {-0.2, -1.5}, {1.1, 1.9}, {-1.9, -0.6},
	})
	return X, []float64{0, 1, 1, 0, 1, 0, 1, 0, 0, 0}
}

func TestLogisticFitErrors(t *testing.T) {
	X, y := smallData()
	nan := matrixFromRows([][]float64{{1, math.NaN()}, {2, 3}})
	tests := []struct {
		name    string
		m       func() *LogisticRegression
		X       *ml.Matrix
		y, w    []float64
		wantErr string
	}{
		{"nan feature", NewLogisticRegression, nan, []float64{0, 1}, nil, "impute"},
		{"bad label", func() *LogisticRegression { m := NewLogisticRegression(); m.Classes = 2; return m }, X, []float64{0, 1, 2, 0, 1, 0, 1, 0, 0, 0}, nil, "labels must be 0 or 1"},
		{"one class", NewLogisticRegression, X, make([]float64, 10), nil, "only one class"},
		{"short y", NewLogisticRegression, X, y[:3], nil, "y has 3 values"},
		{"negative weight", NewLogisticRegression, X, y, []float64{1, 1, 1, -1, 1, 1, 1, 1, 1, 1}, "weights[3]"},
		{"bad C", func() *LogisticRegression { m := NewLogisticRegression(); m.C = 0; return m }, X, y, nil, "C must be"},
		{"bad penalty", func() *LogisticRegression { m := NewLogisticRegression(); m.Penalty = "l3"; return m }, X, y, nil, "unknown penalty"},
		{"bad class", func() *LogisticRegression {
			m := NewLogisticRegression()
			m.ClassWeight = map[int]float64{2: 1}
			return m
		}, X, y, nil, "class 2"},
		{"nil X", NewLogisticRegression, nil, y, nil, "X is nil"},
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

func TestLogisticUnfittedAndShape(t *testing.T) {
	X, y := smallData()
	m := NewLogisticRegression()
	if _, err := m.PredictProba(X); err == nil {
		t.Error("PredictProba before Fit succeeded, want an error")
	}
	if _, err := json.Marshal(m); err == nil {
		t.Error("Marshal before Fit succeeded, want an error")
	}
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := m.PredictProba(ml.NewMatrix(2, 3)); err == nil {
		t.Error("PredictProba with 3 columns succeeded on a 2-feature model, want an error")
	}
}

func TestLogisticCanceled(t *testing.T) {
	X, y := smallData()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := NewLogisticRegression().Fit(ctx, X, y, nil); err != context.Canceled {
		t.Errorf("Fit on a canceled context = %v, want context.Canceled", err)
	}
}

// TestLogisticWeightsAreReplication checks that an integer sample weight
// means the same as repeating the row.
func TestLogisticWeightsAreReplication(t *testing.T) {
	X, y := smallData()
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
	for j := range a.Coef {
		if math.Abs(a.Coef[j]-b.Coef[j]) > 1e-8 {
			t.Errorf("weighted Coef[%d] = %v, replicated = %v", j, a.Coef[j], b.Coef[j])
		}
	}
}

func TestLogisticJSONRoundTrip(t *testing.T) {
	X, y := smallData()
	X.Names = []string{"a", "b"}
	m := NewLogisticRegression()
	m.Penalty = PenaltyL1
	m.ClassWeight = map[int]float64{1: 2}
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"format_version":1`) {
		t.Errorf("JSON %s has no format_version", data)
	}
	var got LogisticRegression
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	p1, _ := m.PredictProba(X)
	p2, err := got.PredictProba(X)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p1 {
		if p1[i] != p2[i] {
			t.Errorf("row %d: proba after round trip = %v, want %v", i, p2[i], p1[i])
		}
	}
	if got.FeatureNames[1] != "b" || got.Penalty != PenaltyL1 || got.ClassWeight[1] != 2 {
		t.Errorf("round trip lost settings: %+v", got)
	}
	for _, bad := range []string{
		`{"format_version":2,"model":"logistic_regression","coef":[1]}`,
		`{"format_version":1,"model":"random_forest","coef":[1]}`,
		`{"format_version":1,"model":"logistic_regression","coef":[]}`,
		`{"format_version":1,"model":"logistic_regression","coef":[1],"feature_names":["a","b"]}`,
		`[1,2]`,
	} {
		var m LogisticRegression
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("Unmarshal(%s) succeeded, want an error", bad)
		}
	}
}

func TestLogisticPredictRow(t *testing.T) {
	X, y := smallData()
	m := NewLogisticRegression()
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	p, _ := m.PredictProba(X)
	row := make([]float64, 2)
	for i := range y {
		if got := m.PredictRow(X.Row(i, row)); math.Abs(got-p[i]) > 1e-15 {
			t.Errorf("PredictRow(%d) = %v, PredictProba = %v", i, got, p[i])
		}
	}
	if n := testing.AllocsPerRun(100, func() { m.PredictRow(row) }); n != 0 {
		t.Errorf("PredictRow allocates %v times, want 0", n)
	}
}

func TestSigmoidExtremes(t *testing.T) {
	for _, tt := range []struct{ z, want float64 }{{0, 0.5}, {800, 1}, {-800, 0}, {math.Log(3), 0.75}} {
		if got := sigmoid(tt.z); math.Abs(got-tt.want) > 1e-15 || math.IsNaN(got) {
			t.Errorf("sigmoid(%v) = %v, want %v", tt.z, got, tt.want)
		}
	}
}

func TestLogisticPredictRowGuards(t *testing.T) {
	if got := NewLogisticRegression().PredictRow([]float64{1}); !math.IsNaN(got) {
		t.Errorf("PredictRow before Fit = %v, want NaN", got)
	}
	X, y := smallData()
	m := NewLogisticRegression()
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	if got := m.PredictRow([]float64{1}); !math.IsNaN(got) {
		t.Errorf("PredictRow with 1 of 2 features = %v, want NaN", got)
	}
}

func TestElasticNetRatioBounds(t *testing.T) {
	X, y := smallData()
	for _, r := range []float64{-0.1, 1.5, math.NaN()} {
		m := NewLogisticRegression()
		m.Penalty, m.L1Ratio = PenaltyElasticNet, r
		if err := m.Fit(context.Background(), X, y, nil); err == nil {
			t.Errorf("L1Ratio %v: Fit succeeded, want an error", r)
		}
	}
	// ρ = 0 is the L2 penalty and ρ = 1 the L1 penalty.
	for _, tt := range []struct {
		ratio float64
		same  Penalty
	}{{0, PenaltyL2}, {1, PenaltyL1}} {
		a, b := NewLogisticRegression(), NewLogisticRegression()
		a.Penalty, a.L1Ratio = PenaltyElasticNet, tt.ratio
		b.Penalty = tt.same
		if err := a.Fit(context.Background(), X, y, nil); err != nil {
			t.Fatal(err)
		}
		if err := b.Fit(context.Background(), X, y, nil); err != nil {
			t.Fatal(err)
		}
		for j := range a.Coef {
			if math.Abs(a.Coef[j]-b.Coef[j]) > 1e-8 {
				t.Errorf("elasticnet ρ=%v Coef[%d] = %v, %s gives %v", tt.ratio, j, a.Coef[j], tt.same, b.Coef[j])
			}
		}
	}
}
