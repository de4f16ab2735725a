package tree

import (
	"fmt"
	"math"
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

// predictProbaMatrix returns the class probabilities of every row of X,
// out[i*k+c] = P(y=c): the mean of the trees' leaf distributions for
// multiclass trees, (1-p, p) for binary ones. Like predictMatrix it does
// not depend on the number of workers.
func predictProbaMatrix(trees []*Tree, nFeatures, k int, X *ml.Matrix, workers int) ([]float64, error) {
	if X == nil {
		return nil, fmt.Errorf("X is nil")
	}
	if err := X.Check(); err != nil {
		return nil, err
	}
	if X.NumCols() != nFeatures {
		return nil, fmt.Errorf("X has %d columns, model has %d features", X.NumCols(), nFeatures)
	}
	out := make([]float64, X.Rows*k)
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
					meanProba(trees, row, out[i*k:i*k+k])
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

// meanProba writes the trees' mean class probabilities for row into out
// (len(out) == K, 2 for binary trees).
func meanProba(trees []*Tree, row, out []float64) {
	if trees[0].Classes == 0 {
		p := meanPrediction(trees, row)
		out[0], out[1] = 1-p, p
		return
	}
	clear(out)
	for _, t := range trees {
		addTo(out, t.leafDist(row))
	}
	n := float64(len(trees))
	for c := range out {
		out[c] /= n
	}
}

// numClasses returns the class count K of a fitted classifier's trees: 2
// when they hold P(y=1), 0 when there are none.
func numClasses(trees []*Tree) int {
	switch {
	case len(trees) == 0:
		return 0
	case trees[0].Classes > 0:
		return trees[0].Classes
	}
	return 2
}

// fillNaN sets every element of out to NaN: the answer of a row predictor
// that cannot score.
func fillNaN(out []float64) {
	for c := range out {
		out[c] = math.NaN()
	}
}
