package sklearn

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

// mlmodelText is an MLmodel file as mlflow.sklearn.save_model 3.17.2
// writes it, with the signature's columns in an order that differs from
// the DataFrame the model was fitted on.
const mlmodelText = `flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.skops
    predict_fn: PREDICT_FN
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.skops
    serialization_format: skops
    sklearn_version: 1.9.1
    skops_trusted_types: null
mlflow_version: 3.17.2
signature:
  inputs: '[{"type": "string", "name": "plan", "required": true}, {"type": "string",
    "name": "city", "required": false}, {"type": "long", "name": "visits", "required": true},
    {"type": "double", "name": "income", "required": true}, {"type": "double", "name": "age",
    "required": false}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
`

// writeModelDir writes an MLmodel and a placeholder model file, and
// returns the directory and the parsed file.
func writeModelDir(t *testing.T, predictFn string) (string, *mlmodel.File) {
	t.Helper()
	dir := t.TempDir()
	text := strings.ReplaceAll(mlmodelText, "PREDICT_FN", predictFn)
	if err := os.WriteFile(filepath.Join(dir, "MLmodel"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "model.skops"), []byte("placeholder"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := mlmodel.ParseFile([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return dir, f
}

// fixtureReader returns a read function that gives a fixture's model, as
// the pyobj readers will.
func fixtureReader(t *testing.T, name string) func(string) (any, error) {
	return func(path string) (any, error) {
		if filepath.Base(path) != "model.skops" {
			t.Errorf("read %s, want model.skops", path)
		}
		f, _ := loadFixture(t, fixturePath(name))
		return decodePy(f.Model)
	}
}

func TestOpen(t *testing.T) {
	for _, predictFn := range []string{"predict", "predict_proba"} {
		t.Run(predictFn, func(t *testing.T) {
			dir, f := writeModelDir(t, predictFn)
			s, err := Open(dir, f, fixtureReader(t, "mixed_logreg"))
			if err != nil {
				t.Fatal(err)
			}
			in := s.Inputs()
			if len(in) != 5 || in[0].Name != "plan" || in[0].Kind != frame.Categorical || in[2].Kind != frame.Int || in[1].Required {
				t.Fatalf("Inputs = %+v, want the signature's columns", in)
			}
			o := s.Output()
			want := mlmodel.PredictLabel
			if predictFn == "predict_proba" {
				want = mlmodel.PredictProba
			}
			if o.Task != ml.TaskBinary || o.Predict != want || len(o.Classes) != 2 || o.Classes[1] != int64(1) {
				t.Fatalf("Output = %+v, want binary with classes 0, 1 and Predict %q", o, want)
			}
			// Rows in the signature's order score as the fixture's rows.
			fx, _ := loadFixture(t, fixturePath("mixed_logreg"))
			orig := rowsOf(t, fx)
			pos := map[string]int{}
			for i, c := range fx.Columns {
				pos[c] = i
			}
			rows := make([][]any, len(orig))
			for i, r := range orig {
				for _, c := range in {
					rows[i] = append(rows[i], r[pos[c.Name]])
				}
			}
			var out mlmodel.Scores
			out.Resize(len(rows), 2)
			if err := s.Score(rows, &out); err != nil {
				t.Fatal(err)
			}
			for i := range rows {
				w := pyCell(t, fx.PredictProba[i][1]).(float64)
				if got := out.Value[i]; math.Abs(got-w) > 1e-9 {
					t.Errorf("row %d: P(1) got %v, want %v", i, got, w)
				}
			}
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	read := func(string) (any, error) { return nil, errors.New("reader failed") }
	tests := []struct {
		name  string
		setup func(dir string, f *mlmodel.File)
		want  string
	}{
		{"no flavor", func(_ string, f *mlmodel.File) { delete(f.Flavors, "sklearn") }, `no "sklearn" flavor`},
		{"escape", func(_ string, f *mlmodel.File) { f.Flavors["sklearn"]["pickled_model"] = "../model.skops" }, "not inside the model directory"},
		{"absolute", func(_ string, f *mlmodel.File) { f.Flavors["sklearn"]["pickled_model"] = "/etc/passwd" }, "not inside the model directory"},
		{"missing", func(_ string, f *mlmodel.File) { f.Flavors["sklearn"]["pickled_model"] = "gone.pkl" }, "no such file"},
		{"symlink", func(dir string, f *mlmodel.File) {
			os.Remove(filepath.Join(dir, "model.skops"))
			os.Symlink("/etc/hostname", filepath.Join(dir, "model.skops"))
		}, "symbolic link"},
		{"directory", func(dir string, f *mlmodel.File) {
			os.Remove(filepath.Join(dir, "model.skops"))
			os.Mkdir(filepath.Join(dir, "model.skops"), 0o755)
		}, "not a regular file"},
		{"format", func(_ string, f *mlmodel.File) { f.Flavors["sklearn"]["serialization_format"] = "joblib" }, `format "joblib" is not supported`},
		{"reader", func(string, *mlmodel.File) {}, "reading model.skops: reader failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, f := writeModelDir(t, "predict")
			tt.setup(dir, f)
			_, err := Open(dir, f, read)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestOpenSignatureMissesAColumn(t *testing.T) {
	dir, f := writeModelDir(t, "predict")
	f.Signature.Inputs = `[{"type": "double", "name": "age", "required": true}]`
	_, err := Open(dir, f, fixtureReader(t, "mixed_logreg"))
	if err == nil || !strings.Contains(err.Error(), `reads the column "income"`) {
		t.Fatalf("Open error = %v, want the missing column named", err)
	}
}

func TestOpenRegressorProba(t *testing.T) {
	dir, f := writeModelDir(t, "predict_proba")
	f.Signature = nil
	_, err := Open(dir, f, fixtureReader(t, "mixedreg_ridge"))
	if err == nil || !strings.Contains(err.Error(), "is a regressor") {
		t.Fatalf("Open error = %v, want predict_proba refused for a regressor", err)
	}
}
