package predictor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/linear"
	"github.com/weir-ml/weir/ml/tree"
)

// smallCSV is a toy problem: "yes" is likelier for older clients, for
// managers and when balance is high; one balance and one job are missing.
const smallCSV = `age,job,balance,member,y
25,student,100,true,no
32,manager,2500,false,yes
47,manager,,true,yes
51,worker,300,false,no
38,worker,1200,true,no
62,manager,4000,false,yes
29,student,50,true,no
44,,800,false,yes
35,worker,900,true,no
58,manager,3000,true,yes
41,worker,700,false,no
53,student,2000,false,yes
`

func mustSmall(tb testing.TB) *frame.Frame {
	tb.Helper()
	f, err := frame.ReadCSV(strings.NewReader(smallCSV), frame.CSVOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// learners returns one small configured learner of each supported type.
func learners() map[string]func() ml.Classifier {
	return map[string]func() ml.Classifier{
		LogisticRegression: func() ml.Classifier { return linear.NewLogisticRegression() },
		RandomForest: func() ml.Classifier {
			rf := tree.NewRandomForestClassifier()
			rf.NEstimators, rf.Seed, rf.Workers = 10, 7, 1
			return rf
		},
		GBDT: func() ml.Classifier {
			g := gbdt.NewClassifier()
			g.NEstimators, g.MinDataInLeaf, g.MinDataInBin, g.NumThreads = 10, 2, 1, 1
			return g
		},
	}
}

func mustFit(tb testing.TB, f *frame.Frame, m ml.Classifier) *Predictor {
	tb.Helper()
	p, err := Fit(context.Background(), f, "y", Spec{Model: m})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func mustSave(tb testing.TB, p *Predictor) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := p.Save(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTripSmall(t *testing.T) {
	f := mustSmall(t)
	for name, mk := range learners() {
		t.Run(name, func(t *testing.T) {
			p := mustFit(t, f, mk())
			if got, want := p.Classes, []string{"no", "yes"}; !slices.Equal(got, want) {
				t.Errorf("classes = %q, want %q", got, want)
			}
			checkRoundTrip(t, p, f)
		})
	}
}

// checkRoundTrip saves and loads p and checks that the copy predicts the
// same, row by row and frame-wise, and saves to the same bytes.
func checkRoundTrip(t *testing.T, p *Predictor, f *frame.Frame) {
	t.Helper()
	b := mustSave(t, p)
	if again := mustSave(t, p); !bytes.Equal(b, again) {
		t.Fatal("saving the same predictor twice gave different bytes")
	}
	q, err := Load(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if again := mustSave(t, q); !bytes.Equal(b, again) {
		t.Error("the loaded predictor saves to different bytes")
	}
	want, wantLabels, err := p.PredictFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	got, gotLabels, err := q.PredictFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	names := q.InputSchema().Names()
	row := make([]any, len(names))
	for i := range want {
		if got[i] != want[i] || gotLabels[i] != wantLabels[i] {
			t.Fatalf("row %d: loaded predicts %v %q, want %v %q", i, got[i], gotLabels[i], want[i], wantLabels[i])
		}
		for k, name := range names {
			c, _ := f.Column(name)
			row[k] = c.Value(i)
		}
		pr, label, err := q.PredictRow(row)
		if err != nil {
			t.Fatal(err)
		}
		// One-row scoring sums in the same order as batch scoring, but
		// allow for a last-bit difference in the learner's arithmetic.
		if math.Abs(pr-want[i]) > 1e-12 || label != wantLabels[i] {
			t.Fatalf("row %d: PredictRow = %v %q, want %v %q", i, pr, label, want[i], wantLabels[i])
		}
	}
}

func TestPredictMap(t *testing.T) {
	p := mustFit(t, mustSmall(t), linear.NewLogisticRegression())
	in := map[string]any{"age": 50, "job": "manager", "balance": 2500.0, "member": true, "extra": "ignored"}
	got, label, err := p.PredictMap(in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(p.InputSchema().Names(), ","), "age,balance,member,job"; got != want {
		t.Fatalf("inputs = %s, want %s", got, want)
	}
	want, wantLabel, err := p.PredictRow([]any{50, 2500.0, true, "manager"})
	if err != nil {
		t.Fatal(err)
	}
	if got != want || label != wantLabel {
		t.Errorf("PredictMap = %v %q, PredictRow = %v %q", got, label, want, wantLabel)
	}
	delete(in, "job")
	if _, _, err := p.PredictMap(in); err == nil || !strings.Contains(err.Error(), `"job"`) {
		t.Errorf("PredictMap without job: err = %v, want one naming the column", err)
	}
	if _, _, err := p.PredictRow([]any{50, "manager"}); err == nil {
		t.Error("PredictRow with 2 of 4 values: no error")
	}
	if _, _, err := p.PredictRow([]any{"old", 1.0, true, "manager"}); err == nil || !strings.Contains(err.Error(), `"age"`) {
		t.Errorf("PredictRow with a text age: err = %v, want one naming the column", err)
	}
}

func TestPredictRowAllocs(t *testing.T) {
	p := mustFit(t, mustSmall(t), linear.NewLogisticRegression())
	row := []any{50.0, 2500.0, true, "manager"}
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, err := p.PredictRow(row); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("PredictRow allocates %v times per call, want 0", allocs)
	}
}

func TestThresholdAndLabel(t *testing.T) {
	p := &Predictor{Classes: []string{"no", "yes"}, Threshold: 0.3}
	for _, tc := range []struct {
		proba float64
		want  string
	}{{0.1, "no"}, {0.3, "no"}, {0.30001, "yes"}, {1, "yes"}} {
		if got := p.Label(tc.proba); got != tc.want {
			t.Errorf("Label(%v) at threshold 0.3 = %q, want %q", tc.proba, got, tc.want)
		}
	}
	f := mustSmall(t)
	q, err := Fit(context.Background(), f, "y", Spec{Model: linear.NewLogisticRegression(), Threshold: 0.9, Positive: "no"})
	if err != nil {
		t.Fatal(err)
	}
	if q.Threshold != 0.9 || !slices.Equal(q.Classes, []string{"yes", "no"}) {
		t.Errorf("threshold %v classes %q, want 0.9 and [yes no]", q.Threshold, q.Classes)
	}
}

func TestTargetEncoding(t *testing.T) {
	for _, tc := range []struct {
		name     string
		col      frame.Column
		positive string
		want     [2]string
		wantY    []float64
	}{
		{"strings", &frame.CategoricalColumn{Codes: []int32{0, 1, 0}, Levels: []string{"yes", "no"}}, "", [2]string{"no", "yes"}, []float64{1, 0, 1}},
		{"ints by value", &frame.IntColumn{Values: []int64{10, 9, 10}}, "", [2]string{"9", "10"}, []float64{1, 0, 1}},
		{"bools", &frame.BoolColumn{Values: []bool{true, false}}, "", [2]string{"false", "true"}, []float64{1, 0}},
		{"positive chosen", &frame.CategoricalColumn{Codes: []int32{0, 1}, Levels: []string{"a", "b"}}, "a", [2]string{"b", "a"}, []float64{1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, y, err := encodeTarget(tc.col, tc.positive)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("classes = %q, want %q", got, tc.want)
			}
			for i := range y {
				if y[i] != tc.wantY[i] {
					t.Fatalf("y = %v, want %v", y, tc.wantY)
				}
			}
		})
	}
}

func TestFitErrors(t *testing.T) {
	f := mustSmall(t)
	three, _ := f.With("y", &frame.CategoricalColumn{Codes: []int32{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}, Levels: []string{"a", "b", "c"}})
	missing, _ := f.With("y", &frame.CategoricalColumn{Codes: []int32{0, 1, -1, 0, 1, 0, 0, 1, 0, 0, 1, 0}, Levels: []string{"a", "b"}})
	one, _ := f.With("y", &frame.IntColumn{Values: make([]int64, 12)})
	for _, tc := range []struct {
		name   string
		f      *frame.Frame
		target string
		spec   Spec
		want   string
	}{
		{"no model", f, "y", Spec{}, "no model"},
		{"no target", f, "nope", Spec{Model: linear.NewLogisticRegression()}, `no column "nope"`},
		{"three classes", three, "y", Spec{Model: linear.NewLogisticRegression()}, "more than two values"},
		{"one class", one, "y", Spec{Model: linear.NewLogisticRegression()}, "1 distinct values"},
		{"missing target", missing, "y", Spec{Model: linear.NewLogisticRegression()}, "row 2 is missing"},
		{"unknown positive", f, "y", Spec{Model: linear.NewLogisticRegression(), Positive: "maybe"}, `"maybe" is not one of`},
		{"weights", f, "y", Spec{Model: linear.NewLogisticRegression(), Weights: []float64{1}}, "1 weights for 12 rows"},
		{"regressor gbdt", f, "y", Spec{Model: gbdt.NewRegressor()}, "objective"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Fit(context.Background(), tc.f, tc.target, tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Fit: err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	good := mustSave(t, mustFit(t, mustSmall(t), linear.NewLogisticRegression()))
	edit := func(f func(doc map[string]any)) string {
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
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "not a predictor file"},
		{"not json", "MLmodel", "not a predictor file"},
		{"no version", `{"learner":"gbdt"}`, "no format_version"},
		{"future version", edit(func(d map[string]any) { d["format_version"] = 3 }), "format_version 3 is not supported"},
		{"unknown learner", edit(func(d map[string]any) { d["learner"] = "svm" }), `unknown learner "svm"`},
		{"learner mismatch", edit(func(d map[string]any) { d["learner"] = GBDT }), "gbdt"},
		{"one class", edit(func(d map[string]any) { d["classes"] = []string{"no"} }), "1 classes"},
		{"same classes", edit(func(d map[string]any) { d["classes"] = []string{"no", "no"} }), "must differ"},
		{"threshold", edit(func(d map[string]any) { d["threshold"] = 1.5 }), "outside [0, 1]"},
		{"no target", edit(func(d map[string]any) { d["target"] = "" }), "no target"},
		{"inputs", edit(func(d map[string]any) { d["inputs"] = []any{} }), "differ from the preprocessor"},
		{"no model", edit(func(d map[string]any) { delete(d, "model") }), "no model"},
		{"short model", edit(func(d map[string]any) {
			m := d["model"].(map[string]any)
			m["coef"], m["feature_names"] = []float64{1}, nil
		}), "learner reads 1 features"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load: err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestUncheckedPredictor(t *testing.T) {
	p := &Predictor{}
	if _, _, err := p.PredictRow(nil); err == nil {
		t.Error("PredictRow on an empty predictor: no error")
	}
	if err := p.Save(&bytes.Buffer{}); err == nil {
		t.Error("Save of an empty predictor: no error")
	}
}

func BenchmarkPredictRow(b *testing.B) {
	f := mustSmall(b)
	for name, mk := range learners() {
		b.Run(name, func(b *testing.B) {
			p := mustFit(b, f, mk())
			row := []any{50.0, 2500.0, true, "manager"}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := p.PredictRow(row); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestConcurrentUse scores and saves from several goroutines at once; run
// with -race it shows that a checked predictor is safe to share.
func TestConcurrentUse(t *testing.T) {
	f := mustSmall(t)
	p := mustFit(t, f, gbdtSmall())
	want, _, err := p.PredictRow([]any{50.0, 2500.0, true, "manager"})
	if err != nil {
		t.Fatal(err)
	}
	saved := mustSave(t, p)
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 50; i++ {
				got, _, err := p.PredictRow([]any{50.0, 2500.0, true, "manager"})
				if err == nil && got != want {
					err = fmt.Errorf("PredictRow = %v, want %v", got, want)
				}
				if err == nil && i%10 == 0 {
					var buf bytes.Buffer
					if err = p.Save(&buf); err == nil && !bytes.Equal(buf.Bytes(), saved) {
						err = fmt.Errorf("concurrent Save wrote different bytes")
					}
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func gbdtSmall() ml.Classifier { return learners()[GBDT]() }
