package gbdt

import (
	"math"
	"slices"
)

// evalMetric returns the validation metric p names (or the objective's
// own) of raw scores and whether a higher value is better. A multiclass
// model's raw scores hold k classes of len(y) rows each.
func evalMetric(p *Params, k int, raw, y, w []float64) (value float64, higherBetter bool) {
	switch name := p.metric(); name {
	case MetricMultiLogLoss, MetricMultiError:
		return multiMetric(name, k, raw, y, w), false
	case MetricL1, MetricHuber:
		var sum, sumW float64
		for i, s := range raw {
			wi := weightAt(w, i)
			d := math.Abs(s - y[i])
			if name == MetricHuber && d > p.Alpha {
				d = p.Alpha * (d - 0.5*p.Alpha)
			} else if name == MetricHuber {
				d = 0.5 * d * d
			}
			sum += wi * d
			sumW += wi
		}
		return sum / sumW, false
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

// multiMetric is LightGBM's multi_logloss (minus the log of the label's
// probability, capped at -log(1e-15)) or multi_error (the share of rows
// where another class scores at least as high as the label's).
func multiMetric(name string, k int, raw, y, w []float64) float64 {
	n := len(y)
	p := make([]float64, k)
	var sum, sumW float64
	for i, v := range y {
		for c := range p {
			p[c] = raw[c*n+i]
		}
		label := int(v)
		var loss float64
		switch {
		case label >= k: // a class the model does not have is always wrong
			loss = 1
			if name == MetricMultiLogLoss {
				loss = -math.Log(kEpsilon)
			}
		case name == MetricMultiError:
			for c := range p {
				if c != label && p[c] >= p[label] {
					loss = 1
					break
				}
			}
		default:
			softmax(p)
			if p[label] > kEpsilon {
				loss = -math.Log(p[label])
			} else {
				loss = -math.Log(kEpsilon)
			}
		}
		wi := weightAt(w, i)
		sum += wi * loss
		sumW += wi
	}
	return sum / sumW
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
