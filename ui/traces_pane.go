package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/weir-ml/weir/tracing"
)

// maxPaneValue is how much of one input, output or attribute value the
// detail pane shows: a multi-megabyte prompt must not stall the page.
const maxPaneValue = 64 << 10

// spanPane is the detail pane of the selected span.
type spanPane struct {
	TraceID  string
	Span     *spanNode
	At       string // start, after the trace's start
	Duration string
	Inputs   *paneValue
	Outputs  *paneValue
	Attrs    []paneAttr
	Events   []paneEvent
}

// paneValue is a value shown whole in a <pre>: JSON indented, clipped at
// maxPaneValue bytes.
type paneValue struct {
	Text    string
	Clipped int // bytes left out
}

// paneAttr is an attribute shown as key and text.
type paneAttr struct {
	Key   string
	Value *paneValue
}

// paneEvent is a span event; an exception's type, message and stack trace
// are pulled out of its attributes.
type paneEvent struct {
	Name      string
	At        string // after the span's start
	Exception bool
	Type      string
	Message   string
	Stack     string
	Attrs     []paneAttr
}

// newSpanPane formats span n of tree t for the detail pane.
func newSpanPane(traceID string, t *spanTree, n *spanNode) *spanPane {
	p := &spanPane{TraceID: traceID, Span: n, Duration: spanDuration(n)}
	if n.Start > t.Start && t.Start > 0 {
		p.At = "+" + fmtNanos(n.Start-t.Start)
	}
	body := n.body()
	for _, a := range body.Attributes {
		switch a.Key {
		case attrSpanInputs:
			p.Inputs = newPaneValue(anyValueText(a.Value))
		case attrSpanOutputs:
			p.Outputs = newPaneValue(anyValueText(a.Value))
		case tracing.AttrSpanType: // the badge shows it
		default:
			p.Attrs = append(p.Attrs, paneAttr{a.Key, newPaneValue(anyValueText(a.Value))})
		}
	}
	for _, e := range body.Events {
		ev := paneEvent{Name: e.Name, Exception: e.Name == "exception"}
		if e.Time >= n.Start && n.Start > 0 {
			ev.At = "+" + fmtNanos(e.Time-n.Start)
		}
		for _, a := range e.Attributes {
			text := anyValueText(a.Value)
			switch {
			case ev.Exception && a.Key == "exception.type":
				ev.Type = text
			case ev.Exception && a.Key == "exception.message":
				ev.Message = text
			case ev.Exception && a.Key == "exception.stacktrace":
				ev.Stack = clipText(text, maxPaneValue)
			default:
				ev.Attrs = append(ev.Attrs, paneAttr{a.Key, newPaneValue(text)})
			}
		}
		p.Events = append(p.Events, ev)
	}
	return p
}

// newPaneValue shows s as JSON indented when it is a JSON object or array,
// as the string it holds when it is a JSON string (MLflow's client
// JSON-encodes every attribute), else as itself.
func newPaneValue(s string) *paneValue {
	t := strings.TrimSpace(s)
	switch {
	case len(t) > 0 && (t[0] == '{' || t[0] == '['):
		var b bytes.Buffer
		if len(t) <= 4*maxPaneValue && json.Indent(&b, []byte(t), "", "  ") == nil {
			s = b.String()
		}
	case len(t) > 0 && t[0] == '"':
		s = unquoteJSON(t)
	}
	v := &paneValue{Text: clipText(s, maxPaneValue)}
	v.Clipped = len(s) - len(v.Text)
	return v
}

// clipText cuts s to at most n bytes on a character boundary.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// spanDuration is how long a span ran, or "—" while it has no end.
func spanDuration(n *spanNode) string {
	if n.End < n.Start || n.End == 0 {
		return "—"
	}
	return fmtNanos(n.End - n.Start)
}

// fmtNanos shows a span's length with three significant digits at most:
// 840 µs, 12.3 ms, 1.25 s, 3 min 4 s.
func fmtNanos(ns uint64) string {
	d := time.Duration(min(ns, uint64(1<<63-1)))
	three := func(v float64, unit string) string {
		prec := 0
		switch {
		case v < 10:
			prec = 2
		case v < 100:
			prec = 1
		}
		return strconv.FormatFloat(v, 'f', prec, 64) + " " + unit
	}
	switch {
	case d < time.Microsecond:
		return strconv.FormatInt(int64(d), 10) + " ns"
	case d < time.Millisecond:
		return three(float64(d)/1e3, "µs")
	case d < time.Second:
		return three(float64(d)/1e6, "ms")
	case d < time.Minute:
		return three(d.Seconds(), "s")
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
}
