// Package metrics computes model evaluation metrics with the same definitions
// and edge-case behaviour as scikit-learn, so numbers can be compared with it.
package metrics

import (
	"fmt"
	"math"
	"sort"
)

// ROCAUC returns the area under the ROC curve of scores against binary labels
// (0 or 1), with optional sample weights (nil means all 1). Tied scores form one
// threshold, as in scikit-learn's roc_auc_score. It fails when only one class is
// present, since the area is then undefined.
func ROCAUC(y, score, weights []float64) (float64, error) {
	fps, tps, err := rocCounts(y, score, weights)
	if err != nil {
		return 0, err
	}
	n := len(fps)
	negTotal, posTotal := fps[n-1], tps[n-1]
	if negTotal <= 0 || posTotal <= 0 {
		return 0, fmt.Errorf("ROC AUC is undefined when only one class is present in y")
	}
	area := 0.0
	prevF, prevT := 0.0, 0.0
	for i := range fps {
		area += (fps[i] - prevF) * (tps[i] + prevT) / 2
		prevF, prevT = fps[i], tps[i]
	}
	return area / (negTotal * posTotal), nil
}

// rocCounts returns cumulative weighted false and true positive counts at each
// distinct score threshold, from the highest score down.
func rocCounts(y, score, weights []float64) (fps, tps []float64, err error) {
	if len(y) != len(score) {
		return nil, nil, fmt.Errorf("y has %d values but score has %d", len(y), len(score))
	}
	if weights != nil && len(weights) != len(y) {
		return nil, nil, fmt.Errorf("y has %d values but weights has %d", len(y), len(weights))
	}
	if len(y) == 0 {
		return nil, nil, fmt.Errorf("y is empty")
	}
	order := make([]int, len(y))
	for i := range order {
		if y[i] != 0 && y[i] != 1 {
			return nil, nil, fmt.Errorf("y[%d] = %v: labels must be 0 or 1", i, y[i])
		}
		if math.IsNaN(score[i]) {
			return nil, nil, fmt.Errorf("score[%d] is NaN", i)
		}
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return score[order[a]] > score[order[b]] })
	var f, t float64
	for k, i := range order {
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		if y[i] == 1 {
			t += w
		} else {
			f += w
		}
		if k == len(order)-1 || score[order[k+1]] != score[i] {
			fps = append(fps, f)
			tps = append(tps, t)
		}
	}
	return fps, tps, nil
}
