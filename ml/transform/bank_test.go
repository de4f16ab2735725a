package transform

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
)

func readBank(tb testing.TB) (*frame.Frame, []float64) {
	tb.Helper()
	p := os.Getenv("WEIR_BANK_DATA")
	if p == "" {
		p = filepath.Join("..", "..", "..", "shared", "data", "bank-marketing", "bank-full.csv")
	}
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("bank-marketing data not found at %s (set WEIR_BANK_DATA): %v", p, err)
	}
	f, err := frame.ReadCSVFile(p, frame.CSVOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	yc, err := f.Column("y")
	if err != nil {
		tb.Fatal(err)
	}
	y := make([]float64, f.NumRows())
	for i := range y {
		if yc.Text(i) == "yes" {
			y[i] = 1
		}
	}
	return f, y
}

// bankPreprocessor is the kind of preprocessing the pipeline will run on the
// bank data (duration left out: it leaks the target).
func bankPreprocessor() *Preprocessor {
	return &Preprocessor{
		Derived: []Derivation{
			&Flag{Name: "never_contacted", Column: "pdays", Value: "-1"},
			&ReplaceWithNaN{Column: "pdays", Values: []string{"-1"}},
			&Ratio{Name: "balance_per_age", Numerator: "balance", Denominator: "age"},
		},
		Steps: []Step{
			{Name: "numeric", Columns: []string{"age", "balance", "campaign", "pdays", "previous", "balance_per_age"},
				Transforms: []Transformer{&Imputer{Strategy: Median}, &StandardScaler{}}},
			{Name: "flags", Columns: []string{"never_contacted"}},
			{Name: "day", Columns: []string{"day"}, Transforms: []Transformer{&QuantileBins{Bins: 4}}},
			{Name: "categories", Columns: []string{"job", "marital", "education", "default", "housing", "loan", "contact", "poutcome"},
				Transforms: []Transformer{&OneHot{MinFrequency: 500}}},
			{Name: "month", Columns: []string{"month"}, Transforms: []Transformer{&TargetEncoder{Seed: 1}}},
		},
	}
}

func TestBankPreprocessing(t *testing.T) {
	f, y := readBank(t)
	p := bankPreprocessor()
	m, err := p.FitTransform(f, y)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rows × %d features", m.Rows, m.NumCols())
	names := map[string]int{}
	for j, n := range p.Features {
		names[n] = j
	}
	for _, n := range []string{"job=admin.", "job=<infrequent>", "never_contacted", "month", "poutcome=success"} {
		if _, ok := names[n]; !ok {
			t.Errorf("no feature %q in %v", n, p.Features)
		}
	}
	for j, c := range m.Cols {
		for i, x := range c {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("feature %s row %d = %v", p.Features[j], i, x)
			}
		}
	}
	// 36,954 rows have pdays = -1 in the bank data.
	nc := 0.0
	for _, x := range m.Cols[names["never_contacted"]] {
		nc += x
	}
	if got, want := nc, 36954.0; got != want {
		t.Errorf("never_contacted count = %v, want %v", got, want)
	}
	// Out-of-fold month encodings differ from the full-data ones but stay
	// close on a category as large as May.
	full, err := p.Transform(f)
	if err != nil {
		t.Fatal(err)
	}
	mj := names["month"]
	diff := 0
	for i := range y {
		if m.Cols[mj][i] != full.Cols[mj][i] {
			diff++
		}
		if math.Abs(m.Cols[mj][i]-full.Cols[mj][i]) > 0.05 {
			t.Fatalf("row %d: OOF month %v far from full %v", i, m.Cols[mj][i], full.Cols[mj][i])
		}
	}
	if diff == 0 {
		t.Errorf("OOF month encodings equal the full-data ones")
	}
	// The one-row path agrees with the batch path, and after a JSON trip.
	var buf bytes.Buffer
	if err := p.Save(&buf); err != nil {
		t.Fatal(err)
	}
	q, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	cols := make([]frame.Column, len(q.Inputs))
	for k, in := range q.Inputs {
		cols[k], _ = f.Column(in.Name)
	}
	vals := make([]any, len(cols))
	var dst []float64
	for i := 0; i < f.NumRows(); i += 7 {
		for k, c := range cols {
			vals[k] = c.Value(i)
		}
		if dst, err = q.TransformRow(vals, dst); err != nil {
			t.Fatal(err)
		}
		for j, x := range dst {
			if x != full.Cols[j][i] {
				t.Fatalf("row %d feature %s: TransformRow %v, Transform %v", i, q.Features[j], x, full.Cols[j][i])
			}
		}
	}
}

func BenchmarkTransformRowBank(b *testing.B) {
	f, y := readBank(b)
	p := bankPreprocessor()
	if err := p.Fit(f, y); err != nil {
		b.Fatal(err)
	}
	vals := make([]any, len(p.Inputs))
	for k, in := range p.Inputs {
		c, _ := f.Column(in.Name)
		vals[k] = c.Value(3)
	}
	dst := make([]float64, p.NumFeatures())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.TransformRow(vals, dst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFitTransformBank(b *testing.B) {
	f, y := readBank(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bankPreprocessor().FitTransform(f, y); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTransformBank(b *testing.B) {
	f, y := readBank(b)
	p := bankPreprocessor()
	if err := p.Fit(f, y); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Transform(f); err != nil {
			b.Fatal(err)
		}
	}
}
