package sklearn

import (
	"fmt"
	"strconv"
	"time"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

// scorer scores rows with a built estimator: the pipeline's transformers
// over cells, then its final model over numbers.
type scorer struct {
	inputs []mlmodel.Input
	out    mlmodel.Output
	cols   []int // input position of each feature the estimator reads
	// numeric marks the features whose input column is numeric and read:
	// a string there is an error that names the column.
	numeric []bool
	pre     *pipeline // nil when the estimator is a bare model
	cls     classifier
	reg     regressor
	nIn     int
	nModel  int // features the final model reads
	k       int
}

// Predict functions, as the pyfunc flavor's predict_fn names them.
const (
	PredictFn      = "predict"
	PredictProbaFn = "predict_proba"
)

// NewScorer returns a Scorer for est, reading rows laid out as inputs
// (matched to the estimator's feature_names_in_ by name, or by position
// when it was fitted on an array; nil inputs are derived from the
// estimator). predictFn is the pyfunc predict_fn: "predict" (labels or
// values) or "predict_proba" (probabilities).
func NewScorer(est Estimator, inputs []mlmodel.Input, predictFn string) (mlmodel.Scorer, error) {
	s := &scorer{nIn: est.NFeatures()}
	final := est
	if p, ok := est.(*pipeline); ok {
		s.pre, final = p, p.final
	}
	switch f := final.(type) {
	case classifier:
		s.cls, s.nModel = f, f.NFeatures()
		s.k = len(f.classes())
		s.out = mlmodel.Output{Task: ml.TaskMulticlass, Classes: f.classes(), Predict: mlmodel.PredictLabel}
		if s.k == 2 {
			s.out.Task = ml.TaskBinary
		}
	case regressor:
		s.reg, s.nModel = f, f.NFeatures()
		s.out = mlmodel.Output{Task: ml.TaskRegression, Predict: mlmodel.PredictValue}
	default:
		name := "passthrough"
		if final != nil {
			name = final.Class()
		}
		return nil, fmt.Errorf("sklearn: %s has no predict: the model must end in a classifier or regressor", name)
	}
	switch predictFn {
	case "", PredictFn:
	case PredictProbaFn:
		if s.cls == nil {
			return nil, fmt.Errorf("sklearn: predict_fn is predict_proba but %s is a regressor", final.Class())
		}
		s.out.Predict, s.out.AllClasses = mlmodel.PredictProba, true
	default:
		return nil, fmt.Errorf("sklearn: predict_fn %q is not supported: want predict or predict_proba", predictFn)
	}
	if inputs == nil {
		inputs = defaultInputs(est)
	}
	s.inputs = inputs
	if err := s.mapColumns(est); err != nil {
		return nil, err
	}
	s.numeric = make([]bool, len(s.cols))
	skip := unread(est)
	for j, c := range s.cols {
		k := inputs[c].Kind
		s.numeric[j] = !skip[j] && (k == frame.Float || k == frame.Int || k == frame.Bool)
	}
	return s, nil
}

// mapColumns finds each feature the estimator reads among the inputs.
func (s *scorer) mapColumns(est Estimator) error {
	names := est.FeatureNames()
	s.cols = make([]int, s.nIn)
	if names == nil {
		if len(s.inputs) != s.nIn {
			return fmt.Errorf("sklearn: the model reads %d columns by position but the inputs have %d", s.nIn, len(s.inputs))
		}
		for j := range s.cols {
			s.cols[j] = j
		}
		return nil
	}
	at := make(map[string]int, len(s.inputs))
	for i, in := range s.inputs {
		at[in.Name] = i
	}
	for j, n := range names {
		i, ok := at[n]
		if !ok {
			return fmt.Errorf("sklearn: the model reads the column %q, which the inputs do not have", n)
		}
		s.cols[j] = i
	}
	return nil
}

// defaultInputs names the estimator's columns as it was fitted: numbers,
// except the columns it one-hot or ordinal encodes against string
// categories.
func defaultInputs(est Estimator) []mlmodel.Input {
	names := est.FeatureNames()
	kinds := inputKinds(est)
	in := make([]mlmodel.Input, est.NFeatures())
	for j := range in {
		name := strconv.Itoa(j)
		if names != nil {
			name = names[j]
		}
		in[j] = mlmodel.Input{Name: name, Kind: frame.Float, Required: true}
		if kinds[j] {
			in[j].Kind = frame.Categorical
		}
	}
	return in
}

// inputKinds marks the input columns that reach an encoder with string
// categories, possibly through an imputer.
func inputKinds(est Estimator) map[int]bool {
	out := map[int]bool{}
	ct := firstColumnTransformer(est)
	if ct == nil {
		first := est
		if p, ok := est.(*pipeline); ok && len(p.steps) > 0 {
			first = p.steps[0]
		}
		if stringEncoder(first) {
			for j := range first.NFeatures() {
				out[j] = true
			}
		}
		return out
	}
	for _, part := range ct.parts {
		if stringEncoder(part.t) {
			for _, c := range part.cols {
				out[c] = true
			}
		}
	}
	return out
}

// firstColumnTransformer returns the estimator's ColumnTransformer when
// it is the first thing the input meets, else nil.
func firstColumnTransformer(est Estimator) *columnTransformer {
	if p, ok := est.(*pipeline); ok && len(p.steps) > 0 {
		est = p.steps[0]
	}
	ct, _ := est.(*columnTransformer)
	return ct
}

// unread marks the input columns that a first ColumnTransformer drops:
// any value is accepted there, as scikit-learn never looks at it.
func unread(est Estimator) map[int]bool {
	ct := firstColumnTransformer(est)
	if ct == nil {
		return nil
	}
	out := make(map[int]bool, ct.nIn)
	for j := range ct.nIn {
		out[j] = true
	}
	for _, part := range ct.parts {
		for _, c := range part.cols {
			delete(out, c)
		}
	}
	return out
}

func stringEncoder(e Estimator) bool {
	if p, ok := e.(*pipeline); ok {
		for _, t := range p.steps {
			if _, ok := t.(*imputer); !ok {
				return stringEncoder(t)
			}
		}
		return stringEncoder(p.final)
	}
	var cats []categories
	switch t := e.(type) {
	case *oneHot:
		for _, f := range t.features {
			cats = append(cats, f.cats)
		}
	case *ordinal:
		for _, f := range t.features {
			cats = append(cats, f.cats)
		}
	}
	for _, c := range cats {
		if len(c.strs) > 0 {
			return true
		}
	}
	return false
}

func (s *scorer) Inputs() []mlmodel.Input { return s.inputs }
func (s *scorer) Output() mlmodel.Output  { return s.out }

// Score scores rows into out. It allocates its scratch rows once a call,
// never per row, and keeps no state, so it is safe for concurrent use.
func (s *scorer) Score(rows [][]any, out *mlmodel.Scores) error {
	if len(out.Value) < len(rows) || (s.k > 0 && (out.K != s.k || len(out.Proba) < len(rows)*s.k || len(out.Label) < len(rows))) {
		return fmt.Errorf("sklearn: the scores are not sized for %d rows of %d classes: call Resize first", len(rows), s.k)
	}
	scratch := 0
	if s.pre != nil {
		scratch = s.pre.inter + s.pre.buf
	}
	src := make([]value, s.nIn+scratch)
	src, buf := src[:s.nIn], src[s.nIn:]
	x := make([]float64, s.nModel)
	for i, row := range rows {
		if err := s.score(i, row, src, buf, x, out); err != nil {
			return fmt.Errorf("sklearn: row %d: %w", i, err)
		}
	}
	return nil
}

func (s *scorer) score(i int, row []any, src, buf []value, x []float64, out *mlmodel.Scores) error {
	if len(row) != len(s.inputs) {
		return fmt.Errorf("has %d values for %d columns", len(row), len(s.inputs))
	}
	for j, c := range s.cols {
		v, err := cell(row[c])
		if err != nil {
			return fmt.Errorf("column %q: %w", s.inputs[c].Name, err)
		}
		if v.isStr && s.numeric[j] {
			return fmt.Errorf("column %q: the string %q is not a number", s.inputs[c].Name, v.s)
		}
		src[j] = v
	}
	cur := src
	if s.pre != nil {
		var err error
		if cur, err = s.pre.run(src, buf); err != nil {
			return err
		}
	}
	for j, v := range cur {
		if v.isStr {
			return fmt.Errorf("feature %d reaches the model as the string %q: it must be encoded", j, v.s)
		}
		x[j] = v.f
	}
	if s.reg != nil {
		out.Value[i] = s.reg.predict(x)
		return nil
	}
	p := out.Proba[i*s.k : (i+1)*s.k]
	out.Label[i] = s.cls.proba(x, p)
	if s.k == 2 {
		out.Value[i] = p[1]
	}
	return nil
}

// cell reads one raw input value.
func cell(v any) (value, error) {
	switch v := v.(type) {
	case nil:
		return missing, nil
	case float64:
		return num(v), nil
	case int64:
		return num(float64(v)), nil
	case string:
		return value{s: v, isStr: true}, nil
	case bool:
		if v {
			return num(1), nil
		}
		return num(0), nil
	case time.Time:
		return value{}, fmt.Errorf("a time value cannot be scored by a scikit-learn model")
	}
	return value{}, fmt.Errorf("a %T value cannot be scored", v)
}
