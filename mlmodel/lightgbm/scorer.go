package lightgbm

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

// scorer is a Booster behind the mlmodel.Scorer interface.
type scorer struct {
	b      *Booster
	inputs []mlmodel.Input
	out    mlmodel.Output
	cols   []column
	k      int // classes written to Scores (0 for regression)
	pool   sync.Pool
}

var _ mlmodel.Scorer = (*scorer)(nil)

// column turns the values of one input column into feature values.
type column struct {
	name string
	// pandas marks a pandas category column: values are looked up in
	// its categories and fed as their codes, unseen ones as missing.
	pandas  bool
	strCats map[string]float64
	numCats map[float64]float64
	boolCat map[bool]float64
	// float32 rounds values to float32, as pyfunc feeds a "float"
	// column.
	float32 bool
}

// scratch holds one Score call's feature rows and raw outputs.
type scratch struct{ x, o []float64 }

// NewScorer wraps b as an mlmodel.Scorer reading the given input columns,
// one per feature in the Booster's order, and answering as out describes:
// for ml.TaskRegression one value per row, for ml.TaskBinary P(Classes[1])
// (Classes holding two labels), for ml.TaskMulticlass one probability per
// class. Labels are what LightGBM's scikit-learn classifiers predict: the
// class of highest probability, the first on ties. When the Booster was
// trained on a DataFrame with category columns, their string (or number)
// values are mapped to codes as LightGBM's Python package maps them.
func NewScorer(b *Booster, inputs []mlmodel.Input, out mlmodel.Output) (mlmodel.Scorer, error) {
	return newScorer(b, inputs, out, nil)
}

// newScorer is NewScorer with the columns whose values are rounded to
// float32 first: those an MLflow signature types "float", which pyfunc
// hands to LightGBM as float32.
func newScorer(b *Booster, inputs []mlmodel.Input, out mlmodel.Output, float32s []bool) (mlmodel.Scorer, error) {
	if len(inputs) != b.NumFeatures() {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "LightGBM scorer: %d input columns for a model of %d features", len(inputs), b.NumFeatures())
	}
	s := &scorer{b: b, inputs: append([]mlmodel.Input(nil), inputs...), out: out}
	s.out.Classes = append([]any(nil), out.Classes...)
	switch out.Task {
	case ml.TaskRegression:
		if b.NumOutputs() != 1 {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "LightGBM scorer: a regression scorer needs one output per row, the model writes %d", b.NumOutputs())
		}
	case ml.TaskBinary:
		if b.NumOutputs() != 1 || len(out.Classes) != 2 {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "LightGBM scorer: a binary scorer needs two classes and one model output, got %d classes and %d outputs", len(out.Classes), b.NumOutputs())
		}
		s.k = 2
	case ml.TaskMulticlass:
		if b.NumOutputs() < 2 || len(out.Classes) != b.NumOutputs() {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "LightGBM scorer: a multiclass scorer needs one class per model output, got %d classes and %d outputs", len(out.Classes), b.NumOutputs())
		}
		s.k = b.NumOutputs()
	default:
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "LightGBM scorer: task %q is not binary, multiclass or regression", out.Task)
	}
	cols, err := columns(b, inputs)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "LightGBM scorer: %v", err)
	}
	for j := range float32s {
		cols[j].float32 = float32s[j]
	}
	s.cols = cols
	s.pool.New = func() any { return new(scratch) }
	return s, nil
}

// Inputs returns the columns Score reads.
func (s *scorer) Inputs() []mlmodel.Input { return append([]mlmodel.Input(nil), s.inputs...) }

// Output describes Score's answers.
func (s *scorer) Output() mlmodel.Output {
	o := s.out
	o.Classes = append([]any(nil), s.out.Classes...)
	return o
}

// Score scores rows into out, which the caller sized with out.Resize.
func (s *scorer) Score(rows [][]any, out *mlmodel.Scores) error {
	n := len(rows)
	if len(out.Value) < n || len(out.Proba) < n*s.k || (s.k > 0 && len(out.Label) < n) {
		return fmt.Errorf("lightgbm: scores are sized for fewer than %d rows of %d classes", n, s.k)
	}
	sc := s.pool.Get().(*scratch)
	defer s.pool.Put(sc)
	nf, k := s.b.NumFeatures(), s.b.NumOutputs()
	x, o := grow(&sc.x, n*nf), grow(&sc.o, n*k)
	for i, row := range rows {
		if len(row) != len(s.cols) {
			return weir.Errorf(weir.ErrBadRequest, "row %d has %d values, want %d", i, len(row), len(s.cols))
		}
		for j, v := range row {
			f, err := s.cols[j].value(v)
			if err != nil {
				return weir.Errorf(weir.ErrBadRequest, "row %d, column %q: %v", i, s.cols[j].name, err)
			}
			x[i*nf+j] = f
		}
	}
	s.b.batchRaw(x, n, o)
	for i := range n {
		oi := o[i*k : (i+1)*k]
		s.b.finish(oi)
		s.write(i, oi, out)
	}
	return nil
}

// write stores row i's predictions o in out.
func (s *scorer) write(i int, o []float64, out *mlmodel.Scores) {
	switch s.k {
	case 0:
		out.Value[i] = o[0]
	case 2:
		p := o[0]
		q := 1 - p
		out.Value[i] = p
		out.Proba[2*i], out.Proba[2*i+1] = q, p
		out.Label[i] = 0
		if p > q {
			out.Label[i] = 1
		}
	default:
		copy(out.Proba[i*s.k:(i+1)*s.k], o)
		best := 0
		for c, p := range o {
			if p > o[best] {
				best = c
			}
		}
		out.Label[i] = best
	}
}

// grow returns (*b)[:n], growing *b when it is too short.
func grow(b *[]float64, n int) []float64 {
	if cap(*b) < n {
		*b = make([]float64, n)
	}
	return (*b)[:n]
}

// value reads one cell as a feature value: NaN for missing, the category
// code for a pandas category column.
func (c *column) value(v any) (float64, error) {
	if c.pandas {
		return c.code(v), nil
	}
	x, err := c.number(v)
	if c.float32 {
		x = float64(float32(x))
	}
	return x, err
}

func (c *column) number(v any) (float64, error) {
	switch v := v.(type) {
	case nil:
		return math.NaN(), nil
	case float64:
		return v, nil
	case int64:
		return float64(v), nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case string:
		return 0, fmt.Errorf("string %s where the model reads a number", quoteShort(v))
	case time.Time:
		return 0, fmt.Errorf("a time where the model reads a number")
	}
	return 0, fmt.Errorf("value of type %T where the model reads a number", v)
}

// code returns the code of a category value, NaN for missing and unseen
// values, as pandas gives code -1 and LightGBM's Python package NaN.
func (c *column) code(v any) float64 {
	var code float64
	var ok bool
	switch v := v.(type) {
	case string:
		code, ok = c.strCats[v]
	case float64:
		code, ok = c.numCats[v]
	case int64:
		code, ok = c.numCats[float64(v)]
	case bool:
		code, ok = c.boolCat[v]
	}
	if !ok {
		return math.NaN()
	}
	return code
}

// columns pairs the inputs with the model's features, finding the pandas
// category columns among them.
func columns(b *Booster, inputs []mlmodel.Input) ([]column, error) {
	cols := make([]column, len(inputs))
	for j, in := range inputs {
		cols[j].name = in.Name
	}
	pc, err := pandasColumns(b, inputs)
	if err != nil {
		return nil, err
	}
	for i, j := range pc {
		c := &cols[j]
		c.pandas = true
		c.strCats, c.numCats, c.boolCat = map[string]float64{}, map[float64]float64{}, map[bool]float64{}
		for k, cat := range b.pandas[i] {
			switch cat := cat.(type) {
			case string:
				c.strCats[cat] = float64(k)
			case float64:
				c.numCats[cat] = float64(k)
			case bool:
				c.boolCat[cat] = float64(k)
			}
		}
	}
	for j, in := range inputs {
		if in.Kind == frame.Categorical && !cols[j].pandas {
			return nil, fmt.Errorf("input %q holds strings, but feature %d of the model is not a pandas category column", in.Name, j)
		}
		if in.Kind == frame.Time {
			return nil, fmt.Errorf("input %q holds times, which LightGBM cannot read", in.Name)
		}
	}
	return cols, nil
}

// pandasColumns returns the feature index of each pandas category column,
// in the order of the pandas_categorical trailer (the DataFrame's column
// order). The file does not name them: they are the model's categorical
// features when their count matches, else the inputs that hold strings.
func pandasColumns(b *Booster, inputs []mlmodel.Input) ([]int, error) {
	n := len(b.pandas)
	if n == 0 {
		return nil, nil
	}
	var byModel, byInput []int
	for j := range inputs {
		if b.categorical[j] {
			byModel = append(byModel, j)
		}
		if inputs[j].Kind == frame.Categorical {
			byInput = append(byInput, j)
		}
	}
	switch {
	case len(byModel) == n:
		return byModel, nil
	case len(byInput) == n:
		return byInput, nil
	}
	return nil, fmt.Errorf("the model lists categories of %d pandas category columns, but has %d categorical features and %d string inputs: cannot tell which columns they belong to",
		n, len(byModel), len(byInput))
}
