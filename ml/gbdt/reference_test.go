package gbdt

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/metrics"
)

// bankCategorical are the bank columns given to both implementations as
// integer codes in sorted level order and declared categorical.
var bankCategorical = []string{"job", "marital", "education", "default", "housing", "loan",
	"contact", "month", "poutcome"}

// bankTrainRows is the number of 2008 rows, the training period.
const bankTrainRows = 27729

// loadBank reads the bank-marketing CSV without `duration` (it leaks the
// target), skipping the test when the file is absent.
func loadBank(tb testing.TB) (X *ml.Matrix, y []float64, cat []int) {
	tb.Helper()
	path := os.Getenv("WEIR_BANK_DATA")
	if path == "" {
		path = filepath.Join("..", "..", "..", "shared", "data", "bank-marketing", "bank-full.csv")
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Skipf("bank data not available (%v); set WEIR_BANK_DATA to bank-full.csv", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	header, recs := recs[0], recs[1:]
	var cols []int
	var names []string
	for j, h := range header {
		if h != "duration" && h != "y" {
			cols = append(cols, j)
			names = append(names, h)
		}
	}
	X = ml.NewMatrix(len(recs), len(cols))
	X.Names = names
	for k, j := range cols {
		if slices.Contains(bankCategorical, header[j]) {
			cat = append(cat, k)
			var levels []string
			for _, r := range recs {
				if !slices.Contains(levels, r[j]) {
					levels = append(levels, r[j])
				}
			}
			slices.Sort(levels)
			for i, r := range recs {
				X.Cols[k][i] = float64(slices.Index(levels, r[j]))
			}
			continue
		}
		for i, r := range recs {
			v, err := strconv.ParseFloat(r[j], 64)
			if err != nil {
				tb.Fatalf("row %d column %s: %v", i+2, header[j], err)
			}
			X.Cols[k][i] = v
		}
	}
	y = make([]float64, len(recs))
	for i, r := range recs {
		if r[len(r)-1] == "yes" {
			y[i] = 1
		}
	}
	return X, y, cat
}

// referenceCase is one LightGBM run recorded by tests/reference/gen_gbdt.py.
type referenceCase struct {
	Name   string          `json:"name"`
	Params json.RawMessage `json:"params"`
	AUC    float64         `json:"auc"`
	RMSE   float64         `json:"rmse"`
}

func readCases(tb testing.TB, name string) []referenceCase {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "tests", "reference", "fixtures", name))
	if err != nil {
		tb.Fatal(err)
	}
	var f struct{ Cases []referenceCase }
	if err := json.Unmarshal(b, &f); err != nil {
		tb.Fatal(err)
	}
	return f.Cases
}

// rangeRows returns the rows [lo, hi).
func rangeRows(lo, hi int) []int {
	out := make([]int, hi-lo)
	for i := range out {
		out[i] = lo + i
	}
	return out
}

// TestBankAUCMatchesLightGBM trains on 2008 and scores 2009-2010 with the
// parameters LightGBM 4.7.0 used; the test AUCs must agree within 0.005.
func TestBankAUCMatchesLightGBM(t *testing.T) {
	X, y, cat := loadBank(t)
	train, test := rangeRows(0, bankTrainRows), rangeRows(bankTrainRows, X.Rows)
	Xtr, Xte := X.Subset(train), X.Subset(test)
	ytr, yte := y[:bankTrainRows], y[bankTrainRows:]
	const tol = 0.005
	for _, c := range readCases(t, "gbdt_bank.json") {
		t.Run(c.Name, func(t *testing.T) {
			m := NewClassifier()
			if err := json.Unmarshal(c.Params, &m.Params); err != nil {
				t.Fatal(err)
			}
			m.CategoricalFeatures = cat
			if err := m.Fit(context.Background(), Xtr, ytr, nil); err != nil {
				t.Fatal(err)
			}
			p, err := m.PredictProba(Xte)
			if err != nil {
				t.Fatal(err)
			}
			got, err := metrics.ROCAUC(yte, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("AUC weir %.6f lightgbm %.6f", got, c.AUC)
			if math.Abs(got-c.AUC) > tol {
				t.Errorf("test AUC = %.6f, LightGBM %.6f: differ by more than %v", got, c.AUC, tol)
			}
		})
	}
}

// lcg yields the uniforms gen_gbdt.py's lcg_uniforms yields: exact integer
// arithmetic, so both languages see the same numbers.
type lcg uint64

func (s *lcg) next() float64 {
	*s = *s*6364136223846793005 + 1442695040888963407
	return float64(uint64(*s)>>11) / (1 << 53)
}

// regressionData builds the dataset of gen_gbdt.py's regression_data.
func regressionData(n int) (*ml.Matrix, []float64) {
	X := ml.NewMatrix(n, 7)
	y := make([]float64, n)
	effect := []float64{0, 1, -1, 2, 0.5, -2, 1.5, -0.5}
	s := lcg(12345)
	var u [9]float64
	for i := 0; i < n; i++ {
		for k := range u {
			u[k] = s.next()
		}
		for j := 0; j < 5; j++ {
			X.Cols[j][i] = u[j]
		}
		X.Cols[5][i] = u[5]
		if u[6] < 0.2 {
			X.Cols[5][i] = math.NaN()
		}
		X.Cols[6][i] = math.Floor(u[7] * 8)
		x5 := 2.0
		if !math.IsNaN(X.Cols[5][i]) {
			x5 = X.Cols[5][i]
		}
		x3 := 0.0
		if u[3] > 0.5 {
			x3 = 1
		}
		y[i] = 3*u[0] + 2*u[1]*u[2] - 4*x3 + 5*u[4]*u[4] + x5 + effect[int(X.Cols[6][i])] + (u[8] - 0.5)
	}
	return X, y
}

// TestRegressionRMSEMatchesLightGBM fits L2 regression on generated data
// with a missing-value feature and a categorical one; the test RMSE must be
// within 3% of LightGBM's.
func TestRegressionRMSEMatchesLightGBM(t *testing.T) {
	X, y := regressionData(5000)
	Xtr, Xte := X.Subset(rangeRows(0, 4000)), X.Subset(rangeRows(4000, 5000))
	for _, c := range readCases(t, "gbdt_regression.json") {
		t.Run(c.Name, func(t *testing.T) {
			m := NewRegressor()
			if err := json.Unmarshal(c.Params, &m.Params); err != nil {
				t.Fatal(err)
			}
			m.CategoricalFeatures = []int{6}
			if err := m.Fit(context.Background(), Xtr, y[:4000], nil); err != nil {
				t.Fatal(err)
			}
			p, err := m.Predict(Xte)
			if err != nil {
				t.Fatal(err)
			}
			var sse float64
			for i, v := range p {
				d := v - y[4000+i]
				sse += d * d
			}
			got := math.Sqrt(sse / float64(len(p)))
			t.Logf("RMSE weir %.6f lightgbm %.6f", got, c.RMSE)
			if math.Abs(got-c.RMSE) > 0.03*c.RMSE {
				t.Errorf("test RMSE = %.6f, LightGBM %.6f: differ by more than 3%%", got, c.RMSE)
			}
		})
	}
}
