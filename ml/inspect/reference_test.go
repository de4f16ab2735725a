package inspect

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/linear"
)

// TestPermutationMatchesScikitLearn scores the permutation importance of a
// logistic regression (an ml.Classifier) on the linear_small fixture and
// compares it with scikit-learn's permutation_importance over 200 repeats.
// The shuffles differ, so means must agree within four standard errors of
// their difference and standard deviations within 25%.
func TestPermutationMatchesScikitLearn(t *testing.T) {
	var fx struct {
		X           [][]float64 `json:"X"`
		Y           []float64   `json:"y"`
		Permutation struct {
			NRepeats int       `json:"n_repeats"`
			Mean     []float64 `json:"importances_mean"`
			Std      []float64 `json:"importances_std"`
		} `json:"permutation"`
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "tests", "reference", "fixtures", "linear_small.json"))
	if err != nil {
		t.Fatalf("read fixture (regenerate with tests/reference/gen_linear_tree.py): %v", err)
	}
	if err := json.Unmarshal(data, &fx); err != nil {
		t.Fatal(err)
	}
	X := ml.NewMatrix(len(fx.X), len(fx.X[0]))
	for i, r := range fx.X {
		for j, v := range r {
			X.Cols[j][i] = v
		}
	}
	var m ml.Classifier = linear.NewLogisticRegression()
	if err := m.Fit(context.Background(), X, fx.Y, nil); err != nil {
		t.Fatal(err)
	}
	n := fx.Permutation.NRepeats
	res, err := Permutation(context.Background(), m.PredictProba, X, fx.Y, nil, Options{NRepeats: n, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for j, fi := range res.Importances {
		want, wantStd := fx.Permutation.Mean[j], fx.Permutation.Std[j]
		se := math.Sqrt((fi.Std*fi.Std + wantStd*wantStd) / float64(n))
		if math.Abs(fi.Mean-want) > 4*se+1e-12 {
			t.Errorf("feature %d: mean %.5f, scikit-learn %.5f (standard error %.5f)", j, fi.Mean, want, se)
		}
		if math.Abs(fi.Std-wantStd) > 0.25*wantStd+1e-12 {
			t.Errorf("feature %d: std %.5f, scikit-learn %.5f", j, fi.Std, wantStd)
		}
	}
}
