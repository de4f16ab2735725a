package predictor

import (
	"bytes"
	"context"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/linear"
)

// FuzzLoad feeds damaged predictor files to Load: every input must give a
// predictor that scores or an error, never a panic.
func FuzzLoad(f *testing.F) {
	small := mustSmall(f)
	good := mustSave(f, mustFit(f, small, linear.NewLogisticRegression()))
	g := gbdt.NewRegressor()
	g.NEstimators, g.MinDataInLeaf, g.MinDataInBin, g.NumThreads = 3, 2, 1, 1
	reg, err := Fit(context.Background(), small, "age", Spec{Task: ml.TaskRegression, Model: g})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(mustSave(f, reg))
	f.Add([]byte(`{"format_version":1}`))
	f.Add([]byte(`{"format_version":2,"task":"multiclass","classes":["a","b","c"],"cost_matrix":[[0]]}`))
	f.Add([]byte(`{"format_version":1,"learner":"gbdt","classes":["a","b"],"target":"y","model":{"format_version":1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Load(bytes.NewReader(b))
		if err != nil {
			return
		}
		row := make([]any, len(p.InputSchema().Fields))
		switch p.Task {
		case ml.TaskRegression:
			p.PredictValueRow(row)
			p.PredictValueFrame(mustSmall(t))
		default:
			p.PredictProbaRow(row, make([]float64, p.NumClasses()))
			// Inputs the frame lacks are an error; the rest must score.
			p.PredictProbaFrame(mustSmall(t))
		}
	})
}
