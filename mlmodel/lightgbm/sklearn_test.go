package lightgbm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

// sklearnExpected is the expected.json of a scikit-learn-API fixture.
type sklearnExpected struct {
	BestIteration int `json:"best_iteration"`
	Classes       []any
	Rows          [][]any
	Labels        []any
	Proba         [][]any
}

// TestNewScorerMatchesSklearnAPI wraps the Booster text of LightGBM's
// scikit-learn classifiers, as their skops files hold it, with the
// wrapper's classes, and checks labels against its predict and
// probabilities against its predict_proba.
func TestNewScorerMatchesSklearnAPI(t *testing.T) {
	for _, name := range []string{"sklearn_binary", "sklearn_multiclass"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(fixtures, name)
			raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			var e sklearnExpected
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatal(err)
			}
			b := mustParse(t, filepath.Join(dir, "model.txt")).Iterations(e.BestIteration)
			inputs := make([]mlmodel.Input, b.NumFeatures())
			for j, n := range b.FeatureNames() {
				inputs[j] = mlmodel.Input{Name: n, Kind: frame.Float, Required: true}
			}
			out := mlmodel.Output{Task: ml.TaskMulticlass, Classes: e.Classes, Predict: mlmodel.PredictLabel}
			if len(e.Classes) == 2 {
				out.Task = ml.TaskBinary
			}
			s, err := NewScorer(b, inputs, out)
			if err != nil {
				t.Fatal(err)
			}
			rows := make([][]any, len(e.Rows))
			for i, r := range e.Rows {
				rows[i] = make([]any, len(r))
				for j, v := range r {
					rows[i][j] = cellFloat(t, v)
				}
			}
			k := len(e.Classes)
			var sc mlmodel.Scores
			sc.Resize(len(rows), k)
			if err := s.Score(rows, &sc); err != nil {
				t.Fatal(err)
			}
			proba := wantFloats(t, e.Proba)
			for i := range rows {
				if got, want := e.Classes[sc.Label[i]], e.Labels[i]; got != want {
					t.Errorf("row %d: label got %v, want %v", i, got, want)
				}
				for c := range k {
					if got, want := sc.Proba[i*k+c], proba[i][c]; !near(got, want) {
						t.Errorf("row %d class %d: got %.17g, want %.17g", i, c, got, want)
					}
				}
			}
		})
	}
}

func TestNewScorerRefuses(t *testing.T) {
	b := mustParseString(t, small)
	in2 := []mlmodel.Input{{Name: "a", Kind: frame.Float}, {Name: "b", Kind: frame.Float}}
	tests := []struct {
		name   string
		inputs []mlmodel.Input
		out    mlmodel.Output
	}{
		{"too few inputs", in2[:1], mlmodel.Output{Task: ml.TaskRegression}},
		{"binary without classes", in2, mlmodel.Output{Task: ml.TaskBinary}},
		{"multiclass of one output", in2, mlmodel.Output{Task: ml.TaskMulticlass, Classes: []any{"a", "b", "c"}}},
		{"unknown task", in2, mlmodel.Output{Task: "ranking"}},
		{"time input", []mlmodel.Input{{Name: "a", Kind: frame.Time}, {Name: "b"}}, mlmodel.Output{Task: ml.TaskRegression}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewScorer(b, tt.inputs, tt.out); err == nil {
				t.Error("NewScorer succeeded, want an error")
			}
		})
	}
}

func TestScoreReportsBadCells(t *testing.T) {
	b := mustParseString(t, small)
	s, err := NewScorer(b, []mlmodel.Input{{Name: "a", Kind: frame.Float}, {Name: "b", Kind: frame.Float}},
		mlmodel.Output{Task: ml.TaskBinary, Classes: []any{int64(0), int64(1)}, Predict: mlmodel.PredictProba})
	if err != nil {
		t.Fatal(err)
	}
	var sc mlmodel.Scores
	sc.Resize(2, 2)
	for _, rows := range [][][]any{
		{{0.1, 1.0}, {0.2, "x"}},
		{{0.1, 1.0}, {0.2}},
	} {
		if err := s.Score(rows, &sc); err == nil {
			t.Errorf("Score(%v) succeeded, want an error", rows)
		}
	}
	sc.Resize(1, 2)
	if err := s.Score([][]any{{0.1, 1.0}, {0.2, 2.0}}, &sc); err == nil {
		t.Error("Score into too small Scores succeeded")
	}
	// Booleans and integers read as numbers, nil as missing.
	sc.Resize(3, 2)
	if err := s.Score([][]any{{true, int64(1)}, {nil, nil}, {false, 3.0}}, &sc); err != nil {
		t.Fatal(err)
	}
}

// TestScoreConcurrently scores from several goroutines at once, which
// the scoring server does; run with -race.
func TestScoreConcurrently(t *testing.T) {
	dir := filepath.Join(fixtures, "pandas_categorical")
	s := mustOpen(t, dir)
	e := mustExpected(t, dir)
	inputs := s.Inputs()
	rows := make([][]any, len(e.Rows))
	for i, r := range e.Rows {
		rows[i] = make([]any, len(r))
		for j, v := range r {
			rows[i][j] = requestCell(t, v, inputs[j].Kind)
		}
	}
	want := wantFloats(t, e.Predict)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			var sc mlmodel.Scores
			for range 50 {
				sc.Resize(len(rows), 2)
				if err := s.Score(rows, &sc); err != nil {
					errs <- err
					return
				}
				for i := range rows {
					if !near(sc.Value[i], want[i][0]) {
						errs <- fmt.Errorf("row %d: got %v, want %v", i, sc.Value[i], want[i][0])
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
