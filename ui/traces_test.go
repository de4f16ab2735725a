package ui

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/weir-ml/weir/tracing"
)

// newTraceSample is the sample world with the sample traces.
func newTraceSample(tb testing.TB) *Handler {
	tb.Helper()
	h, _, _ := newSample(tb)
	h.Traces = newSampleTraces()
	return h
}

const (
	traceOK      = "/traces/tr-00000000000000000000000000000001"
	traceFailed  = "/traces/tr-00000000000000000000000000000002"
	traceRunning = "/traces/tr-00000000000000000000000000000003"
)

func TestGoldenTracePages(t *testing.T) {
	cases := []struct {
		name, url string
		status    int
	}{
		{"traces", "/experiments/1/traces", 200},
		{"traces_failed", "/experiments/1/traces?status=ERROR", 200},
		{"traces_slowest", "/experiments/1/traces?order=slowest", 200},
		{"traces_named_paged", "/experiments/1/traces?name=a&n=1&page=1&hist=", 200},
		{"traces_filter_error", "/experiments/1/traces?filter=span.colour+%3D+%27red%27", 200},
		{"trace", traceOK, 200},
		{"trace_span", traceOK + "?span=0000000000000003", 200},
		{"trace_failed", traceFailed, 200},
		{"trace_running", traceRunning + "?span=0000000000000008", 200},
		{"trace_missing", "/traces/tr-nope", 404},
	}
	h := newTraceSample(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := get(t, h, c.url)
			if got, want := rec.Code, c.status; got != want {
				t.Errorf("GET %s: status %d, want %d\n%s", c.url, got, want, rec.Body)
			}
			if got, want := rec.Header().Get("Content-Security-Policy"), pageCSP; got != want {
				t.Errorf("CSP = %q, want %q", got, want)
			}
			checkGolden(t, c.name, rec.Body.Bytes())
		})
	}
}

func TestTracesTabFilters(t *testing.T) {
	h := newTraceSample(t)
	cases := []struct {
		name, query string
		want        []string // trace names or ids shown, in order
		problem     string
	}{
		{"newest first", "", []string{"tr-00000000000000000000000000000003", "divide", "answer_question"}, ""},
		{"status", "status=OK", []string{"answer_question"}, ""},
		{"name", "name=DIV", []string{"divide"}, ""},
		{"status and name", "status=OK&name=div", nil, ""},
		{"a run's traces", "filter=run_id+%3D+%27aaaa000000000003%27", []string{"answer_question"}, ""},
		{"oldest first", "order=oldest", []string{"answer_question", "divide", "tr-00000000000000000000000000000003"}, `aria-sort="ascending"><a href="?n=50">Started`},
		{"slowest first", "order=slowest", []string{"answer_question", "divide", "tr-00000000000000000000000000000003"}, `aria-sort="descending"><a href="?n=50&amp;order=fastest">Latency`},
		{"fastest first", "order=fastest&status=OK", []string{"answer_question"}, `<input type="hidden" name="order" value="fastest">`},
		{"unknown order", "order=x", []string{"tr-00000000000000000000000000000003", "divide", "answer_question"}, `aria-sort="descending"><a href="?n=50&amp;order=oldest">Started`},
		{"unknown status", "status=DONE", nil, "Status &#39;DONE&#39; is not one of OK, ERROR, IN_PROGRESS."},
		{"bad filter", "filter=trace.status+%3D", nil, "role=\"alert\""},
		{"both quotes in a name", "name=%27%22", nil, "cannot hold both"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := get(t, h, "/experiments/1/traces?"+c.query)
			if rec.Code != 200 {
				t.Fatalf("status %d, want 200", rec.Code)
			}
			body := rec.Body.String()
			var got []string
			for _, part := range strings.Split(body, `<td class="name"><a href="/traces/`)[1:] {
				_, rest, _ := strings.Cut(part, ">")
				name, _, _ := strings.Cut(rest, "<")
				got = append(got, name)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("rows %q, want %q", got, c.want)
			}
			if c.problem != "" && !strings.Contains(body, c.problem) {
				t.Errorf("the page does not explain the problem with %q", c.problem)
			}
		})
	}
}

// TestRunLinksToItsTraces follows the run page's link to the traces tab.
func TestRunLinksToItsTraces(t *testing.T) {
	h := newTraceSample(t)
	body := get(t, h, "/runs/aaaa000000000003").Body.String()
	const link = `<a href="/experiments/1/traces?filter=run_id+%3D+%27aaaa000000000003%27">Traces</a>`
	if !strings.Contains(body, link) {
		t.Fatalf("the run page has no link to its traces")
	}
	if body := get(t, h, "/experiments/1/traces?filter=run_id+%3D+%27aaaa000000000003%27").Body.String(); !strings.Contains(body, ">answer_question</a>") {
		t.Errorf("the run's traces are not listed")
	}
}

func TestTracesWithoutStore(t *testing.T) {
	h, _, _ := newSample(t)
	if body := get(t, h, "/experiments/1/traces").Body.String(); !strings.Contains(body, "This server keeps no traces.") {
		t.Errorf("the traces tab does not say the server keeps no traces")
	}
	if got, want := get(t, h, traceOK).Code, 404; got != want {
		t.Errorf("trace page without a store: status %d, want %d", got, want)
	}
}

func TestSpanFragment(t *testing.T) {
	h := newTraceSample(t)
	cases := []struct {
		name, query string
		status      int
		want        string
	}{
		{"chosen span", "trace=tr-00000000000000000000000000000001&span=0000000000000003", 200, `<h2 id="pane-h" tabindex="-1">chat</h2>`},
		{"exception", "trace=tr-00000000000000000000000000000002&span=0000000000000001", 200, "<summary>Stack trace</summary>"},
		{"no such span", "trace=tr-00000000000000000000000000000001&span=00000000000000ff", 404, "has no span 00000000000000ff"},
		{"no such trace", "trace=tr-x&span=01", 404, "Trace tr-x not found."},
		{"no trace", "", 400, "needs a trace ID"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := get(t, h, "/ui-data/span?"+c.query)
			if got, want := rec.Code, c.status; got != want {
				t.Errorf("status %d, want %d", got, want)
			}
			if got, want := rec.Header().Get("Content-Security-Policy"), pageCSP; got != want {
				t.Errorf("CSP = %q, want %q", got, want)
			}
			if body := rec.Body.String(); !strings.Contains(body, c.want) || strings.Contains(body, "<html") {
				t.Errorf("fragment lacks %q or is a whole page:\n%s", c.want, body)
			}
		})
	}
}

// TestSpanTree checks the order, depth, descendant counts and timeline
// places of a tree with an orphan, a parent cycle and a duplicate id.
func TestSpanTree(t *testing.T) {
	tr := sampleTrace(9, tracing.Info{RequestTime: t0}, []spanSpec{
		{id: 1, name: "root", start: 0, end: 1000},
		{id: 2, parent: 1, name: "a", start: 100, end: 600},
		{id: 3, parent: 2, name: "a1", start: 150, end: 200},
		{id: 4, parent: 1, name: "b", start: 600, end: 1000},
		{id: 5, parent: 77, name: "orphan", start: 0, end: 0},
		{id: 6, parent: 7, name: "cycle-6", start: 10, end: 20},
		{id: 7, parent: 6, name: "cycle-7", start: 10, end: 20},
		{id: 2, parent: 1, name: "duplicate-a", start: 100, end: 600},
	})
	tr.Spans = append(tr.Spans, tracing.RawSpan(`{"span_id": 12}`), tracing.RawSpan(`not json`))
	tree := buildSpanTree(tr.Spans)
	var got []string
	for _, n := range tree.Nodes {
		got = append(got, fmt.Sprintf("%s/%d/%d/%d+%d", n.Name, n.Depth, n.Desc, n.Offset, n.Width))
	}
	want := []string{"root/0/4/0+1000", "a/1/1/100+500", "a1/2/0/150+50", "duplicate-a/1/0/100+500", "b/1/0/600+400",
		"orphan/0/0/0+0", "cycle-6/0/1/10+10", "cycle-7/1/0/10+10"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("tree:\n got %q\nwant %q", got, want)
	}
	if got, want := tree.Unreadable, 2; got != want {
		t.Errorf("unreadable = %d, want %d", got, want)
	}
	if !tree.Nodes[5].Orphan || tree.Nodes[0].Orphan {
		t.Errorf("orphan flags: root %v, orphan %v", tree.Nodes[0].Orphan, tree.Nodes[5].Orphan)
	}
}

// TestSpanTreeDeepChain builds a chain of 20,000 spans: no recursion, and
// every span counts all the ones below it.
func TestSpanTreeDeepChain(t *testing.T) {
	var specs []spanSpec
	for i := range uint64(20_000) {
		specs = append(specs, spanSpec{id: i + 1, parent: i, name: "s", start: i, end: 40_000 - i})
	}
	tree := buildSpanTree(sampleTrace(9, tracing.Info{RequestTime: t0}, specs).Spans)
	if got, want := len(tree.Nodes), 20_000; got != want {
		t.Fatalf("%d spans, want %d", got, want)
	}
	if got, want := tree.Nodes[0].Desc, 19_999; got != want {
		t.Errorf("root descendants = %d, want %d", got, want)
	}
	if got, want := tree.Nodes[19_999].Depth, 19_999; got != want {
		t.Errorf("last depth = %d, want %d", got, want)
	}
}

func TestPaneValues(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"a": [1, 2]}`, "{\n  \"a\": [\n    1,\n    2\n  ]\n}"},
		{`"quoted \"text\""`, `quoted "text"`},
		{`plain`, `plain`},
		{`{not json`, `{not json`},
		{strings.Repeat("é", maxPaneValue), strings.Repeat("é", maxPaneValue/2)},
	}
	for _, c := range cases {
		if got := newPaneValue(c.in).Text; got != c.want {
			t.Errorf("newPaneValue(%.40q) = %.60q, want %.60q", c.in, got, c.want)
		}
	}
	if got, want := newPaneValue(strings.Repeat("x", maxPaneValue+5)).Clipped, 5; got != want {
		t.Errorf("clipped %d bytes, want %d", got, want)
	}
}

func TestFmtNanos(t *testing.T) {
	cases := []struct {
		ns   uint64
		want string
	}{
		{999, "999 ns"}, {1500, "1.50 µs"}, {840_000, "840 µs"}, {12_340_000, "12.3 ms"}, {1_254_000_000, "1.25 s"},
		{184_000_000_000, "3 min 4 s"}, {7_500_000_000_000, "2 h 5 min"},
	}
	for _, c := range cases {
		if got := fmtNanos(c.ns); got != c.want {
			t.Errorf("fmtNanos(%d) = %q, want %q", c.ns, got, c.want)
		}
	}
}

// FuzzSpanTree throws arbitrary stored spans at the tree and the pane:
// bad data is skipped or shown as text, never a panic.
func FuzzSpanTree(f *testing.F) {
	for _, raw := range newSampleTraces().traces[1].Spans {
		f.Add(string(raw), `{"span_id":"AAAAAAAAAAE=","parent_span_id":"AAAAAAAAAAE="}`)
	}
	f.Add(`{"attributes":[{"key":"k","value":{"array_value":{"values":[{"kvlist_value":{"values":[{"key":"x","value":{}}]}}]}}}]}`, `{"start_time_unix_nano":18446744073709551615}`)
	f.Fuzz(func(t *testing.T, a, b string) {
		tree := buildSpanTree([]tracing.RawSpan{tracing.RawSpan(a), tracing.RawSpan(b)})
		for i := range tree.Nodes {
			newSpanPane("tr-x", tree, &tree.Nodes[i])
		}
	})
}

var _ = httptest.NewRecorder

func TestFmtMillis(t *testing.T) {
	cases := []struct {
		ms   int64
		want string
	}{{0, "< 1 ms"}, {-3, "< 1 ms"}, {5, "5 ms"}, {999, "999 ms"}, {1250, "1.25 s"}, {184_000, "3 min 4 s"}}
	for _, c := range cases {
		if got := fmtMillis(c.ms); got != c.want {
			t.Errorf("fmtMillis(%d) = %q, want %q", c.ms, got, c.want)
		}
	}
}

// FuzzTracesPage throws arbitrary choices at the traces tab and span ids
// at the trace page: bad input is a page that says so, never a panic or
// a 500.
func FuzzTracesPage(f *testing.F) {
	f.Add("OK", "ans", "span.type = 'LLM'", "25", "", "0000000000000003")
	f.Add("nope", `'"`, "trace.status = ", "-1", "zz", "<script>")
	f.Add("", "%", "tags.`a` = 'b' AND", "100000", "3", "%zz")
	h := newTraceSample(f)
	f.Fuzz(func(t *testing.T, status, name, filter, n, page, span string) {
		q := url.Values{"status": {status}, "name": {name}, "filter": {filter}, "n": {n}, "page": {page}, "hist": {page}}
		if rec := get(t, h, "/experiments/1/traces?"+q.Encode()); rec.Code != 200 {
			t.Fatalf("traces tab: status %d for %v:\n%s", rec.Code, q, rec.Body)
		}
		if rec := get(t, h, traceOK+"?"+url.Values{"span": {span}}.Encode()); rec.Code != 200 {
			t.Fatalf("trace page: status %d for span %q", rec.Code, span)
		}
	})
}
