package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// The trace operations (issue 15), opt-in: trace-ingest sends a 20-span
// trace the way MLflow's client exports one (the spans over OpenTelemetry's
// /v1/traces in Protocol Buffers, then the trace's info with StartTraceV3);
// search-traces and search-traces-tag search traceSeed seeded traces.

// spansPerTrace is the ingest workload: 20 spans per trace.
const spansPerTrace = 20

// seedSpans is how many spans each seeded trace has (a root and two
// children), and seedTeams the values of its "team" tag, trace n taking
// seedTeams[n%4]; every third trace (n%3 == 2) is in state ERROR. Trace n
// started n seconds after the first. seed_mlflow_traces.py writes the very
// same traces into mlflow's store.
const seedSpans = 3

var seedTeams = [...]string{"red", "green", "blue", "gold"}

// traceSeed is how many traces the search operations seed (-trace-seed);
// tracesPage how many one search returns.
var traceSeed = 2000

const tracesPage = 100

// traceCounter makes every trace id of a run unique across clients.
var traceCounter atomic.Uint64

// newTraceID returns an OpenTelemetry trace id and MLflow's id for it.
func newTraceID(tag string) ([]byte, string) {
	id := make([]byte, 16)
	copy(id, tag)
	binary.BigEndian.PutUint64(id[8:], traceCounter.Add(1))
	return id, "tr-" + hex.EncodeToString(id)
}

// protobuf writers for the OTLP request: just the fields a span export uses.
func pbKey(b []byte, num, typ int) []byte { return binary.AppendUvarint(b, uint64(num<<3|typ)) }

func pbBytes(b []byte, num int, v []byte) []byte {
	b = pbKey(b, num, 2)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func pbFixed64(b []byte, num int, v uint64) []byte {
	b = pbKey(b, num, 1)
	return binary.LittleEndian.AppendUint64(b, v)
}

func pbVarint(b []byte, num int, v uint64) []byte {
	b = pbKey(b, num, 0)
	return binary.AppendUvarint(b, v)
}

// pbStringAttr is a KeyValue with a string AnyValue.
func pbStringAttr(key, value string) []byte {
	var v []byte
	v = pbBytes(v, 1, []byte(value))
	var kv []byte
	kv = pbBytes(kv, 1, []byte(key))
	return pbBytes(kv, 2, v)
}

// otlpTrace encodes an ExportTraceServiceRequest of one trace: a root span
// and spansPerTrace-1 children, with MLflow's attributes and a few hundred
// bytes of inputs and outputs each, as an LLM app's spans carry.
func otlpTrace(traceID []byte, mlflowID string, start time.Time, nSpans int) []byte {
	var spans []byte
	root := make([]byte, 8)
	binary.BigEndian.PutUint64(root, 1)
	t0 := uint64(start.UnixNano())
	for i := 0; i < nSpans; i++ {
		id := make([]byte, 8)
		binary.BigEndian.PutUint64(id, uint64(i+1))
		var sp []byte
		sp = pbBytes(sp, 1, traceID)
		sp = pbBytes(sp, 2, id)
		if i > 0 {
			sp = pbBytes(sp, 4, root)
		}
		sp = pbBytes(sp, 5, []byte("step-"+strconv.Itoa(i)))
		sp = pbVarint(sp, 6, 1)
		sp = pbFixed64(sp, 7, t0+uint64(i)*1000)
		sp = pbFixed64(sp, 8, t0+uint64(nSpans+i)*1000)
		typ := "TOOL"
		if i == 0 {
			typ = "CHAIN"
		}
		for _, kv := range [][2]string{
			{"mlflow.traceRequestId", mlflowID}, {"mlflow.spanType", typ},
			{"mlflow.spanInputs", `{"question": "What is the capital of France? Answer in one word, please, and explain why in two sentences.", "step": ` + strconv.Itoa(i) + `}`},
			{"mlflow.spanOutputs", `{"answer": "Paris. It has been the seat of government for centuries and is the largest city of the country."}`},
		} {
			sp = pbBytes(sp, 9, pbStringAttr(kv[0], kv[1]))
		}
		sp = pbBytes(sp, 15, pbVarint(nil, 3, 1)) // status OK
		spans = pbBytes(spans, 2, sp)
	}
	var rs []byte
	rs = pbBytes(rs, 1, pbBytes(nil, 1, pbStringAttr("service.name", "weir-bench")))
	rs = pbBytes(rs, 2, spans) // one ScopeSpans holding every span
	return pbBytes(nil, 1, rs)
}

// startTraceBody is the StartTraceV3 request the client sends once a trace
// has ended, with the trace's state and its "team" tag.
func startTraceBody(expID, mlflowID string, start time.Time, state, team string) []byte {
	return []byte(fmt.Sprintf(`{"trace": {"trace_info": {"trace_id": %q, "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": %q}}, "request_time": %q, "execution_duration": "0.040s", "state": %q, "trace_metadata": {"mlflow.trace_schema.version": "3", "mlflow.user": "bench"}, "tags": {"mlflow.traceName": "answer", "team": %q}, "request_preview": "{\"question\": \"What is the capital of France?\"}", "response_preview": "Paris"}}}`,
		mlflowID, expID, start.UTC().Format("2006-01-02T15:04:05.000Z"), state, team))
}

// sendTrace sends one trace of nSpans spans as MLflow's client does and
// returns the time spent in the two exchanges.
func sendTrace(ctx context.Context, c *client, expID, tag string, start time.Time, nSpans int, state, team string) (time.Duration, error) {
	otel, id := newTraceID(tag)
	spans := otlpTrace(otel, id, start, nSpans)
	_, t1, err := c.exchangeWith(ctx, http.MethodPost, "/v1/traces", spans,
		map[string]string{"Content-Type": "application/x-protobuf", "X-Mlflow-Experiment-Id": expID})
	if err != nil {
		return t1, err
	}
	_, t2, err := c.exchange(ctx, http.MethodPost, "/api/3.0/mlflow/traces", startTraceBody(expID, id, start, state, team))
	return t1 + t2, err
}

func prepareTraceIngest(ctx context.Context, e *env, worker int) (step, error) {
	return func(ctx context.Context, i int) (time.Duration, error) {
		return sendTrace(ctx, e.c, e.opsExp, e.tag, time.Now(), spansPerTrace, "OK", seedTeams[0])
	}, nil
}

// seedTraces sends traceSeed traces, one a second apart in request time
// and ending now, into an experiment of their own (see seedSpans), unless
// -trace-exp named one seeded beforehand.
func seedTraces(ctx context.Context, e *env) error {
	if e.traceExp != "" {
		return nil
	}
	id, err := e.c.createExperiment(ctx, "weir-bench-traces-"+e.tag)
	if err != nil {
		return err
	}
	e.traceExp = id
	base := time.Now().Add(-time.Duration(traceSeed) * time.Second)
	errs := make(chan error, e.clients)
	next := atomic.Int64{}
	for w := 0; w < e.clients; w++ {
		go func() {
			for {
				n := next.Add(1) - 1
				if n >= int64(traceSeed) {
					errs <- nil
					return
				}
				state := "OK"
				if n%3 == 2 {
					state = "ERROR"
				}
				if _, err := sendTrace(ctx, e.c, id, e.tag, base.Add(time.Duration(n)*time.Second), seedSpans, state, seedTeams[n%4]); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for w := 0; w < e.clients; w++ {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

// traceSearchBody asks for the newest page of the seeded traces that match
// filter.
func traceSearchBody(expID, filter string) []byte {
	return []byte(fmt.Sprintf(`{"locations": [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": %q}}], "filter": %q, "max_results": %d, "order_by": ["timestamp_ms DESC"]}`,
		expID, filter, tracesPage))
}

// prepareTraceSearch times a search by state and start time: the OK traces
// of the second half of the seeded period, newest first.
func prepareTraceSearch(ctx context.Context, e *env, worker int) (step, error) {
	after := time.Now().Add(-time.Duration(traceSeed/2) * time.Second)
	filter := fmt.Sprintf("trace.status = 'OK' AND timestamp_ms > %d", after.UnixMilli())
	return traceSearchStep(e, filter, ""), nil
}

// prepareTraceTagSearch times a search by tag and state: a quarter of the
// traces carry team = 'blue', two thirds of those are OK.
func prepareTraceTagSearch(ctx context.Context, e *env, worker int) (step, error) {
	return traceSearchStep(e, "tags.team = 'blue' AND trace.status = 'OK'", "blue"), nil
}

// traceSearchStep searches with filter and checks the page: full, every
// trace OK, and carrying team (when given).
func traceSearchStep(e *env, filter, team string) step {
	body := traceSearchBody(e.traceExp, filter)
	return func(ctx context.Context, i int) (time.Duration, error) {
		// Only the fields checked are decoded: the page is 60 kB, and
		// decoding every tag into a map cost the load generator more CPU
		// than a search costs weir, on the cores the server shares.
		var out struct {
			Traces []struct {
				TraceID string `json:"trace_id"`
				State   string `json:"state"`
				Tags    struct {
					Team string `json:"team"`
				} `json:"tags"`
			} `json:"traces"`
		}
		elapsed, err := e.c.postRaw(ctx, "/api/3.0/mlflow/traces/search", body, &out)
		if err != nil {
			return elapsed, err
		}
		if len(out.Traces) != tracesPage {
			return elapsed, fmt.Errorf("search traces answered %d traces, want %d", len(out.Traces), tracesPage)
		}
		for _, t := range out.Traces {
			if t.State != "OK" || (team != "" && t.Tags.Team != team) {
				return elapsed, fmt.Errorf("search traces answered %s in state %s with team %q, which the filter %s excludes", t.TraceID, t.State, t.Tags.Team, filter)
			}
		}
		return elapsed, nil
	}
}

// exchangeWith is exchange with the request's headers given.
func (c *client) exchangeWith(ctx context.Context, method, path string, body []byte, headers map[string]string) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return c.do(req, method, path)
}
