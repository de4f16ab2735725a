package gbdt

import (
	"context"
	"testing"
)

// BenchmarkPredictRow scores one row with 300 trees of 31 leaves.
func BenchmarkPredictRow(b *testing.B) {
	X, y := synthetic(20000, 21)
	m := NewClassifier()
	m.NEstimators, m.NumLeaves, m.MinDataInLeaf = 300, 31, 5
	m.CategoricalFeatures = []int{5}
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		b.Fatal(err)
	}
	leaves := 0
	for _, t := range m.Trees {
		leaves += t.NumLeaves()
	}
	b.ReportMetric(float64(leaves)/float64(len(m.Trees)), "leaves/tree")
	row := X.Row(0, nil)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	var sink float64
	for i := 0; i < b.N; i++ {
		sink += m.PredictRow(X.Row(i%X.Rows, row))
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	_ = sink
}

// BenchmarkFit trains 50 trees on 100,000 rows of the synthetic problem.
func BenchmarkFit(b *testing.B) {
	X, y := synthetic(100000, 22)
	b.ResetTimer()
	cpu := processCPU()
	defer func() { b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op") }()
	for i := 0; i < b.N; i++ {
		m := NewClassifier()
		m.NEstimators = 50
		m.CategoricalFeatures = []int{5}
		if err := m.Fit(context.Background(), X, y, nil); err != nil {
			b.Fatal(err)
		}
	}
}
