package xgboost

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

// copyFixture copies a fixture model directory into a temporary one and
// returns it with its parsed MLmodel.
func copyFixture(t *testing.T, name string) (string, *mlmodel.File) {
	t.Helper()
	src := filepath.Join(fixtureDir, name)
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "MLmodel"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := mlmodel.ParseFile(b)
	if err != nil {
		t.Fatal(err)
	}
	return dir, f
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string, f *mlmodel.File)
		want  string
	}{
		{"no flavor", func(t *testing.T, dir string, f *mlmodel.File) {
			delete(f.Flavors, FlavorName)
		}, `no "xgboost" flavor`},
		{"legacy binary", func(t *testing.T, dir string, f *mlmodel.File) {
			f.Flavors[FlavorName]["model_format"] = "xgb"
			f.Flavors[FlavorName]["data"] = "model.xgb"
		}, "legacy binary"},
		{"path outside the directory", func(t *testing.T, dir string, f *mlmodel.File) {
			f.Flavors[FlavorName]["data"] = "../model.ubj"
		}, "not a path inside"},
		{"absolute path", func(t *testing.T, dir string, f *mlmodel.File) {
			f.Flavors[FlavorName]["data"] = filepath.Join(dir, "model.ubj")
		}, "not a path inside"},
		{"missing file", func(t *testing.T, dir string, f *mlmodel.File) {
			os.Remove(filepath.Join(dir, "model.ubj"))
		}, "model file model.ubj"},
		{"symlink", func(t *testing.T, dir string, f *mlmodel.File) {
			os.Rename(filepath.Join(dir, "model.ubj"), filepath.Join(dir, "real.ubj"))
			if err := os.Symlink("real.ubj", filepath.Join(dir, "model.ubj")); err != nil {
				t.Skip(err)
			}
		}, "not a regular file"},
		{"directory", func(t *testing.T, dir string, f *mlmodel.File) {
			os.Remove(filepath.Join(dir, "model.ubj"))
			os.Mkdir(filepath.Join(dir, "model.ubj"), 0o755)
		}, "not a regular file"},
		{"wrong magic", func(t *testing.T, dir string, f *mlmodel.File) {
			os.WriteFile(filepath.Join(dir, "model.ubj"), []byte("binf\x00\x00\x00\x3f"), 0o644)
		}, "not valid UBJSON"},
		{"JSON named ubj", func(t *testing.T, dir string, f *mlmodel.File) {
			os.WriteFile(filepath.Join(dir, "model.ubj"), []byte(`{"learner": {}}`), 0o644)
		}, "not valid UBJSON"},
		{"unknown model class", func(t *testing.T, dir string, f *mlmodel.File) {
			f.Flavors[FlavorName]["model_class"] = "xgboost.sklearn.XGBRanker"
		}, "model_class"},
		{"signature column not in the model", func(t *testing.T, dir string, f *mlmodel.File) {
			f.Signature.Inputs = strings.Replace(f.Signature.Inputs, `"mean_radius"`, `"radius"`, 1)
		}, `input "radius" is not a feature`},
		{"signature string for a numeric feature", func(t *testing.T, dir string, f *mlmodel.File) {
			f.Signature.Inputs = strings.Replace(f.Signature.Inputs, `"type": "double", "name": "mean_radius"`, `"type": "string", "name": "mean_radius"`, 1)
		}, "stores no string categories"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, f := copyFixture(t, "binary_classifier_ubj")
			tt.setup(t, dir, f)
			_, err := Open(dir, f)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestOutput(t *testing.T) {
	tests := []struct {
		fixture string
		want    mlmodel.Output
	}{
		{"binary_classifier_ubj", mlmodel.Output{Task: ml.TaskBinary, Classes: []any{int64(0), int64(1)}, Predict: mlmodel.PredictLabel}},
		{"binary_booster_ubj", mlmodel.Output{Task: ml.TaskBinary, Classes: []any{int64(0), int64(1)}, Predict: mlmodel.PredictProba}},
		{"multiclass_classifier_ubj", mlmodel.Output{Task: ml.TaskMulticlass, Classes: []any{int64(0), int64(1), int64(2)}, Predict: mlmodel.PredictLabel}},
		{"multiclass_softprob_ubj", mlmodel.Output{Task: ml.TaskMulticlass, Classes: []any{0.0, 1.0, 2.0}, Predict: mlmodel.PredictProba}},
		{"multiclass_softmax_ubj", mlmodel.Output{Task: ml.TaskMulticlass, Classes: []any{0.0, 1.0, 2.0}, Predict: mlmodel.PredictLabel}},
		{"regression_squarederror_ubj", mlmodel.Output{Task: ml.TaskRegression, Predict: mlmodel.PredictValue}},
		{"binary_logitraw_ubj", mlmodel.Output{Task: ml.TaskRegression, Predict: mlmodel.PredictValue}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			got := mustOpen(t, filepath.Join(fixtureDir, tt.fixture)).Output()
			if got.Task != tt.want.Task || got.Predict != tt.want.Predict || len(got.Classes) != len(tt.want.Classes) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got.Classes {
				if got.Classes[i] != tt.want.Classes[i] {
					t.Errorf("class %d: got %#v, want %#v", i, got.Classes[i], tt.want.Classes[i])
				}
			}
		})
	}
}

func TestInputs(t *testing.T) {
	// With a signature: its columns, kinds and required flags.
	s := mustOpen(t, filepath.Join(fixtureDir, "categorical_classifier_ubj"))
	want := []mlmodel.Input{
		{Name: "x", Kind: frame.Float, Required: false},
		{Name: "colour", Kind: frame.Categorical, Required: true},
		{Name: "size", Kind: frame.Int, Required: true},
	}
	checkInputs(t, s.Inputs(), want)

	// Without one: the model's feature names, all required numbers.
	s = mustOpen(t, filepath.Join(fixtureDir, "regression_absoluteerror_ubj"))
	in := s.Inputs()
	if len(in) != 10 || in[0].Name != "age" || in[9].Name != "s6" {
		t.Fatalf("got %d inputs from %q to %q, want 10 from age to s6", len(in), in[0].Name, in[len(in)-1].Name)
	}
	for _, i := range in {
		if i.Kind != frame.Float || !i.Required {
			t.Errorf("input %q: got kind %v required %v, want float required", i.Name, i.Kind, i.Required)
		}
	}

	// Without a signature, a categorical model's string features are
	// categorical inputs.
	dir, f := copyFixture(t, "categorical_classifier_json")
	f.Signature = nil
	sc, err := Open(dir, f)
	if err != nil {
		t.Fatal(err)
	}
	checkInputs(t, sc.Inputs(), []mlmodel.Input{
		{Name: "x", Kind: frame.Float, Required: true},
		{Name: "colour", Kind: frame.Categorical, Required: true},
		{Name: "size", Kind: frame.Float, Required: true},
	})
}

func checkInputs(t *testing.T, got, want []mlmodel.Input) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d inputs, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("input %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestScoreRefusesBadRows(t *testing.T) {
	s := mustOpen(t, filepath.Join(fixtureDir, "categorical_classifier_ubj"))
	tests := []struct {
		name string
		row  []any
		want string
	}{
		{"short row", []any{0.1, "red"}, "row 0 has 2 values, want 3"},
		{"number for string categories", []any{0.1, 3.0, int64(3)}, `column "colour": number 3`},
		{"string for a number", []any{"a", "red", int64(3)}, `column "x": string "a"`},
		{"unseen string", []any{0.1, "teal", int64(3)}, `category "teal" was not seen`},
		{"unseen number", []any{0.1, "red", int64(5)}, "category 5 was not seen"},
		{"unsupported type", []any{0.1, "red", []int{1}}, "unsupported value type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sc mlmodel.Scores
			sc.Resize(1, 2)
			err := s.Score([][]any{tt.row}, &sc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
	var sc mlmodel.Scores
	sc.Resize(1, 2)
	if err := s.Score([][]any{{0.1, "red", 3.0}, {nil, nil, nil}}, &sc); err == nil {
		t.Error("Score of 2 rows into scores sized for 1: no error")
	}
}

// TestScoreConcurrent scores from several goroutines at once; each must
// get the answers of a lone call.
func TestScoreConcurrent(t *testing.T) {
	dir := filepath.Join(fixtureDir, "multiclass_classifier_ubj")
	s := mustOpen(t, dir)
	rows := requestRows(t, s, readExpected(t, dir))
	var want mlmodel.Scores
	want.Resize(len(rows), 3)
	if err := s.Score(rows, &want); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var got mlmodel.Scores
			for n := 0; n < 50; n++ {
				got.Resize(len(rows), 3)
				if err := s.Score(rows, &got); err != nil {
					t.Error(err)
					return
				}
				for i := range got.Proba {
					if got.Proba[i] != want.Proba[i] {
						t.Errorf("proba %d: got %v, want %v", i, got.Proba[i], want.Proba[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestBoosterPredict checks the Booster's own batch methods against the
// fixture's margins and predictions.
func TestBoosterPredict(t *testing.T) {
	for _, name := range []string{"multiclass_softprob_ubj", "binary_booster_json", "dart_regression_ubj", "count_poisson_ubj"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(fixtureDir, name)
			b := mustParse(t, filepath.Join(dir, "model."+name[strings.LastIndex(name, "_")+1:]), name[strings.LastIndex(name, "_")+1:])
			e := readExpected(t, dir)
			rows := make([][]float64, len(e.Rows))
			for i, r := range e.Rows {
				rows[i] = make([]float64, len(r))
				for j, v := range r {
					if f, ok := v.(float64); ok {
						rows[i][j] = f
					} else {
						rows[i][j] = math.NaN()
					}
				}
			}
			m := make([]float32, len(rows)*b.NumGroup())
			if err := b.Margin(rows, m); err != nil {
				t.Fatal(err)
			}
			wantM := flat(t, e.Margin)
			for i := range m {
				if float64(m[i]) != wantM[i] {
					t.Errorf("margin %d: got %v, want %v", i, m[i], wantM[i])
				}
			}
			p := make([]float32, len(rows)*b.OutputWidth())
			if err := b.Predict(rows, p); err != nil {
				t.Fatal(err)
			}
			wantP := flat(t, e.Predict)
			for i := range p {
				if d := math.Abs(float64(p[i]) - wantP[i]); !(d <= tolerance) {
					t.Errorf("predict %d: got %v, want %v", i, p[i], wantP[i])
				}
			}
			one := make([]float32, b.OutputWidth())
			if err := b.PredictRow(rows[0], one); err != nil || one[0] != p[0] {
				t.Errorf("PredictRow: got %v (err %v), want %v", one[0], err, p[0])
			}
			if err := b.Predict([][]float64{rows[0][:1]}, one); err == nil {
				t.Error("Predict of a short row: no error")
			}
		})
	}
}
