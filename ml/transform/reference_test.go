package transform

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
)

// The fixtures are written by tests/reference/gen_transform.py from
// scikit-learn 1.9.1; outputs must agree within tol.
const tol = 1e-9

func loadFixture(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "tests", "reference", "fixtures", "transform_"+name+".json"))
	if err != nil {
		t.Fatalf("fixture: %v (run /work/venv/bin/python tests/reference/gen_transform.py)", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
}

// nums converts JSON numbers with null for NaN.
func nums(p []*float64) []float64 {
	out := make([]float64, len(p))
	for i, v := range p {
		if v == nil {
			out[i] = math.NaN()
		} else {
			out[i] = *v
		}
	}
	return out
}

func numFrame(t *testing.T, names []string, cols map[string][]*float64) *frame.Frame {
	t.Helper()
	fc := make([]frame.Column, len(names))
	for j, n := range names {
		fc[j] = &frame.FloatColumn{Values: nums(cols[n])}
	}
	f, err := frame.New(names, fc)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// catFrame builds a one-column categorical frame named "job"; a nil entry
// is missing.
func catFrame(t *testing.T, vals []*string) *frame.Frame {
	t.Helper()
	c := &frame.CategoricalColumn{Codes: make([]int32, len(vals))}
	idx := map[string]int32{}
	for i, v := range vals {
		if v == nil {
			c.Codes[i] = -1
			continue
		}
		code, ok := idx[*v]
		if !ok {
			code = int32(len(c.Levels))
			idx[*v] = code
			c.Levels = append(c.Levels, *v)
		}
		c.Codes[i] = code
	}
	f, err := frame.New([]string{"job"}, []frame.Column{c})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func strs(s []string) []*string {
	out := make([]*string, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}

func close(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

func checkSlice(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(want) == 0 {
		t.Errorf("%s: the fixture has no reference values (field name mismatch?)", what)
		return
	}
	if len(got) != len(want) {
		t.Errorf("%s: got %d values, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		if !close(got[i], want[i]) {
			t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// fitOne fits a one-step preprocessor over cols and returns it with its
// transform of f.
func fitOne(t *testing.T, f *frame.Frame, cols []string, y []float64, tr ...Transformer) (*Preprocessor, *ml.Matrix) {
	t.Helper()
	p := &Preprocessor{Steps: []Step{{Columns: cols, Transforms: tr}}}
	if err := p.Fit(f, y); err != nil {
		t.Fatal(err)
	}
	m, err := p.Transform(f)
	if err != nil {
		t.Fatal(err)
	}
	return p, m
}

func TestScalersMatchSklearn(t *testing.T) {
	type fitted struct {
		Mean, Center, Scale []float64
		Output              map[string][]*float64
	}
	var fx struct {
		Columns    map[string][]*float64
		Names      []string
		Standard   fitted
		Robust     fitted
		Robust1090 fitted `json:"robust_10_90"`
	}
	loadFixture(t, "scalers", &fx)
	f := numFrame(t, fx.Names, fx.Columns)
	tests := []struct {
		name   string
		tr     Transformer
		want   fitted
		center func(Transformer) []float64
		scale  func(Transformer) []float64
	}{
		{"standard", &StandardScaler{}, fx.Standard,
			func(t Transformer) []float64 { return t.(*StandardScaler).Mean },
			func(t Transformer) []float64 { return t.(*StandardScaler).Scale }},
		{"robust", &RobustScaler{}, fx.Robust,
			func(t Transformer) []float64 { return t.(*RobustScaler).Center },
			func(t Transformer) []float64 { return t.(*RobustScaler).Scale }},
		{"robust 10-90", &RobustScaler{QuantileRange: [2]float64{10, 90}}, fx.Robust1090,
			func(t Transformer) []float64 { return t.(*RobustScaler).Center },
			func(t Transformer) []float64 { return t.(*RobustScaler).Scale }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, m := fitOne(t, f, fx.Names, nil, tt.tr)
			wantCenter := tt.want.Mean
			if wantCenter == nil {
				wantCenter = tt.want.Center
			}
			checkSlice(t, "center", tt.center(tt.tr), wantCenter)
			checkSlice(t, "scale", tt.scale(tt.tr), tt.want.Scale)
			for j, n := range fx.Names {
				checkSlice(t, "output "+n, m.Cols[j], nums(tt.want.Output[n]))
			}
		})
	}
}

func TestImputerMatchesSklearn(t *testing.T) {
	type fitted struct {
		Statistics []float64
		Output     map[string][]*float64
	}
	var fx struct {
		Columns map[string][]*float64
		Names   []string
		Numeric struct {
			Mean         fitted
			Median       fitted
			MostFrequent fitted `json:"most_frequent"`
			Constant     fitted
			TextInput    []*string `json:"text_input"`
			Text         map[string]struct {
				Statistic string
				Output    []string
			}
		}
	}
	loadFixture(t, "imputer", &fx)
	f := numFrame(t, fx.Names, fx.Columns)
	for _, tt := range []struct {
		im   *Imputer
		want fitted
	}{
		{&Imputer{Strategy: Mean}, fx.Numeric.Mean},
		{&Imputer{Strategy: Median}, fx.Numeric.Median},
		{&Imputer{Strategy: MostFrequent}, fx.Numeric.MostFrequent},
		{&Imputer{Strategy: Constant, FillValue: -1.5}, fx.Numeric.Constant},
	} {
		t.Run(tt.im.Strategy, func(t *testing.T) {
			_, m := fitOne(t, f, fx.Names, nil, tt.im)
			var stats []float64
			for _, fl := range tt.im.Fill {
				stats = append(stats, fl.Number)
			}
			checkSlice(t, "statistics", stats, tt.want.Statistics)
			for j, n := range fx.Names {
				checkSlice(t, "output "+n, m.Cols[j], nums(tt.want.Output[n]))
			}
		})
	}
	// Categorical imputation feeds an ordinal encoder so the imputed text
	// can be read back through the categories.
	cf := catFrame(t, fx.Numeric.TextInput)
	for strategy, want := range fx.Numeric.Text {
		t.Run("text "+strategy, func(t *testing.T) {
			im := &Imputer{Strategy: strategy, FillText: "none"}
			ord := &Ordinal{}
			_, m := fitOne(t, cf, []string{"job"}, nil, im, ord)
			if got := im.Fill[0].Text; got != want.Statistic {
				t.Errorf("statistic = %q, want %q", got, want.Statistic)
			}
			for i, w := range want.Output {
				if got := ord.Categories[0][int(m.Cols[0][i])]; got != w {
					t.Errorf("row %d = %q, want %q", i, got, w)
				}
			}
		})
	}
}

func TestOneHotMatchesSklearn(t *testing.T) {
	var fx struct {
		Train, Test []string
		Cases       map[string]struct {
			MinFrequency *float64 `json:"min_frequency"`
			FeatureNames []string `json:"feature_names"`
			Infrequent   []string
			TrainOutput  [][]float64 `json:"train_output"`
			TestOutput   [][]float64 `json:"test_output"`
		}
	}
	loadFixture(t, "onehot", &fx)
	train, test := catFrame(t, strs(fx.Train)), catFrame(t, strs(fx.Test))
	for name, c := range fx.Cases {
		t.Run(name, func(t *testing.T) {
			oh := &OneHot{}
			if c.MinFrequency != nil {
				oh.MinFrequency = *c.MinFrequency
			}
			p, m := fitOne(t, train, []string{"job"}, nil, oh)
			// scikit-learn writes job_admin. and job_infrequent_sklearn.
			var want []string
			for _, n := range c.FeatureNames {
				n = strings.Replace(n, "job_", "job=", 1)
				want = append(want, strings.Replace(n, "infrequent_sklearn", InfrequentName, 1))
			}
			if !slices.Equal(p.Features, want) {
				t.Errorf("features = %v, want %v", p.Features, want)
			}
			if got := oh.Columns[0].Infrequent; len(got)+len(c.Infrequent) > 0 && !slices.Equal(got, c.Infrequent) {
				t.Errorf("infrequent = %v, want %v", got, c.Infrequent)
			}
			for j := range c.TrainOutput {
				checkSlice(t, "train "+want[j], m.Cols[j], c.TrainOutput[j])
			}
			mt, err := p.Transform(test)
			if err != nil {
				t.Fatal(err)
			}
			for j := range c.TestOutput {
				checkSlice(t, "test "+want[j], mt.Cols[j], c.TestOutput[j])
			}
		})
	}
}

func TestOrdinalMatchesSklearn(t *testing.T) {
	var fx struct {
		Train, Test []string
		Categories  []string
		Minus1      []float64  `json:"test_output_unknown_minus_1"`
		NaN         []*float64 `json:"test_output_unknown_nan"`
	}
	loadFixture(t, "ordinal", &fx)
	train, test := catFrame(t, strs(fx.Train)), catFrame(t, strs(fx.Test))
	for _, tt := range []struct {
		unknown *float64
		want    []float64
	}{{Fixed(-1), fx.Minus1}, {nil, nums(fx.NaN)}} {
		ord := &Ordinal{Unknown: tt.unknown}
		p, _ := fitOne(t, train, []string{"job"}, nil, ord)
		if !slices.Equal(ord.Categories[0], fx.Categories) {
			t.Errorf("categories = %v, want %v", ord.Categories[0], fx.Categories)
		}
		m, err := p.Transform(test)
		if err != nil {
			t.Fatal(err)
		}
		checkSlice(t, fmt.Sprintf("unknown=%v", tt.unknown), m.Cols[0], tt.want)
	}
}

func TestQuantileBinsMatchSklearn(t *testing.T) {
	var fx struct {
		Columns map[string][]*float64
		Names   []string
		Cases   map[string]struct {
			Method string
			NBins  int `json:"n_bins"`
			Edges  [][]float64
			Output map[string][]float64
		}
	}
	loadFixture(t, "kbins", &fx)
	f := numFrame(t, fx.Names, fx.Columns)
	for name, c := range fx.Cases {
		t.Run(name, func(t *testing.T) {
			qb := &QuantileBins{Bins: c.NBins, Method: c.Method}
			_, m := fitOne(t, f, fx.Names, nil, qb)
			for j, n := range fx.Names {
				checkSlice(t, "edges "+n, qb.Edges[j], c.Edges[j])
				checkSlice(t, "output "+n, m.Cols[j], c.Output[n])
			}
		})
	}
}

func TestTargetEncoderMatchesSklearn(t *testing.T) {
	var fx struct {
		Train, Test []string
		Y           map[string][]float64
		Cases       map[string]struct {
			Y          string
			Smooth     *float64
			Categories []string
			Encodings  []float64
			TargetMean float64   `json:"target_mean"`
			TestOutput []float64 `json:"test_output"`
		}
	}
	loadFixture(t, "target", &fx)
	train, test := catFrame(t, strs(fx.Train)), catFrame(t, strs(fx.Test))
	for name, c := range fx.Cases {
		t.Run(name, func(t *testing.T) {
			te := &TargetEncoder{Smooth: c.Smooth}
			p, _ := fitOne(t, train, []string{"job"}, fx.Y[c.Y], te)
			if !slices.Equal(te.Columns[0].Categories, c.Categories) {
				t.Errorf("categories = %v, want %v", te.Columns[0].Categories, c.Categories)
			}
			checkSlice(t, "encodings", te.Columns[0].Encodings, c.Encodings)
			if !close(te.TargetMean, c.TargetMean) {
				t.Errorf("target mean = %v, want %v", te.TargetMean, c.TargetMean)
			}
			m, err := p.Transform(test)
			if err != nil {
				t.Fatal(err)
			}
			checkSlice(t, "test output", m.Cols[0], c.TestOutput)
		})
	}
}
