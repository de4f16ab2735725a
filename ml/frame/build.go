package frame

import (
	"fmt"
	"math"
	"time"
)

// build converts one batch of records into a frame of the reader's kinds,
// widening an int column to float when the batch needs it.
func (r *CSVReader) build(recs [][]string, lines []int) (*Frame, error) {
	cols := make([]Column, len(r.names))
	for j := range r.names {
		c, err := r.buildColumn(recs, lines, j)
		if err != nil {
			return nil, err
		}
		cols[j] = c
	}
	return newFrame(r.names, cols, len(recs)), nil
}

func (r *CSVReader) badValue(line, j int, s string) error {
	return fmt.Errorf("csv: line %d, column %q: %q is not a valid %s value (kind inferred from the first %d rows; set CSVOptions.Kinds to override)",
		line, r.names[j], s, r.kinds[j], r.opts.BatchRows)
}

func (r *CSVReader) buildColumn(recs [][]string, lines []int, j int) (Column, error) {
	n := len(recs)
	switch r.kinds[j] {
	case Float:
		vals := make([]float64, n)
		for i, rec := range recs {
			s := rec[j]
			if r.missing.has(s) {
				vals[i] = math.NaN()
				continue
			}
			v, ok := parseFloat(s)
			if !ok {
				return nil, r.badValue(lines[i], j, s)
			}
			vals[i] = v
		}
		return &FloatColumn{Values: vals}, nil
	case Int:
		vals := make([]int64, n)
		var miss []bool
		for i, rec := range recs {
			s := rec[j]
			if r.missing.has(s) {
				if miss == nil {
					miss = make([]bool, n)
				}
				miss[i] = true
				continue
			}
			v, ok := parseInt(s)
			if !ok {
				if _, isNum := parseFloat(s); isNum {
					r.kinds[j] = Float
					return r.buildColumn(recs, lines, j)
				}
				return nil, r.badValue(lines[i], j, s)
			}
			vals[i] = v
		}
		return &IntColumn{Values: vals, Missing: miss}, nil
	case Bool:
		vals, miss, err := buildMasked(r, recs, lines, j, parseBool)
		return &BoolColumn{Values: vals, Missing: miss}, err
	case Time:
		vals, miss, err := buildMasked(r, recs, lines, j, parseTime)
		return &TimeColumn{Values: vals, Missing: miss}, err
	}
	d := r.dicts[j]
	codes := make([]int32, n)
	for i, rec := range recs {
		s := rec[j]
		if r.missing.has(s) {
			codes[i] = -1
		} else {
			codes[i] = d.code(s)
		}
	}
	// The full slice expression stops a holder of this batch from appending
	// into the shared dictionary's array.
	return &CategoricalColumn{Codes: codes, Levels: d.levels[:len(d.levels):len(d.levels)]}, nil
}

func buildMasked[T bool | time.Time](r *CSVReader, recs [][]string, lines []int, j int, parse func(string) (T, bool)) ([]T, []bool, error) {
	n := len(recs)
	vals := make([]T, n)
	var miss []bool
	for i, rec := range recs {
		s := rec[j]
		if r.missing.has(s) {
			if miss == nil {
				miss = make([]bool, n)
			}
			miss[i] = true
			continue
		}
		v, ok := parse(s)
		if !ok {
			return nil, nil, r.badValue(lines[i], j, s)
		}
		vals[i] = v
	}
	return vals, miss, nil
}
