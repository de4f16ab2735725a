package transform

import (
	"fmt"
	"sync"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
)

// Preprocessor turns frame rows into model features, like scikit-learn's
// ColumnTransformer with remainder="drop": the Derived columns are computed
// first, then each Step transforms its columns through its Transforms, and
// the outputs of all steps, in order, are the features. Configure the
// exported fields, then Fit (or FitTransform); a fitted Preprocessor is safe
// for concurrent Transform and TransformRow calls.
type Preprocessor struct {
	Derived []Derivation
	Steps   []Step

	// Inputs lists the frame columns the fitted preprocessor reads, in the
	// order TransformRow takes them, with their kinds when it was fitted.
	Inputs []frame.Field
	// Features names the outputs, such as "age" or "job=admin.".
	Features []string

	plan *plan
	pool sync.Pool // *[]cell scratch rows for TransformRow
}

// Step applies Transforms in order to each of Columns. Transforms may be
// empty for numeric columns (they pass through); categorical columns need
// an encoder last.
type Step struct {
	Name       string
	Columns    []string
	Transforms []Transformer
}

func (s Step) label() string {
	if s.Name != "" {
		return s.Name
	}
	return fmt.Sprint(s.Columns)
}

// Fit learns every transform's state from f. y is the target, needed only by
// a TargetEncoder (nil otherwise).
func (p *Preprocessor) Fit(f *frame.Frame, y []float64) error {
	_, err := p.fit(f, y, false)
	return err
}

// FitTransform fits on f and returns f's features, with a TargetEncoder's
// outputs computed out of fold (see TargetEncoder); other outputs equal
// Transform(f).
func (p *Preprocessor) FitTransform(f *frame.Frame, y []float64) (*ml.Matrix, error) {
	encIn, err := p.fit(f, y, true)
	if err != nil {
		return nil, err
	}
	m, err := p.Transform(f)
	if err != nil {
		return nil, err
	}
	for k, sp := range p.plan.steps {
		te, ok := sp.enc.(*TargetEncoder)
		if !ok {
			continue
		}
		oof := te.outOfFold(encIn[k], y)
		for j, col := range oof {
			copy(m.Cols[sp.offsets[j]], col)
		}
	}
	return m, nil
}

// fit fits p and, when keep is set, returns the values each step's target
// encoder was fitted on.
func (p *Preprocessor) fit(f *frame.Frame, y []float64, keep bool) ([][]values, error) {
	p.plan, p.Inputs, p.Features = nil, nil, nil
	if y != nil && len(y) != f.NumRows() {
		return nil, fmt.Errorf("transform: target has %d values for %d rows", len(y), f.NumRows())
	}
	inputs, err := p.inputsOf(f)
	if err != nil {
		return nil, err
	}
	pl, err := p.compile(inputs, false)
	if err != nil {
		return nil, fmt.Errorf("transform: %w", err)
	}
	slots, err := slotValues(pl, inputs, f)
	if err != nil {
		return nil, err
	}
	encIn := make([][]values, len(p.Steps))
	for k, sp := range pl.steps {
		cols := make([]values, len(sp.slots))
		for j, s := range sp.slots {
			cols[j] = slots[s]
		}
		for _, st := range sp.stages {
			if err := st.fit(cols, y); err != nil {
				return nil, fmt.Errorf("transform: step %d (%s): %w", k+1, p.Steps[k].label(), err)
			}
			for j := range cols {
				cols[j] = mapValues(cols[j], func(c *cell) { st.apply(j, c) })
			}
		}
		if sp.enc != nil {
			for j := range cols {
				cols[j] = cols[j].asCategories()
			}
			if err := sp.enc.fit(cols, y); err != nil {
				return nil, fmt.Errorf("transform: step %d (%s): %w", k+1, p.Steps[k].label(), err)
			}
			if _, ok := sp.enc.(*TargetEncoder); ok && keep {
				encIn[k] = cols
			}
		}
	}
	if p.plan, err = p.compile(inputs, true); err != nil {
		return nil, fmt.Errorf("transform: %w", err)
	}
	p.Inputs, p.Features = inputs, p.plan.names
	return encIn, nil
}

// inputsOf lists the columns of f that the derivations and steps read and
// that no earlier derivation produces, in order of first use.
func (p *Preprocessor) inputsOf(f *frame.Frame) ([]frame.Field, error) {
	schema := f.Schema()
	produced, seen := map[string]bool{}, map[string]bool{}
	var out []frame.Field
	use := func(name string) error {
		if produced[name] || seen[name] {
			return nil
		}
		k := schema.Index(name)
		if k < 0 {
			return fmt.Errorf("transform: frame has no column %q", name)
		}
		seen[name] = true
		out = append(out, schema.Fields[k])
		return nil
	}
	for _, d := range p.Derived {
		if d == nil {
			return nil, fmt.Errorf("transform: nil derivation")
		}
		for _, name := range d.Inputs() {
			if err := use(name); err != nil {
				return nil, err
			}
		}
		produced[d.Output()] = true
	}
	for _, st := range p.Steps {
		for _, name := range st.Columns {
			if err := use(name); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// slotValues materialises every slot of the plan over all rows of f.
func slotValues(pl *plan, inputs []frame.Field, f *frame.Frame) ([]values, error) {
	n := f.NumRows()
	slots := make([]values, pl.nslots)
	for k, in := range inputs {
		c, err := f.Column(in.Name)
		if err != nil {
			return nil, err
		}
		slots[k] = columnValues(c)
	}
	cells := make([]cell, pl.nslots)
	for _, op := range pl.derived {
		out := values{cat: pl.slotCat[op.out]}
		if out.cat {
			out.str, out.has = make([]string, n), make([]bool, n)
		} else {
			out.num = make([]float64, n)
		}
		for i := 0; i < n; i++ {
			for _, s := range op.in {
				cells[s] = slots[s].at(i)
			}
			c := op.d.eval(cells, op.in)
			if out.cat {
				out.str[i], out.has[i] = c.str, c.has
			} else {
				out.num[i] = c.num
			}
		}
		slots[op.out] = out
	}
	return slots, nil
}

func columnValues(c frame.Column) values {
	n := c.Len()
	switch c := c.(type) {
	case *frame.FloatColumn:
		return values{num: c.Values} // shared: fitting never writes in place
	case *frame.CategoricalColumn:
		v := values{cat: true, str: make([]string, n), has: make([]bool, n)}
		for i, code := range c.Codes {
			if code >= 0 {
				v.str[i], v.has[i] = c.Levels[code], true
			}
		}
		return v
	}
	v := values{num: make([]float64, n)}
	for i := range v.num {
		v.num[i] = c.Float(i)
	}
	return v
}

func (p *Preprocessor) fitted() error {
	if p.plan == nil {
		return fmt.Errorf("transform: preprocessor is not fitted")
	}
	return nil
}

// InputNames returns the names of Inputs: the order of TransformRow's values.
func (p *Preprocessor) InputNames() []string { return frame.Schema{Fields: p.Inputs}.Names() }

// NumFeatures returns the number of outputs.
func (p *Preprocessor) NumFeatures() int { return len(p.Features) }

// Transform returns the features of every row of f, named by Features. f
// needs the Inputs columns, categorical where they were categorical when
// fitting (int and float may differ).
func (p *Preprocessor) Transform(f *frame.Frame) (*ml.Matrix, error) {
	if err := p.fitted(); err != nil {
		return nil, err
	}
	cols := make([]frame.Column, len(p.Inputs))
	for k, in := range p.Inputs {
		c, err := f.Column(in.Name)
		if err != nil {
			return nil, fmt.Errorf("transform: %w", err)
		}
		if (c.Kind() == frame.Categorical) != (in.Kind == frame.Categorical) {
			return nil, fmt.Errorf("transform: column %q is %s but was %s when fitted", in.Name, c.Kind(), in.Kind)
		}
		cols[k] = c
	}
	n := f.NumRows()
	m := ml.NewMatrix(n, p.plan.width)
	m.Names = p.Features
	cells := make([]cell, p.plan.nslots+1)
	row := make([]float64, p.plan.width)
	for i := 0; i < n; i++ {
		for k, c := range cols {
			if p.plan.slotCat[k] {
				cells[k] = cell{cat: true, str: c.Text(i), has: !c.IsMissing(i)}
			} else {
				cells[k] = numCell(c.Float(i))
			}
		}
		p.plan.run(cells, row)
		for j, x := range row {
			m.Cols[j][i] = x
		}
	}
	return m, nil
}
