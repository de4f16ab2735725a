package pyobj

import (
	"fmt"
	"strings"
)

// reduce is REDUCE: what calling fn with argv would build, made without
// calling it. NumPy's and Python's own reconstructors are understood;
// any other allowed callable gives an *Object holding its arguments.
func (u *unpickler) reduce(fn, argv any) (any, error) {
	t, ok := fn.(*Type)
	if !ok {
		return nil, fmt.Errorf("REDUCE calls %s, not a class or function", Describe(fn))
	}
	full := t.Module + "." + t.Name
	args, err := tuple(argv, full+" arguments")
	if err != nil {
		return nil, err
	}
	switch {
	case strings.HasSuffix(full, "multiarray._reconstruct"):
		a := &Array{}
		u.pending[a] = true
		return a, nil
	case strings.HasSuffix(full, "numeric._frombuffer"):
		return u.frombuffer(args)
	case strings.HasSuffix(full, "multiarray.scalar"):
		return u.scalar(args)
	case full == "numpy.dtype":
		if len(args) < 1 {
			return nil, fmt.Errorf("numpy.dtype without arguments")
		}
		s, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("numpy.dtype of %s", Describe(args[0]))
		}
		d, err := parseDtypeString(s)
		if err != nil {
			return nil, err
		}
		o := dtypeObject(d.String())
		u.dtypes[o] = d
		return o, nil
	case full == "builtins.dict" || full == "collections.OrderedDict" || full == "collections.defaultdict":
		m := map[string]any{}
		if full != "collections.defaultdict" && len(args) == 1 {
			pairs, err := tuple(args[0], full+" items")
			if err != nil {
				return nil, err
			}
			if err := u.copied(len(pairs)); err != nil {
				return nil, err
			}
			for _, p := range pairs {
				kv, err := tuple(p, full+" item")
				if err != nil || len(kv) != 2 {
					return nil, fmt.Errorf("%s item is not a pair", full)
				}
				if err := setItems(m, kv); err != nil {
					return nil, err
				}
			}
		}
		return m, nil
	case full == "builtins.set" || full == "builtins.frozenset" || full == "builtins.list":
		l := &pyList{}
		if len(args) == 1 {
			items, err := tuple(args[0], full+" items")
			if err != nil {
				return nil, err
			}
			// Shared, not copied; a later append reallocates.
			l.items = items[:len(items):len(items)]
		}
		return l, nil
	case full == "numpy.random._pickle.__randomstate_ctor":
		// The state (what skops saves too) comes with BUILD.
		return &Object{Module: "numpy.random.mtrand", Class: "RandomState", State: map[string]any{}}, nil
	case full == "numpy.random._pickle.__generator_ctor":
		return &Object{Module: "numpy.random._generator", Class: "Generator", Args: args, State: map[string]any{}}, nil
	case full == "copyreg._reconstructor":
		if len(args) < 1 {
			return nil, fmt.Errorf("copyreg._reconstructor without a class")
		}
		return u.newobj(args[0], []any{}, nil)
	case strings.HasPrefix(t.Name, "__pyx_unpickle_"):
		// Cython's pickling: (class, checksum, state).
		if len(args) != 3 {
			return nil, fmt.Errorf("%s wants 3 arguments, got %d", full, len(args))
		}
		cls, ok := args[0].(*Type)
		if !ok {
			return nil, fmt.Errorf("%s of %s, not a class", full, Describe(args[0]))
		}
		o := &Object{Module: cls.Module, Class: cls.Name, State: map[string]any{}}
		setState(o, args[2])
		return o, nil
	}
	return &Object{Module: t.Module, Class: t.Name, Args: args, State: map[string]any{}}, nil
}

// newobj is NEWOBJ: cls.__new__(cls, *args) as an *Object.
func (u *unpickler) newobj(clsv, argv, kwargs any) (any, error) {
	cls, ok := clsv.(*Type)
	if !ok {
		return nil, fmt.Errorf("NEWOBJ of %s, not a class", Describe(clsv))
	}
	full := cls.Module + "." + cls.Name
	args, err := tuple(argv, full+" arguments")
	if err != nil {
		return nil, err
	}
	switch full {
	case "builtins.dict", "collections.OrderedDict", "collections.defaultdict",
		"builtins.set", "builtins.frozenset", "builtins.list":
		return u.reduce(cls, []any{})
	}
	o := &Object{Module: cls.Module, Class: cls.Name, Args: args, State: map[string]any{}}
	if kw, ok := kwargs.(map[string]any); ok {
		if err := u.copied(len(kw)); err != nil {
			return nil, err
		}
		for k, v := range kw {
			o.State[k] = v
		}
	}
	return o, nil
}

// build is BUILD: obj.__setstate__(state), or its dict update.
func (u *unpickler) build(obj, state any) error {
	switch o := obj.(type) {
	case *Array:
		if !u.pending[o] {
			return fmt.Errorf("BUILD on an array that is already built")
		}
		delete(u.pending, o)
		return u.buildArray(o, state)
	case *Object:
		if d, ok := u.dtypes[o]; ok {
			if err := u.buildDtype(d, state); err != nil {
				return fmt.Errorf("numpy.dtype state: %w", err)
			}
			o.Args = []any{d.String()}
			return nil
		}
		if st, ok := state.([]any); ok && len(st) == 2 {
			// (dict state, slot state)
			d1, ok1 := st[0].(map[string]any)
			d2, ok2 := st[1].(map[string]any)
			if (ok1 || st[0] == nil) && (ok2 || st[1] == nil) {
				if err := u.copied(len(d1) + len(d2)); err != nil {
					return err
				}
				setState(o, d1)
				setState(o, d2)
				return nil
			}
		}
		if st, ok := state.(map[string]any); ok && len(o.State) > 0 {
			if err := u.copied(len(st)); err != nil {
				return err
			}
		}
		setState(o, state)
		return nil
	case map[string]any:
		if st, ok := state.(map[string]any); ok {
			if err := u.copied(len(st)); err != nil {
				return err
			}
			for k, v := range st {
				o[k] = v
			}
			return nil
		}
	}
	return fmt.Errorf("BUILD on %s", Describe(obj))
}
