package lightgbm

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

// tolerance is the largest difference allowed from LightGBM's own
// predictions (relative to the value's size when above 1).
const tolerance = 1e-9

const fixtures = "../../tests/reference/fixtures/lightgbm"

// expected is a fixture's expected.json, written by
// tests/reference/gen_lightgbm_models.py.
type expected struct {
	Note    string
	Columns []string
	Rows    [][]any
	Raw     [][]any
	Predict [][]any
}

// wantFloats decodes the fixture's predictions, whose non-finite values are
// strings.
func wantFloats(tb testing.TB, rows [][]any) [][]float64 {
	out := make([][]float64, len(rows))
	for i, r := range rows {
		out[i] = make([]float64, len(r))
		for k, v := range r {
			out[i][k] = cellFloat(tb, v)
		}
	}
	return out
}

func mustExpected(tb testing.TB, dir string) expected {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var e expected
	if err := json.Unmarshal(b, &e); err != nil {
		tb.Fatal(err)
	}
	return e
}

func mustOpen(tb testing.TB, dir string) mlmodel.Scorer {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "MLmodel"))
	if err != nil {
		tb.Fatal(err)
	}
	f, err := mlmodel.ParseFile(b)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := Open(dir, f)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func mustParse(tb testing.TB, path string) *Booster {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	b, err := Parse(f)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// cellFloat decodes a numeric cell: a number, null, or "NaN", "Infinity",
// "-Infinity".
func cellFloat(tb testing.TB, v any) float64 {
	switch v := v.(type) {
	case nil:
		return math.NaN()
	case float64:
		return v
	case string:
		switch v {
		case "NaN":
			return math.NaN()
		case "Infinity":
			return math.Inf(1)
		case "-Infinity":
			return math.Inf(-1)
		}
	}
	tb.Fatalf("cell %v is not a number", v)
	return 0
}

// requestCell turns a fixture cell into the value a request carries for an
// input of kind k.
func requestCell(tb testing.TB, v any, k frame.Kind) any {
	if v == nil {
		return nil
	}
	switch k {
	case frame.Categorical:
		return v
	case frame.Int:
		if f, ok := v.(float64); ok && f == math.Trunc(f) {
			return int64(f)
		}
	}
	return cellFloat(tb, v)
}

// diff is |got - want|, 0 when both are NaN or the same infinity.
func diff(got, want float64) float64 {
	if got == want || math.IsNaN(got) && math.IsNaN(want) {
		return 0
	}
	return math.Abs(got - want)
}

func near(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	if got == want {
		return true
	}
	return math.Abs(got-want) <= tolerance*max(1, math.Abs(want))
}

func fixtureDirs(tb testing.TB) []string {
	tb.Helper()
	dirs, err := filepath.Glob(filepath.Join(fixtures, "*", "model.lgb"))
	if err != nil || len(dirs) == 0 {
		tb.Fatalf("no fixtures under %s: %v", fixtures, err)
	}
	for i, d := range dirs {
		dirs[i] = filepath.Dir(d)
	}
	return dirs
}

// TestBoosterMatchesLightGBM checks PredictRaw and Predict against
// LightGBM's predict(raw_score=True) and predict() on every fixture whose
// rows are plain numbers.
func TestBoosterMatchesLightGBM(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			e := mustExpected(t, dir)
			b := mustParse(t, filepath.Join(dir, "model.lgb"))
			if b.PandasCategories() != nil {
				t.Skip("rows hold category values, not codes; TestScorerMatchesLightGBM covers it")
			}
			wantRaw, wantPred := wantFloats(t, e.Raw), wantFloats(t, e.Predict)
			raw := make([]float64, b.NumOutputs())
			pred := make([]float64, b.NumOutputs())
			worst := 0.0
			defer func() { t.Logf("largest difference from LightGBM: %g", worst) }()
			for i, r := range e.Rows {
				x := make([]float64, len(r))
				for j, v := range r {
					x[j] = cellFloat(t, v)
					if filepath.Base(dir) == "float32_inputs" {
						// LightGBM predicted on the rows as float32.
						x[j] = float64(float32(x[j]))
					}
				}
				if err := b.PredictRaw(x, raw); err != nil {
					t.Fatal(err)
				}
				if err := b.Predict(x, pred); err != nil {
					t.Fatal(err)
				}
				for k := range raw {
					worst = max(worst, diff(raw[k], wantRaw[i][k]), diff(pred[k], wantPred[i][k]))
					if !near(raw[k], wantRaw[i][k]) {
						t.Errorf("row %d output %d: raw got %.17g, want %.17g", i, k, raw[k], wantRaw[i][k])
					}
					if !near(pred[k], wantPred[i][k]) {
						t.Errorf("row %d output %d: predict got %.17g, want %.17g", i, k, pred[k], wantPred[i][k])
					}
				}
			}
		})
	}
}

// TestScorerMatchesLightGBM opens every fixture directory as mlflow saved
// it and scores the fixture rows as a request carries them.
func TestScorerMatchesLightGBM(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			e := mustExpected(t, dir)
			s := mustOpen(t, dir)
			inputs := s.Inputs()
			if len(inputs) != len(e.Columns) {
				t.Fatalf("got %d inputs, want %d", len(inputs), len(e.Columns))
			}
			rows := make([][]any, len(e.Rows))
			for i, r := range e.Rows {
				rows[i] = make([]any, len(r))
				for j, v := range r {
					rows[i][j] = requestCell(t, v, inputs[j].Kind)
				}
			}
			out := s.Output()
			var sc mlmodel.Scores
			k := 0
			switch out.Task {
			case ml.TaskBinary:
				k = 2
			case ml.TaskMulticlass:
				k = len(out.Classes)
			}
			sc.Resize(len(rows), k)
			if err := s.Score(rows, &sc); err != nil {
				t.Fatal(err)
			}
			for i, want := range wantFloats(t, e.Predict) {
				switch out.Task {
				case ml.TaskMulticlass:
					for c := range want {
						if got := sc.Proba[i*k+c]; !near(got, want[c]) {
							t.Errorf("row %d class %d: got %.17g, want %.17g", i, c, got, want[c])
						}
					}
				default:
					if got := sc.Value[i]; !near(got, want[0]) {
						t.Errorf("row %d: got %.17g, want %.17g", i, got, want[0])
					}
				}
			}
		})
	}
}

// TestFixturesCoverDecisions guards the reference tests themselves: the
// fixtures must hold the kinds of split they are meant to check.
func TestFixturesCoverDecisions(t *testing.T) {
	tests := []struct {
		fixture string
		ops     []uint8
		linear  bool
	}{
		{"missing_nan", []uint8{opNumber, opNaNMissing}, false},
		{"zero_as_missing", []uint8{opZeroMissing}, false},
		{"integer_categorical", []uint8{opCategory}, false},
		{"pandas_categorical", []uint8{opCategory}, false},
		{"linear_tree", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			b := mustParse(t, filepath.Join(fixtures, tt.fixture, "model.lgb"))
			seen := map[uint8]bool{}
			coeffs := 0
			for _, tr := range b.trees {
				for _, n := range tr.nodes {
					seen[n.op] = true
				}
				coeffs += len(tr.linCoeff)
			}
			for _, op := range tt.ops {
				if !seen[op] {
					t.Errorf("no node of kind %d", op)
				}
			}
			if tt.linear && coeffs == 0 {
				t.Error("no linear leaf has coefficients")
			}
		})
	}
}
