// Package transform holds fit/transform preprocessing: imputation, scaling,
// one-hot, ordinal and target encoding, quantile binning and derived
// features, assembled by a Preprocessor (like scikit-learn's
// ColumnTransformer) that turns a frame.Frame into an ml.Matrix, or one row
// into a []float64 for the scoring server. Fitted preprocessors save to
// versioned JSON alongside the model.
//
// Numbers follow scikit-learn's definitions (the tests compare against
// scikit-learn on fixed inputs), except where the doc comment of a type says
// otherwise.
package transform

import (
	"math"
	"strconv"

	"github.com/weir-ml/weir/ml/frame"
)

// Transformer is one fitted or unfitted transformation of a step's columns:
// *Imputer, *StandardScaler, *RobustScaler or *QuantileBins (which map each
// value to one value), or *OneHot, *Ordinal or *TargetEncoder (encoders,
// which turn a category into one or more numbers and must come last in a
// step). Encoders sort categories as scikit-learn does: as numbers for a
// numeric column, as strings otherwise. The interface is sealed: the
// Preprocessor relies on each type's fitting and row contracts.
type Transformer interface {
	// Type returns the name that tags the transformer in JSON.
	Type() string
	// check validates fitted state against the step's column count, so that
	// a corrupt or hand-edited file is an error, not a panic.
	check(ncols int) error
}

// stage is a Transformer that maps each value of a column to one value.
type stage interface {
	Transformer
	// fit learns per-column state from the step's columns.
	fit(cols []values, y []float64) error
	// apply transforms one value of step column j in place.
	apply(j int, c *cell)
	// acceptsCategorical reports whether the stage can take categorical values.
	acceptsCategorical() bool
}

// encoder is a Transformer that turns a categorical value into width(j)
// numbers.
type encoder interface {
	Transformer
	fit(cols []values, y []float64) error
	// prepare builds lookup tables after fit or after loading from JSON.
	prepare()
	width(j int) int
	// names returns the output feature names of step column j named col.
	names(j int, col string) []string
	// encode writes the outputs of one value of step column j into dst.
	encode(j int, c cell, dst []float64)
}

// Fixed returns a pointer to x, for the optional numeric settings
// (TargetEncoder.Smooth, Ordinal.Unknown) whose nil means "the default".
func Fixed(x float64) *float64 { return &x }

// cell is one value flowing through a row: numeric (NaN = missing) or
// categorical (has = false means missing).
type cell struct {
	num float64
	str string
	has bool
	cat bool
}

func numCell(x float64) cell { return cell{num: x} }

// asCategory turns a numeric cell into the category its text names, so that
// an int column such as a day of month can feed an encoder.
func (c cell) asCategory() cell {
	if c.cat {
		return c
	}
	if math.IsNaN(c.num) {
		return cell{cat: true}
	}
	return cell{cat: true, has: true, str: frame.FormatFloat(c.num)}
}

// values is one column of a step during fitting.
type values struct {
	cat bool
	num []float64 // numeric; NaN is missing
	str []string  // categorical values
	has []bool    // categorical: false means missing

	fromNumbers bool // categorical values written from numbers by asCategories
}

func (v values) len() int {
	if v.cat {
		return len(v.str)
	}
	return len(v.num)
}

func (v values) at(i int) cell {
	if v.cat {
		return cell{cat: true, str: v.str[i], has: v.has[i]}
	}
	return cell{num: v.num[i]}
}

// asCategories converts numeric values to categories (see cell.asCategory).
func (v values) asCategories() values {
	if v.cat {
		return v
	}
	out := values{cat: true, fromNumbers: true, str: make([]string, len(v.num)), has: make([]bool, len(v.num))}
	memo := map[float64]string{}
	for i, x := range v.num {
		if math.IsNaN(x) {
			continue
		}
		s, ok := memo[x]
		if !ok {
			s = strconv.FormatFloat(x, 'g', -1, 64)
			memo[x] = s
		}
		out.str[i], out.has[i] = s, true
	}
	return out
}

// mapValues applies a stage's per-value function to a whole column, into
// new storage: the input may share a frame's storage.
func mapValues(v values, f func(*cell)) values {
	n := v.len()
	out := values{cat: v.cat}
	if v.cat {
		out.str, out.has = make([]string, n), make([]bool, n)
	} else {
		out.num = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		c := v.at(i)
		f(&c)
		if v.cat {
			out.str[i], out.has[i] = c.str, c.has
		} else {
			out.num[i] = c.num
		}
	}
	return out
}
