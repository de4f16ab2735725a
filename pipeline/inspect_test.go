package pipeline

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/inspect"
	"github.com/weir-ml/weir/ml/predictor"
)

// TestImportanceShufflesAsInspect checks the frame adapter against
// ml/inspect on the plain matrix of the same numeric columns: a shuffled
// column of row numbers must give each row the value a shuffled column of
// values gives it, so every drop agrees exactly (inspect itself is checked
// against scikit-learn's permutation_importance).
func TestImportanceShufflesAsInspect(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n := 400
	x1, x2, y := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		x1[i], x2[i] = r.NormFloat64(), r.NormFloat64()
		if x1[i]+0.3*x2[i]+0.5*r.NormFloat64() > 0 {
			y[i] = 1
		}
	}
	f, err := frame.New([]string{"x1", "x2", "y"}, []frame.Column{&frame.FloatColumn{Values: x1}, &frame.FloatColumn{Values: x2}, &frame.FloatColumn{Values: y}})
	if err != nil {
		t.Fatal(err)
	}
	g := gbdt.NewClassifier()
	g.NEstimators, g.NumThreads = 20, 1
	p, err := predictor.Fit(context.Background(), f, "y", predictor.Spec{Model: g})
	if err != nil {
		t.Fatal(err)
	}
	hold, err := f.Select("x1", "x2")
	if err != nil {
		t.Fatal(err)
	}
	score, rows, got, err := importance(context.Background(), p, ml.TaskBinary, 2, hold, y, 9)
	if err != nil {
		t.Fatal(err)
	}
	if score != "roc_auc" || rows != n || len(got) != 2 {
		t.Fatalf("importance of %s over %d rows: %+v", score, rows, got)
	}
	X := &ml.Matrix{Rows: n, Names: []string{"x1", "x2"}, Cols: [][]float64{x1, x2}}
	predict := func(X *ml.Matrix) ([]float64, error) {
		g, err := frame.New(X.Names, []frame.Column{&frame.FloatColumn{Values: X.Cols[0]}, &frame.FloatColumn{Values: X.Cols[1]}})
		if err != nil {
			return nil, err
		}
		proba, _, err := p.PredictFrame(g)
		return proba, err
	}
	want, err := inspect.Permutation(context.Background(), predict, X, y, nil, inspect.Options{NRepeats: importanceRepeats, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range want.Importances {
		for _, g := range got {
			// Same rows, same shuffles, same model: equal to rounding.
			if g.Column == fi.Name && (math.Abs(g.Mean-fi.Mean) > 1e-12 || math.Abs(g.Std-fi.Std) > 1e-12) {
				t.Errorf("%s: got %.6f ± %.6f, want %.6f ± %.6f (ml/inspect)", fi.Name, g.Mean, g.Std, fi.Mean, fi.Std)
			}
		}
	}
	if got[0].Column != "x1" || got[0].Mean <= got[1].Mean {
		t.Errorf("ranking %+v, want x1 first", got)
	}
}
