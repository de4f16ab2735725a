package monitor

import (
	"cmp"
	"math"
	"slices"

	"github.com/weir-ml/weir/ml/frame"
)

// Kind is how a drift test sees a column: as numbers or as categories.
type Kind string

// Column kinds. Booleans and strings are categorical; ints, floats and
// times numerical, unless DriftOptions.Categorical says otherwise.
const (
	Numerical   Kind = "num"
	Categorical Kind = "cat"
)

// sample is one column of one dataset, missing values dropped, in the form
// the tests read: runs of values for a numerical column, counts per category
// for a categorical one.
type sample struct {
	kind   Kind
	num    runs           // Numerical
	counts map[string]int // Categorical
	n      int            // values present
	rows   int            // rows including missing
}

// asCategorical turns a numerical sample into categories named by the
// values' text form, for numerical columns the options call categorical.
func (s *sample) asCategorical() *sample {
	if s.kind == Categorical {
		return s
	}
	out := &sample{kind: Categorical, counts: make(map[string]int, len(s.num.v)), n: s.n, rows: s.rows}
	for i, v := range s.num.v {
		out.counts[frame.FormatFloat(v)] += int(s.num.c[i])
	}
	return out
}

// addNumbers feeds a numerical column's present values to b and returns how
// many it fed. Infinities count as missing, as in Evidently, which replaces
// them by NaN before dropping NaN.
func addNumbers(b *builder, c frame.Column) int {
	n := 0
	add := func(v float64) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			b.add(v)
			n++
		}
	}
	switch c := c.(type) {
	case *frame.FloatColumn:
		for _, v := range c.Values {
			add(v)
		}
	case *frame.IntColumn:
		for i, v := range c.Values {
			if c.Missing == nil || !c.Missing[i] {
				add(float64(v))
			}
		}
	default:
		for i := range c.Len() {
			add(c.Float(i))
		}
	}
	return n
}

// addCategories counts a column's values by their text form into counts;
// categorical columns are counted by code first, without touching the
// strings per row.
func addCategories(counts map[string]int, c frame.Column) {
	if cc, ok := c.(*frame.CategoricalColumn); ok {
		byCode := make([]int, len(cc.Levels))
		for _, code := range cc.Codes {
			if code >= 0 {
				byCode[code]++
			}
		}
		for code, k := range byCode {
			if k > 0 {
				counts[cc.Levels[code]] += k
			}
		}
		return
	}
	for i := range c.Len() {
		if c.IsMissing(i) {
			continue
		}
		if v := c.Float(i); math.IsInf(v, 0) {
			continue
		}
		counts[c.Text(i)]++
	}
}

// categoryCounts counts one column's categories.
func categoryCounts(c frame.Column) map[string]int {
	out := map[string]int{}
	addCategories(out, c)
	return out
}

// newSample reads a whole column as kind.
func newSample(c frame.Column, kind Kind) *sample {
	s := &sample{kind: kind, rows: c.Len()}
	if kind == Categorical {
		s.counts = categoryCounts(c)
		for _, k := range s.counts {
			s.n += k
		}
		return s
	}
	// The whole column is at hand: sort one copy of it rather than fold
	// batches, which would allocate the runs over and over.
	b := builder{pending: make([]float64, 0, c.Len()), whole: true}
	s.n = addNumbers(&b, c)
	s.num = b.done()
	return s
}

// distinctUnion counts the distinct values of ref ∪ cur.
func distinctUnion(ref, cur *sample) int {
	if ref.kind == Numerical {
		n := 0
		align(ref.num, cur.num, func(float64, float64, float64) { n++ })
		return n
	}
	n := len(ref.counts)
	for k := range cur.counts {
		if _, ok := ref.counts[k]; !ok {
			n++
		}
	}
	return n
}

// key is one distinct value: a number for numerical samples, a string for
// categorical ones. Keys sort numerically or lexicographically.
type key struct {
	num float64
	str string
}

// jointCounts returns the distinct values of ref ∪ cur in ascending order
// with their counts in each sample, aligned.
func jointCounts(ref, cur *sample) (keys []key, rc, cc []float64) {
	if ref.kind == Numerical {
		align(ref.num, cur.num, func(x, a, b float64) {
			keys = append(keys, key{num: x})
			rc, cc = append(rc, a), append(cc, b)
		})
		return keys, rc, cc
	}
	for k := range ref.counts {
		keys = append(keys, key{str: k})
	}
	for k := range cur.counts {
		if _, ok := ref.counts[k]; !ok {
			keys = append(keys, key{str: k})
		}
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Compare(a.str, b.str) })
	for _, k := range keys {
		rc = append(rc, float64(ref.counts[k.str]))
		cc = append(cc, float64(cur.counts[k.str]))
	}
	return keys, rc, cc
}

// distinct returns the number of distinct values in the sample.
func (s *sample) distinct() int {
	if s.kind == Categorical {
		return len(s.counts)
	}
	return len(s.num.v)
}

// std is the population standard deviation (NumPy's default ddof=0).
func (s *sample) std() float64 {
	if s.n == 0 {
		return 0
	}
	r := s.num
	var mean float64
	for i, v := range r.v {
		mean += v * float64(r.c[i])
	}
	mean /= r.n
	var ss float64
	for i, v := range r.v {
		d := v - mean
		ss += d * d * float64(r.c[i])
	}
	return math.Sqrt(ss / r.n)
}

func (k key) String() string {
	if k.str != "" {
		return k.str
	}
	return frame.FormatFloat(k.num)
}
