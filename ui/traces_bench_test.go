package ui

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/tracing"
)

// The trace page benchmarks read a 2,000-span trace from the real SQLite
// store through a real HTTP server, as the browser does:
//
//	go test ./ui -run '^$' -bench 'Trace|SpanPane' -benchtime 20x
//
// The browser's side (parsing, layout, the script) is measured by the
// browser test, which logs it (tests/browser, docs/benchmarks.md).

// bigTraceSpans is the size of the trace the bar names.
const bigTraceSpans = 2000

// bigTraceSpanList is a 2,000-span agent trace: a root, 40 steps, each
// with an LLM call, a retriever and tool calls, some nested three deep,
// every span with inputs and outputs as MLflow's client writes them.
func bigTraceSpanList(traceID []byte, start uint64) []tracing.Span {
	types := []string{"LLM", "RETRIEVER", "TOOL", "CHAIN", "EMBEDDING", "PARSER"}
	var spans []tracing.Span
	add := func(parent []byte, name, typ string, at, dur uint64) []byte {
		id := spanID(uint64(len(spans) + 1))
		sp := tracing.Span{TraceID: traceID, SpanID: id, ParentSpanID: parent, Name: name, Kind: 1,
			StartTimeUnixNano: start + at, EndTimeUnixNano: start + at + dur, Status: tracing.Status{Code: 1},
			Attributes: []tracing.KeyValue{str(tracing.AttrSpanType, `"`+typ+`"`),
				str(attrSpanInputs, fmt.Sprintf(`{"query": "step %d of the plan: look up the customer's last three orders", "k": 3}`, len(spans))),
				str(attrSpanOutputs, fmt.Sprintf(`{"result": "%d rows", "tokens": %d}`, len(spans)%17, 40+len(spans)%300))}}
		if len(spans)%97 == 5 {
			sp.Status = tracing.Status{Code: 2, Message: "TimeoutError: the tool did not answer"}
		}
		spans = append(spans, sp)
		return id
	}
	const ms = uint64(time.Millisecond)
	root := add(nil, "agent_run", "AGENT", 0, 40*250*ms)
	for step := uint64(0); len(spans) < bigTraceSpans; step++ {
		at := step * 250 * ms
		s := add(root, fmt.Sprintf("step_%02d", step), "CHAIN", at, 240*ms)
		for j := uint64(0); j < 48 && len(spans) < bigTraceSpans; j++ {
			typ := types[j%uint64(len(types))]
			c := add(s, fmt.Sprintf("%s_%d", typ, j), typ, at+j*4*ms, 3*ms)
			if j%8 == 0 && len(spans) < bigTraceSpans {
				add(c, "inner_call", "TOOL", at+j*4*ms+ms, ms)
			}
		}
	}
	return spans
}

// bigTraceStore logs the big trace into a fresh SQLite store and returns
// the store and the trace's ID.
func bigTraceStore(b *testing.B) (*Handler, string) {
	b.Helper()
	dir := b.TempDir()
	db := sqlstore.NewDB("sqlite:///" + filepath.Join(dir, "traces.db"))
	db.DefaultArtifactRoot = "mlflow-artifacts:/"
	ctx := context.Background()
	if err := db.Open(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	svc := sqlstore.NewTrackingService(db)
	exp, err := svc.CreateExperiment(ctx, "traces", "", nil)
	if err != nil {
		b.Fatal(err)
	}
	traces := sqlstore.NewTraceService(db)
	traceID := make([]byte, 16)
	traceID[0] = 0xab
	if err := traces.LogSpans(ctx, exp, bigTraceSpanList(traceID, uint64(t0)*1e6)); err != nil {
		b.Fatal(err)
	}
	h := NewHandler(svc, nil, nil)
	h.Traces = traces
	return h, "tr-" + hex.EncodeToString(traceID)
}

func benchTraceURL(b *testing.B, path func(traceID string) string) {
	h, id := bigTraceStore(b)
	srv := httptest.NewServer(h)
	defer srv.Close()
	u := srv.URL + path(id)
	var total time.Duration
	var size int64
	b.ResetTimer()
	for b.Loop() {
		t, n := fetch(b, srv.Client(), u)
		total += t
		size = n
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ttfb-ms")
	b.ReportMetric(float64(size)/1024, "KiB")
}

// BenchmarkTracePage2000 is the page of a 2,000-span trace.
func BenchmarkTracePage2000(b *testing.B) {
	benchTraceURL(b, func(id string) string { return "/traces/" + id })
}

// BenchmarkSpanPane2000 is the detail pane the page fetches when a span of
// that trace is chosen.
func BenchmarkSpanPane2000(b *testing.B) {
	benchTraceURL(b, func(id string) string {
		return "/ui-data/span?trace=" + id + "&span=" + hex.EncodeToString(spanID(1500))
	})
}

var _ = os.Getenv
