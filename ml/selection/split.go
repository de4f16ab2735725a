// Package selection splits data for honest evaluation and searches
// hyper-parameters: stratified k-fold and time-ordered splits, cross-validation,
// and grid, random and successive-halving search that report every trial.
package selection

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// Fold is one train/test split, as row indices into the data.
type Fold struct {
	Train []int
	Test  []int
}

// StratifiedKFold splits rows into k folds that keep the class proportions of
// y. Without shuffling it assigns rows exactly as scikit-learn's
// StratifiedKFold(shuffle=False): classes in order of first appearance, each
// class's rows dealt to folds in row order by the round-robin allocation. With
// shuffle, rows of each class are permuted with a generator seeded by seed.
func StratifiedKFold(y []float64, k int, shuffle bool, seed uint64) ([]Fold, error) {
	if k < 2 {
		return nil, fmt.Errorf("stratified k-fold needs k >= 2, got %d", k)
	}
	// Encode classes in order of first appearance.
	code := map[float64]int{}
	enc := make([]int, len(y))
	for i, v := range y {
		c, ok := code[v]
		if !ok {
			c = len(code)
			code[v] = c
		}
		enc[i] = c
	}
	nClasses := len(code)
	if len(y) < k {
		return nil, fmt.Errorf("cannot split %d rows into %d folds", len(y), k)
	}
	// allocation[f][c]: how many rows of class c go to fold f. Sorting the
	// encoded labels and dealing them round-robin gives the counts.
	sortedEnc := append([]int(nil), enc...)
	sort.Ints(sortedEnc)
	alloc := make([][]int, k)
	for f := range alloc {
		alloc[f] = make([]int, nClasses)
		for i := f; i < len(sortedEnc); i += k {
			alloc[f][sortedEnc[i]]++
		}
	}
	var r *rand.Rand
	if shuffle {
		r = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	}
	testFold := make([]int, len(y))
	for c := 0; c < nClasses; c++ {
		var folds []int
		for f := 0; f < k; f++ {
			for j := 0; j < alloc[f][c]; j++ {
				folds = append(folds, f)
			}
		}
		if r != nil {
			r.Shuffle(len(folds), func(i, j int) { folds[i], folds[j] = folds[j], folds[i] })
		}
		n := 0
		for i, e := range enc {
			if e == c {
				testFold[i] = folds[n]
				n++
			}
		}
	}
	out := make([]Fold, k)
	for i, f := range testFold {
		out[f].Test = append(out[f].Test, i)
		for g := range out {
			if g != f {
				out[g].Train = append(out[g].Train, i)
			}
		}
	}
	return out, nil
}

// TimeSplit splits rows 0..n-1, which are in time order, into the past
// [0, trainEnd) for training and the future [trainEnd, n) for testing.
func TimeSplit(n, trainEnd int) (Fold, error) {
	if trainEnd <= 0 || trainEnd >= n {
		return Fold{}, fmt.Errorf("time split at row %d of %d leaves an empty side", trainEnd, n)
	}
	return Fold{Train: seq(0, trainEnd), Test: seq(trainEnd, n)}, nil
}

// TimeSeriesFolds returns k expanding-window folds over n time-ordered rows:
// fold i trains on everything before its test block, as scikit-learn's
// TimeSeriesSplit.
func TimeSeriesFolds(n, k int) ([]Fold, error) {
	if k < 2 || n < k+1 {
		return nil, fmt.Errorf("cannot make %d time-series folds from %d rows", k, n)
	}
	testSize := n / (k + 1)
	out := make([]Fold, k)
	for i := range out {
		start := n - (k-i)*testSize
		out[i] = Fold{Train: seq(0, start), Test: seq(start, start+testSize)}
	}
	return out, nil
}

func seq(lo, hi int) []int {
	s := make([]int, hi-lo)
	for i := range s {
		s[i] = lo + i
	}
	return s
}
