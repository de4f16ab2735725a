package sklearn

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/mlmodel"
)

// fixture is one file written by tests/reference/gen_sklearn_models.py.
type fixture struct {
	Version      string              `json:"sklearn_version"`
	Model        json.RawMessage     `json:"model"`
	Columns      []string            `json:"columns"`
	Rows         []json.RawMessage   `json:"rows"`
	Predict      []json.RawMessage   `json:"predict"`
	PredictProba [][]json.RawMessage `json:"predict_proba"`
}

func fixtureFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "tests", "reference", "fixtures", "sklearn", "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures found (%v): run tests/reference/gen_sklearn_models.py", err)
	}
	return files
}

func loadFixture(t *testing.T, path string) (fixture, Estimator) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	root, err := decodePy(f.Model)
	if err != nil {
		t.Fatalf("decoding the model: %v", err)
	}
	est, err := Build(root)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return f, est
}

// pyCell reads a row cell or a label as written by the generator.
func pyCell(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	v, err := decodePy(raw)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func rowsOf(t *testing.T, f fixture) [][]any {
	rows := make([][]any, len(f.Rows))
	for i, r := range f.Rows {
		var cells []json.RawMessage
		if err := json.Unmarshal(r, &cells); err != nil {
			t.Fatal(err)
		}
		for _, c := range cells {
			rows[i] = append(rows[i], pyCell(t, c))
		}
	}
	return rows
}

// TestReference scores every fixture's rows and compares with what
// scikit-learn's predict and predict_proba gave, within 1e-9.
func TestReference(t *testing.T) {
	const tol = 1e-9
	for _, path := range fixtureFiles(t) {
		name := filepath.Base(filepath.Dir(path)) + "/" + filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			f, est := loadFixture(t, path)
			inputs := make([]mlmodel.Input, len(f.Columns))
			for i, c := range f.Columns {
				inputs[i] = mlmodel.Input{Name: c}
			}
			rows := rowsOf(t, f)
			s, err := NewScorer(est, inputs, PredictFn)
			if err != nil {
				t.Fatal(err)
			}
			o := s.Output()
			var out mlmodel.Scores
			out.Resize(len(rows), len(o.Classes))
			if err := s.Score(rows, &out); err != nil {
				t.Fatal(err)
			}
			for i := range rows {
				want := pyCell(t, f.Predict[i])
				if len(o.Classes) == 0 {
					w, _ := want.(float64)
					if got := out.Value[i]; math.Abs(got-w) > tol*math.Max(1, math.Abs(w)) {
						t.Errorf("row %d: predict got %v, want %v", i, got, w)
					}
					continue
				}
				if got := o.Classes[out.Label[i]]; !sameLabel(got, want) {
					t.Errorf("row %d: predict got %v, want %v", i, got, want)
				}
				for k, raw := range f.PredictProba[i] {
					w := pyCell(t, raw).(float64)
					if got := out.Proba[i*out.K+k]; math.Abs(got-w) > tol {
						t.Errorf("row %d: P(%v) got %v, want %v", i, o.Classes[k], got, w)
					}
				}
			}
		})
	}
}

func sameLabel(got, want any) bool {
	switch g := got.(type) {
	case int64:
		w, ok := want.(int64)
		return ok && g == w
	case float64:
		switch w := want.(type) {
		case float64:
			return g == w
		case int64:
			return g == float64(w)
		}
	}
	return got == want
}
