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

// sampleWeights checks X, y and weights and returns each sample's weight
// times the weight of its class. It fails on missing or infinite features,
// labels other than 0 and 1, a single class, and negative or non-finite
// weights.
func sampleWeights(X *ml.Matrix, y, weights []float64, classWeight map[int]float64, balanced bool) ([]float64, error) {
	if X == nil {
		return nil, fmt.Errorf("X is nil")
	}
	if err := X.Check(); err != nil {
		return nil, err
	}
	if X.Rows == 0 || X.NumCols() == 0 {
		return nil, fmt.Errorf("X is empty (%d rows, %d columns)", X.Rows, X.NumCols())
	}
	if len(y) != X.Rows {
		return nil, fmt.Errorf("y has %d values, X has %d rows", len(y), X.Rows)
	}
	if weights != nil && len(weights) != X.Rows {
		return nil, fmt.Errorf("weights has %d values, X has %d rows", len(weights), X.Rows)
	}
	for j, col := range X.Cols {
		for i, v := range col {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("X[%d, %d] = %v: features must be finite (impute missing values first)", i, j, v)
			}
		}
	}
	var count [2]float64
	for i, v := range y {
		if v != 0 && v != 1 {
			return nil, fmt.Errorf("y[%d] = %v: labels must be 0 or 1", i, v)
		}
		count[int(v)]++
	}
	if count[0] == 0 || count[1] == 0 {
		return nil, fmt.Errorf("y has only one class; logistic regression needs both 0 and 1")
	}
	cw := [2]float64{1, 1}
	switch {
	case balanced:
		// Weighted class totals, as scikit-learn ≥ 1.8 does when sample
		// weights are given.
		var wc [2]float64
		for i, v := range y {
			w := 1.0
			if weights != nil {
				w = weights[i]
			}
			wc[int(v)] += w
		}
		if wc[0] <= 0 || wc[1] <= 0 {
			return nil, fmt.Errorf("balanced class weights need a positive total weight in both classes")
		}
		n := wc[0] + wc[1]
		cw = [2]float64{n / (2 * wc[0]), n / (2 * wc[1])}
	case classWeight != nil:
		for k, w := range classWeight {
			if k != 0 && k != 1 {
				return nil, fmt.Errorf("class weight for class %d: classes are 0 and 1", k)
			}
			if !(w >= 0) || math.IsInf(w, 0) {
				return nil, fmt.Errorf("class weight %v for class %d must be finite and not negative", w, k)
			}
			cw[k] = w
		}
	}
	sw := make([]float64, len(y))
	total := 0.0
	for i, v := range y {
		w := 1.0
		if weights != nil {
			w = weights[i]
			if !(w >= 0) || math.IsInf(w, 0) {
				return nil, fmt.Errorf("weights[%d] = %v: weights must be finite and not negative", i, w)
			}
		}
		sw[i] = w * cw[int(v)]
		total += sw[i]
	}
	if total <= 0 {
		return nil, fmt.Errorf("all sample weights are zero")
	}
	return sw, nil
}
