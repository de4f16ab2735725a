package transform

import (
	"fmt"
	"math"
	"strconv"
)

// Derivation computes a new column from others before the steps run. It is
// one of *Ratio, *Flag or *ReplaceWithNaN. Derivations run in order, each
// seeing the outputs of those before it; an output may reuse a name, which
// then refers to the new column from there on.
type Derivation interface {
	// Type returns the name that tags the derivation in JSON.
	Type() string
	// Output returns the name of the column the derivation produces.
	Output() string
	// Inputs returns the names of the columns it reads.
	Inputs() []string
	// compile checks the input kinds (true = categorical), prepares
	// lookups, and returns whether the output is categorical.
	compile(cat []bool) (bool, error)
	// eval computes the output from cells[in[0]], cells[in[1]], ...
	eval(cells []cell, in []int) cell
}

// Ratio is Numerator / Denominator, missing when either is missing or the
// denominator is 0.
type Ratio struct {
	Name        string `json:"name"`
	Numerator   string `json:"numerator"`
	Denominator string `json:"denominator"`
}

// Type returns "ratio".
func (*Ratio) Type() string { return "ratio" }

// Output returns Name.
func (r *Ratio) Output() string { return r.Name }

// Inputs returns the numerator and denominator columns.
func (r *Ratio) Inputs() []string { return []string{r.Numerator, r.Denominator} }

func (r *Ratio) compile(cat []bool) (bool, error) {
	if cat[0] || cat[1] {
		return false, fmt.Errorf("ratio %q needs numeric columns", r.Name)
	}
	return false, nil
}

func (r *Ratio) eval(cells []cell, in []int) cell {
	num, den := cells[in[0]].num, cells[in[1]].num
	if den == 0 {
		return numCell(math.NaN())
	}
	return numCell(num / den) // NaN in, NaN out
}

// Flag is 1 where Column equals Value, 0 where it does not and missing where
// Column is missing: "never contacted" is Flag{Column: "pdays", Value: "-1"}.
// For a numeric column Value is parsed as a number.
type Flag struct {
	Name   string `json:"name"`
	Column string `json:"column"`
	Value  string `json:"value"`

	num float64
}

// Type returns "flag".
func (*Flag) Type() string { return "flag" }

// Output returns Name.
func (f *Flag) Output() string { return f.Name }

// Inputs returns Column.
func (f *Flag) Inputs() []string { return []string{f.Column} }

func (f *Flag) compile(cat []bool) (bool, error) {
	if !cat[0] {
		x, err := strconv.ParseFloat(f.Value, 64)
		if err != nil {
			return false, fmt.Errorf("flag %q: value %q is not a number but column %q is numeric", f.Name, f.Value, f.Column)
		}
		f.num = x
	}
	return false, nil
}

func (f *Flag) eval(cells []cell, in []int) cell {
	c := cells[in[0]]
	switch {
	case c.cat && !c.has, !c.cat && math.IsNaN(c.num):
		return numCell(math.NaN())
	case c.cat && c.str == f.Value, !c.cat && c.num == f.num:
		return numCell(1)
	}
	return numCell(0)
}

// ReplaceWithNaN makes the given Values of Column missing, such as a pdays
// of -1 that means "never contacted" rather than a number of days. The
// output is named Name, or replaces Column when Name is empty. For a numeric
// column the values are parsed as numbers.
type ReplaceWithNaN struct {
	Name   string   `json:"name,omitempty"`
	Column string   `json:"column"`
	Values []string `json:"values"`

	nums []float64
}

// Type returns "replace_with_nan".
func (*ReplaceWithNaN) Type() string { return "replace_with_nan" }

// Output returns Name, or Column when Name is empty.
func (r *ReplaceWithNaN) Output() string {
	if r.Name == "" {
		return r.Column
	}
	return r.Name
}

// Inputs returns Column.
func (r *ReplaceWithNaN) Inputs() []string { return []string{r.Column} }

func (r *ReplaceWithNaN) compile(cat []bool) (bool, error) {
	r.nums = nil
	if !cat[0] {
		for _, v := range r.Values {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return false, fmt.Errorf("replace_with_nan: value %q is not a number but column %q is numeric", v, r.Column)
			}
			r.nums = append(r.nums, x)
		}
	}
	return cat[0], nil
}

func (r *ReplaceWithNaN) eval(cells []cell, in []int) cell {
	c := cells[in[0]]
	if c.cat {
		for _, v := range r.Values {
			if c.has && c.str == v {
				return cell{cat: true}
			}
		}
		return c
	}
	for _, x := range r.nums {
		if c.num == x {
			return numCell(math.NaN())
		}
	}
	return c
}
