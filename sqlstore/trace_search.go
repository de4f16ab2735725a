package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracing"
	"github.com/weir-ml/weir/tracking"
)

// defaultTraceResults is the page size when MaxResults is 0, as MLflow's.
const defaultTraceResults = 100

// traceAttrColumns maps the trace attributes of the search language to
// columns of t.
var traceAttrColumns = map[string]string{
	"request_id": "t.trace_id", "timestamp_ms": "t.timestamp_ms", "execution_time_ms": "t.execution_time_ms",
	"end_time_ms": "(t.timestamp_ms + t.execution_time_ms)", "status": "t.status",
	"client_request_id": "t.client_request_id", "name": "t.name", "experiment_id": "t.experiment_id",
}

// traceSpanColumns maps span.<key> to columns of trace_spans s.
var traceSpanColumns = map[string]string{"name": "s.name", "type": "s.type", "status": "s.status", "content": "s.search_text"}

// SearchTraces returns a page of the infos of the experiments' traces that
// match the filter, newest first unless ordered otherwise.
func (s *TraceService) SearchTraces(ctx context.Context, req tracing.SearchRequest) (infos []tracing.Info, next string, err error) {
	defer weir.Wrap(&err, "SearchTraces(%q)", req.Filter)
	if len(req.ExperimentIDs) == 0 {
		return nil, "", weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'locations'.")
	}
	expIDs, err := experimentKeys(req.ExperimentIDs)
	if err != nil {
		return nil, "", err
	}
	limit := req.MaxResults
	switch {
	case limit == 0:
		limit = defaultTraceResults
	case limit < 0 || limit > maxSearchResults:
		return nil, "", weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid value %d for parameter 'max_results' supplied. It must be between 1 and %d", limit, maxSearchResults)
	}
	filters, err := tracking.ParseTraceFilter(req.Filter)
	if err != nil {
		return nil, "", err
	}
	keys, err := tracking.ParseTraceOrderBy(req.OrderBy)
	if err != nil {
		return nil, "", err
	}
	offset, err := tracking.DecodePageToken(req.PageToken)
	if err != nil {
		return nil, "", err
	}
	err = s.db.readTx(ctx, func(tx *txn) error {
		q, err := s.searchWhere(ctx, tx, s.db.dialect, expIDs, filters) // trace_search_tags.go
		if err != nil {
			return err
		}
		q.add(` ORDER BY ` + traceOrder(keys))
		q.add(` LIMIT ? OFFSET ?`, limit+1, offset)
		found, err := queryTraceInfos(ctx, tx, q.sql.String(), q.args...)
		if err != nil {
			return err
		}
		if len(found) > limit {
			found = found[:limit]
			next = tracking.EncodePageToken(offset + limit)
		}
		infos = make([]tracing.Info, len(found))
		for i, in := range found {
			infos[i] = *in
		}
		return nil
	})
	return infos, next, err
}

// traceFilter adds one clause on traces t to q.
func traceFilter(q *query, d dialect, c tracking.Comparison) error {
	switch c.Entity {
	case tracking.EntityAttribute:
		if c.Key == "run_id" {
			// A trace's run is its mlflow.sourceRun metadata or a run it
			// was linked to.
			q.add(`(t.trace_id IN (SELECT m.trace_id FROM trace_metadata m WHERE m.key = ? AND `, tracing.MetaSourceRun)
			if err := compare(q, d, "m.value", c); err != nil {
				return err
			}
			q.add(`) OR t.trace_id IN (SELECT r.trace_id FROM trace_runs r WHERE `)
			if err := compare(q, d, "r.run_id", c); err != nil {
				return err
			}
			q.add(`))`)
			return nil
		}
		if c.Key == "text" { // full text: any span's content
			q.add(`t.trace_id IN (SELECT s.trace_id FROM trace_spans s WHERE `)
			if err := compare(q, d, "s.search_text", c); err != nil {
				return err
			}
			q.add(")")
			return nil
		}
		col, ok := traceAttrColumns[c.Key]
		if !ok {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid attribute key '%s' specified.", c.Key)
		}
		return compare(q, d, col, c)
	case tracking.EntityTag, tracking.EntityMetadata:
		table := "trace_tags"
		if c.Entity == tracking.EntityMetadata {
			table = "trace_metadata"
		}
		switch c.Op {
		case "IS NULL":
			q.add(`t.trace_id NOT IN (SELECT k.trace_id FROM `+table+` k WHERE k.key = ?)`, c.Key)
			return nil
		case "IS NOT NULL":
			q.add(`t.trace_id IN (SELECT k.trace_id FROM `+table+` k WHERE k.key = ?)`, c.Key)
			return nil
		}
		if c.Entity == tracking.EntityTag && c.Key == tracing.TagTraceName {
			return compare(q, d, "t.name", c)
		}
		q.add(`t.trace_id IN (SELECT k.trace_id FROM `+table+` k WHERE k.key = ? AND `, c.Key)
		if err := compare(q, d, "k.value", c); err != nil {
			return err
		}
		q.add(")")
		return nil
	case tracking.EntitySpan:
		col, ok := traceSpanColumns[c.Key]
		if !ok {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid span attribute '%s'.", c.Key)
		}
		q.add(`t.trace_id IN (SELECT s.trace_id FROM trace_spans s WHERE `)
		if err := compare(q, d, col, c); err != nil {
			return err
		}
		q.add(")")
		return nil
	}
	return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid entity type '%s'", c.Entity)
}

// traceOrder returns the ORDER BY list: the keys asked for, then newest
// first, then trace id, so pages are stable.
func traceOrder(keys []tracking.OrderKey) string {
	var terms []string
	byTime := false
	for _, k := range keys {
		byTime = byTime || k.Key == "timestamp_ms"
		col := traceAttrColumns[k.Key]
		if k.Key == "run_id" {
			col = `(SELECT m.value FROM trace_metadata m WHERE m.trace_id = t.trace_id AND m.key = '` + tracing.MetaSourceRun + `')`
		}
		if col == "" {
			continue
		}
		if k.Desc {
			col += " DESC"
		}
		terms = append(terms, col)
	}
	if !byTime {
		// A time term asked for decides the time order already; a second
		// one would keep SQLite from reading the page in index order.
		terms = append(terms, "t.timestamp_ms DESC")
	}
	return strings.Join(append(terms, "t.trace_id"), ", ")
}

// DeleteTraces deletes traces of an experiment, by id or by age, and
// returns how many went.
func (s *TraceService) DeleteTraces(ctx context.Context, req tracing.DeleteRequest) (n int, err error) {
	defer weir.Wrap(&err, "DeleteTraces(experiment %q)", req.ExperimentID)
	if req.ExperimentID == "" {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'experiment_id'.")
	}
	byIDs, byAge := len(req.TraceIDs) > 0, req.MaxTimestampMillis > 0
	if byIDs == byAge {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue,
			"Exactly one of 'max_timestamp_millis' and 'request_ids' must be specified.")
	}
	if byIDs && req.MaxTraces > 0 {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue, "'max_traces' cannot be specified if 'request_ids' is specified.")
	}
	if len(req.TraceIDs) > maxTraceIDs {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue, "At most %d traces may be deleted at once, got %d.", maxTraceIDs, len(req.TraceIDs))
	}
	err = s.db.writeTx(ctx, func(tx *txn) error {
		eid, _, err := experimentStage(ctx, tx, req.ExperimentID)
		if err != nil {
			return err
		}
		var ids []any
		if byIDs {
			for _, id := range req.TraceIDs {
				ids = append(ids, id)
			}
		} else {
			tail := ``
			args := []any{eid, req.MaxTimestampMillis}
			if req.MaxTraces > 0 {
				tail, args = ` LIMIT ?`, append(args, req.MaxTraces)
			}
			err := tx.each(ctx, `SELECT trace_id FROM traces WHERE experiment_id = ? AND timestamp_ms <= ?
				ORDER BY timestamp_ms, trace_id`+tail, args, func(rows *sql.Rows) error {
				var id string
				err := rows.Scan(&id)
				ids = append(ids, id)
				return err
			})
			if err != nil {
				return err
			}
		}
		if len(ids) == 0 {
			return nil
		}
		res, err := tx.exec(ctx, `DELETE FROM traces WHERE experiment_id = ? AND trace_id IN (`+placeholders(len(ids))+`)`,
			append([]any{eid}, ids...)...)
		if err != nil {
			return err
		}
		// Links hold no foreign key (a link may come before its trace).
		if _, err := tx.exec(ctx, `DELETE FROM trace_runs WHERE trace_id IN (`+placeholders(len(ids))+`)
			AND trace_id NOT IN (SELECT trace_id FROM traces)`, ids...); err != nil {
			return err
		}
		k, err := res.RowsAffected()
		n = int(k)
		return err
	})
	return n, err
}

// SetTraceTag sets a tag of an existing trace.
func (s *TraceService) SetTraceTag(ctx context.Context, traceID, key, value string) (err error) {
	defer weir.Wrap(&err, "SetTraceTag(%q, %q)", traceID, key)
	if key == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'key'.")
	}
	return s.db.writeTx(ctx, func(tx *txn) error {
		if err := traceExists(ctx, tx, traceID); err != nil {
			return err
		}
		if key == tracing.TagTraceName {
			if _, err := tx.exec(ctx, `UPDATE traces SET name = ? WHERE trace_id = ?`, value, traceID); err != nil {
				return err
			}
		}
		if err := putTraceKV(ctx, tx, "trace_tags", traceID, map[string]string{key: value}); err != nil {
			return err
		}
		return repackTraceKV(ctx, tx, traceID)
	})
}

// DeleteTraceTag deletes a tag of a trace; a missing tag is MLflow's 404.
func (s *TraceService) DeleteTraceTag(ctx context.Context, traceID, key string) (err error) {
	defer weir.Wrap(&err, "DeleteTraceTag(%q, %q)", traceID, key)
	return s.db.writeTx(ctx, func(tx *txn) error {
		if err := traceExists(ctx, tx, traceID); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `DELETE FROM trace_tags WHERE trace_id = ? AND key = ?`, traceID, key)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return weir.Errorf(weir.ErrResourceDoesNotExist, "No trace tag with key '%s' for trace with ID '%s'", key, traceID)
		}
		if key == tracing.TagTraceName {
			if _, err := tx.exec(ctx, `UPDATE traces SET name = '' WHERE trace_id = ?`, traceID); err != nil {
				return err
			}
		}
		return repackTraceKV(ctx, tx, traceID)
	})
}

func traceExists(ctx context.Context, tx *txn, traceID string) error {
	var one int
	err := tx.scanOne(ctx, `SELECT 1 FROM traces WHERE trace_id = ?`, []any{traceID}, &one)
	if isNoRows(err) {
		return noTrace(traceID)
	}
	return err
}

// LinkTracesToRun links traces to a run; linking twice is a no-op, and a
// trace not stored yet is linked for when it arrives.
func (s *TraceService) LinkTracesToRun(ctx context.Context, traceIDs []string, runID string) (err error) {
	defer weir.Wrap(&err, "LinkTracesToRun(%q)", runID)
	if runID == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'run_id'.")
	}
	if len(traceIDs) > 100 {
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"Cannot link more than 100 traces to a run in a single request. Provided %d traces.", len(traceIDs))
	}
	return s.db.writeTx(ctx, func(tx *txn) error {
		var one int
		if err := tx.scanOne(ctx, `SELECT 1 FROM runs WHERE run_uuid = ?`, []any{runID}, &one); isNoRows(err) {
			return noRun(runID)
		} else if err != nil {
			return err
		}
		for _, id := range traceIDs {
			// A trace not stored yet is linked all the same: the client
			// links traces it is still exporting, and searches by run
			// find them once they arrive.
			if _, err := tx.exec(ctx, `INSERT INTO trace_runs (trace_id, run_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, runID); err != nil {
				return err
			}
		}
		return nil
	})
}
