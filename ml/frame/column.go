package frame

import (
	"math"
	"strconv"
	"time"
)

// Column is one typed column of a Frame. Its concrete type is one of
// *FloatColumn, *IntColumn, *CategoricalColumn, *BoolColumn or *TimeColumn;
// switch on it (or on Kind) to reach the typed values without boxing. The
// interface is sealed so that every column honours the storage-sharing rules
// of Take and Slice.
type Column interface {
	// Kind returns the column's kind.
	Kind() Kind
	// Len returns the number of rows.
	Len() int
	// IsMissing reports whether row i holds no value.
	IsMissing(i int) bool
	// Float returns row i as a float64: ints and floats as themselves, bools
	// as 0 or 1, times as Unix seconds, and NaN for missing values and for
	// categorical columns, which have no numeric form.
	Float(i int) float64
	// Text returns row i in text form ("" when missing): numbers in their
	// shortest round-trip form, bools as "true"/"false", times as RFC 3339.
	Text(i int) string
	// Value returns row i boxed as float64, int64, string, bool or
	// time.Time, or nil when missing.
	Value(i int) any

	take(rows []int) Column
	slice(i, j int) Column
}

// FloatColumn holds float64 values; NaN marks a missing value, as in ml.Matrix.
type FloatColumn struct {
	Values []float64
}

// IntColumn holds int64 values. Missing[i] marks row i missing; a nil Missing
// means no value is missing.
type IntColumn struct {
	Values  []int64
	Missing []bool
}

// CategoricalColumn holds dictionary-encoded strings: row i is
// Levels[Codes[i]], and code -1 marks a missing value. Levels may hold
// strings no row uses (a streamed file shares one growing dictionary between
// its batches); levels are never reordered or removed once handed out.
type CategoricalColumn struct {
	Codes  []int32
	Levels []string
}

// BoolColumn holds bool values with a missing mask like IntColumn's.
type BoolColumn struct {
	Values  []bool
	Missing []bool
}

// TimeColumn holds instants with a missing mask like IntColumn's.
type TimeColumn struct {
	Values  []time.Time
	Missing []bool
}

// FormatFloat writes x in the shortest form that reads back to x, the text
// form that Text, Digest and the transforms' category names use for numbers.
func FormatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func missingAt(m []bool, i int) bool { return m != nil && m[i] }

func takeMask(m []bool, rows []int) []bool {
	if m == nil {
		return nil
	}
	out := make([]bool, len(rows))
	for k, i := range rows {
		out[k] = m[i]
	}
	return out
}

func sliceMask(m []bool, i, j int) []bool {
	if m == nil {
		return nil
	}
	return m[i:j:j]
}

func takeValues[T any](v []T, rows []int) []T {
	out := make([]T, len(rows))
	for k, i := range rows {
		out[k] = v[i]
	}
	return out
}

// Kind returns Float.
func (c *FloatColumn) Kind() Kind { return Float }

// Len returns the number of rows.
func (c *FloatColumn) Len() int { return len(c.Values) }

// IsMissing reports whether row i is NaN.
func (c *FloatColumn) IsMissing(i int) bool { return math.IsNaN(c.Values[i]) }

// Float returns row i.
func (c *FloatColumn) Float(i int) float64 { return c.Values[i] }

// Text returns row i in shortest round-trip form, or "" when missing.
func (c *FloatColumn) Text(i int) string {
	if c.IsMissing(i) {
		return ""
	}
	return FormatFloat(c.Values[i])
}

// Value returns row i as a float64, or nil when missing.
func (c *FloatColumn) Value(i int) any {
	if c.IsMissing(i) {
		return nil
	}
	return c.Values[i]
}

func (c *FloatColumn) take(rows []int) Column { return &FloatColumn{takeValues(c.Values, rows)} }
func (c *FloatColumn) slice(i, j int) Column  { return &FloatColumn{c.Values[i:j:j]} }

// Kind returns Int.
func (c *IntColumn) Kind() Kind { return Int }

// Len returns the number of rows.
func (c *IntColumn) Len() int { return len(c.Values) }

// IsMissing reports whether row i is missing.
func (c *IntColumn) IsMissing(i int) bool { return missingAt(c.Missing, i) }

// Float returns row i converted to float64, or NaN when missing.
func (c *IntColumn) Float(i int) float64 {
	if c.IsMissing(i) {
		return math.NaN()
	}
	return float64(c.Values[i])
}

// Text returns row i in decimal, or "" when missing.
func (c *IntColumn) Text(i int) string {
	if c.IsMissing(i) {
		return ""
	}
	return strconv.FormatInt(c.Values[i], 10)
}

// Value returns row i as an int64, or nil when missing.
func (c *IntColumn) Value(i int) any {
	if c.IsMissing(i) {
		return nil
	}
	return c.Values[i]
}

func (c *IntColumn) take(rows []int) Column {
	return &IntColumn{takeValues(c.Values, rows), takeMask(c.Missing, rows)}
}
func (c *IntColumn) slice(i, j int) Column {
	return &IntColumn{c.Values[i:j:j], sliceMask(c.Missing, i, j)}
}

// Kind returns Categorical.
func (c *CategoricalColumn) Kind() Kind { return Categorical }

// Len returns the number of rows.
func (c *CategoricalColumn) Len() int { return len(c.Codes) }

// IsMissing reports whether row i has code -1.
func (c *CategoricalColumn) IsMissing(i int) bool { return c.Codes[i] < 0 }

// Float returns NaN: categories have no numeric form.
func (c *CategoricalColumn) Float(i int) float64 { return math.NaN() }

// Text returns row i's level, or "" when missing.
func (c *CategoricalColumn) Text(i int) string {
	if c.Codes[i] < 0 {
		return ""
	}
	return c.Levels[c.Codes[i]]
}

// Value returns row i's level as a string, or nil when missing.
func (c *CategoricalColumn) Value(i int) any {
	if c.Codes[i] < 0 {
		return nil
	}
	return c.Levels[c.Codes[i]]
}

// Counts returns how many rows hold each level (indexed like Levels) and how
// many are missing.
func (c *CategoricalColumn) Counts() (counts []int, missing int) {
	counts = make([]int, len(c.Levels))
	for _, code := range c.Codes {
		if code < 0 {
			missing++
		} else {
			counts[code]++
		}
	}
	return counts, missing
}

func (c *CategoricalColumn) take(rows []int) Column {
	return &CategoricalColumn{takeValues(c.Codes, rows), c.Levels}
}
func (c *CategoricalColumn) slice(i, j int) Column {
	return &CategoricalColumn{c.Codes[i:j:j], c.Levels}
}

// Kind returns Bool.
func (c *BoolColumn) Kind() Kind { return Bool }

// Len returns the number of rows.
func (c *BoolColumn) Len() int { return len(c.Values) }

// IsMissing reports whether row i is missing.
func (c *BoolColumn) IsMissing(i int) bool { return missingAt(c.Missing, i) }

// Float returns 1 for true, 0 for false, NaN when missing.
func (c *BoolColumn) Float(i int) float64 {
	switch {
	case c.IsMissing(i):
		return math.NaN()
	case c.Values[i]:
		return 1
	}
	return 0
}

// Text returns "true" or "false", or "" when missing.
func (c *BoolColumn) Text(i int) string {
	if c.IsMissing(i) {
		return ""
	}
	return strconv.FormatBool(c.Values[i])
}

// Value returns row i as a bool, or nil when missing.
func (c *BoolColumn) Value(i int) any {
	if c.IsMissing(i) {
		return nil
	}
	return c.Values[i]
}

func (c *BoolColumn) take(rows []int) Column {
	return &BoolColumn{takeValues(c.Values, rows), takeMask(c.Missing, rows)}
}
func (c *BoolColumn) slice(i, j int) Column {
	return &BoolColumn{c.Values[i:j:j], sliceMask(c.Missing, i, j)}
}

// Kind returns Time.
func (c *TimeColumn) Kind() Kind { return Time }

// Len returns the number of rows.
func (c *TimeColumn) Len() int { return len(c.Values) }

// IsMissing reports whether row i is missing.
func (c *TimeColumn) IsMissing(i int) bool { return missingAt(c.Missing, i) }

// Float returns row i as Unix seconds (with fraction), or NaN when missing.
func (c *TimeColumn) Float(i int) float64 {
	if c.IsMissing(i) {
		return math.NaN()
	}
	t := c.Values[i]
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

// Text returns row i in RFC 3339 with nanoseconds, or "" when missing.
func (c *TimeColumn) Text(i int) string {
	if c.IsMissing(i) {
		return ""
	}
	return c.Values[i].Format(time.RFC3339Nano)
}

// Value returns row i as a time.Time, or nil when missing.
func (c *TimeColumn) Value(i int) any {
	if c.IsMissing(i) {
		return nil
	}
	return c.Values[i]
}

func (c *TimeColumn) take(rows []int) Column {
	return &TimeColumn{takeValues(c.Values, rows), takeMask(c.Missing, rows)}
}
func (c *TimeColumn) slice(i, j int) Column {
	return &TimeColumn{c.Values[i:j:j], sliceMask(c.Missing, i, j)}
}
