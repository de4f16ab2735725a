package linear

import (
	"fmt"
	"math"

	"github.com/weir-ml/weir/ml"
)

// logLoss is the scaled logistic-regression objective
//
//	scale · Σᵢ sᵢ · logloss(yᵢ, zᵢ) + ½ · l2 · ‖w‖²,  zᵢ = xᵢ·w + b
//
// over the parameter vector [w..., b]. z and r are scratch buffers of one
// value per row, reused across evaluations.
type logLoss struct {
	X         *ml.Matrix
	y, sw     []float64
	scale, l2 float64
	intercept bool
	z, r      []float64
}

// eval returns the objective at x and writes its gradient into grad.
func (o *logLoss) eval(x, grad []float64) float64 {
	p := o.X.NumCols()
	b := 0.0
	if o.intercept {
		b = x[p]
	}
	linearScore(o.X, x[:p], b, o.z)
	f := 0.0
	rsum := 0.0
	for i, z := range o.z {
		// log(1+e^z) computed so that neither branch overflows.
		var softplus float64
		if z > 0 {
			softplus = z + math.Log1p(math.Exp(-z))
		} else {
			softplus = math.Log1p(math.Exp(z))
		}
		s := o.sw[i] * o.scale
		f += s * (softplus - o.y[i]*z)
		r := s * (sigmoid(z) - o.y[i])
		o.r[i] = r
		rsum += r
	}
	for j, col := range o.X.Cols {
		grad[j] = dot(col, o.r) + o.l2*x[j]
	}
	if o.l2 != 0 {
		f += 0.5 * o.l2 * dot(x[:p], x[:p])
	}
	grad[p] = 0
	if o.intercept {
		grad[p] = rsum
	}
	return f
}

// sampleWeights checks X, y and weights for k classes and returns each
// sample's weight times the weight of its class. It fails on missing or
// infinite features, labels that are not class indices below k, a class
// without samples, and negative or non-finite weights.
func sampleWeights(X *ml.Matrix, y, weights []float64, classWeight map[int]float64, balanced bool, k int) ([]float64, error) {
	if err := checkData(X, y, weights); err != nil {
		return nil, err
	}
	count := make([]float64, k)
	wc := make([]float64, k) // weighted class totals
	for i, v := range y {
		if v != math.Trunc(v) || v < 0 || v >= float64(k) {
			if k == 2 {
				return nil, fmt.Errorf("y[%d] = %v: labels must be 0 or 1", i, v)
			}
			return nil, fmt.Errorf("y[%d] = %v: labels must be class indices 0 to %d", i, v, k-1)
		}
		count[int(v)]++
		if weights != nil {
			wc[int(v)] += weights[i]
		} else {
			wc[int(v)]++
		}
	}
	if k == 2 && (count[0] == 0 || count[1] == 0) {
		return nil, fmt.Errorf("y has only one class; logistic regression needs both 0 and 1")
	}
	for c, n := range count {
		if n == 0 {
			return nil, fmt.Errorf("class %d of 0 to %d has no samples: every class needs one (set Classes to the true class count, or relabel)", c, k-1)
		}
	}
	cw, err := classWeights(wc, classWeight, balanced)
	if err != nil {
		return nil, err
	}
	sw := make([]float64, len(y))
	total := 0.0
	for i, v := range y {
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		sw[i] = w * cw[int(v)]
		total += sw[i]
	}
	if total <= 0 {
		return nil, fmt.Errorf("all sample weights are zero")
	}
	if k > 2 {
		// A class of zero weight would send its intercept to -∞.
		for c := range wc {
			if wc[c]*cw[c] <= 0 {
				return nil, fmt.Errorf("class %d has zero total weight: its intercept would have no finite optimum", c)
			}
		}
	}
	return sw, nil
}

// classWeights returns the weight of each class given the classes' total
// sample weights wc: 1 by default, classWeight's where it has one, or
// scikit-learn's "balanced" weights.
func classWeights(wc []float64, classWeight map[int]float64, balanced bool) ([]float64, error) {
	k := len(wc)
	cw := make([]float64, k)
	for c := range cw {
		cw[c] = 1
	}
	switch {
	case balanced:
		// Class c weighs W / (k · W(c)) with W(c) its total sample weight,
		// as scikit-learn ≥ 1.8 does when sample weights are given.
		n := 0.0
		for c, w := range wc {
			if w <= 0 {
				return nil, fmt.Errorf("balanced class weights need a positive total weight in every class; class %d has none", c)
			}
			n += w
		}
		for c, w := range wc {
			cw[c] = n / (float64(k) * w)
		}
	case classWeight != nil:
		for c, w := range classWeight {
			if c < 0 || c >= k {
				return nil, fmt.Errorf("class weight for class %d: classes are 0 to %d", c, k-1)
			}
			if !(w >= 0) || math.IsInf(w, 0) {
				return nil, fmt.Errorf("class weight %v for class %d must be finite and not negative", w, c)
			}
			cw[c] = w
		}
	}
	return cw, nil
}
