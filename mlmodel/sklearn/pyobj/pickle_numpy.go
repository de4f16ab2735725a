package pyobj

import (
	"fmt"
)

// dtypeOf returns the dtype a numpy.dtype object of this pickle stands for.
func (u *unpickler) dtypeOf(v any) (*dtype, error) {
	o, ok := v.(*Object)
	if ok {
		if d, ok := u.dtypes[o]; ok {
			return d, nil
		}
	}
	return nil, fmt.Errorf("want a numpy.dtype, got %s", Describe(v))
}

// buildDtype applies a dtype's pickled state: (version, byteorder,
// subarray, names, fields, elsize, alignment, flags[, metadata]).
func (u *unpickler) buildDtype(d *dtype, state any) error {
	st, ok := state.([]any)
	if !ok || len(st) < 8 {
		return fmt.Errorf("want an 8-tuple")
	}
	if bo, ok := st[1].(string); ok {
		d.big = bo == ">"
	}
	if st[2] != nil {
		return fmt.Errorf("sub-array dtypes are not read")
	}
	if elsize, ok := st[5].(int64); ok && elsize > 0 {
		if elsize > 1<<20 {
			return fmt.Errorf("element size %d too large", elsize)
		}
		if d.kind == 'U' || d.kind == 'S' || d.kind == 'V' {
			d.size = int(elsize)
		}
	}
	if st[3] == nil {
		if d.kind == 'V' {
			return fmt.Errorf("void dtype without fields")
		}
		return nil
	}
	names, err := tuple(st[3], "dtype names")
	if err != nil {
		return err
	}
	fields, ok := st[4].(map[string]any)
	if !ok || d.kind != 'V' {
		return fmt.Errorf("record dtype without a fields dict")
	}
	d.fields = nil
	for _, nv := range names {
		name, ok := nv.(string)
		if !ok {
			return fmt.Errorf("field name is %s", Describe(nv))
		}
		fv, err := tuple(fields[name], "field "+name)
		if err != nil || len(fv) < 2 {
			return fmt.Errorf("field %q: want (dtype, offset)", name)
		}
		fd, err := u.dtypeOf(fv[0])
		if err != nil {
			return fmt.Errorf("field %q: %w", name, err)
		}
		if fd == d || fd.kind == 'V' || fd.kind == 'O' {
			return fmt.Errorf("field %q: nested record or object fields are not read", name)
		}
		off, ok := fv[1].(int64)
		if !ok || off < 0 || off > 1<<20 {
			return fmt.Errorf("field %q: bad offset", name)
		}
		d.fields = append(d.fields, field{name: name, dt: fd, offset: int(off)})
	}
	return nil
}

// buildArray applies an ndarray's pickled state: ([version,] shape, dtype,
// is_fortran, raw data or list of objects).
func (u *unpickler) buildArray(a *Array, state any) error {
	st, ok := state.([]any)
	if ok && len(st) == 5 {
		st = st[1:]
	}
	if !ok || len(st) != 4 {
		return fmt.Errorf("ndarray state: want a 5-tuple, got %s", Describe(state))
	}
	shapev, err := tuple(st[0], "ndarray shape")
	if err != nil {
		return err
	}
	shape, err := intTuple(shapev)
	if err != nil {
		return fmt.Errorf("ndarray shape: %w", err)
	}
	d, err := u.dtypeOf(st[1])
	if err != nil {
		return fmt.Errorf("ndarray dtype: %w", err)
	}
	fortran, _ := st[2].(bool)
	var built *Array
	switch raw := st[3].(type) {
	case string:
		if err := u.spend(len(raw)); err != nil {
			return err
		}
		built, err = decodeArray(d, shape, fortran, []byte(raw))
	case *pyList, []any:
		items, _ := tuple(raw, "")
		n, err2 := elements(shape, len(items))
		if d.kind != 'O' || err2 != nil || n != len(items) {
			return fmt.Errorf("object array of shape %s holds %d items", shapeString(shape), len(items))
		}
		if fortran && len(shape) > 1 {
			return fmt.Errorf("Fortran-ordered object arrays are not read")
		}
		built = &Array{DType: "object", Shape: shape, Data: items[:n:n]}
	default:
		return fmt.Errorf("ndarray data is %s", Describe(st[3]))
	}
	if err != nil {
		return err
	}
	*a = *built
	return nil
}

// frombuffer reads numpy's protocol-5 array: (buffer, dtype, shape, order).
func (u *unpickler) frombuffer(args []any) (any, error) {
	if len(args) != 4 {
		return nil, fmt.Errorf("_frombuffer wants 4 arguments, got %d", len(args))
	}
	buf, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("_frombuffer of %s", Describe(args[0]))
	}
	d, err := u.dtypeOf(args[1])
	if err != nil {
		return nil, err
	}
	sv, err := tuple(args[2], "_frombuffer shape")
	if err != nil {
		return nil, err
	}
	shape, err := intTuple(sv)
	if err != nil {
		return nil, err
	}
	order, _ := args[3].(string)
	if err := u.spend(len(buf)); err != nil {
		return nil, err
	}
	return decodeArray(d, shape, order == "F", []byte(buf))
}

// scalar reads a NumPy scalar: (dtype, raw bytes).
func (u *unpickler) scalar(args []any) (any, error) {
	if len(args) < 1 {
		return nil, fmt.Errorf("numpy scalar without a dtype")
	}
	d, err := u.dtypeOf(args[0])
	if err != nil {
		return nil, err
	}
	if d.kind == 'O' {
		if len(args) < 2 {
			return nil, nil
		}
		return args[1], nil
	}
	if len(args) != 2 {
		return nil, fmt.Errorf("numpy scalar wants 2 arguments")
	}
	raw, ok := args[1].(string)
	if !ok {
		return nil, fmt.Errorf("numpy scalar data is %s", Describe(args[1]))
	}
	if err := u.spend(len(raw)); err != nil {
		return nil, err
	}
	a, err := decodeArray(d, nil, false, []byte(raw))
	if err != nil {
		return nil, err
	}
	return scalarOf(a, "numpy scalar")
}
