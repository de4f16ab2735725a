package tree

import (
	"context"
	"math"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// taskFixture is one tree_tasks_<dataset>.json written by
// tests/reference/gen_tree_tasks.py: a data set, its test rows, and the test
// metric of scikit-learn's forest over several seeds.
type taskFixture struct {
	Name        string      `json:"name"`
	Task        string      `json:"task"`
	X           [][]float64 `json:"X"`
	Y           []float64   `json:"y"`
	Test        []int       `json:"test"`
	NEstimators int         `json:"n_estimators"`
	Seeds       int         `json:"seeds"`
	Metric      string      `json:"metric"`
	Min         float64     `json:"min"`
	Max         float64     `json:"max"`
	Mean        float64     `json:"mean"`
	Std         float64     `json:"std"`
	NClasses    int         `json:"n_classes"`
}

// split returns the fixture's training and test rows.
func (fx *taskFixture) split() (X, XT *ml.Matrix, y, yt []float64) {
	isTest := make([]bool, len(fx.Y))
	for _, i := range fx.Test {
		isTest[i] = true
	}
	var tr, te [][]float64
	for i, row := range fx.X {
		if isTest[i] {
			te, yt = append(te, row), append(yt, fx.Y[i])
		} else {
			tr, y = append(tr, row), append(y, fx.Y[i])
		}
	}
	return matrixFromRows(tr), matrixFromRows(te), y, yt
}

// accuracy returns the share of rows whose most probable class (the first
// on ties, as scikit-learn's predict) is their label.
func accuracy(proba []float64, k int, y []float64) float64 {
	correct := 0
	for i, v := range y {
		if argmax(proba[i*k:i*k+k]) == int(v) {
			correct++
		}
	}
	return float64(correct) / float64(len(y))
}

func rmse(pred, y []float64) float64 {
	s := 0.0
	for i, v := range y {
		s += (pred[i] - v) * (pred[i] - v)
	}
	return math.Sqrt(s / float64(len(y)))
}

// fitTask fits Weir's forest with scikit-learn's defaults on the training
// rows and returns its test metric.
func fitTask(tb testing.TB, fx *taskFixture, seed uint64) float64 {
	tb.Helper()
	X, XT, y, yt := fx.split()
	if fx.Task == ml.TaskRegression {
		m := NewRandomForestRegressor()
		m.NEstimators, m.Seed = fx.NEstimators, seed
		if err := m.Fit(context.Background(), X, y, nil); err != nil {
			tb.Fatal(err)
		}
		p, err := m.Predict(XT)
		if err != nil {
			tb.Fatal(err)
		}
		return rmse(p, yt)
	}
	m := NewRandomForestClassifier()
	m.NEstimators, m.Seed, m.NClasses = fx.NEstimators, seed, fx.NClasses
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		tb.Fatal(err)
	}
	p, err := m.PredictProbaMulti(XT)
	if err != nil {
		tb.Fatal(err)
	}
	return accuracy(p, m.NumClasses(), yt)
}

// TestForestWithinScikitLearnSpread fits Weir's forest (scikit-learn's
// defaults, the fixture's tree count, seed 1) on each task's training rows
// and wants its test metric inside the range scikit-learn's forest gave over
// ten seeds, widened by a slack: the seed-to-seed standard deviation, and
// for accuracy at least one test row (wine's ten seeds all score 1).
// Different random draws cannot give the same forest, so the spread is the
// reference.
func TestForestWithinScikitLearnSpread(t *testing.T) {
	for _, name := range []string{"iris", "wine", "digits", "make_classification", "diabetes", "make_regression"} {
		t.Run(name, func(t *testing.T) {
			var fx taskFixture
			mustReadFixture(t, "tree_tasks_"+name+".json", &fx)
			if fx.Seeds < 5 || len(fx.Test) == 0 || fx.NEstimators == 0 {
				t.Fatalf("fixture has %d seeds, %d test rows, %d trees", fx.Seeds, len(fx.Test), fx.NEstimators)
			}
			slack := fx.Std
			if fx.Metric == "accuracy" {
				slack = max(slack, 1/float64(len(fx.Test)))
			}
			got := fitTask(t, &fx, 1)
			t.Logf("test %s %.4f; scikit-learn over %d seeds %.4f to %.4f, mean %.4f, slack %.4f",
				fx.Metric, got, fx.Seeds, fx.Min, fx.Max, fx.Mean, slack)
			if got < fx.Min-slack || got > fx.Max+slack {
				t.Errorf("test %s = %.4f, want %.4f to %.4f (scikit-learn's seed spread ± %.4f)",
					fx.Metric, got, fx.Min-slack, fx.Max+slack, slack)
			}
		})
	}
}

// BenchmarkForestFitDigits grows scikit-learn's default forest with 200
// trees on all 1,797 rows of the digits set (64 features, 10 classes); run
// with -cpu 2 to compare with scikit-learn's n_jobs=2.
func BenchmarkForestFitDigits(b *testing.B) {
	var fx taskFixture
	mustReadFixture(b, "tree_tasks_digits.json", &fx)
	X := matrixFromRows(fx.X)
	b.ResetTimer()
	for range b.N {
		m := NewRandomForestClassifier()
		m.NEstimators = 200
		if err := m.Fit(context.Background(), X, fx.Y, nil); err != nil {
			b.Fatal(err)
		}
	}
}
