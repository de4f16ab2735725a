package monitor

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
)

// testFrame is n rows of a numerical, a categorical with missing values, a
// score and a 0/1 target, from a fixed seed.
func testFrame(t testing.TB, n int, seed uint64) *frame.Frame {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n)
	s := make([]float64, n)
	y := make([]float64, n)
	var c []string
	for i := range n {
		x[i] = rng.NormFloat64()*3 + 10
		if i%11 == 0 {
			x[i] = math.NaN()
		}
		if i%13 == 0 {
			x[i] = 0
		}
		if i%17 == 0 {
			x[i] = -rng.ExpFloat64()
		}
		s[i] = rng.Float64()
		if rng.Float64() < s[i] {
			y[i] = 1
		}
		c = append(c, []string{"red", "green", "blue", ""}[rng.IntN(4)])
	}
	f, err := frame.New([]string{"x", "c", "score", "y"}, []frame.Column{floats(x...), cats(c...), floats(s...), floats(y...)})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestProfileMerge(t *testing.T) {
	f := testFrame(t, 5000, 3)
	opts := ProfileOptions{Target: "y", Prediction: "score"}
	whole, err := NewProfile(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{0, 1, 2500, 4999, 5000} {
		a, _ := f.Slice(0, cut)
		b, _ := f.Slice(cut, f.NumRows())
		pa, err := NewProfile(a, opts)
		if err != nil {
			t.Fatal(err)
		}
		pb, err := NewProfile(b, opts)
		if err != nil {
			t.Fatal(err)
		}
		// Merge through JSON, as replicas would ship them.
		pb = roundTrip(t, pb)
		if err := pa.Merge(pb); err != nil {
			t.Fatal(err)
		}
		for i, got := range append(pa.Columns, pa.Prediction, pa.Target) {
			want := append(whole.Columns, whole.Prediction, whole.Target)[i]
			// Sums are added in another order: equal within rounding.
			if math.Abs(got.Sum-want.Sum) > 1e-9*math.Abs(want.Sum) || math.Abs(got.SumSq-want.SumSq) > 1e-9*want.SumSq {
				t.Errorf("cut %d, %s: sums %v, %v, want %v, %v", cut, got.Name, got.Sum, got.SumSq, want.Sum, want.SumSq)
			}
			g, w := *got, *want
			g.Sum, g.SumSq, w.Sum, w.SumSq = 0, 0, 0, 0
			if !reflect.DeepEqual(g, w) {
				t.Errorf("cut %d, column %s: merged %+v, want %+v", cut, got.Name, g, w)
			}
		}
		if pa.Rows != whole.Rows {
			t.Errorf("cut %d: rows %d, want %d", cut, pa.Rows, whole.Rows)
		}
	}
}

func roundTrip(t testing.TB, p *Profile) *Profile {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ReadProfile(b)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestProfileSummary(t *testing.T) {
	f := testFrame(t, 20000, 9)
	p, err := NewProfile(f, ProfileOptions{Target: "y", Prediction: "score"})
	if err != nil {
		t.Fatal(err)
	}
	x := p.Columns[0]
	col, _ := f.Column("x")
	s := newSample(col, Numerical)
	if got, want := x.MissingShare(), float64(20000-s.n)/20000; got != want {
		t.Errorf("missing share %v, want %v", got, want)
	}
	for _, q := range []float64{0.01, 0.1, 0.5, 0.9, 0.99} {
		exact := sortedValues(s.num)[int(q*float64(s.n-1))]
		if got := x.Quantile(q); math.Abs(got-exact) > 2*SketchAccuracy*math.Abs(exact)+1e-12 {
			t.Errorf("quantile %v = %v, want %v within %v relative", q, got, exact, SketchAccuracy)
		}
	}
	if got := p.TargetRate(); got < 0.45 || got > 0.55 {
		t.Errorf("target rate %v, want about 0.5", got)
	}
	c := p.Columns[1]
	if c.Kind != Categorical || len(c.Frequencies) != 3 || c.Missing == 0 {
		t.Errorf("categorical profile %+v, want 3 levels and some missing", c)
	}
	edges, counts := p.Prediction.Histogram(10)
	if len(edges) != 11 || sum(counts) != 20000 {
		t.Errorf("histogram %v %v, want 10 bins holding 20000", edges, counts)
	}
}

func TestProfileErrors(t *testing.T) {
	f := testFrame(t, 10, 1)
	if _, err := NewProfile(f, ProfileOptions{Target: "nope"}); err == nil {
		t.Error("NewProfile with a missing target: no error")
	}
	for _, bad := range []string{`{"format_version":2}`, `{`, `{"format_version":1,"columns":[{"name":"a","kind":"zz"}]}`,
		`{"format_version":1,"columns":[{"name":"a","kind":"num","count":3,"sketch":{"pos":[1],"relative_accuracy":0.005}}]}`} {
		if _, err := ReadProfile([]byte(bad)); err == nil {
			t.Errorf("ReadProfile(%s): no error", bad)
		}
	}
	p, _ := NewProfile(f, ProfileOptions{})
	q, _ := NewProfile(f, ProfileOptions{Target: "y"})
	if err := p.Merge(q); err == nil {
		t.Error("merging profiles of different columns: no error")
	}
}

// TestProfileSize checks the bound: a profile of 1M rows of 20
// columns serialises to under 5 MB.
func TestProfileSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million-row frame")
	}
	f := benchFrame(t, 1_000_000, 20, 0, 1)
	p, err := NewProfile(f, ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) >= 5<<20 {
		t.Errorf("profile of 1M × 20 is %d bytes, want under 5 MB", len(b))
	}
	t.Logf("profile of 1M rows × 20 columns: %d bytes", len(b))
}

func sortedValues(r runs) []float64 {
	var out []float64
	for i, v := range r.v {
		for range int(r.c[i]) {
			out = append(out, v)
		}
	}
	return out
}
