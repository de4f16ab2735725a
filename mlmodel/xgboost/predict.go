package xgboost

import (
	"fmt"
	"math"
	"strconv"
	"sync"
)

// Objective returns the model's objective, such as "binary:logistic".
func (b *Booster) Objective() string { return b.objective }

// BoosterName returns "gbtree" or "dart".
func (b *Booster) BoosterName() string { return b.booster }

// NumClass returns num_class as saved: K for multi:softprob and
// multi:softmax, 0 for binary and regression objectives.
func (b *Booster) NumClass() int { return b.numClass }

// NumFeature returns the number of features a row holds.
func (b *Booster) NumFeature() int { return b.numFeature }

// NumGroup returns the number of margins per row: K for multiclass
// objectives, else 1.
func (b *Booster) NumGroup() int { return b.numGroup }

// NumTrees returns the number of trees scored.
func (b *Booster) NumTrees() int { return len(b.trees) }

// NumIterations returns the number of boosting rounds scored.
func (b *Booster) NumIterations() int { return len(b.iterEnd) }

// OutputWidth returns the number of values Predict writes per row: K for
// multi:softprob, else 1.
func (b *Booster) OutputWidth() int {
	if objectives[b.objective].link == linkSoftmax {
		return b.numGroup
	}
	return 1
}

// FeatureNames returns the feature names the model was trained with, or
// nil when it has none (trained on an unnamed array).
func (b *Booster) FeatureNames() []string { return b.featureNames }

// FeatureTypes returns XGBoost's feature types ("float", "int", "i", "q",
// "c" for categorical), or nil when the model has none.
func (b *Booster) FeatureTypes() []string { return b.featureTypes }

// Attribute returns a learner attribute, such as "best_iteration".
func (b *Booster) Attribute(key string) (string, bool) {
	v, ok := b.attributes[key]
	return v, ok
}

// BestIteration returns the best_iteration attribute early stopping
// leaves, which XGBoost's scikit-learn predict uses.
func (b *Booster) BestIteration() (int, bool) {
	s, ok := b.attributes["best_iteration"]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// Slice returns a Booster that scores only the first n boosting rounds,
// as predict(iteration_range=(0, n)) does; n is clamped to the rounds the
// model has (n <= 0 means all). The copy shares b's trees.
func (b *Booster) Slice(n int) *Booster {
	if n <= 0 || n >= len(b.iterEnd) {
		return b
	}
	c := *b
	c.iterEnd = b.iterEnd[:n]
	nt := b.iterEnd[n-1]
	c.trees, c.group = b.trees[:nt], b.group[:nt]
	if b.weight != nil {
		c.weight = b.weight[:nt]
	}
	return &c
}

// rowBuf pools float32 rows and margin scratch, so that scoring allocates
// nothing once warm.
var rowBuf = sync.Pool{New: func() any { return new([]float32) }}

func getBuf(n int) *[]float32 {
	p := rowBuf.Get().(*[]float32)
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

// MarginRow writes the raw margins of one row into out, which must hold
// NumGroup values. row holds NumFeature values, NaN for missing.
func (b *Booster) MarginRow(row []float64, out []float32) error {
	return b.Margin([][]float64{row}, out)
}

// Margin writes the raw margins of rows into out, NumGroup values per
// row, row after row (XGBoost's predict(output_margin=True)).
func (b *Booster) Margin(rows [][]float64, out []float32) error {
	if err := b.checkOut(len(rows), b.numGroup, len(out)); err != nil {
		return err
	}
	p := getBuf(b.numFeature)
	defer rowBuf.Put(p)
	for i, row := range rows {
		if err := b.toFloat32(i, row, *p); err != nil {
			return err
		}
		b.margin(*p, out[i*b.numGroup:(i+1)*b.numGroup])
	}
	return nil
}

// PredictRow writes one row's prediction into out, which must hold
// OutputWidth values: what XGBoost's Booster.predict returns for the row.
func (b *Booster) PredictRow(row []float64, out []float32) error {
	return b.Predict([][]float64{row}, out)
}

// Predict writes the predictions of rows into out, OutputWidth values per
// row: probabilities for logistic and softprob objectives, the class index
// for multi:softmax, exp(margin) for log-link objectives, the margin
// otherwise. Values are float32, as XGBoost computes them.
func (b *Booster) Predict(rows [][]float64, out []float32) error {
	w := b.OutputWidth()
	if err := b.checkOut(len(rows), w, len(out)); err != nil {
		return err
	}
	p := getBuf(b.numFeature + b.numGroup)
	defer rowBuf.Put(p)
	x, m := (*p)[:b.numFeature], (*p)[b.numFeature:]
	for i, row := range rows {
		if err := b.toFloat32(i, row, x); err != nil {
			return err
		}
		b.margin(x, m)
		b.transform(m, out[i*w:(i+1)*w])
	}
	return nil
}

func (b *Booster) checkOut(rows, width, have int) error {
	if have < rows*width {
		return fmt.Errorf("xgboost: output holds %d values, want %d (%d rows × %d)", have, rows*width, rows, width)
	}
	return nil
}

// toFloat32 converts a row to float32, as XGBoost's DMatrix does.
func (b *Booster) toFloat32(i int, row []float64, x []float32) error {
	if len(row) != b.numFeature {
		return fmt.Errorf("xgboost: row %d has %d features, want %d", i, len(row), b.numFeature)
	}
	for j, v := range row {
		x[j] = float32(v)
	}
	return nil
}

// transform turns margins m into predictions out (OutputWidth values); m
// is overwritten.
func (b *Booster) transform(m, out []float32) {
	switch objectives[b.objective].link {
	case linkSigmoid:
		out[0] = sigmoid(m[0])
	case linkExp:
		out[0] = expf(m[0])
	case linkSoftmax:
		softmax(m)
		copy(out, m)
	case linkArgmax:
		out[0] = float32(argmax(m))
	default:
		out[0] = m[0]
	}
}

// margin sums the trees for one row x (float32 features, NaN missing) into
// m, NumGroup values. This is XGBoost's CPU predictor: each output starts
// at its base margin, and the trees' leaf values are added in tree order,
// each sum rounded to float32; dart multiplies each leaf value by its tree
// weight, rounded to float32, before adding it.
func (b *Booster) margin(x, m []float32) {
	copy(m, b.base)
	if b.numGroup == 1 && b.weight == nil {
		acc := m[0]
		for t := range b.trees {
			acc += b.trees[t].leaf(x)
		}
		m[0] = acc
		return
	}
	for t := range b.trees {
		v := b.trees[t].leaf(x)
		if b.weight != nil {
			v = float32(v * b.weight[t])
		}
		m[b.group[t]] += v
	}
}

// leaf returns the value of the leaf row x reaches.
func (t *tree) leaf(x []float32) float32 {
	nodes := t.nodes
	i := int32(0)
	for {
		nd := &nodes[i]
		if nd.left < 0 {
			return nd.value
		}
		f := x[nd.feature]
		switch {
		case f != f:
			i = nd.defaultChild
		case nd.catBeg < 0:
			if f < nd.value {
				i = nd.left
			} else {
				i = nd.right
			}
		case t.inSet(nd, f):
			i = nd.right
		default:
			i = nd.left
		}
	}
}

// inSet reports whether category f is in the node's set. As in XGBoost, a
// negative or too large value, or one past the set's largest category, is
// not; a fractional value is truncated toward zero.
func (t *tree) inSet(nd *node, f float32) bool {
	if f < 0 || f >= maxCategory {
		return false
	}
	c := int64(f)
	bits := t.catBits[nd.catBeg:nd.catEnd]
	w := c / 64
	return w < int64(len(bits)) && bits[w]&(1<<(c%64)) != 0
}

// nan32 is the float32 NaN that marks a missing feature.
var nan32 = float32(math.NaN())
