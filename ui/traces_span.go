package ui

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/weir-ml/weir/tracing"
)

// Span attributes MLflow's client writes that the trace page reads.
const (
	attrSpanInputs  = "mlflow.spanInputs"
	attrSpanOutputs = "mlflow.spanOutputs"
)

// wireSpan is a stored span (tracing.RawSpan) as far as the tree needs
// it. The attributes and events are read only for the chosen span
// (wireBody): a trace can hold megabytes of inputs and outputs.
type wireSpan struct {
	SpanID       string `json:"span_id"`
	ParentSpanID string `json:"parent_span_id"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Start        uint64 `json:"start_time_unix_nano"`
	End          uint64 `json:"end_time_unix_nano"`
	Status       struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"status"`
	raw tracing.RawSpan
}

// wireBody is the rest of a stored span.
type wireBody struct {
	Attributes []wireAttr `json:"attributes"`
	Events     []struct {
		Time       uint64     `json:"time_unix_nano"`
		Name       string     `json:"name"`
		Attributes []wireAttr `json:"attributes"`
	} `json:"events"`
}

// body decodes the span's attributes and events.
func (s *wireSpan) body() *wireBody {
	var b wireBody
	json.Unmarshal(s.raw, &b) // the head decoded, so the JSON is valid
	return &b
}

// wireAttr is an attribute whose value is an OpenTelemetry AnyValue in
// Protocol Buffers' JSON form ({"string_value": "..."}).
type wireAttr struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// spanNode is one span of a trace in the order the tree shows it: each
// span follows its parent, siblings in start order.
type spanNode struct {
	*wireSpan
	ID         string // hex, as URLs carry it
	Parent     string // hex; "" for a root
	Type       string // MLflow's span type (LLM, TOOL, ...), "" when unset
	StatusName string // OK, ERROR or UNSET
	Depth      int
	Desc       int  // spans under this one: the rows that follow it in the tree
	Orphan     bool // names a parent the trace does not hold
	// Offset and Width place the span's bar on the timeline, in
	// thousandths of the trace's whole span of time.
	Offset, Width int
}

// spanTree is a trace's spans ordered as a tree, with the time they cover.
type spanTree struct {
	Nodes      []spanNode
	Start, End uint64 // nanoseconds since the epoch
	Unreadable int    // stored spans that could not be decoded
}

// buildSpanTree decodes a trace's stored spans and orders them depth
// first. Spans whose parent is missing become roots (marked Orphan); a
// parent cycle in bad data cannot loop, since each span is placed once.
func buildSpanTree(raw []tracing.RawSpan) *spanTree {
	t := &spanTree{}
	spans := make([]wireSpan, 0, len(raw))
	for _, r := range raw {
		s := wireSpan{raw: r}
		if err := json.Unmarshal(r, &s); err != nil {
			t.Unreadable++
			continue
		}
		spans = append(spans, s)
	}
	// Stores keep spans in start order; a span sent late may not be.
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start })
	index := make(map[string]int, len(spans))
	ids := make([]string, len(spans))
	for i := range spans {
		ids[i] = hexID(spans[i].SpanID)
		if _, dup := index[ids[i]]; !dup {
			index[ids[i]] = i
		}
	}
	children := make(map[int][]int, len(spans))
	var roots []int
	for i := range spans {
		p, ok := index[hexID(spans[i].ParentSpanID)]
		if spans[i].ParentSpanID == "" || !ok || p == i {
			roots = append(roots, i)
			continue
		}
		children[p] = append(children[p], i)
	}
	placed := make([]bool, len(spans))
	t.Nodes = make([]spanNode, 0, len(spans))
	// An explicit stack: a chain of thousands of spans must not recurse.
	type frame struct{ i, depth int }
	var stack []frame
	visit := func(top []int, depth int) {
		for k := len(top) - 1; k >= 0; k-- {
			stack = append(stack, frame{top[k], depth})
		}
		for len(stack) > 0 {
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if placed[f.i] {
				continue
			}
			placed[f.i] = true
			t.Nodes = append(t.Nodes, t.node(&spans[f.i], ids[f.i], f.depth))
			kids := children[f.i]
			for k := len(kids) - 1; k >= 0; k-- {
				stack = append(stack, frame{kids[k], f.depth + 1})
			}
		}
	}
	visit(roots, 0)
	for i := range spans { // spans in a parent cycle: no root leads to them
		if !placed[i] {
			visit([]int{i}, 0)
		}
	}
	t.finish()
	return t
}

func (t *spanTree) node(s *wireSpan, id string, depth int) spanNode {
	n := spanNode{wireSpan: s, ID: id, Parent: hexID(s.ParentSpanID), Depth: depth, Type: spanType(s),
		StatusName: strings.TrimPrefix(s.Status.Code, "STATUS_CODE_")}
	if n.StatusName == "" {
		n.StatusName = "UNSET"
	}
	n.Orphan = depth == 0 && n.Parent != ""
	return n
}

// finish counts each span's descendants and places the timeline bars.
func (t *spanTree) finish() {
	var stack []int // indexes of the open ancestors
	for i := range t.Nodes {
		n := &t.Nodes[i]
		for len(stack) > 0 && t.Nodes[stack[len(stack)-1]].Depth >= n.Depth {
			stack = stack[:len(stack)-1]
		}
		for _, a := range stack {
			t.Nodes[a].Desc++
		}
		stack = append(stack, i)
		if n.Start > 0 && (t.Start == 0 || n.Start < t.Start) {
			t.Start = n.Start
		}
		t.End = max(t.End, n.End, n.Start)
	}
	total := t.End - t.Start
	for i := range t.Nodes {
		n := &t.Nodes[i]
		if total == 0 || n.Start < t.Start {
			n.Width = 1000
			continue
		}
		n.Offset = int((n.Start - t.Start) * 1000 / total)
		if n.End > n.Start {
			n.Width = int((n.End - n.Start) * 1000 / total)
		}
	}
}

// find returns the index of the span with the hex id, or -1.
func (t *spanTree) find(id string) int {
	for i := range t.Nodes {
		if t.Nodes[i].ID == id {
			return i
		}
	}
	return -1
}

// hexID turns a base64 span id, as stored spans carry it, into hex. Text
// that is not base64 is kept, so a bad id still names its span.
func hexID(b64 string) string {
	if b64 == "" {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return b64
	}
	return hex.EncodeToString(b)
}

// spanTypeKey is how Span.AppendJSON writes the span type attribute.
var spanTypeKey = []byte(`{"key":"` + tracing.AttrSpanType + `","value":{"string_value":`)

// spanType reads MLflow's span type, which its client writes as a JSON
// string ("\"LLM\""). It finds the attribute in the stored JSON without
// decoding the others, falling back to decoding them all for JSON written
// some other way.
func spanType(s *wireSpan) string {
	if i := bytes.Index(s.raw, spanTypeKey); i >= 0 {
		if str, ok := jsonStringAt(s.raw, i+len(spanTypeKey)); ok {
			return unquoteJSON(str)
		}
	}
	if !bytes.Contains(s.raw, []byte(tracing.AttrSpanType)) {
		return ""
	}
	for _, a := range s.body().Attributes {
		if a.Key == tracing.AttrSpanType {
			return unquoteJSON(anyValueText(a.Value))
		}
	}
	return ""
}

// jsonStringAt decodes the JSON string that starts at b[i].
func jsonStringAt(b []byte, i int) (string, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", false
	}
	for k := i + 1; k < len(b); k++ {
		switch b[k] {
		case '\\':
			k++
		case '"':
			var s string
			err := json.Unmarshal(b[i:k+1], &s)
			return s, err == nil
		}
	}
	return "", false
}

// unquoteJSON returns the string a JSON string literal holds, or s.
func unquoteJSON(s string) string {
	if len(s) >= 2 && s[0] == '"' {
		var v string
		if json.Unmarshal([]byte(s), &v) == nil {
			return v
		}
	}
	return s
}

// anyValue is an AnyValue in Protocol Buffers' JSON form.
type anyValue struct {
	String *string          `json:"string_value"`
	Bool   *bool            `json:"bool_value"`
	Int    *json.Number     `json:"int_value"`
	Double *json.RawMessage `json:"double_value"`
	Bytes  *string          `json:"bytes_value"`
	Array  *struct {
		Values []json.RawMessage `json:"values"`
	} `json:"array_value"`
	KVList *struct {
		Values []wireAttr `json:"values"`
	} `json:"kvlist_value"`
}

// maxValueNesting bounds how deeply anyValueText follows arrays and lists.
const maxValueNesting = 16

// anyValueText shows an AnyValue as text: a string as itself, numbers and
// booleans as JSON, arrays and key-value lists as JSON arrays and objects.
func anyValueText(raw json.RawMessage) string {
	var b []byte
	b = appendAnyValue(b, raw, 0, true)
	return string(b)
}

func appendAnyValue(b []byte, raw json.RawMessage, depth int, top bool) []byte {
	var v anyValue
	if depth > maxValueNesting || json.Unmarshal(raw, &v) != nil {
		return append(b, "null"...)
	}
	switch {
	case v.String != nil:
		if top {
			return append(b, *v.String...)
		}
		s, _ := json.Marshal(*v.String)
		return append(b, s...)
	case v.Bool != nil:
		return strconv.AppendBool(b, *v.Bool)
	case v.Int != nil:
		return append(b, v.Int.String()...)
	case v.Double != nil:
		return append(b, bytes.Trim(*v.Double, `"`)...)
	case v.Bytes != nil:
		return append(b, *v.Bytes...)
	case v.Array != nil:
		b = append(b, '[')
		for i, e := range v.Array.Values {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendAnyValue(b, e, depth+1, false)
		}
		return append(b, ']')
	case v.KVList != nil:
		b = append(b, '{')
		for i, kv := range v.KVList.Values {
			if i > 0 {
				b = append(b, ", "...)
			}
			k, _ := json.Marshal(kv.Key)
			b = append(append(b, k...), ": "...)
			b = appendAnyValue(b, kv.Value, depth+1, false)
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}
