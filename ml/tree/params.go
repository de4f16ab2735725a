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
	// ClassWeight multiplies the weight of the rows of class 0 or 1
	// (classifiers only); a missing class has weight 1.
	ClassWeight map[int]float64 `json:"class_weight,omitempty"`
	// BalancedClassWeight weights class k by n / (2·n(k)), as scikit-learn's
	// class_weight="balanced"; it overrides ClassWeight. Like scikit-learn,
	// a single tree counts rows and a forest sums sample weights.
	BalancedClassWeight bool `json:"balanced_class_weight,omitempty"`
}

// resolve checks the parameters and returns the growth config for p
// features.
func (pr Params) resolve(p int, classifier bool, defaultMaxFeatures string) (growConfig, error) {
	c := growConfig{crit: pr.Criterion, maxDepth: pr.MaxDepth, minSplit: pr.MinSamplesSplit, minLeaf: pr.MinSamplesLeaf}
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
// weight (1 when weights is nil) times the class weight for classifiers.
// Balanced class weights count rows of each class, weighted by sample weight
// only when weightedBalance is set (scikit-learn's forests do, its single
// trees do not).
func checkXY(X *ml.Matrix, y, weights []float64, classifier bool, pr Params, weightedBalance bool) ([]float64, error) {
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
	w := make([]float64, len(y))
	total := 0.0
	for i := range y {
		w[i] = 1
		if weights != nil {
			w[i] = weights[i]
			if !(w[i] >= 0) || math.IsInf(w[i], 0) {
				return nil, fmt.Errorf("weights[%d] = %v: weights must be finite and not negative", i, w[i])
			}
		}
		if classifier && y[i] != 0 && y[i] != 1 {
			return nil, fmt.Errorf("y[%d] = %v: labels must be 0 or 1", i, y[i])
		}
		if math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
			return nil, fmt.Errorf("y[%d] = %v: targets must be finite", i, y[i])
		}
		total += w[i]
	}
	if total <= 0 {
		return nil, fmt.Errorf("all sample weights are zero")
	}
	if !classifier {
		return w, nil
	}
	cw, err := classWeights(y, w, pr, weightedBalance)
	if err != nil {
		return nil, err
	}
	for i := range w {
		w[i] *= cw[int(y[i])]
	}
	return w, nil
}

func classWeights(y, w []float64, pr Params, weightedBalance bool) ([2]float64, error) {
	cw := [2]float64{1, 1}
	if pr.BalancedClassWeight {
		var count [2]float64
		for i, v := range y {
			if weightedBalance {
				count[int(v)] += w[i]
			} else {
				count[int(v)]++
			}
		}
		if count[0] <= 0 || count[1] <= 0 {
			return cw, fmt.Errorf("balanced class weights need both classes in y")
		}
		n := count[0] + count[1]
		return [2]float64{n / (2 * count[0]), n / (2 * count[1])}, nil
	}
	for k, v := range pr.ClassWeight {
		if k != 0 && k != 1 {
			return cw, fmt.Errorf("class weight for class %d: classes are 0 and 1", k)
		}
		if !(v >= 0) || math.IsInf(v, 0) {
			return cw, fmt.Errorf("class weight %v for class %d must be finite and not negative", v, k)
		}
		cw[k] = v
	}
	return cw, nil
}
