package predictor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/linear"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/ml/predictor/predictortest"
	"github.com/weir-ml/weir/ml/tree"
)

// flowersCSV is a three-class toy problem: the classes differ in size,
// and colour helps; one length and one colour are missing.
const flowersCSV = `length,width,colour,species
1.4,0.2,white,setosa
1.3,0.2,white,setosa
1.5,0.3,pink,setosa
1.7,0.4,white,setosa
1.4,,white,setosa
4.7,1.4,blue,versicolor
4.5,1.5,blue,versicolor
4.9,1.5,pink,versicolor
4.0,1.3,blue,versicolor
,1.2,blue,versicolor
6.0,2.5,pink,virginica
5.1,1.9,pink,virginica
5.9,2.1,,virginica
5.6,1.8,pink,virginica
6.6,2.2,blue,virginica
`

func mustFrame(tb testing.TB, csv string) *frame.Frame {
	tb.Helper()
	f, err := frame.ReadCSV(strings.NewReader(csv), frame.CSVOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func mustMulticlass(tb testing.TB, cost [][]float64) *predictor.Predictor {
	tb.Helper()
	predictortest.Register()
	p, err := predictor.Fit(context.Background(), mustFrame(tb, flowersCSV), "species", predictor.Spec{
		Task: ml.TaskMulticlass, Model: &predictortest.NearestCentroid{}, CostMatrix: cost})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// regressionCSV predicts a client's age from the other columns.
const regressionCSV = `age,job,balance,member
25,student,100,true
32,manager,2500,false
47,manager,,true
51,worker,300,false
38,worker,1200,true
62,manager,4000,false
29,student,50,true
44,,800,false
35,worker,900,true
58,manager,3000,true
41,worker,700,false
53,student,2000,false
`

func regressors() map[string]func() any {
	return map[string]func() any{
		predictor.GBDT: func() any {
			g := gbdt.NewRegressor()
			g.NEstimators, g.MinDataInLeaf, g.MinDataInBin, g.NumThreads = 10, 2, 1, 1
			return g
		},
		predictor.RandomForestRegressor: func() any {
			rf := tree.NewRandomForestRegressor()
			rf.NEstimators, rf.Seed, rf.Workers = 10, 7, 1
			return rf
		},
	}
}

func mustRegression(tb testing.TB, model any) *predictor.Predictor {
	tb.Helper()
	p, err := predictor.Fit(context.Background(), mustFrame(tb, regressionCSV), "age", predictor.Spec{Task: ml.TaskRegression, Model: model})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func save(tb testing.TB, p *predictor.Predictor) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := p.Save(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// reload saves p, loads it back and checks that the copy saves to the
// same bytes.
func reload(tb testing.TB, p *predictor.Predictor) (*predictor.Predictor, []byte) {
	tb.Helper()
	b := save(tb, p)
	if again := save(tb, p); !bytes.Equal(b, again) {
		tb.Fatal("saving the same predictor twice gave different bytes")
	}
	q, err := predictor.Load(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	if again := save(tb, q); !bytes.Equal(b, again) {
		tb.Fatal("the loaded predictor saves to different bytes")
	}
	return q, b
}

// rowValues returns row i of f's input columns in p's order.
func rowValues(f *frame.Frame, p *predictor.Predictor, i int) []any {
	names := p.InputSchema().Names()
	row := make([]any, len(names))
	for k, name := range names {
		c, _ := f.Column(name)
		row[k] = c.Value(i)
	}
	return row
}

func TestMulticlassRoundTrip(t *testing.T) {
	f := mustFrame(t, flowersCSV)
	p := mustMulticlass(t, nil)
	if got, want := p.Classes, []string{"setosa", "versicolor", "virginica"}; !slices.Equal(got, want) {
		t.Fatalf("classes = %q, want %q", got, want)
	}
	q, b := reload(t, p)
	var head struct {
		FormatVersion int      `json:"format_version"`
		Task          string   `json:"task"`
		Learner       string   `json:"learner"`
		Classes       []string `json:"classes"`
		Threshold     *float64 `json:"threshold"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		t.Fatal(err)
	}
	if head.FormatVersion != 2 || head.Task != ml.TaskMulticlass || head.Learner != predictortest.Tag || len(head.Classes) != 3 || head.Threshold != nil {
		t.Errorf("saved head = %+v, want version 2, task multiclass, learner %s, 3 classes, no threshold", head, predictortest.Tag)
	}
	want, wantLabels, err := p.PredictProbaFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	got, gotLabels, err := q.PredictProbaFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) || !slices.Equal(gotLabels, wantLabels) {
		t.Fatal("the loaded predictor scores the frame differently")
	}
	out := make([]float64, 3)
	right := 0
	for i := range f.NumRows() {
		class, err := q.PredictProbaRow(rowValues(f, q, i), out)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for k, x := range out {
			// Row and frame scoring are the same arithmetic.
			if x != want[i*3+k] {
				t.Fatalf("row %d: PredictProbaRow = %v, frame gives %v", i, out, want[i*3:i*3+3])
			}
			sum += x
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("row %d: probabilities sum to %v", i, sum)
		}
		if top := slices.Index(out, slices.Max(out)); class != top || q.Classes[class] != wantLabels[i] {
			t.Errorf("row %d: class %d (%s), want the most probable %d (%s)", i, class, q.Classes[class], top, wantLabels[i])
		}
		sp, _ := f.Column("species")
		if wantLabels[i] == sp.Text(i) {
			right++
		}
	}
	if right < 13 {
		t.Errorf("%d of 15 training rows right, want at least 13", right)
	}
}

func TestCostMatrix(t *testing.T) {
	// Missing a virginica costs 5, any other mistake 1: the expected cost
	// of predicting j is Σᵢ P(i)·cost[i][j].
	cost := [][]float64{{0, 1, 1}, {1, 0, 1}, {5, 5, 0}}
	q, b := reload(t, mustMulticlass(t, cost))
	if !bytes.Contains(b, []byte(`"cost_matrix":[[0,1,1],[1,0,1],[5,5,0]]`)) {
		t.Errorf("saved form lacks the cost matrix")
	}
	plain := mustMulticlass(t, nil)
	for _, tc := range []struct {
		proba           []float64
		wantCost, wantP int
	}{
		{[]float64{0.9, 0.05, 0.05}, 0, 0}, // costs 0.3, 1.15, 0.95
		{[]float64{0.2, 0.7, 0.1}, 1, 1},   // costs 1.2, 0.7, 0.9
		{[]float64{0.3, 0.5, 0.2}, 2, 1},   // costs 1.5, 1.3, 0.8
		{[]float64{0.5, 0.5, 0}, 0, 0},     // costs 0.5, 0.5, 1: ties go to the first
		{[]float64{0.2, 0.4, 0.4}, 2, 1},   // costs 2.4, 2.2, 0.6
	} {
		if got := q.Decide(tc.proba); got != tc.wantCost {
			t.Errorf("with costs, Decide(%v) = %d, want %d", tc.proba, got, tc.wantCost)
		}
		if got := plain.Decide(tc.proba); got != tc.wantP {
			t.Errorf("argmax Decide(%v) = %d, want %d", tc.proba, got, tc.wantP)
		}
	}
}

func TestRegressionRoundTrip(t *testing.T) {
	f := mustFrame(t, regressionCSV)
	for name, mk := range regressors() {
		t.Run(name, func(t *testing.T) {
			p := mustRegression(t, mk())
			if p.Classes != nil || p.NumClasses() != 0 {
				t.Errorf("regression predictor has classes %q", p.Classes)
			}
			if l, err := p.LearnerType(); err != nil || l != name {
				t.Errorf("LearnerType = %q, %v, want %q", l, err, name)
			}
			q, b := reload(t, p)
			var head map[string]any
			if err := json.Unmarshal(b, &head); err != nil {
				t.Fatal(err)
			}
			for _, absent := range []string{"classes", "threshold", "cost_matrix"} {
				if _, ok := head[absent]; ok {
					t.Errorf("saved regression predictor has member %q", absent)
				}
			}
			if head["task"] != ml.TaskRegression || head["format_version"] != 2.0 {
				t.Errorf("saved task %v version %v, want regression and 2", head["task"], head["format_version"])
			}
			want, err := p.PredictValueFrame(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := q.PredictValueFrame(f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("loaded predicts %v, want %v", got, want)
			}
			ages, _ := f.Column("age")
			sse, sst, mean := 0.0, 0.0, 0.0
			for i := range want {
				mean += ages.Float(i) / float64(len(want))
			}
			for i := range want {
				v, err := q.PredictValueRow(rowValues(f, q, i))
				if err != nil {
					t.Fatal(err)
				}
				// Row scoring adds the trees in the same order as the frame's.
				if math.Abs(v-want[i]) > 1e-12 {
					t.Fatalf("row %d: PredictValueRow = %v, frame gives %v", i, v, want[i])
				}
				sse += (v - ages.Float(i)) * (v - ages.Float(i))
				sst += (mean - ages.Float(i)) * (mean - ages.Float(i))
			}
			// The trees fit the training rows better than their mean does.
			if sse >= sst {
				t.Errorf("training SSE %v is not below the mean's %v", sse, sst)
			}
		})
	}
}

// TestWrongTaskAPI checks that each scoring call refuses the tasks it does
// not serve, with an error rather than a wrong answer.
func TestWrongTaskAPI(t *testing.T) {
	mc := mustMulticlass(t, nil)
	reg := mustRegression(t, regressors()[predictor.GBDT]())
	f := mustFrame(t, flowersCSV)
	if _, _, err := mc.PredictRow(rowValues(f, mc, 0)); err == nil || !strings.Contains(err.Error(), "multiclass") {
		t.Errorf("PredictRow of a multiclass predictor: err = %v", err)
	}
	if _, _, err := mc.PredictFrame(f); err == nil {
		t.Error("PredictFrame of a multiclass predictor: no error")
	}
	if _, err := mc.PredictValueRow(rowValues(f, mc, 0)); err == nil {
		t.Error("PredictValueRow of a multiclass predictor: no error")
	}
	if _, err := mc.PredictProbaRow(rowValues(f, mc, 0), make([]float64, 2)); err == nil || !strings.Contains(err.Error(), "room for 2") {
		t.Errorf("PredictProbaRow with 2 slots for 3 classes: err = %v", err)
	}
	if _, err := reg.PredictProbaRow([]any{"manager", 1.0, true}, make([]float64, 2)); err == nil || !strings.Contains(err.Error(), "regression") {
		t.Errorf("PredictProbaRow of a regression predictor: err = %v", err)
	}
	if _, _, err := reg.PredictMap(map[string]any{}); err == nil {
		t.Error("PredictMap of a regression predictor: no error")
	}
	var unchecked predictor.Predictor
	if _, err := unchecked.PredictValueRow(nil); err == nil || !strings.Contains(err.Error(), "not checked") {
		t.Errorf("PredictValueRow unchecked: err = %v", err)
	}
}

// TestBinaryProbaRow checks the task-generic calls on a binary predictor
// against PredictRow and PredictFrame.
func TestBinaryProbaRow(t *testing.T) {
	f := mustFrame(t, regressionCSV)
	member, _ := f.Column("member")
	p, err := predictor.Fit(context.Background(), f, "member", predictor.Spec{Model: linear.NewLogisticRegression(), Threshold: 0.45})
	if err != nil {
		t.Fatal(err)
	}
	if p.Task != ml.TaskBinary || !slices.Equal(p.Classes, []string{"false", "true"}) || member == nil {
		t.Fatalf("task %q classes %q", p.Task, p.Classes)
	}
	proba, labels, err := p.PredictProbaFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, 2)
	for i := range f.NumRows() {
		x, label, err := p.PredictRow(rowValues(f, p, i))
		if err != nil {
			t.Fatal(err)
		}
		class, err := p.PredictProbaRow(rowValues(f, p, i), out)
		if err != nil {
			t.Fatal(err)
		}
		if out[1] != x || out[0] != 1-x || p.Classes[class] != label || labels[i] != label || proba[2*i+1] != x {
			t.Errorf("row %d: PredictProbaRow %v class %d, frame %v %s, PredictRow %v %s", i, out, class, proba[2*i:2*i+2], labels[i], x, label)
		}
	}
}

func TestTaskRowAllocs(t *testing.T) {
	mc := mustMulticlass(t, [][]float64{{0, 1, 1}, {1, 0, 1}, {1, 1, 0}})
	reg := mustRegression(t, regressors()[predictor.GBDT]())
	row := []any{5.0, 1.5, "pink"}
	out := make([]float64, 3)
	if n := testing.AllocsPerRun(100, func() { mc.PredictProbaRow(row, out) }); n > 0 {
		t.Errorf("PredictProbaRow allocates %v times per call, want 0", n)
	}
	regRow := []any{2500.0, true, "manager"}
	if n := testing.AllocsPerRun(100, func() { reg.PredictValueRow(regRow) }); n > 0 {
		t.Errorf("PredictValueRow allocates %v times per call, want 0", n)
	}
}

func TestFitTaskErrors(t *testing.T) {
	predictortest.Register()
	flowers := mustFrame(t, flowersCSV)
	reg := mustFrame(t, regressionCSV)
	for _, tc := range []struct {
		name, target string
		f            *frame.Frame
		spec         predictor.Spec
		want         string
	}{
		{"unknown task", "species", flowers, predictor.Spec{Task: "ranking", Model: &predictortest.NearestCentroid{}}, `unknown task "ranking"`},
		{"two classes", "member", reg, predictor.Spec{Task: ml.TaskMulticlass, Model: &predictortest.NearestCentroid{}}, "2 distinct values, want at least 3"},
		{"regressor for multiclass", "species", flowers, predictor.Spec{Task: ml.TaskMulticlass, Model: tree.NewRandomForestRegressor()}, "cannot fit a multiclass predictor"},
		{"text target", "job", reg, predictor.Spec{Task: ml.TaskRegression, Model: gbdt.NewRegressor()}, "want numbers"},
		{"missing target", "balance", reg, predictor.Spec{Task: ml.TaskRegression, Model: gbdt.NewRegressor()}, "row 2 is missing"},
		{"classifier for regression", "age", reg, predictor.Spec{Task: ml.TaskRegression, Model: tree.NewRandomForestClassifier()}, "cannot fit a regression predictor"},
		{"binary gbdt for regression", "age", reg, predictor.Spec{Task: ml.TaskRegression, Model: gbdt.NewClassifier()}, "binary label 0 is 25"},
		{"unregistered learner", "age", reg, predictor.Spec{Task: ml.TaskRegression, Model: tree.NewDecisionTreeRegressor()}, "unsupported regression learner *tree.DecisionTreeRegressor"},
		{"cost matrix shape", "species", flowers, predictor.Spec{Task: ml.TaskMulticlass, Model: &predictortest.NearestCentroid{}, CostMatrix: [][]float64{{0, 1}, {1, 0}}}, "2 rows for 3 classes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := predictor.Fit(context.Background(), tc.f, tc.target, tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Fit: err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadTaskErrors(t *testing.T) {
	goodMC := save(t, mustMulticlass(t, nil))
	goodReg := save(t, mustRegression(t, regressors()[predictor.GBDT]()))
	edit := func(good []byte, f func(doc map[string]any)) string {
		var doc map[string]any
		if err := json.Unmarshal(good, &doc); err != nil {
			t.Fatal(err)
		}
		f(doc)
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	mc := func(f func(doc map[string]any)) string { return edit(goodMC, f) }
	reg := func(f func(doc map[string]any)) string { return edit(goodReg, f) }
	for _, tc := range []struct {
		name, in, want string
	}{
		{"no task", mc(func(d map[string]any) { delete(d, "task") }), "needs a task"},
		{"binary task in version 2", mc(func(d map[string]any) { d["task"] = ml.TaskBinary }), "needs a task"},
		{"task in version 1", mc(func(d map[string]any) { d["format_version"] = 1 }), "format_version 1 is binary"},
		{"threshold", mc(func(d map[string]any) { d["threshold"] = 0.5 }), "no threshold member"},
		{"two classes", mc(func(d map[string]any) { d["classes"] = []string{"a", "b"} }), "2 classes, want at least 3"},
		{"more classes than the learner", mc(func(d map[string]any) { d["classes"] = []string{"a", "b", "c", "d"} }), "learner has 3 classes but the predictor names 4"},
		{"same classes", mc(func(d map[string]any) { d["classes"] = []string{"a", "b", "a"} }), `"a" twice`},
		{"cost row", mc(func(d map[string]any) { d["cost_matrix"] = [][]float64{{0, 1, 1}, {1, 0}, {1, 1, 0}} }), "row 1 has 2 costs"},
		{"learner of another task", mc(func(d map[string]any) { d["learner"] = predictor.RandomForestRegressor }), `unknown learner "random_forest_regressor" for a multiclass predictor`},
		{"regression classes", reg(func(d map[string]any) { d["classes"] = []string{"a", "b"} }), "has no classes"},
		{"regression cost", reg(func(d map[string]any) { d["cost_matrix"] = [][]float64{{0}} }), "no threshold or cost matrix"},
		{"regression as multiclass", reg(func(d map[string]any) { d["task"] = ml.TaskMulticlass }), `objective "regression", want "multiclass"`},
		{"regression gbdt as binary", reg(func(d map[string]any) { d["format_version"] = 1; delete(d, "task"); d["classes"] = []string{"a", "b"} }), "objective"},
		{"no model", reg(func(d map[string]any) { d["model"] = nil }), "no model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := predictor.Load(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load: err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestRegisterRefusesClashes(t *testing.T) {
	for _, tc := range []struct {
		name string
		l    predictor.Learner
	}{
		{"same tag", predictor.Learner{Task: ml.TaskBinary, Tag: predictor.GBDT, New: func() any { return new(int) }, NumFeatures: func(any) (int, error) { return 0, nil }}},
		{"same type", predictor.Learner{Task: ml.TaskBinary, Tag: "other", New: func() any { return &gbdt.Model{} }, NumFeatures: func(any) (int, error) { return 0, nil }}},
		{"no task", predictor.Learner{Tag: "x", New: func() any { return new(int) }, NumFeatures: func(any) (int, error) { return 0, nil }}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Register did not panic")
				}
			}()
			predictor.Register(tc.l)
		})
	}
	var tags []string
	for _, l := range predictor.Learners(ml.TaskRegression) {
		tags = append(tags, l.Tag)
	}
	if want := []string{predictor.RandomForestRegressor, predictor.GBDT, predictor.LinearRegression, predictor.Ridge}; !slices.Equal(tags, want) {
		t.Errorf("regression learners = %q, want %q", tags, want)
	}
}
