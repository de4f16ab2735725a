package metrics

import (
	"fmt"
	"math"
	"sort"
)

// CalibrationCurve bins probabilities p and returns, for each non-empty bin,
// the observed positive rate and the mean predicted probability, as
// scikit-learn's calibration_curve. strategy is "uniform" (equal-width bins on
// [0, 1]) or "quantile" (bins with equal numbers of predictions).
func CalibrationCurve(y, p []float64, nBins int, strategy string) (probTrue, probPred []float64, err error) {
	if err := checkBinary(y, p, nil); err != nil {
		return nil, nil, err
	}
	if nBins < 1 {
		return nil, nil, fmt.Errorf("calibration curve needs at least one bin, got %d", nBins)
	}
	for i, v := range p {
		if v < 0 || v > 1 {
			return nil, nil, fmt.Errorf("probability %d is %v, outside [0, 1]", i, v)
		}
	}
	edges := make([]float64, nBins+1)
	switch strategy {
	case "uniform":
		for i := range edges {
			edges[i] = float64(i) / float64(nBins)
		}
	case "quantile":
		sorted := append([]float64(nil), p...)
		sort.Float64s(sorted)
		for i := range edges {
			edges[i] = Percentile(sorted, 100*float64(i)/float64(nBins))
		}
	default:
		return nil, nil, fmt.Errorf("calibration strategy %q: want uniform or quantile", strategy)
	}
	inner := edges[1:nBins]
	sums := make([]float64, nBins)
	trues := make([]float64, nBins)
	counts := make([]float64, nBins)
	for i, v := range p {
		// Index of the first inner edge >= v: numpy.searchsorted(side="left").
		b := sort.SearchFloat64s(inner, v)
		sums[b] += v
		trues[b] += y[i]
		counts[b]++
	}
	for b := range counts {
		if counts[b] > 0 {
			probTrue = append(probTrue, trues[b]/counts[b])
			probPred = append(probPred, sums[b]/counts[b])
		}
	}
	return probTrue, probPred, nil
}

// Percentile returns the q-th percentile (0..100) of sorted values with
// linear interpolation, as numpy.percentile's default method.
func Percentile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	pos := q / 100 * float64(n-1)
	lo := int(math.Floor(pos))
	if lo >= n-1 {
		return sorted[n-1]
	}
	frac := pos - float64(lo)
	// numpy's lerp form, which keeps results exact at the end points.
	a, b := sorted[lo], sorted[lo+1]
	if frac >= 0.5 {
		return b - (b-a)*(1-frac)
	}
	return a + (b-a)*frac
}
