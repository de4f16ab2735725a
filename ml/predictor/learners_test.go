package predictor_test

import (
	"bytes"
	"context"
	"math"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/linear"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/ml/tree"
)

// TestRegisteredLearnersRoundTrip fits a predictor with every registered
// multiclass and linear regression learner, saves and loads it, and checks
// that the loaded one scores every row exactly as the fitted one.
func TestRegisteredLearnersRoundTrip(t *testing.T) {
	forest := func() any {
		rf := tree.NewRandomForestClassifier()
		rf.NEstimators, rf.Seed, rf.Workers = 10, 3, 1
		return rf
	}
	for _, tc := range []struct {
		task, target, csv string
		model             func() any
	}{
		{ml.TaskMulticlass, "species", flowersCSV, func() any { return linear.NewLogisticRegression() }},
		{ml.TaskMulticlass, "species", flowersCSV, forest},
		{ml.TaskRegression, "age", regressionCSV, func() any { return linear.NewLinearRegression() }},
		{ml.TaskRegression, "age", regressionCSV, func() any { return linear.NewRidge() }},
	} {
		f := mustFrame(t, tc.csv)
		p, err := predictor.Fit(context.Background(), f, tc.target, predictor.Spec{Task: tc.task, Model: tc.model()})
		if err != nil {
			t.Fatalf("%s %T: %v", tc.task, tc.model(), err)
		}
		var buf bytes.Buffer
		if err := p.Save(&buf); err != nil {
			t.Fatal(err)
		}
		q, err := predictor.Load(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("%s %T: load: %v", tc.task, tc.model(), err)
		}
		var got, want []float64
		if tc.task == ml.TaskRegression {
			want, err = p.PredictValueFrame(f)
			if err == nil {
				got, err = q.PredictValueFrame(f)
			}
		} else {
			want, _, err = p.PredictProbaFrame(f)
			if err == nil {
				got, _, err = q.PredictProbaFrame(f)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(got) == 0 {
			t.Fatalf("%s %T: %d scores after a round trip, want %d", tc.task, tc.model(), len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] || math.IsNaN(got[i]) {
				t.Fatalf("%s %T: score %d = %v after a round trip, want %v", tc.task, tc.model(), i, got[i], want[i])
			}
		}
	}
}
