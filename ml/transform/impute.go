package transform

import (
	"fmt"
	"math"
)

// Imputation strategies, named as scikit-learn's SimpleImputer names them.
const (
	Mean         = "mean"
	Median       = "median"
	MostFrequent = "most_frequent"
	Constant     = "constant"
)

// DefaultFillText is the constant an Imputer writes into a categorical
// column when FillText is empty (scikit-learn's default for strings).
const DefaultFillText = "missing_value"

// Imputer replaces missing values, like scikit-learn's SimpleImputer. Mean
// and Median need numeric columns; MostFrequent (smallest value on ties) and
// Constant work on categorical columns too. Fitting a column with no value
// at all is an error for the learned strategies, where scikit-learn would
// silently drop the column.
type Imputer struct {
	Strategy  string  `json:"strategy"`   // Mean (the default when empty), Median, MostFrequent or Constant
	FillValue float64 `json:"fill_value"` // Constant's value for numeric columns
	FillText  string  `json:"fill_text"`  // Constant's value for categorical columns; "" means DefaultFillText

	// Fill holds the fitted replacement of each step column.
	Fill []Fill `json:"fill,omitempty"`
}

// Fill is the value an Imputer writes into one column's missing cells.
type Fill struct {
	Categorical bool    `json:"categorical,omitempty"`
	Number      float64 `json:"number"`
	Text        string  `json:"text,omitempty"`
}

// Type returns "imputer".
func (*Imputer) Type() string { return "imputer" }

func (im *Imputer) strategy() string {
	if im.Strategy == "" {
		return Mean
	}
	return im.Strategy
}

func (im *Imputer) acceptsCategorical() bool {
	s := im.strategy()
	return s == MostFrequent || s == Constant
}

func (im *Imputer) fit(cols []values, _ []float64) error {
	im.Fill = make([]Fill, len(cols))
	for j, v := range cols {
		f, err := im.fitColumn(v)
		if err != nil {
			return fmt.Errorf("step column %d: %w", j+1, err)
		}
		im.Fill[j] = f
	}
	return nil
}

func (im *Imputer) fitColumn(v values) (Fill, error) {
	s := im.strategy()
	if v.cat {
		switch s {
		case Constant:
			t := im.FillText
			if t == "" {
				t = DefaultFillText
			}
			return Fill{Categorical: true, Text: t}, nil
		case MostFrequent:
			t, ok := mostFrequentText(v)
			if !ok {
				return Fill{}, fmt.Errorf("imputer %s: column has no values", s)
			}
			return Fill{Categorical: true, Text: t}, nil
		}
		return Fill{}, fmt.Errorf("imputer strategy %q needs a numeric column", s)
	}
	var x float64
	switch s {
	case Mean:
		x, _ = mean(v.num)
	case Median:
		p := present(v.num)
		if len(p) > 0 {
			x, _ = quantile(p, 0.5, Linear)
		} else {
			x = math.NaN()
		}
	case MostFrequent:
		var ok bool
		if x, ok = mostFrequent(v.num); !ok {
			x = math.NaN()
		}
	case Constant:
		x = im.FillValue
	default:
		return Fill{}, fmt.Errorf("unknown imputer strategy %q (want mean, median, most_frequent or constant)", s)
	}
	if math.IsNaN(x) {
		return Fill{}, fmt.Errorf("imputer %s: column has no values", s)
	}
	return Fill{Number: x}, nil
}

func (im *Imputer) apply(j int, c *cell) {
	f := im.Fill[j]
	if c.cat {
		if !c.has {
			c.str, c.has = f.Text, true
		}
	} else if math.IsNaN(c.num) {
		c.num = f.Number
	}
}

func (im *Imputer) check(ncols int) error {
	if len(im.Fill) != ncols {
		return fmt.Errorf("imputer has %d fills for %d columns", len(im.Fill), ncols)
	}
	return nil
}
