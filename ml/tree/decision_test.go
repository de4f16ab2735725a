package tree

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/weir-ml/weir/ml"
)

func TestDecisionTreeLimits(t *testing.T) {
	X, y := synthetic(1000, 6, 11)
	tests := []struct {
		name  string
		p     Params
		check func(t *testing.T, tr *Tree)
	}{
		{"max depth", Params{MaxDepth: 3}, func(t *testing.T, tr *Tree) {
			if d := tr.Depth(); d > 3 {
				t.Errorf("depth = %d, want ≤ 3", d)
			}
		}},
		{"min samples leaf", Params{MinSamplesLeaf: 40}, func(t *testing.T, tr *Tree) {
			for i, n := range tr.Nodes {
				if n.Samples < 40 {
					t.Errorf("node %d has %d rows, want ≥ 40", i, n.Samples)
				}
			}
		}},
		{"min samples split", Params{MinSamplesSplit: 300}, func(t *testing.T, tr *Tree) {
			for i, n := range tr.Nodes {
				if n.Feature >= 0 && n.Samples < 300 {
					t.Errorf("node %d with %d rows was split, want only nodes of ≥ 300 split", i, n.Samples)
				}
			}
		}},
		{"pure leaves by default", Params{}, func(t *testing.T, tr *Tree) {
			for i, n := range tr.Nodes {
				if n.Feature < 0 && n.Impurity > epsilon && n.Samples > 1 {
					// A leaf can stay impure only if no feature separates its rows.
					t.Logf("node %d: impure leaf of %d rows", i, n.Samples)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &DecisionTreeClassifier{Params: tt.p}
			if err := m.Fit(context.Background(), X, y, nil); err != nil {
				t.Fatal(err)
			}
			tt.check(t, m.Tree)
			// Every training row's prediction is the class-1 fraction of its leaf.
			p, _ := m.PredictProba(X)
			for _, v := range p {
				if v < 0 || v > 1 || math.IsNaN(v) {
					t.Fatalf("probability %v outside [0, 1]", v)
				}
			}
		})
	}
}

func TestDecisionTreeZeroWeightRowsAreIgnored(t *testing.T) {
	X := matrixFromRows([][]float64{{1}, {2}, {3}, {4}})
	y := []float64{0, 0, 1, 1}
	m := NewDecisionTreeClassifier()
	// The last row has weight 0, so the tree must not split to isolate it.
	if err := m.Fit(context.Background(), X, []float64{0, 0, 0, 1}, []float64{1, 1, 1, 0}); err != nil {
		t.Fatal(err)
	}
	if n := len(m.Tree.Nodes); n != 1 {
		t.Errorf("tree has %d nodes, want a single leaf", n)
	}
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := m.Tree.Nodes[0].Threshold, 2.5; got != want {
		t.Errorf("root threshold = %v, want %v (midpoint, as scikit-learn)", got, want)
	}
}

func TestDecisionTreeErrors(t *testing.T) {
	X := matrixFromRows([][]float64{{1, 2}, {2, 1}, {3, 0}})
	y := []float64{0, 1, 1}
	tests := []struct {
		name string
		fit  func() error
	}{
		{"bad criterion", func() error {
			return (&DecisionTreeClassifier{Params: Params{Criterion: "mse"}}).Fit(context.Background(), X, y, nil)
		}},
		{"class weight on regressor", func() error {
			return (&DecisionTreeRegressor{Params: Params{BalancedClassWeight: true}}).Fit(context.Background(), X, y, nil)
		}},
		{"min samples split 1", func() error {
			return (&DecisionTreeClassifier{Params: Params{MinSamplesSplit: 1}}).Fit(context.Background(), X, y, nil)
		}},
		{"infinite feature", func() error {
			bad := matrixFromRows([][]float64{{math.Inf(1)}, {1}})
			return NewDecisionTreeClassifier().Fit(context.Background(), bad, []float64{0, 1}, nil)
		}},
		{"nan target", func() error {
			return NewDecisionTreeRegressor().Fit(context.Background(), X, []float64{1, math.NaN(), 2}, nil)
		}},
		{"zero weights", func() error {
			return NewDecisionTreeClassifier().Fit(context.Background(), X, y, []float64{0, 0, 0})
		}},
		{"ragged matrix", func() error {
			bad := &ml.Matrix{Rows: 3, Cols: [][]float64{{1, 2, 3}, {1}}}
			return NewDecisionTreeClassifier().Fit(context.Background(), bad, y, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.fit(); err == nil {
				t.Error("Fit succeeded, want an error")
			}
		})
	}
	if _, err := NewDecisionTreeClassifier().PredictProba(X); err == nil {
		t.Error("PredictProba before Fit succeeded, want an error")
	}
}

func TestFeatureCount(t *testing.T) {
	for _, tt := range []struct {
		mf   string
		p    int
		want int
	}{
		{"sqrt", 45, 6}, {"log2", 45, 5}, {"all", 45, 45}, {"7", 45, 7}, {"100", 45, 45},
		{"0.3", 45, 13}, {"1.0", 45, 45}, {"0.01", 45, 1}, {"sqrt", 1, 1},
	} {
		got, err := featureCount(tt.mf, tt.p)
		if err != nil || got != tt.want {
			t.Errorf("featureCount(%q, %d) = %d, %v; want %d", tt.mf, tt.p, got, err, tt.want)
		}
	}
}

func TestQuantileBinsOnWideColumn(t *testing.T) {
	X, _ := synthetic(5000, 5, 12)
	b, err := binMatrix(X, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(b.upper[0]); got != maxBins {
		t.Errorf("bins = %d, want %d for 5000 distinct values", got, maxBins)
	}
	counts := make([]int, maxBins)
	for i, v := range X.Cols[0] {
		bin := b.bins[0][i]
		counts[bin]++
		if v > b.upper[0][bin] || (bin > 0 && v <= b.upper[0][bin-1]) {
			t.Fatalf("value %v in bin %d outside (%v, %v]", v, bin, b.upper[0][max(0, int(bin)-1)], b.upper[0][bin])
		}
	}
	for bin, c := range counts {
		if c < 5000/maxBins/2 || c > 3*5000/maxBins {
			t.Errorf("bin %d holds %d rows, want about %d", bin, c, 5000/maxBins)
		}
	}
}

func TestPredictRowGuards(t *testing.T) {
	X := matrixFromRows([][]float64{{1, 2}, {2, 1}, {3, 0}, {4, 1}})
	y := []float64{0, 0, 1, 1}
	var unfitted []ml.RowPredictor
	unfitted = append(unfitted, NewDecisionTreeClassifier(), NewDecisionTreeRegressor(), NewRandomForestClassifier(), NewRandomForestRegressor())
	for _, m := range unfitted {
		if got := m.PredictRow([]float64{1, 2}); !math.IsNaN(got) {
			t.Errorf("%T: PredictRow before Fit = %v, want NaN", m, got)
		}
	}
	m := NewRandomForestClassifier()
	m.NEstimators = 3
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	if got := m.PredictRow([]float64{1}); !math.IsNaN(got) {
		t.Errorf("PredictRow with 1 of 2 features = %v, want NaN", got)
	}
}

func TestMissingValues(t *testing.T) {
	nan := math.NaN()
	// Feature 0 separates the classes only through its missingness;
	// feature 1 is all missing; feature 2 never is.
	X := matrixFromRows([][]float64{
		{nan, nan, 1}, {nan, nan, 2}, {nan, nan, 3}, {1, nan, 4},
		{2, nan, 5}, {3, nan, 6}, {nan, nan, 7}, {4, nan, 8},
	})
	y := []float64{1, 1, 1, 0, 0, 0, 1, 0}
	m := NewDecisionTreeClassifier()
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	root := m.Tree.Nodes[0]
	if root.Feature != 0 || !math.IsInf(root.Threshold, 1) || root.MissingLeft {
		t.Errorf("root = %+v, want feature 0 split values left / missing right at +Inf", root)
	}
	for _, tt := range []struct {
		row  []float64
		want float64
	}{
		{[]float64{nan, nan, 0}, 1},
		{[]float64{2.5, nan, 0}, 0},
		{[]float64{100, 7, 100}, 0}, // unseen large value still counts as a value
	} {
		if got := m.PredictRow(tt.row); got != tt.want {
			t.Errorf("PredictRow(%v) = %v, want %v", tt.row, got, tt.want)
		}
	}
	// A forest on the same data, round-tripped through JSON, keeps the
	// missing-value directions.
	f := NewRandomForestClassifier()
	f.NEstimators, f.Bootstrap, f.MaxFeatures = 3, false, "all"
	if err := f.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var g RandomForestClassifier
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if got := g.PredictRow([]float64{nan, nan, 0}); got != 1 {
		t.Errorf("forest after JSON: PredictRow(missing) = %v, want 1", got)
	}
}

func TestMissingGoesToLargerChildWhenUnseen(t *testing.T) {
	// Feature 0 has no missing values in training; its split sends 6 rows
	// left and 2 right, so a missing value at prediction goes left.
	X := matrixFromRows([][]float64{{1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}})
	y := []float64{0, 0, 0, 0, 0, 0, 1, 1}
	m := NewDecisionTreeClassifier()
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	if got := m.PredictRow([]float64{math.NaN()}); got != 0 {
		t.Errorf("PredictRow(NaN) = %v, want 0 (the larger child)", got)
	}
}
