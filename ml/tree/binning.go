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
// otherwise bins hold about equal numbers of rows.
type binned struct {
	rows  int
	bins  [][]uint8   // bins[j][i] is the bin of X[i, j]
	upper [][]float64 // upper[j][b]: values ≤ upper[j][b] fall in bin b or below
	// values[j][b] is the single value in bin b when feature j is exact,
	// nil otherwise. Split thresholds are then midpoints between the values
	// present in the node, as scikit-learn places them.
	values [][]float64
}

// binMatrix bins every column of X, in parallel over columns. It fails on
// missing or infinite values.
func binMatrix(X *ml.Matrix, workers int) (*binned, error) {
	p := X.NumCols()
	b := &binned{rows: X.Rows, bins: make([][]uint8, p), upper: make([][]float64, p), values: make([][]float64, p)}
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

func (b *binned) binColumn(j int, col, sorted []float64) error {
	for i, v := range col {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("X[%d, %d] = %v: features must be finite (impute missing values first)", i, j, v)
		}
	}
	distinct, counts := fewDistinct(col)
	if distinct == nil {
		copy(sorted, col)
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
	if len(distinct) <= maxBins {
		b.values[j] = append([]float64(nil), distinct...)
		up := make([]float64, len(distinct))
		for k := range up[:len(up)-1] {
			up[k] = midpoint(distinct[k], distinct[k+1])
		}
		up[len(up)-1] = math.Inf(1)
		b.upper[j] = up
	} else {
		b.upper[j] = quantileEdges(distinct, counts, len(col))
	}
	codes := make([]uint8, len(col))
	up := b.upper[j]
	for i, v := range col {
		codes[i] = uint8(sort.SearchFloat64s(up, v)) // first bin whose upper bound is ≥ v
	}
	b.bins[j] = codes
	return nil
}

// fewDistinct returns the sorted distinct values of col, or nil when there
// are more than maxBins. Indicator and small-integer columns are common, and
// finding their few values by binary search is much cheaper than sorting.
func fewDistinct(col []float64) ([]float64, []int) {
	distinct := make([]float64, 0, maxBins)
	counts := make([]int, 0, maxBins)
	for _, v := range col {
		k, ok := slices.BinarySearch(distinct, v)
		if ok {
			counts[k]++
			continue
		}
		if len(distinct) == maxBins {
			return nil, nil
		}
		distinct = slices.Insert(distinct, k, v)
		counts = slices.Insert(counts, k, 1)
	}
	return distinct, counts
}

// quantileEdges returns upper bin bounds that give each of maxBins bins about
// the same number of rows, from the sorted distinct values and their counts.
// A value is never split across bins, so a value shared by many rows gets a
// bin of its own.
func quantileEdges(distinct []float64, counts []int, n int) []float64 {
	var up []float64
	remaining := n
	acc := 0
	for k := 0; k < len(distinct)-1; k++ {
		acc += counts[k]
		binsLeft := maxBins - len(up)
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

// midpoint returns (a+b)/2, or a when rounding (or overflow) would put it at
// b or beyond: the split "x ≤ t" must keep a on the left and b on the right.
// This is also scikit-learn's rule, so exact features get its thresholds.
func midpoint(a, b float64) float64 {
	m := (a + b) / 2
	if m >= b || m < a || math.IsInf(m, 0) {
		return a
	}
	return m
}
