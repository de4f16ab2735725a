// Package ml holds the types that Weir's data, transform, learner and metric
// packages share: a dense feature matrix and the interfaces learners satisfy.
// It imports only the standard library.
package ml

import (
	"context"
	"fmt"
)

// Matrix is a dense table of float64 features stored column by column:
// Cols[j][i] is feature j of row i. NaN marks a missing value. Column-major
// storage is what histogram and split finding read fastest; Row copies one row
// out for one-row prediction.
type Matrix struct {
	Rows  int
	Names []string    // len(Names) == len(Cols); may be nil
	Cols  [][]float64 // each of length Rows
}

// NewMatrix allocates a rows × cols matrix of zeros.
func NewMatrix(rows, cols int) *Matrix {
	m := &Matrix{Rows: rows, Cols: make([][]float64, cols)}
	buf := make([]float64, rows*cols)
	for j := range m.Cols {
		m.Cols[j] = buf[j*rows : (j+1)*rows : (j+1)*rows]
	}
	return m
}

// NumCols returns the number of features.
func (m *Matrix) NumCols() int { return len(m.Cols) }

// At returns feature j of row i.
func (m *Matrix) At(i, j int) float64 { return m.Cols[j][i] }

// Row copies row i into dst (grown if needed) and returns it.
func (m *Matrix) Row(i int, dst []float64) []float64 {
	if cap(dst) < len(m.Cols) {
		dst = make([]float64, len(m.Cols))
	}
	dst = dst[:len(m.Cols)]
	for j, c := range m.Cols {
		dst[j] = c[i]
	}
	return dst
}

// Subset returns a new matrix holding the given rows, in order.
func (m *Matrix) Subset(rows []int) *Matrix {
	out := NewMatrix(len(rows), len(m.Cols))
	out.Names = m.Names
	for j, c := range m.Cols {
		dst := out.Cols[j]
		for k, i := range rows {
			dst[k] = c[i]
		}
	}
	return out
}

// Check returns an error when the matrix is not rectangular or names do not
// match the columns.
func (m *Matrix) Check() error {
	if m.Names != nil && len(m.Names) != len(m.Cols) {
		return fmt.Errorf("matrix has %d names for %d columns", len(m.Names), len(m.Cols))
	}
	for j, c := range m.Cols {
		if len(c) != m.Rows {
			return fmt.Errorf("matrix column %d has %d rows, want %d", j, len(c), m.Rows)
		}
	}
	return nil
}

// Classifier is a fitted or unfitted binary classifier. Labels are 0 and 1;
// weights may be nil (all 1).
type Classifier interface {
	Fit(ctx context.Context, X *Matrix, y, weights []float64) error
	// PredictProba returns P(y=1) for each row of X.
	PredictProba(X *Matrix) ([]float64, error)
}

// Tasks a supervised model can be fitted for.
const (
	TaskBinary     = "binary"     // two classes; the model gives P(y=1)
	TaskMulticlass = "multiclass" // K > 2 classes; the model gives K probabilities
	TaskRegression = "regression" // a real-valued target
)

// MulticlassClassifier is a fitted or unfitted classifier over K classes.
// Labels are the class indices 0..K-1 held as float64; weights may be nil
// (all 1). K is the learner's own class-count setting when it has one, else
// the largest label plus one.
type MulticlassClassifier interface {
	Fit(ctx context.Context, X *Matrix, y, weights []float64) error
	// NumClasses returns K once fitted.
	NumClasses() int
	// PredictProbaMulti returns the class probabilities row by row:
	// out[i*K+k] is P(y=k) for row i of X, and each row sums to 1.
	PredictProbaMulti(X *Matrix) ([]float64, error)
}

// RowProbaPredictor writes one row's K class probabilities into out
// (len(out) == K) without allocating.
type RowProbaPredictor interface {
	PredictProbaRow(row []float64, out []float64)
}

// RowPredictor scores one row without allocating; row has NumCols values.
type RowPredictor interface {
	PredictRow(row []float64) float64
}

// Regressor is a fitted or unfitted regressor.
type Regressor interface {
	Fit(ctx context.Context, X *Matrix, y, weights []float64) error
	Predict(X *Matrix) ([]float64, error)
}

// Progress receives progress of long work (iterations done of total); it may
// be nil.
type Progress func(done, total int)
