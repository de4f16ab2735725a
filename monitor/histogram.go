package monitor

import "math"

// sturgesEdges returns the bin edges NumPy's histogram_bin_edges(bins=
// "sturges") gives for values spanning [lo, hi] with n values: equal-width
// bins of width range/(log2(n)+1), and a unit range around a constant.
func sturgesEdges(lo, hi float64, n int) []float64 {
	bins := 1
	if r := hi - lo; n > 0 {
		if w := r / (math.Log2(float64(n)) + 1); w > 0 && !math.IsInf(r, 0) {
			bins = int(math.Ceil(r / w))
		}
	}
	// A range too wide for float64 (values near ±MaxFloat64) gets one bin
	// rather than a bin count computed from Inf.
	bins = max(1, min(bins, 1<<20))
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	// np.linspace: lo + i·step, with the last edge exactly hi.
	edges := make([]float64, bins+1)
	step := (hi - lo) / float64(bins)
	for i := range edges {
		edges[i] = lo + float64(i)*step
	}
	edges[bins] = hi
	return edges
}

// histogram counts values into the bins of edges as np.histogram does:
// [e_i, e_{i+1}) with the last bin closed, values outside ignored.
func histogram(r runs, edges []float64) []float64 {
	nb := len(edges) - 1
	counts := make([]float64, nb)
	lo, hi := edges[0], edges[nb]
	norm := float64(nb) / (hi - lo)
	for i, x := range r.v {
		if x < lo || x > hi {
			continue
		}
		k := int((x - lo) * norm)
		if k >= nb {
			k = nb - 1
		}
		// The scaled index can land one bin off next to an edge; the edges
		// themselves decide, as in NumPy.
		if x < edges[k] {
			k--
		} else if k+1 < nb && x >= edges[k+1] {
			k++
		}
		counts[k] += float64(r.c[i])
	}
	return counts
}
