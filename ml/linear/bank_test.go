package linear

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

// standardize scales the numeric columns of both parts with the training
// mean and population standard deviation.
func (d *bankData) standardize() {
	for j := range bankNumeric {
		c := d.Train.Cols[j]
		mean, ss := 0.0, 0.0
		for _, v := range c {
			mean += v
		}
		mean /= float64(len(c))
		for _, v := range c {
			ss += (v - mean) * (v - mean)
		}
		std := math.Sqrt(ss / float64(len(c)))
		for _, col := range [][]float64{d.Train.Cols[j], d.Test.Cols[j]} {
			for i := range col {
				col[i] = (col[i] - mean) / std
			}
		}
	}
}

// TestLogisticBankAUC fits on 2008 and scores 2009–2010: test AUC within
// 0.002 of scikit-learn's, and coefficients within 1e-4.
func TestLogisticBankAUC(t *testing.T) {
	if testing.Short() {
		t.Skip("bank-marketing fit skipped in -short mode")
	}
	d := loadBank(t)
	d.standardize()
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
