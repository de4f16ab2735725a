package pyobj

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// maxPickle bounds the size of a pickle that ReadPickle reads.
const maxPickle = 4 << 30

// ReadPickle reads a pickle of protocol 2 to 5 (MLflow's model.pkl,
// written with pickle or cloudpickle) into plain Go values, calling
// nothing. A global on the allow-list becomes a *Type; REDUCE or NEWOBJ of
// an allowed class an *Object with the arguments in Args, and BUILD sets
// its State (a dict becomes the State; any other state is kept under the
// key "__setstate__"). Items appended to a list subclass go to Args, items
// set on a dict subclass to State. NumPy arrays, dtypes and scalars become
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
