package linear

import (
	"context"
	"fmt"
	"math"

	"github.com/weir-ml/weir/ml"
)

// softmaxLoss is the scaled multinomial objective
//
//	scale · Σᵢ sᵢ · (log Σₖ exp(zᵢₖ) − zᵢ,yᵢ) + ½ · l2 · Σₖ ‖wₖ‖²,  zᵢₖ = xᵢ·wₖ + bₖ
//
// over the parameter vector that holds, class after class, the class's p
// coefficients then its intercept. z and r hold one value per class and row
// (z[k][i]) and are reused across evaluations.
type softmaxLoss struct {
	X         *ml.Matrix
	y, sw     []float64
	scale, l2 float64
	intercept bool
	z, r      [][]float64
}

func newSoftmaxLoss(X *ml.Matrix, y, sw []float64, k int) *softmaxLoss {
	o := &softmaxLoss{X: X, y: y, sw: sw, z: make([][]float64, k), r: make([][]float64, k)}
	for c := range o.z {
		o.z[c] = make([]float64, X.Rows)
		o.r[c] = make([]float64, X.Rows)
	}
	return o
}

// eval returns the objective at x and writes its gradient into grad.
func (o *softmaxLoss) eval(x, grad []float64) float64 {
	p := o.X.NumCols()
	for c, z := range o.z {
		wc := x[c*(p+1) : (c+1)*(p+1)]
		b := 0.0
		if o.intercept {
			b = wc[p]
		}
		linearScore(o.X, wc[:p], b, z)
	}
	f := 0.0
	for i, yi := range o.y {
		zmax := math.Inf(-1)
		for _, z := range o.z {
			zmax = math.Max(zmax, z[i])
		}
		sum := 0.0
		for c, z := range o.z {
			e := math.Exp(z[i] - zmax)
			o.r[c][i] = e
			sum += e
		}
		s := o.sw[i] * o.scale
		label := int(yi)
		f += s * (zmax + math.Log(sum) - o.z[label][i])
		for c := range o.r {
			r := o.r[c][i] / sum
			if c == label {
				r--
			}
			o.r[c][i] = s * r
		}
	}
	for c, r := range o.r {
		wc, gc := x[c*(p+1):(c+1)*(p+1)], grad[c*(p+1):(c+1)*(p+1)]
		for j, col := range o.X.Cols {
			gc[j] = dot(col, r) + o.l2*wc[j]
		}
		if o.l2 != 0 {
			f += 0.5 * o.l2 * dot(wc[:p], wc[:p])
		}
		gc[p] = 0
		if o.intercept {
			for _, v := range r {
				gc[p] += v
			}
		}
	}
	return f
}

// fitMultinomial fits the softmax model of k > 2 classes; sw holds the
// checked sample-times-class weights.
func (m *LogisticRegression) fitMultinomial(ctx context.Context, X *ml.Matrix, y, sw []float64, k int) error {
	p := X.NumCols()
	total := 0.0
	for _, s := range sw {
		total += s
	}
	// Scaled by 1/(C·Σsᵢ) like the binary objective, which is also how
	// scikit-learn scales it: its loss is the weighted mean and its L2
	// strength 1/(C·Σsᵢ).
	obj := newSoftmaxLoss(X, y, sw, k)
	obj.scale, obj.intercept = 1/total, m.FitIntercept
	l1, l2 := m.penaltyWeights(total, k*(p+1), func(j int) bool { return j%(p+1) < p })
	obj.l2 = l2
	x := make([]float64, k*(p+1))
	res := m.minimizer(ctx).run(obj.eval, x, l1)
	if err := ctx.Err(); err != nil {
		return err
	}
	coef := make([][]float64, k)
	icpt := make([]float64, k)
	for c := range coef {
		coef[c] = append([]float64(nil), x[c*(p+1):c*(p+1)+p]...)
		if m.FitIntercept {
			icpt[c] = x[c*(p+1)+p]
		}
	}
	// Adding one constant to every intercept leaves the probabilities
	// unchanged, so only centred intercepts are unique; the same holds for
	// each feature's coefficients when nothing penalises them.
	centre := func(get func(c int) *float64) {
		mean := 0.0
		for c := 0; c < k; c++ {
			mean += *get(c)
		}
		mean /= float64(k)
		for c := 0; c < k; c++ {
			*get(c) -= mean
		}
	}
	centre(func(c int) *float64 { return &icpt[c] })
	if m.Penalty == PenaltyNone {
		for j := 0; j < p; j++ {
			centre(func(c int) *float64 { return &coef[c][j] })
		}
	}
	m.Coef, m.Intercept = nil, 0
	m.ClassCoef, m.ClassIntercept = coef, icpt
	m.FeatureNames = append([]string(nil), X.Names...)
	if X.Names == nil {
		m.FeatureNames = nil
	}
	m.NIter, m.GradNorm, m.Converged = res.iter, res.gradNorm, res.converged
	return nil
}

// NumClasses returns the number of classes of the fitted model: 2 for a
// binary model, K for a multinomial one, 0 before Fit.
func (m *LogisticRegression) NumClasses() int {
	switch {
	case m.ClassCoef != nil:
		return len(m.ClassCoef)
	case m.Coef != nil:
		return 2
	}
	return 0
}

// NumFeatures returns the number of features the fitted model scores, 0
// before Fit.
func (m *LogisticRegression) NumFeatures() int {
	if m.ClassCoef != nil {
		return len(m.ClassCoef[0])
	}
	return len(m.Coef)
}

// PredictProbaMulti returns the class probabilities of each row of X:
// out[i*K+k] is P(y=k) for row i. A binary model gives 1−P(y=1) and P(y=1).
func (m *LogisticRegression) PredictProbaMulti(X *ml.Matrix) ([]float64, error) {
	k := m.NumClasses()
	if k == 0 {
		return nil, fmt.Errorf("logistic regression: model is not fitted")
	}
	if X == nil {
		return nil, fmt.Errorf("logistic regression: X is nil")
	}
	if err := X.Check(); err != nil {
		return nil, err
	}
	if X.NumCols() != m.NumFeatures() {
		return nil, fmt.Errorf("logistic regression: X has %d columns, model has %d features", X.NumCols(), m.NumFeatures())
	}
	out := make([]float64, X.Rows*k)
	row := make([]float64, X.NumCols())
	for i := 0; i < X.Rows; i++ {
		m.PredictProbaRow(X.Row(i, row), out[i*k:(i+1)*k])
	}
	return out, nil
}

// PredictProbaRow writes the K class probabilities of one row into out
// (len(out) == K) without allocating. It writes NaN, rather than failing,
// when the model is not fitted, the row is too short or out is not K long.
func (m *LogisticRegression) PredictProbaRow(row []float64, out []float64) {
	k := m.NumClasses()
	if k == 0 || len(out) != k || len(row) < m.NumFeatures() {
		for c := range out {
			out[c] = math.NaN()
		}
		return
	}
	if m.ClassCoef == nil {
		p1 := m.PredictRow(row)
		out[0], out[1] = 1-p1, p1
		return
	}
	zmax := math.Inf(-1)
	for c, w := range m.ClassCoef {
		z := m.ClassIntercept[c]
		for j, v := range w {
			z += v * row[j]
		}
		out[c] = z
		zmax = math.Max(zmax, z)
	}
	sum := 0.0
	for c, z := range out {
		out[c] = math.Exp(z - zmax)
		sum += out[c]
	}
	for c := range out {
		out[c] /= sum
	}
}
