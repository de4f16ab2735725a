// Package banktest loads the bank-marketing data for the learners' reference
// tests, encoded exactly as tests/reference/gen_linear_tree.py encodes it, so
// Go and scikit-learn train on the same matrix.
package banktest

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// The bank-marketing split and encoding, the same as
// tests/reference/gen_linear_tree.py: rows 1–27,729 (2008) train, the rest
// test; duration left out because it leaks the target; numeric columns in
// file order, then each categorical column's sorted training levels.
// TrainRows is the number of 2008 rows, the training part.
const TrainRows = 27729

// Numeric and Categorical are the feature columns, duration excluded.
var (
	Numeric     = []string{"age", "balance", "day", "campaign", "pdays", "previous"}
	Categorical = []string{"job", "marital", "education", "default", "housing", "loan", "contact", "month", "poutcome"}
)

// Data is the encoded bank-marketing data.
type Data struct {
	Names         []string
	Train, Test   *ml.Matrix
	YTrain, YTest []float64
}

// Load reads the data from WEIR_BANK_DATA or the shared folder next to
// the repository and skips the test when it is absent.
func Load(tb testing.TB) *Data {
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
	train, test := rows[:TrainRows], rows[TrainRows:]
	names := append([]string(nil), Numeric...)
	levels := map[string][]string{}
	for _, c := range Categorical {
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
			for j, c := range Numeric {
				v, err := strconv.ParseFloat(r[col[c]], 64)
				if err != nil {
					tb.Fatalf("row %d column %s: %v", i, c, err)
				}
				X.Cols[j][i] = v
			}
			k := len(Numeric)
			for _, c := range Categorical {
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
	d := &Data{Names: names}
	d.Train, d.YTrain = encode(train)
	d.Test, d.YTest = encode(test)
	return d
}

// Standardize scales the numeric columns of both parts with the training
// mean and population standard deviation.
func (d *Data) Standardize() {
	for j := range Numeric {
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
