package monitor

import (
	"cmp"
	"math"
	"slices"
	"strconv"

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
// the tests read: sorted values for a numerical column, counts per category
// for a categorical one.
type sample struct {
	kind   Kind
	sorted []float64      // Numerical
	counts map[string]int // Categorical
	n      int            // values present
	rows   int            // rows including missing
}

// newSample reads column c as kind. Infinities count as missing, as in
// Evidently, which replaces them by NaN before dropping NaN.
func newSample(c frame.Column, kind Kind) *sample {
	s := &sample{kind: kind, rows: c.Len()}
	if kind == Categorical {
		s.counts = categoryCounts(c)
		for _, k := range s.counts {
			s.n += k
		}
		return s
	}
	s.sorted = make([]float64, 0, c.Len())
	switch c := c.(type) {
	case *frame.FloatColumn:
		for _, v := range c.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				s.sorted = append(s.sorted, v)
			}
		}
	default:
		for i := range c.Len() {
			if v := c.Float(i); !math.IsNaN(v) && !math.IsInf(v, 0) {
				s.sorted = append(s.sorted, v)
			}
		}
	}
	slices.Sort(s.sorted)
	s.n = len(s.sorted)
	return s
}

// categoryCounts counts a column's values by their text form; categorical
// columns are counted by code first, without touching the strings per row.
func categoryCounts(c frame.Column) map[string]int {
	out := map[string]int{}
	if cc, ok := c.(*frame.CategoricalColumn); ok {
		byCode := make([]int, len(cc.Levels))
		for _, code := range cc.Codes {
			if code >= 0 {
				byCode[code]++
			}
		}
		for code, k := range byCode {
			if k > 0 {
				out[cc.Levels[code]] += k
			}
		}
		return out
	}
	for i := range c.Len() {
		if c.IsMissing(i) {
			continue
		}
		if v := c.Float(i); math.IsInf(v, 0) {
			continue
		}
		out[c.Text(i)]++
	}
	return out
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
		a, b := ref.sorted, cur.sorted
		var i, j int
		for i < len(a) || j < len(b) {
			var x float64
			switch {
			case i == len(a):
				x = b[j]
			case j == len(b):
				x = a[i]
			default:
				x = min(a[i], b[j])
			}
			i0, j0 := i, j
			for i < len(a) && a[i] == x {
				i++
			}
			for j < len(b) && b[j] == x {
				j++
			}
			keys = append(keys, key{num: x, str: frame.FormatFloat(x)})
			rc = append(rc, float64(i-i0))
			cc = append(cc, float64(j-j0))
		}
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
	n := 0
	for i, v := range s.sorted {
		if i == 0 || v != s.sorted[i-1] {
			n++
		}
	}
	return n
}

// std is the population standard deviation (NumPy's default ddof=0).
func (s *sample) std() float64 {
	if s.n == 0 {
		return 0
	}
	var mean float64
	for _, v := range s.sorted {
		mean += v
	}
	mean /= float64(s.n)
	var ss float64
	for _, v := range s.sorted {
		d := v - mean
		ss += d * d
	}
	return math.Sqrt(ss / float64(s.n))
}

func (k key) String() string {
	if k.str != "" {
		return k.str
	}
	return strconv.FormatFloat(k.num, 'g', -1, 64)
}
