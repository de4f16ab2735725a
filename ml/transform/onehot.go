package transform

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Names of the extra one-hot outputs, in angle brackets so that they cannot
// be mistaken for a real category.
const (
	MissingName    = "<missing>"
	InfrequentName = "<infrequent>"
)

// OneHot encodes each category as its own 0/1 output, like scikit-learn's
// OneHotEncoder(handle_unknown="ignore", min_frequency=...): categories
// are sorted; categories seen fewer than MinFrequency times when fitting
// share one "<infrequent>" output placed last; a category never seen when
// fitting encodes as all zeros. Missing values seen when fitting get their
// own "<missing>" output (never grouped as infrequent), placed after the
// categories; otherwise a missing value encodes as all zeros.
type OneHot struct {
	// MinFrequency is the least count a category needs for its own output:
	// a count when >= 1, a fraction of the fitted rows when in (0, 1), and no
	// grouping when 0.
	MinFrequency float64 `json:"min_frequency"`

	Columns []OneHotColumn `json:"columns,omitempty"`

	index []map[string]int // category → output offset, from prepare
}

// OneHotColumn is the fitted encoding of one column. Its outputs are, in
// order: one per Categories entry, then "<missing>" if Missing, then
// "<infrequent>" if Infrequent is not empty.
type OneHotColumn struct {
	Categories []string `json:"categories"`
	Missing    bool     `json:"missing,omitempty"`
	Infrequent []string `json:"infrequent,omitempty"`
}

// Type returns "one_hot".
func (*OneHot) Type() string { return "one_hot" }

func (o *OneHot) fit(cols []values, _ []float64) error {
	if o.MinFrequency < 0 || math.IsNaN(o.MinFrequency) {
		return fmt.Errorf("one-hot: MinFrequency %v is negative", o.MinFrequency)
	}
	o.Columns = make([]OneHotColumn, len(cols))
	for j, v := range cols {
		counts, missing := countCategories(v)
		threshold := o.MinFrequency
		if threshold > 0 && threshold < 1 {
			threshold *= float64(v.len())
		}
		var c OneHotColumn
		for _, cat := range categoryOrder(counts, v) {
			if float64(counts[cat]) < threshold {
				c.Infrequent = append(c.Infrequent, cat)
			} else {
				c.Categories = append(c.Categories, cat)
			}
		}
		if c.Categories == nil {
			c.Categories = []string{}
		}
		c.Missing = missing > 0
		o.Columns[j] = c
	}
	return nil
}

func countCategories(v values) (map[string]int, int) {
	counts, missing := map[string]int{}, 0
	for i, s := range v.str {
		if v.has[i] {
			counts[s]++
		} else {
			missing++
		}
	}
	return counts, missing
}

// categoryOrder returns the categories of counts sorted as scikit-learn
// sorts them: as numbers when they came from a numeric column (so day 9
// comes before day 10), as strings otherwise.
func categoryOrder(counts map[string]int, v values) []string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	if !v.fromNumbers {
		slices.Sort(keys)
		return keys
	}
	num := make(map[string]float64, len(keys))
	for _, k := range keys {
		num[k], _ = strconv.ParseFloat(k, 64) // written by FormatFloat
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Compare(num[a], num[b]) })
	return keys
}

func (o *OneHot) prepare() {
	o.index = make([]map[string]int, len(o.Columns))
	for j, c := range o.Columns {
		m := make(map[string]int, len(c.Categories)+len(c.Infrequent))
		for k, s := range c.Categories {
			m[s] = k
		}
		inf := len(c.Categories)
		if c.Missing {
			inf++
		}
		for _, s := range c.Infrequent {
			m[s] = inf
		}
		o.index[j] = m
	}
}

func (o *OneHot) width(j int) int {
	c := o.Columns[j]
	w := len(c.Categories)
	if c.Missing {
		w++
	}
	if len(c.Infrequent) > 0 {
		w++
	}
	return w
}

func (o *OneHot) names(j int, col string) []string {
	c := o.Columns[j]
	var out []string
	for _, s := range c.Categories {
		out = append(out, col+"="+s)
	}
	if c.Missing {
		out = append(out, col+"="+MissingName)
	}
	if len(c.Infrequent) > 0 {
		out = append(out, col+"="+InfrequentName)
	}
	return out
}

func (o *OneHot) encode(j int, c cell, dst []float64) {
	clear(dst)
	if !c.has {
		if o.Columns[j].Missing {
			dst[len(o.Columns[j].Categories)] = 1
		}
		return
	}
	if k, ok := o.index[j][c.str]; ok {
		dst[k] = 1
	}
}

func (o *OneHot) check(ncols int) error {
	if len(o.Columns) != ncols {
		return fmt.Errorf("one-hot has %d fitted columns, want %d", len(o.Columns), ncols)
	}
	return nil
}
