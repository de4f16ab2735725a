package transform

import (
	"fmt"
	"math"
	"slices"
)

// Quantile methods, named as numpy.percentile names them.
const (
	Linear              = "linear"                // numpy's default (Hyndman & Fan type 7)
	InvertedCDF         = "inverted_cdf"          // type 1
	AveragedInvertedCDF = "averaged_inverted_cdf" // type 2; KBinsDiscretizer's default since scikit-learn 1.9
)

// present returns the non-NaN values of x, sorted.
func present(x []float64) []float64 {
	out := make([]float64, 0, len(x))
	for _, v := range x {
		if !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// quantile returns the q-quantile (0 <= q <= 1) of sorted, non-empty s by
// method, computed as numpy does so that edges match scikit-learn's bit for
// bit where the arithmetic allows.
func quantile(s []float64, q float64, method string) (float64, error) {
	n := len(s)
	switch method {
	case Linear:
		return lerpAt(s, float64(n-1)*q, func(g float64) float64 { return g }), nil
	case AveragedInvertedCDF:
		return lerpAt(s, float64(n)*q-1, func(g float64) float64 {
			if g == 0 {
				return 0.5
			}
			return 1
		}), nil
	case InvertedCDF:
		idx := float64(n)*q - 1
		prev := math.Floor(idx)
		k := int(prev)
		if idx-prev != 0 {
			k++
		}
		return s[min(max(k, 0), n-1)], nil
	}
	return 0, fmt.Errorf("unknown quantile method %q (want %s, %s or %s)", method, Linear, InvertedCDF, AveragedInvertedCDF)
}

// lerpAt interpolates s at virtual index idx with weight gamma(fraction).
func lerpAt(s []float64, idx float64, gamma func(float64) float64) float64 {
	n := len(s)
	if idx >= float64(n-1) {
		return s[n-1]
	}
	if idx < 0 {
		return s[0]
	}
	prev := math.Floor(idx)
	a, b := s[int(prev)], s[int(prev)+1]
	t := gamma(idx - prev)
	// numpy's _lerp: interpolate from the nearer end, for exactness at t=1.
	d := b - a
	if t >= 0.5 {
		return b - d*(1-t)
	}
	return a + d*t
}

// mean returns the mean of the non-NaN values of x and how many there are.
func mean(x []float64) (float64, int) {
	sum, n := 0.0, 0
	for _, v := range x {
		if !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return sum / float64(n), n
}

// mostFrequent returns the most frequent non-NaN value, the smallest on ties
// (as scikit-learn's SimpleImputer does).
func mostFrequent(x []float64) (float64, bool) {
	s := present(x)
	if len(s) == 0 {
		return 0, false
	}
	best, bestN := s[0], 0
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] == s[i] {
			j++
		}
		if j-i > bestN {
			best, bestN = s[i], j-i
		}
		i = j
	}
	return best, true
}

// mostFrequentText is mostFrequent for categories.
func mostFrequentText(v values) (string, bool) {
	counts := map[string]int{}
	for i, s := range v.str {
		if v.has[i] {
			counts[s]++
		}
	}
	best, bestN := "", 0
	for s, n := range counts {
		if n > bestN || (n == bestN && s < best) {
			best, bestN = s, n
		}
	}
	return best, bestN > 0
}
