package selection

import (
	"context"
	"fmt"
	"math"
)

// CVResult summarises cross-validation scores.
type CVResult struct {
	Scores []float64
	Mean   float64
	Std    float64 // population standard deviation, as scikit-learn reports
}

// CrossValidate calls eval for each fold and summarises the scores.
func CrossValidate(ctx context.Context, folds []Fold, eval func(ctx context.Context, f Fold) (float64, error)) (CVResult, error) {
	if len(folds) == 0 {
		return CVResult{}, fmt.Errorf("cross-validation needs at least one fold")
	}
	var r CVResult
	for i, f := range folds {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		s, err := eval(ctx, f)
		if err != nil {
			return r, fmt.Errorf("fold %d: %w", i, err)
		}
		r.Scores = append(r.Scores, s)
	}
	for _, s := range r.Scores {
		r.Mean += s
	}
	r.Mean /= float64(len(r.Scores))
	for _, s := range r.Scores {
		r.Std += (s - r.Mean) * (s - r.Mean)
	}
	r.Std = math.Sqrt(r.Std / float64(len(r.Scores)))
	return r, nil
}
