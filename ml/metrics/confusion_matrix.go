package metrics

import (
	"fmt"
	"math"
)

// Average says how per-class scores are combined into one number.
type Average int

const (
	// Macro is the unweighted mean over classes.
	Macro Average = iota
	// Weighted weights each class by its (sample-weighted) number of true
	// instances, as scikit-learn's average="weighted".
	Weighted
)

// String returns "macro" or "weighted".
func (a Average) String() string {
	switch a {
	case Macro:
		return "macro"
	case Weighted:
		return "weighted"
	}
	return fmt.Sprintf("Average(%d)", int(a))
}

// ConfusionMatrix is a K×K matrix of weighted counts: Counts[t*K+p] is the
// total weight of the samples of true class t predicted as class p. Its
// methods give the label metrics of scikit-learn with labels=range(K) and
// zero_division=0: a class that is never predicted has precision 0, a class
// that never occurs has recall 0, and both still count in macro averages.
type ConfusionMatrix struct {
	K      int
	Counts []float64
}

// NewConfusionMatrix counts predicted classes pred against true classes y,
// both class indices 0..k-1 held as float64 (the labels of
// ml.MulticlassClassifier), with optional sample weights (nil means all 1),
// as scikit-learn's confusion_matrix(y, pred, labels=range(k)).
func NewConfusionMatrix(y, pred []float64, k int, weights []float64) (*ConfusionMatrix, error) {
	if err := checkClasses("y", y, k); err != nil {
		return nil, err
	}
	if len(pred) != len(y) {
		return nil, fmt.Errorf("y has %d values but predictions have %d", len(y), len(pred))
	}
	if err := checkClasses("predictions", pred, k); err != nil {
		return nil, err
	}
	if err := checkWeights(weights, len(y)); err != nil {
		return nil, err
	}
	m := &ConfusionMatrix{K: k, Counts: make([]float64, k*k)}
	for i := range y {
		m.Counts[int(y[i])*k+int(pred[i])] += weight(weights, i)
	}
	return m, nil
}

// At returns the weight of samples of true class t predicted as class p.
func (m *ConfusionMatrix) At(t, p int) float64 { return m.Counts[t*m.K+p] }

// trueSum returns the weight of samples whose true class is c.
func (m *ConfusionMatrix) trueSum(c int) float64 {
	s := 0.0
	for _, v := range m.Counts[c*m.K : (c+1)*m.K] {
		s += v
	}
	return s
}

// predSum returns the weight of samples predicted as class c.
func (m *ConfusionMatrix) predSum(c int) float64 {
	s := 0.0
	for t := 0; t < m.K; t++ {
		s += m.Counts[t*m.K+c]
	}
	return s
}

// Accuracy is the weighted share of correct predictions, as
// scikit-learn's accuracy_score.
func (m *ConfusionMatrix) Accuracy() float64 {
	var hit, all float64
	for t := 0; t < m.K; t++ {
		hit += m.At(t, t)
		all += m.trueSum(t)
	}
	return safeDiv(hit, all)
}

// BalancedAccuracy is the mean recall over the classes that occur in y, as
// scikit-learn's balanced_accuracy_score: classes that are only predicted
// are left out, not counted as 0.
func (m *ConfusionMatrix) BalancedAccuracy() float64 {
	var sum float64
	n := 0
	for c := 0; c < m.K; c++ {
		if ts := m.trueSum(c); ts > 0 {
			sum += m.At(c, c) / ts
			n++
		}
	}
	return safeDiv(sum, float64(n))
}

// Precision of class c is TP / (TP + FP), 0 when c is never predicted.
func (m *ConfusionMatrix) Precision(c int) float64 { return safeDiv(m.At(c, c), m.predSum(c)) }

// Recall of class c is TP / (TP + FN), 0 when c never occurs.
func (m *ConfusionMatrix) Recall(c int) float64 { return safeDiv(m.At(c, c), m.trueSum(c)) }

// F1 of class c is 2TP / (2TP + FP + FN), 0 when c neither occurs nor is
// predicted.
func (m *ConfusionMatrix) F1(c int) float64 {
	return safeDiv(2*m.At(c, c), m.trueSum(c)+m.predSum(c))
}

// PrecisionAvg averages Precision over all K classes.
func (m *ConfusionMatrix) PrecisionAvg(a Average) float64 { return m.average(m.Precision, a) }

// RecallAvg averages Recall over all K classes.
func (m *ConfusionMatrix) RecallAvg(a Average) float64 { return m.average(m.Recall, a) }

// F1Avg averages F1 over all K classes.
func (m *ConfusionMatrix) F1Avg(a Average) float64 { return m.average(m.F1, a) }

// average combines a per-class score over all K classes, weighting by true
// class weight for Weighted.
func (m *ConfusionMatrix) average(score func(int) float64, a Average) float64 {
	var sum, wsum float64
	for c := 0; c < m.K; c++ {
		w := 1.0
		if a == Weighted {
			w = m.trueSum(c)
		}
		if w != 0 {
			sum += w * score(c)
		}
		wsum += w
	}
	return safeDiv(sum, wsum)
}

// PredictedClasses returns the most probable class of each row of the
// row-major n×k probabilities proba, the first on ties (numpy.argmax, which
// scikit-learn's predict uses), as class indices held as float64.
func PredictedClasses(proba []float64, k int) ([]float64, error) {
	if k < 2 {
		return nil, fmt.Errorf("need at least 2 classes, got %d", k)
	}
	if len(proba)%k != 0 {
		return nil, fmt.Errorf("%d probabilities do not fill rows of %d classes", len(proba), k)
	}
	out := make([]float64, len(proba)/k)
	for i := range out {
		row := proba[i*k : (i+1)*k]
		best := 0
		for c, v := range row {
			if math.IsNaN(v) {
				return nil, fmt.Errorf("probability of class %d in row %d is NaN", c, i)
			}
			if v > row[best] {
				best = c
			}
		}
		out[i] = float64(best)
	}
	return out, nil
}
