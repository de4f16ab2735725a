package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/predictor"
)

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

// mustPredictor fits a small GBDT predictor on smallCSV.
func mustPredictor(tb testing.TB) *predictor.Predictor {
	tb.Helper()
	f, err := frame.ReadCSV(strings.NewReader(smallCSV), frame.CSVOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	g := gbdt.NewClassifier()
	g.NEstimators, g.MinDataInLeaf, g.MinDataInBin, g.NumThreads = 10, 2, 1, 1
	p, err := predictor.Fit(context.Background(), f, "y", predictor.Spec{Model: g})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestPredictorModel(t *testing.T) {
	p := mustPredictor(t)
	m, err := NewPredictorModel(p)
	if err != nil {
		t.Fatal(err)
	}
	// The predictor puts numeric inputs before categorical ones.
	wantCols := []Column{{"age", TypeLong, true}, {"balance", TypeLong, true}, {"member", TypeBoolean, true}, {"job", TypeString, true}}
	if got := fmt.Sprint(m.Inputs()); got != fmt.Sprint(wantCols) {
		t.Fatalf("Inputs = %v, want %v", got, wantCols)
	}
	s := mustServer(t, &Loaded{Model: m, Name: "bank", Version: "1", Example: [][]any{{int64(30), int64(10), true, "student"}}}, nil)
	rows := [][]any{{int64(47), nil, true, "manager"}, {int64(25), int64(100), false, "unseen"}}
	got := do(t, s.Handler(), "POST", "/invocations", "application/json",
		`{"dataframe_split": {"columns": ["age", "job", "balance", "member"], "data": [[47, "manager", null, true], [25, "unseen", 100, false]]}}`)
	var resp struct{ Predictions []Prediction }
	decodeJSON(t, got.body, &resp)
	if got.code != 200 || len(resp.Predictions) != 2 {
		t.Fatalf("got %d %s", got.code, got.body)
	}
	for i, r := range rows {
		proba, label, err := p.PredictRow(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Predictions[i]; got.Value != proba || got.Label != label {
			t.Errorf("row %d: served %v %q, PredictRow %v %q", i, got.Value, got.Label, proba, label)
		}
	}
	// The served answer is exactly what the JSON round trip of the
	// probability gives: no precision lost in encoding.
	b, _ := json.Marshal(resp.Predictions[0].Value)
	if !strings.Contains(got.body, string(b)) {
		t.Errorf("body %s lacks %s", got.body, b)
	}
}

// TestPredictorModelBatch scores batches large enough for the GBDT's
// parallel batch scorer and checks every row against PredictRow.
func TestPredictorModelBatch(t *testing.T) {
	p := mustPredictor(t)
	m, err := NewPredictorModel(p)
	if err != nil {
		t.Fatal(err)
	}
	if m.batch == nil {
		t.Fatal("a GBDT predictor has no batch scorer")
	}
	jobs := []any{"student", "manager", "worker", nil, "unseen"}
	for _, n := range []int{2, 450, 7000} { // 7000 rows × 10 trees: the parallel scorer
		rows := make([][]any, n)
		for i := range rows {
			var bal any = int64(i * 37 % 5000)
			if i%11 == 0 {
				bal = nil
			}
			rows[i] = []any{int64(20 + i%50), bal, i%3 == 0, jobs[i%len(jobs)]}
		}
		out := make([]Prediction, n)
		if err := m.Predict(rows, out); err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			proba, label, err := p.PredictRow(r)
			if err != nil {
				t.Fatal(err)
			}
			if got := out[i]; got.Value != proba || got.Label != label {
				t.Fatalf("%d rows: row %d scored %v %q, PredictRow %v %q", n, i, got.Value, got.Label, proba, label)
			}
		}
	}
}
