package metrics

import (
	"fmt"
	"math"
)

// eps is float64 machine epsilon; scikit-learn clips probabilities to
// [eps, 1−eps] before taking logs.
const eps = 2.220446049250313e-16

// LogLoss returns the weighted mean binary cross-entropy of probabilities p
// of class 1 for labels y, as scikit-learn's log_loss. Probabilities outside
// [0, 1] are refused, as scikit-learn does; those in range are clipped to
// [eps, 1−eps] so that 0 and 1 give a large finite loss.
func LogLoss(y, p, weights []float64) (float64, error) {
	if err := checkBinary(y, p, weights); err != nil {
		return 0, err
	}
	if err := checkProbabilities(p); err != nil {
		return 0, err
	}
	var sum, wsum float64
	for i := range y {
		q := math.Min(math.Max(p[i], eps), 1-eps)
		var l float64
		if y[i] == 1 {
			l = -math.Log(q)
		} else {
			l = -math.Log(1 - q)
		}
		w := weight(weights, i)
		sum += w * l
		wsum += w
	}
	return sum / wsum, nil
}

// Brier returns the weighted mean squared difference between probabilities p
// of class 1 and labels y, as scikit-learn's brier_score_loss. Probabilities
// outside [0, 1] or NaN are refused, as scikit-learn does.
func Brier(y, p, weights []float64) (float64, error) {
	if err := checkBinary(y, p, weights); err != nil {
		return 0, err
	}
	if err := checkProbabilities(p); err != nil {
		return 0, err
	}
	var sum, wsum float64
	for i := range y {
		d := y[i] - p[i]
		w := weight(weights, i)
		sum += w * d * d
		wsum += w
	}
	return sum / wsum, nil
}

func weight(weights []float64, i int) float64 {
	if weights == nil {
		return 1
	}
	return weights[i]
}

// checkBinary validates labels, predictions and weights of a binary metric.
func checkBinary(y, p, weights []float64) error {
	if len(y) == 0 {
		return fmt.Errorf("y is empty")
	}
	if len(p) != len(y) {
		return fmt.Errorf("y has %d values but predictions have %d", len(y), len(p))
	}
	if err := checkWeights(weights, len(y)); err != nil {
		return err
	}
	for i := range y {
		if y[i] != 0 && y[i] != 1 {
			return fmt.Errorf("y[%d] = %v: labels must be 0 or 1", i, y[i])
		}
		if math.IsNaN(p[i]) {
			return fmt.Errorf("prediction %d is NaN", i)
		}
	}
	return nil
}
