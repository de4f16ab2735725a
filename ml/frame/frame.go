package frame

import (
	"fmt"
	"slices"
	"strings"
)

// Frame is an immutable table of named, typed columns of equal length.
// Select, Drop and Slice share the column storage of the frame they came
// from; Take copies the selected rows (categorical levels stay shared).
// Nothing in this package writes into a column after it is handed out, so
// callers must not either.
type Frame struct {
	schema Schema
	cols   []Column
	rows   int
}

// New returns a frame of the given columns. Names must be unique and
// non-empty, columns of equal length, and each column internally consistent
// (mask lengths, categorical codes within their levels).
func New(names []string, cols []Column) (*Frame, error) {
	if len(names) != len(cols) {
		return nil, fmt.Errorf("frame: %d names for %d columns", len(names), len(cols))
	}
	f := &Frame{cols: cols, schema: Schema{Fields: make([]Field, len(cols))}}
	seen := make(map[string]bool, len(names))
	for j, c := range cols {
		name := names[j]
		if name == "" {
			return nil, fmt.Errorf("frame: column %d has an empty name", j)
		}
		if seen[name] {
			return nil, fmt.Errorf("frame: duplicate column name %q", name)
		}
		seen[name] = true
		if c == nil {
			return nil, fmt.Errorf("frame: column %q is nil", name)
		}
		if err := checkColumn(c); err != nil {
			return nil, fmt.Errorf("frame: column %q: %w", name, err)
		}
		if j == 0 {
			f.rows = c.Len()
		} else if c.Len() != f.rows {
			return nil, fmt.Errorf("frame: column %q has %d rows, want %d", name, c.Len(), f.rows)
		}
		f.schema.Fields[j] = Field{Name: name, Kind: c.Kind()}
	}
	return f, nil
}

func checkColumn(c Column) error {
	mask := func(m []bool, n int) error {
		if m != nil && len(m) != n {
			return fmt.Errorf("missing mask has %d entries for %d values", len(m), n)
		}
		return nil
	}
	switch c := c.(type) {
	case *IntColumn:
		return mask(c.Missing, len(c.Values))
	case *BoolColumn:
		return mask(c.Missing, len(c.Values))
	case *TimeColumn:
		return mask(c.Missing, len(c.Values))
	case *CategoricalColumn:
		for i, code := range c.Codes {
			if code < -1 || int(code) >= len(c.Levels) {
				return fmt.Errorf("row %d has code %d outside %d levels", i, code, len(c.Levels))
			}
		}
	}
	return nil
}

// NumRows returns the number of rows.
func (f *Frame) NumRows() int { return f.rows }

// NumCols returns the number of columns.
func (f *Frame) NumCols() int { return len(f.cols) }

// Schema returns the names and kinds of the columns. The caller must not
// modify it.
func (f *Frame) Schema() Schema { return f.schema }

// Names returns the column names in order.
func (f *Frame) Names() []string { return f.schema.Names() }

// Column returns the column named name.
func (f *Frame) Column(name string) (Column, error) {
	j := f.schema.Index(name)
	if j < 0 {
		return nil, f.noColumn(name)
	}
	return f.cols[j], nil
}

// ColumnAt returns column j (0 <= j < NumCols).
func (f *Frame) ColumnAt(j int) Column { return f.cols[j] }

func (f *Frame) noColumn(name string) error {
	return fmt.Errorf("frame has no column %q (columns: %s)", name, strings.Join(f.Names(), ", "))
}

// Select returns a frame of the named columns, in the order given, sharing
// their storage.
func (f *Frame) Select(names ...string) (*Frame, error) {
	cols := make([]Column, len(names))
	for k, name := range names {
		c, err := f.Column(name)
		if err != nil {
			return nil, err
		}
		cols[k] = c
	}
	return New(names, cols)
}

// Drop returns a frame without the named columns, sharing the storage of the
// rest. Naming a column the frame lacks is an error, so typos do not pass
// silently.
func (f *Frame) Drop(names ...string) (*Frame, error) {
	drop := make(map[string]bool, len(names))
	for _, name := range names {
		if f.schema.Index(name) < 0 {
			return nil, f.noColumn(name)
		}
		drop[name] = true
	}
	var keep []string
	var cols []Column
	for j, fl := range f.schema.Fields {
		if !drop[fl.Name] {
			keep = append(keep, fl.Name)
			cols = append(cols, f.cols[j])
		}
	}
	return newFrame(keep, cols, f.rows), nil
}

// newFrame builds a frame from columns already known to be consistent.
func newFrame(names []string, cols []Column, rows int) *Frame {
	out := &Frame{cols: cols, rows: rows, schema: Schema{Fields: make([]Field, len(cols))}}
	for j, c := range cols {
		out.schema.Fields[j] = Field{Name: names[j], Kind: c.Kind()}
	}
	return out
}

// Take returns a frame of the given rows, in order (repeats allowed), copying
// their values.
func (f *Frame) Take(rows []int) (*Frame, error) {
	for _, i := range rows {
		if i < 0 || i >= f.rows {
			return nil, fmt.Errorf("frame: row %d out of range [0, %d)", i, f.rows)
		}
	}
	cols := make([]Column, len(f.cols))
	for j, c := range f.cols {
		cols[j] = c.take(rows)
	}
	return newFrame(f.Names(), cols, len(rows)), nil
}

// Slice returns rows i to j-1 as a frame sharing this frame's storage.
func (f *Frame) Slice(i, j int) (*Frame, error) {
	if i < 0 || j < i || j > f.rows {
		return nil, fmt.Errorf("frame: slice [%d:%d] out of range for %d rows", i, j, f.rows)
	}
	cols := make([]Column, len(f.cols))
	for k, c := range f.cols {
		cols[k] = c.slice(i, j)
	}
	return newFrame(f.Names(), cols, j-i), nil
}

// With returns a frame with column c added as name, or replacing the column
// of that name in place; the other columns are shared.
func (f *Frame) With(name string, c Column) (*Frame, error) {
	names, cols := f.Names(), slices.Clone(f.cols)
	if j := f.schema.Index(name); j >= 0 {
		cols[j] = c
	} else {
		names, cols = append(names, name), append(cols, c)
	}
	return New(names, cols)
}
