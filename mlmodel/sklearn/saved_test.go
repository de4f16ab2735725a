// This test opens the models that gen_sklearn_models.py saved with
// mlflow.sklearn.save_model (pickle and skops) through the pyobj readers
// and compares with the fixtures. It skips unless WEIR_SKLEARN_SAVE_DIR
// names the folder the generator saved into:
//
//	WEIR_SKLEARN_SAVE_DIR=/tmp/sksave .venv/bin/python tests/reference/gen_sklearn_models.py
//	WEIR_SKLEARN_SAVE_DIR=/tmp/sksave go test -run TestSaved ./mlmodel/sklearn/

package sklearn

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

func TestSaved(t *testing.T) {
	root := os.Getenv("WEIR_SKLEARN_SAVE_DIR")
	if root == "" {
		t.Skip("WEIR_SKLEARN_SAVE_DIR is not set")
	}
	read := func(p string) (any, error) { return pyobj.ReadFile(p, pyobj.DefaultAllow()) }
	for _, fx := range fixtureFiles(t) {
		minor := filepath.Base(filepath.Dir(fx))
		name := strings.TrimSuffix(filepath.Base(fx), ".json")
		for _, suffix := range []string{"", "_skops"} {
			dir := filepath.Join(root, minor, name+suffix)
			if _, err := os.Stat(dir); err != nil {
				continue
			}
			t.Run(minor+"/"+name+suffix, func(t *testing.T) {
				b, err := os.ReadFile(filepath.Join(dir, "MLmodel"))
				if err != nil {
					t.Fatal(err)
				}
				mf, err := mlmodel.ParseFile(b)
				if err != nil {
					t.Fatal(err)
				}
				s, err := Open(dir, mf, read)
				if err != nil {
					t.Fatal(err)
				}
				f, _ := loadFixture(t, fx)
				rows := rowsOf(t, f)
				o := s.Output()
				var out mlmodel.Scores
				out.Resize(len(rows), len(o.Classes))
				if err := s.Score(rows, &out); err != nil {
					t.Fatal(err)
				}
				const tol = 1e-9
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
}
