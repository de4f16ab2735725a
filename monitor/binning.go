package monitor

import "math"

// binnedShares is Evidently's binning: numerical columns with more than 20
// distinct reference values go into Sturges bins over both samples together,
// others are counted per distinct value; shares are of each sample's size.
// With floor, empty bins get a small share so that logarithms stay finite: a
// millionth of the smallest non-zero share when that is at most 1e-4,
// otherwise 1e-4.
func binnedShares(ref, cur *sample, floor bool) (rp, cp []float64) {
	var rc, cc []float64
	if ref.kind == Numerical && ref.distinct() > 20 {
		lo := min(ref.num.min(), cur.num.min())
		hi := max(ref.num.max(), cur.num.max())
		edges := sturgesEdges(lo, hi, ref.n+cur.n)
		rc, cc = histogram(ref.num, edges), histogram(cur.num, edges)
	} else {
		_, rc, cc = jointCounts(ref, cur)
	}
	rp, cp = shares(rc, ref.n), shares(cc, cur.n)
	if floor {
		fillZeros(rp)
		fillZeros(cp)
	}
	return rp, cp
}

func shares(counts []float64, n int) []float64 {
	out := make([]float64, len(counts))
	for i, c := range counts {
		out[i] = c / float64(n)
	}
	return out
}

func fillZeros(p []float64) {
	least := math.Inf(1)
	for _, v := range p {
		if v != 0 {
			least = min(least, v)
		}
	}
	fill := 1e-4
	if least <= 1e-4 {
		fill = least / 1e6
	}
	for i, v := range p {
		if v == 0 {
			p[i] = fill
		}
	}
}

// hellinger is Evidently's Hellinger distance: over category shares for a
// categorical column; for a numerical one over densities in Sturges bins
// laid over the distinct values of both samples.
func hellinger(ref, cur *sample) float64 {
	var bc float64 // Bhattacharyya coefficient
	if ref.kind == Categorical {
		_, rc, cc := jointCounts(ref, cur)
		for i := range rc {
			bc += math.Sqrt(rc[i] / float64(ref.n) * cc[i] / float64(cur.n))
		}
	} else {
		keys, _, _ := jointCounts(ref, cur)
		edges := sturgesEdges(keys[0].num, keys[len(keys)-1].num, len(keys))
		h1 := density(histogram(ref.num, edges), edges)
		h2 := density(histogram(cur.num, edges), edges)
		width := (edges[len(edges)-1] - edges[0]) / float64(len(edges)-1)
		for i := range h1 {
			bc += math.Sqrt(h1[i]*h2[i]) * width
		}
	}
	bc = min(1, max(0, bc))
	return math.Sqrt(1 - bc)
}

// density turns counts into a density as np.histogram(density=True) does.
func density(counts, edges []float64) []float64 {
	total := sum(counts)
	out := make([]float64, len(counts))
	for i, c := range counts {
		out[i] = c / total / (edges[i+1] - edges[i])
	}
	return out
}
