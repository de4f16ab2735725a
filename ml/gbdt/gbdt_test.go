package gbdt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// column builds a one-feature matrix.
func column(vals ...float64) *ml.Matrix {
	X := ml.NewMatrix(len(vals), 1)
	copy(X.Cols[0], vals)
	return X
}

// stump returns a regressor that fits one two-leaf tree with the raw Newton
// step (learning rate 1, no minimum leaf size).
func stump() *Model {
	m := NewRegressor()
	m.NEstimators, m.NumLeaves, m.LearningRate = 1, 2, 1
	m.MinDataInLeaf, m.MinSumHessianInLeaf = 1, 0
	m.MinDataInBin = 1 // every distinct value its own bin
	m.BoostFromAverage = false
	return m
}

func mustFit(tb testing.TB, m *Model, X *ml.Matrix, y []float64) {
	tb.Helper()
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		tb.Fatal(err)
	}
}

func TestStumpFindsTheStep(t *testing.T) {
	vals, y := make([]float64, 100), make([]float64, 100)
	for i := range vals {
		vals[i] = float64(i)
		if i >= 60 {
			y[i] = 3
		}
	}
	m := stump()
	mustFit(t, m, column(vals...), y)
	tree := m.Trees[0]
	if got, want := len(tree.nodes), 1; got != want {
		t.Fatalf("nodes = %d, want %d", got, want)
	}
	if got, want := tree.nodes[0].threshold, 59.5; got != want {
		t.Errorf("threshold = %v, want %v", got, want)
	}
	for _, c := range []struct{ x, want float64 }{{0, 0}, {59, 0}, {59.5, 0}, {60, 3}, {1000, 3}} {
		if got := m.PredictRow([]float64{c.x}); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("PredictRow(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

func TestMissingValuesGoTheLearnedWay(t *testing.T) {
	for _, c := range []struct {
		name        string
		nanY        float64 // target of rows whose feature is missing
		defaultLeft bool
	}{
		{"missing like the low values", 0, true},
		{"missing like the high values", 5, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var vals, y []float64
			for i := 0; i < 300; i++ {
				switch {
				case i%3 == 0:
					vals, y = append(vals, math.NaN()), append(y, c.nanY)
				case i < 150:
					vals, y = append(vals, float64(i)), append(y, 0)
				default:
					vals, y = append(vals, float64(i)), append(y, 5)
				}
			}
			m := stump()
			mustFit(t, m, column(vals...), y)
			nd := m.Trees[0].nodes[0]
			if got := nd.flags&flagDefaultLeft != 0; got != c.defaultLeft {
				t.Errorf("default left = %v, want %v", got, c.defaultLeft)
			}
			if got := m.PredictRow([]float64{math.NaN()}); math.Abs(got-c.nanY) > 1e-9 {
				t.Errorf("PredictRow(NaN) = %v, want %v", got, c.nanY)
			}
		})
	}
}

func TestMissingReadsAsZeroWithoutTrainingNaN(t *testing.T) {
	// Training saw no NaN, so (as in LightGBM) NaN is read as 0 and goes
	// where 0 goes: here right, with the values >= -0.5.
	var vals, y []float64
	for i := -50; i < 50; i++ {
		vals = append(vals, float64(i))
		y = append(y, map[bool]float64{true: 1, false: 4}[i < 0])
	}
	m := stump()
	mustFit(t, m, column(vals...), y)
	if got, want := m.PredictRow([]float64{math.NaN()}), m.PredictRow([]float64{0}); got != want {
		t.Errorf("PredictRow(NaN) = %v, want PredictRow(0) = %v", got, want)
	}
}

func TestCategoricalSplitFindsTheSet(t *testing.T) {
	positive := map[int]bool{2: true, 5: true, 7: true}
	var vals, y []float64
	for i := 0; i < 2000; i++ {
		code := i % 10
		vals = append(vals, float64(code))
		if positive[code] {
			y = append(y, 1)
		} else {
			y = append(y, 0)
		}
	}
	m := NewClassifier()
	m.NEstimators, m.NumLeaves = 20, 2
	m.CategoricalFeatures = []int{0}
	mustFit(t, m, column(vals...), y)
	nd := m.Trees[0].nodes[0]
	if nd.flags&flagCategorical == 0 {
		t.Fatal("root split is not categorical")
	}
	// Either side of the partition may be the set that goes left.
	got := fmt.Sprint(catCodes(m.Trees[0].catSets[nd.catSet()]))
	if got != "[2 5 7]" && got != "[0 1 3 4 6 8 9]" {
		t.Errorf("left categories = %v, want [2 5 7] or its complement", got)
	}
	for code := 0; code < 10; code++ {
		p := m.PredictRow([]float64{float64(code)})
		if (p > 0.5) != positive[code] {
			t.Errorf("P(y=1 | code %d) = %.3f", code, p)
		}
	}
	// Unseen and missing codes go with the categories outside the set.
	for _, v := range []float64{42, -1, math.NaN()} {
		if p := m.PredictRow([]float64{v}); p > 0.5 {
			t.Errorf("P(y=1 | %v) = %.3f, want < 0.5", v, p)
		}
	}
}

// synthetic returns a binary classification problem of n rows built from
// the deterministic lcg: informative numeric features, one with missing
// values, one categorical (column 5), and label noise.
func synthetic(n int, seed uint64) (*ml.Matrix, []float64) {
	X := ml.NewMatrix(n, 6)
	y := make([]float64, n)
	s := lcg(seed)
	for i := 0; i < n; i++ {
		for j := 0; j < 5; j++ {
			X.Cols[j][i] = s.next()
		}
		if s.next() < 0.1 {
			X.Cols[2][i] = math.NaN()
		}
		X.Cols[5][i] = math.Floor(s.next() * 12)
		z := 3*X.Cols[0][i] - 2*X.Cols[1][i] + math.Sin(6*X.Cols[3][i]) + 0.3*float64(int(X.Cols[5][i])%4) - 1
		if !math.IsNaN(X.Cols[2][i]) {
			z += X.Cols[2][i]
		}
		if s.next() < sigmoid(2*z) {
			y[i] = 1
		}
	}
	return X, y
}

func TestEarlyStoppingStops(t *testing.T) {
	X, y := synthetic(2000, 1)
	V, vy := synthetic(1000, 2)
	m := NewClassifier()
	m.NEstimators, m.LearningRate, m.NumLeaves = 500, 0.3, 63
	m.CategoricalFeatures = []int{5}
	m.ValidX, m.ValidY = V, vy
	m.EarlyStoppingRounds, m.Metric = 10, MetricAUC
	calls := 0
	m.Progress = func(done, total int) { calls++ }
	mustFit(t, m, X, y)
	if m.BestIteration == 0 || m.BestIteration >= 500 {
		t.Fatalf("BestIteration = %d, want early stop before 500", m.BestIteration)
	}
	if got, want := len(m.Trees), m.BestIteration; got != want {
		t.Errorf("kept %d trees, want BestIteration %d", got, want)
	}
	if got, want := len(m.ValidHistory), m.BestIteration+10; got != want {
		t.Errorf("validation history has %d entries, want %d", got, want)
	}
	if got, want := calls, len(m.ValidHistory); got != want {
		t.Errorf("progress called %d times for %d iterations", got, want)
	}
	best := m.ValidHistory[m.BestIteration-1]
	for i, v := range m.ValidHistory {
		if v > best {
			t.Errorf("iteration %d AUC %v beats the kept best %v", i+1, v, best)
		}
	}
}

// widen appends k noisy copies of X's numeric columns.
func widen(X *ml.Matrix, k int) *ml.Matrix {
	W := ml.NewMatrix(X.Rows, X.NumCols()+k)
	for j := range X.Cols {
		copy(W.Cols[j], X.Cols[j])
	}
	s := lcg(99)
	for j := 0; j < k; j++ {
		src := X.Cols[j%5]
		for i := range src {
			W.Cols[X.NumCols()+j][i] = src[i] + 0.3*s.next()
		}
	}
	return W
}

func TestDeterministicAcrossThreads(t *testing.T) {
	X, y := synthetic(60000, 3)
	for _, c := range []struct {
		name string
		X    *ml.Matrix
	}{
		{"6 features", X},
		{"12 features", widen(X, 6)},
	} {
		t.Run(c.name, func(t *testing.T) {
			fit := func(threads int, seed int64) []byte {
				m := NewClassifier()
				m.NEstimators, m.Seed, m.NumThreads = 15, seed, threads
				m.BaggingFraction, m.BaggingFreq, m.FeatureFraction = 0.7, 2, 0.8
				m.CategoricalFeatures = []int{5}
				mustFit(t, m, c.X, y)
				var b bytes.Buffer
				if err := m.Save(&b); err != nil {
					t.Fatal(err)
				}
				return b.Bytes()
			}
			one := fit(1, 11)
			for _, threads := range []int{2, 3} {
				if !bytes.Equal(fit(threads, 11), one) {
					t.Errorf("model with %d threads differs from the one-thread model", threads)
				}
			}
			if bytes.Equal(fit(2, 12), one) {
				t.Error("seeds 11 and 12 gave the same model")
			}
		})
	}
}

func TestSaveLoadPredictsTheSame(t *testing.T) {
	X, y := synthetic(3000, 4)
	m := NewClassifier()
	m.NEstimators = 30
	m.CategoricalFeatures = []int{5}
	mustFit(t, m, X, y)
	var b bytes.Buffer
	if err := m.Save(&b); err != nil {
		t.Fatal(err)
	}
	var loaded Model
	if err := loaded.Load(bytes.NewReader(b.Bytes())); err != nil {
		t.Fatal(err)
	}
	want, err := m.PredictProba(X)
	if err != nil {
		t.Fatal(err)
	}
	got, err := loaded.PredictProba(X)
	if err != nil {
		t.Fatal(err)
	}
	row := make([]float64, X.NumCols())
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("row %d: loaded model predicts %v, original %v", i, got[i], want[i])
		}
		if r := loaded.PredictRow(X.Row(i, row)); r != want[i] {
			t.Fatalf("row %d: PredictRow = %v, batch %v", i, r, want[i])
		}
	}
	var again bytes.Buffer
	if err := loaded.Save(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), b.Bytes()) {
		t.Error("saving a loaded model changed its bytes")
	}
	// Inside another JSON document the model goes through Save and Load.
	doc, err := json.Marshal(struct{ Model *Model }{m})
	if err != nil {
		t.Fatal(err)
	}
	var back struct{ Model *Model }
	if err := json.Unmarshal(doc, &back); err != nil {
		t.Fatal(err)
	}
	if got := back.Model.PredictRow(X.Row(3, row)); got != want[3] {
		t.Errorf("model from embedded JSON predicts %v, want %v", got, want[3])
	}
}

func TestLoadRejectsBadModels(t *testing.T) {
	X, y := synthetic(500, 5)
	m := NewClassifier()
	m.NEstimators = 2
	mustFit(t, m, X, y)
	var b bytes.Buffer
	if err := m.Save(&b); err != nil {
		t.Fatal(err)
	}
	good := b.String()
	for _, c := range []struct{ name, json, want string }{
		{"unknown version", strings.Replace(good, `"format_version":1`, `"format_version":99`, 1), "format_version 99"},
		{"not json", "{", "decode"},
		{"bad child", corrupt(t, good, func(m *modelJSON) { m.Trees[0].LeftChild[0] = 0 }), "bad child"},
		{"child used twice", corrupt(t, good, func(m *modelJSON) { m.Trees[1].RightChild[0] = m.Trees[1].LeftChild[0] }), "bad child"},
		{"short leaves", corrupt(t, good, func(m *modelJSON) { m.Trees[0].LeafValue = m.Trees[0].LeafValue[1:] }), "leaves"},
		{"bad feature", strings.Replace(good, `"num_features":6`, `"num_features":1`, 1), "feature"},
		{"unknown objective", strings.Replace(good, `"objective":"binary"`, `"objective":"poisson"`, 1), "objective"},
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

// corrupt returns the saved model after change.
func corrupt(tb testing.TB, saved string, change func(*modelJSON)) string {
	tb.Helper()
	var m modelJSON
	if err := json.Unmarshal([]byte(saved), &m); err != nil {
		tb.Fatal(err)
	}
	change(&m)
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestPredictRowDoesNotAllocate(t *testing.T) {
	X, y := synthetic(3000, 6)
	m := NewClassifier()
	m.NEstimators = 20
	m.CategoricalFeatures = []int{5}
	mustFit(t, m, X, y)
	row := X.Row(7, nil)
	if got := testing.AllocsPerRun(100, func() { m.PredictRow(row) }); got != 0 {
		t.Errorf("PredictRow allocates %v times per call, want 0", got)
	}
}

func TestFitRejectsBadInput(t *testing.T) {
	X, y := synthetic(100, 7)
	short := append([]float64(nil), y[:50]...)
	half := append([]float64(nil), y...)
	half[3] = 0.5
	nan := append([]float64(nil), y...)
	nan[3] = math.NaN()
	negW := make([]float64, 100)
	negW[0] = -1
	for _, c := range []struct {
		name   string
		modify func(m *Model)
		y, w   []float64
		want   string
	}{
		{"label count", nil, short, nil, "labels"},
		{"binary label", nil, half, nil, "want 0 or 1"},
		{"NaN label", nil, nan, nil, "label 3"},
		{"negative weight", nil, y, negW, "weight 0"},
		{"objective", func(m *Model) { m.Objective = "poisson" }, y, nil, "objective"},
		{"num_leaves", func(m *Model) { m.NumLeaves = 1 }, y, nil, "num_leaves"},
		{"fraction", func(m *Model) { m.BaggingFraction = 0 }, y, nil, "bagging_fraction"},
		{"categorical index", func(m *Model) { m.CategoricalFeatures = []int{9} }, y, nil, "categorical"},
		{"early stopping without validation", func(m *Model) { m.EarlyStoppingRounds = 3 }, y, nil, "validation"},
		{"auc for regression", func(m *Model) { m.Objective, m.Metric = Regression, MetricAUC }, y, nil, "binary"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := NewClassifier()
			if c.modify != nil {
				c.modify(m)
			}
			err := m.Fit(context.Background(), X, c.y, c.w)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Fit error = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

func TestPredictNeedsAFittedModelAndMatchingColumns(t *testing.T) {
	X, y := synthetic(200, 8)
	var m Model
	if _, err := m.PredictProba(X); !errors.Is(err, errNotFitted) {
		t.Errorf("PredictProba on an unfitted model: error = %v", err)
	}
	if got := m.PredictRow(X.Row(0, nil)); !math.IsNaN(got) {
		t.Errorf("PredictRow on an unfitted model = %v, want NaN", got)
	}
	c := NewClassifier()
	c.NEstimators = 2
	mustFit(t, c, X, y)
	if _, err := c.PredictProba(column(1, 2)); err == nil {
		t.Error("PredictProba accepted a matrix with the wrong number of columns")
	}
	if got := c.PredictRow([]float64{1}); !math.IsNaN(got) {
		t.Errorf("PredictRow of a short row = %v, want NaN", got)
	}
}

func TestFitStopsWhenCancelled(t *testing.T) {
	X, y := synthetic(2000, 9)
	ctx, cancel := context.WithCancel(context.Background())
	m := NewClassifier()
	calls := 0
	m.Progress = func(done, total int) {
		calls++
		if done == 3 {
			cancel()
		}
	}
	err := m.Fit(ctx, X, y, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Fit error = %v, want context.Canceled", err)
	}
	if calls != 3 {
		t.Errorf("progress called %d times, want 3", calls)
	}
}

func TestProgressReportsEveryIteration(t *testing.T) {
	X, y := synthetic(1000, 10)
	m := NewClassifier()
	m.NEstimators = 7
	var got []int
	m.Progress = func(done, total int) {
		if total != 7 {
			t.Errorf("total = %d, want 7", total)
		}
		got = append(got, done)
	}
	mustFit(t, m, X, y)
	if want := []int{1, 2, 3, 4, 5, 6, 7}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("progress = %v, want %v", got, want)
	}
}

func TestFeatureImportance(t *testing.T) {
	X, y := synthetic(3000, 11)
	m := NewClassifier()
	m.NEstimators = 20
	m.CategoricalFeatures = []int{5}
	mustFit(t, m, X, y)
	split, err := m.FeatureImportance(ImportanceSplit)
	if err != nil {
		t.Fatal(err)
	}
	gain, err := m.FeatureImportance(ImportanceGain)
	if err != nil {
		t.Fatal(err)
	}
	var nodes, total float64
	for _, tr := range m.Trees {
		nodes += float64(len(tr.nodes))
	}
	for _, v := range split {
		total += v
	}
	if total != nodes {
		t.Errorf("split importance sums to %v, want the %v splits", total, nodes)
	}
	// Feature 0 carries the strongest signal; feature 4 none.
	for j := 1; j < len(gain); j++ {
		if gain[j] >= gain[0] {
			t.Errorf("gain importance %v: feature %d >= feature 0", gain, j)
		}
	}
	if _, err := m.FeatureImportance("cover"); err == nil {
		t.Error("unknown importance kind accepted")
	}
}

func TestClassWeightsMoveScores(t *testing.T) {
	X, y := synthetic(3000, 12)
	var pos float64
	for _, v := range y {
		pos += v
	}
	plain := NewClassifier()
	plain.NEstimators = 10
	mustFit(t, plain, X, y)
	for _, c := range []struct {
		name   string
		set    func(m *Model)
		higher bool // mean probability should rise
	}{
		{"scale_pos_weight 5", func(m *Model) { m.ScalePosWeight = 5 }, true},
		{"scale_pos_weight 0.2", func(m *Model) { m.ScalePosWeight = 0.2 }, false},
		// is_unbalance up-weights the minority class.
		{"is_unbalance", func(m *Model) { m.IsUnbalance = true }, pos < float64(len(y))/2},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := NewClassifier()
			m.NEstimators = 10
			c.set(m)
			mustFit(t, m, X, y)
			if m.InitScore != plain.InitScore {
				t.Errorf("init score %v, want %v (class weights do not move it)", m.InitScore, plain.InitScore)
			}
			a, _ := plain.PredictProba(X)
			b, _ := m.PredictProba(X)
			var ma, mb float64
			for i := range a {
				ma += a[i]
				mb += b[i]
			}
			if got := mb > ma; got != c.higher {
				t.Errorf("mean probability %v vs unweighted %v, want higher = %v", mb/float64(len(a)), ma/float64(len(a)), c.higher)
			}
		})
	}
}

func TestSampleWeightsZeroIgnoreRows(t *testing.T) {
	// Rows with weight 0 contribute no gradient: flipping their labels does
	// not change the model.
	X, y := synthetic(2000, 13)
	w := make([]float64, len(y))
	flipped := append([]float64(nil), y...)
	for i := range w {
		w[i] = 1
		if i%4 == 0 {
			w[i] = 0
			flipped[i] = 1 - y[i]
		}
	}
	fit := func(labels []float64) []byte {
		m := NewRegressor() // L2: hessians are the weights, so counts stay exact
		m.NEstimators = 5
		if err := m.Fit(context.Background(), X, labels, w); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := m.Save(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	a, b := fit(y), fit(flipped)
	// Leaf counts are row counts and may differ; compare predictions.
	var ma, mb Model
	if err := ma.Load(bytes.NewReader(a)); err != nil {
		t.Fatal(err)
	}
	if err := mb.Load(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	pa, _ := ma.Predict(X)
	pb, _ := mb.Predict(X)
	for i := range pa {
		if math.Abs(pa[i]-pb[i]) > 1e-9 {
			t.Fatalf("row %d: %v vs %v after flipping zero-weight labels", i, pa[i], pb[i])
		}
	}
}

func TestDegenerateInputsFitWithoutPanic(t *testing.T) {
	X, y := synthetic(300, 15)
	constant := ml.NewMatrix(300, 2) // every feature constant: no split possible
	zeroW := make([]float64, 300)
	zeroW[0] = 1 // one row carries all the weight
	allZero := make([]float64, 300)
	for _, c := range []struct {
		name string
		X    *ml.Matrix
		y, w []float64
		set  func(m *Model)
	}{
		{"constant features", constant, y, nil, nil},
		{"one weighted row", X, y, zeroW, func(m *Model) { m.MinSumHessianInLeaf = 0 }},
		{"one class", X, allZero, nil, nil},
		{"tiny leaves", X, y, nil, func(m *Model) { m.MinDataInLeaf, m.MinSumHessianInLeaf, m.NumLeaves = 0, 0, 200 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := NewClassifier()
			m.NEstimators = 5
			if c.set != nil {
				c.set(m)
			}
			if err := m.Fit(context.Background(), c.X, c.y, c.w); err != nil {
				t.Fatal(err)
			}
			p, err := m.PredictProba(c.X)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range p {
				if math.IsNaN(v) || v < 0 || v > 1 {
					t.Fatalf("row %d: probability %v", i, v)
				}
			}
		})
	}
}
