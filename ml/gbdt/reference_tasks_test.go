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
	Binary     []taskCase `json:"binary"`
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

// taskWeights are gen_gbdt_tasks.py's weights: 0.5, 1.5, 2.5 in turn.
func taskWeights(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 0.5 + float64(i%3)
	}
	return w
}

// fitTask fits m to a fixture case; the case's "weighted" flag is not a
// LightGBM parameter, so it is read here.
func fitTask(t *testing.T, m *Model, c taskCase, X *ml.Matrix, y []float64, cat []int) {
	t.Helper()
	var extra struct{ Weighted bool }
	if err := json.Unmarshal(c.Params, &m.Params); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(c.Params, &extra); err != nil {
		t.Fatal(err)
	}
	var w []float64
	if extra.Weighted {
		w = taskWeights(len(y))
	}
	m.CategoricalFeatures = cat
	if err := m.Fit(context.Background(), X, y, w); err != nil {
		t.Fatal(err)
	}
}

// exactTol is how far raw scores and probabilities of the multiclass,
// regression_l1 and huber objectives may be from LightGBM 4.7's. They
// follow its arithmetic (float32 gradients, its split epsilons and
// comparisons, its median interpolation), so the trees are the same and
// only the last bits of sums in a different order differ: measured at most
// 1.2e-12 on these cases.
const exactTol = 1e-9

// TestMulticlassMatchesLightGBM fits softmax models to iris, wine, 600
// digits and a generated set with a categorical and a missing-value
// column (also with bagging and feature sampling, regularisation, row
// weights) and compares the test rows' raw scores and probabilities with
// LightGBM's.
func TestMulticlassMatchesLightGBM(t *testing.T) {
	f := readTasks(t)
	for _, c := range f.Multiclass {
		t.Run(c.Name, func(t *testing.T) {
			Xtr, ytr, Xte, cat := f.taskData(t, c.Data, true)
			m := NewMulticlassClassifier(c.NumClass)
			fitTask(t, m, c, Xtr, ytr, cat)
			if got, want := len(m.Trees), c.Trees; got != want {
				t.Fatalf("trees = %d, want %d", got, want)
			}
			raw, err := m.PredictRawMulti(Xte)
			if err != nil {
				t.Fatal(err)
			}
			proba, err := m.PredictProbaMulti(Xte)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]float64(nil), c.Raw...)
			for i := 0; i < len(want); i += c.NumClass {
				softmax(want[i : i+c.NumClass])
			}
			dRaw, dProba := maxAbsDiff(raw, c.Raw), maxAbsDiff(proba, want)
			t.Logf("max difference from LightGBM: raw %.3g, probability %.3g", dRaw, dProba)
			if dRaw > exactTol || dProba > exactTol {
				t.Errorf("raw scores differ from LightGBM's by up to %.3g, probabilities by %.3g; want <= %g",
					dRaw, dProba, exactTol)
			}
		})
	}
}

// TestRegressionObjectivesMatchLightGBM compares regression, regression_l1
// (leaves refitted to median residuals) and huber with LightGBM on the
// generated set and diabetes.
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
				m.Alpha = 0.9 // LightGBM's default
			}
			fitTask(t, m, c, Xtr, ytr, cat)
			if got, want := len(m.Trees), c.Trees; got != want {
				t.Fatalf("trees = %d, want %d", got, want)
			}
			raw, err := m.PredictRaw(Xte)
			if err != nil {
				t.Fatal(err)
			}
			d := maxAbsDiff(raw, c.Raw)
			tol := exactTol
			t.Logf("max difference from LightGBM %.3g (tolerance %.3g)", d, tol)
			if d > tol {
				t.Errorf("predictions differ from LightGBM's by up to %.3g, want <= %.3g", d, tol)
			}
		})
	}
}

// TestBinaryAgainstLightGBM compares the binary objective's raw scores
// with LightGBM's on the generated set and, when the bank CSV is
// available, on bank-marketing.
func TestBinaryAgainstLightGBM(t *testing.T) {
	f := readTasks(t)
	cases := f.Binary
	Xtr, yc, Xte, cat := f.taskData(t, "generated", true)
	y := make([]float64, len(yc))
	for i, c := range yc {
		if c >= 2 {
			y[i] = 1
		}
	}
	check := func(t *testing.T, c taskCase, Xtr *ml.Matrix, y []float64, Xte *ml.Matrix, cat []int) {
		m := NewClassifier()
		fitTask(t, m, c, Xtr, y, cat)
		raw, err := m.PredictRaw(Xte)
		if err != nil {
			t.Fatal(err)
		}
		d := maxAbsDiff(raw, c.Raw)
		t.Logf("max raw-score difference %.3g", d)
		if d > exactTol {
			t.Errorf("raw scores differ from LightGBM's by up to %.3g, want <= %g", d, exactTol)
		}
	}
	for _, c := range cases {
		t.Run("generated/"+c.Name, func(t *testing.T) { check(t, c, Xtr, y, Xte, cat) })
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "tests", "reference", "fixtures", "gbdt_tasks_bank.json"))
	if err != nil {
		t.Fatal(err)
	}
	var bank struct {
		TestRows int        `json:"test_rows"`
		Binary   []taskCase `json:"binary"`
	}
	if err := json.Unmarshal(b, &bank); err != nil {
		t.Fatal(err)
	}
	X, by, bcat := loadBank(t)
	bXtr, bXte := X.Subset(rangeRows(0, bankTrainRows)), X.Subset(rangeRows(bankTrainRows, bankTrainRows+bank.TestRows))
	for _, c := range bank.Binary {
		t.Run("bank/"+c.Name, func(t *testing.T) { check(t, c, bXtr, by[:bankTrainRows], bXte, bcat) })
	}
}
