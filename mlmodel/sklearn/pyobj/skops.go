package pyobj

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

const (
	// maxDepth bounds how deeply the object graph may nest.
	maxDepth = 512
	// maxMember bounds one zip member, and maxTotal all of them together,
	// so that a small file cannot inflate into all of memory.
	maxMember = 1 << 30
	maxTotal  = 4 << 30
	// maxSkopsProtocol is the newest skops protocol whose nodes are known.
	maxSkopsProtocol = 2
)

// ReadSkops reads a skops file (what mlflow.sklearn saves as model.skops):
// a zip of schema.json, a tree of nodes, and the .npy files its arrays are
// in. Nodes sharing an __id__ are one Go value. Every class the file names
// must be allowed by allow.
func ReadSkops(r io.ReaderAt, size int64, allow Allow) (any, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("skops: not a zip file: %w", err)
	}
	s := &skops{allow: allow, files: map[string]*zip.File{}, memo: map[string]any{},
		arrays: map[string]*Array{}, bytes: map[string]string{}}
	for _, f := range zr.File {
		if _, dup := s.files[f.Name]; dup {
			return nil, fmt.Errorf("skops: the zip holds %q twice", f.Name)
		}
		s.files[f.Name] = f
	}
	raw, err := s.member("schema.json")
	if err != nil {
		return nil, fmt.Errorf("skops: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var schema map[string]any
	if err := dec.Decode(&schema); err != nil {
		return nil, fmt.Errorf("skops: schema.json: %w", err)
	}
	proto, ok := schema["protocol"].(json.Number)
	p, perr := proto.Int64()
	if !ok || perr != nil || p < 0 || p > maxSkopsProtocol {
		return nil, fmt.Errorf("skops: schema.json has protocol %s; Weir reads protocols 0 to %d", jsonText(schema["protocol"]), maxSkopsProtocol)
	}
	v, err := s.node(schema, 0, "")
	if err != nil {
		return nil, fmt.Errorf("skops: %w", err)
	}
	return v, nil
}

type skops struct {
	allow Allow
	files map[string]*zip.File
	memo  map[string]any
	total int64
	// arrays and bytes are the members already read, by name.
	arrays map[string]*Array
	bytes  map[string]string
}

// member reads one zip member, checking its declared size first.
func (s *skops) member(name string) ([]byte, error) {
	f, ok := s.files[name]
	if !ok {
		return nil, fmt.Errorf("the zip has no member %q", name)
	}
	n := f.UncompressedSize64
	if n > maxMember || int64(n) > maxTotal-s.total {
		return nil, fmt.Errorf("member %q declares %d bytes, more than Weir reads", name, n)
	}
	if f.Method == zip.Store && n != f.CompressedSize64 {
		return nil, fmt.Errorf("member %q: stored with %d bytes but declares %d", name, f.CompressedSize64, n)
	}
	if f.Method == zip.Store && f.CompressedSize64 > uint64(maxTotal) {
		return nil, fmt.Errorf("member %q is too large", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("member %q: %w", name, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	// Grow as the data comes rather than trusting the declared size.
	got, err := io.Copy(&buf, io.LimitReader(rc, int64(n)+1))
	if err != nil {
		return nil, fmt.Errorf("member %q: %w", name, err)
	}
	if uint64(got) != n {
		return nil, fmt.Errorf("member %q holds %d bytes but declares %d", name, got, n)
	}
	s.total += got
	return buf.Bytes(), nil
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// node builds the Go value of one schema node. where names it in errors.
func (s *skops) node(v any, depth int, where string) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%s: nested more than %d deep", where, maxDepth)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a node (a JSON object), got %s", where, jsonKind(v))
	}
	loader, module, class := str(m, "__loader__"), str(m, "__module__"), str(m, "__class__")
	if where == "" {
		where = class
	}
	id := ""
	if n, ok := m["__id__"].(json.Number); ok && n.String() != "0" {
		id = n.String()
		if got, ok := s.memo[id]; ok {
			return got, nil
		}
	}
	if loader == "CachedNode" {
		return nil, fmt.Errorf("%s: cached node refers to unknown id %s", where, jsonText(m["__id__"]))
	}
	val, err := s.build(m, loader, module, class, depth, where, id)
	if err != nil {
		return nil, err
	}
	if id != "" {
		s.memo[id] = val
	}
	return val, nil
}

func (s *skops) build(m map[string]any, loader, module, class string, depth int, where, id string) (any, error) {
	child := func(v any, key string) (any, error) {
		return s.node(v, depth+1, where+"."+key)
	}
	content := m["content"]
	switch loader {
	case "JsonNode":
		text, ok := content.(string)
		if !ok {
			return nil, fmt.Errorf("%s: JsonNode content is not a string", where)
		}
		return parseJSONValue(text, where)
	case "DictNode", "DefaultDictNode", "_DictWithDeprecatedKeysNode":
		if loader != "DictNode" {
			cm, ok := content.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: %s content is not an object", where, loader)
			}
			content = cm["main"]
			v, err := child(content, "main")
			if err != nil {
				return nil, err
			}
			if _, ok := v.(map[string]any); !ok {
				return nil, fmt.Errorf("%s: %s main is not a dict", where, loader)
			}
			return v, nil
		}
		if module+"."+class != "builtins.dict" {
			if err := s.allow.check(module, class); err != nil {
				return nil, err
			}
		}
		cm, ok := content.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: DictNode content is not an object", where)
		}
		out := make(map[string]any, len(cm))
		for k, e := range cm {
			v, err := child(e, k)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case "ListNode", "TupleNode", "SetNode":
		switch module + "." + class {
		case "builtins.list", "builtins.tuple", "builtins.set":
		default:
			if err := s.allow.check(module, class); err != nil {
				return nil, err
			}
		}
		cl, ok := content.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: %s content is not a list", where, loader)
		}
		out := make([]any, len(cl))
		for i, e := range cl {
			v, err := child(e, strconv.Itoa(i))
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case "BytesNode", "BytearrayNode":
		name := str(m, "file")
		if b, ok := s.bytes[name]; ok {
			return b, nil
		}
		b, err := s.member(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		s.bytes[name] = string(b)
		return string(b), nil
	case "SliceNode":
		cm, ok := content.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: SliceNode content is not an object", where)
		}
		args := make([]any, 3)
		for i, k := range []string{"start", "stop", "step"} {
			v, err := fromJSON(cm[k], 0)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", where, k, err)
			}
			args[i] = v
		}
		return &Object{Module: "builtins", Class: "slice", Args: args}, nil
	case "TypeNode", "FunctionNode":
		if cm, ok := content.(map[string]any); ok && loader == "FunctionNode" {
			// Protocol 0 named the function in its content, and that is
			// what it imported.
			if mp, fn := str(cm, "module_path"), str(cm, "function"); mp != "" || fn != "" {
				module, class = mp, fn
			}
		}
		if err := s.allow.check(module, class); err != nil {
			return nil, err
		}
		return &Type{Module: module, Name: class}, nil
	case "ObjectNode":
		if err := s.allow.check(module, class); err != nil {
			return nil, err
		}
		o := &Object{Module: module, Class: class, State: map[string]any{}}
		s.remember(id, o)
		if content != nil {
			v, err := child(content, "content")
			if err != nil {
				return nil, err
			}
			setState(o, v)
		}
		return o, nil
	case "ConstructorFromReduceNode":
		if err := s.allow.check(module, class); err != nil {
			return nil, err
		}
		v, err := child(content, "args")
		if err != nil {
			return nil, err
		}
		args, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: constructor arguments are not a tuple", where)
		}
		return &Object{Module: module, Class: class, Args: args}, nil
	case "ReduceNode", "TreeNode", "LossNode", "QuantileForestNode":
		if loader == "TreeNode" {
			module, class = "sklearn.tree._tree", "Tree"
		}
		if err := s.allow.check(module, class); err != nil {
			return nil, err
		}
		o := &Object{Module: module, Class: class, State: map[string]any{}}
		s.remember(id, o)
		red, ok := m["__reduce__"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: %s has no __reduce__ arguments", where, loader)
		}
		v, err := child(red["args"], "args")
		if err != nil {
			return nil, err
		}
		if o.Args, ok = v.([]any); !ok {
			return nil, fmt.Errorf("%s: reduce arguments are not a tuple", where)
		}
		st, err := child(content, "state")
		if err != nil {
			return nil, err
		}
		setState(o, st)
		return o, nil
	case "RandomStateNode":
		if err := s.allow.check(module, class); err != nil {
			return nil, err
		}
		st, err := child(content, "state")
		if err != nil {
			return nil, err
		}
		o := &Object{Module: module, Class: class, State: map[string]any{}}
		setState(o, st)
		return o, nil
	case "RandomGeneratorNode":
		if err := s.allow.check(module, class); err != nil {
			return nil, err
		}
		cm, ok := content.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: RandomGeneratorNode content is not an object", where)
		}
		o := &Object{Module: module, Class: class, State: map[string]any{}}
		for _, k := range []string{"bit_generator", "seed_seq"} {
			if _, ok := cm[k]; !ok && k == "seed_seq" {
				continue // older protocols keep no seed sequence
			}
			v, err := child(cm[k], k)
			if err != nil {
				return nil, err
			}
			o.State[k] = v
		}
		return o, nil
	case "NdArrayNode":
		return s.ndarray(m, module, class, depth, where)
	case "DTypeNode":
		v, err := child(content, "dtype")
		if err != nil {
			return nil, err
		}
		a, ok := v.(*Array)
		if !ok {
			return nil, fmt.Errorf("%s: dtype content is not an array", where)
		}
		return dtypeObject(a.DType), nil
	case "PartialNode":
		// As pickle has it: partial(func) with the state
		// (func, args, keywords, namespace) that __setstate__ takes.
		if err := s.allow.check("functools", "partial"); err != nil {
			return nil, err
		}
		cm, ok := content.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: PartialNode content is not an object", where)
		}
		state := make([]any, 4)
		for i, k := range []string{"func", "args", "kwds", "namespace"} {
			v, err := child(cm[k], k)
			if err != nil {
				return nil, err
			}
			state[i] = v
		}
		return &Object{Module: "functools", Class: "partial", Args: []any{state[0]},
			State: map[string]any{"__setstate__": state}}, nil
	case "MethodNode", "OperatorFuncNode", "MaskedArrayNode", "SparseMatrixNode":
		name := module + "." + class
		switch loader {
		case "OperatorFuncNode":
			name = "operator." + class
		case "MethodNode":
			if cm, ok := content.(map[string]any); ok {
				name += "." + str(cm, "func")
			}
		}
		return nil, &RefusedError{Name: name}
	}
	return nil, fmt.Errorf("%s: unknown skops node loader %q", where, loader)
}

func (s *skops) remember(id string, v any) {
	if id != "" {
		s.memo[id] = v
	}
}

// setState sets o's state from what its __setstate__ (or __dict__) would
// receive: a dict is merged into State, None and () are no state, and
// anything else is kept under "__setstate__".
func setState(o *Object, st any) {
	if l, ok := st.([]any); ok && len(l) == 0 {
		st = nil // an empty tuple, as Cython classes without state give
	}
	switch st := st.(type) {
	case nil:
	case map[string]any:
		if len(o.State) == 0 {
			// Taken, not copied: a file that gives many objects one state
			// must not make memory grow with each.
			o.State = st
			return
		}
		for k, v := range st {
			o.State[k] = v
		}
	default:
		if o.State == nil {
			o.State = map[string]any{}
		}
		o.State["__setstate__"] = st
	}
}

// dtypeObject is how a NumPy dtype appears in the graph.
func dtypeObject(s string) *Object {
	return &Object{Module: "numpy", Class: "dtype", Args: []any{s}}
}
