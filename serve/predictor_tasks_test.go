package serve

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/ml/predictor/predictortest"
	"github.com/weir-ml/weir/mlmodel"
)

// mustTaskPredictor fits a predictor of the task on smallCSV: the job
// (three classes, rows with a job only) for multiclass, the age for
// regression.
func mustTaskPredictor(tb testing.TB, task string) *predictor.Predictor {
	tb.Helper()
	f, err := frame.ReadCSV(strings.NewReader(smallCSV), frame.CSVOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	spec := predictor.Spec{Task: task}
	target := "age"
	if task == ml.TaskMulticlass {
		predictortest.Register()
		spec.Model, target = &predictortest.NearestCentroid{}, "job"
		if f, err = f.Take([]int{0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11}); err != nil {
			tb.Fatal(err)
		}
	} else {
		g := gbdt.NewRegressor()
		g.NEstimators, g.MinDataInLeaf, g.MinDataInBin, g.NumThreads = 10, 2, 1, 1
		spec.Model = g
	}
	p, err := predictor.Fit(context.Background(), f, target, spec)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestPredictorModelMulticlass(t *testing.T) {
	p := mustTaskPredictor(t, ml.TaskMulticlass)
	m, err := NewPredictorModel(p)
	if err != nil {
		t.Fatal(err)
	}
	wantOut := mlmodel.Output{Task: ml.TaskMulticlass, Classes: []any{"manager", "student", "worker"}, Predict: mlmodel.PredictRecords}
	if got := m.Output(); !reflect.DeepEqual(got, wantOut) {
		t.Fatalf("Output = %+v, want %+v", got, wantOut)
	}
	// Inputs: age, balance, member, y.
	rows := [][]any{{int64(47), nil, true, "yes"}, {int64(25), int64(100), false, "no"}, {int64(60), int64(3900), false, "yes"}}
	optional(m, "balance") // OIP refuses nulls in required columns
	s := mustServer(t, &Loaded{Model: m, Name: "jobs", Version: "1", Example: rows[:1], Output: m.Output()}, nil)
	got := do(t, s.Handler(), "POST", "/invocations", "application/json",
		`{"dataframe_split": {"columns": ["y", "age", "balance", "member"], "data": [["yes", 47, null, true], ["no", 25, 100, false], ["yes", 60, 3900, false]]}}`)
	if got.code != 200 || !strings.HasPrefix(got.body, `{"predictions":[{"probabilities":[`) {
		t.Fatalf("invocations: %d %s", got.code, got.body)
	}
	var resp struct {
		Predictions []struct {
			Probabilities []float64
			Label         string
		}
	}
	decodeJSON(t, got.body, &resp)
	oip := do(t, s.Handler(), "POST", "/v2/models/jobs/infer", "application/json", `{"id": "q", "inputs": [
		{"name": "age", "shape": [3], "datatype": "INT64", "data": [47, 25, 60]},
		{"name": "balance", "shape": [3], "datatype": "FP64", "data": [null, 100, 3900]},
		{"name": "member", "shape": [3], "datatype": "BOOL", "data": [true, false, false]},
		{"name": "y", "shape": [3], "datatype": "BYTES", "data": ["yes", "no", "yes"]}]}`)
	var oipResp struct {
		Outputs []struct {
			Name  string
			Shape []int
			Data  []any
		}
	}
	decodeJSON(t, oip.body, &oipResp)
	if oip.code != 200 || len(oipResp.Outputs) != 2 || !reflect.DeepEqual(oipResp.Outputs[0].Shape, []int{3, 3}) || oipResp.Outputs[1].Name != "label" {
		t.Fatalf("OIP: %d %s", oip.code, oip.body)
	}
	labels := map[string]bool{}
	for i, r := range rows {
		want := make([]float64, 3)
		c, err := p.PredictProbaRow(r, want)
		if err != nil {
			t.Fatal(err)
		}
		labels[p.Classes[c]] = true
		g := resp.Predictions[i]
		if !reflect.DeepEqual(g.Probabilities, want) || g.Label != p.Classes[c] {
			t.Errorf("row %d: /invocations %v %q, PredictProbaRow %v %q", i, g.Probabilities, g.Label, want, p.Classes[c])
		}
		for k := range want {
			if x := oipResp.Outputs[0].Data[i*3+k]; x != want[k] {
				t.Errorf("row %d: OIP probability %d = %v, want %v", i, k, x, want[k])
			}
		}
		if l := oipResp.Outputs[1].Data[i]; l != p.Classes[c] {
			t.Errorf("row %d: OIP label %v, want %q", i, l, p.Classes[c])
		}
	}
	if len(labels) < 2 {
		t.Errorf("the rows get one label only (%d): the test shows little", len(labels))
	}
}

// TestPredictorModelMulticlassFresh checks that each request's
// probabilities are its own: the inference log may keep them.
func TestPredictorModelMulticlassFresh(t *testing.T) {
	m, err := NewPredictorModel(mustTaskPredictor(t, ml.TaskMulticlass))
	if err != nil {
		t.Fatal(err)
	}
	first := make([]Prediction, 1)
	if err := m.Predict([][]any{{int64(25), int64(100), false, "no"}}, first); err != nil {
		t.Fatal(err)
	}
	keep := append([]float64(nil), first[0].Proba...)
	second := make([]Prediction, 1)
	if err := m.Predict([][]any{{int64(60), int64(3900), false, "yes"}}, second); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first[0].Proba, keep) || reflect.DeepEqual(first[0].Proba, second[0].Proba) {
		t.Errorf("the first answer's probabilities changed to %v (were %v) after a second request", first[0].Proba, keep)
	}
	if p := first[0]; p.Value != p.Proba[p.Class] || p.Label != m.P.Classes[p.Class] {
		t.Errorf("prediction %+v: Value and Label are not those of Class", p)
	}
}

func TestPredictorModelRegression(t *testing.T) {
	p := mustTaskPredictor(t, ml.TaskRegression)
	m, err := NewPredictorModel(p)
	if err != nil {
		t.Fatal(err)
	}
	if m.batch == nil {
		t.Fatal("a gbdt regression predictor has no batch scorer")
	}
	if got, want := m.Output(), (mlmodel.Output{Task: ml.TaskRegression, Predict: mlmodel.PredictRecords}); !reflect.DeepEqual(got, want) {
		t.Fatalf("Output = %+v, want %+v", got, want)
	}
	// Inputs: balance, member, job, y.
	rows := [][]any{{nil, true, "manager", "yes"}, {int64(100), false, "unseen", "no"}}
	optional(m, "balance") // OIP refuses nulls in required columns
	s := mustServer(t, &Loaded{Model: m, Name: "age", Version: "2", Example: rows, Output: m.Output()}, nil)
	got := do(t, s.Handler(), "POST", "/invocations", "application/json",
		`{"dataframe_records": [{"balance": null, "member": true, "job": "manager", "y": "yes"}, {"balance": 100, "member": false, "job": "unseen", "y": "no"}]}`)
	if got.code != 200 || !strings.HasPrefix(got.body, `{"predictions":[{"prediction":`) {
		t.Fatalf("invocations: %d %s", got.code, got.body)
	}
	var resp struct {
		Predictions []struct{ Prediction float64 }
	}
	decodeJSON(t, got.body, &resp)
	oip := do(t, s.Handler(), "POST", "/v2/models/age/infer", "application/json", `{"inputs": [
		{"name": "balance", "shape": [2], "datatype": "INT64", "data": [null, 100]},
		{"name": "member", "shape": [2], "datatype": "BOOL", "data": [true, false]},
		{"name": "job", "shape": [2], "datatype": "BYTES", "data": ["manager", "unseen"]},
		{"name": "y", "shape": [2], "datatype": "BYTES", "data": ["yes", "no"]}]}`)
	var oipResp struct {
		Outputs []struct {
			Name string
			Data []float64
		}
	}
	decodeJSON(t, oip.body, &oipResp)
	if oip.code != 200 || len(oipResp.Outputs) != 1 || oipResp.Outputs[0].Name != "prediction" {
		t.Fatalf("OIP: %d %s", oip.code, oip.body)
	}
	for i, r := range rows {
		want, err := p.PredictValueRow(r)
		if err != nil {
			t.Fatal(err)
		}
		if g := resp.Predictions[i].Prediction; g != want {
			t.Errorf("row %d: /invocations %v, PredictValueRow %v", i, g, want)
		}
		if g := oipResp.Outputs[0].Data[i]; g != want {
			t.Errorf("row %d: OIP %v, PredictValueRow %v", i, g, want)
		}
	}
	// Row by row (a learner without a batch scorer) answers the same.
	m.batch = nil
	out := make([]Prediction, len(rows))
	if err := m.Predict(rows, out); err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if out[i].Value != resp.Predictions[i].Prediction || out[i].Label != "" {
			t.Errorf("row %d: row-by-row %+v, batch %v", i, out[i], resp.Predictions[i].Prediction)
		}
	}
}

// TestPredictorModelBinaryOutput checks that a binary predictor answers the
// same bytes whether Loaded.Output is left zero or set from Output, as
// cmd/weir will.
func TestPredictorModelBinaryOutput(t *testing.T) {
	m, err := NewPredictorModel(mustPredictor(t))
	if err != nil {
		t.Fatal(err)
	}
	want := mlmodel.Output{Task: ml.TaskBinary, Classes: []any{"no", "yes"}, Predict: mlmodel.PredictRecords}
	if got := m.Output(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Output = %+v, want %+v", got, want)
	}
	body := `{"dataframe_split": {"columns": ["age", "job", "balance", "member"], "data": [[47, "manager", null, true], [25, "unseen", 100, false]]}}`
	var answers []string
	for _, out := range []mlmodel.Output{{}, m.Output()} {
		s := mustServer(t, &Loaded{Model: m, Name: "bank", Version: "1", Output: out}, nil)
		answers = append(answers, do(t, s.Handler(), "POST", "/invocations", "application/json", body).body)
	}
	if answers[0] != answers[1] || !strings.HasPrefix(answers[0], `{"predictions":[{"probability":`) {
		t.Errorf("answers differ: %s and %s", answers[0], answers[1])
	}
}

// optional marks column name of m not required, as a signature with
// "required": false does.
func optional(m *PredictorModel, name string) {
	for i := range m.cols {
		if m.cols[i].Name == name {
			m.cols[i].Required = false
		}
	}
}
