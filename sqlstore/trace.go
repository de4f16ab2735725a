package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"sort"
	"strconv"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracing"
)

// TraceService is tracing.Service on a DB.
type TraceService struct {
	db    *DB
	plans kvPlans // trace_search_plan.go
}

var _ tracing.Service = (*TraceService)(nil)

// NewTraceService returns the trace service of an open db.
func NewTraceService(db *DB) *TraceService { return &TraceService{db: db} }

// maxTraceIDs bounds how many traces one request names, as MLflow bounds
// links and batch gets.
const maxTraceIDs = 1000

func noTrace(id string) error {
	return weir.Errorf(weir.ErrResourceDoesNotExist, "Trace with ID '%s' not found.", id)
}

// StartTrace records a finished trace's info. Spans that arrived first (the
// client logs them as they end) left an in-progress row, which the info
// replaces; its tags and metadata are merged.
func (s *TraceService) StartTrace(ctx context.Context, in tracing.Info) (info *tracing.Info, err error) {
	defer weir.Wrap(&err, "StartTrace(%q)", in.TraceID)
	if in.TraceID == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'trace_info.trace_id'.")
	}
	if in.ExperimentID == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'trace_info.trace_location.mlflow_experiment.experiment_id'.")
	}
	state := in.State
	switch state {
	case "":
		state = tracing.StateUnspecified
	case tracing.StateUnspecified, tracing.StateOK, tracing.StateError, tracing.StateInProgress:
	default:
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid trace state '%s'.", state)
	}
	err = s.db.writeTx(ctx, func(tx *txn) error {
		eid, err := activeExperiment(ctx, tx, in.ExperimentID)
		if err != nil {
			return err
		}
		if err := sameExperiment(ctx, tx, in.TraceID, eid); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO traces (trace_id, experiment_id, client_request_id, timestamp_ms, execution_time_ms,
				status, request_preview, response_preview, name, finalized)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
			ON CONFLICT (trace_id) DO UPDATE SET client_request_id = excluded.client_request_id,
				timestamp_ms = excluded.timestamp_ms, execution_time_ms = excluded.execution_time_ms,
				status = excluded.status, request_preview = excluded.request_preview,
				response_preview = excluded.response_preview, name = excluded.name, finalized = 1`,
			in.TraceID, eid, in.ClientRequestID, in.RequestTime, in.ExecutionDuration, state,
			in.RequestPreview, in.ResponsePreview, in.Tags[tracing.TagTraceName]); err != nil {
			return err
		}
		if err := putTraceKV(ctx, tx, "trace_tags", in.TraceID, in.Tags); err != nil {
			return err
		}
		if err := putServerTraceTags(ctx, tx, eid, in.TraceID); err != nil {
			return err
		}
		meta := map[string]string{}
		for k, v := range in.Metadata {
			meta[k] = v
		}
		meta[tracing.MetaInfoFinalized] = "true"
		if err := putTraceKV(ctx, tx, "trace_metadata", in.TraceID, meta); err != nil {
			return err
		}
		if err := repackTraceKV(ctx, tx, in.TraceID); err != nil {
			return err
		}
		info, err = getTraceInfo(ctx, tx, in.TraceID)
		return err
	})
	return info, err
}

// putServerTraceTags sets the tags the server owns, as MLflow's does: the
// trace's artifact folder, and that its spans are kept in the store (so
// clients read them from here rather than from an artifact).
func putServerTraceTags(ctx context.Context, tx *txn, eid int64, traceID string) error {
	var location string
	if err := tx.scanOne(ctx, `SELECT artifact_location FROM experiments WHERE experiment_id = ?`, []any{eid}, &location); err != nil {
		return err
	}
	return putTraceKV(ctx, tx, "trace_tags", traceID, map[string]string{
		tracing.TagArtifactLocation: joinURI(joinURI(joinURI(location, "traces"), traceID), "artifacts"),
		tracing.TagSpansLocation:    tracing.SpansInTrackingStore,
	})
}

// sameExperiment refuses to move an existing trace to another experiment.
func sameExperiment(ctx context.Context, tx *txn, traceID string, eid int64) error {
	var have int64
	err := tx.scanOne(ctx, `SELECT experiment_id FROM traces WHERE trace_id = ?`, []any{traceID}, &have)
	switch {
	case isNoRows(err):
		return nil
	case err != nil:
		return err
	case have != eid:
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"Trace '%s' belongs to experiment %d, not %d.", traceID, have, eid)
	}
	return nil
}

// putTraceKV upserts key-value rows of a trace's tags or metadata, in key
// order so concurrent writers lock rows in one order.
func putTraceKV(ctx context.Context, tx *txn, table, traceID string, kv map[string]string) error {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, err := tx.exec(ctx, `INSERT INTO `+table+` (trace_id, key, value) VALUES (?, ?, ?)
			ON CONFLICT (trace_id, key) DO UPDATE SET value = excluded.value`, traceID, k, kv[k]); err != nil {
			return err
		}
	}
	return nil
}

// LogSpans records spans of an experiment's traces. A trace not seen yet
// gets an in-progress info; until the client's own info arrives
// (StartTrace), the root span sets the trace's state, time, duration and
// name.
func (s *TraceService) LogSpans(ctx context.Context, experimentID string, spans []tracing.Span) (err error) {
	defer weir.Wrap(&err, "LogSpans(experiment %q, %d spans)", experimentID, len(spans))
	if experimentID == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Spans need an experiment: set the X-MLflow-Experiment-Id header.")
	}
	byTrace := map[string][]*tracing.Span{}
	var order []string
	for i := range spans {
		id := spans[i].MLflowTraceID()
		if _, ok := byTrace[id]; !ok {
			order = append(order, id)
		}
		byTrace[id] = append(byTrace[id], &spans[i])
	}
	sort.Strings(order)
	return s.db.writeTx(ctx, func(tx *txn) error {
		eid, err := activeExperiment(ctx, tx, experimentID)
		if err != nil {
			return err
		}
		for _, id := range order {
			if err := logTraceSpans(ctx, tx, eid, id, byTrace[id]); err != nil {
				return err
			}
		}
		return nil
	})
}

func logTraceSpans(ctx context.Context, tx *txn, eid int64, traceID string, spans []*tracing.Span) error {
	if err := sameExperiment(ctx, tx, traceID, eid); err != nil {
		return err
	}
	start := int64(-1)
	var root *tracing.Span
	for _, sp := range spans {
		if ms := int64(sp.StartTimeUnixNano / 1e6); start < 0 || ms < start {
			start = ms
		}
		if len(sp.ParentSpanID) == 0 {
			root = sp
		}
	}
	res, err := tx.exec(ctx, `INSERT INTO traces (trace_id, experiment_id, timestamp_ms, status)
		VALUES (?, ?, ?, ?) ON CONFLICT (trace_id) DO NOTHING`, traceID, eid, start, tracing.StateInProgress)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 1 {
		// A trace that only OpenTelemetry spans made (no MLflow client
		// behind them) still tells clients its spans are here.
		if err := putServerTraceTags(ctx, tx, eid, traceID); err != nil {
			return err
		}
		if err := repackTraceKV(ctx, tx, traceID); err != nil {
			return err
		}
	}
	if root != nil {
		state := tracing.StateOK
		if root.Status.Code == 2 {
			state = tracing.StateError
		}
		dur := int64(0)
		if root.EndTimeUnixNano > root.StartTimeUnixNano {
			dur = int64((root.EndTimeUnixNano - root.StartTimeUnixNano) / 1e6)
		}
		if _, err := tx.exec(ctx, `UPDATE traces SET timestamp_ms = ?, execution_time_ms = ?, status = ?, name = ?
			WHERE trace_id = ? AND finalized = 0`, int64(root.StartTimeUnixNano/1e6), dur, state, root.Name, traceID); err != nil {
			return err
		}
	} else if _, err := tx.exec(ctx, `UPDATE traces SET timestamp_ms = ? WHERE trace_id = ? AND finalized = 0 AND timestamp_ms > ?`,
		start, traceID, start); err != nil {
		return err
	}
	for _, sp := range spans {
		if _, err := tx.exec(ctx, `INSERT INTO trace_spans (trace_id, span_id, parent_span_id, name, type, status,
				start_time_ns, end_time_ns, content, search_text)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (trace_id, span_id) DO UPDATE SET parent_span_id = excluded.parent_span_id,
				name = excluded.name, type = excluded.type, status = excluded.status,
				start_time_ns = excluded.start_time_ns, end_time_ns = excluded.end_time_ns, content = excluded.content,
				search_text = excluded.search_text`,
			traceID, hex.EncodeToString(sp.SpanID), hex.EncodeToString(sp.ParentSpanID), sp.Name, sp.Type(),
			sp.StatusName(), clampNanos(sp.StartTimeUnixNano), clampNanos(sp.EndTimeUnixNano), string(sp.AppendJSON(nil)),
			sp.SearchText()); err != nil {
			return err
		}
	}
	return nil
}

// clampNanos fits a time in nanoseconds into a signed 64-bit column (good
// until the year 2262).
func clampNanos(ns uint64) int64 {
	if ns > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(ns)
}

// GetTraceInfo returns a trace's info.
func (s *TraceService) GetTraceInfo(ctx context.Context, traceID string) (info *tracing.Info, err error) {
	defer weir.Wrap(&err, "GetTraceInfo(%q)", traceID)
	err = s.db.readTx(ctx, func(tx *txn) error {
		info, err = getTraceInfo(ctx, tx, traceID)
		return err
	})
	return info, err
}

const traceColumns = `t.trace_id, t.experiment_id, t.client_request_id, t.timestamp_ms, t.execution_time_ms, t.status,
	t.request_preview, t.response_preview, t.name, t.kv, t.assessments`

// scanTraceInfo reads a row of traceColumns, with the trace's tags and
// metadata (trace_kv.go); it also returns the trace's name, which a trace
// that only OpenTelemetry spans made has from its root span, and whether
// the trace has assessments to load.
func scanTraceInfo(rows interface{ Scan(...any) error }) (in *tracing.Info, name string, assessed bool, err error) {
	in = &tracing.Info{}
	var eid int64
	var kv string
	var assessments int
	if err := rows.Scan(&in.TraceID, &eid, &in.ClientRequestID, &in.RequestTime, &in.ExecutionDuration, &in.State,
		&in.RequestPreview, &in.ResponsePreview, &name, &kv, &assessments); err != nil {
		return nil, "", false, err
	}
	in.ExperimentID = strconv.FormatInt(eid, 10)
	in.Tags, in.Metadata = map[string]string{}, map[string]string{}
	if err := unpackTraceKV(kv, in); err != nil {
		return nil, "", false, err
	}
	return in, name, assessments > 0, nil
}

func getTraceInfo(ctx context.Context, tx *txn, traceID string) (*tracing.Info, error) {
	infos, err := queryTraceInfos(ctx, tx, `WHERE t.trace_id = ?`, traceID)
	if err != nil {
		return nil, err
	}
	if len(infos) == 0 {
		return nil, noTrace(traceID)
	}
	return infos[0], nil
}

// queryTraceInfos returns the infos selected by the SQL tail, in its
// order, with their tags and metadata.
func queryTraceInfos(ctx context.Context, tx *txn, tail string, args ...any) ([]*tracing.Info, error) {
	var infos, assessed []*tracing.Info
	var ids []any // of assessed
	err := tx.each(ctx, `SELECT `+traceColumns+` FROM traces t `+tail, args, func(rows *sql.Rows) error {
		in, name, hasAssessments, err := scanTraceInfo(rows)
		if err != nil {
			return err
		}
		if _, ok := in.Tags[tracing.TagTraceName]; !ok && name != "" {
			in.Tags[tracing.TagTraceName] = name
		}
		infos = append(infos, in)
		if hasAssessments {
			assessed, ids = append(assessed, in), append(ids, in.TraceID)
		}
		return nil
	})
	if err != nil || len(ids) == 0 {
		return infos, err
	}
	// Assessments are looked up for the traces that have some.
	if err := loadAssessments(ctx, tx, assessed, ids); err != nil {
		return nil, err
	}
	return infos, nil
}

// GetTraces returns the traces named with their spans, in the order asked,
// skipping the ones that do not exist.
func (s *TraceService) GetTraces(ctx context.Context, traceIDs []string) (traces []tracing.Trace, err error) {
	defer weir.Wrap(&err, "GetTraces(%d ids)", len(traceIDs))
	if len(traceIDs) > maxTraceIDs {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "At most %d trace ids may be asked for at once, got %d.", maxTraceIDs, len(traceIDs))
	}
	if len(traceIDs) == 0 {
		return []tracing.Trace{}, nil
	}
	ids := make([]any, len(traceIDs))
	for i, id := range traceIDs {
		ids[i] = id
	}
	err = s.db.readTx(ctx, func(tx *txn) error {
		infos, err := queryTraceInfos(ctx, tx, `WHERE t.trace_id IN (`+placeholders(len(ids))+`)`, ids...)
		if err != nil {
			return err
		}
		spans := map[string][]tracing.RawSpan{}
		err = tx.each(ctx, `SELECT trace_id, content FROM trace_spans WHERE trace_id IN (`+placeholders(len(ids))+`)
			ORDER BY trace_id, start_time_ns, span_id`, ids, func(rows *sql.Rows) error {
			var id, content string
			if err := rows.Scan(&id, &content); err != nil {
				return err
			}
			spans[id] = append(spans[id], tracing.RawSpan(content))
			return nil
		})
		if err != nil {
			return err
		}
		byID := map[string]*tracing.Info{}
		for _, in := range infos {
			byID[in.TraceID] = in
		}
		for _, id := range traceIDs {
			if in, ok := byID[id]; ok {
				traces = append(traces, tracing.Trace{Info: *in, Spans: spans[id]})
				delete(byID, id) // an id asked twice is answered once
			}
		}
		return nil
	})
	if traces == nil && err == nil {
		traces = []tracing.Trace{}
	}
	return traces, err
}
