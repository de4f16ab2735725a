package transform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
)

// smallFrame has the shapes of the bank data: ints with a sentinel, a
// category and a float with a missing value.
func smallFrame(t *testing.T) *frame.Frame {
	t.Helper()
	f, err := frame.ReadCSV(strings.NewReader(`age,pdays,job,balance
30,-1,admin.,100
40,5,technician,
50,-1,admin.,300
60,12,retired,-50
`), frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func bankLike() *Preprocessor {
	return &Preprocessor{
		Derived: []Derivation{
			&Flag{Name: "never_contacted", Column: "pdays", Value: "-1"},
			&ReplaceWithNaN{Column: "pdays", Values: []string{"-1"}},
			&Ratio{Name: "balance_per_age", Numerator: "balance", Denominator: "age"},
		},
		Steps: []Step{
			{Name: "numeric", Columns: []string{"age", "pdays", "balance_per_age"},
				Transforms: []Transformer{&Imputer{Strategy: Median}, &StandardScaler{}}},
			{Name: "flags", Columns: []string{"never_contacted"}},
			{Name: "job", Columns: []string{"job"}, Transforms: []Transformer{&OneHot{MinFrequency: 2}}},
		},
	}
}

func TestPreprocessorDerivedAndSteps(t *testing.T) {
	f := smallFrame(t)
	p := bankLike()
	m, err := p.FitTransform(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"age", "pdays", "balance_per_age", "never_contacted", "job=admin.", "job=<infrequent>"}
	if !slices.Equal(p.Features, wantNames) {
		t.Fatalf("features = %v, want %v", p.Features, wantNames)
	}
	if got, want := p.InputNames(), []string{"pdays", "balance", "age", "job"}; !slices.Equal(got, want) {
		t.Errorf("inputs = %v, want %v", got, want)
	}
	checkSlice(t, "never_contacted", m.Cols[3], []float64{1, 0, 1, 0})
	checkSlice(t, "job=admin.", m.Cols[4], []float64{1, 0, 1, 0})
	checkSlice(t, "job=<infrequent>", m.Cols[5], []float64{0, 1, 0, 1})
	// pdays -1 became missing, then the median of 5 and 12 filled it:
	// scaled values of {8.5, 5, 8.5, 12}.
	sc := p.Steps[0].Transforms[1].(*StandardScaler)
	if got, want := sc.Mean[1], 8.5; got != want {
		t.Errorf("pdays mean after replace+impute = %v, want %v", got, want)
	}
	// balance is missing in row 1, so its ratio is missing, then imputed by
	// the median of 100/30, 300/50, -50/60.
	im := p.Steps[0].Transforms[0].(*Imputer)
	if got, want := im.Fill[2].Number, 100.0/30; math.Abs(got-want) > 1e-15 {
		t.Errorf("ratio median = %v, want %v", got, want)
	}
	if err := m.Check(); err != nil {
		t.Error(err)
	}
}

func TestTransformRowMatchesTransform(t *testing.T) {
	f := smallFrame(t)
	p := bankLike()
	if err := p.Fit(f, nil); err != nil {
		t.Fatal(err)
	}
	m, err := p.Transform(f)
	if err != nil {
		t.Fatal(err)
	}
	var dst []float64
	var rows [][]any
	for i := 0; i < f.NumRows(); i++ {
		vals := make([]any, len(p.Inputs))
		byName := map[string]any{}
		for k, in := range p.Inputs {
			c, _ := f.Column(in.Name)
			vals[k] = c.Value(i)
			byName[in.Name] = c.Value(i)
		}
		rows = append(rows, vals)
		dst, err = p.TransformRow(vals, dst)
		if err != nil {
			t.Fatal(err)
		}
		checkSlice(t, "row", dst, m.Row(i, nil))
		got, err := p.TransformMap(byName, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkSlice(t, "map row", got, m.Row(i, nil))
	}
	w := p.NumFeatures()
	block := make([]float64, len(rows)*w)
	if n, err := p.TransformRows(rows, block); err != nil || n != len(rows) {
		t.Fatalf("TransformRows: %d, %v", n, err)
	}
	for i := range rows {
		checkSlice(t, "batch row", block[i*w:(i+1)*w], m.Row(i, nil))
	}
	// A bad row stops the batch at its index, with TransformRow's message.
	bad := append(rows[:1:1], append([]any{"not a number"}, rows[0][1:]...))
	_, rowErr := p.TransformRow(bad[1], nil)
	if n, err := p.TransformRows(bad, block); n != 1 || err == nil || rowErr == nil || err.Error() != rowErr.Error() {
		t.Errorf("TransformRows with a bad second row: %d, %v; want 1, %v", n, err, rowErr)
	}
	if _, err := p.TransformRows(rows, block[:w]); err == nil {
		t.Error("TransformRows took an output block too small for its rows")
	}
	// Values as a JSON decoder gives them: float64 and strings; an unseen job
	// encodes as all zeros.
	got, err := p.TransformMap(map[string]any{"age": 45.0, "pdays": "-1", "job": "astronaut", "balance": json.Number("90")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got[3] != 1 || got[4] != 0 || got[5] != 0 {
		t.Errorf("row = %v, want never_contacted=1 and no job output", got)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	f := smallFrame(t)
	p := bankLike()
	p.Steps = append(p.Steps,
		Step{Columns: []string{"job"}, Transforms: []Transformer{&Imputer{Strategy: MostFrequent}, &Ordinal{Unknown: Fixed(-1)}}},
		Step{Columns: []string{"age"}, Transforms: []Transformer{&QuantileBins{Bins: 2}, &RobustScaler{}}},
		Step{Columns: []string{"job"}, Transforms: []Transformer{&TargetEncoder{Smooth: Fixed(1)}}},
	)
	y := []float64{0, 1, 0, 1}
	if err := p.Fit(f, y); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.Save(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"format_version": 1`) {
		t.Errorf("saved JSON lacks format_version:\n%s", buf.String())
	}
	q, err := Load(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := p.Transform(f)
	got, err := q.Transform(f)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(q.Features, p.Features) {
		t.Errorf("loaded features = %v, want %v", q.Features, p.Features)
	}
	for j := range want.Cols {
		checkSlice(t, want.Names[j], got.Cols[j], want.Cols[j])
	}
	var again bytes.Buffer
	if err := q.Save(&again); err != nil {
		t.Fatal(err)
	}
	if again.String() != buf.String() {
		t.Errorf("save of a loaded preprocessor differs:\n%s\nwant\n%s", again.String(), buf.String())
	}
	// An unfitted configuration round-trips too, and fits after loading.
	var cfg bytes.Buffer
	if err := bankLike().Save(&cfg); err != nil {
		t.Fatal(err)
	}
	u, err := Load(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Fit(f, nil); err != nil {
		t.Fatal(err)
	}
}

func TestLoadErrors(t *testing.T) {
	f := smallFrame(t)
	p := bankLike()
	if err := p.Fit(f, nil); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	good := string(b)
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"future version", strings.Replace(good, `"format_version":1`, `"format_version":2`, 1), "format_version 2 is not supported"},
		{"no version", `{"steps":[]}`, "format_version 0 is not supported"},
		{"unknown transform", strings.Replace(good, `"standard_scaler"`, `"magic_scaler"`, 1), `unknown type "magic_scaler"`},
		{"state size", strings.Replace(good, `"scale":[`, `"scale":[1,`, 1), "standard scaler has 3 means and 4 scales"},
		{"features", strings.Replace(good, `"job=admin."`, `"job=other"`, 1), "features"},
		{"not json", `{"format_version":1,`, "reading preprocessor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestPreprocessorErrors(t *testing.T) {
	f := smallFrame(t)
	tests := []struct {
		name string
		p    *Preprocessor
		y    []float64
		want string
	}{
		{"unknown column", &Preprocessor{Steps: []Step{{Columns: []string{"nope"}}}}, nil, `no column "nope"`},
		{"scaler on category", &Preprocessor{Steps: []Step{{Columns: []string{"job"}, Transforms: []Transformer{&StandardScaler{}}}}}, nil, "standard_scaler needs numeric columns"},
		{"mean of category", &Preprocessor{Steps: []Step{{Columns: []string{"job"}, Transforms: []Transformer{&Imputer{}, &OneHot{}}}}}, nil, "imputer strategy mean needs numeric"},
		{"category without encoder", &Preprocessor{Steps: []Step{{Columns: []string{"job"}}}}, nil, "need an encoder"},
		{"encoder not last", &Preprocessor{Steps: []Step{{Columns: []string{"age"}, Transforms: []Transformer{&OneHot{}, &StandardScaler{}}}}}, nil, "encoder must be last"},
		{"target encoder without y", &Preprocessor{Steps: []Step{{Columns: []string{"job"}, Transforms: []Transformer{&TargetEncoder{}}}}}, nil, "needs a target of 4 values, got 0"},
		{"target length", &Preprocessor{Steps: []Step{{Columns: []string{"age"}}}}, []float64{1}, "target has 1 values for 4 rows"},
		{"nan target", &Preprocessor{Steps: []Step{{Columns: []string{"job"}, Transforms: []Transformer{&TargetEncoder{}}}}}, []float64{0, math.NaN(), 1, 0}, "target row 1 is NaN"},
		{"ratio of category", &Preprocessor{Derived: []Derivation{&Ratio{Name: "r", Numerator: "job", Denominator: "age"}}, Steps: []Step{{Columns: []string{"r"}}}}, nil, "needs numeric columns"},
		{"flag value not a number", &Preprocessor{Derived: []Derivation{&Flag{Name: "x", Column: "age", Value: "old"}}, Steps: []Step{{Columns: []string{"x"}}}}, nil, `value "old" is not a number`},
		{"bad bins", &Preprocessor{Steps: []Step{{Columns: []string{"age"}, Transforms: []Transformer{&QuantileBins{Bins: 1}}}}}, nil, "1 bins"},
		{"bad method", &Preprocessor{Steps: []Step{{Columns: []string{"age"}, Transforms: []Transformer{&QuantileBins{Method: "nearest"}}}}}, nil, `unknown quantile method "nearest"`},
		{"unknown strategy", &Preprocessor{Steps: []Step{{Columns: []string{"age"}, Transforms: []Transformer{&Imputer{Strategy: "mode"}}}}}, nil, `unknown imputer strategy "mode"`},
		{"empty step", &Preprocessor{Steps: []Step{{Name: "s"}}}, nil, "no columns"},
		{"nil transform", &Preprocessor{Steps: []Step{{Columns: []string{"age"}, Transforms: []Transformer{nil}}}}, nil, "transform 1 is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Fit(f, tt.y)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Fit error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestRowErrors(t *testing.T) {
	f := smallFrame(t)
	p := bankLike()
	if _, err := p.TransformRow([]any{1}, nil); err == nil || !strings.Contains(err.Error(), "not fitted") {
		t.Errorf("TransformRow before Fit error = %v", err)
	}
	if err := p.Fit(f, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		vals []any
		want string
	}{
		{"too few", []any{1.0}, "got 1 values, want 4"},
		{"bad string", []any{"soon", 1.0, 2.0, "admin."}, `input "pdays": "soon" is not a number`},
		{"bad type", []any{1.0, []int{1}, 2.0, "admin."}, `input "balance": unsupported value`},
	}
	for _, tt := range tests {
		if _, err := p.TransformRow(tt.vals, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	if _, err := p.TransformMap(map[string]any{"age": 1.0}, nil); err == nil || !strings.Contains(err.Error(), `no field "pdays"`) {
		t.Errorf("TransformMap with missing field error = %v", err)
	}
	// A frame whose job column is numeric does not match the fitted kinds.
	g, err := frame.ReadCSV(strings.NewReader("age,pdays,job,balance\n1,2,3,4\n"), frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Transform(g); err == nil || !strings.Contains(err.Error(), `column "job" is int but was categorical`) {
		t.Errorf("Transform kind mismatch error = %v", err)
	}
}

func TestTargetEncoderOutOfFold(t *testing.T) {
	// 40 rows, 4 categories, continuous target, no smoothing: each OOF value
	// is the mean target of its category over the other folds.
	n := 40
	cats := []string{"a", "b", "c", "d"}
	codes := make([]int32, n)
	y := make([]float64, n)
	for i := range codes {
		codes[i] = int32(i % 4)
		y[i] = float64(i%4)*10 + float64(i%7)
	}
	f, err := frame.New([]string{"k"}, []frame.Column{&frame.CategoricalColumn{Codes: codes, Levels: cats}})
	if err != nil {
		t.Fatal(err)
	}
	te := &TargetEncoder{Folds: 4, Seed: 3, Smooth: Fixed(0)}
	p := &Preprocessor{Steps: []Step{{Columns: []string{"k"}, Transforms: []Transformer{te}}}}
	oof, err := p.FitTransform(f, y)
	if err != nil {
		t.Fatal(err)
	}
	full, err := p.Transform(f)
	if err != nil {
		t.Fatal(err)
	}
	folds := te.assignFolds(y)
	for i := 0; i < n; i++ {
		sum, cnt := 0.0, 0
		for r := 0; r < n; r++ {
			if folds[r] != folds[i] && codes[r] == codes[i] {
				sum += y[r]
				cnt++
			}
		}
		if want := sum / float64(cnt); math.Abs(oof.Cols[0][i]-want) > 1e-12 {
			t.Errorf("OOF row %d = %v, want %v", i, oof.Cols[0][i], want)
		}
		if want := te.Columns[0].Encodings[codes[i]]; full.Cols[0][i] != want {
			t.Errorf("Transform row %d = %v, want full-data %v", i, full.Cols[0][i], want)
		}
	}
	// Binary targets keep each fold's positive count within one.
	yb := make([]float64, n)
	for i := range yb {
		if i%5 == 0 {
			yb[i] = 1
		}
	}
	pos := make([]int, 4)
	for i, k := range te.assignFolds(yb) {
		pos[k] += int(yb[i])
	}
	if slices.Max(pos)-slices.Min(pos) > 1 {
		t.Errorf("positives per fold = %v, want balanced", pos)
	}
}

// TestTransformRowConcurrent runs the one-row path from several goroutines,
// as the scoring server does; run with -race to check for shared state.
func TestTransformRowConcurrent(t *testing.T) {
	f := smallFrame(t)
	p := bankLike()
	m, err := p.FitTransform(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			var dst []float64
			for k := 0; k < 200; k++ {
				i := (g + k) % f.NumRows()
				vals := make([]any, len(p.Inputs))
				for c, in := range p.Inputs {
					col, _ := f.Column(in.Name)
					vals[c] = col.Value(i)
				}
				var err error
				if dst, err = p.TransformRow(vals, dst); err != nil {
					errs <- err
					return
				}
				for j, x := range dst {
					if !close(x, m.Cols[j][i]) {
						errs <- fmt.Errorf("row %d feature %d = %v, want %v", i, j, x, m.Cols[j][i])
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestNumericCategoriesSortAsNumbers(t *testing.T) {
	f, err := frame.ReadCSV(strings.NewReader("day\n9\n10\n2\n10\n"), frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ord := &Ordinal{}
	oh := &OneHot{}
	p := &Preprocessor{Steps: []Step{
		{Columns: []string{"day"}, Transforms: []Transformer{ord}},
		{Columns: []string{"day"}, Transforms: []Transformer{oh}},
	}}
	m, err := p.FitTransform(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ord.Categories[0], []string{"2", "9", "10"}; !slices.Equal(got, want) {
		t.Errorf("categories = %v, want %v", got, want)
	}
	checkSlice(t, "ordinal", m.Cols[0], []float64{1, 2, 0, 2})
	if got, want := p.Features, []string{"day", "day=2", "day=9", "day=10"}; !slices.Equal(got, want) {
		t.Errorf("features = %v, want %v", got, want)
	}
	// A JSON number for the day finds its category.
	row, err := p.TransformRow([]any{10.0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkSlice(t, "row", row, []float64{2, 0, 0, 1})
}
