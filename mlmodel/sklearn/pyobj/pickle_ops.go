package pyobj

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// step runs one opcode.
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
