package ui

import (
	"context"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"

	"github.com/weir-ml/weir/tracing"
	"github.com/weir-ml/weir/tracking"
)

// fakeTraces is an in-memory tracing.Service with what the trace pages
// use: search (state and name clauses, through the real filter parser),
// newest first, offset page tokens, and reading traces with their spans.
type fakeTraces struct {
	tracing.Service
	traces []tracing.Trace
}

var _ tracing.Service = (*fakeTraces)(nil)

func (f *fakeTraces) SearchTraces(ctx context.Context, req tracing.SearchRequest) ([]tracing.Info, string, error) {
	conds, err := tracking.ParseTraceFilter(req.Filter)
	if err != nil {
		return nil, "", err
	}
	var hits []tracing.Info
	for _, tr := range f.traces {
		if tr.Info.ExperimentID == req.ExperimentIDs[0] && traceMatches(&tr, conds) {
			hits = append(hits, tr.Info)
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].RequestTime > hits[j].RequestTime })
	for _, o := range req.OrderBy {
		key := map[string]func(in tracing.Info) int64{
			"timestamp_ms":      func(in tracing.Info) int64 { return in.RequestTime },
			"execution_time_ms": func(in tracing.Info) int64 { return in.ExecutionDuration },
		}[strings.Fields(o)[0]]
		desc := strings.HasSuffix(o, " DESC")
		sort.SliceStable(hits, func(i, j int) bool {
			if desc {
				return key(hits[i]) > key(hits[j])
			}
			return key(hits[i]) < key(hits[j])
		})
	}
	off, _ := strconv.Atoi(req.PageToken)
	off = min(off, len(hits))
	end := min(off+req.MaxResults, len(hits))
	next := ""
	if end < len(hits) {
		next = strconv.Itoa(end)
	}
	return hits[off:end], next, nil
}

// traceMatches evaluates the clauses the traces tab writes: state
// equality, a name that contains some text, and the run.
func traceMatches(tr *tracing.Trace, conds []tracking.Comparison) bool {
	for _, c := range conds {
		switch {
		case c.Key == "status":
			if tr.Info.State != c.Value.Str {
				return false
			}
		case c.Key == "run_id":
			if tr.Info.Metadata[tracing.MetaSourceRun] != c.Value.Str {
				return false
			}
		case c.Key == "name":
			name := strings.ToLower(tr.Info.Tags[tracing.TagTraceName])
			if !strings.Contains(name, strings.ToLower(strings.Trim(c.Value.Str, "%"))) {
				return false
			}
		}
	}
	return true
}

func (f *fakeTraces) GetTraces(ctx context.Context, ids []string) ([]tracing.Trace, error) {
	var out []tracing.Trace
	for _, tr := range f.traces {
		for _, id := range ids {
			if tr.Info.TraceID == id {
				out = append(out, tr)
			}
		}
	}
	return out, nil
}

// spanSpec describes one span of a sample trace; times are milliseconds
// after the trace's start.
type spanSpec struct {
	id, parent uint64
	name, typ  string
	start, end uint64
	attrs      []tracing.KeyValue
	events     []tracing.Event
	status     tracing.Status
}

// str is a string attribute as MLflow's client writes it: JSON-encoded.
func str(key, json string) tracing.KeyValue {
	return tracing.KeyValue{Key: key, Value: tracing.Value{Kind: tracing.String, Str: json}}
}

// sampleTrace builds a trace whose spans are stored as the store keeps
// them (Span.AppendJSON), starting at t0 plus startMs.
func sampleTrace(n int, info tracing.Info, specs []spanSpec) tracing.Trace {
	traceID := make([]byte, 16)
	traceID[15] = byte(n)
	info.TraceID = "tr-" + hex.EncodeToString(traceID)
	base := uint64(info.RequestTime) * 1e6
	tr := tracing.Trace{Info: info}
	for _, s := range specs {
		sp := tracing.Span{TraceID: traceID, SpanID: spanID(s.id), Name: s.name, Kind: 1,
			StartTimeUnixNano: base + s.start*1e6, EndTimeUnixNano: base + s.end*1e6, Attributes: s.attrs,
			Events: s.events, Status: s.status}
		if s.parent != 0 {
			sp.ParentSpanID = spanID(s.parent)
		}
		if s.typ != "" {
			sp.Attributes = append([]tracing.KeyValue{str(tracing.AttrSpanType, `"`+s.typ+`"`)}, sp.Attributes...)
		}
		if s.end == 0 {
			sp.EndTimeUnixNano = 0
		}
		tr.Spans = append(tr.Spans, tracing.RawSpan(sp.AppendJSON(nil)))
	}
	return tr
}

func spanID(n uint64) []byte {
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i], n = byte(n), n>>8
	}
	return b
}

// newSampleTraces holds three traces of experiment 1: a finished
// retrieval-and-chat trace with token usage and a run, a failed one with an
// exception event, and one still in progress that only OpenTelemetry spans
// made, with a hostile name and a span whose parent never arrived.
func newSampleTraces() *fakeTraces {
	ok := tracing.Status{Code: 1}
	answer := sampleTrace(1, tracing.Info{ExperimentID: "1", RequestTime: t0 + 3_600_000, ExecutionDuration: 1250,
		State: tracing.StateOK, RequestPreview: `{"question": "What is <b>Weir</b>?"}`,
		ResponsePreview: `"Weir is an MLflow-compatible server."`,
		Tags:            map[string]string{tracing.TagTraceName: "answer_question", "team": "growth", tracing.TagSpansLocation: tracing.SpansInTrackingStore},
		Metadata: map[string]string{metaTokenUsage: `{"input_tokens": 120, "output_tokens": 30, "total_tokens": 150}`,
			tracing.MetaSourceRun: "aaaa000000000003"},
		Assessments: []tracing.Assessment{
			{ID: "a-1", Name: "relevance", SourceType: "LLM_JUDGE", SourceID: "judge-<1>", Feedback: []byte(`{"value": 0.8}`),
				Rationale: "Mostly on topic", Valid: new(bool)},
			{ID: "a-2", Name: "relevance", SourceType: "HUMAN", Feedback: []byte(`{"value": "<b>low</b>"}`), Overrides: "a-1", Valid: boolPtr(true)},
			{ID: "a-3", Name: "expected", SourceType: "HUMAN", Expectation: []byte(`{"serialized_value": {"serialization_format": "JSON_FORMAT", "value": "{\"answer\": 4}"}}`)},
		}}, []spanSpec{
		{id: 1, name: "answer_question", typ: "CHAIN", start: 0, end: 1250, status: ok, attrs: []tracing.KeyValue{
			str(attrSpanInputs, `{"question": "What is <b>Weir</b>?"}`), str(attrSpanOutputs, `"Weir is an MLflow-compatible server."`)}},
		{id: 2, parent: 1, name: "retrieve", typ: "RETRIEVER", start: 10, end: 310, status: ok, attrs: []tracing.KeyValue{
			str(attrSpanOutputs, `[{"page_content": "Weir serves MLflow's API.", "metadata": {"doc_uri": "docs/ui.md"}}]`),
			{Key: "retriever.k", Value: tracing.Value{Kind: tracing.Int, Int: 3}}}},
		{id: 3, parent: 1, name: "chat", typ: "CHAT_MODEL", start: 320, end: 1200, status: ok, attrs: []tracing.KeyValue{
			str("mlflow.chat.tokenUsage", `{"input_tokens": 120, "output_tokens": 30, "total_tokens": 150}`),
			{Key: "temperature", Value: tracing.Value{Kind: tracing.Double, Double: 0.2}},
			{Key: "stop", Value: tracing.Value{Kind: tracing.Array, Array: []tracing.Value{{Kind: tracing.String, Str: "\n\n"}, {Kind: tracing.Bool, Bool: true}}}}}},
		{id: 4, parent: 1, name: "format", typ: "PARSER", start: 1200, end: 1240, status: ok},
		{id: 5, parent: 4, name: "lookup_units", typ: "TOOL", start: 1210, end: 1211, status: ok},
	})
	failed := sampleTrace(2, tracing.Info{ExperimentID: "1", RequestTime: t0 + 7_200_000, ExecutionDuration: 42,
		State: tracing.StateError, RequestPreview: `{"x": 1}`, Tags: map[string]string{tracing.TagTraceName: "divide"}}, []spanSpec{
		{id: 1, name: "divide", typ: "TOOL", start: 0, end: 42, status: tracing.Status{Code: 2, Message: "ZeroDivisionError: division by zero"},
			attrs: []tracing.KeyValue{str(attrSpanInputs, `{"x": 1}`)},
			events: []tracing.Event{{TimeUnixNano: uint64(t0+7_200_000)*1e6 + 41e6, Name: "exception", Attributes: []tracing.KeyValue{
				str("exception.type", "ZeroDivisionError"), str("exception.message", "division by zero"),
				str("exception.stacktrace", "Traceback (most recent call last):\n  File \"app.py\", line 3, in divide\nZeroDivisionError: division by zero"),
				{Key: "exception.escaped", Value: tracing.Value{Kind: tracing.String, Str: "False"}}}}}},
	})
	running := sampleTrace(3, tracing.Info{ExperimentID: "1", RequestTime: t0 + 10_800_000, State: tracing.StateInProgress,
		Tags: map[string]string{"<b>": `"><script>alert(1)</script>`}}, []spanSpec{
		{id: 7, name: `<script>alert("span")</script>`, typ: "AGENT", start: 0, end: 0},
		{id: 8, parent: 99, name: "orphan", start: 5, end: 9},
	})
	return &fakeTraces{traces: []tracing.Trace{answer, failed, running}}
}

func boolPtr(b bool) *bool { return &b }
