package pipeline

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/weir-ml/weir"
)

// maxProblems bounds the problems one check reports: past a handful, the
// rest are usually echoes of the first.
const maxProblems = 10

// Problem is one thing wrong in a pipeline spec, located in its file.
type Problem struct {
	// Line and Column are 1-based; 0 when the problem has no place (a spec
	// checked without its YAML).
	Line, Column int
	// Path is the field, as model.candidates[1].params.num_leavs.
	Path    string
	Message string
}

// String writes the problem as line:column: path: message.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", p.Line, p.Column)
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// SpecError lists the problems found in a pipeline spec, one per line of
// its message, each prefixed by the file name when it is known.
type SpecError struct {
	File     string
	Problems []Problem
	// More counts problems found past maxProblems and not listed.
	More int
}

// Lines returns the problems as lines for people.
func (e *SpecError) Lines() []string {
	out := make([]string, 0, len(e.Problems)+1)
	for _, p := range e.Problems {
		s := p.String()
		switch {
		case e.File != "" && p.Line > 0:
			s = e.File + ":" + s
		case e.File != "":
			s = e.File + ": " + s
		}
		out = append(out, s)
	}
	if e.More > 0 {
		out = append(out, fmt.Sprintf("… and %d more %s", e.More, plural(e.More, "problem", "problems")))
	}
	return out
}

func (e *SpecError) Error() string { return strings.Join(e.Lines(), "\n") }

// Unwrap gives the *weir.Error that callers test for: the spec is the
// caller's input, so the code is INVALID_PARAMETER_VALUE.
func (e *SpecError) Unwrap() error {
	return &weir.Error{Code: weir.ErrInvalidParameterValue, Message: e.Error()}
}

// specDoc is a decoded spec's YAML: the node of every field path, so that
// the checks after decoding can say where a value is.
type specDoc struct {
	values   map[string]*yaml.Node // path → value node
	keys     map[string]*yaml.Node // path → key node
	problems []Problem
	more     int
}

func newSpecDoc() *specDoc {
	return &specDoc{values: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
}

// add records a problem at node n (or at the nearest recorded parent of
// path when n is nil).
func (d *specDoc) add(n *yaml.Node, path, format string, args ...any) {
	if len(d.problems) >= maxProblems {
		d.more++
		return
	}
	if path != "" && d.failed(path) {
		return // one problem per place: the rest are echoes
	}
	if n == nil {
		n = d.near(path)
	}
	p := Problem{Path: path, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	d.problems = append(d.problems, p)
}

// at records a problem at the value of path, or at the key when keyed is
// set (an unknown name is wrong where it is written).
func (d *specDoc) at(path string, keyed bool, format string, args ...any) {
	var n *yaml.Node
	if keyed {
		n = d.keys[path]
	}
	if n == nil {
		n = d.values[path]
	}
	d.add(n, path, format, args...)
}

// failed reports whether a problem is recorded at path.
func (d *specDoc) failed(path string) bool {
	for _, q := range d.problems {
		if q.Path == path {
			return true
		}
	}
	return false
}

// near returns the node of path or of its nearest parent that has one: a
// missing key is reported where its mapping is.
func (d *specDoc) near(path string) *yaml.Node {
	for p := path; p != ""; p = parentPath(p) {
		if n := d.values[p]; n != nil {
			return n
		}
	}
	return d.values[""]
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// err returns the problems in the order of the file, or nil.
func (d *specDoc) err(file string) error {
	if len(d.problems) == 0 {
		return nil
	}
	ps := slices.Clone(d.problems)
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if a.Line != b.Line {
			return cmp.Compare(a.Line, b.Line)
		}
		return cmp.Compare(a.Column, b.Column)
	})
	return &SpecError{File: file, Problems: ps, More: d.more}
}

// decodeSpec reads YAML into a Spec, strictly: unknown keys, wrong types
// and malformed numbers are problems located in the file. It returns the
// spec decoded as far as it could go, and whether it is worth checking
// further (the file is YAML and holds a mapping).
func decodeSpec(b []byte) (*Spec, *specDoc, bool) {
	d := newSpecDoc()
	var s Spec
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		d.problems = append(d.problems, yamlSyntaxProblem(err))
		return &s, d, false
	}
	if len(root.Content) == 0 {
		d.add(nil, "", "the file is empty: a pipeline spec is a YAML mapping (run `weir pipeline init` for a starter)")
		return &s, d, false
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		d.add(top, "", "a pipeline spec is a YAML mapping of keys (name, data, split, model, ...), got %s", nodeText(top))
		return &s, d, false
	}
	d.decode(top, reflect.ValueOf(&s).Elem(), "")
	return &s, d, true
}

var yamlLinePattern = strings.NewReplacer("yaml: ", "")

// yamlSyntaxProblem turns a YAML syntax error ("yaml: line 4: mapping
// values are not allowed in this context") into a located problem.
func yamlSyntaxProblem(err error) Problem {
	msg := yamlLinePattern.Replace(err.Error())
	p := Problem{Message: "not valid YAML: " + msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				p.Line, p.Column = n, 1
				p.Message = "not valid YAML: " + rest[i+2:]
			}
		}
	}
	return p
}

// decode fills v from n, recording problems rather than stopping at the
// first.
func (d *specDoc) decode(n *yaml.Node, v reflect.Value, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	d.values[path] = n
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // absent: the zero value
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.decode(n, p.Elem(), path)
		v.Set(p)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.add(n, path, "want a list, such as [a, b], got %s", nodeText(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.add(n, path, "want a mapping of names to values, got %s", nodeText(n))
			return
		}
		m := reflect.MakeMap(v.Type())
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			kp := joinPath(path, k.Value)
			if d.duplicate(seen, k, kp) {
				continue
			}
			d.keys[kp] = k
			e := reflect.New(v.Type().Elem()).Elem()
			d.decode(val, e, kp)
			m.SetMapIndex(reflect.ValueOf(k.Value), e)
		}
		v.Set(m)
	case reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			d.add(n, path, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
			return
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
		d.index(n, path)
	default:
		d.decodeScalar(n, v, path)
	}
}

// index records the nodes under n, which was decoded as a whole (free-form
// params, prepare steps), so that later checks can point into it.
func (d *specDoc) index(n *yaml.Node, path string) {
	d.values[path] = n // aliases are not followed: they could repeat a node exponentially
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			kp := joinPath(path, n.Content[i].Value)
			d.keys[kp] = n.Content[i]
			d.index(n.Content[i+1], kp)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			d.index(c, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

func (d *specDoc) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.add(n, path, "want a mapping of keys to values, got %s", nodeText(n))
		return
	}
	fields := yamlFields(v.Type())
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		kp := joinPath(path, k.Value)
		if d.duplicate(seen, k, kp) {
			continue
		}
		d.keys[kp] = k
		idx, ok := fields.index[k.Value]
		if !ok {
			d.add(k, kp, "unknown key %q%s", k.Value, choices(k.Value, fields.names))
			continue
		}
		d.decode(val, v.FieldByIndex(idx), kp)
	}
}

// duplicate reports (and records) a key given twice in one mapping.
func (d *specDoc) duplicate(seen map[string]*yaml.Node, k *yaml.Node, path string) bool {
	if first, ok := seen[k.Value]; ok {
		d.add(k, path, "key %q is given twice (first on line %d)", k.Value, first.Line)
		return true
	}
	seen[k.Value] = k
	return false
}

func (d *specDoc) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.add(n, path, "want %s, got %s", kindText(v.Kind()), nodeText(n))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if err := n.Decode(&b); err != nil || n.Tag != "!!bool" {
			d.add(n, path, "want true or false, got %q", n.Value)
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		var x int64
		if err := n.Decode(&x); err != nil || n.Tag != "!!int" {
			d.add(n, path, "want a whole number, got %s", quoteScalar(n))
			return
		}
		v.SetInt(x)
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		var x int64
		if err := n.Decode(&x); err != nil || n.Tag != "!!int" {
			d.add(n, path, "want a whole number, got %s", quoteScalar(n))
			return
		}
		if x < 0 {
			d.add(n, path, "want a whole number of 0 or more, got %d", x)
			return
		}
		v.SetUint(uint64(x))
	case reflect.Float64, reflect.Float32:
		var x float64
		if err := n.Decode(&x); err != nil || n.Tag == "!!str" {
			d.add(n, path, "want a number, got %s", quoteScalar(n))
			return
		}
		v.SetFloat(x)
	default:
		d.add(n, path, "cannot be read (a %s field)", v.Kind())
	}
}

// fieldTable maps a struct's YAML keys to its fields.
type fieldTable struct {
	names []string
	index map[string][]int
}

func yamlFields(t reflect.Type) fieldTable {
	ft := fieldTable{index: map[string][]int{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		ft.names = append(ft.names, name)
		ft.index[name] = f.Index
	}
	return ft
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// nodeText names what a node holds, for "want X, got Y".
func nodeText(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return quoteScalar(n)
	}
	return "nothing"
}

func quoteScalar(n *yaml.Node) string {
	if n.Tag == "!!str" || n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		return "the text " + strconv.Quote(n.Value)
	}
	return strconv.Quote(n.Value)
}

func kindText(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a text value"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a whole number"
}

// orList writes names as "a", "a or b", "a, b or c".
func orList(names []string) string {
	switch len(names) {
	case 0:
		return "(none)"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// choices is "; did you mean "x"? (allowed: a, b or c)" for got, with
// the suggestion only when a name is near and the list only when short
// enough to read.
func choices(got string, names []string) string {
	s := suggestion(got, names)
	switch {
	case len(names) <= 16:
		return s + " (allowed: " + orList(names) + ")"
	case s == "":
		return fmt.Sprintf(" (allowed: %s, … %d in all; `weir pipeline schema` lists them)", strings.Join(names[:8], ", "), len(names))
	}
	return s
}

// suggestion is "; did you mean "x"?" for the nearest of names to got, or
// "" when none is near.
func suggestion(got string, names []string) string {
	if s := nearest(got, names); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// nearest returns the name closest to got by edit distance (with
// transpositions, ignoring case), if it is close enough to be a typo.
func nearest(got string, names []string) string {
	best, bestD := "", 1<<30
	g := strings.ToLower(got)
	for _, n := range names {
		dist := editDistance(g, strings.ToLower(n))
		if dist < bestD {
			best, bestD = n, dist
		}
	}
	limit := 1
	switch l := len([]rune(got)); {
	case l >= 9:
		limit = 3
	case l >= 4:
		limit = 2
	}
	if best != "" && bestD <= limit {
		return best
	}
	// A name cut short ("year_from_month") is a near miss too.
	var prefixed []string
	for _, n := range names {
		if len(g) >= 3 && strings.HasPrefix(strings.ToLower(n), g) {
			prefixed = append(prefixed, n)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	return ""
}

// editDistance is the optimal-string-alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours cost 1.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev2 := make([]int, len(y)+1)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}
