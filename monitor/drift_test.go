package monitor

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
)

func floats(v ...float64) frame.Column { return &frame.FloatColumn{Values: v} }

func cats(v ...string) frame.Column {
	c := &frame.CategoricalColumn{}
	index := map[string]int32{}
	for _, s := range v {
		if s == "" {
			c.Codes = append(c.Codes, -1)
			continue
		}
		code, ok := index[s]
		if !ok {
			code = int32(len(c.Levels))
			index[s] = code
			c.Levels = append(c.Levels, s)
		}
		c.Codes = append(c.Codes, code)
	}
	return c
}

func mustFrame(t testing.TB, name string, c frame.Column) *frame.Frame {
	t.Helper()
	f, err := frame.New([]string{name}, []frame.Column{c})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func spread(n int, shift float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i%17)*0.37 + float64(i%5) + shift
	}
	return out
}

// TestDriftEdgeCases runs every method on the inputs that break naive
// implementations and checks the answer is defined and as documented.
func TestDriftEdgeCases(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name     string
		ref, cur frame.Column
		numeric  bool
		skipped  bool // every method reports Skipped
		drifted  map[Method]bool
	}{
		{name: "empty current", ref: floats(1, 2, 3), cur: floats(), numeric: true, skipped: true},
		{name: "all missing current", ref: floats(1, 2, 3), cur: floats(nan, nan), numeric: true, skipped: true},
		{name: "all missing reference", ref: floats(nan, nan), cur: floats(1, 2), numeric: true, skipped: true},
		{name: "constant both", ref: floats(4, 4, 4, 4), cur: floats(4, 4, 4), numeric: true,
			drifted: map[Method]bool{KS: false, WassersteinN: false, JSDistance: false, PSIMethod: false, KLDiv: false, Hellinger: false, ChiSquareTest: false, ZTest: false}},
		{name: "constant moved", ref: floats(spread(50, 0)...), cur: floats(spread(40, 100)...), numeric: true,
			drifted: map[Method]bool{KS: true, WassersteinN: true, JSDistance: true, PSIMethod: true, KLDiv: true, Hellinger: true, CramerVonMises: true}},
		{name: "unseen category", ref: cats("a", "b", "a", "b"), cur: cats("a", "b", "c", "c"),
			drifted: map[Method]bool{ChiSquareTest: true, JSDistance: true, PSIMethod: true, KLDiv: true, Hellinger: true}},
		{name: "single category both", ref: cats("x", "x", "x"), cur: cats("x", "x"),
			drifted: map[Method]bool{ChiSquareTest: false, ZTest: false, JSDistance: false, PSIMethod: false, KLDiv: false, Hellinger: false}},
		{name: "missing categories ignored", ref: cats("a", "", "b", ""), cur: cats("", "a", "b"),
			drifted: map[Method]bool{ChiSquareTest: false, ZTest: false, JSDistance: false}},
		{name: "extreme values", ref: floats(spread30(-1e308)...), cur: floats(spread30(1e307)...), numeric: true},
		{name: "one value each", ref: floats(1), cur: floats(2), numeric: true,
			drifted: map[Method]bool{KS: false, WassersteinN: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, cur := mustFrame(t, "c", tt.ref), mustFrame(t, "c", tt.cur)
			for _, m := range Methods {
				if m.numericalOnly() && !tt.numeric {
					continue
				}
				opts := NewDriftOptions()
				opts.Method = m
				d, err := Drift(t.Context(), ref, cur, opts)
				if err != nil {
					t.Fatalf("%s: %v", m, err)
				}
				got := d.Columns[0]
				if s := float64(got.Score); math.IsNaN(s) || math.IsInf(s, 0) && tt.name != "extreme values" {
					t.Errorf("%s: score = %v, want a finite number", m, s)
				}
				if (got.Skipped != "") != tt.skipped && !(m == CramerVonMises && got.Skipped != "") {
					t.Errorf("%s: skipped = %q, want skipped %v", m, got.Skipped, tt.skipped)
				}
				if want, ok := tt.drifted[m]; ok && got.Drifted != want {
					t.Errorf("%s: drifted = %v (score %v), want %v", m, got.Drifted, got.Score, want)
				}
				if _, err := json.Marshal(d); err != nil {
					t.Errorf("%s: JSON: %v", m, err)
				}
			}
		})
	}
}

func TestDefaultMethod(t *testing.T) {
	tests := []struct {
		kind           Kind
		refN, distinct int
		want           Method
	}{
		{Numerical, 1000, 6, KS},
		{Numerical, 1000, 5, ChiSquareTest},
		{Numerical, 1000, 2, ZTest},
		{Categorical, 10, 3, ChiSquareTest},
		{Categorical, 10, 2, ZTest},
		{Categorical, 10, 1, ZTest},
		{Numerical, 1001, 6, WassersteinN},
		{Numerical, 1001, 5, JSDistance},
		{Categorical, 5000, 40, JSDistance},
	}
	for _, tt := range tests {
		if got := DefaultMethod(tt.kind, tt.refN, tt.distinct); got != tt.want {
			t.Errorf("DefaultMethod(%s, %d, %d) = %s, want %s", tt.kind, tt.refN, tt.distinct, got, tt.want)
		}
	}
}

func TestDriftOptions(t *testing.T) {
	ref, err := frame.New([]string{"a", "b", "y"}, []frame.Column{floats(spread(60, 0)...), cats(strings.Split(strings.Repeat("p,q,", 30), ",")[:60]...), floats(spread(60, 0)...)})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := frame.New([]string{"a", "b", "y"}, []frame.Column{floats(spread(60, 3)...), cats(strings.Split(strings.Repeat("p,q,", 30), ",")[:60]...), floats(spread(60, 0)...)})
	if err != nil {
		t.Fatal(err)
	}
	opts := NewDriftOptions()
	opts.Target = "y"
	opts.Methods = map[string]Method{"a": PSIMethod}
	opts.Thresholds = map[string]float64{"a": 50}
	d, err := Drift(t.Context(), ref, cur, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Columns) != 2 || d.Target == nil || d.Target.Column != "y" {
		t.Fatalf("columns %+v target %+v, want a, b and target y", d.Columns, d.Target)
	}
	a := d.Column("a")
	if a.Method != PSIMethod || a.Threshold != 50 || a.Drifted {
		t.Errorf("a = %+v, want psi at threshold 50, not drifted", a)
	}
	opts.Thresholds = nil
	opts.DriftShare = 0.5
	d, err = Drift(t.Context(), ref, cur, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d.Drifted != 1 || d.Share != 0.5 || !d.DatasetDrifted {
		t.Errorf("drifted %d share %v dataset %v, want 1, 0.5, true", d.Drifted, d.Share, d.DatasetDrifted)
	}
	for _, bad := range []DriftOptions{{DriftShare: 0}, {DriftShare: 0.5, Method: "nope"}, {DriftShare: 0.5, Columns: []string{"zz"}}} {
		if _, err := Drift(t.Context(), ref, cur, bad); err == nil {
			t.Errorf("Drift with %+v: no error", bad)
		}
	}
	opts = NewDriftOptions()
	opts.Prediction = "a"
	d, err = Drift(t.Context(), ref, cur, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d.Prediction == nil || d.Prediction.Column != "a" || !d.Prediction.Drifted || d.Column("a") != nil || d.Tested != 2 {
		t.Errorf("prediction %+v, tested %d: want a tested apart from the features b and y, and drifted", d.Prediction, d.Tested)
	}
	opts = NewDriftOptions()
	opts.Method = KS
	opts.Columns = []string{"b"}
	if _, err := Drift(t.Context(), ref, cur, opts); err == nil {
		t.Error("KS on a categorical column: no error")
	}
}

// spread30 is 30 distinct values from base upwards, with steps near the top
// of the float64 range.
func spread30(base float64) []float64 {
	out := make([]float64, 30)
	for i := range out {
		out[i] = base + float64(i)*1e306
	}
	return out
}
