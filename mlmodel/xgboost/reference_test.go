package xgboost

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

// The fixtures are MLflow model directories that
// tests/reference/gen_xgboost_models.py saved with mlflow.xgboost (XGBoost
// 3.2.0, MLflow 3.17.2), in UBJSON and JSON, with what Python predicts for
// their test rows.

// tolerance bounds |Weir - XGBoost| for transformed predictions. Margins
// must match exactly: they are float32 sums in the same order. The
// transforms call exp, where Go's float64 exp rounded to float32 and
// glibc's expf may differ in the last bit.
const tolerance = 1e-6

var fixtureDir = filepath.Join("..", "..", "tests", "reference", "fixtures", "xgboost")

// expected is a fixture's expected.json.
type expected struct {
	Columns     []string
	Rows        [][]any
	Predict     json.RawMessage
	Margin      json.RawMessage
	Proba       [][]float64
	Pyfunc      json.RawMessage
	PyfuncError string `json:"pyfunc_error"`
	Unseen      []struct {
		Row []any
	}
}

func fixtures(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(fixtureDir, "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures in %s (err %v)", fixtureDir, err)
	}
	return dirs
}

func mustOpen(t testing.TB, dir string) *Scorer {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "MLmodel"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := mlmodel.ParseFile(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, f)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return s.(*Scorer)
}

func readExpected(t testing.TB, dir string) expected {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e expected
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s/expected.json: %v", dir, err)
	}
	return e
}

// requestRows turns the fixture's rows into Score's input: columns in
// Inputs order, typed as a request decoder would type them.
func requestRows(t testing.TB, s *Scorer, e expected) [][]any {
	t.Helper()
	col := map[string]int{}
	for i, c := range e.Columns {
		col[c] = i
	}
	rows := make([][]any, len(e.Rows))
	for i, r := range e.Rows {
		row := make([]any, len(s.inputs))
		for k, in := range s.inputs {
			c, ok := col[in.Name]
			if !ok {
				t.Fatalf("fixture has no column %q", in.Name)
			}
			row[k] = cellValue(r[c], in.Kind)
		}
		rows[i] = row
	}
	return rows
}

func cellValue(v any, k frame.Kind) any {
	switch x := v.(type) {
	case float64:
		if k == frame.Int && x == math.Trunc(x) {
			return int64(x)
		}
		return x
	case string:
		switch {
		case k != frame.Categorical && x == "Infinity":
			return math.Inf(1)
		case k != frame.Categorical && x == "-Infinity":
			return math.Inf(-1)
		}
		return x
	}
	return v
}

// flat reads a JSON array of numbers or of arrays of numbers.
func flat(t testing.TB, raw json.RawMessage) []float64 {
	t.Helper()
	var one []float64
	if err := json.Unmarshal(raw, &one); err == nil {
		return one
	}
	var two [][]float64
	if err := json.Unmarshal(raw, &two); err != nil {
		t.Fatalf("not an array of numbers: %v", err)
	}
	var out []float64
	for _, r := range two {
		out = append(out, r...)
	}
	return out
}

func TestReferencePredictions(t *testing.T) {
	for _, dir := range fixtures(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			s := mustOpen(t, dir)
			e := readExpected(t, dir)
			rows := requestRows(t, s, e)
			out := s.Output()
			var sc mlmodel.Scores
			sc.Resize(len(rows), len(out.Classes))
			if err := s.Score(rows, &sc); err != nil {
				t.Fatalf("Score: %v", err)
			}
			checkMargins(t, s, rows, flat(t, e.Margin))

			want := e.Pyfunc
			if want == nil {
				t.Logf("pyfunc predict fails in Python (%s); comparing with the in-process predict", e.PyfuncError)
				want = e.Predict
			}
			w := flat(t, want)
			var got []float64
			switch out.Predict {
			case mlmodel.PredictLabel:
				for _, l := range sc.Label {
					got = append(got, asFloat(out.Classes[l]))
				}
			case mlmodel.PredictProba:
				got = sc.Value
				if len(out.Classes) > 2 {
					got = sc.Proba
				}
			default:
				got = sc.Value
			}
			compare(t, "predict", got, w, out.Predict == mlmodel.PredictLabel)
			checkUnseen(t, s, e)
			if e.Proba != nil {
				var p []float64
				for _, r := range e.Proba {
					p = append(p, r...)
				}
				compare(t, "predict_proba", sc.Proba, p, false)
			}
		})
	}
}

func asFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

// compare checks got against want element by element: exactly for labels,
// within tolerance otherwise, and logs how many are bit-equal.
func compare(t *testing.T, what string, got, want []float64, exact bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	same, worst := 0, 0.0
	for i := range got {
		d := math.Abs(got[i] - want[i])
		if got[i] == want[i] || (math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			same++
			continue
		}
		worst = max(worst, d)
		if exact || !(d <= tolerance) {
			t.Errorf("%s[%d]: got %v, want %v", what, i, got[i], want[i])
		}
	}
	t.Logf("%s: %d of %d values bit-equal, largest difference %.3g", what, same, len(got), worst)
}

// checkMargins requires the margins to equal XGBoost's float32 margins
// exactly.
func checkMargins(t *testing.T, s *Scorer, rows [][]any, want []float64) {
	t.Helper()
	b := s.bst
	sc := b.getScratch()
	var got []float64
	for i, row := range rows {
		if err := s.features(i, row, b.row(sc, 0)); err != nil {
			t.Fatal(err)
		}
		b.margins(sc, 1)
		for _, v := range sc.m[:b.numGroup] {
			got = append(got, float64(v))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("margins: got %d values, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("margin[%d]: got %v, want %v (float32 sums must be bit-equal)", i, got[i], want[i])
		}
	}
}

// checkUnseen requires Score to refuse each row holding a category the
// model was not trained with, naming the column.
func checkUnseen(t *testing.T, s *Scorer, e expected) {
	t.Helper()
	for _, u := range e.Unseen {
		rows := requestRows(t, s, expected{Columns: e.Columns, Rows: [][]any{u.Row}})
		var sc mlmodel.Scores
		sc.Resize(1, len(s.Output().Classes))
		err := s.Score(rows, &sc)
		if err == nil || !strings.Contains(err.Error(), "not seen in training") {
			t.Errorf("Score(%v): got error %v, want one about an unseen category", u.Row, err)
		}
	}
}
