package serve

import (
	"fmt"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

// fakeScorer is a hand-written mlmodel.Scorer double over one double column
// x: a regressor predicts 2x; a classifier of K classes gives class
// floor(x) mod K probability 0.7 and shares the rest evenly.
type fakeScorer struct {
	out mlmodel.Output
}

var _ mlmodel.Scorer = (*fakeScorer)(nil)

func (f *fakeScorer) Inputs() []mlmodel.Input {
	return []mlmodel.Input{{Name: "x", Kind: frame.Float, Required: true}}
}

func (f *fakeScorer) Output() mlmodel.Output { return f.out }

func (f *fakeScorer) Score(rows [][]any, out *mlmodel.Scores) error {
	k := len(f.out.Classes)
	for i, r := range rows {
		x, ok := r[0].(float64)
		if !ok {
			return fmt.Errorf("row %d: x is %T", i, r[0])
		}
		if f.out.Predict == mlmodel.PredictRaw {
			out.Raw[i] = fmt.Appendf(out.Raw[i][:0], `{"twice":%g}`, 2*x)
			continue
		}
		if k == 0 {
			out.Value[i] = 2 * x
			continue
		}
		c := int(x) % k
		for j := range k {
			out.Proba[i*k+j] = 0.3 / float64(k-1)
		}
		out.Proba[i*k+c] = 0.7
		out.Label[i] = c
		out.Value[i] = out.Proba[i*k+1]
	}
	return nil
}

func TestScorerModelAnswers(t *testing.T) {
	tests := []struct {
		name           string
		out            mlmodel.Output
		invocations    string
		oip            string
		oipOutputsMeta string
	}{{
		name:        "regression value",
		out:         mlmodel.Output{Task: ml.TaskRegression, Predict: mlmodel.PredictValue},
		invocations: `{"predictions":[2,5]}`,
		oip:         `"outputs":[{"name":"prediction","datatype":"FP64","shape":[2],"data":[2,5]}]}`,
	}, {
		name:        "binary labels typed as the model holds them",
		out:         mlmodel.Output{Task: ml.TaskBinary, Classes: []any{int64(0), int64(1)}, Predict: mlmodel.PredictLabel},
		invocations: `{"predictions":[1,0]}`,
		oip:         `"outputs":[{"name":"probability","datatype":"FP64","shape":[2],"data":[0.7,0.3]},{"name":"label","datatype":"BYTES","shape":[2],"data":["1","0"]}]}`,
	}, {
		name:        "binary probability",
		out:         mlmodel.Output{Task: ml.TaskBinary, Classes: []any{"no", "yes"}, Predict: mlmodel.PredictProba},
		invocations: `{"predictions":[0.7,0.3]}`,
		oip:         `"outputs":[{"name":"probability","datatype":"FP64","shape":[2],"data":[0.7,0.3]},{"name":"label","datatype":"BYTES","shape":[2],"data":["yes","no"]}]}`,
	}, {
		name:        "multiclass labels",
		out:         mlmodel.Output{Task: ml.TaskMulticlass, Classes: []any{"a", "b", "c"}, Predict: mlmodel.PredictLabel},
		invocations: `{"predictions":["b","c"]}`,
		oip:         `"outputs":[{"name":"probability","datatype":"FP64","shape":[2,3],"data":[0.15,0.7,0.15,0.15,0.15,0.7]},{"name":"label","datatype":"BYTES","shape":[2],"data":["b","c"]}]}`,
	}, {
		name:        "binary probabilities of both classes (predict_proba)",
		out:         mlmodel.Output{Task: ml.TaskBinary, Classes: []any{"no", "yes"}, Predict: mlmodel.PredictProba, AllClasses: true},
		invocations: `{"predictions":[[0.3,0.7],[0.7,0.3]]}`,
	}, {
		name:        "raw JSON of a model's own",
		out:         mlmodel.Output{Predict: mlmodel.PredictRaw},
		invocations: `{"predictions":[{"twice":2},{"twice":5}]}`,
		oip:         `"outputs":[{"name":"prediction","datatype":"BYTES","shape":[2],"data":["{\"twice\":2}","{\"twice\":5}"]}]}`,
	}, {
		name:        "multiclass probabilities",
		out:         mlmodel.Output{Task: ml.TaskMulticlass, Classes: []any{"a", "b", "c"}, Predict: mlmodel.PredictProba},
		invocations: `{"predictions":[[0.15,0.7,0.15],[0.15,0.15,0.7]]}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewScorerModel(&fakeScorer{out: tt.out})
			if err != nil {
				t.Fatal(err)
			}
			s := mustServer(t, &Loaded{Model: m, Name: "m", Version: "1", Output: m.Output()}, nil)
			r := do(t, s.Handler(), "POST", "/invocations", "application/json", `{"dataframe_split":{"columns":["x"],"data":[[1.0],[2.5]]}}`)
			if r.code != 200 || r.body != tt.invocations {
				t.Errorf("invocations: got %d %s, want 200 %s", r.code, r.body, tt.invocations)
			}
			if tt.oip == "" {
				return
			}
			r = do(t, s.Handler(), "POST", "/v2/models/m/infer", "application/json", `{"id":"q","inputs":[{"name":"x","shape":[2],"datatype":"FP64","data":[1,2.5]}]}`)
			want := `{"model_name":"m","model_version":"1","id":"q",` + tt.oip
			if r.code != 200 || r.body != want {
				t.Errorf("OIP: got %d %s, want 200 %s", r.code, r.body, want)
			}
		})
	}
}

func TestScorerModelRefuses(t *testing.T) {
	tests := []struct {
		name string
		out  mlmodel.Output
	}{
		{"no task", mlmodel.Output{Predict: mlmodel.PredictValue}},
		{"one class", mlmodel.Output{Task: ml.TaskBinary, Classes: []any{"a"}, Predict: mlmodel.PredictLabel}},
		{"regressor predicting labels", mlmodel.Output{Task: ml.TaskRegression, Predict: mlmodel.PredictLabel}},
		{"unknown predict", mlmodel.Output{Task: ml.TaskBinary, Classes: []any{"a", "b"}, Predict: "records"}},
		{"class of another type", mlmodel.Output{Task: ml.TaskBinary, Classes: []any{"a", []int{1}}, Predict: mlmodel.PredictLabel}},
	}
	for _, tt := range tests {
		if _, err := NewScorerModel(&fakeScorer{out: tt.out}); err == nil {
			t.Errorf("%s: NewScorerModel accepted %+v", tt.name, tt.out)
		}
	}
}
