package gbdt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/weir-ml/weir/ml"
)

// Fit trains the model on X and labels y (0/1 for a classifier), with
// optional non-negative sample weights. It replaces any earlier fit. ctx
// cancels training between and within iterations.
func (m *Model) Fit(ctx context.Context, X *ml.Matrix, y, weights []float64) error {
	p := m.Params
	if err := m.checkFitInput(X, y, weights, &p); err != nil {
		return err
	}
	d, err := newDataset(ctx, X, &p)
	if err != nil {
		return err
	}
	obj, err := newObjective(&p, y, weights)
	if err != nil {
		return err
	}
	t := &trainer{m: m, p: &p, X: X, d: d, obj: obj, l: newLearner(&p, d)}
	trees, err := t.run(ctx)
	if err != nil {
		return err
	}
	m.InitScore = obj.initial
	if p.Objective == Multiclass {
		m.NumClass = obj.k
	}
	m.Trees = trees
	m.NumFeatures = X.NumCols()
	m.FeatureNames = slices.Clone(X.Names)
	m.BestIteration = t.best
	m.ValidHistory = t.history
	m.fast = newTableScorer(m.Trees, m.NumFeatures)
	return nil
}

func (m *Model) checkFitInput(X *ml.Matrix, y, w []float64, p *Params) error {
	if X == nil {
		return errors.New("gbdt: nil matrix")
	}
	if err := X.Check(); err != nil {
		return fmt.Errorf("gbdt: %w", err)
	}
	if X.Rows == 0 || X.NumCols() == 0 {
		return fmt.Errorf("gbdt: cannot fit on a %d×%d matrix", X.Rows, X.NumCols())
	}
	if len(y) != X.Rows {
		return fmt.Errorf("gbdt: %d labels for %d rows", len(y), X.Rows)
	}
	if w != nil && len(w) != X.Rows {
		return fmt.Errorf("gbdt: %d weights for %d rows", len(w), X.Rows)
	}
	if err := p.validate(X.NumCols()); err != nil {
		return err
	}
	if m.ValidX == nil {
		if p.EarlyStoppingRounds > 0 {
			return errors.New("gbdt: early stopping needs validation data (ValidX, ValidY)")
		}
		return nil
	}
	if err := m.ValidX.Check(); err != nil {
		return fmt.Errorf("gbdt: validation matrix: %w", err)
	}
	if m.ValidX.NumCols() != X.NumCols() {
		return fmt.Errorf("gbdt: validation matrix has %d columns, training has %d", m.ValidX.NumCols(), X.NumCols())
	}
	if len(m.ValidY) != m.ValidX.Rows || (m.ValidWeights != nil && len(m.ValidWeights) != m.ValidX.Rows) {
		return fmt.Errorf("gbdt: validation labels or weights do not match its %d rows", m.ValidX.Rows)
	}
	for i, v := range m.ValidY {
		if math.IsNaN(v) || (p.Objective == Binary && v != 0 && v != 1) ||
			(p.Objective == Multiclass && (v < 0 || v != math.Trunc(v) || v >= maxClasses)) {
			return fmt.Errorf("gbdt: validation label %d is %v", i, v)
		}
	}
	return nil
}

// trainer holds the state of one Fit.
type trainer struct {
	m   *Model
	p   *Params
	X   *ml.Matrix
	d   *dataset
	obj *objective
	l   *learner

	score, g, h []float64
	bag, oob    []int32

	inits      []float64 // starting score of each class
	validScore []float64
	history    []float64
	best       int
}

func (t *trainer) run(ctx context.Context) ([]*Tree, error) {
	p, n, k := t.p, t.X.Rows, t.obj.k
	t.score = make([]float64, n*k)
	t.g, t.h = make([]float64, n*k), make([]float64, n*k)
	var nv int
	if t.m.ValidX != nil {
		nv = t.m.ValidX.Rows
		t.validScore = make([]float64, nv*k)
	}
	// A multiclass model folds each class's starting score into its first
	// tree, as LightGBM does, so its validation scores start from 0.
	t.inits = make([]float64, k)
	for c := range k {
		init := t.obj.initial
		if k > 1 {
			init = 0
			if p.BoostFromAverage {
				if init = t.obj.classInit(c); math.Abs(init) <= kEpsilon {
					init = 0
				}
			}
		}
		t.inits[c] = init
		fill(t.score[c*n:(c+1)*n], init)
		if k == 1 {
			fill(t.validScore, init)
		}
	}
	sd := streamSeeds(p.Seed)
	var bags *bagger
	if p.BaggingFraction < 1 && p.BaggingFreq > 0 {
		bags = newBagger(n, p.BaggingFraction, sd.bagging)
	}
	var featSampler *featureSampler
	if p.FeatureFraction < 1 {
		featSampler = newFeatureSampler(len(t.d.used), p.FeatureFraction, sd.feature)
	}
	threads := p.threads()
	var trees []*Tree
	bestValue, bestIter := 0.0, -1
	for it := 0; it < p.NEstimators; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		forBlocks(n, threads, func(lo, hi int) { t.obj.gradients(t.score, t.g, t.h, lo, hi) })
		if bags != nil && it%p.BaggingFreq == 0 {
			t.bag, t.oob = bags.draw(n, t.bag, t.oob)
		}
		grown := false
		for c := range k {
			feats := t.d.used
			if featSampler != nil {
				feats = featSampler.next(t.d.used)
			}
			tree, err := t.growClass(ctx, c, it, feats)
			if err != nil {
				return nil, err
			}
			if tree == nil {
				if k == 1 {
					break
				}
				// LightGBM keeps a class that cannot split as a constant
				// tree, carrying its starting score in the first iteration;
				// without boost_from_average it gives the class its
				// starting score there all the same.
				tree = &Tree{leafValue: []float64{0}, leafCount: []int{n}}
				if it == 0 {
					if !p.BoostFromAverage {
						t.inits[c] = t.obj.classInit(c)
						for i := range n {
							t.score[c*n+i] += t.inits[c]
						}
					}
					tree.leafValue[0] = t.inits[c]
				}
			} else {
				grown = true
			}
			trees = append(trees, tree)
			if t.validScore != nil {
				t.addValid(tree, t.validScore[c*nv:(c+1)*nv], threads)
			}
		}
		if !grown {
			// No leaf can be split any more: further trees would be
			// identical. Like LightGBM, keep a multiclass model's first
			// constant trees, which hold the starting scores.
			if it > 0 {
				trees = trees[:it*k]
			}
			break
		}
		stop := false
		if t.validScore != nil {
			v, higher := evalMetric(p, k, t.validScore, t.m.ValidY, t.m.ValidWeights)
			t.history = append(t.history, v)
			if bestIter < 0 || (higher && v > bestValue) || (!higher && v < bestValue) {
				bestValue, bestIter = v, it
			}
			stop = p.EarlyStoppingRounds > 0 && it-bestIter >= p.EarlyStoppingRounds
		}
		if t.m.Progress != nil {
			t.m.Progress(it+1, p.NEstimators)
		}
		if stop {
			break
		}
	}
	if p.EarlyStoppingRounds > 0 && bestIter >= 0 {
		// Keep the trees up to the best validation score, as LightGBM's
		// best_iteration does, whether or not training stopped early.
		trees = trees[:(bestIter+1)*k]
		t.best = bestIter + 1
	}
	return trees, nil
}

// growClass grows iteration it's tree for class c (the only class unless
// multiclass) and adds it to the training scores. It returns nil when the
// class gets no split this iteration.
func (t *trainer) growClass(ctx context.Context, c, it int, feats []int) (*Tree, error) {
	n := t.X.Rows
	if t.obj.k > 1 && !t.obj.classNeedsTrees(c) {
		return nil, nil
	}
	g, h := t.g[c*n:(c+1)*n], t.h[c*n:(c+1)*n]
	tree, err := t.l.grow(ctx, g, h, t.bag, feats)
	if err != nil {
		return nil, err
	}
	if len(tree.nodes) == 0 {
		return nil, nil
	}
	score := t.score[c*n : (c+1)*n]
	if t.p.Objective == RegressionL1 {
		t.renewL1(tree, score)
	}
	for i := range tree.leafValue {
		tree.leafValue[i] *= t.p.LearningRate
	}
	if !tree.finite() {
		return nil, errors.New("gbdt: training diverged (non-finite leaf value)")
	}
	t.addTree(tree, score)
	if t.obj.k > 1 && it == 0 && t.inits[c] != 0 {
		for i := range tree.leafValue {
			tree.leafValue[i] += t.inits[c]
		}
	}
	return tree, nil
}

// renewL1 sets each leaf to the median residual (label minus score) of
// its rows, the exact minimiser of absolute error that the Newton step on
// sign gradients only approximates; LightGBM does the same. Leaves are
// independent, so they are refitted in parallel.
func (t *trainer) renewL1(tree *Tree, score []float64) {
	_ = parallelFor(context.Background(), len(t.l.leaves), t.p.threads(), func(i int) {
		lf := t.l.leaves[i]
		rows := t.l.idx[lf.start : lf.start+lf.n]
		if len(rows) == 0 {
			tree.leafValue[i] = 0
			return
		}
		vals := make([]float64, len(rows))
		for k, r := range rows {
			vals[k] = t.obj.y[r] - score[r]
		}
		if t.obj.w == nil {
			tree.leafValue[i] = median(vals)
			return
		}
		ws := make([]float64, len(rows))
		for k, r := range rows {
			ws[k] = float64(float32(t.obj.w[r]))
		}
		tree.leafValue[i] = weightedMedian(vals, ws)
	})
}

func fill(s []float64, v float64) {
	for i := range s {
		s[i] = v
	}
}

// addTree adds the new tree's output to the training scores of its class:
// rows it was grown on take their leaf from the learner's partition, rows
// left out by bagging are run through the tree.
func (t *trainer) addTree(tree *Tree, score []float64) {
	for i, lf := range t.l.leaves {
		v := tree.leafValue[i]
		for _, r := range t.l.idx[lf.start : lf.start+lf.n] {
			score[r] += v
		}
	}
	if t.bag != nil {
		for _, r := range t.oob {
			score[r] += tree.leafValue[tree.leafOfCol(t.X.Cols, int(r))]
		}
	}
}

// addValid adds a tree's output to validation scores of its class.
func (t *trainer) addValid(tree *Tree, score []float64, threads int) {
	V := t.m.ValidX
	forBlocks(V.Rows, threads, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			score[r] += tree.leafValue[tree.leafOfCol(V.Cols, r)]
		}
	})
}

// forBlocks runs f over [0, n) cut into fixed blocks on up to threads
// goroutines. Block boundaries depend only on n, and f writes only its own
// rows, so results never depend on the thread count.
func forBlocks(n, threads int, f func(lo, hi int)) {
	const block = 1 << 14
	if threads <= 1 || n <= block {
		f(0, n)
		return
	}
	blocks := (n + block - 1) / block
	var wg sync.WaitGroup
	next := make(chan int, blocks)
	for b := 0; b < blocks; b++ {
		next <- b
	}
	close(next)
	for w := 0; w < min(threads, blocks); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				f(b*block, min(n, (b+1)*block))
			}
		}()
	}
	wg.Wait()
}
