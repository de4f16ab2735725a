package sklearn

import (
	"math"
)

// linearClassifier is a LogisticRegression: binary with one row of
// coefficients and a logistic link, multinomial with a softmax.
type linearClassifier struct {
	base
	labels    []any
	coef      []float64 // k rows of nIn
	intercept []float64
	k         int // rows of coef: 1 for binary
}

// readClasses reads classes_ as the model holds its labels.
func readClasses(o obj) ([]any, error) {
	a, err := o.array("classes_")
	if err != nil {
		return nil, err
	}
	if len(a.Shape) != 1 || a.Shape[0] < 1 {
		return nil, o.errorf("classes_ has shape %s, want a list of classes", shapeString(a.Shape))
	}
	c, err := values(a)
	if err != nil {
		return nil, o.errorf("classes_: %v", err)
	}
	return c, nil
}

// readLabels is readClasses for the estimators that need two classes or
// more (a tree may hold one).
func readLabels(o obj) ([]any, error) {
	c, err := readClasses(o)
	if err == nil && len(c) < 2 {
		err = o.errorf("classes_ holds %d class, want at least 2", len(c))
	}
	return c, err
}

func buildLogisticRegression(o obj) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	t := &linearClassifier{base: b}
	if t.labels, err = readLabels(o); err != nil {
		return nil, err
	}
	t.k = len(t.labels)
	if t.k == 2 {
		t.k = 1
	}
	if mc, _ := o.o.State["multi_class"].(string); mc == "ovr" && t.k > 1 {
		return nil, o.errorf("multi_class='ovr' is not supported")
	}
	if t.coef, _, err = o.floats("coef_", t.k, b.nIn); err != nil {
		return nil, err
	}
	if t.intercept, _, err = o.floats("intercept_", t.k); err != nil {
		return nil, err
	}
	return t, nil
}

func (m *linearClassifier) classes() []any { return m.labels }

func (m *linearClassifier) decision(x []float64, k int) float64 {
	row := m.coef[k*m.nIn : (k+1)*m.nIn]
	s := 0.0
	for j, c := range row {
		s += x[j] * c
	}
	return s + m.intercept[k]
}

func (m *linearClassifier) proba(x, p []float64) int {
	if m.k == 1 {
		d := m.decision(x, 0)
		p[1] = expit(d)
		p[0] = 1 - p[1]
		if d > 0 {
			return 1
		}
		return 0
	}
	for k := range m.k {
		p[k] = m.decision(x, k)
	}
	return softmax(p)
}

// expit is the logistic function.
func expit(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// softmax turns raw scores into probabilities in place, as
// sklearn.utils.extmath.softmax does, and returns the index of the
// largest score (the first among ties, as NumPy's argmax).
func softmax(p []float64) int {
	best := 0
	for k, v := range p {
		if v > p[best] {
			best = k
		}
	}
	hi := p[best]
	sum := 0.0
	for k := range p {
		p[k] = math.Exp(p[k] - hi)
		sum += p[k]
	}
	for k := range p {
		p[k] /= sum
	}
	return best
}

// argmax returns the index of the largest value, the first among ties.
func argmax(p []float64) int {
	best := 0
	for k, v := range p {
		if v > p[best] {
			best = k
		}
	}
	return best
}

// linearRegressor is LinearRegression, Ridge, Lasso or ElasticNet fitted
// on one target.
type linearRegressor struct {
	base
	coef      []float64
	intercept float64
}

func buildLinearRegressor(o obj) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	t := &linearRegressor{base: b}
	a, err := o.array("coef_")
	if err != nil {
		return nil, err
	}
	if len(a.Shape) != 1 {
		return nil, o.errorf("coef_ has shape %s: only a single target (coef_ of shape (%d,)) is supported", shapeString(a.Shape), b.nIn)
	}
	if t.coef, _, err = o.floats("coef_", b.nIn); err != nil {
		return nil, err
	}
	if t.intercept, err = o.float("intercept_"); err != nil {
		return nil, err
	}
	return t, nil
}

func (m *linearRegressor) predict(x []float64) float64 {
	s := 0.0
	for j, c := range m.coef {
		s += x[j] * c
	}
	return s + m.intercept
}
