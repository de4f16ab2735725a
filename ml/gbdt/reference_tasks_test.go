package gbdt

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// tasksFixture is what tests/reference/gen_gbdt_tasks.py writes.
type tasksFixture struct {
	GeneratedTrain   int       `json:"generated_train"`
	GeneratedTest    int       `json:"generated_test"`
	GeneratedClasses []float64 `json:"generated_classes"`
	Data             map[string]struct {
		X [][]float64 `json:"X"`
		Y []float64   `json:"y"`
	} `json:"data"`
	Multiclass []taskCase `json:"multiclass"`
	Regression []taskCase `json:"regression"`
}

// taskCase is one LightGBM run: its parameters, tree count and the test
// rows' raw scores (K per row for multiclass).
type taskCase struct {
	Name     string          `json:"name"`
	Data     string          `json:"data"`
	NumClass int             `json:"num_class"`
	Params   json.RawMessage `json:"params"`
	Trees    int             `json:"trees"`
	Raw      []float64       `json:"raw"`
}

func readTasks(tb testing.TB) *tasksFixture {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "tests", "reference", "fixtures", "gbdt_tasks.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var f tasksFixture
	if err := json.Unmarshal(b, &f); err != nil {
		tb.Fatal(err)
	}
	return &f
}

// taskData returns the training and test rows of a fixture data set and
// the categorical columns; classes picks the generated set's class labels
// over its float32-rounded target.
func (f *tasksFixture) taskData(tb testing.TB, name string, classes bool) (Xtr *ml.Matrix, ytr []float64, Xte *ml.Matrix, cat []int) {
	tb.Helper()
	if name == "generated" {
		n := f.GeneratedTrain + f.GeneratedTest
		X, y := regressionData(n)
		for i := range y {
			y[i] = float64(float32(y[i]))
		}
		if classes {
			y = f.GeneratedClasses
		}
		return X.Subset(rangeRows(0, f.GeneratedTrain)), y[:f.GeneratedTrain],
			X.Subset(rangeRows(f.GeneratedTrain, n)), []int{6}
	}
	d, ok := f.Data[name]
	if !ok {
		tb.Fatalf("fixture has no data set %q", name)
	}
	X := ml.NewMatrix(len(d.X), len(d.X[0]))
	for i, row := range d.X {
		for j, v := range row {
			X.Cols[j][i] = v
		}
	}
	var train, test []int
	for i := range d.X {
		if i%5 == 0 {
			test = append(test, i)
		} else {
			train = append(train, i)
			ytr = append(ytr, d.Y[i])
		}
	}
	return X.Subset(train), ytr, X.Subset(test), nil
}

func maxAbsDiff(a, b []float64) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

func TestMulticlassMatchesLightGBM(t *testing.T) {
	f := readTasks(t)
	for _, c := range f.Multiclass {
		t.Run(c.Name, func(t *testing.T) {
			Xtr, ytr, Xte, cat := f.taskData(t, c.Data, true)
			m := NewMulticlassClassifier(c.NumClass)
			if err := json.Unmarshal(c.Params, &m.Params); err != nil {
				t.Fatal(err)
			}
			m.CategoricalFeatures = cat
			if err := m.Fit(context.Background(), Xtr, ytr, nil); err != nil {
				t.Fatal(err)
			}
			raw, err := m.PredictRawMulti(Xte)
			if err != nil {
				t.Fatal(err)
			}
			d := maxAbsDiff(raw, c.Raw)
			t.Logf("trees weir %d lightgbm %d; max raw-score difference %.3g", len(m.Trees), c.Trees, d)
			if got, want := len(m.Trees), c.Trees; got != want {
				t.Errorf("trees = %d, want %d", got, want)
			}
		})
	}
}

func TestRegressionObjectivesMatchLightGBM(t *testing.T) {
	f := readTasks(t)
	for _, c := range f.Regression {
		t.Run(c.Name, func(t *testing.T) {
			Xtr, ytr, Xte, cat := f.taskData(t, c.Data, false)
			m := NewRegressor()
			if err := json.Unmarshal(c.Params, &m.Params); err != nil {
				t.Fatal(err)
			}
			if m.Objective == Huber && m.Alpha == 0 {
				m.Alpha = 0.9
			}
			m.CategoricalFeatures = cat
			if err := m.Fit(context.Background(), Xtr, ytr, nil); err != nil {
				t.Fatal(err)
			}
			raw, err := m.PredictRaw(Xte)
			if err != nil {
				t.Fatal(err)
			}
			d := maxAbsDiff(raw, c.Raw)
			t.Logf("trees weir %d lightgbm %d; max difference %.3g", len(m.Trees), c.Trees, d)
			if got, want := len(m.Trees), c.Trees; got != want {
				t.Errorf("trees = %d, want %d", got, want)
			}
		})
	}
}
