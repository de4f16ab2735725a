package frame

import (
	"fmt"
	"math"
	"time"
)

// build converts one batch of records into a frame of the reader's kinds,
// widening an int column to float when the batch needs it.
func (r *CSVReader) build(b *batch) (*Frame, error) {
	cols := make([]Column, len(r.names))
	for j := range r.names {
		c, err := r.buildColumn(b, j)
		if err != nil {
			return nil, err
		}
		cols[j] = c
	}
	return newFrame(r.names, cols, b.rows()), nil
}

func (r *CSVReader) badValue(line, j int, s []byte) error {
	return fmt.Errorf("csv: line %d, column %q: %q is not a valid %s value (kind inferred from the first %d rows; set CSVOptions.Kinds to override)",
		line, r.names[j], s, r.kinds[j], r.opts.BatchRows)
}

func (r *CSVReader) buildColumn(b *batch, j int) (Column, error) {
	n := b.rows()
	switch r.kinds[j] {
	case Float:
		vals := make([]float64, n)
		for i := range n {
			s := b.field(i, j)
			if r.missing.has(s) {
				vals[i] = math.NaN()
				continue
			}
			v, ok := parseFloat(s)
			if !ok {
				return nil, r.badValue(b.lines[i], j, s)
			}
			vals[i] = v
		}
		return &FloatColumn{Values: vals}, nil
	case Int:
		vals := make([]int64, n)
		var miss []bool
		for i := range n {
			s := b.field(i, j)
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
					return r.buildColumn(b, j)
				}
				return nil, r.badValue(b.lines[i], j, s)
			}
			vals[i] = v
		}
		return &IntColumn{Values: vals, Missing: miss}, nil
	case Bool:
		vals, miss, err := buildMasked(r, b, j, parseBool)
		return &BoolColumn{Values: vals, Missing: miss}, err
	case Time:
		vals, miss, err := buildMasked(r, b, j, parseTime)
		return &TimeColumn{Values: vals, Missing: miss}, err
	}
	d := r.dicts[j]
	codes := make([]int32, n)
	for i := range n {
		s := b.field(i, j)
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

func buildMasked[T bool | time.Time](r *CSVReader, b *batch, j int, parse func([]byte) (T, bool)) ([]T, []bool, error) {
	n := b.rows()
	vals := make([]T, n)
	var miss []bool
	for i := range n {
		s := b.field(i, j)
		if r.missing.has(s) {
			if miss == nil {
				miss = make([]bool, n)
			}
			miss[i] = true
			continue
		}
		v, ok := parse(s)
		if !ok {
			return nil, nil, r.badValue(b.lines[i], j, s)
		}
		vals[i] = v
	}
	return vals, miss, nil
}
