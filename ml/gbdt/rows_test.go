package gbdt

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// TestPredictRowsMatchesPredictRow checks the batch scorer gives exactly
// PredictRow's answers, on one goroutine and split between several, with
// missing values and a short row.
func TestPredictRowsMatchesPredictRow(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	const n, f = 600, 4
	X := ml.NewMatrix(n, f)
	y := make([]float64, n)
	for i := range n {
		for j := range f {
			v := r.NormFloat64()
			if r.IntN(10) == 0 {
				v = math.NaN()
			}
			X.Cols[j][i] = v
		}
		if X.At(i, 0)+0.5*X.At(i, 1) > 0 || math.IsNaN(X.At(i, 2)) {
			y[i] = 1
		}
	}
	for _, obj := range []string{Binary, Regression} {
		m := &Model{Params: DefaultParams(obj)}
		m.NEstimators, m.NumThreads = 40, 1
		if err := m.Fit(context.Background(), X, y, nil); err != nil {
			t.Fatal(err)
		}
		m.NumThreads = 0
		for _, rowsN := range []int{0, 1, 7, 100, 600, 14000} { // 14000 × 40 trees: split between goroutines
			rows := make([][]float64, rowsN)
			for i := range rows {
				rows[i] = make([]float64, f)
				for j := range f {
					rows[i][j] = X.At(i%n, j)
				}
			}
			if rowsN > 3 {
				rows[3] = rows[3][:f-1] // short: NaN
			}
			got := make([]float64, rowsN)
			m.PredictRows(rows, got)
			for i, row := range rows {
				want := m.PredictRow(row)
				if math.Float64bits(got[i]) != math.Float64bits(want) && !(math.IsNaN(got[i]) && math.IsNaN(want)) {
					t.Fatalf("%s, %d rows: row %d = %v, PredictRow %v", obj, rowsN, i, got[i], want)
				}
			}
		}
	}
	var unfitted Model
	out := []float64{1}
	unfitted.PredictRows([][]float64{{1, 2}}, out)
	if !math.IsNaN(out[0]) {
		t.Errorf("unfitted model scored %v, want NaN", out[0])
	}
}

// BenchmarkPredictRows scores batches of 100 rows (a typical scoring
// request) with 100 trees of 31 leaves on 6 numeric features, on one
// goroutine: walk is the tree walk, table the per-feature tables
// PredictRows uses. ns/row-tree is the time per (row, tree) pair.
func BenchmarkPredictRows(b *testing.B) {
	X, y := synthetic(20000, 21)
	m := NewClassifier()
	m.NEstimators, m.NumLeaves, m.MinDataInLeaf, m.NumThreads = 100, 31, 5, 1
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		b.Fatal(err)
	}
	if m.fast == nil {
		b.Fatal("no table built")
	}
	rows := make([][]float64, 100)
	for i := range rows {
		rows[i] = X.Row(i, nil)
	}
	out := make([]float64, len(rows))
	walk := *m
	walk.fast = nil
	for _, bc := range []struct {
		name  string
		score func()
	}{
		{"walk", func() { walk.PredictRows(rows, out) }},
		{"table", func() { m.PredictRows(rows, out) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				bc.score()
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N*len(rows)*len(m.Trees)), "cpu-ns/row-tree")
		})
	}
}

// BenchmarkBuildTable builds the table for the BenchmarkPredictRows model,
// which Fit and Load do, so it adds to the start-up of a scoring server.
func BenchmarkBuildTable(b *testing.B) {
	X, y := synthetic(20000, 21)
	m := NewClassifier()
	m.NEstimators, m.NumLeaves, m.MinDataInLeaf, m.NumThreads = 100, 31, 5, 1
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		b.Fatal(err)
	}
	var sc *tableScorer
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		sc = newTableScorer(m.Trees, m.NumFeatures)
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(sc.bytes), "table-bytes")
}
