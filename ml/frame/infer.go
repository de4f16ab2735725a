package frame

import (
	"bytes"
	"math"
	"strconv"
	"time"
)

// timeLayouts are the ISO-8601 forms inference recognises. time.Parse also
// accepts a fractional second after the seconds of any of them.
var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// inferKinds sets r.kinds from the overrides and the first batch: the
// narrowest of int, float, bool, time that every non-missing value parses
// as, else categorical. A column with no values in the sample is categorical,
// the kind that cannot fail on whatever comes later.
func (r *CSVReader) inferKinds(b *batch) {
	r.kinds = make([]Kind, len(r.names))
	r.dicts = make([]*dictionary, len(r.names))
	for j, name := range r.names {
		if k, ok := r.opts.Kinds[name]; ok {
			r.kinds[j] = k
		} else {
			r.kinds[j] = r.inferColumn(b, j)
		}
		if r.kinds[j] == Categorical {
			r.dicts[j] = newDictionary()
		}
	}
}

func (r *CSVReader) inferColumn(b *batch, j int) Kind {
	isInt, isFloat, isBool, isTime := true, true, true, true
	seen := false
	for i := range b.rows() {
		s := b.field(i, j)
		if r.missing.has(s) {
			continue
		}
		seen = true
		if isInt {
			if _, ok := parseInt(s); !ok {
				isInt = false
			}
		}
		if isFloat && !isInt {
			if _, ok := parseFloat(s); !ok {
				isFloat = false
			}
		}
		if isBool {
			if _, ok := parseBool(s); !ok {
				isBool = false
			}
		}
		if isTime {
			if _, ok := parseTime(s); !ok {
				isTime = false
			}
		}
		if !isInt && !isFloat && !isBool && !isTime {
			return Categorical
		}
	}
	switch {
	case !seen:
		return Categorical
	case isInt:
		return Int
	case isFloat:
		return Float
	case isBool:
		return Bool
	case isTime:
		return Time
	}
	return Categorical
}

// parseInt reads a decimal integer with an optional sign, as
// strconv.ParseInt(s, 10, 64) does, without making a string of the field.
func parseInt(s []byte) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	var u uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// parseFloat accepts decimal numbers only: strconv.ParseFloat alone would
// also read "inf", "nan" and hex floats, turning a text column that happens
// to hold "Info" into a number column on a bad day.
func parseFloat(s []byte) (float64, bool) {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, false
		}
	}
	if v, ok := parseShortDecimal(s); ok {
		return v, true
	}
	// The string does not escape ParseFloat, so for a short field the
	// conversion is a copy on the stack, not an allocation.
	v, err := strconv.ParseFloat(string(s), 64)
	return v, err == nil
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseShortDecimal reads the common form of a number in a CSV file, an
// optional sign, at most 15 digits and at most one point, without
// strconv's general syntax (exponents, underscores, hex, inf), which is
// most of a number column's reading time. With at most 15 digits both the
// digits as an integer and the power of ten are exact in a float64, so the
// one division rounds correctly: the same float64 as strconv.ParseFloat.
// ok is false for anything else, which strconv then reads.
func parseShortDecimal(s []byte) (float64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 16 {
		return 0, false
	}
	var m uint64
	digits, point := 0, -1
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			digits++
		case c == '.' && point < 0:
			point = i
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > 15 {
		return 0, false
	}
	v := float64(m)
	if point >= 0 {
		v /= pow10[len(s)-1-point]
	}
	if neg {
		v = -v
	}
	return v, true
}

func parseBool(s []byte) (bool, bool) {
	switch {
	case bytes.EqualFold(s, []byte("true")):
		return true, true
	case bytes.EqualFold(s, []byte("false")):
		return false, true
	}
	return false, false
}

func parseTime(b []byte) (time.Time, bool) {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return time.Time{}, false
	}
	s := string(b)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// dictionary maps category strings to codes for one column across batches.
type dictionary struct {
	index  map[string]int32
	levels []string
}

func newDictionary() *dictionary { return &dictionary{index: map[string]int32{}} }

func (d *dictionary) code(b []byte) int32 {
	if c, ok := d.index[string(b)]; ok {
		return c
	}
	// The string copies the field out of the batch, which is reused.
	s := string(b)
	c := int32(len(d.levels))
	d.index[s] = c
	d.levels = append(d.levels, s)
	return c
}
