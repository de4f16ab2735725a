package lightgbm

import (
	"fmt"
	"sync"
)

// Booster is a LightGBM model read from its text format. It is immutable
// once parsed and safe for concurrent use.
type Booster struct {
	numClass     int
	treesPerIter int
	featureNames []string
	featureInfos []string
	objective    Objective
	transform    transform
	average      bool // average_output: random forests average their trees
	trees        []tree
	categorical  []bool // per feature: the model splits it by category
	pandas       [][]any
	// keys holds *[]int64 scratch for batchRaw's row keys.
	keys *sync.Pool
	// table finds the trees' leaves for batchRaw (nil: it walks them);
	// words holds *[]uint64 scratch for it, one word per tree.
	table *leafTable
	words *sync.Pool
}

// NumClass returns the number of classes of a classifier: the objective's
// num_class (1 for binary and for regression).
func (b *Booster) NumClass() int { return b.numClass }

// NumOutputs returns how many numbers PredictRaw and Predict write per row:
// the trees per iteration (the class count of a multiclass model, else 1).
func (b *Booster) NumOutputs() int { return b.treesPerIter }

// NumFeatures returns how many features a row holds.
func (b *Booster) NumFeatures() int { return len(b.featureNames) }

// NumIterations returns the boosting iterations the model predicts with.
func (b *Booster) NumIterations() int { return len(b.trees) / b.treesPerIter }

// FeatureNames returns the feature names, in row order.
func (b *Booster) FeatureNames() []string { return append([]string(nil), b.featureNames...) }

// Objective returns the objective the model was trained with.
func (b *Booster) Objective() Objective { return b.objective }

// Categorical reports which features the model splits by category: those
// given as categorical_feature or as pandas category columns.
func (b *Booster) Categorical() []bool { return append([]bool(nil), b.categorical...) }

// PandasCategories returns the categories of each pandas category column
// the model was trained on, in column order, as the file's
// pandas_categorical trailer lists them (strings, float64 for numbers,
// bools); nil when it was not trained on a DataFrame with category
// columns. Category k of a column is fed to the model as code k.
func (b *Booster) PandasCategories() [][]any {
	out := make([][]any, len(b.pandas))
	for i, c := range b.pandas {
		out[i] = append([]any(nil), c...)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Iterations returns a Booster that predicts with the first n iterations
// only, as LightGBM's predict(num_iteration=n) does; n <= 0 or beyond the
// model keeps them all. A scikit-learn-API model saved with its trees past
// the best iteration predicts with Iterations(best_iteration_).
func (b *Booster) Iterations(n int) *Booster {
	if n <= 0 || n >= b.NumIterations() {
		return b
	}
	c := *b
	c.trees = b.trees[: n*b.treesPerIter : n*b.treesPerIter]
	c.buildTable()
	return &c
}

// PredictRaw writes the raw score of one row into out, which holds
// NumOutputs values, as predict(raw_score=True) does. row holds
// NumFeatures values; NaN is missing.
func (b *Booster) PredictRaw(row, out []float64) error {
	if err := b.checkRow(row, out); err != nil {
		return err
	}
	b.predictRaw(row, out)
	return nil
}

// Predict writes the prediction of one row into out, which holds
// NumOutputs values, as predict() does: probabilities for binary and
// multiclass objectives, the mean for regression.
func (b *Booster) Predict(row, out []float64) error {
	if err := b.checkRow(row, out); err != nil {
		return err
	}
	b.predict(row, out)
	return nil
}

// PredictRawBatch writes the raw scores of the rows held row by row in x
// (len(x) a multiple of NumFeatures) into out (NumOutputs per row).
func (b *Booster) PredictRawBatch(x, out []float64) error {
	n, err := b.checkBatch(x, out)
	if err != nil {
		return err
	}
	b.batchRaw(x, n, out)
	return nil
}

// PredictBatch writes the predictions of the rows held row by row in x
// (len(x) a multiple of NumFeatures) into out (NumOutputs per row).
func (b *Booster) PredictBatch(x, out []float64) error {
	n, err := b.checkBatch(x, out)
	if err != nil {
		return err
	}
	b.batchRaw(x, n, out)
	k := b.treesPerIter
	for i := range n {
		b.finish(out[i*k : (i+1)*k])
	}
	return nil
}

func (b *Booster) checkRow(row, out []float64) error {
	if len(row) != b.NumFeatures() {
		return fmt.Errorf("lightgbm: row has %d values, the model reads %d features", len(row), b.NumFeatures())
	}
	if len(out) != b.treesPerIter {
		return fmt.Errorf("lightgbm: output has room for %d values, the model writes %d", len(out), b.treesPerIter)
	}
	return nil
}

func (b *Booster) checkBatch(x, out []float64) (int, error) {
	nf := b.NumFeatures()
	if nf == 0 || len(x)%nf != 0 {
		return 0, fmt.Errorf("lightgbm: batch of %d values is not a whole number of %d-feature rows", len(x), nf)
	}
	n := len(x) / nf
	if len(out) != n*b.treesPerIter {
		return 0, fmt.Errorf("lightgbm: output has room for %d values, %d rows need %d", len(out), n, n*b.treesPerIter)
	}
	return n, nil
}

// predictRaw sums the trees of every iteration into out, tree by tree in
// file order, as LightGBM does.
func (b *Booster) predictRaw(row, out []float64) {
	k := b.treesPerIter
	clear(out)
	if k == 1 {
		s := 0.0
		for i := range b.trees {
			s += b.trees[i].predict(row)
		}
		out[0] = s
		return
	}
	for i := range b.trees {
		out[i%k] += b.trees[i].predict(row)
	}
}

// batchRaw sums the trees for n rows held row by row in x: through the
// leaf table when the model has one, else tree by tree, so that a tree's
// nodes stay in cache across the rows. Either way each row's sum adds the
// trees in file order, so it equals predictRaw's bit for bit.
func (b *Booster) batchRaw(x []float64, n int, out []float64) {
	if b.table != nil {
		b.tableRaw(x, n, out)
		return
	}
	nf, k := b.NumFeatures(), b.treesPerIter
	clear(out[:n*k])
	kp := b.keys.Get().(*[]int64)
	defer b.keys.Put(kp)
	if cap(*kp) < n*nf {
		*kp = make([]int64, n*nf)
	}
	keys := (*kp)[:n*nf]
	rowKeys(x[:n*nf], keys)
	for t := range b.trees {
		tr := &b.trees[t]
		c := t % k
		r := 0
		if tr.walk != nil && !tr.linear {
			for ; r+4 <= n; r += 4 {
				l0, l1, l2, l3 := tr.leaves4(keys[r*nf:], nf)
				out[r*k+c] += tr.leafValue[l0]
				out[(r+1)*k+c] += tr.leafValue[l1]
				out[(r+2)*k+c] += tr.leafValue[l2]
				out[(r+3)*k+c] += tr.leafValue[l3]
			}
		}
		for ; r < n; r++ {
			out[r*k+c] += tr.predict(x[r*nf : (r+1)*nf])
		}
	}
}

// buildTable sets b's leaf table for its trees.
func (b *Booster) buildTable() {
	b.table = newLeafTable(b.trees, b.NumFeatures(), false)
	b.words = &sync.Pool{New: func() any { return new([]uint64) }}
}

// tableRaw is batchRaw through the leaf table, tableBlock rows at a time.
func (b *Booster) tableRaw(x []float64, n int, out []float64) {
	nf, k := b.NumFeatures(), b.treesPerIter
	clear(out[:n*k])
	kp := b.keys.Get().(*[]int64)
	defer b.keys.Put(kp)
	if cap(*kp) < tableBlock*nf {
		*kp = make([]int64, tableBlock*nf)
	}
	wp := b.words.Get().(*[]uint64)
	defer b.words.Put(wp)
	if nw := tableBlock * b.table.words; cap(*wp) < nw {
		*wp = make([]uint64, nw)
	}
	for r := 0; r < n; r += tableBlock {
		e := min(r+tableBlock, n)
		b.table.blockRaw(b.trees, x[r*nf:e*nf], nf, *kp, *wp, out[r*k:e*k])
	}
}

func (b *Booster) predict(row, out []float64) {
	b.predictRaw(row, out)
	b.finish(out)
}

// finish averages (random forests) and transforms one row's raw scores.
func (b *Booster) finish(out []float64) {
	if b.average {
		n := float64(b.NumIterations())
		for k := range out {
			out[k] /= n
		}
	}
	b.transform.apply(out, b.objective.Sigmoid)
}
