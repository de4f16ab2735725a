package gbdt

import (
	"fmt"
	"math"
)

// objective turns scores into first and second derivatives of the loss.
type objective struct {
	kind    string
	y, w    []float64 // w nil: all 1
	posW    float64   // binary: weight multiplier of positives
	negW    float64   // binary: weight multiplier of negatives
	initial float64   // the constant score boosting starts from
}

// newObjective checks the labels and weights and computes the starting
// score: the log-odds of the weighted positive rate for binary (ignoring
// class re-weighting, as LightGBM does), the weighted mean for L2.
func newObjective(p *Params, y, w []float64) (*objective, error) {
	o := &objective{kind: p.Objective, y: y, w: w, posW: 1, negW: 1}
	var sumW, sumWY, npos, nneg float64
	for i, v := range y {
		wi := 1.0
		if w != nil {
			wi = w[i]
			if !(wi >= 0) || math.IsInf(wi, 0) {
				return nil, fmt.Errorf("gbdt: weight %d is %v, want a finite number >= 0", i, wi)
			}
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("gbdt: label %d is %v", i, v)
		}
		if p.Objective == Binary {
			switch v {
			case 1:
				npos++
			case 0:
				nneg++
			default:
				return nil, fmt.Errorf("gbdt: binary label %d is %v, want 0 or 1", i, v)
			}
		}
		sumW += wi
		sumWY += wi * v
	}
	if !(sumW > 0) {
		return nil, fmt.Errorf("gbdt: the weights sum to %v, want > 0", sumW)
	}
	if p.Objective == Binary {
		if p.IsUnbalance && npos > 0 && nneg > 0 {
			if npos < nneg {
				o.posW = nneg / npos
			} else {
				o.negW = npos / nneg
			}
		}
		o.posW *= p.ScalePosWeight
	}
	if p.BoostFromAverage {
		mean := sumWY / sumW
		if p.Objective == Binary {
			const eps = 1e-15
			mean = min(max(mean, eps), 1-eps)
			o.initial = math.Log(mean / (1 - mean))
		} else {
			o.initial = mean
		}
	}
	return o, nil
}

// gradients fills g and h for rows [lo, hi) from the current scores.
func (o *objective) gradients(score, g, h []float64, lo, hi int) {
	for i := lo; i < hi; i++ {
		w := 1.0
		if o.w != nil {
			w = o.w[i]
		}
		if o.kind == Binary {
			p := sigmoid(score[i])
			if o.y[i] == 1 {
				w *= o.posW
			} else {
				w *= o.negW
			}
			g[i] = (p - o.y[i]) * w
			h[i] = p * (1 - p) * w
		} else {
			g[i] = (score[i] - o.y[i]) * w
			h[i] = w
		}
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
