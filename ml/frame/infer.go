package frame

import (
	"strconv"
	"strings"
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
func (r *CSVReader) inferKinds(recs [][]string) {
	r.kinds = make([]Kind, len(r.names))
	r.dicts = make([]*dictionary, len(r.names))
	for j, name := range r.names {
		if k, ok := r.opts.Kinds[name]; ok {
			r.kinds[j] = k
		} else {
			r.kinds[j] = r.inferColumn(recs, j)
		}
		if r.kinds[j] == Categorical {
			r.dicts[j] = newDictionary()
		}
	}
}

func (r *CSVReader) inferColumn(recs [][]string, j int) Kind {
	isInt, isFloat, isBool, isTime := true, true, true, true
	seen := false
	for _, rec := range recs {
		s := rec[j]
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

func parseInt(s string) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// parseFloat accepts decimal numbers only: strconv.ParseFloat alone would
// also read "inf", "nan" and hex floats, turning a text column that happens
// to hold "Info" into a number column on a bad day.
func parseFloat(s string) (float64, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

func parseTime(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
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

func (d *dictionary) code(s string) int32 {
	if c, ok := d.index[s]; ok {
		return c
	}
	// Clone: s points into the whole CSV record, which must not stay alive
	// for as long as the level does.
	s = strings.Clone(s)
	c := int32(len(d.levels))
	d.index[s] = c
	d.levels = append(d.levels, s)
	return c
}
