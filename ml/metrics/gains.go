package metrics

import (
	"fmt"
	"math"
	"sort"
)

// GainsPoint is one point of the cumulative gains and lift curves: after
// contacting the top Fraction of the population by score, Gain is the share
// of all positives reached and Lift is Gain / Fraction.
type GainsPoint struct {
	Fraction float64
	Gain     float64
	Lift     float64
}

// Gains returns the cumulative gains and lift at nBins equal fractions of the
// (weighted) population, ranked by descending score. Rows with tied scores are
// ranked in input order.
func Gains(y, score, weights []float64, nBins int) ([]GainsPoint, error) {
	if err := checkBinary(y, score, weights); err != nil {
		return nil, err
	}
	if nBins < 1 {
		return nil, fmt.Errorf("gains need at least one bin, got %d", nBins)
	}
	order := make([]int, len(y))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return score[order[a]] > score[order[b]] })
	var total, pos float64
	for i := range y {
		w := weight(weights, i)
		total += w
		pos += w * y[i]
	}
	if pos == 0 {
		return nil, fmt.Errorf("gains are undefined without positives in y")
	}
	out := make([]GainsPoint, 0, nBins)
	var seen, caught float64
	k := 0
	for b := 1; b <= nBins; b++ {
		target := total * float64(b) / float64(nBins)
		for k < len(order) && seen+weight(weights, order[k]) <= target*(1+1e-12) {
			i := order[k]
			w := weight(weights, i)
			seen += w
			caught += w * y[i]
			k++
		}
		frac := seen / total
		g := caught / pos
		lift := math.NaN()
		if frac > 0 {
			lift = g / frac
		}
		out = append(out, GainsPoint{Fraction: frac, Gain: g, Lift: lift})
	}
	return out, nil
}

// KS returns the Kolmogorov–Smirnov statistic between the score distributions
// of positives and negatives, max |TPR − FPR| over all thresholds; unweighted it
// equals scipy.stats.ks_2samp(score[y==1], score[y==0]).statistic.
func KS(y, score, weights []float64) (float64, error) {
	fpr, tpr, _, err := ROCCurve(y, score, weights)
	if err != nil {
		return 0, err
	}
	best := 0.0
	for i := range fpr {
		best = math.Max(best, math.Abs(tpr[i]-fpr[i]))
	}
	if math.IsNaN(best) {
		return 0, fmt.Errorf("KS is undefined when only one class is present in y")
	}
	return best, nil
}
