package metrics

import (
	"cmp"
	"math"
	"slices"
	"sort"
)

// median returns the median of values, the mean of the two middle ones when
// there is an even number, as numpy.median. It sorts values in place.
func median(values []float64) float64 {
	sort.Float64s(values)
	n := len(values)
	if n%2 == 1 {
		return values[n/2]
	}
	return (values[n/2-1] + values[n/2]) / 2
}

// weightedPercentile returns the q-th percentile (0..100) of values with
// non-negative weights as scikit-learn's _weighted_percentile: the smallest
// value whose cumulative weight reaches q% of the total ("inverted_cdf"), or
// with average set, the mean of that value and the next one of positive
// weight when the cumulative weight reaches the target exactly
// ("averaged_inverted_cdf").
func weightedPercentile(values, weights []float64, q float64, average bool) float64 {
	n := len(values)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(values[a], values[b]) })
	cdf := make([]float64, n)
	s := 0.0
	for j, i := range idx {
		s += weights[i]
		cdf[j] = s
	}
	target := q / 100 * s
	if target == 0 {
		target = math.Nextafter(0, 1)
	}
	j := min(sort.SearchFloat64s(cdf, target), n-1)
	v := values[idx[j]]
	if !average || cdf[j]-target > eps {
		return v
	}
	next := min(j+1, n-1)
	if weights[idx[next]] == 0 {
		// Skip zero-weight values: the next value is where the cdf rises.
		next = sort.Search(n, func(m int) bool { return cdf[m] > cdf[j] })
		if next > n-1 {
			next = j
		}
	}
	return (v + values[idx[next]]) / 2
}
