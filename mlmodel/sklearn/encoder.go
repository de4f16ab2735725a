package sklearn

import (
	"fmt"
	"math"

	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

// categories finds a cell among one feature's fitted categories.
type categories struct {
	strs    map[string]int
	nums    map[float64]int
	missing int // index of the NaN (or None) category, or -1
	n       int
}

func newCategories(a *pyobj.Array) (categories, error) {
	if len(a.Shape) != 1 {
		return categories{}, fmt.Errorf("categories have shape %s, want one dimension", shapeString(a.Shape))
	}
	vals, err := values(a)
	if err != nil {
		return categories{}, err
	}
	c := categories{missing: -1, n: len(vals)}
	for i, x := range vals {
		v := cellValue(x)
		switch {
		case v.missing():
			c.missing = i
		case v.isStr:
			if c.strs == nil {
				c.strs = make(map[string]int)
			}
			c.strs[v.s] = i
		default:
			if c.nums == nil {
				c.nums = make(map[float64]int)
			}
			c.nums[v.f] = i
		}
	}
	return c, nil
}

// index returns the category index of v, or -1 when v is unknown.
func (c *categories) index(v value) int {
	if v.missing() {
		return c.missing
	}
	if v.isStr {
		if i, ok := c.strs[v.s]; ok {
			return i
		}
		return -1
	}
	if i, ok := c.nums[v.f]; ok {
		return i
	}
	return -1
}

func describe(v value) string {
	if v.isStr {
		return fmt.Sprintf("%q", v.s)
	}
	return fmt.Sprint(v.f)
}

// readCategories reads categories_, one array per input feature.
func readCategories(o obj, n int) ([]categories, error) {
	raw, err := o.need("categories_")
	if err != nil {
		return nil, err
	}
	list, ok := raw.([]any)
	if !ok || len(list) != n {
		return nil, o.errorf("categories_ is a %s, want a list of %d arrays", pyobj.Describe(raw), n)
	}
	out := make([]categories, n)
	for j, x := range list {
		a, ok := x.(*pyobj.Array)
		if !ok {
			return nil, o.errorf("categories_[%d] is a %s, want an array", j, pyobj.Describe(x))
		}
		if err := checkArray(a); err != nil {
			return nil, o.errorf("categories_[%d]: %v", j, err)
		}
		if out[j], err = newCategories(a); err != nil {
			return nil, o.errorf("categories_[%d]: %v", j, err)
		}
	}
	return out, nil
}

// perFeature reads a list attribute with one entry per feature, each None
// or an integer array (such as _default_to_infrequent_mappings); a None
// attribute gives all nil.
func perFeature(o obj, key string, n int) ([][]int, error) {
	out := make([][]int, n)
	raw, _ := o.get(key)
	if raw == nil {
		return out, nil
	}
	var items []any
	switch r := raw.(type) {
	case []any:
		items = r
	case *pyobj.Array:
		vals, err := values(r)
		if err != nil {
			return nil, o.errorf("%s: %v", key, err)
		}
		items = vals
	default:
		return nil, o.errorf("%s is a %s, want a list", key, pyobj.Describe(raw))
	}
	if len(items) != n {
		return nil, o.errorf("%s has %d entries for %d features", key, len(items), n)
	}
	for j, x := range items {
		switch x := x.(type) {
		case nil:
		case int64:
			out[j] = []int{int(x)}
		case *pyobj.Array:
			d, ok := x.Data.([]int64)
			if !ok || checkArray(x) != nil {
				return nil, o.errorf("%s[%d] is not an integer array", key, j)
			}
			out[j] = make([]int, len(d))
			for i, v := range d {
				if v < -1 || v > maxCount {
					return nil, o.errorf("%s[%d] holds %d, out of range", key, j, v)
				}
				out[j][i] = int(v)
			}
		default:
			return nil, o.errorf("%s[%d] is a %s", key, j, pyobj.Describe(x))
		}
	}
	return out, nil
}

// oneHotFeature is what a OneHotEncoder knows of one input feature.
type oneHotFeature struct {
	cats      categories
	mapping   []int // category index to output column before drop; nil for identity
	unknownTo int   // grouped column for unknown values, or -1 for all zeros
	drop      int   // grouped column that is dropped, or -1
	width     int
}

// column returns the output column of category index i (-1 for an
// unknown value), or -1 when the row's columns are all zero.
func (f *oneHotFeature) column(i int) int {
	col := i
	if i < 0 {
		col = f.unknownTo
	} else if f.mapping != nil {
		col = f.mapping[i]
	}
	if col < 0 || f.drop < 0 {
		return col
	}
	switch {
	case col == f.drop:
		return -1
	case col > f.drop:
		return col - 1
	}
	return col
}

// oneHot is a OneHotEncoder with dense output.
type oneHot struct {
	base
	features   []oneHotFeature
	errUnknown bool
	out        int
}

func buildOneHotEncoder(o obj) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	cats, err := readCategories(o, b.nIn)
	if err != nil {
		return nil, err
	}
	handle, _ := o.o.State["handle_unknown"].(string)
	infreqOn, err := o.boolean("_infrequent_enabled", false)
	if err != nil {
		return nil, err
	}
	infrequent, err := perFeature(o, "_infrequent_indices", b.nIn)
	if err != nil {
		return nil, err
	}
	mappings, err := perFeature(o, "_default_to_infrequent_mappings", b.nIn)
	if err != nil {
		return nil, err
	}
	drops, err := perFeature(o, "_drop_idx_after_grouping", b.nIn)
	if err != nil {
		return nil, err
	}
	outs, err := perFeature(o, "_n_features_outs", b.nIn)
	if err != nil {
		return nil, err
	}
	t := &oneHot{base: b, errUnknown: handle == "error"}
	for j := range b.nIn {
		f := oneHotFeature{cats: cats[j], unknownTo: -1, drop: -1}
		if infreqOn {
			f.mapping = mappings[j]
			if f.mapping != nil && len(f.mapping) != f.cats.n {
				return nil, o.errorf("_default_to_infrequent_mappings[%d] has %d entries for %d categories", j, len(f.mapping), f.cats.n)
			}
			if inf := infrequent[j]; len(inf) > 0 && (handle == "infrequent_if_exist" || handle == "warn") {
				if inf[0] < 0 || inf[0] >= f.cats.n || f.mapping == nil {
					return nil, o.errorf("_infrequent_indices[%d] does not fit the categories", j)
				}
				f.unknownTo = f.mapping[inf[0]]
			}
		}
		if len(drops[j]) == 1 {
			f.drop = drops[j][0]
		}
		if len(outs[j]) != 1 {
			return nil, o.errorf("_n_features_outs has no width for feature %d", j)
		}
		f.width = outs[j][0]
		// Every category, and the unknown path, must land in range.
		for i := -1; i < f.cats.n; i++ {
			if c := f.column(i); c >= f.width {
				return nil, o.errorf("category %d of feature %d encodes to column %d of %d", i, j, c, f.width)
			}
		}
		t.features = append(t.features, f)
		t.out += f.width
	}
	return t, nil
}

func (t *oneHot) width() int   { return t.out }
func (t *oneHot) scratch() int { return 0 }

func (t *oneHot) transform(dst, src, _ []value) error {
	off := 0
	for j := range t.features {
		f := &t.features[j]
		i := f.cats.index(src[j])
		if i < 0 && t.errUnknown {
			return fmt.Errorf("OneHotEncoder: feature %d has the category %s, unknown when fitted (handle_unknown='error')", j, describe(src[j]))
		}
		out := dst[off : off+f.width]
		for k := range out {
			out[k] = num(0)
		}
		if c := f.column(i); c >= 0 {
			out[c] = num(1)
		}
		off += f.width
	}
	return nil
}

// ordinalFeature is what an OrdinalEncoder knows of one input feature.
type ordinalFeature struct {
	cats    categories
	mapping []int
}

// ordinal is an OrdinalEncoder.
type ordinal struct {
	base
	features     []ordinalFeature
	useUnknown   bool
	unknownValue float64
	missingValue float64
}

func buildOrdinalEncoder(o obj) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	cats, err := readCategories(o, b.nIn)
	if err != nil {
		return nil, err
	}
	t := &ordinal{base: b, unknownValue: math.NaN(), missingValue: math.NaN()}
	handle, _ := o.o.State["handle_unknown"].(string)
	t.useUnknown = handle == "use_encoded_value"
	if t.useUnknown {
		if t.unknownValue, err = o.float("unknown_value"); err != nil {
			return nil, err
		}
	}
	if v, ok := o.get("encoded_missing_value"); ok && v != nil {
		f, ok := asFloat(v)
		if !ok {
			return nil, o.errorf("encoded_missing_value is a %s, want a number", pyobj.Describe(v))
		}
		t.missingValue = f
	}
	infreqOn, err := o.boolean("_infrequent_enabled", false)
	if err != nil {
		return nil, err
	}
	mappings, err := perFeature(o, "_default_to_infrequent_mappings", b.nIn)
	if err != nil {
		return nil, err
	}
	for j := range b.nIn {
		f := ordinalFeature{cats: cats[j]}
		if infreqOn && mappings[j] != nil {
			if len(mappings[j]) != f.cats.n {
				return nil, o.errorf("_default_to_infrequent_mappings[%d] has %d entries for %d categories", j, len(mappings[j]), f.cats.n)
			}
			f.mapping = mappings[j]
		}
		t.features = append(t.features, f)
	}
	return t, nil
}

func (t *ordinal) width() int   { return t.nIn }
func (t *ordinal) scratch() int { return 0 }

func (t *ordinal) transform(dst, src, _ []value) error {
	for j := range t.features {
		f := &t.features[j]
		i := f.cats.index(src[j])
		switch {
		case i < 0 && !t.useUnknown:
			return fmt.Errorf("OrdinalEncoder: feature %d has the category %s, unknown when fitted (handle_unknown='error')", j, describe(src[j]))
		case i < 0:
			dst[j] = num(t.unknownValue)
		case i == f.cats.missing:
			dst[j] = num(t.missingValue)
		case f.mapping != nil:
			dst[j] = num(float64(f.mapping[i]))
		default:
			dst[j] = num(float64(i))
		}
	}
	return nil
}
