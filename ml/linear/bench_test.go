package linear

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// BenchmarkLinearRegressionFit fits least squares on random data of a few
// shapes: the QR and Jacobi SVD cost grows as n·p² and p³.
func BenchmarkLinearRegressionFit(b *testing.B) {
	for _, shape := range []struct{ n, p int }{{10000, 50}, {5000, 200}, {200, 1000}} {
		b.Run(fmt.Sprintf("n=%d,p=%d", shape.n, shape.p), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			X := ml.NewMatrix(shape.n, shape.p)
			for _, col := range X.Cols {
				for i := range col {
					col[i] = rng.NormFloat64()
				}
			}
			y := make([]float64, shape.n)
			for i := range y {
				y[i] = X.Cols[0][i] + rng.NormFloat64()
			}
			for b.Loop() {
				if err := NewLinearRegression().Fit(context.Background(), X, y, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMultinomialFit fits a ten-class softmax model to 2000 rows of 64
// features, the shape of scikit-learn's digits set.
func BenchmarkMultinomialFit(b *testing.B) {
	const n, p, k = 2000, 64, 10
	rng := rand.New(rand.NewPCG(3, 4))
	X := ml.NewMatrix(n, p)
	y := make([]float64, n)
	for i := range y {
		y[i] = float64(rng.IntN(k))
		for j, col := range X.Cols {
			col[i] = rng.NormFloat64()
			if j%k == int(y[i]) {
				col[i] += 1
			}
		}
	}
	for b.Loop() {
		m := NewLogisticRegression()
		if err := m.Fit(context.Background(), X, y, nil); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(m.NIter), "iterations")
	}
}
