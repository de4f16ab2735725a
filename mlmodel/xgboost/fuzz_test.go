package xgboost

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseUBJ feeds Parse arbitrary bytes, seeded with real models: it
// must return a model or an error, never panic, and a model it returns
// must score a row of missing values without panicking.
func FuzzParseUBJ(f *testing.F) {
	for _, name := range []string{"binary_booster_ubj", "categorical_classifier_ubj", "dart_regression_ubj"} {
		b, err := os.ReadFile(filepath.Join(fixtureDir, name, "model.ubj"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		bst, err := Parse(bytes.NewReader(b), "ubj")
		if err != nil || bst.NumFeature() > 1000 {
			return
		}
		row := make([]float64, bst.NumFeature())
		out := make([]float32, bst.NumGroup())
		if err := bst.MarginRow(row, out); err != nil {
			t.Fatal(err)
		}
	})
}
