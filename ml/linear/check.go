package linear

import (
	"fmt"
	"math"

	"github.com/weir-ml/weir/ml"
)

// checkData checks the shapes and values that every linear model's Fit
// needs: a non-empty rectangular X of finite features, one target per row,
// and weights (when given) that are finite, not negative and not all zero.
func checkData(X *ml.Matrix, y, weights []float64) error {
	if X == nil {
		return fmt.Errorf("X is nil")
	}
	if err := X.Check(); err != nil {
		return err
	}
	if X.Rows == 0 || X.NumCols() == 0 {
		return fmt.Errorf("X is empty (%d rows, %d columns)", X.Rows, X.NumCols())
	}
	if len(y) != X.Rows {
		return fmt.Errorf("y has %d values, X has %d rows", len(y), X.Rows)
	}
	if weights != nil && len(weights) != X.Rows {
		return fmt.Errorf("weights has %d values, X has %d rows", len(weights), X.Rows)
	}
	for j, col := range X.Cols {
		for i, v := range col {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("X[%d, %d] = %v: features must be finite (impute missing values first)", i, j, v)
			}
		}
	}
	if weights != nil {
		total := 0.0
		for i, w := range weights {
			if !(w >= 0) || math.IsInf(w, 0) {
				return fmt.Errorf("weights[%d] = %v: weights must be finite and not negative", i, w)
			}
			total += w
		}
		if total <= 0 {
			return fmt.Errorf("all sample weights are zero")
		}
	}
	return nil
}

// maxClasses bounds the class count taken from y, so that one stray label
// cannot make Fit allocate a coefficient row for every index below it.
const maxClasses = 1 << 16

// numClasses returns K for labels y: classes when it is set (> 0), else the
// largest label plus one. Every label must be a class index in [0, K).
func numClasses(y []float64, classes int) (int, error) {
	if classes < 0 || classes == 1 {
		return 0, fmt.Errorf("Classes = %d: set 0 to take the class count from y, or at least 2", classes)
	}
	k := classes
	for i, v := range y {
		if v != math.Trunc(v) || v < 0 || math.IsInf(v, 0) {
			return 0, fmt.Errorf("y[%d] = %v: labels must be class indices 0, 1, 2, ...", i, v)
		}
		if classes > 0 && v >= float64(classes) {
			if classes == 2 {
				return 0, fmt.Errorf("y[%d] = %v: labels must be 0 or 1", i, v)
			}
			return 0, fmt.Errorf("y[%d] = %v: labels must be class indices 0 to %d (Classes = %d)", i, v, classes-1, classes)
		}
		if classes == 0 {
			if v >= maxClasses {
				return 0, fmt.Errorf("y[%d] = %v: labels must be class indices, and this one is too large (at most %d classes)", i, v, maxClasses)
			}
			k = max(k, int(v)+1)
		}
	}
	return k, nil
}
