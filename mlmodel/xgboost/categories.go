package xgboost

import (
	"fmt"
	"strconv"
)

// categories are the categories of one feature as XGBoost >= 3.1 stores
// them when trained on a DataFrame: the training categories in their
// pandas order, so that category i has code i. XGBoost re-codes a
// DataFrame's categories by value at predict time.
type categories struct {
	names   []string  // string categories, or nil
	numbers []float64 // numeric categories, or nil
	// strCode and numCode map a category to its code.
	strCode map[string]int32
	numCode map[float64]int32
}

// Len returns the number of categories.
func (c *categories) Len() int { return max(len(c.names), len(c.numbers)) }

// readCategories reads the "cats" object of a gbtree model:
// enc[j] holds feature j's categories, either UTF-8 strings as "values"
// bytes cut at "offsets", or numbers as "values" with their array "type".
// Features without categories have empty entries.
func readCategories(m map[string]any, numFeature int, what string) ([]categories, error) {
	enc, ok := m["enc"].([]any)
	if !ok {
		return nil, fmt.Errorf("%s.enc is %s, want an array", what, typeName(m["enc"]))
	}
	if len(enc) == 0 {
		return nil, nil
	}
	if len(enc) != numFeature {
		return nil, fmt.Errorf("%s has categories for %d features, want %d", what, len(enc), numFeature)
	}
	out := make([]categories, numFeature)
	for j, e := range enc {
		ew := what + ".enc[" + strconv.Itoa(j) + "]"
		col, err := object(e, ew)
		if err != nil {
			return nil, err
		}
		if _, ok := col["offsets"]; ok {
			if out[j], err = stringCategories(col, ew); err != nil {
				return nil, err
			}
			continue
		}
		if out[j], err = numberCategories(col, ew); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func stringCategories(col map[string]any, what string) (categories, error) {
	offsets, err := ints(col, "offsets", what, false)
	if err != nil {
		return categories{}, err
	}
	raw, err := ints(col, "values", what, false)
	if err != nil {
		return categories{}, err
	}
	if len(offsets) == 0 {
		return categories{}, nil
	}
	b := make([]byte, len(raw))
	for i, v := range raw {
		if v < -128 || v > 255 {
			return categories{}, fmt.Errorf("%s.values[%d] is %d, not a byte", what, i, v)
		}
		b[i] = byte(v)
	}
	c := categories{names: make([]string, len(offsets)-1), strCode: make(map[string]int32, len(offsets)-1)}
	if offsets[0] != 0 {
		return categories{}, fmt.Errorf("%s.offsets starts at %d, want 0", what, offsets[0])
	}
	for i := range c.names {
		lo, hi := offsets[i], offsets[i+1]
		if hi < lo || hi > int64(len(b)) {
			return categories{}, fmt.Errorf("%s.offsets[%d] is %d, outside [%d, %d]", what, i+1, hi, lo, len(b))
		}
		c.names[i] = string(b[lo:hi])
		if _, dup := c.strCode[c.names[i]]; !dup {
			c.strCode[c.names[i]] = int32(i)
		}
	}
	return c, nil
}

func numberCategories(col map[string]any, what string) (categories, error) {
	vals, err := floats64(col, "values", what)
	if err != nil {
		return categories{}, err
	}
	c := categories{numbers: vals, numCode: make(map[float64]int32, len(vals))}
	for i, v := range vals {
		if _, dup := c.numCode[v]; !dup {
			c.numCode[v] = int32(i)
		}
	}
	return c, nil
}

// floats64 reads an array of numbers of any encoding at full precision.
func floats64(m map[string]any, key, what string) ([]float64, error) {
	switch x := m[key].(type) {
	case []float64:
		return x, nil
	case []float32:
		out := make([]float64, len(x))
		for i, e := range x {
			out[i] = float64(e)
		}
		return out, nil
	case []any:
		out := make([]float64, len(x))
		for i, e := range x {
			f, ok := number(e)
			if !ok {
				return nil, fmt.Errorf("%s.%s[%d] is %s, want a number", what, key, i, typeName(e))
			}
			out[i] = f
		}
		return out, nil
	}
	n, err := ints(m, key, what, false)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(n))
	for i, e := range n {
		out[i] = float64(e)
	}
	return out, nil
}

// Categories returns the training categories of feature j as strings (for
// string categories) or nil, and whether the model stores categories for
// it at all.
func (b *Booster) Categories(j int) (names []string, numbers []float64, ok bool) {
	if j < 0 || j >= len(b.cats) || b.cats[j].Len() == 0 {
		return nil, nil, false
	}
	return b.cats[j].names, b.cats[j].numbers, true
}
