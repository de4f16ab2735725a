// Package inspect explains fitted models. Permutation measures how much a
// model's score drops when one feature's values are shuffled, with the
// definitions of scikit-learn's permutation_importance.
package inspect

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/metrics"
)

// Predictor scores the rows of X: a classifier's PredictProba or a
// regressor's Predict (pass the method value). Permutation calls it from
// several goroutines at once unless Options.Workers is 1.
type Predictor func(X *ml.Matrix) ([]float64, error)

// Scorer compares predictions with targets; larger must mean better (wrap a
// loss with Negate). metrics.ROCAUC and metrics.AveragePrecision fit as is.
type Scorer func(y, pred, weights []float64) (float64, error)

// Negate turns a loss (smaller is better), such as metrics.LogLoss, into a
// Scorer.
func Negate(loss Scorer) Scorer {
	return func(y, pred, weights []float64) (float64, error) {
		v, err := loss(y, pred, weights)
		return -v, err
	}
}

// Options configure Permutation.
type Options struct {
	Score    Scorer // default metrics.ROCAUC
	NRepeats int    // shuffles per feature; default 5
	Seed     uint64 // the result is the same for a seed whatever Workers is
	Workers  int    // features scored at once; 0 means runtime.GOMAXPROCS(0)
	// Features restricts the work to these column indexes; nil means all.
	Features []int
}

// FeatureImportance is the score drop of one feature.
type FeatureImportance struct {
	Feature int    // column index in X
	Name    string // X.Names[Feature], or "" when X has no names
	// Drops holds baseline − permuted score for each repeat; Mean and Std
	// are their mean and population standard deviation, as scikit-learn's
	// importances_mean and importances_std.
	Drops     []float64
	Mean, Std float64
}

// Result is the outcome of Permutation.
type Result struct {
	Baseline    float64 // score on the unshuffled data
	Importances []FeatureImportance
}

// Permutation returns the permutation importance of each feature of X for
// the model behind predict. Each repeat shuffles one column in a copy of
// it, so X is never modified and the other columns are shared.
func Permutation(ctx context.Context, predict Predictor, X *ml.Matrix, y, weights []float64, opt Options) (*Result, error) {
	if predict == nil || X == nil {
		return nil, fmt.Errorf("permutation importance: predict and X are required")
	}
	if err := X.Check(); err != nil {
		return nil, fmt.Errorf("permutation importance: %w", err)
	}
	if len(y) != X.Rows {
		return nil, fmt.Errorf("permutation importance: y has %d values, X has %d rows", len(y), X.Rows)
	}
	if opt.Score == nil {
		opt.Score = metrics.ROCAUC
	}
	if opt.NRepeats == 0 {
		opt.NRepeats = 5
	}
	if opt.NRepeats < 0 {
		return nil, fmt.Errorf("permutation importance: NRepeats must be positive, got %d", opt.NRepeats)
	}
	features := opt.Features
	if features == nil {
		features = make([]int, X.NumCols())
		for j := range features {
			features[j] = j
		}
	}
	for _, j := range features {
		if j < 0 || j >= X.NumCols() {
			return nil, fmt.Errorf("permutation importance: feature %d is not a column of X (%d columns)", j, X.NumCols())
		}
	}
	baseline, err := score(predict, opt.Score, X, y, weights)
	if err != nil {
		return nil, fmt.Errorf("permutation importance: baseline: %w", err)
	}
	res := &Result{Baseline: baseline, Importances: make([]FeatureImportance, len(features))}
	errs := make([]error, len(features))
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(features)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				res.Importances[k], errs[k] = permuteFeature(ctx, predict, opt, X, y, weights, features[k], baseline)
			}
		}()
	}
	for k := range features {
		next <- k
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("permutation importance: %w", err)
		}
	}
	return res, nil
}

// permuteFeature scores NRepeats shuffles of column j. Its shuffles come
// from a generator seeded by (Seed, j) only, so they do not depend on which
// worker runs it.
func permuteFeature(ctx context.Context, predict Predictor, opt Options, X *ml.Matrix, y, weights []float64, j int, baseline float64) (FeatureImportance, error) {
	fi := FeatureImportance{Feature: j, Drops: make([]float64, opt.NRepeats)}
	if X.Names != nil {
		fi.Name = X.Names[j]
	}
	rng := rand.New(rand.NewPCG(opt.Seed, uint64(j)))
	shuffled := *X
	shuffled.Cols = append([][]float64(nil), X.Cols...)
	col := append([]float64(nil), X.Cols[j]...)
	shuffled.Cols[j] = col
	for r := range fi.Drops {
		if err := ctx.Err(); err != nil {
			return fi, err
		}
		rng.Shuffle(len(col), func(a, b int) { col[a], col[b] = col[b], col[a] })
		s, err := score(predict, opt.Score, &shuffled, y, weights)
		if err != nil {
			return fi, fmt.Errorf("feature %d: %w", j, err)
		}
		fi.Drops[r] = baseline - s
	}
	for _, d := range fi.Drops {
		fi.Mean += d
	}
	fi.Mean /= float64(len(fi.Drops))
	for _, d := range fi.Drops {
		fi.Std += (d - fi.Mean) * (d - fi.Mean)
	}
	fi.Std = math.Sqrt(fi.Std / float64(len(fi.Drops)))
	return fi, nil
}

func score(predict Predictor, s Scorer, X *ml.Matrix, y, weights []float64) (float64, error) {
	p, err := predict(X)
	if err != nil {
		return 0, err
	}
	return s(y, p, weights)
}
