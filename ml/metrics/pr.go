package metrics

import "math"

// PrecisionRecallCurve returns precision and recall at each distinct score
// threshold, ordered by increasing threshold, with a final point (precision 1,
// recall 0) that has no threshold, as scikit-learn's precision_recall_curve.
func PrecisionRecallCurve(y, score, weights []float64) (precision, recall, thresholds []float64, err error) {
	c, err := clfCurve(y, score, weights)
	if err != nil {
		return nil, nil, nil, err
	}
	n := len(c.tps)
	posTotal := c.tps[n-1]
	precision = make([]float64, 0, n+1)
	recall = make([]float64, 0, n+1)
	thresholds = make([]float64, 0, n)
	for i := n - 1; i >= 0; i-- {
		p := 0.0
		if ps := c.tps[i] + c.fps[i]; ps != 0 {
			p = c.tps[i] / ps
		}
		r := 1.0 // no positives at all: recall is 1 everywhere, as scikit-learn
		if posTotal != 0 {
			r = c.tps[i] / posTotal
		}
		precision = append(precision, p)
		recall = append(recall, r)
		thresholds = append(thresholds, c.thresholds[i])
	}
	precision = append(precision, 1)
	recall = append(recall, 0)
	return precision, recall, thresholds, nil
}

// AveragePrecision returns the area under the precision-recall step function,
// Σ (R_k − R_{k−1}) P_k, as scikit-learn's average_precision_score.
func AveragePrecision(y, score, weights []float64) (float64, error) {
	p, r, _, err := PrecisionRecallCurve(y, score, weights)
	if err != nil {
		return 0, err
	}
	s := 0.0
	for i := 0; i+1 < len(r); i++ {
		s += (r[i+1] - r[i]) * p[i]
	}
	return math.Max(0, -s), nil
}
