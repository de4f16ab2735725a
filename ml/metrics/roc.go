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
	if len(y) == 0 {
		return nil, nil, fmt.Errorf("y is empty")
	}
	if err := checkWeights(weights, len(y)); err != nil {
		return nil, nil, err
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

// curve holds the cumulative weighted counts of a binary classifier at each
// distinct score threshold, highest first, as scikit-learn's
// _binary_clf_curve.
type curve struct {
	fps, tps, thresholds []float64
}

func clfCurve(y, score, weights []float64) (curve, error) {
	fps, tps, err := rocCounts(y, score, weights)
	if err != nil {
		return curve{}, err
	}
	// rocCounts visits thresholds in descending order; recover them.
	thr := distinctDesc(score)
	return curve{fps: fps, tps: tps, thresholds: thr}, nil
}

func distinctDesc(score []float64) []float64 {
	s := append([]float64(nil), score...)
	sort.Sort(sort.Reverse(sort.Float64Slice(s)))
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// ROCCurve returns the false and true positive rates at each threshold, with
// collinear intermediate points dropped and a first point at (0, 0) with
// threshold +Inf, as scikit-learn's roc_curve with drop_intermediate=True.
func ROCCurve(y, score, weights []float64) (fpr, tpr, thresholds []float64, err error) {
	c, err := clfCurve(y, score, weights)
	if err != nil {
		return nil, nil, nil, err
	}
	n := len(c.fps)
	keep := make([]int, 0, n)
	for i := 0; i < n; i++ {
		if i == 0 || i == n-1 || n <= 2 {
			keep = append(keep, i)
			continue
		}
		// Keep a point when the second difference of fps or tps is non-zero.
		d2f := c.fps[i+1] - 2*c.fps[i] + c.fps[i-1]
		d2t := c.tps[i+1] - 2*c.tps[i] + c.tps[i-1]
		if d2f != 0 || d2t != 0 {
			keep = append(keep, i)
		}
	}
	negTotal, posTotal := c.fps[n-1], c.tps[n-1]
	fpr = []float64{0}
	tpr = []float64{0}
	thresholds = []float64{math.Inf(1)}
	for _, i := range keep {
		fpr = append(fpr, ratio(c.fps[i], negTotal))
		tpr = append(tpr, ratio(c.tps[i], posTotal))
		thresholds = append(thresholds, c.thresholds[i])
	}
	return fpr, tpr, thresholds, nil
}

// ratio divides, giving NaN for 0/0 as numpy does.
func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}
