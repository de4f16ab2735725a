package frame

import (
	"fmt"
	"slices"
	"time"
)

// Concat stacks frames with the same column names, in order, into one new
// frame. An int column that is float in another frame becomes float (the CSV
// reader widens int to float mid-stream); any other kind mismatch is an
// error. Categorical levels are merged in order of first appearance.
func Concat(frames ...*Frame) (*Frame, error) {
	if len(frames) == 0 {
		return nil, fmt.Errorf("frame: Concat of no frames")
	}
	first := frames[0]
	names := first.Names()
	total := 0
	for k, f := range frames {
		if !slices.Equal(f.Names(), names) {
			return nil, fmt.Errorf("frame: Concat: frame %d has columns %v, want %v", k, f.Names(), names)
		}
		total += f.rows
	}
	cols := make([]Column, len(names))
	for j, name := range names {
		parts := make([]Column, len(frames))
		kind := first.cols[j].Kind()
		for k, f := range frames {
			parts[k] = f.cols[j]
			pk := parts[k].Kind()
			switch {
			case pk == kind:
			case (pk == Float && kind == Int) || (pk == Int && kind == Float):
				kind = Float
			default:
				return nil, fmt.Errorf("frame: Concat: column %q is %s in frame %d but %s before", name, pk, k, kind)
			}
		}
		cols[j] = concatColumn(kind, parts, total)
	}
	return newFrame(names, cols, total), nil
}

func concatColumn(kind Kind, parts []Column, total int) Column {
	switch kind {
	case Float:
		out := make([]float64, 0, total)
		for _, p := range parts {
			switch p := p.(type) {
			case *FloatColumn:
				out = append(out, p.Values...)
			case *IntColumn:
				for i := range p.Values {
					out = append(out, p.Float(i))
				}
			}
		}
		return &FloatColumn{Values: out}
	case Int:
		vals, miss := concatMasked(parts, total, func(c Column) ([]int64, []bool) {
			p := c.(*IntColumn)
			return p.Values, p.Missing
		})
		return &IntColumn{Values: vals, Missing: miss}
	case Bool:
		vals, miss := concatMasked(parts, total, func(c Column) ([]bool, []bool) {
			p := c.(*BoolColumn)
			return p.Values, p.Missing
		})
		return &BoolColumn{Values: vals, Missing: miss}
	case Time:
		vals, miss := concatMasked(parts, total, func(c Column) ([]time.Time, []bool) {
			p := c.(*TimeColumn)
			return p.Values, p.Missing
		})
		return &TimeColumn{Values: vals, Missing: miss}
	}
	return concatCategorical(parts, total)
}

func concatMasked[T any](parts []Column, total int, get func(Column) ([]T, []bool)) ([]T, []bool) {
	vals := make([]T, 0, total)
	var miss []bool
	at := 0
	for _, p := range parts {
		v, m := get(p)
		vals = append(vals, v...)
		if m != nil {
			if miss == nil {
				miss = make([]bool, total)
			}
			copy(miss[at:], m)
		}
		at += len(v)
	}
	return vals, miss
}

func concatCategorical(parts []Column, total int) Column {
	// Batches of one streamed file share a dictionary that only grows: the
	// longest level list then holds every other as a prefix and codes need no
	// remapping.
	var longest []string
	for _, p := range parts {
		if l := p.(*CategoricalColumn).Levels; len(l) > len(longest) {
			longest = l
		}
	}
	shared := true
	for _, p := range parts {
		l := p.(*CategoricalColumn).Levels
		if len(l) > 0 && &l[0] != &longest[0] {
			shared = false
		}
	}
	codes := make([]int32, 0, total)
	if shared {
		for _, p := range parts {
			codes = append(codes, p.(*CategoricalColumn).Codes...)
		}
		return &CategoricalColumn{Codes: codes, Levels: longest}
	}
	var levels []string
	index := map[string]int32{}
	for _, p := range parts {
		c := p.(*CategoricalColumn)
		remap := make([]int32, len(c.Levels))
		for i, l := range c.Levels {
			code, ok := index[l]
			if !ok {
				code = int32(len(levels))
				index[l] = code
				levels = append(levels, l)
			}
			remap[i] = code
		}
		for _, code := range c.Codes {
			if code < 0 {
				codes = append(codes, -1)
			} else {
				codes = append(codes, remap[code])
			}
		}
	}
	return &CategoricalColumn{Codes: codes, Levels: levels}
}
