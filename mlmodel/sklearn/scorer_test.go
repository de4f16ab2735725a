package sklearn

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

func buildFixture(t testing.TB, name string) Estimator {
	t.Helper()
	tt, ok := t.(*testing.T)
	if !ok {
		tt = &testing.T{}
	}
	_, est := loadFixture(tt, fixturePath(name))
	return est
}

func TestDefaultInputs(t *testing.T) {
	tests := []struct {
		fixture string
		want    string // name:kind of each input
	}{
		{"mixed_logreg", "age:float income:float visits:float city:categorical plan:categorical"},
		{"variant_ordinal", "age:float income:float visits:float city:categorical plan:categorical"},
		{"iris_tree_numpy", "0:float 1:float 2:float 3:float"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			s, err := NewScorer(buildFixture(t, tt.fixture), nil, PredictFn)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, in := range s.Inputs() {
				k := "float"
				if in.Kind == frame.Categorical {
					k = "categorical"
				}
				got = append(got, in.Name+":"+k)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("inputs got %s, want %s", g, tt.want)
			}
		})
	}
}

func TestOutput(t *testing.T) {
	tests := []struct {
		fixture, predictFn string
		task, predict      string
		classes            []any
	}{
		{"iris_hgb", "predict", ml.TaskMulticlass, mlmodel.PredictLabel, []any{int64(0), int64(1), int64(2)}},
		{"mixed3_gb", "predict_proba", ml.TaskMulticlass, mlmodel.PredictProba, []any{"high", "low", "mid"}},
		{"iris_tree_numpy", "", ml.TaskMulticlass, mlmodel.PredictLabel, []any{"setosa", "versicolor", "virginica"}},
		{"cancer_gb", "predict", ml.TaskBinary, mlmodel.PredictLabel, []any{int64(0), int64(1)}},
		{"diabetes_hgb", "predict", ml.TaskRegression, mlmodel.PredictValue, nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			s, err := NewScorer(buildFixture(t, tt.fixture), nil, tt.predictFn)
			if err != nil {
				t.Fatal(err)
			}
			o := s.Output()
			if o.Task != tt.task || o.Predict != tt.predict || len(o.Classes) != len(tt.classes) {
				t.Fatalf("Output got %+v, want task %s, predict %s, %d classes", o, tt.task, tt.predict, len(tt.classes))
			}
			for i, c := range tt.classes {
				if o.Classes[i] != c {
					t.Errorf("class %d got %v (%T), want %v (%T)", i, o.Classes[i], o.Classes[i], c, c)
				}
			}
		})
	}
}

func TestScoreErrors(t *testing.T) {
	row := func(age, city any) []any { return []any{age, 1000.0, int64(2), city, "pro"} }
	tests := []struct {
		fixture string
		row     []any
		want    string
	}{
		{"mixed_logreg", row("old", "paris"), `row 0: column "age": the string "old" is not a number`},
		{"mixed_logreg", row(time.Unix(0, 0), "paris"), `row 0: column "age": a time value`},
		{"mixed_logreg", []any{1.0}, "row 0: has 1 values for 5 columns"},
		{"mixed_logreg", row(30.0, []int{1}), `column "city": a []int value`},
		{"variant_numeric_categories", row("unread", "x"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			est := buildFixture(t, tt.fixture)
			s, err := NewScorer(est, nil, PredictFn)
			if err != nil {
				t.Fatal(err)
			}
			var out mlmodel.Scores
			out.Resize(1, len(s.Output().Classes))
			err = s.Score([][]any{tt.row}, &out)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Score error = %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Score error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestScoreUnsized(t *testing.T) {
	s, err := NewScorer(buildFixture(t, "iris_tree"), nil, PredictFn)
	if err != nil {
		t.Fatal(err)
	}
	var out mlmodel.Scores
	out.Resize(1, 3)
	if err := s.Score(make([][]any, 2), &out); err == nil || !strings.Contains(err.Error(), "Resize") {
		t.Fatalf("Score error = %v, want a sizing error", err)
	}
}

// TestScoreConcurrent scores from several goroutines at once; run with
// -race to check that scoring shares no mutable state.
func TestScoreConcurrent(t *testing.T) {
	f, est := loadFixture(t, fixturePath("variant_hgb_categorical"))
	s, err := NewScorer(est, nil, PredictFn)
	if err != nil {
		t.Fatal(err)
	}
	rows := rowsOf(t, f)
	var want mlmodel.Scores
	want.Resize(len(rows), 3)
	if err := s.Score(rows, &want); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out mlmodel.Scores
			out.Resize(len(rows), 3)
			for range 20 {
				if err := s.Score(rows, &out); err != nil {
					t.Error(err)
					return
				}
			}
			for i := range out.Proba {
				if out.Proba[i] != want.Proba[i] {
					t.Errorf("proba %d got %v, want %v", i, out.Proba[i], want.Proba[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkScore scores 100 rows of the mixed-frame pipeline with a
// gradient boosting classifier.
func BenchmarkScore(b *testing.B) {
	for _, name := range []string{"mixed_gb", "mixed_forest", "mixed3_hgb", "mixed_logreg"} {
		b.Run(name, func(b *testing.B) {
			t := &testing.T{}
			f, est := loadFixture(t, fixturePath(name))
			s, err := NewScorer(est, nil, PredictFn)
			if err != nil {
				b.Fatal(err)
			}
			base := rowsOf(t, f)
			rows := make([][]any, 100)
			for i := range rows {
				rows[i] = base[i%len(base)]
			}
			var out mlmodel.Scores
			out.Resize(len(rows), len(s.Output().Classes))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := s.Score(rows, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScore100Trees scores 100 rows of 10 numbers with a synthetic
// gradient boosting regressor of 100 full trees of depth 3.
func BenchmarkScore100Trees(b *testing.B) {
	const nf, depth = 10, 3
	m := &gbModel{base: base{class: "GradientBoostingRegressor", nIn: nf}, k: 1, init: []float64{0.5}, lr: 0.1}
	for t := range 100 {
		tr := &tree{width: 1}
		inner := 1<<depth - 1
		for i := range 1<<(depth+1) - 1 {
			n := node{left: -1, right: -1}
			if i < inner {
				n = node{left: int32(2*i + 1), right: int32(2*i + 2), feature: int32((i + t) % nf), threshold: float64(i%5) / 5}
			}
			tr.nodes = append(tr.nodes, n)
			tr.value = append(tr.value, float64(i))
		}
		m.trees = append(m.trees, tr)
	}
	inputs := make([]mlmodel.Input, nf)
	for j := range inputs {
		inputs[j] = mlmodel.Input{Name: string(rune('a' + j)), Kind: frame.Float}
	}
	s, err := NewScorer(&gbRegressor{m}, inputs, PredictFn)
	if err != nil {
		b.Fatal(err)
	}
	rows := make([][]any, 100)
	for i := range rows {
		for j := range nf {
			rows[i] = append(rows[i], float64((i*7+j*3)%10)/10)
		}
	}
	var out mlmodel.Scores
	out.Resize(len(rows), 0)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := s.Score(rows, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// TestUnknownCategoryError sets handle_unknown='error' on the encoders of
// fitted pipelines: an unseen category is then an error, as in
// scikit-learn, naming the encoder and the value.
func TestUnknownCategoryError(t *testing.T) {
	tests := []struct {
		fixture, want string
	}{
		{"mixed_logreg", `OneHotEncoder: feature 0 has the category "oslo", unknown when fitted`},
		{"variant_ordinal", `OrdinalEncoder: feature 0 has the category "oslo", unknown when fitted`},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			_, root := decodeFixture(t, tt.fixture)
			ct := root.State["steps"].([]any)[0].([]any)[1].(*pyobj.Object)
			for _, part := range ct.State["transformers_"].([]any) {
				if enc, ok := part.([]any)[1].(*pyobj.Object); ok && strings.HasSuffix(enc.Class, "Encoder") {
					enc.State["handle_unknown"] = "error"
				}
			}
			est, err := Build(root)
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewScorer(est, nil, PredictFn)
			if err != nil {
				t.Fatal(err)
			}
			var out mlmodel.Scores
			out.Resize(2, len(s.Output().Classes))
			rows := [][]any{
				{30.0, 1000.0, int64(2), "paris", "pro"},
				{30.0, 1000.0, int64(2), "oslo", "pro"},
			}
			err = s.Score(rows, &out)
			if err == nil || !strings.Contains(err.Error(), "row 1: "+tt.want) {
				t.Fatalf("Score error = %v, want one containing %q", err, "row 1: "+tt.want)
			}
		})
	}
}
