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
