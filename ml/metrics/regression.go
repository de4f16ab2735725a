package metrics

import (
	"fmt"
	"math"
)

func checkRegression(y, pred, weights []float64) error {
	if len(y) == 0 {
		return fmt.Errorf("y is empty")
	}
	if len(pred) != len(y) {
		return fmt.Errorf("y has %d values but predictions have %d", len(y), len(pred))
	}
	if weights != nil && len(weights) != len(y) {
		return fmt.Errorf("y has %d values but weights has %d", len(y), len(weights))
	}
	for i := range y {
		if math.IsNaN(y[i]) || math.IsNaN(pred[i]) {
			return fmt.Errorf("value %d is NaN", i)
		}
	}
	return nil
}

// RMSE is the root of the weighted mean squared error.
func RMSE(y, pred, weights []float64) (float64, error) {
	if err := checkRegression(y, pred, weights); err != nil {
		return 0, err
	}
	var s, ws float64
	for i := range y {
		d := y[i] - pred[i]
		w := weight(weights, i)
		s += w * d * d
		ws += w
	}
	return math.Sqrt(s / ws), nil
}

// MAE is the weighted mean absolute error.
func MAE(y, pred, weights []float64) (float64, error) {
	if err := checkRegression(y, pred, weights); err != nil {
		return 0, err
	}
	var s, ws float64
	for i := range y {
		w := weight(weights, i)
		s += w * math.Abs(y[i]-pred[i])
		ws += w
	}
	return s / ws, nil
}

// R2 is the coefficient of determination. When y is constant it is 1 for a
// perfect prediction and 0 otherwise, as scikit-learn's r2_score.
func R2(y, pred, weights []float64) (float64, error) {
	if err := checkRegression(y, pred, weights); err != nil {
		return 0, err
	}
	var ws, mean float64
	for i := range y {
		w := weight(weights, i)
		ws += w
		mean += w * y[i]
	}
	mean /= ws
	var num, den float64
	for i := range y {
		w := weight(weights, i)
		num += w * (y[i] - pred[i]) * (y[i] - pred[i])
		den += w * (y[i] - mean) * (y[i] - mean)
	}
	if den == 0 {
		if num == 0 {
			return 1, nil
		}
		return 0, nil
	}
	return 1 - num/den, nil
}
