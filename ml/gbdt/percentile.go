package gbdt

import (
	"slices"
	"sort"
)

// The L1 objective starts from the labels' median and sets each leaf to
// the median of its rows' residuals, as LightGBM does. These functions
// reproduce LightGBM's interpolation between the two middle values, and,
// with weights, its weighted cumulative-distribution rule, so that leaf
// values agree with it.

// median returns the median of vals (not empty, no NaN), reordering them:
// the mean of the two middle values when there is an even number, computed
// as hi - (hi-lo)/2. It selects rather than sorts, in linear time.
func median(vals []float64) float64 {
	n := len(vals)
	if n == 1 {
		return vals[0]
	}
	// LightGBM counts positions from the largest value down.
	pos := (n-1)/2 + 1
	bias := float64(n-1)*0.5 - float64(pos-1)
	k := n - pos
	hi := selectKth(vals, k)
	lo := slices.Max(vals[:k])
	return hi - (hi-lo)*bias
}

// selectKth reorders vals so that vals[k] is the value a sort would put
// there, with no larger value before it, and returns it (Hoare's
// selection with a median-of-three pivot).
func selectKth(vals []float64, k int) float64 {
	lo, hi := 0, len(vals)-1
	for hi-lo > 16 {
		mid := lo + (hi-lo)/2
		if vals[mid] < vals[lo] {
			vals[mid], vals[lo] = vals[lo], vals[mid]
		}
		if vals[hi] < vals[lo] {
			vals[hi], vals[lo] = vals[lo], vals[hi]
		}
		if vals[hi] < vals[mid] {
			vals[hi], vals[mid] = vals[mid], vals[hi]
		}
		pivot := vals[mid]
		i, j := lo, hi
		for i <= j {
			for vals[i] < pivot {
				i++
			}
			for vals[j] > pivot {
				j--
			}
			if i <= j {
				vals[i], vals[j] = vals[j], vals[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return vals[k]
		}
	}
	slices.Sort(vals[lo : hi+1])
	return vals[k]
}

// weightedMedian returns the value where the weights' cumulative sum, in
// ascending order of values, crosses half the total: interpolated between
// the values on either side when the one above carries a weight of at
// least 1, else the one below, as LightGBM 4.7 computes it (earlier
// versions interpolated on the next segment up). It reorders vals and w
// together.
func weightedMedian(vals, w []float64) float64 {
	n := len(vals)
	if n == 1 {
		return vals[0]
	}
	sort.Stable(byValue{vals, w})
	cdf := make([]float64, n)
	cdf[0] = w[0]
	for i := 1; i < n; i++ {
		cdf[i] = cdf[i-1] + w[i]
	}
	threshold := cdf[n-1] * 0.5
	pos, _ := slices.BinarySearchFunc(cdf, threshold, func(c, t float64) int {
		if c <= t {
			return -1
		}
		return 1
	})
	pos = min(pos, n-1)
	if pos == 0 || pos == n-1 {
		return vals[pos]
	}
	v1, v2 := vals[pos-1], vals[pos]
	if step := cdf[pos] - cdf[pos-1]; step >= 1 {
		return (threshold-cdf[pos-1])/step*(v2-v1) + v1
	}
	return v1
}

// byValue sorts values and their weights together.
type byValue struct{ v, w []float64 }

func (b byValue) Len() int           { return len(b.v) }
func (b byValue) Less(i, j int) bool { return b.v[i] < b.v[j] }
func (b byValue) Swap(i, j int) {
	b.v[i], b.v[j] = b.v[j], b.v[i]
	b.w[i], b.w[j] = b.w[j], b.w[i]
}

// labelMedian is the L1 objective's starting score. LightGBM stores labels
// and weights as float32 and computes this median in float32 too, so the
// labels are rounded first and the result after.
func labelMedian(y, w []float64) float64 {
	vals := make([]float64, len(y))
	for i, v := range y {
		vals[i] = float64(float32(v))
	}
	if w == nil {
		n := len(vals)
		if n == 1 {
			return vals[0]
		}
		slices.Sort(vals)
		pos := (n-1)/2 + 1
		bias := float64(n-1)*0.5 - float64(pos-1)
		hi, lo := vals[n-pos], vals[n-pos-1]
		return float64(float32(hi - float64(float32(hi-lo))*bias))
	}
	ws := make([]float64, len(w))
	for i, v := range w {
		ws[i] = float64(float32(v))
	}
	return float64(float32(weightedMedian(vals, ws)))
}
