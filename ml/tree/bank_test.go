package tree

import (
	"context"
	"math"
	"strconv"
	"testing"

	"github.com/weir-ml/weir/ml/internal/banktest"
	"github.com/weir-ml/weir/ml/metrics"
)

// TestForestBankAUC fits on 2008 and scores 2009–2010 with scikit-learn's
// settings: test AUC within 0.01 of scikit-learn's RandomForestClassifier,
// OOB accuracy within 0.01 of its oob_score_. The two differ only through
// random draws and 256-bin thresholds on the wide numeric columns.
func TestForestBankAUC(t *testing.T) {
	if testing.Short() {
		t.Skip("bank-marketing forest skipped in -short mode")
	}
	d := banktest.Load(t)
	var fx struct {
		FeatureNames []string `json:"feature_names"`
		Cases        []struct {
			NEstimators    int     `json:"n_estimators"`
			MaxFeatures    any     `json:"max_features"`
			MinSamplesLeaf int     `json:"min_samples_leaf"`
			TestAUC        float64 `json:"test_auc"`
			OOBAccuracy    float64 `json:"oob_accuracy"`
		} `json:"cases"`
	}
	mustReadFixture(t, "tree_bank.json", &fx)
	if len(fx.FeatureNames) != len(d.Names) {
		t.Fatalf("encoding has %d columns, scikit-learn's has %d", len(d.Names), len(fx.FeatureNames))
	}
	for j, n := range fx.FeatureNames {
		if d.Names[j] != n {
			t.Fatalf("column %d is %q here, %q in the fixture", j, d.Names[j], n)
		}
	}
	for _, c := range fx.Cases {
		m := NewRandomForestClassifier()
		m.NEstimators, m.MinSamplesLeaf, m.OOBScore, m.Seed = c.NEstimators, c.MinSamplesLeaf, true, 1
		switch v := c.MaxFeatures.(type) {
		case string:
			m.MaxFeatures = v
		case float64:
			m.MaxFeatures = strconv.FormatFloat(v, 'g', -1, 64)
		}
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
		t.Logf("%d trees, max_features %s, min_samples_leaf %d: test AUC %.4f (scikit-learn %.4f), OOB accuracy %.4f (%.4f), OOB AUC %.4f",
			c.NEstimators, m.MaxFeatures, c.MinSamplesLeaf, auc, c.TestAUC, m.OOBAccuracy, c.OOBAccuracy, m.OOBAUC)
		if math.Abs(auc-c.TestAUC) > 0.01 {
			t.Errorf("test AUC = %.4f, want %.4f ± 0.01 (scikit-learn)", auc, c.TestAUC)
		}
		if math.Abs(m.OOBAccuracy-c.OOBAccuracy) > 0.01 {
			t.Errorf("OOB accuracy = %.4f, want %.4f ± 0.01 (scikit-learn)", m.OOBAccuracy, c.OOBAccuracy)
		}
	}
}

// BenchmarkForestBank grows scikit-learn's default forest (100 trees,
// √p features) with min_samples_leaf 5 on the 2008 bank rows.
func BenchmarkForestBank(b *testing.B) {
	d := banktest.Load(b)
	b.ResetTimer()
	for range b.N {
		m := NewRandomForestClassifier()
		m.MinSamplesLeaf = 5
		if err := m.Fit(context.Background(), d.Train, d.YTrain, nil); err != nil {
			b.Fatal(err)
		}
	}
}
