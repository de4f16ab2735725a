package serve

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/mlmodel"
)

// catModel is the fake model with fitted categories for job.
type catModel struct{ *fakeModel }

func (m catModel) Categories() map[string][]string {
	return map[string][]string{"job": {"admin.", "retired"}, "age": {"30"}}
}

func TestUnknownCategoriesAndImputed(t *testing.T) {
	dir := t.TempDir()
	s := mustServer(t, &Loaded{Model: catModel{newFakeModel()}, Name: "bank", Version: "1"}, func(s *Server) {
		s.InferenceLog = NewInferenceLog(dir)
	})
	got := do(t, s.Handler(), "POST", "/invocations", "application/json",
		`{"dataframe_split": {"columns": ["age", "job", "balance"], "data": [[30, "astronaut", null], [60, "retired", 2.5], [40, "MAY", "NaN"]]}}`)
	if got.code != 200 {
		t.Fatalf("unknown categories = %d %s, want 200 (scored and counted)", got.code, got.body)
	}
	got = do(t, s.Handler(), "POST", "/v2/models/bank/infer", "application/json",
		`{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [30]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["pilot"]}]}`)
	if got.code != 200 {
		t.Fatalf("OIP = %d %s", got.code, got.body)
	}
	for col, want := range map[string][2]uint64{"job": {3, 0}, "balance": {0, 3}, "age": {0, 0}} {
		if u, i := s.Metrics.UnknownCategories(col), s.Metrics.Imputed(col); u != want[0] || i != want[1] {
			t.Errorf("column %s: unknown %d, imputed %d; want %d and %d", col, u, i, want[0], want[1])
		}
	}
	m := do(t, s.Handler(), "GET", "/metrics", "", "").body
	for _, want := range []string{
		`weir_serve_unknown_category_total{column="job"} 3`,
		`weir_serve_imputed_total{column="balance"} 3`,
		`weir_serve_imputed_total{column="age"} 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(m, `weir_serve_unknown_category_total{column="age"}`) {
		t.Error("a long column is counted for unknown categories")
	}
	s.Close()
	_, recs := readLog(t, dir)
	if len(recs) != 4 {
		t.Fatalf("%d log records, want 4", len(recs))
	}
	want := []struct{ imputed, unknown []any }{
		{[]any{"balance"}, []any{"job"}},
		{nil, nil},
		{[]any{"balance"}, []any{"job"}},
		{[]any{"balance"}, []any{"job"}},
	}
	for i, r := range recs {
		imp, _ := r["imputed"].([]any)
		unk, _ := r["unknown_categories"].([]any)
		if !reflect.DeepEqual(imp, want[i].imputed) || !reflect.DeepEqual(unk, want[i].unknown) {
			t.Errorf("record %d: imputed %v, unknown_categories %v; want %v and %v", i, imp, unk, want[i].imputed, want[i].unknown)
		}
	}
}

func TestStrictCategories(t *testing.T) {
	s := mustServer(t, &Loaded{Model: catModel{newFakeModel()}, Name: "bank", Version: "1"}, func(s *Server) {
		s.StrictCategories = true
	})
	tests := []struct {
		name, path, body string
		want             int
		wantIn           string
	}{
		{"known", "/invocations", `{"dataframe_records": [{"age": 30, "job": "retired"}]}`, 200, "predictions"},
		{"missing is not unknown", "/invocations", `{"dataframe_records": [{"age": 30, "job": null}]}`, 200, "predictions"},
		{"unknown", "/invocations", `{"dataframe_records": [{"age": 30, "job": "retired"}, {"age": 31, "job": "astronaut"}]}`, 400,
			`column \"job\": unknown category \"astronaut\" in row 1; the model was fitted with 2 categories for it (the server runs with --strict-categories)`},
		{"case matters", "/invocations", `{"dataframe_split": {"columns": ["age", "job"], "data": [[30, "Retired"]]}}`, 400, `\"Retired\"`},
		{"OIP", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [30]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["MAY"]}]}`, 400,
			`{"error":"column \"job\": unknown category \"MAY\" in row 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, s.Handler(), "POST", tt.path, "application/json", tt.body)
			if got.code != tt.want || !strings.Contains(got.body, tt.wantIn) {
				t.Errorf("got %d %s, want %d with %s", got.code, got.body, tt.want, tt.wantIn)
			}
		})
	}
	if n := s.Metrics.UnknownCategories("job"); n != 0 {
		t.Errorf("refused requests counted %d unknown categories, want 0", n)
	}
}

func TestPredictorModelCategories(t *testing.T) {
	m, err := NewPredictorModel(mustTaskPredictor(t, ml.TaskRegression))
	if err != nil {
		t.Fatal(err)
	}
	cats := m.Categories()
	job := slices.Sorted(slices.Values(cats["job"]))
	if want := []string{"manager", "student", "worker"}; !reflect.DeepEqual(job, want) {
		t.Errorf("job categories = %q, want %q (all categories: %v)", job, want, cats)
	}
	if _, ok := cats["balance"]; ok {
		t.Error("a numeric column has categories")
	}
}

// catScorer is the fake scorer with categories, as a foreign model's
// adapter may tell them.
type catScorer struct{ fakeScorer }

func (catScorer) Categories() map[string][]string { return map[string][]string{"x": {"a"}} }

func TestScorerModelCategories(t *testing.T) {
	m, err := NewScorerModel(&catScorer{fakeScorer{out: mlmodel.Output{Task: ml.TaskRegression, Predict: mlmodel.PredictValue}}})
	if err != nil {
		t.Fatal(err)
	}
	cols := []Column{{Name: "x", Type: TypeString}}
	if known := knownCategories(m, cols); known[0] == nil {
		t.Error("the scorer's categories are not used")
	}
	plain, err := NewScorerModel(&fakeScorer{out: mlmodel.Output{Task: ml.TaskRegression, Predict: mlmodel.PredictValue}})
	if err != nil {
		t.Fatal(err)
	}
	if known := knownCategories(plain, cols); known[0] != nil {
		t.Error("a scorer without categories has some")
	}
}
