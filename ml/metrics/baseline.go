package metrics

import "fmt"

// ClassPriors returns the weighted share of each class 0..k-1 in the class
// indices y (nil weights mean all 1).
func ClassPriors(y []float64, k int, weights []float64) ([]float64, error) {
	if err := checkClasses("y", y, k); err != nil {
		return nil, err
	}
	if err := checkWeights(weights, len(y)); err != nil {
		return nil, err
	}
	priors := make([]float64, k)
	total := 0.0
	for i, c := range y {
		w := weight(weights, i)
		priors[int(c)] += w
		total += w
	}
	for c := range priors {
		priors[c] /= total
	}
	return priors, nil
}

// PriorBaseline returns the predictions for n rows of a model that ignores
// the features, fitted on training classes y: every row's label is the most
// frequent class (the smallest index on ties) and its probabilities are the
// class priors, as scikit-learn's DummyClassifier(strategy="prior"). Score
// them with the same metric functions as a real model to see what it adds.
// proba is row-major n×k.
func PriorBaseline(y []float64, k int, weights []float64, n int) (labels, proba []float64, err error) {
	if n < 0 {
		return nil, nil, fmt.Errorf("baseline for %d rows", n)
	}
	priors, err := ClassPriors(y, k, weights)
	if err != nil {
		return nil, nil, err
	}
	best := 0
	for c, p := range priors {
		if p > priors[best] {
			best = c
		}
	}
	labels = make([]float64, n)
	proba = make([]float64, 0, n*k)
	for i := range labels {
		labels[i] = float64(best)
		proba = append(proba, priors...)
	}
	return labels, proba, nil
}

// MeanBaseline returns n copies of the weighted mean of the training target
// y, as scikit-learn's DummyRegressor(strategy="mean").
func MeanBaseline(y, weights []float64, n int) ([]float64, error) {
	if err := checkBaselineTarget(y, weights, n); err != nil {
		return nil, err
	}
	var s, ws float64
	for i, v := range y {
		w := weight(weights, i)
		s += w * v
		ws += w
	}
	return constant(s/ws, n), nil
}

// MedianBaseline returns n copies of the median of the training target y, as
// scikit-learn's DummyRegressor(strategy="median"): the plain median without
// weights, and with weights the smallest value whose cumulative weight
// reaches half the total.
func MedianBaseline(y, weights []float64, n int) ([]float64, error) {
	if err := checkBaselineTarget(y, weights, n); err != nil {
		return nil, err
	}
	if weights == nil {
		return constant(median(append([]float64(nil), y...)), n), nil
	}
	return constant(weightedPercentile(y, weights, 50, false), n), nil
}

func checkBaselineTarget(y, weights []float64, n int) error {
	if n < 0 {
		return fmt.Errorf("baseline for %d rows", n)
	}
	// checkRegression's checks, with y as its own prediction.
	return checkRegression(y, y, weights)
}

func constant(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}
