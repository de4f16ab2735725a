package tree

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/metrics"
)

// The bank-marketing split and encoding, the same as
// tests/reference/gen_linear_tree.py: rows 1–27,729 (2008) train, the rest
// test; duration left out because it leaks the target; numeric columns in
// file order, then each categorical column's sorted training levels.
const bankTrainRows = 27729

var (
	bankNumeric     = []string{"age", "balance", "day", "campaign", "pdays", "previous"}
	bankCategorical = []string{"job", "marital", "education", "default", "housing", "loan", "contact", "month", "poutcome"}
)

// bankData is the encoded bank-marketing data.
type bankData struct {
	Names         []string
	Train, Test   *ml.Matrix
	YTrain, YTest []float64
}

// loadBank reads the data from WEIR_BANK_DATA or the shared folder next to
// the repository and skips the test when it is absent.
func loadBank(tb testing.TB) *bankData {
	tb.Helper()
	path := os.Getenv("WEIR_BANK_DATA")
	if path == "" {
		path = filepath.Join("..", "..", "..", "shared", "data", "bank-marketing", "bank-full.csv")
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Skipf("bank-marketing data not available (set WEIR_BANK_DATA): %v", err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	col := map[string]int{}
	for j, h := range records[0] {
		col[h] = j
	}
	rows := records[1:]
	train, test := rows[:bankTrainRows], rows[bankTrainRows:]
	names := append([]string(nil), bankNumeric...)
	levels := map[string][]string{}
	for _, c := range bankCategorical {
		seen := map[string]bool{}
		for _, r := range train {
			seen[r[col[c]]] = true
		}
		for v := range seen {
			levels[c] = append(levels[c], v)
		}
		sort.Strings(levels[c])
		for _, v := range levels[c] {
			names = append(names, c+"="+v)
		}
	}
	encode := func(part [][]string) (*ml.Matrix, []float64) {
		X := ml.NewMatrix(len(part), len(names))
		X.Names = names
		y := make([]float64, len(part))
		for i, r := range part {
			for j, c := range bankNumeric {
				v, err := strconv.ParseFloat(r[col[c]], 64)
				if err != nil {
					tb.Fatalf("row %d column %s: %v", i, c, err)
				}
				X.Cols[j][i] = v
			}
			k := len(bankNumeric)
			for _, c := range bankCategorical {
				for _, v := range levels[c] {
					if r[col[c]] == v {
						X.Cols[k][i] = 1
					}
					k++
				}
			}
			if r[col["y"]] == "yes" {
				y[i] = 1
			}
		}
		return X, y
	}
	d := &bankData{Names: names}
	d.Train, d.YTrain = encode(train)
	d.Test, d.YTest = encode(test)
	return d
}

// TestForestBankAUC fits on 2008 and scores 2009–2010 with scikit-learn's
// settings: test AUC within 0.01 of scikit-learn's RandomForestClassifier,
// OOB accuracy within 0.01 of its oob_score_. The two differ only through
// random draws and 256-bin thresholds on the wide numeric columns.
func TestForestBankAUC(t *testing.T) {
	if testing.Short() {
		t.Skip("bank-marketing forest skipped in -short mode")
	}
	d := loadBank(t)
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
	d := loadBank(b)
	b.ResetTimer()
	for range b.N {
		m := NewRandomForestClassifier()
		m.MinSamplesLeaf = 5
		if err := m.Fit(context.Background(), d.Train, d.YTrain, nil); err != nil {
			b.Fatal(err)
		}
	}
}
