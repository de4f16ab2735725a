package gbdt

import (
	"math"
	"slices"
	"sort"
)

// zeroEps is the half-width of the bin that holds exactly zero. Zero gets a
// bin of its own because sparse and count-like features are mostly zeros,
// and a split "zero versus the rest" is the one they most need.
const zeroEps = 1e-35

// binMapper maps one feature's raw values to histogram bins. Numeric values
// fall in the first bin whose upper bound is >= the value; categorical
// values get one bin per category, most frequent first, and a last "other"
// bin for missing, negative and unseen codes, which a split never sends left.
type binMapper struct {
	categorical bool
	upper       []float64   // numeric: upper bound of each value bin, last is +Inf
	nanBin      int         // numeric: bin of NaN, or -1 when NaN reads as 0
	cats        []int       // categorical: category code of each bin
	catBin      map[int]int // categorical: code -> bin
	numBins     int
	constant    bool // every sample value fell in one bin
	// mostFreq is the bin LightGBM takes as the feature's most frequent.
	// Its histograms leave that bin out and derive it from the leaf's
	// totals, which exact mode reproduces (see fixHistogram and
	// numericExact).
	mostFreq int
}

// freqBin0 reports whether LightGBM's most frequent bin is its bin 0
// (for a categorical feature, LightGBM's bin 0 is our last).
func (b *binMapper) freqBin0() bool {
	if b.categorical {
		return b.mostFreq == b.numBins-1
	}
	return b.mostFreq == 0
}

// fixHistogram sets the most frequent bin of one feature's histogram to
// the leaf's sums minus every other bin, subtracting in LightGBM's bin
// order, as LightGBM's FixHistogram does unless that bin is its bin 0.
func (b *binMapper) fixHistogram(seg []histBin, sum histBin) {
	if b.freqBin0() {
		return
	}
	f := &seg[b.mostFreq]
	*f = sum
	if b.categorical { // LightGBM's bin 0 (missing and other codes) first
		f.sub(seg[len(seg)-1])
		seg = seg[:len(seg)-1]
	}
	for i := range seg {
		if i != b.mostFreq {
			f.sub(seg[i])
		}
	}
}

// trivial reports whether the feature has a single bin, so no split on it is
// possible and it is skipped entirely.
func (b *binMapper) trivial() bool { return b.constant || b.numBins <= 1 }

// bin returns the bin of value v.
func (b *binMapper) bin(v float64) int {
	if b.categorical {
		if c, ok := catCode(v); ok {
			if k, ok := b.catBin[c]; ok {
				return k
			}
		}
		return len(b.cats)
	}
	if math.IsNaN(v) {
		if b.nanBin >= 0 {
			return b.nanBin
		}
		v = 0
	}
	// The first bound >= v; the last bound is +Inf, so there always is one.
	// (A hand-written search: binning calls this for every value.)
	u := b.upper
	lo, hi := 0, len(u)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if u[mid] < v {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// maxCategory bounds category codes: a tree stores a category set as a
// bitset, so one huge code would cost memory in every tree that uses it.
const maxCategory = 1 << 24

// catCode converts a categorical value to its integer code (truncating a
// fraction); NaN, negative and codes of maxCategory or more are missing.
func catCode(v float64) (int, bool) {
	if !(v >= 0) || v >= maxCategory {
		return 0, false
	}
	return int(v), true
}

// sampleRows picks the rows bin boundaries are computed from: nil for all
// rows, or n rows in row order drawn from the data stream.
func sampleRows(rows, n int, seed int32) []int {
	if rows <= n {
		return nil
	}
	return newLCGRandom(seed).sample(rows, n)
}

// newBinMapper computes the bins of one feature from its sample values,
// reordering vals in place.
func newBinMapper(vals []float64, categorical bool, p *Params) *binMapper {
	if categorical {
		return newCatMapper(vals, p.MaxBin, p.MinDataInBin)
	}
	sorted := vals[:0] // NaNs are dropped in place
	nan := 0
	for _, v := range vals {
		if math.IsNaN(v) {
			if p.UseMissing {
				nan++
				continue
			}
			v = 0
		}
		sorted = append(sorted, v)
	}
	slices.Sort(sorted)
	k := 0 // distinct values so far
	for i, v := range sorted {
		if i == 0 || v != sorted[i-1] {
			k++
		}
	}
	// Compact the distinct values to the front of sorted, in place, to
	// leave no garbage the size of the sample behind.
	counts := make([]int, k)
	k = 0
	for i, v := range sorted {
		if i > 0 && v == sorted[k-1] {
			counts[k-1]++
			continue
		}
		sorted[k] = v
		counts[k] = 1
		k++
	}
	distinct := sorted[:k]
	maxBin := p.MaxBin
	if nan > 0 {
		maxBin-- // keep room for the NaN bin
	}
	b := &binMapper{nanBin: -1}
	b.upper = boundsAroundZero(distinct, counts, max(maxBin, 1), p.MinDataInBin)
	b.numBins = len(b.upper)
	if nan > 0 {
		b.nanBin = b.numBins
		b.numBins++
	}
	b.constant = len(distinct)+min(nan, 1) <= 1
	b.mostFreq = b.mostFrequentBin(distinct, counts, nan, len(vals))
	return b
}

// sparseShare is LightGBM's kSparseThreshold: a most frequent bin holding
// less of the sample than this gives way to the bin of zero.
const sparseShare = 0.7

// mostFrequentBin returns the bin LightGBM treats as most frequent: the
// first bin with the most sample values, unless it holds less than
// sparseShare of the total sample and is not the bin of zero, in which
// case the bin of zero.
func (b *binMapper) mostFrequentBin(distinct []float64, counts []int, nan, total int) int {
	cnt := make([]int, b.numBins)
	for i, v := range distinct {
		cnt[b.bin(v)] += counts[i]
	}
	if b.nanBin >= 0 {
		cnt[b.nanBin] = nan
	}
	top := 0
	for i, c := range cnt {
		if c > cnt[top] {
			top = i
		}
	}
	if zero := b.bin(0); top != zero && float64(cnt[top]) < sparseShare*float64(total) {
		top = zero
	}
	return top
}

// boundsAroundZero splits the distinct values into negatives, zero and
// positives, gives zero its own bin, and shares the other bins between the
// two sides in proportion to their counts.
func boundsAroundZero(distinct []float64, counts []int, maxBin, minDataInBin int) []float64 {
	if len(distinct) == 0 {
		return []float64{math.Inf(1)}
	}
	negEnd := sort.SearchFloat64s(distinct, -zeroEps) // first value >= -eps
	posStart := sort.Search(len(distinct), func(i int) bool { return distinct[i] > zeroEps })
	total, negCnt, zeroCnt := 0, 0, 0
	for i, c := range counts {
		total += c
		switch {
		case i < negEnd:
			negCnt += c
		case i < posStart:
			zeroCnt += c
		}
	}
	var bounds []float64
	if negEnd > 0 {
		nb := 1
		if total > zeroCnt {
			nb = max(1, int(float64(negCnt)/float64(total-zeroCnt)*float64(maxBin-1)))
		}
		bounds = greedyBounds(distinct[:negEnd], counts[:negEnd], nb, negCnt, minDataInBin)
		bounds[len(bounds)-1] = -zeroEps
	}
	if posStart < len(distinct) {
		nb := max(1, maxBin-1-len(bounds))
		posCnt := total - negCnt - zeroCnt
		bounds = append(bounds, zeroEps)
		bounds = append(bounds, greedyBounds(distinct[posStart:], counts[posStart:], nb, posCnt, minDataInBin)...)
	} else {
		bounds = append(bounds, math.Inf(1))
	}
	return bounds
}

// greedyBounds returns at most maxBin upper bounds (the last +Inf) that
// spread the counted distinct values evenly over bins, giving values that
// alone fill a bin a bin of their own and never cutting a bin below
// minDataInBin rows.
func greedyBounds(distinct []float64, counts []int, maxBin, total, minDataInBin int) []float64 {
	n := len(distinct)
	var bounds []float64
	if n <= maxBin {
		inBin := 0
		for i := 0; i < n-1; i++ {
			inBin += counts[i]
			if inBin >= minDataInBin {
				bounds = append(bounds, midpoint(distinct[i], distinct[i+1]))
				inBin = 0
			}
		}
		return append(bounds, math.Inf(1))
	}
	maxBin = max(1, min(maxBin, total/minDataInBin))
	mean := float64(total) / float64(maxBin)
	big := make([]bool, n)
	restBins, restCnt := maxBin, total
	for i, c := range counts {
		if float64(c) >= mean {
			big[i] = true
			restBins--
			restCnt -= c
		}
	}
	if restBins > 0 {
		mean = float64(restCnt) / float64(restBins)
	}
	inBin := 0
	for i := 0; i < n-1; i++ {
		if !big[i] {
			restCnt -= counts[i]
		}
		inBin += counts[i]
		if big[i] || float64(inBin) >= mean || (big[i+1] && float64(inBin) >= max(1, mean*0.5)) {
			bounds = append(bounds, midpoint(distinct[i], distinct[i+1]))
			if len(bounds) >= maxBin-1 {
				break
			}
			inBin = 0
			if !big[i] {
				restBins--
				if restBins > 0 {
					mean = float64(restCnt) / float64(restBins)
				}
			}
		}
	}
	return append(bounds, math.Inf(1))
}

// midpoint returns a bound between two consecutive distinct values; a value
// equal to a falls at or below it and b above it.
func midpoint(a, b float64) float64 {
	m := a + (b-a)/2
	if m >= b { // a and b adjacent floats
		m = a
	}
	return m
}

// newCatMapper gives the categories seen in the sample a bin each, most
// frequent first (ties by code).
func newCatMapper(vals []float64, maxBin, minDataInBin int) *binMapper {
	count := map[int]int{}
	other := 0
	for _, v := range vals {
		if c, ok := catCode(v); ok {
			count[c]++
		} else {
			other++
		}
	}
	cats := make([]int, 0, len(count))
	for c := range count {
		cats = append(cats, c)
	}
	slices.SortFunc(cats, func(a, b int) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return a - b
	})
	// Keep categories, most frequent first, until 99% of the sample is
	// covered and the bin budget is spent; stop early at categories too rare
	// to fill a bin (beyond the first two). The rest share the "other" bin.
	budget := min(len(cats)+min(other, 1), maxBin)
	cut := int(math.Floor(float64(len(vals)-other)*0.99 + 0.5))
	used, keep := 0, 0
	for keep < len(cats) && (used < cut || keep+1 < budget) {
		if count[cats[keep]] < minDataInBin && keep > 1 {
			break
		}
		used += count[cats[keep]]
		keep++
	}
	other += len(vals) - other - used
	cats = cats[:keep]
	b := &binMapper{categorical: true, nanBin: -1, cats: cats, catBin: make(map[int]int, len(cats))}
	for i, c := range cats {
		b.catBin[c] = i
	}
	b.numBins = len(cats) + 1
	b.constant = len(cats) == 0 || (len(cats) == 1 && other == 0)
	b.mostFreq = catMostFrequent(cats, count, other, len(vals), b.catBin)
	return b
}

// catMostFrequent returns the bin LightGBM takes as a categorical
// feature's most frequent: the first in its order (other codes, then the
// categories as binned) with the most sample values, unless that holds
// less than sparseShare of the sample and is not the bin of code 0, in
// which case the bin of code 0 (the other bin when 0 has none).
func catMostFrequent(cats []int, count map[int]int, other, total int, catBin map[int]int) int {
	last := len(cats)
	top, topCount := last, other
	for i, c := range cats {
		if count[c] > topCount {
			top, topCount = i, count[c]
		}
	}
	zero, ok := catBin[0]
	if !ok {
		zero = last
	}
	if top != zero && float64(topCount) < sparseShare*float64(total) {
		top = zero
	}
	return top
}
