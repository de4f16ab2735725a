package pyobj

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
)

// maxPickle bounds the size of a pickle that ReadPickle reads.
const maxPickle = 4 << 30

// ReadPickle reads a pickle of protocol 2 to 5 (MLflow's model.pkl, written
// with pickle or cloudpickle) into plain Go values, calling nothing. A global on the allow-list becomes a *Type; REDUCE or NEWOBJ of
// an allowed class an *Object with the arguments in Args, and BUILD sets
// its State (a dict is merged; any other state is kept under the key
// "__setstate__"). Items appended to a list subclass go to Args, items set
// on a dict subclass to State. NumPy arrays, dtypes and scalars become
// *Array, a dtype *Object (Module "numpy", Class "dtype", Args [dtype
// string]) and float64/int64/bool/string values; dicts, OrderedDicts and
// defaultdicts become map[string]any with keys written as Python's str()
// would; sets, lists and tuples []any; bytes are held as strings. Python
// integers wider than 64 bits are read as float64. NumPy random states
// read as numpy.random.mtrand.RandomState objects with the state skops
// keeps too.
func ReadPickle(r io.Reader, allow Allow) (any, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxPickle+1))
	if err != nil {
		return nil, fmt.Errorf("pickle: %w", err)
	}
	if len(data) > maxPickle {
		return nil, fmt.Errorf("pickle: larger than %d bytes", maxPickle)
	}
	u := &unpickler{
		data: data, allow: allow, memo: map[int]any{}, dtypes: map[*Object]*dtype{},
		pending: map[*Array]bool{}, budget: 2*len(data) + 1<<20, copies: len(data) + 1<<16,
	}
	v, err := u.run()
	if err != nil {
		return nil, fmt.Errorf("pickle: at byte %d: %w", u.opPos, err)
	}
	f := &finisher{lists: map[*pyList][]any{}, seen: map[any]bool{}, pending: u.pending}
	v, err = f.finish(v, 0)
	if err != nil {
		return nil, fmt.Errorf("pickle: %w", err)
	}
	return v, nil
}

// pyList is a list while it is being built: pickles fill lists after
// memoizing them, so the list must be shared by reference until the end.
type pyList struct{ items []any }

type unpickler struct {
	data   []byte
	pos    int
	opPos  int
	allow  Allow
	stack  []any
	marks  []int
	memo   map[int]any
	dtypes map[*Object]*dtype
	// pending holds arrays made by _reconstruct that BUILD has not filled.
	pending map[*Array]bool
	// budget is how many more bytes of array data may be decoded: a pickle
	// holds each array's bytes once, and a hostile one that names the same
	// buffer many times must not make memory grow with every name.
	budget int
	// copies is how many more items may be copied from one container into
	// another (dict items, state merged into an object): each is copied
	// once in a real pickle, but a hostile one could name a large container
	// again and again.
	copies int
}

// copied takes n items from the copy budget.
func (u *unpickler) copied(n int) error {
	if n > u.copies {
		return fmt.Errorf("the pickle copies its containers more often than it could hold them")
	}
	u.copies -= n
	return nil
}

// spend takes n bytes of array data from the budget.
func (u *unpickler) spend(n int) error {
	if n > u.budget {
		return fmt.Errorf("the arrays' data adds up to more than the pickle holds")
	}
	u.budget -= n
	return nil
}

func (u *unpickler) read(n int) ([]byte, error) {
	if n < 0 || n > len(u.data)-u.pos {
		return nil, fmt.Errorf("truncated: want %d more bytes, %d left", n, len(u.data)-u.pos)
	}
	b := u.data[u.pos : u.pos+n]
	u.pos += n
	return b, nil
}

func (u *unpickler) readLen(size int) (int, error) {
	b, err := u.read(size)
	if err != nil {
		return 0, err
	}
	var n uint64
	switch size {
	case 1:
		n = uint64(b[0])
	case 4:
		n = uint64(binary.LittleEndian.Uint32(b))
	default:
		n = binary.LittleEndian.Uint64(b)
	}
	if n > uint64(len(u.data)-u.pos) {
		return 0, fmt.Errorf("truncated: a length of %d bytes, %d left", n, len(u.data)-u.pos)
	}
	return int(n), nil
}

func (u *unpickler) line() (string, error) {
	i := strings.IndexByte(string(u.data[u.pos:min(len(u.data), u.pos+1024)]), '\n')
	if i < 0 {
		return "", fmt.Errorf("truncated or overlong text argument")
	}
	s := string(u.data[u.pos : u.pos+i])
	u.pos += i + 1
	return s, nil
}

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

func (u *unpickler) pop() (any, error) {
	floor := 0
	if len(u.marks) > 0 {
		floor = u.marks[len(u.marks)-1]
	}
	if len(u.stack) <= floor {
		return nil, fmt.Errorf("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	v, err := u.pop()
	if err == nil {
		u.push(v)
	}
	return v, err
}

// popMark returns the items above the newest mark and drops the mark.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, fmt.Errorf("no mark on the stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) run() (any, error) {
	for {
		u.opPos = u.pos
		b, err := u.read(1)
		if err != nil {
			return nil, fmt.Errorf("pickle ends without STOP")
		}
		op := b[0]
		if op == '.' { // STOP
			if len(u.marks) > 0 {
				return nil, fmt.Errorf("STOP with a mark still open")
			}
			return u.pop()
		}
		if err := u.step(op); err != nil {
			return nil, err
		}
	}
}

func (u *unpickler) step(op byte) error {
	switch op {
	case 0x80: // PROTO
		b, err := u.read(1)
		if err != nil {
			return err
		}
		if b[0] > 5 {
			return fmt.Errorf("unsupported pickle protocol %d", b[0])
		}
	case 0x95: // FRAME
		_, err := u.read(8)
		return err
	case '(': // MARK
		u.marks = append(u.marks, len(u.stack))
	case '0': // POP
		if len(u.stack) > 0 && (len(u.marks) == 0 || u.marks[len(u.marks)-1] < len(u.stack)) {
			u.stack = u.stack[:len(u.stack)-1]
			return nil
		}
		_, err := u.popMark()
		return err
	case '1': // POP_MARK
		_, err := u.popMark()
		return err
	case '2': // DUP
		v, err := u.top()
		if err != nil {
			return err
		}
		u.push(v)
	case 'N':
		u.push(nil)
	case 0x88:
		u.push(true)
	case 0x89:
		u.push(false)
	case 'J', 'K', 'M': // BININT, BININT1, BININT2
		size := map[byte]int{'J': 4, 'K': 1, 'M': 2}[op]
		b, err := u.read(size)
		if err != nil {
			return err
		}
		switch size {
		case 4:
			u.push(int64(int32(binary.LittleEndian.Uint32(b))))
		case 2:
			u.push(int64(binary.LittleEndian.Uint16(b)))
		default:
			u.push(int64(b[0]))
		}
	case 0x8a, 0x8b: // LONG1, LONG4
		size := 1
		if op == 0x8b {
			size = 4
		}
		n, err := u.readLen(size)
		if err != nil {
			return err
		}
		b, _ := u.read(n)
		u.push(decodeLong(b))
	case 'I', 'L': // INT, LONG (text)
		s, err := u.line()
		if err != nil {
			return err
		}
		switch s {
		case "01":
			u.push(true)
			return nil
		case "00":
			u.push(false)
			return nil
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(s, "L"), 10, 64)
		if err != nil {
			return fmt.Errorf("bad integer %q", s)
		}
		u.push(n)
	case 'G': // BINFLOAT
		b, err := u.read(8)
		if err != nil {
			return err
		}
		u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case 'F': // FLOAT (text)
		s, err := u.line()
		if err != nil {
			return err
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("bad float %q", s)
		}
		u.push(f)
	case 'X', 0x8c, 0x8d, 'B', 'C', 0x8e, 0x96, 'T', 'U':
		// BINUNICODE, SHORT_BINUNICODE, BINUNICODE8, BINBYTES,
		// SHORT_BINBYTES, BINBYTES8, BYTEARRAY8, BINSTRING, SHORT_BINSTRING
		size := map[byte]int{'X': 4, 0x8c: 1, 0x8d: 8, 'B': 4, 'C': 1, 0x8e: 8, 0x96: 8, 'T': 4, 'U': 1}[op]
		n, err := u.readLen(size)
		if err != nil {
			return err
		}
		b, _ := u.read(n)
		u.push(string(b))
	case ']': // EMPTY_LIST
		u.push(&pyList{})
	case 0x8f: // EMPTY_SET
		u.push(&pyList{})
	case ')': // EMPTY_TUPLE
		u.push([]any{})
	case '}': // EMPTY_DICT
		u.push(map[string]any{})
	case 'l': // LIST
		items, err := u.popMark()
		if err != nil {
			return err
		}
		u.push(&pyList{items: items})
	case 't', 0x91: // TUPLE, FROZENSET
		items, err := u.popMark()
		if err != nil {
			return err
		}
		u.push(items)
	case 0x85, 0x86, 0x87: // TUPLE1-3
		n := int(op - 0x84)
		items := make([]any, n)
		for i := n - 1; i >= 0; i-- {
			v, err := u.pop()
			if err != nil {
				return err
			}
			items[i] = v
		}
		u.push(items)
	case 'd': // DICT
		items, err := u.popMark()
		if err != nil {
			return err
		}
		m := map[string]any{}
		if err := setItems(m, items); err != nil {
			return err
		}
		u.push(m)
	case 'a', 'e', 0x90: // APPEND, APPENDS, ADDITEMS
		var items []any
		if op == 'a' {
			v, err := u.pop()
			if err != nil {
				return err
			}
			items = []any{v}
		} else {
			var err error
			if items, err = u.popMark(); err != nil {
				return err
			}
		}
		target, err := u.top()
		if err != nil {
			return err
		}
		switch t := target.(type) {
		case *pyList:
			t.items = append(t.items, items...)
		case *Object:
			t.Args = append(t.Args, items...)
		default:
			return fmt.Errorf("cannot append to %s", Describe(target))
		}
	case 's', 'u': // SETITEM, SETITEMS
		var items []any
		if op == 's' {
			v, err := u.pop()
			if err != nil {
				return err
			}
			k, err := u.pop()
			if err != nil {
				return err
			}
			items = []any{k, v}
		} else {
			var err error
			if items, err = u.popMark(); err != nil {
				return err
			}
		}
		target, err := u.top()
		if err != nil {
			return err
		}
		switch t := target.(type) {
		case map[string]any:
			return setItems(t, items)
		case *Object:
			if t.State == nil {
				t.State = map[string]any{}
			}
			return setItems(t.State, items)
		}
		return fmt.Errorf("cannot set items on %s", Describe(target))
	case 'c': // GLOBAL
		module, err := u.line()
		if err != nil {
			return err
		}
		name, err := u.line()
		if err != nil {
			return err
		}
		return u.global(module, name)
	case 0x93: // STACK_GLOBAL
		name, err := u.pop()
		if err != nil {
			return err
		}
		module, err := u.pop()
		if err != nil {
			return err
		}
		ms, ok1 := module.(string)
		ns, ok2 := name.(string)
		if !ok1 || !ok2 {
			return fmt.Errorf("STACK_GLOBAL of non-strings")
		}
		return u.global(ms, ns)
	case 'R': // REDUCE
		args, err := u.pop()
		if err != nil {
			return err
		}
		fn, err := u.pop()
		if err != nil {
			return err
		}
		v, err := u.reduce(fn, args)
		if err != nil {
			return err
		}
		u.push(v)
	case 0x81, 0x92: // NEWOBJ, NEWOBJ_EX
		var kwargs any
		if op == 0x92 {
			var err error
			if kwargs, err = u.pop(); err != nil {
				return err
			}
		}
		args, err := u.pop()
		if err != nil {
			return err
		}
		cls, err := u.pop()
		if err != nil {
			return err
		}
		v, err := u.newobj(cls, args, kwargs)
		if err != nil {
			return err
		}
		u.push(v)
	case 'b': // BUILD
		state, err := u.pop()
		if err != nil {
			return err
		}
		obj, err := u.top()
		if err != nil {
			return err
		}
		return u.build(obj, state)
	case 'g', 'h', 'j': // GET, BINGET, LONG_BINGET
		i, err := u.memoIndex(op, 'g', 'h')
		if err != nil {
			return err
		}
		v, ok := u.memo[i]
		if !ok {
			return fmt.Errorf("memo index %d was never stored", i)
		}
		u.push(v)
	case 'p', 'q', 'r': // PUT, BINPUT, LONG_BINPUT
		i, err := u.memoIndex(op, 'p', 'q')
		if err != nil {
			return err
		}
		v, err := u.top()
		if err != nil {
			return err
		}
		u.memo[i] = v
	case 0x94: // MEMOIZE
		v, err := u.top()
		if err != nil {
			return err
		}
		u.memo[len(u.memo)] = v
	case 'P', 'Q':
		return fmt.Errorf("persistent ids are not read")
	case 0x82, 0x83, 0x84:
		return fmt.Errorf("copyreg extension codes are not read")
	case 0x97, 0x98:
		return fmt.Errorf("out-of-band buffers (NEXT_BUFFER, READONLY_BUFFER) are not read")
	case 'i', 'o':
		return fmt.Errorf("protocol 0/1 instance opcodes are not read")
	default:
		return fmt.Errorf("unsupported pickle opcode 0x%02x", op)
	}
	return nil
}

func (u *unpickler) memoIndex(op, text, short byte) (int, error) {
	switch op {
	case text:
		s, err := u.line()
		if err != nil {
			return 0, err
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad memo index %q", s)
		}
		return n, nil
	case short:
		b, err := u.read(1)
		if err != nil {
			return 0, err
		}
		return int(b[0]), nil
	}
	b, err := u.read(4)
	if err != nil {
		return 0, err
	}
	return int(binary.LittleEndian.Uint32(b)), nil
}

func (u *unpickler) global(module, name string) error {
	if err := u.allow.check(module, name); err != nil {
		return err
	}
	u.push(&Type{Module: module, Name: name})
	return nil
}

// decodeLong reads a little-endian two's-complement integer.
func decodeLong(b []byte) any {
	if len(b) == 0 {
		return int64(0)
	}
	if len(b) <= 8 {
		var v uint64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		shift := 64 - 8*uint(len(b))
		return int64(v<<shift) >> shift
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	n := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	f, _ := new(big.Float).SetInt(n).Float64()
	return f
}

// keyString writes a dict key as Python's str() would.
func keyString(k any) (string, error) {
	switch k := k.(type) {
	case string:
		return k, nil
	case int64:
		return strconv.FormatInt(k, 10), nil
	case bool:
		if k {
			return "True", nil
		}
		return "False", nil
	case nil:
		return "None", nil
	case float64:
		return pyFloat(k), nil
	}
	return "", fmt.Errorf("dict key of type %s is not read", Describe(k))
}

func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

func setItems(m map[string]any, items []any) error {
	if len(items)%2 != 0 {
		return fmt.Errorf("odd number of dict items")
	}
	for i := 0; i < len(items); i += 2 {
		k, err := keyString(items[i])
		if err != nil {
			return err
		}
		m[k] = items[i+1]
	}
	return nil
}

func tuple(v any, what string) ([]any, error) {
	switch t := v.(type) {
	case []any:
		return t, nil
	case *pyList:
		return t.items, nil
	}
	return nil, fmt.Errorf("%s: want a tuple, got %s", what, Describe(v))
}

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

// finisher turns the lists still being built into []any, once the whole
// graph is read, and checks that every array got its data.
type finisher struct {
	lists   map[*pyList][]any
	seen    map[any]bool
	pending map[*Array]bool
}

func (f *finisher) finish(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("objects nested more than %d deep", maxDepth)
	}
	switch x := v.(type) {
	case *pyList:
		if out, ok := f.lists[x]; ok {
			return out, nil
		}
		out := make([]any, len(x.items))
		f.lists[x] = out
		for i, e := range x.items {
			y, err := f.finish(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	case []any:
		if len(x) == 0 || f.seen[&x[0]] {
			return x, nil
		}
		f.seen[&x[0]] = true
		for i, e := range x {
			y, err := f.finish(e, depth+1)
			if err != nil {
				return nil, err
			}
			x[i] = y
		}
	case map[string]any:
		key := reflect.ValueOf(x).UnsafePointer()
		if f.seen[key] {
			return x, nil
		}
		f.seen[key] = true
		for k, e := range x {
			y, err := f.finish(e, depth+1)
			if err != nil {
				return nil, err
			}
			x[k] = y
		}
	case *Object:
		if f.seen[x] {
			return x, nil
		}
		f.seen[x] = true
		if _, err := f.finish(x.State, depth+1); err != nil {
			return nil, err
		}
		if _, err := f.finish(x.Args, depth+1); err != nil {
			return nil, err
		}
	case *Array:
		if f.pending[x] {
			return nil, fmt.Errorf("a NumPy array was never given its data")
		}
		if d, ok := x.Data.([]any); ok {
			if _, err := f.finish(d, depth+1); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}
