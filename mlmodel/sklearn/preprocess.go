package sklearn

import (
	"fmt"
	"math"

	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

// number reads feature j of a row as a number, as NumPy does when it
// converts a column to float: a string there is an error.
func number(v value, j int, class string) (float64, error) {
	if v.isStr {
		return 0, fmt.Errorf("%s: feature %d is the string %q where a number is expected", class, j, v.s)
	}
	return v.f, nil
}

// affine is x*mul + add per feature, written as scikit-learn computes it:
// subtract then divide for the standard and robust scalers, multiply then
// add for the min-max scaler.
type affine struct {
	base
	sub, div []float64 // nil when not applied
	mul, add []float64
	clip     bool
	lo, hi   float64
}

func (t *affine) width() int   { return t.nIn }
func (t *affine) scratch() int { return 0 }

func (t *affine) transform(dst, src, _ []value) error {
	for j := range t.nIn {
		x, err := number(src[j], j, t.class)
		if err != nil {
			return err
		}
		if t.sub != nil {
			x -= t.sub[j]
		}
		if t.div != nil {
			x /= t.div[j]
		}
		if t.mul != nil {
			x *= t.mul[j]
		}
		if t.add != nil {
			x += t.add[j]
		}
		if t.clip && !math.IsNaN(x) {
			x = math.Min(math.Max(x, t.lo), t.hi)
		}
		dst[j] = num(x)
	}
	return nil
}

// optional reads an array attribute of n numbers that may be None.
func (o obj) optional(key string, use bool, n int) ([]float64, error) {
	if !use {
		return nil, nil
	}
	if v, _ := o.get(key); v == nil {
		return nil, nil
	}
	f, _, err := o.floats(key, n)
	return f, err
}

func buildStandardScaler(o obj) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	t := &affine{base: b}
	withMean, err := o.boolean("with_mean", true)
	if err != nil {
		return nil, err
	}
	withStd, err := o.boolean("with_std", true)
	if err != nil {
		return nil, err
	}
	if t.sub, err = o.optional("mean_", withMean, b.nIn); err != nil {
		return nil, err
	}
	if t.div, err = o.optional("scale_", withStd, b.nIn); err != nil {
		return nil, err
	}
	return t, nil
}

func buildRobustScaler(o obj) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	t := &affine{base: b}
	center, err := o.boolean("with_centering", true)
	if err != nil {
		return nil, err
	}
	scale, err := o.boolean("with_scaling", true)
	if err != nil {
		return nil, err
	}
	if t.sub, err = o.optional("center_", center, b.nIn); err != nil {
		return nil, err
	}
	if t.div, err = o.optional("scale_", scale, b.nIn); err != nil {
		return nil, err
	}
	return t, nil
}

func buildMinMaxScaler(o obj) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	t := &affine{base: b}
	if t.mul, _, err = o.floats("scale_", b.nIn); err != nil {
		return nil, err
	}
	if t.add, _, err = o.floats("min_", b.nIn); err != nil {
		return nil, err
	}
	if t.clip, err = o.boolean("clip", false); err != nil {
		return nil, err
	}
	if t.clip {
		fr, _ := o.get("feature_range")
		r, ok := fr.([]any)
		if !ok || len(r) != 2 {
			return nil, o.errorf("feature_range is a %s, want a pair of numbers", pyobj.Describe(fr))
		}
		lo, ok1 := asFloat(r[0])
		hi, ok2 := asFloat(r[1])
		if !ok1 || !ok2 {
			return nil, o.errorf("feature_range is not a pair of numbers")
		}
		t.lo, t.hi = lo, hi
	}
	return t, nil
}

// imputer is a SimpleImputer: missing cells take the fitted statistic of
// their column; columns whose statistic is NaN (all missing when fitted)
// are dropped, as scikit-learn does unless keep_empty_features is set.
type imputer struct {
	base
	fill []value
	keep []int // input column of each output column
	// isMissing matches missing_values: NaN (and None) unless set to a
	// number or a string.
	mvNum   float64
	mvStr   string
	mvIsStr bool
	mvNaN   bool
}

func buildSimpleImputer(o obj) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	if ind, _ := o.boolean("add_indicator", false); ind {
		return nil, o.errorf("add_indicator=True is not supported")
	}
	a, err := o.array("statistics_")
	if err != nil {
		return nil, err
	}
	if len(a.Shape) != 1 || a.Shape[0] != b.nIn {
		return nil, o.errorf("statistics_ has shape %s, want (%d,)", shapeString(a.Shape), b.nIn)
	}
	stats, err := values(a)
	if err != nil {
		return nil, o.errorf("statistics_: %v", err)
	}
	t := &imputer{base: b, mvNaN: true}
	switch mv := o.o.State["missing_values"].(type) {
	case nil:
	case float64:
		if !math.IsNaN(mv) {
			t.mvNaN, t.mvNum = false, mv
		}
	case int64:
		t.mvNaN, t.mvNum = false, float64(mv)
	case string:
		t.mvNaN, t.mvStr, t.mvIsStr = false, mv, true
	case *pyobj.Object, *pyobj.Type: // pandas.NA
		if c := pyobj.Describe(mv); c != "NAType" && c != "type NAType" {
			return nil, o.errorf("missing_values is a %s", c)
		}
	default:
		return nil, o.errorf("missing_values is a %s", pyobj.Describe(mv))
	}
	strategy, _ := o.o.State["strategy"].(string)
	keepEmpty, err := o.boolean("keep_empty_features", false)
	if err != nil {
		return nil, err
	}
	for j, s := range stats {
		v := cellValue(s)
		if v.missing() && strategy != "constant" && !keepEmpty {
			continue
		}
		t.fill = append(t.fill, v)
		t.keep = append(t.keep, j)
	}
	return t, nil
}

// cellValue turns a value read from a file (a category, a statistic)
// into a cell; None is missing.
func cellValue(x any) value {
	switch x := x.(type) {
	case string:
		return value{s: x, isStr: true}
	case float64:
		return num(x)
	case int64:
		return num(float64(x))
	case bool:
		if x {
			return num(1)
		}
		return num(0)
	}
	return missing
}

func (t *imputer) isMissing(v value) bool {
	if t.mvNaN {
		return v.missing()
	}
	if t.mvIsStr {
		return v.isStr && v.s == t.mvStr
	}
	return !v.isStr && v.f == t.mvNum
}

func (t *imputer) width() int   { return len(t.keep) }
func (t *imputer) scratch() int { return 0 }

func (t *imputer) transform(dst, src, _ []value) error {
	for i, j := range t.keep {
		v := src[j]
		if t.isMissing(v) {
			v = t.fill[i]
		}
		dst[i] = v
	}
	return nil
}
