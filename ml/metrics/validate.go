package metrics

import (
	"fmt"
	"math"
)

// checkWeights validates optional sample weights for n samples: nil means all
// 1; otherwise there must be n finite, non-negative weights that do not all
// vanish, since every weighted mean divides by their sum.
func checkWeights(weights []float64, n int) error {
	if weights == nil {
		return nil
	}
	if len(weights) != n {
		return fmt.Errorf("y has %d values but weights has %d", n, len(weights))
	}
	sum := 0.0
	for i, w := range weights {
		if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return fmt.Errorf("weights[%d] = %v: weights must be finite and non-negative", i, w)
		}
		sum += w
	}
	if sum == 0 {
		return fmt.Errorf("weights sum to zero")
	}
	return nil
}

// checkProbabilities refuses probabilities outside [0, 1] and NaN, as
// scikit-learn's log_loss and brier_score_loss do, rather than clipping them
// into a misleading loss.
func checkProbabilities(p []float64) error {
	for i, v := range p {
		if math.IsNaN(v) {
			return fmt.Errorf("probability %d is NaN", i)
		}
		if v < 0 || v > 1 {
			return fmt.Errorf("probability %d is %v, outside [0, 1]", i, v)
		}
	}
	return nil
}

// checkClasses validates class labels y (class indices 0..k-1 held as
// float64, as ml.MulticlassClassifier takes them) and their weights. what
// names the labels in messages ("y" or "predictions").
func checkClasses(what string, y []float64, k int) error {
	if k < 2 {
		return fmt.Errorf("need at least 2 classes, got %d", k)
	}
	if len(y) == 0 {
		return fmt.Errorf("%s is empty", what)
	}
	for i, v := range y {
		if v != math.Trunc(v) || v < 0 || v >= float64(k) {
			return fmt.Errorf("%s[%d] = %v: labels must be class indices 0..%d", what, i, v, k-1)
		}
	}
	return nil
}

// checkMulticlassProba validates labels y, their row-major n×k class
// probabilities proba and weights.
func checkMulticlassProba(y, proba []float64, k int, weights []float64) error {
	if err := checkClasses("y", y, k); err != nil {
		return err
	}
	if len(proba) != len(y)*k {
		return fmt.Errorf("y has %d values, so probabilities need %d×%d = %d values, got %d",
			len(y), len(y), k, len(y)*k, len(proba))
	}
	for j, v := range proba {
		if math.IsNaN(v) || v < 0 || v > 1 {
			return fmt.Errorf("probability of class %d in row %d is %v, outside [0, 1]", j%k, j/k, v)
		}
	}
	return checkWeights(weights, len(y))
}

// checkRowSums requires each row of proba to sum to 1 within numpy.allclose's
// default tolerance, as scikit-learn's multiclass roc_auc_score does.
func checkRowSums(proba []float64, k int) error {
	for i := 0; i*k < len(proba); i++ {
		s := 0.0
		for _, v := range proba[i*k : (i+1)*k] {
			s += v
		}
		if math.Abs(s-1) > 1e-8+1e-5*math.Abs(s) {
			return fmt.Errorf("probabilities of row %d sum to %v, not 1", i, s)
		}
	}
	return nil
}
