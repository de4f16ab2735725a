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
	if err := checkWeights(weights, len(y)); err != nil {
		return err
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

// MAPE is the weighted mean absolute percentage error |y − pred| / |y| as a
// fraction (not ×100), as scikit-learn's mean_absolute_percentage_error: the
// denominator is at least machine epsilon, so a zero target gives a huge but
// finite error rather than +Inf.
func MAPE(y, pred, weights []float64) (float64, error) {
	if err := checkRegression(y, pred, weights); err != nil {
		return 0, err
	}
	var s, ws float64
	for i := range y {
		w := weight(weights, i)
		s += w * math.Abs(y[i]-pred[i]) / math.Max(math.Abs(y[i]), eps)
		ws += w
	}
	return s / ws, nil
}

// ExplainedVariance is 1 − Var(y − pred) / Var(y) with weighted variances, as
// scikit-learn's explained_variance_score. Unlike R2 it ignores a constant
// bias in pred. When y is constant it is 1 if the residuals are constant too
// and 0 otherwise, as scikit-learn's force_finite default.
func ExplainedVariance(y, pred, weights []float64) (float64, error) {
	if err := checkRegression(y, pred, weights); err != nil {
		return 0, err
	}
	var ws, meanY, meanD float64
	for i := range y {
		w := weight(weights, i)
		ws += w
		meanY += w * y[i]
		meanD += w * (y[i] - pred[i])
	}
	meanY /= ws
	meanD /= ws
	var num, den float64
	for i := range y {
		w := weight(weights, i)
		d := y[i] - pred[i] - meanD
		num += w * d * d
		den += w * (y[i] - meanY) * (y[i] - meanY)
	}
	if den == 0 {
		if num == 0 {
			return 1, nil
		}
		return 0, nil
	}
	return 1 - num/den, nil
}

// MedianAE is the median absolute error, as scikit-learn's
// median_absolute_error: the plain median without weights, and with weights
// the weighted median that averages the two middle values when the weight
// splits exactly in half.
func MedianAE(y, pred, weights []float64) (float64, error) {
	if err := checkRegression(y, pred, weights); err != nil {
		return 0, err
	}
	abs := make([]float64, len(y))
	for i := range y {
		abs[i] = math.Abs(y[i] - pred[i])
	}
	if weights == nil {
		return median(abs), nil
	}
	return weightedPercentile(abs, weights, 50, true), nil
}
