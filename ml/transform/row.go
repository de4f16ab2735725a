package transform

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// TransformRow writes the features of one row into dst (grown if needed)
// and returns it. values holds the Inputs in order (see InputNames): nil or
// NaN for missing, numbers of any Go numeric type, json.Number, strings
// (parsed for numeric inputs, "" meaning missing), bools and time.Time. A
// number given for a categorical input is the category its text names.
func (p *Preprocessor) TransformRow(values []any, dst []float64) ([]float64, error) {
	if err := p.fitted(); err != nil {
		return nil, err
	}
	cells := p.scratch()
	defer p.pool.Put(cells)
	if err := p.readCells(values, *cells); err != nil {
		return nil, err
	}
	return p.runRow(*cells, dst), nil
}

// readCells puts values, the Inputs in order, into the first cells.
func (p *Preprocessor) readCells(values []any, cells []cell) error {
	if len(values) != len(p.Inputs) {
		return fmt.Errorf("transform: got %d values, want %d (%v)", len(values), len(p.Inputs), p.InputNames())
	}
	for k, v := range values {
		c, err := toCell(v, p.plan.slotCat[k])
		if err != nil {
			return fmt.Errorf("transform: input %q: %w", p.Inputs[k].Name, err)
		}
		cells[k] = c
	}
	return nil
}

// TransformRows is TransformRow for a batch: row i's features go to
// dst[i*NumFeatures():(i+1)*NumFeatures()], and dst must hold them all.
// It takes its scratch space once for the batch rather than once a row.
// On an error, i is the index of the row that failed and nothing after it
// is written.
func (p *Preprocessor) TransformRows(rows [][]any, dst []float64) (int, error) {
	if err := p.fitted(); err != nil {
		return 0, err
	}
	w := p.plan.width
	if len(dst) < len(rows)*w {
		return 0, fmt.Errorf("transform: %d rows need %d values of output, got %d", len(rows), len(rows)*w, len(dst))
	}
	cells := p.scratch()
	defer p.pool.Put(cells)
	for i, values := range rows {
		if err := p.readCells(values, *cells); err != nil {
			return i, err
		}
		p.plan.run(*cells, dst[i*w:(i+1)*w])
	}
	return len(rows), nil
}

// TransformMap is TransformRow with the inputs looked up by name; a name
// absent from values is an error.
func (p *Preprocessor) TransformMap(values map[string]any, dst []float64) ([]float64, error) {
	if err := p.fitted(); err != nil {
		return nil, err
	}
	cells := p.scratch()
	defer p.pool.Put(cells)
	for k, in := range p.Inputs {
		v, ok := values[in.Name]
		if !ok {
			return nil, fmt.Errorf("transform: input has no field %q", in.Name)
		}
		c, err := toCell(v, p.plan.slotCat[k])
		if err != nil {
			return nil, fmt.Errorf("transform: input %q: %w", in.Name, err)
		}
		(*cells)[k] = c
	}
	return p.runRow(*cells, dst), nil
}

func (p *Preprocessor) scratch() *[]cell {
	if c, ok := p.pool.Get().(*[]cell); ok && len(*c) == p.plan.nslots+1 {
		return c
	}
	c := make([]cell, p.plan.nslots+1)
	return &c
}

func (p *Preprocessor) runRow(cells []cell, dst []float64) []float64 {
	if cap(dst) < p.plan.width {
		dst = make([]float64, p.plan.width)
	}
	dst = dst[:p.plan.width]
	p.plan.run(cells, dst)
	return dst
}

// toCell converts one input value to a numeric or categorical cell.
func toCell(v any, cat bool) (cell, error) {
	if cat {
		switch v := v.(type) {
		case nil:
			return cell{cat: true}, nil
		case string:
			return cell{cat: true, str: v, has: true}, nil
		case bool:
			return cell{cat: true, str: strconv.FormatBool(v), has: true}, nil
		}
		c, err := toCell(v, false)
		if err != nil {
			return c, err
		}
		return c.asCategory(), nil
	}
	switch v := v.(type) {
	case nil:
		return numCell(math.NaN()), nil
	case float64:
		return numCell(v), nil
	case float32:
		return numCell(float64(v)), nil
	case int:
		return numCell(float64(v)), nil
	case int64:
		return numCell(float64(v)), nil
	case int32:
		return numCell(float64(v)), nil
	case int16:
		return numCell(float64(v)), nil
	case int8:
		return numCell(float64(v)), nil
	case uint:
		return numCell(float64(v)), nil
	case uint64:
		return numCell(float64(v)), nil
	case uint32:
		return numCell(float64(v)), nil
	case uint16:
		return numCell(float64(v)), nil
	case uint8:
		return numCell(float64(v)), nil
	case bool:
		if v {
			return numCell(1), nil
		}
		return numCell(0), nil
	case interface{ Float64() (float64, error) }: // json.Number
		x, err := v.Float64()
		if err != nil {
			return cell{}, fmt.Errorf("%v is not a number", v)
		}
		return numCell(x), nil
	case string:
		if v == "" {
			return numCell(math.NaN()), nil
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return cell{}, fmt.Errorf("%q is not a number", v)
		}
		return numCell(x), nil
	case time.Time: // as frame.TimeColumn.Float
		return numCell(float64(v.Unix()) + float64(v.Nanosecond())/1e9), nil
	}
	return cell{}, fmt.Errorf("unsupported value %v of type %T", v, v)
}
