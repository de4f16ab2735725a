package gbdt

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// multiData returns a four-class problem built like synthetic: the class
// is a noisy score cut into four bands.
func multiData(n int, seed uint64) (*ml.Matrix, []float64) {
	X, _ := synthetic(n, seed)
	y := make([]float64, n)
	s := lcg(seed + 100)
	for i := range y {
		z := 2*X.Cols[0][i] - X.Cols[1][i] + 0.4*float64(int(X.Cols[5][i])%3) + 0.5*s.next()
		y[i] = math.Min(3, math.Floor(z*1.5+1.5))
		y[i] = math.Max(0, y[i])
	}
	return X, y
}

func fitMulti(t *testing.T, n, trees int) *Model {
	t.Helper()
	X, y := multiData(n, 41)
	m := NewMulticlassClassifier(4)
	m.NEstimators, m.MinDataInLeaf, m.NumThreads = trees, 5, 1
	m.CategoricalFeatures = []int{5}
	mustFit(t, m, X, y)
	return m
}

func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// TestMulticlassPredictionPathsAgree checks that every way of scoring a
// multiclass model gives the same bits: the matrix, one row, a batch
// through the table and a batch walking the trees.
func TestMulticlassPredictionPathsAgree(t *testing.T) {
	m := fitMulti(t, 1500, 30)
	if got, want := m.NumClasses(), 4; got != want {
		t.Fatalf("NumClasses = %d, want %d", got, want)
	}
	if got, want := len(m.Trees), 4*30; got != want {
		t.Fatalf("trees = %d, want %d", got, want)
	}
	rows := probeRows(m, 300, 5)
	X := ml.NewMatrix(len(rows), m.NumFeatures)
	for i, r := range rows {
		for j, v := range r {
			X.Cols[j][i] = v
		}
	}
	proba, err := m.PredictProbaMulti(X)
	if err != nil {
		t.Fatal(err)
	}
	classes, err := m.Predict(X)
	if err != nil {
		t.Fatal(err)
	}
	walked := withTrees(m, m.Trees)
	walked.fast = nil
	for name, mm := range map[string]*Model{"table": m, "walk": walked} {
		t.Run(name, func(t *testing.T) {
			if name == "table" && !tableUsed(mm) {
				t.Fatal("the table scorer is not in use")
			}
			got := make([]float64, len(rows)*4)
			if err := mm.PredictProbaRows(rows, got); err != nil {
				t.Fatal(err)
			}
			if !sameBits(got, proba) {
				t.Error("PredictProbaRows differs from PredictProbaMulti")
			}
			gotClass := make([]float64, len(rows))
			mm.PredictRows(rows, gotClass)
			if !sameBits(gotClass, classes) {
				t.Error("PredictRows differs from Predict")
			}
		})
	}
	out := make([]float64, 4)
	for i, r := range rows {
		m.PredictProbaRow(r, out)
		if !sameBits(out, proba[i*4:(i+1)*4]) {
			t.Fatalf("row %d: PredictProbaRow %v, PredictProbaMulti %v", i, out, proba[i*4:(i+1)*4])
		}
		var sum float64
		for _, p := range out {
			sum += p
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Fatalf("row %d: probabilities sum to %v", i, sum)
		}
		if got, want := m.PredictRow(r), classes[i]; got != want {
			t.Fatalf("row %d: PredictRow %v, Predict %v", i, got, want)
		}
	}
	if allocs := testing.AllocsPerRun(100, func() { m.PredictProbaRow(rows[0], out) }); allocs != 0 {
		t.Errorf("PredictProbaRow allocates %v times", allocs)
	}
	if allocs := testing.AllocsPerRun(100, func() { m.PredictRow(rows[0]) }); allocs != 0 {
		t.Errorf("PredictRow allocates %v times", allocs)
	}
	m.PredictProbaRow(rows[0][:2], out)
	if !math.IsNaN(out[0]) {
		t.Errorf("PredictProbaRow of a short row = %v, want NaN", out)
	}
	if got := m.PredictRawRow(rows[0]); !math.IsNaN(got) {
		t.Errorf("PredictRawRow of a multiclass model = %v, want NaN", got)
	}
	if _, err := m.PredictRaw(X); err == nil {
		t.Error("PredictRaw of a multiclass model: no error")
	}
}

func TestBinaryThroughTheMulticlassInterface(t *testing.T) {
	X, y := synthetic(800, 3)
	m := NewClassifier()
	m.NEstimators = 10
	mustFit(t, m, X, y)
	p, err := m.PredictProba(X)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := m.PredictProbaMulti(X)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([][]float64, X.Rows)
	for i := range rows {
		rows[i] = X.Row(i, nil)
	}
	pr := make([]float64, 2*X.Rows)
	if err := m.PredictProbaRows(rows, pr); err != nil {
		t.Fatal(err)
	}
	out := make([]float64, 2)
	for i := range p {
		m.PredictProbaRow(rows[i], out)
		if pm[2*i+1] != p[i] || pm[2*i] != 1-p[i] || pr[2*i+1] != p[i] || out[1] != p[i] {
			t.Fatalf("row %d: P(1) %v; multi %v, rows %v, row %v", i, p[i], pm[2*i:2*i+2], pr[2*i:2*i+2], out)
		}
	}
	if got, want := m.NumClasses(), 2; got != want {
		t.Errorf("NumClasses = %d, want %d", got, want)
	}
}

func TestMulticlassInfersClassesAndSkipsEmptyOnes(t *testing.T) {
	X, y := multiData(1000, 7)
	m := NewMulticlassClassifier(0)
	m.NEstimators = 5
	mustFit(t, m, X, y)
	if got, want := m.NumClasses(), 4; got != want {
		t.Fatalf("NumClasses inferred = %d, want %d", got, want)
	}
	// No row is class 4: like LightGBM, it gets constant trees that keep
	// its probability near zero.
	m = NewMulticlassClassifier(5)
	m.NEstimators = 5
	mustFit(t, m, X, y)
	p, err := m.PredictProbaMulti(X)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < X.Rows; i++ {
		if p[i*5+4] > 1e-12 {
			t.Fatalf("row %d: P(empty class) = %v", i, p[i*5+4])
		}
	}
	for k := 4; k < len(m.Trees); k += 5 {
		if m.Trees[k].NumLeaves() != 1 {
			t.Fatalf("tree %d of the empty class has %d leaves", k, m.Trees[k].NumLeaves())
		}
	}
}

func TestMulticlassEarlyStopping(t *testing.T) {
	for _, metric := range []string{MetricMultiLogLoss, MetricMultiError} {
		t.Run(metric, func(t *testing.T) {
			X, y := multiData(3000, 9)
			train, valid := rangeRows(0, 2000), rangeRows(2000, 3000)
			m := NewMulticlassClassifier(4)
			m.NEstimators, m.LearningRate, m.NumLeaves = 300, 0.3, 63
			m.EarlyStoppingRounds, m.Metric = 5, metric
			m.ValidX, m.ValidY = X.Subset(valid), y[2000:]
			mustFit(t, m, X.Subset(train), y[:2000])
			if m.BestIteration == 0 || m.BestIteration >= 300 {
				t.Fatalf("BestIteration = %d, want early stopping to pick one of 1..299", m.BestIteration)
			}
			if got, want := len(m.Trees), 4*m.BestIteration; got != want {
				t.Errorf("trees = %d, want %d (4 per kept iteration)", got, want)
			}
			best := m.ValidHistory[m.BestIteration-1]
			for i, v := range m.ValidHistory {
				if v < best {
					t.Errorf("iteration %d scored %v, better than the best %v", i+1, v, best)
				}
			}
			if metric == MetricMultiError && !(best >= 0 && best < 0.5) {
				t.Errorf("best multi_error %v", best)
			}
		})
	}
}

func TestMultiMetrics(t *testing.T) {
	// Two rows, three classes, raw scores stored class by class.
	raw := []float64{
		0, 2, // class 0
		1, 2, // class 1
		0, 0, // class 2
	}
	y := []float64{1, 2}
	p := DefaultParams(Multiclass)
	p.Metric = MetricMultiError
	if got, _ := evalMetric(&p, 3, raw, y, nil); got != 0.5 { // row 2: class 2 scores below 0 and 1
		t.Errorf("multi_error = %v, want 0.5", got)
	}
	p.Metric = MetricMultiLogLoss
	e := math.Exp
	want := (-math.Log(e(1)/(e(0)+e(1)+e(0))) - math.Log(e(0)/(e(2)+e(2)+e(0)))) / 2
	if got, _ := evalMetric(&p, 3, raw, y, nil); math.Abs(got-want) > 1e-12 {
		t.Errorf("multi_logloss = %v, want %v", got, want)
	}
}

func TestNewObjectivesSaveAndLoad(t *testing.T) {
	X, y := multiData(1200, 13)
	reg := make([]float64, len(y))
	for i := range reg {
		reg[i] = 3*X.Cols[0][i] + y[i]
	}
	for _, c := range []struct {
		name string
		m    *Model
		y    []float64
	}{
		{"multiclass", NewMulticlassClassifier(4), y},
		{"regression_l1", NewModel(RegressionL1), reg},
		{"huber", NewModel(Huber), reg},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.m.NEstimators = 15
			c.m.CategoricalFeatures = []int{5}
			mustFit(t, c.m, X, c.y)
			var b bytes.Buffer
			if err := c.m.Save(&b); err != nil {
				t.Fatal(err)
			}
			var got Model
			if err := got.Load(strings.NewReader(b.String())); err != nil {
				t.Fatal(err)
			}
			want, _ := c.m.Predict(X)
			have, err := got.Predict(X)
			if err != nil {
				t.Fatal(err)
			}
			if !sameBits(have, want) {
				t.Error("loaded model predicts differently")
			}
			if got.Objective != c.m.Objective || got.NumClass != c.m.NumClass || got.Alpha != c.m.Alpha {
				t.Errorf("loaded objective %q num_class %d alpha %v, want %q %d %v",
					got.Objective, got.NumClass, got.Alpha, c.m.Objective, c.m.NumClass, c.m.Alpha)
			}
		})
	}
}

func TestLoadRejectsBadMulticlassModels(t *testing.T) {
	m := fitMulti(t, 600, 3)
	var b bytes.Buffer
	if err := m.Save(&b); err != nil {
		t.Fatal(err)
	}
	good := b.String()
	for _, c := range []struct{ name, json, want string }{
		{"trees not a multiple of num_class", corrupt(t, good, func(m *modelJSON) { m.Trees = m.Trees[:5] }), "multiple"},
		{"num_class 2", strings.Replace(good, `"num_class":4`, `"num_class":2`, 1), "num_class"},
		{"num_class missing", strings.Replace(good, `"num_class":4,`, ``, 1), "num_class"},
		{"huge num_class", strings.Replace(good, `"num_class":4`, `"num_class":1000000000`, 1), "num_class"},
		{"huber without alpha", strings.Replace(good, `"objective":"multiclass","num_class":4`, `"objective":"huber"`, 1), "alpha"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.json == good {
				t.Fatal("test case did not change the model")
			}
			var m Model
			err := m.Load(strings.NewReader(c.json))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Load error = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

func TestNewObjectivesRejectBadInput(t *testing.T) {
	X, y := multiData(200, 3)
	bad := func(edit func([]float64)) []float64 {
		c := append([]float64(nil), y...)
		edit(c)
		return c
	}
	for _, c := range []struct {
		name string
		set  func(m *Model)
		y    []float64
		want string
	}{
		{"num_class 2", func(m *Model) { m.Objective, m.NumClass = Multiclass, 2 }, y, "num_class 2"},
		{"negative num_class", func(m *Model) { m.Objective, m.NumClass = Multiclass, -1 }, y, "num_class"},
		{"label out of range", func(m *Model) { m.Objective, m.NumClass = Multiclass, 3 }, y, "label"},
		{"fractional label", func(m *Model) { m.Objective = Multiclass }, bad(func(c []float64) { c[7] = 1.5 }), "label 7 is 1.5"},
		{"negative label", func(m *Model) { m.Objective = Multiclass }, bad(func(c []float64) { c[3] = -1 }), "label 3"},
		{"two classes", func(m *Model) { m.Objective = Multiclass }, bad(func(c []float64) {
			for i := range c {
				c[i] = float64(i % 2)
			}
		}), "at least 3"},
		{"num_class with binary", func(m *Model) { m.NumClass = 4 }, y, "num_class"},
		{"huber alpha 0", func(m *Model) { m.Objective, m.Alpha = Huber, 0 }, y, "alpha"},
		{"huber alpha negative", func(m *Model) { m.Objective, m.Alpha = Huber, -1 }, y, "alpha"},
		{"huber alpha inf", func(m *Model) { m.Objective, m.Alpha = Huber, math.Inf(1) }, y, "alpha"},
		{"multiclass metric on l1", func(m *Model) { m.Objective, m.Metric = RegressionL1, MetricMultiError }, y, "multi_error"},
		{"l2 metric on multiclass", func(m *Model) { m.Objective, m.Metric = Multiclass, MetricL2 }, y, "l2"},
		{"unknown objective", func(m *Model) { m.Objective = "quantile" }, y, "quantile"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := NewClassifier()
			m.NEstimators = 2
			c.set(m)
			err := m.Fit(context.Background(), X, c.y, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Fit error = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

func TestMedians(t *testing.T) {
	for _, c := range []struct {
		vals, w []float64
		want    float64
	}{
		{[]float64{5}, nil, 5},
		{[]float64{3, 1, 2}, nil, 2},
		{[]float64{4, 1, 3, 2}, nil, 2.5},
		{[]float64{1, 2, 3}, []float64{1, 1, 1}, 1.5},         // half of 3 falls 1/2 into the second
		{[]float64{1, 2, 3}, []float64{1, 5, 1}, 1.5},         // cdf 1, 6, 7: 3.5 lies in (1, 6]
		{[]float64{1, 2, 3}, []float64{0.5, 0.5, 3}, 3},       // past the end: the last value
		{[]float64{1, 2, 3, 4}, []float64{2, 0.5, 0.5, 2}, 2}, // step below 1: the lower value
	} {
		vals := append([]float64(nil), c.vals...)
		var got float64
		if c.w == nil {
			got = median(vals)
		} else {
			got = weightedMedian(vals, append([]float64(nil), c.w...))
		}
		if got != c.want {
			t.Errorf("median of %v weighted %v = %v, want %v", c.vals, c.w, got, c.want)
		}
	}
}

func TestSelectKthMatchesSort(t *testing.T) {
	s := lcg(3)
	for _, n := range []int{1, 2, 3, 17, 18, 100, 1001} {
		for _, distinct := range []float64{3, 1e9} {
			vals := make([]float64, n)
			for i := range vals {
				vals[i] = math.Floor(s.next() * distinct)
			}
			sorted := append([]float64(nil), vals...)
			slices.Sort(sorted)
			for k := 0; k < n; k += 1 + n/7 {
				work := append([]float64(nil), vals...)
				if got, want := selectKth(work, k), sorted[k]; got != want {
					t.Fatalf("n %d k %d: selectKth = %v, want %v", n, k, got, want)
				}
				if k > 0 && slices.Max(work[:k]) > work[k] {
					t.Fatalf("n %d k %d: a larger value before k", n, k)
				}
			}
			if n > 1 {
				work := append([]float64(nil), vals...)
				m := (sorted[(n-1)/2] + sorted[n/2]) / 2
				if got := median(work); math.Abs(got-m) > 1e-9*math.Abs(m) {
					t.Fatalf("n %d: median = %v, want %v", n, got, m)
				}
			}
		}
	}
}
