package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// ROCAUCOvR returns the one-vs-rest ROC AUC of class probabilities proba
// (row-major n×k) for class indices y, as scikit-learn's
// roc_auc_score(y, proba, multi_class="ovr", average=..., labels=range(k)):
// the AUC of each class's column against "this class or not", averaged with
// Macro or with Weighted (by the weight of each class's true samples).
//
// A class absent from y (or whose samples all weigh 0) has no defined AUC:
// as in scikit-learn, the Macro average is then NaN (with a nil error) while
// the Weighted average gives that class weight 0. Rows must sum to 1 (numpy.allclose), and y must hold
// at least two classes, else an error, as scikit-learn raises.
// Ties are handled as one threshold; the cost is O(k·n log n).
func ROCAUCOvR(y, proba []float64, k int, weights []float64, avg Average) (float64, error) {
	if err := checkAUCInput(y, proba, k, weights, avg); err != nil {
		return 0, err
	}
	idx := make([]int, len(y))
	for i := range idx {
		idx[i] = i
	}
	buf := make([]scored, len(y))
	var sum, wsum float64
	for c := 0; c < k; c++ {
		auc, posWeight := rankAUC(idx, buf, y, proba, k, c, weights)
		switch avg {
		case Macro:
			sum += auc
			wsum++
		case Weighted:
			if posWeight > 0 {
				sum += posWeight * auc
			}
			wsum += posWeight
		}
	}
	return sum / wsum, nil
}

// ROCAUCOvO returns the one-vs-one ROC AUC of Hand and Till (2001), as
// scikit-learn's roc_auc_score(y, proba, multi_class="ovo", average=...,
// labels=range(k)): for each pair of classes a, b present in y, the mean of
// the AUC of column a separating a from b and of column b separating b from
// a, on the samples of a and b only; these are averaged with Macro, or with
// Weighted by the share of samples in the pair. Pairs with a class absent
// from y are skipped, as scikit-learn does. scikit-learn takes no sample
// weights here, so neither does this. Errors as ROCAUCOvR.
func ROCAUCOvO(y, proba []float64, k int, avg Average) (float64, error) {
	if err := checkAUCInput(y, proba, k, nil, avg); err != nil {
		return 0, err
	}
	// Rows of each class, laid out class after class in one buffer.
	start := make([]int, k+1)
	for _, c := range y {
		start[int(c)+1]++
	}
	for c := 0; c < k; c++ {
		start[c+1] += start[c]
	}
	byClass := make([]int, len(y))
	next := slices.Clone(start[:k])
	for i, c := range y {
		byClass[next[int(c)]] = i
		next[int(c)]++
	}
	pair := make([]int, 0, len(y))
	buf := make([]scored, len(y))
	var sum, wsum float64
	for a := 0; a < k; a++ {
		for b := a + 1; b < k; b++ {
			ra, rb := byClass[start[a]:start[a+1]], byClass[start[b]:start[b+1]]
			if len(ra) == 0 || len(rb) == 0 {
				continue
			}
			pair = append(append(pair[:0], ra...), rb...)
			aucA, _ := rankAUC(pair, buf, y, proba, k, a, nil)
			aucB, _ := rankAUC(pair, buf, y, proba, k, b, nil)
			w := 1.0
			if avg == Weighted {
				w = float64(len(pair)) / float64(len(y))
			}
			sum += w * (aucA + aucB) / 2
			wsum += w
		}
	}
	return sum / wsum, nil
}

// checkAUCInput validates the input of the multiclass AUCs.
func checkAUCInput(y, proba []float64, k int, weights []float64, avg Average) error {
	if avg != Macro && avg != Weighted {
		return fmt.Errorf("ROC AUC average %v: want Macro or Weighted", avg)
	}
	if err := checkMulticlassProba(y, proba, k, weights); err != nil {
		return err
	}
	if err := checkRowSums(proba, k); err != nil {
		return fmt.Errorf("multiclass ROC AUC needs probabilities: %w", err)
	}
	for _, c := range y[1:] {
		if c != y[0] {
			return nil
		}
	}
	return fmt.Errorf("ROC AUC is undefined when only one class is present in y")
}

// scored is one row's score in a column, with the row's weight and whether
// it is a positive, gathered so that sorting reads contiguous memory.
type scored struct {
	s, w float64
	pos  bool
}

// rankAUC returns the weighted ROC AUC of column c of proba against "y is c"
// over the rows in idx, and the weight of those positives. buf is scratch
// space of len(idx). It is NaN when the rows hold no positive or no negative
// weight.
func rankAUC(idx []int, buf []scored, y, proba []float64, k, c int, weights []float64) (auc, posWeight float64) {
	buf = buf[:len(idx)]
	for j, i := range idx {
		buf[j] = scored{s: proba[i*k+c], w: weight(weights, i), pos: int(y[i]) == c}
	}
	slices.SortFunc(buf, func(a, b scored) int { return cmp.Compare(b.s, a.s) })
	var fp, tp, prevFP, prevTP, area float64
	for j, r := range buf {
		if r.pos {
			tp += r.w
		} else {
			fp += r.w
		}
		// Close a threshold after the last of a run of tied scores.
		if j == len(buf)-1 || buf[j+1].s != r.s {
			area += (fp - prevFP) * (tp + prevTP) / 2
			prevFP, prevTP = fp, tp
		}
	}
	if fp == 0 || tp == 0 {
		return math.NaN(), tp
	}
	return area / (fp * tp), tp
}
