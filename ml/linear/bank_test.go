package linear

import (
	"context"
	"math"
	"testing"

	"github.com/weir-ml/weir/ml/internal/banktest"
	"github.com/weir-ml/weir/ml/metrics"
)

// TestLogisticBankAUC fits on 2008 and scores 2009–2010: test AUC within
// 0.002 of scikit-learn's, and coefficients within 1e-4.
func TestLogisticBankAUC(t *testing.T) {
	if testing.Short() {
		t.Skip("bank-marketing fit skipped in -short mode")
	}
	d := banktest.Load(t)
	d.Standardize()
	var fx struct {
		FeatureNames []string `json:"feature_names"`
		Cases        []struct {
			C         float64   `json:"C"`
			TestAUC   float64   `json:"test_auc"`
			Coef      []float64 `json:"coef"`
			Intercept float64   `json:"intercept"`
		} `json:"cases"`
	}
	mustReadFixture(t, "linear_bank.json", &fx)
	if len(fx.FeatureNames) != len(d.Names) {
		t.Fatalf("encoding has %d columns, scikit-learn's has %d", len(d.Names), len(fx.FeatureNames))
	}
	for j, n := range fx.FeatureNames {
		if d.Names[j] != n {
			t.Fatalf("column %d is %q here, %q in the fixture", j, d.Names[j], n)
		}
	}
	for _, c := range fx.Cases {
		m := NewLogisticRegression()
		m.C = c.C
		if err := m.Fit(context.Background(), d.Train, d.YTrain, nil); err != nil {
			t.Fatal(err)
		}
		p, err := m.PredictProba(d.Test)
		if err != nil {
			t.Fatal(err)
		}
		auc, err := metrics.ROCAUC(d.YTest, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("C=%g: test AUC %.6f, scikit-learn %.6f; %d iterations, gradient %.2g", c.C, auc, c.TestAUC, m.NIter, m.GradNorm)
		if math.Abs(auc-c.TestAUC) > 0.002 {
			t.Errorf("C=%g: test AUC = %.6f, want %.6f ± 0.002 (scikit-learn)", c.C, auc, c.TestAUC)
		}
		maxDiff := math.Abs(m.Intercept - c.Intercept)
		for j, w := range c.Coef {
			maxDiff = math.Max(maxDiff, math.Abs(m.Coef[j]-w))
		}
		t.Logf("C=%g: largest coefficient difference from scikit-learn %.2g", c.C, maxDiff)
		if maxDiff > 1e-4 {
			t.Errorf("C=%g: coefficients differ from scikit-learn's by %g, want ≤ 1e-4", c.C, maxDiff)
		}
	}
}
