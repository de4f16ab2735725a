package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracing"
	"github.com/weir-ml/weir/tracking"
)

func TestTracesSQLite(t *testing.T)   { traceSuite(t, MustOpenDB) }
func TestTracesPostgres(t *testing.T) { traceSuite(t, MustOpenPostgres) }

// traceSuite runs the trace store's tests on databases made by open.
func traceSuite(t *testing.T, open func(testing.TB) *DB) {
	for _, tt := range []struct {
		name string
		fn   func(*testing.T, *DB)
	}{
		{"SpansThenInfo", testSpansThenInfo},
		{"InfoThenSpans", testInfoThenSpans},
		{"Search", testSearchTraces},
		{"DeleteAndTags", testDeleteTraces},
		{"BadInput", testTraceBadInput},
		{"ConcurrentSpans", testConcurrentSpans},
		{"Assessments", testAssessments},
		{"PackedKV", testTraceKV},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// traceID makes the MLflow and OpenTelemetry ids of test trace n.
func traceID(n int) (string, []byte) {
	otel := []byte(fmt.Sprintf("%016x", n))
	return "tr-" + fmt.Sprintf("%x", otel), otel
}

// testSpan is span s of trace n, started at ms milliseconds; s 0 is the root.
func testSpan(n, s int, ms uint64, typ string, code int32) tracing.Span {
	_, otel := traceID(n)
	sp := tracing.Span{TraceID: otel, SpanID: []byte(fmt.Sprintf("%08d", s)), Name: fmt.Sprintf("span-%d", s),
		StartTimeUnixNano: ms * 1e6, EndTimeUnixNano: (ms + 20) * 1e6, Status: tracing.Status{Code: code},
		Attributes: []tracing.KeyValue{{Key: tracing.AttrSpanType, Value: tracing.Value{Kind: tracing.String, Str: typ}}}}
	if s > 0 {
		sp.ParentSpanID = []byte(fmt.Sprintf("%08d", 0))
		sp.StartTimeUnixNano += uint64(s) * 1e6
	}
	return sp
}

func mustTraces(tb testing.TB, svc *TraceService, ids ...string) []tracing.Trace {
	tb.Helper()
	traces, err := svc.GetTraces(context.Background(), ids)
	if err != nil {
		tb.Fatal(err)
	}
	return traces
}

func testSpansThenInfo(t *testing.T, db *DB) {
	ctx := context.Background()
	exp := mustCreateExperiment(t, NewTrackingService(db), "traces")
	svc := NewTraceService(db)
	id, _ := traceID(1)
	// The client logs spans as they end: the child first, then the root.
	if err := svc.LogSpans(ctx, exp, []tracing.Span{testSpan(1, 1, 1000, "TOOL", 1)}); err != nil {
		t.Fatal(err)
	}
	in, err := svc.GetTraceInfo(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, named := in.Tags[tracing.TagTraceName]; named {
		t.Errorf("a trace with no root span yet is named %q", in.Tags[tracing.TagTraceName])
	}
	if in.State != tracing.StateInProgress || in.ExperimentID != exp {
		t.Errorf("info after a child span: %+v, want an in-progress trace of experiment %s", in, exp)
	}
	if err := svc.LogSpans(ctx, exp, []tracing.Span{testSpan(1, 0, 1000, "CHAIN", 2)}); err != nil {
		t.Fatal(err)
	}
	in, _ = svc.GetTraceInfo(ctx, id)
	if in.State != tracing.StateError || in.RequestTime != 1000 || in.ExecutionDuration != 20 || in.Tags[tracing.TagTraceName] != "span-0" {
		t.Errorf("info after the root span: %+v, want ERROR at 1000 ms for 20 ms, named after the root span", in)
	}
	got, err := svc.StartTrace(ctx, tracing.Info{TraceID: id, ExperimentID: exp, RequestTime: 999, ExecutionDuration: 25,
		State: tracing.StateOK, RequestPreview: `{"x": 3}`, ResponsePreview: "7",
		Metadata: map[string]string{"mlflow.user": "ann"}, Tags: map[string]string{tracing.TagTraceName: "predict"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != tracing.StateOK || got.RequestTime != 999 || got.ExecutionDuration != 25 || got.RequestPreview != `{"x": 3}` {
		t.Errorf("info after StartTrace: %+v", got)
	}
	for k, want := range map[string]string{tracing.TagSpansLocation: tracing.SpansInTrackingStore, tracing.TagTraceName: "predict"} {
		if got.Tags[k] != want {
			t.Errorf("tag %s = %q, want %q", k, got.Tags[k], want)
		}
	}
	if !strings.HasSuffix(got.Tags[tracing.TagArtifactLocation], "/traces/"+id+"/artifacts") {
		t.Errorf("artifact location tag %q", got.Tags[tracing.TagArtifactLocation])
	}
	if got.Metadata["mlflow.user"] != "ann" || got.Metadata[tracing.MetaInfoFinalized] != "true" {
		t.Errorf("metadata %v", got.Metadata)
	}
	// A late span does not undo the final info.
	if err := svc.LogSpans(ctx, exp, []tracing.Span{testSpan(1, 0, 5000, "CHAIN", 2)}); err != nil {
		t.Fatal(err)
	}
	traces := mustTraces(t, svc, id, "tr-missing")
	if len(traces) != 1 || traces[0].Info.State != tracing.StateOK || len(traces[0].Spans) != 2 {
		t.Fatalf("GetTraces = %+v, want the trace, final, with its two spans", traces)
	}
	var first map[string]any
	if err := json.Unmarshal(traces[0].Spans[0], &first); err != nil {
		t.Fatal(err)
	}
	if first["name"] != "span-1" && first["name"] != "span-0" {
		t.Errorf("span JSON %s", traces[0].Spans[0])
	}
}

func testInfoThenSpans(t *testing.T, db *DB) {
	ctx := context.Background()
	exp := mustCreateExperiment(t, NewTrackingService(db), "traces")
	svc := NewTraceService(db)
	id, _ := traceID(2)
	if _, err := svc.StartTrace(ctx, tracing.Info{TraceID: id, ExperimentID: exp, RequestTime: 2000, ExecutionDuration: 20, State: tracing.StateOK}); err != nil {
		t.Fatal(err)
	}
	if err := svc.LogSpans(ctx, exp, []tracing.Span{testSpan(2, 0, 2000, "CHAIN", 2), testSpan(2, 1, 2000, "LLM", 1)}); err != nil {
		t.Fatal(err)
	}
	traces := mustTraces(t, svc, id)
	if len(traces) != 1 || traces[0].Info.State != tracing.StateOK || len(traces[0].Spans) != 2 {
		t.Fatalf("GetTraces = %+v, want the client's OK state kept and two spans", traces)
	}
}

func testSearchTraces(t *testing.T, db *DB) {
	ctx := context.Background()
	tsvc := NewTrackingService(db)
	exp := mustCreateExperiment(t, tsvc, "traces")
	other := mustCreateExperiment(t, tsvc, "other")
	svc := NewTraceService(db)
	run, err := tsvc.CreateRun(ctx, tracking.RunCreate{ExperimentID: exp})
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 12; n++ {
		id, _ := traceID(n)
		state, typ := tracing.StateOK, "TOOL"
		if n%3 == 0 {
			state, typ = tracing.StateError, "LLM"
		}
		e := exp
		if n == 12 {
			e = other
		}
		meta := map[string]string{}
		if n == 5 {
			meta[tracing.MetaSourceRun] = run.Info.RunID
		}
		if _, err := svc.StartTrace(ctx, tracing.Info{TraceID: id, ExperimentID: e, RequestTime: int64(n) * 1000,
			ExecutionDuration: int64(n), State: state, Metadata: meta,
			Tags: map[string]string{tracing.TagTraceName: fmt.Sprintf("name-%02d", n), "team": []string{"a", "b"}[n%2]}}); err != nil {
			t.Fatal(err)
		}
		if err := svc.LogSpans(ctx, e, []tracing.Span{testSpan(n, 0, uint64(n)*1000, typ, 1)}); err != nil {
			t.Fatal(err)
		}
	}
	id7, _ := traceID(7)
	if err := svc.LinkTracesToRun(ctx, []string{id7}, run.Info.RunID); err != nil {
		t.Fatal(err)
	}
	// A trace linked before it arrives (the client exports it later) is
	// found by run once it does.
	id13, _ := traceID(13)
	if err := svc.LinkTracesToRun(ctx, []string{id13}, run.Info.RunID); err != nil {
		t.Fatal(err)
	}
	if err := svc.LogSpans(ctx, other, []tracing.Span{testSpan(13, 0, 13000, "TOOL", 1)}); err != nil {
		t.Fatal(err)
	}
	if late, _, err := svc.SearchTraces(ctx, tracing.SearchRequest{ExperimentIDs: []string{other},
		Filter: "run_id = '" + run.Info.RunID + "'"}); err != nil || len(late) != 1 || late[0].TraceID != id13 {
		t.Errorf("a trace linked before it arrived: %v, %v; want it found by its run", late, err)
	}
	search := func(filter string, orderBy ...string) []int {
		t.Helper()
		infos, _, err := svc.SearchTraces(ctx, tracing.SearchRequest{ExperimentIDs: []string{exp}, Filter: filter, OrderBy: orderBy})
		if err != nil {
			t.Fatalf("%q: %v", filter, err)
		}
		var ns []int
		for _, in := range infos {
			var n int
			fmt.Sscanf(in.Tags[tracing.TagTraceName], "name-%d", &n)
			ns = append(ns, n)
		}
		return ns
	}
	tests := []struct {
		filter  string
		orderBy []string
		want    string
	}{
		{"", nil, "[11 10 9 8 7 6 5 4 3 2 1]"},
		{"trace.status = 'ERROR'", nil, "[9 6 3]"},
		{"timestamp_ms > 9000", nil, "[11 10]"},
		{"execution_time_ms <= 2", []string{"timestamp_ms ASC"}, "[1 2]"},
		{"tags.team = 'a' AND status != 'ERROR'", nil, "[10 8 4 2]"},
		{"tags.`mlflow.traceName` LIKE 'name-1%'", nil, "[11 10]"},
		{"name IN ('name-01', 'name-04')", nil, "[4 1]"},
		{"span.type = 'LLM'", nil, "[9 6 3]"},
		{"run_id = '" + run.Info.RunID + "'", nil, "[7 5]"},
		{"metadata.mlflow.sourceRun IS NOT NULL", nil, "[5]"},
		{"tags.missing IS NULL AND timestamp_ms < 3000", nil, "[2 1]"},
		{"", []string{"execution_time_ms ASC"}, "[1 2 3 4 5 6 7 8 9 10 11]"},
		{"trace.text LIKE '%LLM%'", nil, "[9 6 3]"},
		{"trace.text LIKE '%string_value%'", nil, "[]"}, // the stored JSON's field names are not text
		{"span.content ILIKE '%span-0%' AND timestamp_ms < 3000", nil, "[2 1]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(search(tt.filter, tt.orderBy...)); got != tt.want {
			t.Errorf("%q %v: %s, want %s", tt.filter, tt.orderBy, got, tt.want)
		}
	}
	// Pages of 4 visit every trace once.
	var seen []string
	token := ""
	for page := 0; page < 10; page++ {
		infos, next, err := svc.SearchTraces(ctx, tracing.SearchRequest{ExperimentIDs: []string{exp}, MaxResults: 4, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range infos {
			seen = append(seen, in.TraceID)
		}
		if token = next; token == "" {
			break
		}
	}
	if len(seen) != 11 {
		t.Errorf("paging saw %d traces, want 11", len(seen))
	}
}

func testDeleteTraces(t *testing.T, db *DB) {
	ctx := context.Background()
	exp := mustCreateExperiment(t, NewTrackingService(db), "traces")
	svc := NewTraceService(db)
	for n := 1; n <= 5; n++ {
		if err := svc.LogSpans(ctx, exp, []tracing.Span{testSpan(n, 0, uint64(n)*1000, "TOOL", 1), testSpan(n, 1, uint64(n)*1000, "TOOL", 1)}); err != nil {
			t.Fatal(err)
		}
	}
	id1, _ := traceID(1)
	if err := svc.SetTraceTag(ctx, id1, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteTraceTag(ctx, id1, "k"); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteTraceTag(ctx, id1, "k"); !isCode(err, weir.ErrResourceDoesNotExist) {
		t.Errorf("deleting a missing tag: %v, want RESOURCE_DOES_NOT_EXIST", err)
	}
	n, err := svc.DeleteTraces(ctx, tracing.DeleteRequest{ExperimentID: exp, TraceIDs: []string{id1, "tr-missing"}})
	if err != nil || n != 1 {
		t.Fatalf("delete by id: %d, %v; want 1", n, err)
	}
	// The two oldest that started by 4 s: traces 2 and 3.
	n, err = svc.DeleteTraces(ctx, tracing.DeleteRequest{ExperimentID: exp, MaxTimestampMillis: 4000, MaxTraces: 2})
	if err != nil || n != 2 {
		t.Fatalf("delete by age: %d, %v; want 2", n, err)
	}
	infos, _, err := svc.SearchTraces(ctx, tracing.SearchRequest{ExperimentIDs: []string{exp}})
	if err != nil || len(infos) != 2 {
		t.Fatalf("after deletes: %d traces, %v; want 2", len(infos), err)
	}
	var spans int
	if err := db.readTx(ctx, func(tx *txn) error {
		return tx.scanOne(ctx, `SELECT COUNT(*) FROM trace_spans`, nil, &spans)
	}); err != nil || spans != 4 {
		t.Errorf("spans left: %d, %v; want 4 (the deleted traces' spans go with them)", spans, err)
	}
}

func isCode(err error, code string) bool { return weir.ErrorCode(err) == code }

func testTraceBadInput(t *testing.T, db *DB) {
	ctx := context.Background()
	tsvc := NewTrackingService(db)
	exp := mustCreateExperiment(t, tsvc, "traces")
	other := mustCreateExperiment(t, tsvc, "other")
	svc := NewTraceService(db)
	id, _ := traceID(1)
	if _, err := svc.StartTrace(ctx, tracing.Info{TraceID: id, ExperimentID: exp, State: tracing.StateOK}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"no trace id", func() error { _, err := svc.StartTrace(ctx, tracing.Info{ExperimentID: exp}); return err }(), weir.ErrInvalidParameterValue},
		{"bad state", func() error {
			_, err := svc.StartTrace(ctx, tracing.Info{TraceID: "tr-x", ExperimentID: exp, State: "DONE"})
			return err
		}(), weir.ErrInvalidParameterValue},
		{"missing experiment", func() error {
			_, err := svc.StartTrace(ctx, tracing.Info{TraceID: "tr-x", ExperimentID: "999"})
			return err
		}(), weir.ErrResourceDoesNotExist},
		{"moved to another experiment", func() error {
			_, err := svc.StartTrace(ctx, tracing.Info{TraceID: id, ExperimentID: other})
			return err
		}(), weir.ErrInvalidParameterValue},
		{"spans without experiment", svc.LogSpans(ctx, "", []tracing.Span{testSpan(1, 0, 1, "", 0)}), weir.ErrInvalidParameterValue},
		{"missing trace", func() error { _, err := svc.GetTraceInfo(ctx, "tr-nope"); return err }(), weir.ErrResourceDoesNotExist},
		{"bad filter", func() error {
			_, _, err := svc.SearchTraces(ctx, tracing.SearchRequest{ExperimentIDs: []string{exp}, Filter: "metrics.a > 1"})
			return err
		}(), weir.ErrInvalidParameterValue},
		{"delete both ways", func() error {
			_, err := svc.DeleteTraces(ctx, tracing.DeleteRequest{ExperimentID: exp, TraceIDs: []string{id}, MaxTimestampMillis: 1})
			return err
		}(), weir.ErrInvalidParameterValue},
		{"link to a missing run", svc.LinkTracesToRun(ctx, []string{id}, "nope"), weir.ErrResourceDoesNotExist},
		{"tag a missing trace", svc.SetTraceTag(ctx, "tr-nope", "k", "v"), weir.ErrResourceDoesNotExist},
	}
	for _, tt := range tests {
		if !isCode(tt.err, tt.code) {
			t.Errorf("%s: %v, want %s", tt.name, tt.err, tt.code)
		}
	}
}

// testConcurrentSpans logs the spans of one trace from many writers at
// once, as a client's batch processor and a second process may: none is
// lost and the trace is created once.
func testConcurrentSpans(t *testing.T, db *DB) {
	ctx := context.Background()
	exp := mustCreateExperiment(t, NewTrackingService(db), "traces")
	svc := NewTraceService(db)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			errs <- svc.LogSpans(ctx, exp, []tracing.Span{testSpan(1, w+1, 1000, "TOOL", 1)})
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	id, _ := traceID(1)
	if traces := mustTraces(t, svc, id); len(traces) != 1 || len(traces[0].Spans) != 16 {
		t.Fatalf("after 16 concurrent writers: %d traces, want 1 with 16 spans", len(traces))
	}
}

func testAssessments(t *testing.T, db *DB) {
	ctx := context.Background()
	exp := mustCreateExperiment(t, NewTrackingService(db), "traces")
	svc := NewTraceService(db)
	id, _ := traceID(1)
	if _, err := svc.StartTrace(ctx, tracing.Info{TraceID: id, ExperimentID: exp, State: tracing.StateOK}); err != nil {
		t.Fatal(err)
	}
	fb, err := svc.CreateAssessment(ctx, tracing.Assessment{TraceID: id, Name: "relevance", Feedback: json.RawMessage(`{"value": 0.8}`),
		SourceType: "LLM_JUDGE", SourceID: "judge", Metadata: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(fb.ID, "a-") || len(fb.ID) != 34 || fb.Valid == nil || !*fb.Valid || fb.CreateTime == 0 {
		t.Errorf("new feedback %+v: want an a-<32 hex> id, valid, a creation time", fb)
	}
	ex, err := svc.CreateAssessment(ctx, tracing.Assessment{TraceID: id, Name: "expected", Expectation: json.RawMessage(`{"value": {"answer": 2}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Valid != nil || ex.SourceType != "HUMAN" {
		t.Errorf("new expectation %+v: want no validity and a HUMAN source", ex)
	}
	up, err := svc.UpdateAssessment(ctx, tracing.Assessment{TraceID: id, ID: fb.ID, Feedback: json.RawMessage(`{"value": 0.9}`)}, []string{tracing.MaskFeedback})
	if err != nil {
		t.Fatal(err)
	}
	if string(up.Feedback) != `{"value": 0.9}` || up.Rationale != "" || up.Metadata["k"] != "v" {
		t.Errorf("updated %+v: want only the feedback changed", up)
	}
	if _, err := svc.UpdateAssessment(ctx, tracing.Assessment{TraceID: id, ID: ex.ID, Feedback: json.RawMessage(`{"value": 1}`)}, []string{tracing.MaskFeedback}); !isCode(err, weir.ErrInvalidParameterValue) {
		t.Errorf("feedback on an expectation: %v, want INVALID_PARAMETER_VALUE", err)
	}
	over, err := svc.CreateAssessment(ctx, tracing.Assessment{TraceID: id, Name: "relevance", Feedback: json.RawMessage(`{"value": 0.1}`), Overrides: fb.ID})
	if err != nil {
		t.Fatal(err)
	}
	valid := func(aid string) *bool {
		t.Helper()
		in, err := svc.GetTraceInfo(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range in.Assessments {
			if a.ID == aid {
				return a.Valid
			}
		}
		t.Fatalf("assessment %s not in the trace's info", aid)
		return nil
	}
	if v := valid(fb.ID); v == nil || *v {
		t.Errorf("overridden feedback valid = %v, want false", v)
	}
	if err := svc.DeleteAssessment(ctx, id, over.ID); err != nil {
		t.Fatal(err)
	}
	if v := valid(fb.ID); v == nil || !*v {
		t.Errorf("feedback valid = %v after its override was deleted, want true", v)
	}
	for _, tt := range []struct {
		name string
		err  error
		code string
	}{
		{"both kinds", func() error {
			_, err := svc.CreateAssessment(ctx, tracing.Assessment{TraceID: id, Name: "x", Feedback: json.RawMessage(`{}`), Expectation: json.RawMessage(`{}`)})
			return err
		}(), weir.ErrInvalidParameterValue},
		{"no name", func() error {
			_, err := svc.CreateAssessment(ctx, tracing.Assessment{TraceID: id, Feedback: json.RawMessage(`{}`)})
			return err
		}(), weir.ErrInvalidParameterValue},
		{"missing trace", func() error {
			_, err := svc.CreateAssessment(ctx, tracing.Assessment{TraceID: "tr-nope", Name: "x", Feedback: json.RawMessage(`{}`)})
			return err
		}(), weir.ErrResourceDoesNotExist},
		{"overrides a missing one", func() error {
			_, err := svc.CreateAssessment(ctx, tracing.Assessment{TraceID: id, Name: "x", Feedback: json.RawMessage(`{}`), Overrides: "a-nope"})
			return err
		}(), weir.ErrResourceDoesNotExist},
		{"get missing", func() error { _, err := svc.GetAssessment(ctx, id, "a-nope"); return err }(), weir.ErrResourceDoesNotExist},
		{"delete missing", svc.DeleteAssessment(ctx, id, "a-nope"), weir.ErrResourceDoesNotExist},
	} {
		if !isCode(tt.err, tt.code) {
			t.Errorf("%s: %v, want %s", tt.name, tt.err, tt.code)
		}
	}
	// Deleting the trace deletes its assessments.
	if _, err := svc.DeleteTraces(ctx, tracing.DeleteRequest{ExperimentID: exp, TraceIDs: []string{id}}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.readTx(ctx, func(tx *txn) error {
		return tx.scanOne(ctx, `SELECT COUNT(*) FROM trace_assessments`, nil, &n)
	}); err != nil || n != 0 {
		t.Errorf("assessments left after the trace was deleted: %d, %v", n, err)
	}
}
