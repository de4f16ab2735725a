package metrics

import "math"

// MulticlassLogLoss returns the weighted mean cross-entropy of class
// probabilities proba (row-major n×k, as ml.MulticlassClassifier gives) for
// class indices y, as scikit-learn's log_loss(y, proba, labels=range(k)).
// Probabilities outside [0, 1] or NaN are refused; the probability of the
// true class is clipped to [eps, 1−eps]. Rows are not renormalised: like
// scikit-learn (which only warns), a row that does not sum to 1 is scored as
// given.
func MulticlassLogLoss(y, proba []float64, k int, weights []float64) (float64, error) {
	if err := checkMulticlassProba(y, proba, k, weights); err != nil {
		return 0, err
	}
	var sum, wsum float64
	for i, c := range y {
		q := math.Min(math.Max(proba[i*k+int(c)], eps), 1-eps)
		w := weight(weights, i)
		sum -= w * math.Log(q)
		wsum += w
	}
	return sum / wsum, nil
}

// MulticlassBrier returns the weighted mean over samples of the squared
// distance between a row of class probabilities and the one-hot true class,
// as scikit-learn's brier_score_loss(y, proba, labels=range(k)). As there,
// the result is halved when k is 2, so that it equals Brier on the
// probabilities of class 1. Probabilities outside [0, 1] or NaN are refused.
func MulticlassBrier(y, proba []float64, k int, weights []float64) (float64, error) {
	if err := checkMulticlassProba(y, proba, k, weights); err != nil {
		return 0, err
	}
	var sum, wsum float64
	for i, c := range y {
		s := 0.0
		for j, p := range proba[i*k : (i+1)*k] {
			if j == int(c) {
				p -= 1
			}
			s += p * p
		}
		w := weight(weights, i)
		sum += w * s
		wsum += w
	}
	b := sum / wsum
	if k == 2 {
		b /= 2
	}
	return b, nil
}
