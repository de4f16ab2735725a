package sklearn

import (
	"fmt"

	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

// pipeline is a Pipeline: transformers applied in turn, then a final
// estimator (a model, or a transformer when the pipeline is one step of a
// ColumnTransformer).
type pipeline struct {
	base
	steps []transformer
	final Estimator // nil when the last step is "passthrough"
	inter int       // total width of the intermediate rows
	buf   int       // scratch the steps need besides the intermediate rows
}

func buildPipeline(o obj) (Estimator, error) {
	raw, err := o.need("steps")
	if err != nil {
		return nil, err
	}
	list, ok := raw.([]any)
	if !ok || len(list) == 0 {
		return nil, o.errorf("steps is a %s, want a non-empty list of (name, estimator)", pyobj.Describe(raw))
	}
	var ests []Estimator
	for i, s := range list {
		pair, ok := s.([]any)
		if !ok || len(pair) != 2 {
			return nil, o.errorf("steps[%d] is not a (name, estimator) pair", i)
		}
		name, _ := pair[0].(string)
		path := fmt.Sprintf("%s.steps[%q]", o.path, name)
		if pair[1] == nil || pair[1] == "passthrough" {
			if i == len(list)-1 {
				ests = append(ests, nil)
			}
			continue
		}
		e, err := child(pair[1], path)
		if err != nil {
			return nil, err
		}
		if p, ok := e.(*pipeline); ok { // a nested pipeline runs its steps in line
			for _, t := range p.steps {
				ests = append(ests, t)
			}
			if p.final != nil || i == len(list)-1 {
				ests = append(ests, p.final)
			}
			continue
		}
		ests = append(ests, e)
	}
	p := &pipeline{}
	p.class = "Pipeline"
	for i, e := range ests[:len(ests)-1] {
		t, ok := e.(transformer)
		if !ok {
			return nil, o.errorf("step %d (%s) is not a transformer, yet it is not the last step", i, e.Class())
		}
		p.steps = append(p.steps, t)
	}
	p.final = ests[len(ests)-1]
	if err := p.link(o); err != nil {
		return nil, err
	}
	return p, nil
}

// link checks that each step reads as many columns as the previous one
// writes, and sizes the scratch space.
func (p *pipeline) link(o obj) error {
	all := append([]Estimator(nil), toEstimators(p.steps)...)
	if p.final != nil {
		all = append(all, p.final)
	}
	if len(all) == 0 {
		return o.errorf("the pipeline has no estimator")
	}
	first := all[0]
	p.nIn, p.names = first.NFeatures(), first.FeatureNames()
	for i := 1; i < len(all); i++ {
		prev := all[i-1].(transformer)
		if id, ok := all[i].(*identity); ok {
			id.n = prev.width()
		}
		if got, want := prev.width(), all[i].NFeatures(); got != want {
			return o.errorf("step %d (%s) writes %d columns but step %d (%s) reads %d",
				i-1, prev.Class(), got, i, all[i].Class(), want)
		}
	}
	p.inter, p.buf = 0, 0
	for i, t := range p.steps {
		if i < len(p.steps)-1 || p.final != nil {
			p.inter += t.width()
		}
		p.buf = max(p.buf, t.scratch())
	}
	if t, ok := p.final.(transformer); ok {
		p.buf = max(p.buf, t.scratch())
	}
	return nil
}

func toEstimators(ts []transformer) []Estimator {
	out := make([]Estimator, len(ts))
	for i, t := range ts {
		out[i] = t
	}
	return out
}

// width, scratch and transform make a pipeline whose last step is a
// transformer (or passthrough) a transformer itself.
func (p *pipeline) width() int {
	if t, ok := p.final.(transformer); ok {
		return t.width()
	}
	if p.final == nil && len(p.steps) > 0 {
		return p.steps[len(p.steps)-1].width()
	}
	return p.nIn
}

func (p *pipeline) scratch() int { return p.inter + p.buf }

func (p *pipeline) transform(dst, src, buf []value) error {
	rows, rest := buf[:p.inter], buf[p.inter:]
	cur := src
	n := len(p.steps)
	last, _ := p.final.(transformer)
	if last != nil {
		n++
	}
	for i := 0; i < n; i++ {
		t := last
		if i < len(p.steps) {
			t = p.steps[i]
		}
		out := dst
		if i < n-1 {
			out, rows = rows[:t.width()], rows[t.width():]
		}
		if err := t.transform(out, cur, rest); err != nil {
			return err
		}
		cur = out
	}
	if n == 0 {
		copy(dst, src)
	}
	return nil
}

// run applies the steps (not the final estimator) to src, using buf, and
// returns the row the final estimator reads.
func (p *pipeline) run(src, buf []value) ([]value, error) {
	rows, rest := buf[:p.inter], buf[p.inter:]
	cur := src
	for _, t := range p.steps {
		out := rows[:t.width()]
		rows = rows[t.width():]
		if err := t.transform(out, cur, rest); err != nil {
			return nil, err
		}
		cur = out
	}
	return cur, nil
}

// identity is a FunctionTransformer without a function: what a
// ColumnTransformer keeps for "passthrough" columns.
type identity struct {
	base
	n int
}

func buildFunctionTransformer(o obj) (Estimator, error) {
	f, _ := o.get("func")
	if f != nil && !isCheckArray(f) {
		return nil, o.errorf("FunctionTransformer with a function (%s) runs Python code: serve the model with Python (weir models serve --env-manager local)", pyobj.Describe(f))
	}
	id := &identity{base: base{class: o.o.Class}}
	if n, ok := asInt(o.o.State["n_features_in_"]); ok {
		id.nIn, id.n = n, n
	}
	if v, ok := o.get("feature_names_in_"); ok && v != nil {
		id.names, _ = stringList(v)
	}
	return id, nil
}

// isCheckArray tells whether f is scikit-learn's check_array, or a
// functools.partial of it: what HistGradientBoosting's preprocessor runs
// on numeric columns, a validation that changes no value.
func isCheckArray(f any) bool {
	if o, ok := f.(*pyobj.Object); ok && o.Module == "functools" && o.Class == "partial" && len(o.Args) > 0 {
		f = o.Args[0]
	}
	t, ok := f.(*pyobj.Type)
	return ok && t.Module == "sklearn.utils.validation" && t.Name == "check_array"
}

func (t *identity) NFeatures() int { return t.n }
func (t *identity) width() int     { return t.n }
func (t *identity) scratch() int   { return 0 }
func (t *identity) transform(dst, src, _ []value) error {
	copy(dst, src)
	return nil
}

// columnPart is one fitted transformer of a ColumnTransformer and the
// input columns it reads.
type columnPart struct {
	name string
	cols []int
	t    transformer
}

// columnTransformer is a ColumnTransformer with dense output.
type columnTransformer struct {
	base
	parts []columnPart
	out   int
	buf   int
}

func buildColumnTransformer(o obj) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	// A sparse output (sparse_output_) holds the same numbers as a dense
	// one, and every model here scores both alike, so rows stay dense.
	if w, _ := o.get("transformer_weights"); w != nil {
		return nil, o.errorf("transformer_weights are not supported")
	}
	raw, err := o.need("transformers_")
	if err != nil {
		return nil, err
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, o.errorf("transformers_ is a %s, want a list", pyobj.Describe(raw))
	}
	indices, _ := o.get("_transformer_to_input_indices")
	ct := &columnTransformer{base: b}
	for i, item := range list {
		triple, ok := item.([]any)
		if !ok || len(triple) != 3 {
			return nil, o.errorf("transformers_[%d] is not a (name, transformer, columns) triple", i)
		}
		name, _ := triple[0].(string)
		path := fmt.Sprintf("%s.transformers_[%q]", o.path, name)
		cols, err := ct.columns(o, name, triple[2], indices)
		if err != nil {
			return nil, err
		}
		if triple[1] == "drop" || len(cols) == 0 {
			continue
		}
		var t transformer
		if triple[1] == "passthrough" {
			t = &identity{base: base{class: "passthrough"}}
		} else {
			e, err := child(triple[1], path)
			if err != nil {
				return nil, err
			}
			if t, ok = e.(transformer); !ok {
				return nil, fmt.Errorf("sklearn: %s: %s is not a transformer", path, e.Class())
			}
		}
		if id, ok := t.(*identity); ok {
			id.n = len(cols)
		}
		if t.NFeatures() != len(cols) {
			return nil, fmt.Errorf("sklearn: %s: %s reads %d columns but is given %d", path, t.Class(), t.NFeatures(), len(cols))
		}
		ct.parts = append(ct.parts, columnPart{name: name, cols: cols, t: t})
		ct.out += t.width()
		ct.buf = max(ct.buf, len(cols)+t.scratch())
	}
	return ct, nil
}

// columns returns the input indices a transformer reads: from
// _transformer_to_input_indices when the file has it, else from the
// column selection itself.
func (ct *columnTransformer) columns(o obj, name string, sel any, indices any) ([]int, error) {
	if m, ok := indices.(map[string]any); ok {
		if v, ok := m[name]; ok {
			return ct.checkColumns(o, name, v)
		}
	}
	switch s := sel.(type) {
	case string, int64:
		return nil, o.errorf("transformer %q selects one column as a scalar, which passes a 1-D column: only text transformers accept that", name)
	case *pyobj.Array:
		if s.DType == "|b1" || s.DType == "bool" {
			mask, _ := s.Data.([]int64)
			if len(mask) != ct.nIn {
				return nil, o.errorf("transformer %q selects columns with a mask of %d for %d columns", name, len(mask), ct.nIn)
			}
			var cols []int
			for i, m := range mask {
				if m != 0 {
					cols = append(cols, i)
				}
			}
			return cols, nil
		}
		if names, ok := stringList(s); ok {
			return ct.byName(o, name, names)
		}
		v, err := values(s)
		if err != nil {
			return nil, o.errorf("transformer %q columns: %v", name, err)
		}
		return ct.checkColumns(o, name, v)
	}
	if names, ok := stringList(sel); ok {
		return ct.byName(o, name, names)
	}
	return ct.checkColumns(o, name, sel)
}

func (ct *columnTransformer) byName(o obj, name string, names []string) ([]int, error) {
	cols := make([]int, len(names))
	for i, n := range names {
		cols[i] = -1
		for j, f := range ct.names {
			if f == n {
				cols[i] = j
				break
			}
		}
		if cols[i] < 0 {
			return nil, o.errorf("transformer %q reads column %q, which is not among the fitted columns", name, n)
		}
	}
	return cols, nil
}

func (ct *columnTransformer) checkColumns(o obj, name string, v any) ([]int, error) {
	var items []any
	switch v := v.(type) {
	case []any:
		items = v
	case *pyobj.Array:
		vals, err := values(v)
		if err != nil {
			return nil, o.errorf("transformer %q columns: %v", name, err)
		}
		items = vals
	default:
		return nil, o.errorf("transformer %q selects columns with a %s", name, pyobj.Describe(v))
	}
	cols := make([]int, len(items))
	for i, x := range items {
		j, ok := x.(int64)
		if !ok {
			return nil, o.errorf("transformer %q column %d is a %s, want an index", name, i, pyobj.Describe(x))
		}
		if j < 0 {
			j += int64(ct.nIn)
		}
		if j < 0 || j >= int64(ct.nIn) {
			return nil, o.errorf("transformer %q reads column %d of %d", name, x, ct.nIn)
		}
		cols[i] = int(j)
	}
	return cols, nil
}

func (ct *columnTransformer) width() int   { return ct.out }
func (ct *columnTransformer) scratch() int { return ct.buf }

func (ct *columnTransformer) transform(dst, src, buf []value) error {
	off := 0
	for _, p := range ct.parts {
		in := buf[:len(p.cols)]
		for i, c := range p.cols {
			in[i] = src[c]
		}
		w := p.t.width()
		if err := p.t.transform(dst[off:off+w], in, buf[len(p.cols):]); err != nil {
			return err
		}
		off += w
	}
	return nil
}
