// Package predictortest holds a small multiclass learner for tests of the
// code that saves, loads and serves multiclass predictors, before (or
// without) a real multiclass learner: a nearest-centroid classifier whose
// probabilities are a softmax of negative squared distances.
package predictortest

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/predictor"
)

// Tag is the learner tag NearestCentroid is registered under for
// multiclass predictors.
const Tag = "test_nearest_centroid"

// NearestCentroid is a multiclass classifier: P(k | x) ∝ exp(−‖x − cₖ‖²/2)
// where cₖ is the mean of the training rows of class k. Missing features
// (NaN) are skipped in both fit and prediction.
type NearestCentroid struct {
	// Centroids[k][j] is the mean of feature j over class k.
	Centroids [][]float64 `json:"centroids"`
}

var (
	_ ml.MulticlassClassifier = (*NearestCentroid)(nil)
	_ ml.RowProbaPredictor    = (*NearestCentroid)(nil)
)

var once sync.Once

// Register registers NearestCentroid under Tag for multiclass predictors;
// it may be called any number of times.
func Register() {
	once.Do(func() {
		predictor.Register(predictor.Learner{Task: ml.TaskMulticlass, Tag: Tag,
			New: func() any { return &NearestCentroid{} },
			NumFeatures: func(m any) (int, error) {
				c := m.(*NearestCentroid).Centroids
				if len(c) == 0 {
					return 0, fmt.Errorf("nearest centroid: not fitted")
				}
				return len(c[0]), nil
			}})
	})
}

// Fit computes the class centroids; labels are 0..K-1.
func (m *NearestCentroid) Fit(ctx context.Context, X *ml.Matrix, y, weights []float64) error {
	k := 0
	for _, v := range y {
		if v < 0 || v != math.Trunc(v) {
			return fmt.Errorf("nearest centroid: label %v is not a class index", v)
		}
		k = max(k, int(v)+1)
	}
	sum := make([][]float64, k)
	n := make([][]float64, k)
	for c := range sum {
		sum[c], n[c] = make([]float64, X.NumCols()), make([]float64, X.NumCols())
	}
	for j, col := range X.Cols {
		for i, x := range col {
			if !math.IsNaN(x) {
				sum[int(y[i])][j] += x
				n[int(y[i])][j]++
			}
		}
	}
	for c := range sum {
		for j := range sum[c] {
			if n[c][j] > 0 {
				sum[c][j] /= n[c][j]
			}
		}
	}
	m.Centroids = sum
	return nil
}

// NumClasses returns K.
func (m *NearestCentroid) NumClasses() int { return len(m.Centroids) }

// PredictProbaMulti returns the K probabilities of every row of X.
func (m *NearestCentroid) PredictProbaMulti(X *ml.Matrix) ([]float64, error) {
	k := len(m.Centroids)
	if k == 0 || X.NumCols() != len(m.Centroids[0]) {
		return nil, fmt.Errorf("nearest centroid: matrix has %d columns", X.NumCols())
	}
	out := make([]float64, X.Rows*k)
	var row []float64
	for i := 0; i < X.Rows; i++ {
		row = X.Row(i, row)
		m.PredictProbaRow(row, out[i*k:(i+1)*k])
	}
	return out, nil
}

// PredictProbaRow writes one row's K probabilities into out.
func (m *NearestCentroid) PredictProbaRow(row []float64, out []float64) {
	top := math.Inf(-1)
	for c, cen := range m.Centroids {
		d := 0.0
		for j, x := range row[:len(cen)] {
			if !math.IsNaN(x) {
				d += (x - cen[j]) * (x - cen[j])
			}
		}
		out[c] = -d / 2
		top = max(top, out[c])
	}
	sum := 0.0
	for c := range out {
		out[c] = math.Exp(out[c] - top)
		sum += out[c]
	}
	for c := range out {
		out[c] /= sum
	}
}
