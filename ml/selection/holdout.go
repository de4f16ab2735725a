package selection

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// KFold splits rows 0..n-1 into k folds of consecutive rows (sizes differ by
// at most one, the first folds larger), as scikit-learn's KFold without
// shuffling; with shuffle, the rows are permuted first with a generator
// seeded by seed.
func KFold(n, k int, shuffle bool, seed uint64) ([]Fold, error) {
	if k < 2 {
		return nil, fmt.Errorf("k-fold needs k >= 2, got %d", k)
	}
	if n < k {
		return nil, fmt.Errorf("cannot split %d rows into %d folds", n, k)
	}
	order := seq(0, n)
	if shuffle {
		newRand(seed).Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	test := make([]int, n)
	start := 0
	for f := range k {
		size := n / k
		if f < n%k {
			size++
		}
		for _, i := range order[start : start+size] {
			test[i] = f
		}
		start += size
	}
	return foldsOf(test, k), nil
}

// GroupKFold splits rows into k folds so that no group has rows on both
// sides of any fold, as scikit-learn's GroupKFold without shuffling: the
// groups, largest first, each go to the fold with the fewest rows so far.
// Ties follow scikit-learn: among groups of equal size, the one that sorts
// last goes first; among folds of equal weight, the first.
func GroupKFold[G cmp.Ordered](groups []G, k int) ([]Fold, error) {
	if k < 2 {
		return nil, fmt.Errorf("group k-fold needs k >= 2, got %d", k)
	}
	uniq, idx := uniqueIndex(groups)
	if len(uniq) < k {
		return nil, fmt.Errorf("cannot split %d groups into %d folds: group k-fold needs at least as many groups as folds", len(uniq), k)
	}
	size := make([]int, len(uniq))
	for _, g := range idx {
		size[g]++
	}
	order := seq(0, len(uniq))
	sort.SliceStable(order, func(a, b int) bool { return size[order[a]] < size[order[b]] })
	slices.Reverse(order)
	load := make([]int, k)
	foldOf := make([]int, len(uniq))
	for _, g := range order {
		f := 0
		for j := range load {
			if load[j] < load[f] {
				f = j
			}
		}
		load[f] += size[g]
		foldOf[g] = f
	}
	test := make([]int, len(groups))
	for i, g := range idx {
		test[i] = foldOf[g]
	}
	return foldsOf(test, k), nil
}

// RandomHoldout sets aside a random fraction of rows 0..n-1 for testing
// (rounded up, as scikit-learn's train_test_split does), with a generator
// seeded by seed.
func RandomHoldout(n int, fraction float64, seed uint64) (Fold, error) {
	nTest, err := holdoutSize(n, fraction)
	if err != nil {
		return Fold{}, err
	}
	order := seq(0, n)
	newRand(seed).Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
	isTest := make([]bool, n)
	for _, i := range order[:nTest] {
		isTest[i] = true
	}
	return foldOfMask(isTest), nil
}

// StratifiedHoldout sets aside a random fraction of rows for testing that
// keeps each class's share of y: each class contributes its share of the
// test rows, rounded so that the total is the requested size.
func StratifiedHoldout(y []float64, fraction float64, seed uint64) (Fold, error) {
	n := len(y)
	nTest, err := holdoutSize(n, fraction)
	if err != nil {
		return Fold{}, err
	}
	classes, idx := uniqueIndex(y)
	rows := make([][]int, len(classes))
	for i, c := range idx {
		rows[c] = append(rows[c], i)
	}
	// Largest remainders: each class gets the floor of its share, and the
	// rows left go to the classes with the largest fractional parts.
	take := make([]int, len(classes))
	rem := make([]float64, len(classes))
	left := nTest
	for c, rs := range rows {
		exact := float64(len(rs)) * float64(nTest) / float64(n)
		take[c] = int(math.Floor(exact))
		rem[c] = exact - float64(take[c])
		left -= take[c]
	}
	order := seq(0, len(classes))
	sort.SliceStable(order, func(a, b int) bool { return rem[order[a]] > rem[order[b]] })
	for _, c := range order[:left] {
		take[c]++
	}
	r := newRand(seed)
	isTest := make([]bool, n)
	for c, rs := range rows {
		if take[c] >= len(rs) && len(rs) > 1 {
			take[c] = len(rs) - 1 // every class keeps a training row
		}
		r.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
		for _, i := range rs[:take[c]] {
			isTest[i] = true
		}
	}
	return foldOfMask(isTest), nil
}

// GroupHoldout sets aside whole groups for testing: the groups in a random
// order (seeded by seed) go to the test side until it holds at least the
// fraction of rows, so no group has rows on both sides.
func GroupHoldout[G cmp.Ordered](groups []G, fraction float64, seed uint64) (Fold, error) {
	n := len(groups)
	nTest, err := holdoutSize(n, fraction)
	if err != nil {
		return Fold{}, err
	}
	uniq, idx := uniqueIndex(groups)
	if len(uniq) < 2 {
		return Fold{}, fmt.Errorf("a group holdout needs at least 2 groups, the data has %d", len(uniq))
	}
	size := make([]int, len(uniq))
	for _, g := range idx {
		size[g]++
	}
	order := seq(0, len(uniq))
	newRand(seed).Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	inTest := make([]bool, len(uniq))
	got := 0
	for _, g := range order[:len(order)-1] { // the last group always trains
		if got >= nTest {
			break
		}
		inTest[g], got = true, got+size[g]
	}
	isTest := make([]bool, n)
	for i, g := range idx {
		isTest[i] = inTest[g]
	}
	return foldOfMask(isTest), nil
}

// TimeHoldout splits rows by a time key (a date, datetime or number per
// row): rows whose key is before cutoff train, the others test. Rows with
// equal keys are always on the same side. NaN keys are an error.
func TimeHoldout(key []float64, cutoff float64) (Fold, error) {
	isTest := make([]bool, len(key))
	for i, v := range key {
		if math.IsNaN(v) {
			return Fold{}, fmt.Errorf("row %d has no time value", i+1)
		}
		isTest[i] = v >= cutoff
	}
	f := foldOfMask(isTest)
	if len(f.Train) == 0 || len(f.Test) == 0 {
		return Fold{}, fmt.Errorf("the time cut-off leaves %d training and %d test rows: both sides need rows", len(f.Train), len(f.Test))
	}
	return f, nil
}

// TimeCutoff returns the cut-off that puts the latest fraction of rows by
// key on the test side, never splitting rows of equal keys: the smallest
// key value such that at least that fraction is at or after it.
func TimeCutoff(key []float64, fraction float64) (float64, error) {
	nTest, err := holdoutSize(len(key), fraction)
	if err != nil {
		return 0, err
	}
	sorted := slices.Clone(key)
	for i, v := range sorted {
		if math.IsNaN(v) {
			return 0, fmt.Errorf("row %d has no time value", i+1)
		}
	}
	slices.Sort(sorted)
	cut := sorted[len(sorted)-nTest]
	if cut == sorted[0] {
		return 0, fmt.Errorf("every row has the same time value: a time holdout cannot cut it")
	}
	return cut, nil
}

// ForwardFolds returns k forward-chaining folds over rows ordered by key:
// fold i trains on the rows before its test block of time values and tests
// on the block (scikit-learn's TimeSeriesSplit over the distinct key
// values, so rows of equal time stay together).
func ForwardFolds(key []float64, k int) ([]Fold, error) {
	distinct := slices.Compact(slices.Sorted(slices.Values(key)))
	if len(distinct) > 0 && math.IsNaN(distinct[0]) {
		return nil, fmt.Errorf("a row has no time value")
	}
	blocks, err := TimeSeriesFolds(len(distinct), k)
	if err != nil {
		return nil, fmt.Errorf("%d distinct time values: %w", len(distinct), err)
	}
	out := make([]Fold, len(blocks))
	for f, b := range blocks {
		lo, hi := distinct[b.Test[0]], distinct[b.Test[len(b.Test)-1]]
		for i, v := range key {
			switch {
			case v < lo:
				out[f].Train = append(out[f].Train, i)
			case v <= hi:
				out[f].Test = append(out[f].Test, i)
			}
		}
	}
	return out, nil
}

func holdoutSize(n int, fraction float64) (int, error) {
	if !(fraction > 0 && fraction < 1) {
		return 0, fmt.Errorf("holdout fraction %v is not between 0 and 1", fraction)
	}
	nTest := int(math.Ceil(fraction * float64(n)))
	if nTest < 1 || nTest >= n {
		return 0, fmt.Errorf("a holdout of %v of %d rows leaves a side empty", fraction, n)
	}
	return nTest, nil
}

func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// uniqueIndex returns the distinct values of xs in sorted order and each
// element's index among them.
func uniqueIndex[G cmp.Ordered](xs []G) ([]G, []int) {
	uniq := slices.Compact(slices.Sorted(slices.Values(xs)))
	idx := make([]int, len(xs))
	for i, x := range xs {
		idx[i], _ = slices.BinarySearch(uniq, x)
	}
	return uniq, idx
}

// foldsOf turns each row's test fold into k folds.
func foldsOf(test []int, k int) []Fold {
	out := make([]Fold, k)
	for i, f := range test {
		out[f].Test = append(out[f].Test, i)
		for g := range out {
			if g != f {
				out[g].Train = append(out[g].Train, i)
			}
		}
	}
	return out
}

func foldOfMask(isTest []bool) Fold {
	var f Fold
	for i, t := range isTest {
		if t {
			f.Test = append(f.Test, i)
		} else {
			f.Train = append(f.Train, i)
		}
	}
	return f
}
