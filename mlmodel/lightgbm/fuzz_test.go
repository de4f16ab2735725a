package lightgbm

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds Parse damaged models: it must return a model or an
// error, and a model it returns must predict any row without panicking.
func FuzzParse(f *testing.F) {
	f.Add(small)
	f.Add(syntheticModel(2, 3))
	for _, name := range []string{"pandas_categorical", "linear_tree", "zero_as_missing", "multiclass"} {
		b, err := os.ReadFile(filepath.Join(fixtures, name, "model.lgb"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, model string) {
		b, err := Parse(strings.NewReader(model))
		if err != nil {
			return
		}
		nf, k := b.NumFeatures(), b.NumOutputs()
		x := make([]float64, 5*nf)
		for i := range x {
			x[i] = []float64{math.NaN(), 0, -1, 1e300, 3, math.Inf(-1), 0.5}[i%7]
		}
		out := make([]float64, 5*k)
		if err := b.PredictBatch(x, out); err != nil {
			t.Fatal(err)
		}
		if err := b.PredictRaw(x[:nf], out[:k]); err != nil {
			t.Fatal(err)
		}
	})
}
