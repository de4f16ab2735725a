package tree

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/weir-ml/weir/ml"
)

// maxBins is the number of histogram bins a feature can have; a bin index
// fits a byte.
const maxBins = 256

// binned is the training matrix with each value replaced by its bin. A
// feature with at most maxBins distinct values gets one bin per value (exact:
// splits are then the same as sorting every node, as scikit-learn does);
// otherwise bins hold about equal numbers of rows. Missing values (NaN) get
// a bin of their own after the value bins, so a feature with missing values
// has at most maxBins-1 value bins.
type binned struct {
	rows  int
	bins  [][]uint8   // bins[j][i] is the bin of X[i, j]
	upper [][]float64 // upper[j][b]: values ≤ upper[j][b] fall in value bin b or below
	// values[j][b] is the single value in bin b when feature j is exact,
	// nil otherwise. Split thresholds are then midpoints between the values
	// present in the node, as scikit-learn places them.
	values [][]float64
	// missing[j] reports NaNs in feature j; their bin is len(upper[j]).
	missing []bool
	// lo[j][b] and hi[j][b] are the smallest and largest training values
	// in bin b when feature j is binned by quantiles (nil otherwise), so a
	// split can sit midway between the values either side of it.
	lo, hi [][]float64
}

// binMatrix bins every column of X, in parallel over columns. It fails on
// infinite values.
func binMatrix(X *ml.Matrix, workers int) (*binned, error) {
	p := X.NumCols()
	b := &binned{rows: X.Rows, bins: make([][]uint8, p), upper: make([][]float64, p),
		values: make([][]float64, p), missing: make([]bool, p), lo: make([][]float64, p), hi: make([][]float64, p)}
	errs := make([]error, p)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < max(1, workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scratch := make([]float64, X.Rows)
			for j := range next {
				errs[j] = b.binColumn(j, X.Cols[j], scratch)
			}
		}()
	}
	for j := 0; j < p; j++ {
		next <- j
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return b, nil
}

// missingBin returns the bin of feature f's missing values (a bin no row
// has when the feature has none).
func (b *binned) missingBin(f int) int { return len(b.upper[f]) }

func (b *binned) binColumn(j int, col, scratch []float64) error {
	nNaN := 0
	for i, v := range col {
		if math.IsInf(v, 0) {
			return fmt.Errorf("X[%d, %d] = %v: features must be finite or NaN (missing)", i, j, v)
		}
		if v != v {
			nNaN++
		}
	}
	limit := maxBins
	if nNaN > 0 {
		limit = maxBins - 1
	}
	distinct, counts := fewDistinct(col, limit)
	if distinct == nil {
		sorted := scratch[:0]
		for _, v := range col {
			if v == v {
				sorted = append(sorted, v)
			}
		}
		slices.Sort(sorted)
		// Compact the sorted values in place into distinct values and counts.
		distinct = sorted[:0]
		for i, v := range sorted {
			if i > 0 && v == distinct[len(distinct)-1] {
				counts[len(counts)-1]++
				continue
			}
			distinct = append(distinct, v)
			counts = append(counts, 1)
		}
	}
	switch {
	case len(distinct) == 0: // every value missing: one empty value bin
		b.upper[j] = []float64{math.Inf(1)}
	case len(distinct) <= limit:
		b.values[j] = append([]float64(nil), distinct...)
		up := make([]float64, len(distinct))
		for k := range up[:len(up)-1] {
			up[k] = midpoint(distinct[k], distinct[k+1])
		}
		up[len(up)-1] = math.Inf(1)
		b.upper[j] = up
	default:
		up := quantileEdges(distinct, counts, len(col)-nNaN, limit)
		b.upper[j] = up
		b.lo[j], b.hi[j] = binRanges(distinct, up)
	}
	codes := make([]uint8, len(col))
	up := b.upper[j]
	for i, v := range col {
		if v != v {
			codes[i] = uint8(len(up))
			continue
		}
		codes[i] = uint8(sort.SearchFloat64s(up, v)) // first bin whose upper bound is ≥ v
	}
	b.bins[j] = codes
	b.missing[j] = nNaN > 0
	return nil
}

// binRanges returns the smallest and largest of the sorted distinct values
// that fall in each bin of upper bounds up (every bin holds one at least).
func binRanges(distinct, up []float64) (lo, hi []float64) {
	lo, hi = make([]float64, len(up)), make([]float64, len(up))
	k := -1
	for _, v := range distinct {
		bin := sort.SearchFloat64s(up, v)
		if bin != k {
			lo[bin], k = v, bin
		}
		hi[bin] = v
	}
	return lo, hi
}

// fewDistinct returns the sorted distinct non-missing values of col and
// their counts, or nil when there are more than limit. Indicator and
// small-integer columns are common, and finding their few values by binary
// search is much cheaper than sorting.
func fewDistinct(col []float64, limit int) ([]float64, []int) {
	distinct := make([]float64, 0, limit)
	counts := make([]int, 0, limit)
	for _, v := range col {
		if v != v {
			continue
		}
		k, ok := slices.BinarySearch(distinct, v)
		if ok {
			counts[k]++
			continue
		}
		if len(distinct) == limit {
			return nil, nil
		}
		distinct = slices.Insert(distinct, k, v)
		counts = slices.Insert(counts, k, 1)
	}
	return distinct, counts
}

// quantileEdges returns upper bounds for at most nBins bins holding about
// the same number of the n rows, from the sorted distinct values and their
// counts. A value is never split across bins, so a value shared by many rows
// gets a bin of its own.
func quantileEdges(distinct []float64, counts []int, n, nBins int) []float64 {
	var up []float64
	remaining := n
	acc := 0
	for k := 0; k < len(distinct)-1; k++ {
		acc += counts[k]
		binsLeft := nBins - len(up)
		if binsLeft <= 1 {
			break
		}
		// Close the bin once it holds its share of the rows not yet binned.
		if float64(acc) >= float64(remaining)/float64(binsLeft) {
			up = append(up, midpoint(distinct[k], distinct[k+1]))
			remaining -= acc
			acc = 0
		}
	}
	return append(up, math.Inf(1))
}

// midpoint returns a/2 + b/2 (scikit-learn's threshold between two adjacent
// values, which cannot overflow), or a when rounding would put it at b: the
// split "x ≤ t" must keep a on the left and b on the right.
func midpoint(a, b float64) float64 {
	m := a/2 + b/2
	if m >= b || m < a {
		return a
	}
	return m
}
