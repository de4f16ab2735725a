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

// blockRows is how many rows walk a tree together. Their walks are
// independent, so the processor overlaps their memory loads; one row alone
// waits on each node in turn.
const blockRows = 32

// blockKeys bounds a block's keys (256 KiB), so that a model with very
// many features walks fewer rows at a time.
const blockKeys = 1 << 16

// block returns how many rows the model walks together.
func (b *Booster) block() int {
	return max(1, min(blockRows, blockKeys/(b.numFeature+1)))
}

// scratch is one scoring call's working memory: a block of rows as order
// keys, each with the extra always-0 slot leaves read (see node), and
// their margins. Pooled, so that scoring allocates nothing once warm.
type scratch struct {
	x []int32
	m []float32
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (b *Booster) getScratch() *scratch {
	s := scratchPool.Get().(*scratch)
	nx, nm := b.block()*(b.numFeature+1), b.block()*b.numGroup
	if cap(s.x) < nx {
		s.x = make([]int32, nx)
	}
	if cap(s.m) < nm {
		s.m = make([]float32, nm)
	}
	s.x, s.m = s.x[:nx], s.m[:nm]
	return s
}

// row returns row r of the block, with its extra slot.
func (b *Booster) row(s *scratch, r int) []int32 {
	w := b.numFeature + 1
	return s.x[r*w : (r+1)*w]
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
	return b.batch(rows, func(lo, n int, m []float32) {
		copy(out[lo*b.numGroup:], m[:n*b.numGroup])
	})
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
	g := b.numGroup
	return b.batch(rows, func(lo, n int, m []float32) {
		for r := 0; r < n; r++ {
			b.transform(m[r*g:(r+1)*g], out[(lo+r)*w:(lo+r+1)*w])
		}
	})
}

// batch computes the margins of rows block by block and hands each block's
// margins to done (rows lo to lo+n, NumGroup margins each).
func (b *Booster) batch(rows [][]float64, done func(lo, n int, m []float32)) error {
	s := b.getScratch()
	defer scratchPool.Put(s)
	for lo := 0; lo < len(rows); lo += b.block() {
		n := min(b.block(), len(rows)-lo)
		for r := 0; r < n; r++ {
			if err := b.toKeys(lo+r, rows[lo+r], b.row(s, r)); err != nil {
				return err
			}
		}
		b.margins(s, n)
		done(lo, n, s.m)
	}
	return nil
}

func (b *Booster) checkOut(rows, width, have int) error {
	if have < rows*width {
		return fmt.Errorf("xgboost: output holds %d values, want %d (%d rows × %d)", have, rows*width, rows, width)
	}
	return nil
}

// toKeys converts a row to float32, as XGBoost's DMatrix does, and then to
// order keys in x, which has one slot more than the row.
func (b *Booster) toKeys(i int, row []float64, x []int32) error {
	if len(row) != b.numFeature {
		return fmt.Errorf("xgboost: row %d has %d features, want %d", i, len(row), b.numFeature)
	}
	for j, v := range row {
		x[j] = key32(float32(v))
	}
	x[len(row)] = 0
	return nil
}

// missingKey is the key of a missing value (any NaN).
const missingKey = math.MaxInt32

// key32 maps a float32 to an int32 whose integer order is the float order:
// the bits, with the magnitude bits flipped for negative numbers. -0 maps
// to +0's key, as the two compare equal; NaN maps to missingKey, above
// every other key (+Inf's is 0x7f800000).
func key32(f float32) int32 {
	if f != f {
		return missingKey
	}
	s := int32(math.Float32bits(f))
	if s == math.MinInt32 { // -0
		return 0
	}
	return s ^ (s >> 31 & math.MaxInt32)
}

// keyFloat inverts key32.
func keyFloat(k int32) float32 {
	return math.Float32frombits(uint32(k ^ (k >> 31 & math.MaxInt32)))
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

// margins sums the trees for the first n rows of the block s (features as
// order keys) into s.m, NumGroup values per row. This is XGBoost's CPU
// predictor: each output starts at its base margin, and the trees' leaf
// values are added in tree order, each sum rounded to float32; dart
// multiplies each leaf value by its tree weight, rounded to float32, before
// adding it.
func (b *Booster) margins(s *scratch, n int) {
	g := b.numGroup
	for r := 0; r < n; r++ {
		copy(s.m[r*g:(r+1)*g], b.base)
	}
	var leaf [blockRows]int32
	w := b.numFeature + 1
	x := s.x[:n*w]
	for t := range b.trees {
		tr := &b.trees[t]
		tr.walk(x, w, leaf[:n])
		grp := int(b.group[t])
		if b.weight != nil {
			wt := b.weight[t]
			for r, k := range leaf[:n] {
				s.m[r*g+grp] += float32(tr.values[k] * wt)
			}
			continue
		}
		for r, k := range leaf[:n] {
			s.m[r*g+grp] += tr.values[k]
		}
	}
}

// walk sets leaf[r] to the leaf that row r of x (stride w) reaches. All
// rows take depth steps together; a row at a leaf stays there.
func (t *tree) walk(x []int32, w int, leaf []int32) {
	for r := range leaf {
		leaf[r] = 0
	}
	nodes := t.nodes
	for d := 0; d < t.depth; d++ {
		for r, i := range leaf {
			nd := &nodes[i]
			f := nd.feature
			if f < 0 {
				leaf[r] = t.catChild(i, nd, x[r*w+int(^f)])
				continue
			}
			k := x[r*w+int(f)]
			if k == missingKey { // rare, so well predicted
				leaf[r] = nd.defaultChild
				continue
			}
			// left+1 when k >= thr, else left: the sign of the 64-bit
			// difference, without a branch that real data would
			// mispredict often.
			leaf[r] = nd.left + 1 + int32((int64(k)-int64(nd.thr))>>63)
		}
	}
}

// catChild returns the child a categorical split sends key k to.
func (t *tree) catChild(i int32, nd *node, k int32) int32 {
	switch {
	case k == missingKey:
		return nd.defaultChild
	case t.inSet(t.cats[i], keyFloat(k)):
		return nd.left + 1
	}
	return nd.left
}

// inSet reports whether category f is in the set r. As in XGBoost, a
// negative or too large value, or one past the set's largest category, is
// not; a fractional value is truncated toward zero.
func (t *tree) inSet(r catRange, f float32) bool {
	if f < 0 || f >= maxCategory {
		return false
	}
	c := int64(f)
	bits := t.catBits[r.beg:r.end]
	w := c / 64
	return w < int64(len(bits)) && bits[w]&(1<<(c%64)) != 0
}

// nan32 is the float32 NaN that marks a missing feature.
var nan32 = float32(math.NaN())
