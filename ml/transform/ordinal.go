package transform

import (
	"fmt"
	"math"
)

// Ordinal encodes each category as its index among the sorted categories
// seen when fitting, like scikit-learn's OrdinalEncoder with
// handle_unknown="use_encoded_value": an unseen category encodes as Unknown
// (NaN when nil) and a missing value as NaN.
type Ordinal struct {
	Unknown *float64 `json:"unknown"`

	// Categories holds each column's sorted categories.
	Categories [][]string `json:"categories,omitempty"`

	index []map[string]int
}

// Type returns "ordinal".
func (*Ordinal) Type() string { return "ordinal" }

func (o *Ordinal) fit(cols []values, _ []float64) error {
	o.Categories = make([][]string, len(cols))
	for j, v := range cols {
		counts, _ := countCategories(v)
		o.Categories[j] = categoryOrder(counts, v)
	}
	return nil
}

func (o *Ordinal) prepare() {
	o.index = make([]map[string]int, len(o.Categories))
	for j, cats := range o.Categories {
		o.index[j] = make(map[string]int, len(cats))
		for k, s := range cats {
			o.index[j][s] = k
		}
	}
}

func (o *Ordinal) width(int) int { return 1 }

func (o *Ordinal) names(_ int, col string) []string { return []string{col} }

func (o *Ordinal) encode(j int, c cell, dst []float64) {
	switch k, ok := o.index[j][c.str]; {
	case !c.has:
		dst[0] = math.NaN()
	case ok:
		dst[0] = float64(k)
	case o.Unknown != nil:
		dst[0] = *o.Unknown
	default:
		dst[0] = math.NaN()
	}
}

func (o *Ordinal) check(ncols int) error {
	if len(o.Categories) != ncols {
		return fmt.Errorf("ordinal has categories for %d columns, want %d", len(o.Categories), ncols)
	}
	return nil
}
