package serve

import (
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

// missingScorer is an mlmodel.Scorer double over two optional double
// columns that predicts the number of missing cells in each row.
type missingScorer struct{}

var _ mlmodel.Scorer = missingScorer{}

func (missingScorer) Inputs() []mlmodel.Input {
	return []mlmodel.Input{{Name: "a", Kind: frame.Float}, {Name: "b", Kind: frame.Float}}
}

func (missingScorer) Output() mlmodel.Output {
	return mlmodel.Output{Task: ml.TaskRegression, Predict: mlmodel.PredictValue}
}

func (missingScorer) Score(rows [][]any, out *mlmodel.Scores) error {
	for i, r := range rows {
		out.Value[i] = 0
		for _, v := range r {
			if v == nil {
				out.Value[i]++
			}
		}
	}
	return nil
}

// TestScorerModelReusesRows checks that a request to a ScorerModel, whose
// rows are decoded into memory kept from earlier requests, sees its own
// missing cells as missing, not the values an earlier request left.
func TestScorerModelReusesRows(t *testing.T) {
	m, err := NewScorerModel(missingScorer{})
	if err != nil {
		t.Fatal(err)
	}
	s := mustServer(t, &Loaded{Model: m, Name: "m", Version: "1", Output: m.Output()}, nil)
	tests := []struct{ body, want string }{
		{`{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2], [3, 4]]}}`, `{"predictions":[0,0]}`},
		{`{"dataframe_split": {"columns": ["a", "b"], "data": [[1, null], [null, 4]]}}`, `{"predictions":[1,1]}`},
		{`{"dataframe_split": {"columns": ["a"], "data": [[1], [2], [3]]}}`, `{"predictions":[1,1,1]}`},
		{`{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2], [3, 4]]}}`, `{"predictions":[0,0]}`},
	}
	for i, tt := range tests {
		got := do(t, s.Handler(), "POST", "/invocations", "application/json", tt.body)
		if got.code != 200 || got.body != tt.want {
			t.Errorf("request %d: got %d %s, want 200 %s", i, got.code, got.body, tt.want)
		}
	}
}
