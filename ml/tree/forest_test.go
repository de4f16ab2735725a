package tree

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/metrics"
)

// synthetic returns n rows of p continuous features with a nonlinear signal
// in the first five (p must be at least 5) and 0/1 labels drawn from it.
func synthetic(n, p int, seed uint64) (*ml.Matrix, []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	X := ml.NewMatrix(n, p)
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		for j := 0; j < p; j++ {
			X.Cols[j][i] = rng.NormFloat64()
		}
		c := X.Cols
		logit := 1.5*c[0][i] - c[1][i] + math.Sin(2*c[2][i]) + 0.5*c[3][i]*c[min(4, p-1)][i]
		if rng.Float64() < 1/(1+math.Exp(-2*logit)) {
			y[i] = 1
		}
	}
	return X, y
}

func TestForestDeterministicAcrossWorkers(t *testing.T) {
	X, y := synthetic(2000, 8, 1)
	var first []float64
	var firstImp []float64
	var firstOOB float64
	for _, workers := range []int{1, 2, 3, 7} {
		m := NewRandomForestClassifier()
		m.NEstimators, m.Seed, m.Workers, m.OOBScore = 12, 42, workers, true
		if err := m.Fit(context.Background(), X, y, nil); err != nil {
			t.Fatal(err)
		}
		p, err := m.PredictProba(X)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first, firstImp, firstOOB = p, m.FeatureImportances, m.OOBAUC
			continue
		}
		for i := range p {
			if p[i] != first[i] {
				t.Fatalf("workers=%d: row %d proba %v, with 1 worker %v", workers, i, p[i], first[i])
			}
		}
		for j := range firstImp {
			if m.FeatureImportances[j] != firstImp[j] {
				t.Errorf("workers=%d: importance[%d] %v, with 1 worker %v", workers, j, m.FeatureImportances[j], firstImp[j])
			}
		}
		if m.OOBAUC != firstOOB {
			t.Errorf("workers=%d: OOB AUC %v, with 1 worker %v", workers, m.OOBAUC, firstOOB)
		}
	}
}

func TestForestLearns(t *testing.T) {
	X, y := synthetic(3000, 10, 2)
	Xt, yt := synthetic(3000, 10, 3)
	m := NewRandomForestClassifier()
	m.NEstimators, m.OOBScore, m.MinSamplesLeaf = 50, true, 3
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	p, _ := m.PredictProba(Xt)
	auc, _ := metrics.ROCAUC(yt, p, nil)
	// The Bayes AUC of this problem is about 0.9; noise features must not
	// be the important ones.
	if auc < 0.8 {
		t.Errorf("test AUC = %.3f, want ≥ 0.8", auc)
	}
	if math.Abs(m.OOBAUC-auc) > 0.03 {
		t.Errorf("OOB AUC = %.3f, test AUC %.3f: OOB should estimate the test score", m.OOBAUC, auc)
	}
	if m.FeatureImportances[0] < m.FeatureImportances[9] {
		t.Errorf("importance of signal feature 0 (%v) below noise feature 9 (%v)", m.FeatureImportances[0], m.FeatureImportances[9])
	}
	sum := 0.0
	for _, v := range m.FeatureImportances {
		sum += v
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("importances sum to %v, want 1", sum)
	}
	row := make([]float64, 10)
	Xt.Row(5, row)
	if got := m.PredictRow(row); got != p[5] {
		t.Errorf("PredictRow = %v, PredictProba = %v", got, p[5])
	}
	if n := testing.AllocsPerRun(50, func() { m.PredictRow(row) }); n != 0 {
		t.Errorf("PredictRow allocates %v times, want 0", n)
	}
}

func TestForestRegressor(t *testing.T) {
	X, _ := synthetic(2000, 5, 4)
	y := make([]float64, X.Rows)
	for i := range y {
		y[i] = 2*X.Cols[0][i] + X.Cols[1][i]*X.Cols[1][i]
	}
	m := NewRandomForestRegressor()
	m.NEstimators, m.OOBScore = 30, true
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	if m.OOBR2 < 0.9 {
		t.Errorf("OOB R² = %.3f, want ≥ 0.9 on a smooth noiseless target", m.OOBR2)
	}
	if _, err := m.Predict(ml.NewMatrix(3, 4)); err == nil {
		t.Error("Predict with 4 columns on a 5-feature forest succeeded, want an error")
	}
}

func TestForestMaxSamplesAndNoBootstrap(t *testing.T) {
	X, y := synthetic(500, 4, 5)
	for _, tt := range []struct {
		name       string
		bootstrap  bool
		maxSamples float64
		wantRoot   float64 // rows at each tree's root, as total weight
	}{
		{"fraction", true, 0.5, 250},
		{"count", true, 100, 100},
		{"no bootstrap", false, 0, 500},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := NewRandomForestClassifier()
			m.NEstimators, m.Bootstrap, m.MaxSamples = 3, tt.bootstrap, tt.maxSamples
			if err := m.Fit(context.Background(), X, y, nil); err != nil {
				t.Fatal(err)
			}
			for _, tr := range m.Trees {
				if got := tr.Nodes[0].Weight; got != tt.wantRoot {
					t.Errorf("root weight = %v, want %v", got, tt.wantRoot)
				}
			}
		})
	}
}

func TestForestErrors(t *testing.T) {
	X, y := synthetic(50, 5, 6)
	inf := ml.NewMatrix(2, 1)
	inf.Cols[0][1] = math.Inf(-1)
	tests := []struct {
		name string
		set  func(m *RandomForestClassifier)
		X    *ml.Matrix
		y    []float64
	}{
		{"infinite feature", func(*RandomForestClassifier) {}, inf, []float64{0, 1}},
		{"label above NClasses", func(m *RandomForestClassifier) { m.NClasses = 2 }, X, append(make([]float64, 49), 3)},
		{"fractional label", func(*RandomForestClassifier) {}, X, append(make([]float64, 49), 0.5)},
		{"bad max features", func(m *RandomForestClassifier) { m.MaxFeatures = "half" }, X, y},
		{"zero fraction", func(m *RandomForestClassifier) { m.MaxFeatures = "0" }, X, y},
		{"bad max samples", func(m *RandomForestClassifier) { m.MaxSamples = 2.5 }, X, y},
		{"too many samples", func(m *RandomForestClassifier) { m.MaxSamples = 51 }, X, y},
		{"oob without bootstrap", func(m *RandomForestClassifier) { m.Bootstrap, m.OOBScore = false, true }, X, y},
		{"regression criterion", func(m *RandomForestClassifier) { m.Criterion = SquaredError }, X, y},
		{"negative trees", func(m *RandomForestClassifier) { m.NEstimators = -1 }, X, y},
		{"bad class weight", func(m *RandomForestClassifier) { m.ClassWeight = map[int]float64{1: -2} }, X, y},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewRandomForestClassifier()
			m.NEstimators = 2
			tt.set(m)
			if err := m.Fit(context.Background(), tt.X, tt.y, nil); err == nil {
				t.Error("Fit succeeded, want an error")
			}
		})
	}
	if _, err := NewRandomForestClassifier().PredictProba(X); err == nil {
		t.Error("PredictProba before Fit succeeded, want an error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := NewRandomForestClassifier().Fit(ctx, X, y, nil); err == nil {
		t.Error("Fit on a canceled context succeeded, want an error")
	}
}

// BenchmarkForestFit grows 20 trees on 20,000 × 20 rows with all cores.
func BenchmarkForestFit(b *testing.B) {
	X, y := synthetic(20000, 20, 7)
	b.ResetTimer()
	for range b.N {
		m := NewRandomForestClassifier()
		m.NEstimators = 20
		if err := m.Fit(context.Background(), X, y, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForestPredictRow scores one row with a 100-tree forest.
func BenchmarkForestPredictRow(b *testing.B) {
	X, y := synthetic(5000, 20, 8)
	m := NewRandomForestClassifier()
	m.MinSamplesLeaf = 5
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		b.Fatal(err)
	}
	row := X.Row(3, nil)
	b.ResetTimer()
	for range b.N {
		m.PredictRow(row)
	}
}

func TestForestMostlyZeroWeights(t *testing.T) {
	// One row of 300 has weight: about a third of the bootstraps miss it.
	X, y := synthetic(300, 5, 13)
	w := make([]float64, 300)
	w[0] = 1
	m := NewRandomForestClassifier()
	m.NEstimators = 20
	if err := m.Fit(context.Background(), X, y, w); err != nil {
		t.Fatal(err)
	}
	p, err := m.PredictProba(X)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range p {
		if math.IsNaN(v) || v < 0 || v > 1 {
			t.Fatalf("row %d: probability %v, want a number in [0, 1]", i, v)
		}
	}
}
