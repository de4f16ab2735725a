package transform

import (
	"fmt"

	"github.com/weir-ml/weir/ml/frame"
)

// plan is a Preprocessor compiled against its inputs: every column name
// resolved to a slot in a row of cells, so that a row is transformed with
// no lookups by name. Slots are the inputs, then one per derivation.
type plan struct {
	nslots  int
	slotCat []bool
	derived []derivedOp
	steps   []stepPlan
	width   int
	names   []string
}

type derivedOp struct {
	d   Derivation
	in  []int
	out int
}

type stepPlan struct {
	slots   []int
	stages  []stage
	enc     encoder // nil: numeric outputs pass through
	offsets []int   // first output of each column
}

// compile resolves p against inputs. With fitted set, the transformers'
// fitted state is checked and the feature names computed.
func (p *Preprocessor) compile(inputs []frame.Field, fitted bool) (*plan, error) {
	pl := &plan{}
	names := map[string]int{}
	for _, in := range inputs {
		if in.Kind == 0 {
			return nil, fmt.Errorf("input %q has no kind", in.Name)
		}
		names[in.Name] = pl.nslots
		pl.slotCat = append(pl.slotCat, in.Kind == frame.Categorical)
		pl.nslots++
	}
	for k, d := range p.Derived {
		if d == nil {
			return nil, fmt.Errorf("derivation %d is nil", k+1)
		}
		if d.Output() == "" {
			return nil, fmt.Errorf("derivation %d (%s) has no output name", k+1, d.Type())
		}
		op := derivedOp{d: d, out: pl.nslots}
		var cats []bool
		for _, name := range d.Inputs() {
			s, ok := names[name]
			if !ok {
				return nil, fmt.Errorf("%s %q reads unknown column %q", d.Type(), d.Output(), name)
			}
			op.in = append(op.in, s)
			cats = append(cats, pl.slotCat[s])
		}
		cat, err := d.compile(cats)
		if err != nil {
			return nil, err
		}
		pl.slotCat = append(pl.slotCat, cat)
		names[d.Output()] = pl.nslots
		pl.nslots++
		pl.derived = append(pl.derived, op)
	}
	for k, st := range p.Steps {
		sp, err := compileStep(st, names, pl.slotCat, fitted)
		if err != nil {
			return nil, fmt.Errorf("step %d (%s): %w", k+1, st.label(), err)
		}
		if fitted {
			for j, col := range st.Columns {
				sp.offsets = append(sp.offsets, pl.width)
				if sp.enc != nil {
					n := sp.enc.names(j, col)
					if len(n) != sp.enc.width(j) {
						return nil, fmt.Errorf("step %d (%s): encoder names %d outputs of %d", k+1, st.label(), len(n), sp.enc.width(j))
					}
					pl.names = append(pl.names, n...)
					pl.width += len(n)
				} else {
					pl.names = append(pl.names, col)
					pl.width++
				}
			}
		}
		pl.steps = append(pl.steps, sp)
	}
	return pl, nil
}

func compileStep(st Step, names map[string]int, slotCat []bool, fitted bool) (stepPlan, error) {
	var sp stepPlan
	if len(st.Columns) == 0 {
		return sp, fmt.Errorf("no columns")
	}
	anyCat := false
	for _, col := range st.Columns {
		s, ok := names[col]
		if !ok {
			return sp, fmt.Errorf("unknown column %q", col)
		}
		sp.slots = append(sp.slots, s)
		anyCat = anyCat || slotCat[s]
	}
	for k, t := range st.Transforms {
		if t == nil {
			return sp, fmt.Errorf("transform %d is nil", k+1)
		}
		if sp.enc != nil {
			return sp, fmt.Errorf("%s comes after the encoder %s; an encoder must be last", t.Type(), sp.enc.Type())
		}
		switch t := t.(type) {
		case stage:
			if anyCat && !t.acceptsCategorical() {
				return sp, fmt.Errorf("%s needs numeric columns, but the step has categorical ones", describe(t))
			}
			sp.stages = append(sp.stages, t)
		case encoder:
			sp.enc = t
		default:
			return sp, fmt.Errorf("unsupported transform %T", t)
		}
		if fitted {
			if err := t.check(len(st.Columns)); err != nil {
				return sp, err
			}
		}
	}
	if anyCat && sp.enc == nil {
		return sp, fmt.Errorf("categorical columns need an encoder (one_hot, ordinal or target_encoder) as the last transform")
	}
	if fitted && sp.enc != nil {
		sp.enc.prepare()
	}
	return sp, nil
}

func describe(t Transformer) string {
	if im, ok := t.(*Imputer); ok {
		return "imputer strategy " + im.strategy()
	}
	return t.Type()
}

// run transforms one row: cells holds the inputs in its first slots and has
// room for every slot plus one work cell; dst has p.width values.
func (pl *plan) run(cells []cell, dst []float64) {
	for _, op := range pl.derived {
		cells[op.out] = op.d.eval(cells, op.in)
	}
	w := &cells[pl.nslots]
	for _, sp := range pl.steps {
		for j, s := range sp.slots {
			*w = cells[s]
			for _, st := range sp.stages {
				st.apply(j, w)
			}
			off := sp.offsets[j]
			if sp.enc != nil {
				sp.enc.encode(j, w.asCategory(), dst[off:off+sp.enc.width(j)])
			} else {
				dst[off] = w.num
			}
		}
	}
}
