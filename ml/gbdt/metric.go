package gbdt

import (
	"math"
	"slices"
)

// evalMetric returns the named validation metric of raw scores and whether
// a higher value is better.
func evalMetric(name string, raw, y, w []float64) (value float64, higherBetter bool) {
	switch name {
	case MetricAUC:
		return auc(raw, y, w), true
	case MetricLogLoss:
		var sum, sumW float64
		for i, s := range raw {
			wi := weightAt(w, i)
			p := min(max(sigmoid(s), 1e-15), 1-1e-15)
			if y[i] == 1 {
				sum -= wi * math.Log(p)
			} else {
				sum -= wi * math.Log(1-p)
			}
			sumW += wi
		}
		return sum / sumW, false
	default: // MetricL2: mean squared error
		var sum, sumW float64
		for i, s := range raw {
			wi := weightAt(w, i)
			d := s - y[i]
			sum += wi * d * d
			sumW += wi
		}
		return sum / sumW, false
	}
}

func weightAt(w []float64, i int) float64 {
	if w == nil {
		return 1
	}
	return w[i]
}

// auc is the weighted area under the ROC curve, counting tied scores as half
// right. A validation set with one class has no defined AUC; it reads 0.5.
func auc(score, y, w []float64) float64 {
	order := make([]int, len(score))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case score[a] > score[b]:
			return -1
		case score[a] < score[b]:
			return 1
		}
		return 0
	})
	var area, tp, fp float64
	for i := 0; i < len(order); {
		var dtp, dfp float64
		j := i
		for ; j < len(order) && score[order[j]] == score[order[i]]; j++ {
			if y[order[j]] == 1 {
				dtp += weightAt(w, order[j])
			} else {
				dfp += weightAt(w, order[j])
			}
		}
		area += dfp * (tp + dtp/2)
		tp += dtp
		fp += dfp
		i = j
	}
	if tp == 0 || fp == 0 {
		return 0.5
	}
	return area / (tp * fp)
}
