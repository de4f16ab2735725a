package predictor_test

import (
	"bytes"
	"context"
	"math"
	"strings"
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

func TestRegressionOffset(t *testing.T) {
	f := mustFrame(t, regressionCSV)
	p, err := predictor.Fit(context.Background(), f, "age", predictor.Spec{Task: ml.TaskRegression, Model: linear.NewRidge()})
	if err != nil {
		t.Fatal(err)
	}
	base, err := p.PredictValueFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.Save(&buf); err != nil {
		t.Fatal(err)
	}
	shifted := strings.Replace(buf.String(), `"task":"regression"`, `"task":"regression","offset":2.5`, 1)
	q, err := predictor.Load(strings.NewReader(shifted))
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.PredictValueFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != base[i]+2.5 {
			t.Fatalf("row %d: %v, want %v + 2.5", i, got[i], base[i])
		}
	}
	var again bytes.Buffer
	if err := q.Save(&again); err != nil || !strings.Contains(again.String(), `"offset":2.5`) {
		t.Errorf("saved again without its offset: %v", err)
	}
	mc := save(t, mustMulticlass(t, nil))
	bad := strings.Replace(string(mc), `"task":"multiclass"`, `"task":"multiclass","offset":1`, 1)
	if _, err := predictor.Load(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "only a regression predictor") {
		t.Errorf("a multiclass predictor with an offset: %v", err)
	}
}
