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
	initial float64   // the constant score boosting starts from (one tree per iteration)
	alpha   float64   // huber: where squared error turns into absolute error

	// Multiclass: k classes, scores and gradients stored class by class
	// (class c of row i at c*n+i, as LightGBM stores them).
	k          int
	n          int
	label      []int32   // class of each row
	prior      []float64 // weighted share of each class
	hessFactor float64   // k/(k-1)
}

// newObjective checks the labels and weights and computes the starting
// score: the log-odds of the weighted positive rate for binary (ignoring
// class re-weighting, as LightGBM does), the weighted mean for L2 and
// huber, the weighted median for L1. Multiclass starting scores are per
// class (classInit).
func newObjective(p *Params, y, w []float64) (*objective, error) {
	o := &objective{kind: p.Objective, y: y, w: w, posW: 1, negW: 1, alpha: p.Alpha, k: 1, n: len(y)}
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
	switch p.Objective {
	case Binary:
		if p.IsUnbalance && npos > 0 && nneg > 0 {
			if npos < nneg {
				o.posW = nneg / npos
			} else {
				o.negW = npos / nneg
			}
		}
		o.posW *= p.ScalePosWeight
	case Multiclass:
		if err := o.initClasses(p.NumClass); err != nil {
			return nil, err
		}
		return o, nil
	}
	if p.BoostFromAverage {
		mean := sumWY / sumW
		switch p.Objective {
		case Binary:
			const eps = 1e-15
			mean = min(max(mean, eps), 1-eps)
			o.initial = math.Log(mean / (1 - mean))
		case RegressionL1:
			o.initial = labelMedian(y, w)
		default:
			o.initial = mean
		}
	}
	return o, nil
}

// initClasses reads multiclass labels: integers in [0, k).
func (o *objective) initClasses(k int) error {
	o.label = make([]int32, len(o.y))
	top := -1.0
	for i, v := range o.y {
		if v < 0 || v != math.Trunc(v) || v >= maxClasses || (k > 0 && v >= float64(k)) {
			want := "an integer >= 0"
			if k > 0 {
				want = fmt.Sprintf("an integer in [0, %d)", k)
			}
			return fmt.Errorf("gbdt: multiclass label %d is %v, want %s", i, v, want)
		}
		o.label[i] = int32(v)
		top = max(top, v)
	}
	if k == 0 {
		k = int(top) + 1
		if k < 3 {
			return fmt.Errorf("gbdt: multiclass labels go up to %v: %q needs at least 3 classes (use %q for two)",
				top, Multiclass, Binary)
		}
	}
	o.k = k
	o.hessFactor = float64(k) / (float64(k) - 1)
	o.prior = make([]float64, k)
	var sumW float64
	for i, c := range o.label {
		wi := weightAt(o.w, i)
		o.prior[c] += float64(float32(wi))
		sumW += float64(float32(wi))
	}
	if o.w == nil {
		sumW = float64(len(o.y))
	}
	for c := range o.prior {
		o.prior[c] /= sumW
	}
	return nil
}

// kEpsilon is LightGBM's kEpsilon, a float32 constant.
var kEpsilon = float64(float32(1e-15))

// classInit returns the starting score of class c: the log of its weighted
// share, as LightGBM's softmax objective starts.
func (o *objective) classInit(c int) float64 {
	return math.Log(max(kEpsilon, o.prior[c]))
}

// classNeedsTrees reports whether class c gets trees: LightGBM skips a
// class that no row, or every row, belongs to.
func (o *objective) classNeedsTrees(c int) bool {
	p := math.Abs(o.prior[c])
	return p > kEpsilon && p < 1-kEpsilon
}

// gradients fills g and h for rows [lo, hi) from the current scores.
// Multiclass scores, g and h hold o.k classes of len(o.y) rows each.
func (o *objective) gradients(score, g, h []float64, lo, hi int) {
	switch o.kind {
	case Multiclass:
		o.softmaxGradients(score, g, h, lo, hi)
		return
	case RegressionL1, Huber:
		o.robustGradients(score, g, h, lo, hi)
		return
	}
	// LightGBM's binary and L2 gradients, in its arithmetic: the binary
	// response from labels of ±1, both rounded to float32 (its score_t).
	for i := lo; i < hi; i++ {
		w := 1.0
		if o.w != nil {
			w = float64(float32(o.w[i]))
		}
		if o.kind == Binary {
			label, lw := -1.0, o.negW
			if o.y[i] == 1 {
				label, lw = 1, o.posW
			}
			r := -label / (1 + math.Exp(label*score[i]))
			a := math.Abs(r)
			g[i] = float64(float32(r * lw * w))
			h[i] = float64(float32(a * (1 - a) * lw * w))
		} else if o.w == nil {
			g[i] = float64(float32(score[i] - o.y[i]))
			h[i] = 1
		} else {
			g[i] = float64(float32(float64(float32(score[i]-o.y[i])) * w))
			h[i] = w
		}
	}
}

// softmaxGradients are LightGBM's: p_c - [c is the label] and
// k/(k-1)·p_c(1-p_c), the factor rescaling the k redundant outputs to the
// k-1 free ones. Like LightGBM, they are rounded to float32 (its score_t),
// so histograms sum the same numbers.
func (o *objective) softmaxGradients(score, g, h []float64, lo, hi int) {
	n, k := o.n, o.k
	var buf [16]float64
	p := buf[:0]
	if k > len(buf) {
		p = make([]float64, k)
	}
	p = p[:k]
	for i := lo; i < hi; i++ {
		for c := range p {
			p[c] = score[c*n+i]
		}
		softmax(p)
		w := 1.0
		if o.w != nil {
			w = float64(float32(o.w[i]))
		}
		for c, pc := range p {
			gc := pc
			if int(o.label[i]) == c {
				gc = pc - 1
			}
			if o.w == nil {
				g[c*n+i] = float64(float32(gc))
				h[c*n+i] = float64(float32(o.hessFactor * pc * (1 - pc)))
			} else {
				g[c*n+i] = float64(float32(gc * w))
				h[c*n+i] = float64(float32(o.hessFactor * pc * (1 - pc) * w))
			}
		}
	}
}

// robustGradients are LightGBM's L1 and huber gradients, rounded to
// float32 as LightGBM stores them.
func (o *objective) robustGradients(score, g, h []float64, lo, hi int) {
	for i := lo; i < hi; i++ {
		w := 1.0
		if o.w != nil {
			w = float64(float32(o.w[i]))
		}
		diff := score[i] - o.y[i]
		var gi float64
		switch {
		case o.kind == RegressionL1:
			gi = sign(diff) * w
		case math.Abs(diff) <= o.alpha:
			gi = diff * w
		default:
			gi = sign(diff) * w * o.alpha
		}
		g[i] = float64(float32(gi))
		h[i] = w
	}
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// softmax turns raw scores into probabilities in place, as LightGBM's
// Common::Softmax computes them (largest score subtracted first).
func softmax(p []float64) {
	top := p[0]
	for _, v := range p[1:] {
		top = max(top, v)
	}
	var sum float64
	for c, v := range p {
		p[c] = math.Exp(v - top)
		sum += p[c]
	}
	for c := range p {
		p[c] /= sum
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
