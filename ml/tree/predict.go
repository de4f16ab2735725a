package tree

import (
	"fmt"
	"sync"

	"github.com/weir-ml/weir/ml"
)

// predictMatrix returns the mean of the trees' predictions for each row of
// X, computing blocks of rows in parallel. Each row sums its trees in order,
// so the result does not depend on the number of workers.
func predictMatrix(trees []*Tree, nFeatures int, X *ml.Matrix, workers int) ([]float64, error) {
	if X == nil {
		return nil, fmt.Errorf("X is nil")
	}
	if err := X.Check(); err != nil {
		return nil, err
	}
	if X.NumCols() != nFeatures {
		return nil, fmt.Errorf("X has %d columns, model has %d features", X.NumCols(), nFeatures)
	}
	out := make([]float64, X.Rows)
	const block = 1024
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < max(1, workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			row := make([]float64, nFeatures)
			for start := range next {
				for i := start; i < min(start+block, X.Rows); i++ {
					X.Row(i, row)
					out[i] = meanPrediction(trees, row)
				}
			}
		}()
	}
	for start := 0; start < X.Rows; start += block {
		next <- start
	}
	close(next)
	wg.Wait()
	return out, nil
}

func meanPrediction(trees []*Tree, row []float64) float64 {
	s := 0.0
	for _, t := range trees {
		s += t.PredictRow(row)
	}
	return s / float64(len(trees))
}
