package tree

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// mustReadFixture decodes a reference fixture written by
// tests/reference/gen_linear_tree.py into v.
func mustReadFixture(tb testing.TB, name string, v any) {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "tests", "reference", "fixtures", name))
	if err != nil {
		tb.Fatalf("read fixture (regenerate with tests/reference/gen_linear_tree.py): %v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		tb.Fatalf("decode %s: %v", name, err)
	}
}

// matrixFromRows builds a column-major matrix from row-major data.
func matrixFromRows(rows [][]float64) *ml.Matrix {
	m := ml.NewMatrix(len(rows), len(rows[0]))
	for i, r := range rows {
		for j, v := range r {
			m.Cols[j][i] = v
		}
	}
	return m
}

// TestCARTMatchesScikitLearn grows trees on two-decimal features, where
// every value has its own bin, and wants scikit-learn's predictions on the
// training rows and on new rows (which checks the thresholds too), its leaf
// count, and its feature importances.
func TestCARTMatchesScikitLearn(t *testing.T) {
	var fx struct {
		X, XTest               [][]float64
		XMissing, XTestMissing [][]*float64 // null is a missing value
		Y, YReg                []float64
		Weights                []float64
		Cases                  []struct {
			Name               string
			Kind               string
			Criterion          Criterion
			MaxDepth           int `json:"max_depth"`
			MinSamplesLeaf     int `json:"min_samples_leaf"`
			MinSamplesSplit    int `json:"min_samples_split"`
			Weighted           bool
			Missing            bool
			ClassWeight        *string `json:"class_weight"`
			Pred, PredTest     []float64
			NLeaves            int       `json:"n_leaves"`
			FeatureImportances []float64 `json:"feature_importances"`
		}
	}
	mustReadFixture(t, "tree_small.json", &struct {
		X       *[][]float64  `json:"X"`
		XTest   *[][]float64  `json:"X_test"`
		XM      *[][]*float64 `json:"X_missing"`
		XTM     *[][]*float64 `json:"X_test_missing"`
		Y       *[]float64    `json:"y"`
		YReg    *[]float64    `json:"y_reg"`
		Weights *[]float64    `json:"weights"`
		Cases   any           `json:"cases"`
	}{&fx.X, &fx.XTest, &fx.XMissing, &fx.XTestMissing, &fx.Y, &fx.YReg, &fx.Weights, &fx.Cases})
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			X, XT := matrixFromRows(fx.X), matrixFromRows(fx.XTest)
			if c.Missing {
				X, XT = matrixWithNulls(fx.XMissing), matrixWithNulls(fx.XTestMissing)
			}
			pr := Params{Criterion: c.Criterion, MaxDepth: c.MaxDepth, MinSamplesLeaf: c.MinSamplesLeaf,
				MinSamplesSplit: c.MinSamplesSplit, BalancedClassWeight: c.ClassWeight != nil && *c.ClassWeight == "balanced"}
			var w []float64
			if c.Weighted {
				w = fx.Weights
			}
			var tr *Tree
			var imp []float64
			var pred, predTest []float64
			var err error
			if c.Kind == "classifier" {
				m := &DecisionTreeClassifier{Params: pr}
				if err := m.Fit(context.Background(), X, fx.Y, w); err != nil {
					t.Fatal(err)
				}
				tr, imp = m.Tree, m.FeatureImportances
				pred, _ = m.PredictProba(X)
				predTest, err = m.PredictProba(XT)
			} else {
				m := &DecisionTreeRegressor{Params: pr}
				if err := m.Fit(context.Background(), X, fx.YReg, w); err != nil {
					t.Fatal(err)
				}
				tr, imp = m.Tree, m.FeatureImportances
				pred, _ = m.Predict(X)
				predTest, err = m.Predict(XT)
			}
			if err != nil {
				t.Fatal(err)
			}
			// With fractional weights scikit-learn derives a child's impurity
			// by subtraction from its parent's sums, so a pure child can get
			// an impurity of a few ulps and be split again into pure leaves.
			// That changes the leaf count but no prediction, so leaves are
			// compared on unweighted cases only.
			if got, want := tr.Leaves(), c.NLeaves; !c.Weighted && got != want {
				t.Errorf("leaves = %d, want %d (scikit-learn)", got, want)
			}
			const tol = 1e-9 // sums of the same weights in another order
			for i := range c.Pred {
				if math.Abs(pred[i]-c.Pred[i]) > tol {
					t.Errorf("training row %d: prediction %v, want %v (scikit-learn)", i, pred[i], c.Pred[i])
				}
			}
			for i := range c.PredTest {
				if math.Abs(predTest[i]-c.PredTest[i]) > tol {
					t.Errorf("new row %d: prediction %v, want %v (scikit-learn)", i, predTest[i], c.PredTest[i])
				}
			}
			for j := range c.FeatureImportances {
				if math.Abs(imp[j]-c.FeatureImportances[j]) > 1e-9 {
					t.Errorf("importance[%d] = %v, want %v (scikit-learn)", j, imp[j], c.FeatureImportances[j])
				}
			}
		})
	}
}

// matrixWithNulls builds a matrix from row-major data where nil is missing.
func matrixWithNulls(rows [][]*float64) *ml.Matrix {
	m := ml.NewMatrix(len(rows), len(rows[0]))
	for i, r := range rows {
		for j, v := range r {
			m.Cols[j][i] = math.NaN()
			if v != nil {
				m.Cols[j][i] = *v
			}
		}
	}
	return m
}

// TestForestRegressorMatchesScikitLearn compares the test R² of a
// 200-tree regression forest with scikit-learn's on the same rows; the
// bootstrap draws differ, so the margin is 0.03.
func TestForestRegressorMatchesScikitLearn(t *testing.T) {
	var fx struct {
		X      [][]float64 `json:"X"`
		XTest  [][]float64 `json:"X_test"`
		Y      []float64   `json:"y_reg"`
		YTest  []float64   `json:"y_reg_test"`
		Forest struct {
			NEstimators    int     `json:"n_estimators"`
			MinSamplesLeaf int     `json:"min_samples_leaf"`
			TestR2         float64 `json:"test_r2"`
		} `json:"forest_regression"`
	}
	mustReadFixture(t, "tree_small.json", &fx)
	m := NewRandomForestRegressor()
	m.NEstimators, m.MinSamplesLeaf, m.Seed = fx.Forest.NEstimators, fx.Forest.MinSamplesLeaf, 1
	if err := m.Fit(context.Background(), matrixFromRows(fx.X), fx.Y, nil); err != nil {
		t.Fatal(err)
	}
	p, err := m.Predict(matrixFromRows(fx.XTest))
	if err != nil {
		t.Fatal(err)
	}
	mean := 0.0
	for _, v := range fx.YTest {
		mean += v
	}
	mean /= float64(len(fx.YTest))
	var ssRes, ssTot float64
	for i, v := range fx.YTest {
		ssRes += (v - p[i]) * (v - p[i])
		ssTot += (v - mean) * (v - mean)
	}
	r2 := 1 - ssRes/ssTot
	t.Logf("test R² %.4f, scikit-learn %.4f", r2, fx.Forest.TestR2)
	if math.Abs(r2-fx.Forest.TestR2) > 0.03 {
		t.Errorf("test R² = %.4f, want %.4f ± 0.03 (scikit-learn)", r2, fx.Forest.TestR2)
	}
}
