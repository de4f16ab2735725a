package tree

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/weir-ml/weir/ml"
)

// Forest holds the settings and fitted state shared by
// RandomForestClassifier and RandomForestRegressor.
type Forest struct {
	Params
	NEstimators int  // number of trees; default 100
	Bootstrap   bool // draw each tree's rows with replacement; the constructors set it
	// MaxSamples is the number of rows drawn per tree when Bootstrap is set:
	// 0 means as many as there are rows, a value in (0, 1] a fraction of
	// them, a larger whole number a count.
	MaxSamples float64
	OOBScore   bool   // score each row with the trees that did not see it
	Seed       uint64 // the forest is the same for a seed whatever Workers is
	Workers    int    // goroutines growing trees; 0 means runtime.GOMAXPROCS(0)
	Progress   ml.Progress

	Trees              []*Tree
	NFeatures          int
	FeatureNames       []string
	FeatureImportances []float64 // mean of the trees' normalised impurity decreases, normalised
	// OOBPrediction is each training row's mean prediction over the trees
	// that did not draw it, NaN when every tree drew it (OOBScore only).
	// For a multiclass classifier it holds K probabilities per row:
	// OOBPrediction[i*K+c].
	OOBPrediction []float64
}

// RandomForestClassifier is a random forest of CART classifiers for labels
// 0..K-1. With two classes PredictProba averages the trees' class-1
// probabilities; with more, PredictProbaMulti averages the trees' leaf class
// distributions, as scikit-learn's predict_proba. The class count is
// Params.NClasses when set, else the largest label plus one.
type RandomForestClassifier struct {
	Forest
	// OOBAccuracy and OOBAUC score OOBPrediction against y on the rows that
	// have one (accuracy at P > 0.5, or of the most probable class, as
	// scikit-learn's oob_score_). OOBAUC is NaN when those rows hold one
	// class only, and for multiclass forests.
	OOBAccuracy, OOBAUC float64
}

// RandomForestRegressor is a random forest of squared-error regression
// trees; Predict averages the trees.
type RandomForestRegressor struct {
	Forest
	OOBR2 float64 // R² of OOBPrediction on the rows that have one
}

// NewRandomForestClassifier returns scikit-learn's defaults: 100 bootstrapped
// Gini trees grown to purity, √p features per split.
func NewRandomForestClassifier() *RandomForestClassifier {
	return &RandomForestClassifier{Forest: Forest{Params: Params{Criterion: Gini, MaxFeatures: "sqrt"}, NEstimators: 100, Bootstrap: true}}
}

// NewRandomForestRegressor returns scikit-learn's defaults: 100 bootstrapped
// squared-error trees, every feature examined at each split.
func NewRandomForestRegressor() *RandomForestRegressor {
	return &RandomForestRegressor{Forest: Forest{Params: Params{Criterion: SquaredError, MaxFeatures: "all"}, NEstimators: 100, Bootstrap: true}}
}

var (
	_ ml.Classifier           = (*RandomForestClassifier)(nil)
	_ ml.MulticlassClassifier = (*RandomForestClassifier)(nil)
	_ ml.RowPredictor         = (*RandomForestClassifier)(nil)
	_ ml.RowProbaPredictor    = (*RandomForestClassifier)(nil)
	_ ml.Regressor            = (*RandomForestRegressor)(nil)
	_ ml.RowPredictor         = (*RandomForestRegressor)(nil)
)

// Fit grows the forest on labels y (class indices 0..K-1) with optional
// sample weights.
func (m *RandomForestClassifier) Fit(ctx context.Context, X *ml.Matrix, y, weights []float64) error {
	k, err := m.fit(ctx, X, y, weights, true, "sqrt")
	if err != nil {
		return fmt.Errorf("random forest classifier: %w", err)
	}
	m.OOBAccuracy, m.OOBAUC = math.NaN(), math.NaN()
	switch {
	case m.OOBScore && k > 2:
		m.OOBAccuracy = oobMulticlassAccuracy(y, m.OOBPrediction, k)
	case m.OOBScore:
		m.OOBAccuracy, m.OOBAUC = oobClassification(y, m.OOBPrediction)
	}
	return nil
}

// PredictProba returns the mean over trees of P(y=1) for each row of X; a
// multiclass forest refuses it.
func (m *RandomForestClassifier) PredictProba(X *ml.Matrix) ([]float64, error) {
	p, err := m.predict(X)
	if err != nil {
		return nil, fmt.Errorf("random forest classifier: %w", err)
	}
	return p, nil
}

// NumClasses returns the number of classes K of the fitted forest: 2 for a
// binary forest, 0 before Fit.
func (m *RandomForestClassifier) NumClasses() int { return numClasses(m.Trees) }

// PredictProbaMulti returns K probabilities per row of X, out[i*K+c] =
// P(y=c): the mean of the trees' leaf distributions, or (1-p, p) for a
// binary forest.
func (m *RandomForestClassifier) PredictProbaMulti(X *ml.Matrix) ([]float64, error) {
	if len(m.Trees) == 0 {
		return nil, fmt.Errorf("random forest classifier: model is not fitted")
	}
	p, err := predictProbaMatrix(m.Trees, m.NFeatures, m.NumClasses(), X, m.workers())
	if err != nil {
		return nil, fmt.Errorf("random forest classifier: %w", err)
	}
	return p, nil
}

// PredictProbaRow writes one row's K class probabilities into out without
// allocating; it writes NaNs when the forest is not fitted, the row is too
// short or len(out) is not K.
func (m *RandomForestClassifier) PredictProbaRow(row []float64, out []float64) {
	if len(m.Trees) == 0 || len(row) < m.NFeatures || len(out) != m.NumClasses() {
		fillNaN(out)
		return
	}
	meanProba(m.Trees, row, out)
}

// Fit grows the forest on targets y with optional sample weights.
func (m *RandomForestRegressor) Fit(ctx context.Context, X *ml.Matrix, y, weights []float64) error {
	if _, err := m.fit(ctx, X, y, weights, false, "all"); err != nil {
		return fmt.Errorf("random forest regressor: %w", err)
	}
	m.OOBR2 = math.NaN()
	if m.OOBScore {
		m.OOBR2 = oobR2(y, m.OOBPrediction)
	}
	return nil
}

// Predict returns the mean of the trees' predictions for each row of X.
func (m *RandomForestRegressor) Predict(X *ml.Matrix) ([]float64, error) {
	p, err := m.predict(X)
	if err != nil {
		return nil, fmt.Errorf("random forest regressor: %w", err)
	}
	return p, nil
}

// PredictRow returns the mean of the trees' predictions for one row without
// allocating, or NaN when the forest is not fitted, the row is too short or
// the forest is multiclass (PredictProbaRow scores those).
func (f *Forest) PredictRow(row []float64) float64 {
	if len(f.Trees) == 0 || len(row) < f.NFeatures || f.Trees[0].Classes != 0 {
		return math.NaN()
	}
	return meanPrediction(f.Trees, row)
}

func (f *Forest) predict(X *ml.Matrix) ([]float64, error) {
	if len(f.Trees) == 0 {
		return nil, fmt.Errorf("model is not fitted")
	}
	if k := f.Trees[0].Classes; k != 0 {
		return nil, fmt.Errorf("model has %d classes: PredictProba gives P(y=1) of binary models, PredictProbaMulti the probabilities of every class", k)
	}
	return predictMatrix(f.Trees, f.NFeatures, X, f.workers())
}

func (f *Forest) workers() int {
	if f.Workers > 0 {
		return f.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// fit grows the forest and returns the class count K (0 for regression).
func (f *Forest) fit(ctx context.Context, X *ml.Matrix, y, weights []float64, classifier bool, defaultMaxFeatures string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	w, k, err := checkXY(X, y, weights, classifier, f.Params, true)
	if err != nil {
		return 0, err
	}
	cfg, err := f.Params.resolve(X.NumCols(), k, defaultMaxFeatures)
	if err != nil {
		return 0, err
	}
	if f.NEstimators == 0 {
		f.NEstimators = 100
	}
	if f.NEstimators < 0 {
		return 0, fmt.Errorf("NEstimators must be positive, got %d", f.NEstimators)
	}
	draws, err := f.draws(X.Rows)
	if err != nil {
		return 0, err
	}
	if f.OOBScore && !f.Bootstrap {
		return 0, fmt.Errorf("OOBScore needs Bootstrap: without it no row is out of bag")
	}
	data, err := binMatrix(X, f.workers())
	if err != nil {
		return 0, err
	}
	trees, inBag, err := f.growTrees(ctx, cfg, data, y, w, draws)
	if err != nil {
		return 0, err
	}
	f.Trees, f.NFeatures, f.FeatureNames = trees, X.NumCols(), cloneNames(X.Names)
	f.FeatureImportances = forestImportances(trees, X.NumCols())
	f.OOBPrediction = nil
	if f.OOBScore {
		f.OOBPrediction = oobPredictions(trees, inBag, data, f.workers())
	}
	return k, nil
}

// draws returns the number of bootstrap draws per tree.
func (f *Forest) draws(n int) (int, error) {
	s := f.MaxSamples
	switch {
	case s == 0:
		return n, nil
	case s > 0 && s <= 1:
		return max(1, int(math.Round(s*float64(n)))), nil
	case s > 1 && s == math.Trunc(s) && s <= float64(n):
		return int(s), nil
	}
	return 0, fmt.Errorf("MaxSamples %v: want 0, a fraction in (0, 1] or a whole count ≤ %d rows", s, n)
}

// growTrees grows the trees on a pool of workers. Tree t's rows and feature
// draws come from generators seeded by (Seed, t) only, so the forest does not
// depend on which worker grew which tree.
func (f *Forest) growTrees(ctx context.Context, cfg growConfig, data *binned, y, w []float64, draws int) ([]*Tree, [][]uint64, error) {
	n, T := data.rows, f.NEstimators
	trees := make([]*Tree, T)
	var inBag [][]uint64
	if f.OOBScore {
		inBag = make([][]uint64, T)
	}
	var next, done atomic.Int64
	var mu sync.Mutex // serialises Progress calls
	var wg sync.WaitGroup
	for range min(f.workers(), T) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := newBuilder(cfg, data)
			tw := make([]float64, n)
			for {
				t := int(next.Add(1) - 1)
				if t >= T || ctx.Err() != nil {
					return
				}
				rng := rand.New(rand.NewPCG(f.Seed, uint64(t)))
				if f.Bootstrap {
					clear(tw)
					for range draws {
						tw[rng.IntN(n)]++
					}
					if inBag != nil {
						inBag[t] = bagBits(tw)
					}
					for i := range tw {
						tw[i] *= w[i]
					}
				} else {
					copy(tw, w)
				}
				trees[t] = b.grow(y, tw, rng.Uint64())
				if f.Progress != nil {
					mu.Lock()
					f.Progress(int(done.Add(1)), T)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return trees, inBag, nil
}

// bagBits returns a bit set of the rows drawn at least once.
func bagBits(counts []float64) []uint64 {
	bits := make([]uint64, (len(counts)+63)/64)
	for i, c := range counts {
		if c > 0 {
			bits[i/64] |= 1 << (i % 64)
		}
	}
	return bits
}

// forestImportances averages the normalised importances of the trees that
// split at least once, then normalises the mean, as scikit-learn does.
func forestImportances(trees []*Tree, p int) []float64 {
	sum := make([]float64, p)
	per := make([]float64, p)
	for _, t := range trees {
		if len(t.Nodes) <= 1 {
			continue
		}
		clear(per)
		t.addImportances(per)
		normalize(per)
		for j, v := range per {
			sum[j] += v
		}
	}
	normalize(sum)
	return sum
}
