package tree

import (
	"fmt"
	"math"
	"strconv"

	"github.com/weir-ml/weir/ml"
)

// Criterion names the impurity a tree minimises.
type Criterion string

// Criteria: Gini and Entropy (in bits) for classification, SquaredError for
// regression.
const (
	Gini         Criterion = "gini"
	Entropy      Criterion = "entropy"
	SquaredError Criterion = "squared_error"
)

// Params are the growth settings shared by trees and forests, with
// scikit-learn's meanings.
type Params struct {
	Criterion       Criterion `json:"criterion"`         // default Gini for classifiers, SquaredError for regressors
	MaxDepth        int       `json:"max_depth"`         // 0: grow until the other limits stop it
	MinSamplesSplit int       `json:"min_samples_split"` // a node with fewer rows is a leaf; default 2
	MinSamplesLeaf  int       `json:"min_samples_leaf"`  // every leaf keeps at least this many rows; default 1
	// MaxFeatures is how many features each split examines: "sqrt", "log2",
	// "all", a count ("7") or a fraction ("0.3"). "" means "all" for a
	// single tree and for regression forests, "sqrt" for classification
	// forests, as in scikit-learn.
	MaxFeatures string `json:"max_features"`
	// NClasses is a classifier's number of classes K: labels are 0..K-1.
	// 0 means the largest label plus one, and at least 2. K = 2 is the
	// binary model (leaves hold P(y=1)); a larger K grows multiclass trees
	// whose nodes hold class distributions. Setting it keeps K fixed when a
	// training set happens to lack the highest classes.
	NClasses int `json:"n_classes,omitempty"`
	// ClassWeight multiplies the weight of the rows of class k (classifiers
	// only); a missing class has weight 1.
	ClassWeight map[int]float64 `json:"class_weight,omitempty"`
	// BalancedClassWeight weights class k by n / (c·n(k)), where c is the
	// number of classes present in y, as scikit-learn's
	// class_weight="balanced"; it overrides ClassWeight. Like scikit-learn,
	// a single tree counts rows and a forest sums sample weights.
	BalancedClassWeight bool `json:"balanced_class_weight,omitempty"`
}

// maxClasses bounds K, so that a stray huge label is an error rather than
// an enormous allocation.
const maxClasses = 4096

// resolve checks the parameters and returns the growth config for p
// features and k classes (0 for regression).
func (pr Params) resolve(p, k int, defaultMaxFeatures string) (growConfig, error) {
	classifier := k > 0
	c := growConfig{crit: pr.Criterion, maxDepth: pr.MaxDepth, minSplit: pr.MinSamplesSplit, minLeaf: pr.MinSamplesLeaf,
		midpoints: k != 2}
	if k > 2 {
		c.classes = k
	}
	switch {
	case c.crit == "" && classifier:
		c.crit = Gini
	case c.crit == "":
		c.crit = SquaredError
	case classifier && c.crit != Gini && c.crit != Entropy:
		return c, fmt.Errorf("classification criterion %q: want gini or entropy", c.crit)
	case !classifier && c.crit != SquaredError:
		return c, fmt.Errorf("regression criterion %q: want squared_error", c.crit)
	}
	if c.maxDepth < 0 || c.minSplit < 0 || c.minLeaf < 0 {
		return c, fmt.Errorf("MaxDepth, MinSamplesSplit and MinSamplesLeaf must not be negative")
	}
	if c.minSplit == 0 {
		c.minSplit = 2
	}
	if c.minSplit < 2 {
		return c, fmt.Errorf("MinSamplesSplit must be at least 2, got %d", c.minSplit)
	}
	if c.minLeaf == 0 {
		c.minLeaf = 1
	}
	mf := pr.MaxFeatures
	if mf == "" {
		mf = defaultMaxFeatures
	}
	mtry, err := featureCount(mf, p)
	if err != nil {
		return c, err
	}
	c.mtry = mtry
	if !classifier && (pr.ClassWeight != nil || pr.BalancedClassWeight) {
		return c, fmt.Errorf("class weights apply to classifiers only")
	}
	if !classifier && pr.NClasses != 0 {
		return c, fmt.Errorf("NClasses applies to classifiers only")
	}
	return c, nil
}

// featureCount turns a MaxFeatures setting into a number of features in
// 1..p.
func featureCount(mf string, p int) (int, error) {
	var k int
	switch mf {
	case "all":
		k = p
	case "sqrt":
		k = int(math.Sqrt(float64(p)))
	case "log2":
		k = int(math.Log2(float64(p)))
	default:
		if n, err := strconv.Atoi(mf); err == nil {
			if n < 1 {
				return 0, fmt.Errorf("MaxFeatures %q must be at least 1", mf)
			}
			k = min(n, p)
			break
		}
		f, err := strconv.ParseFloat(mf, 64)
		if err != nil || !(f > 0 && f <= 1) {
			return 0, fmt.Errorf("MaxFeatures %q: want sqrt, log2, all, a count or a fraction in (0, 1]", mf)
		}
		k = int(f * float64(p))
	}
	return max(1, k), nil
}

// checkXY validates training data and returns per-row weights: the sample
// weight (1 when weights is nil) times the class weight for classifiers,
// and for classifiers the class count K (0 for regressors). Balanced class
// weights count rows of each class, weighted by sample weight only when
// weightedBalance is set (scikit-learn's forests do, its single trees do
// not).
func checkXY(X *ml.Matrix, y, weights []float64, classifier bool, pr Params, weightedBalance bool) ([]float64, int, error) {
	if X == nil {
		return nil, 0, fmt.Errorf("X is nil")
	}
	if err := X.Check(); err != nil {
		return nil, 0, err
	}
	if X.Rows == 0 || X.NumCols() == 0 {
		return nil, 0, fmt.Errorf("X is empty (%d rows, %d columns)", X.Rows, X.NumCols())
	}
	if len(y) != X.Rows {
		return nil, 0, fmt.Errorf("y has %d values, X has %d rows", len(y), X.Rows)
	}
	if weights != nil && len(weights) != X.Rows {
		return nil, 0, fmt.Errorf("weights has %d values, X has %d rows", len(weights), X.Rows)
	}
	w := make([]float64, len(y))
	total := 0.0
	for i := range y {
		w[i] = 1
		if weights != nil {
			w[i] = weights[i]
			if !(w[i] >= 0) || math.IsInf(w[i], 0) {
				return nil, 0, fmt.Errorf("weights[%d] = %v: weights must be finite and not negative", i, w[i])
			}
		}
		if !classifier && (math.IsNaN(y[i]) || math.IsInf(y[i], 0)) {
			return nil, 0, fmt.Errorf("y[%d] = %v: targets must be finite", i, y[i])
		}
		total += w[i]
	}
	if total <= 0 {
		return nil, 0, fmt.Errorf("all sample weights are zero")
	}
	if !classifier {
		return w, 0, nil
	}
	k, err := classCount(y, pr.NClasses)
	if err != nil {
		return nil, 0, err
	}
	cw, err := classWeights(y, w, k, pr, weightedBalance)
	if err != nil {
		return nil, 0, err
	}
	for i := range w {
		w[i] *= cw[int(y[i])]
	}
	return w, k, nil
}

// classCount checks that every label is a class index and returns K: the
// setting n when it is not 0, else the largest label plus one, and at least
// 2 so that labels all 0 still make the binary model they always made.
func classCount(y []float64, n int) (int, error) {
	if n == 1 || n < 0 || n > maxClasses {
		return 0, fmt.Errorf("NClasses %d: a classifier needs 2 to %d classes", n, maxClasses)
	}
	top := float64(maxClasses - 1)
	if n > 0 {
		top = float64(n - 1)
	}
	k := 2
	for i, v := range y {
		if !(v >= 0 && v <= top && v == math.Trunc(v)) {
			if n > 0 {
				return 0, fmt.Errorf("y[%d] = %v: labels must be class indices 0 to %d (NClasses %d)", i, v, n-1, n)
			}
			return 0, fmt.Errorf("y[%d] = %v: labels must be class indices 0, 1, ... up to %d", i, v, maxClasses-1)
		}
		k = max(k, int(v)+1)
	}
	if n > 0 {
		k = n
	}
	return k, nil
}

// classWeights returns the weight of each of the k classes.
func classWeights(y, w []float64, k int, pr Params, weightedBalance bool) ([]float64, error) {
	cw := make([]float64, k)
	for c := range cw {
		cw[c] = 1
	}
	if pr.BalancedClassWeight {
		count := make([]float64, k)
		for i, v := range y {
			if weightedBalance {
				count[int(v)] += w[i]
			} else {
				count[int(v)]++
			}
		}
		present, n := 0, 0.0
		for _, c := range count {
			if c > 0 {
				present++
				n += c
			}
		}
		if k == 2 && present < 2 {
			return nil, fmt.Errorf("balanced class weights need both classes in y")
		}
		for c := range cw {
			if count[c] > 0 {
				cw[c] = n / (float64(present) * count[c])
			}
		}
		return cw, nil
	}
	for c, v := range pr.ClassWeight {
		if c < 0 || c >= k {
			return nil, fmt.Errorf("class weight for class %d: classes are 0 to %d", c, k-1)
		}
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("class weight %v for class %d must be finite and not negative", v, c)
		}
		cw[c] = v
	}
	return cw, nil
}
