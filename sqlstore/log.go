package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// LogMetric appends one value to a metric's history of an active run.
func (s *TrackingService) LogMetric(ctx context.Context, runID string, m tracking.Metric) (err error) {
	defer weir.Wrap(&err, "LogMetric(%q, %q)", runID, m.Key)
	if err := tracking.ValidateRunID(runID); err != nil {
		return err
	}
	if err := tracking.ValidateMetric(m); err != nil {
		return err
	}
	db := s.db
	return db.rowWriteTx(ctx, func(tx *txn) error {
		if _, err := activeRun(ctx, tx, runID); err != nil {
			return err
		}
		return insertMetrics(ctx, tx, runID, []tracking.Metric{m})
	})
}

// LogParam sets a write-once param of an active run: logging the same value
// again is a no-op, a different value an error.
func (s *TrackingService) LogParam(ctx context.Context, runID string, p tracking.Param) (err error) {
	defer weir.Wrap(&err, "LogParam(%q, %q)", runID, p.Key)
	if err := tracking.ValidateRunID(runID); err != nil {
		return err
	}
	p.Value = tracking.TruncateValue(p.Value, tracking.MaxParamValueLength)
	if err := tracking.ValidateParam(p); err != nil {
		return err
	}
	db := s.db
	// The insert comes first, so that a concurrent writer of the same key
	// (a rowWriteTx holds no writer lock) is waited for by the unique key,
	// and the value read after a skipped insert is the one that stays.
	return db.rowWriteTx(ctx, func(tx *txn) error {
		eid, start, err := activeRunStarted(ctx, tx, runID, lockShare)
		if err != nil {
			return err
		}
		n, err := insertParams(ctx, tx, runID, eid, start, []tracking.Param{p})
		if err != nil || n == 1 {
			return err
		}
		old, err := existingParams(ctx, tx, runID, []tracking.Param{p})
		if err != nil {
			return err
		}
		if v := old[p.Key]; v != p.Value {
			return weir.Errorf(weir.ErrInvalidParameterValue,
				"Changing param values is not allowed. Param with key='%s' was already logged with value='%s' for run ID='%s'. Attempted logging new value '%s'.",
				p.Key, v, runID, p.Value)
		}
		return nil
	})
}

// SetTag sets or overwrites a tag of an active run. Setting mlflow.runName
// renames the run.
func (s *TrackingService) SetTag(ctx context.Context, runID string, t tracking.Tag) (err error) {
	defer weir.Wrap(&err, "SetTag(%q, %q)", runID, t.Key)
	if err := tracking.ValidateRunID(runID); err != nil {
		return err
	}
	t.Value = tracking.TruncateValue(t.Value, tracking.MaxTagValueLength)
	if err := tracking.ValidateTag(t); err != nil {
		return err
	}
	db := s.db
	return db.rowWriteTx(ctx, func(tx *txn) error {
		if _, _, err := activeRunStarted(ctx, tx, runID, tagLock([]tracking.Tag{t})); err != nil {
			return err
		}
		return putTags(ctx, tx, runID, []tracking.Tag{t})
	})
}

// DeleteTag deletes a tag of an active run.
func (s *TrackingService) DeleteTag(ctx context.Context, runID, key string) (err error) {
	defer weir.Wrap(&err, "DeleteTag(%q, %q)", runID, key)
	if err := tracking.ValidateRunID(runID); err != nil {
		return err
	}
	db := s.db
	return db.rowWriteTx(ctx, func(tx *txn) error {
		if _, err := activeRun(ctx, tx, runID); err != nil {
			return err
		}
		res, err := tx.exec(ctx, (`DELETE FROM tags WHERE run_uuid = ? AND key = ?`), runID, key)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return weir.Errorf(weir.ErrResourceDoesNotExist, "No tag with name: %s in run with id %s", key, runID)
		}
		return nil
	})
}

// LogBatch writes params, then metrics, then tags of an active run in one
// transaction: all of them or none.
func (s *TrackingService) LogBatch(ctx context.Context, runID string, metrics []tracking.Metric, params []tracking.Param, tags []tracking.Tag) (err error) {
	defer weir.Wrap(&err, "LogBatch(%q)", runID)
	if err := tracking.ValidateRunID(runID); err != nil {
		return err
	}
	params, tags = truncateParams(params), truncateTags(tags)
	if err := tracking.ValidateBatch(metrics, params, tags); err != nil {
		return err
	}
	db := s.db
	if err := logBatchOneStatement(ctx, db, runID, metrics, params, tags); !errors.Is(err, errGeneralPath) {
		return err
	}
	return db.rowWriteTx(ctx, func(tx *txn) error {
		eid, start, err := activeRunStarted(ctx, tx, runID, tagLock(tags))
		if err != nil {
			return err
		}
		if err := logParams(ctx, tx, runID, eid, start, params); err != nil {
			return err
		}
		if err := insertMetrics(ctx, tx, runID, metrics); err != nil {
			return err
		}
		return putTags(ctx, tx, runID, tags)
	})
}

// tagLock is the run row lock for a transaction that puts tags: lockUpdate
// when one of them renames the run (putTags then updates the row), else
// lockShare.
func tagLock(tags []tracking.Tag) string {
	for _, t := range tags {
		if t.Key == runNameTag {
			return lockUpdate
		}
	}
	return lockShare
}

// truncateParams returns params with values cut to MaxParamValueLength.
// MLflow's server truncates over-long param values rather than rejecting
// them (MLFLOW_TRUNCATE_LONG_VALUES defaults to true), and clients such as
// autologging rely on it. The caller's slice is left as it was.
func truncateParams(params []tracking.Param) []tracking.Param {
	out, copied := params, false
	for i, p := range params {
		v := tracking.TruncateValue(p.Value, tracking.MaxParamValueLength)
		if v == p.Value {
			continue
		}
		if !copied {
			out, copied = append([]tracking.Param(nil), params...), true
		}
		out[i].Value = v
	}
	return out
}

// truncateTags returns run tags with values cut to MaxTagValueLength, as
// MLflow's server does; the caller's slice is left as it was.
func truncateTags(tags []tracking.Tag) []tracking.Tag {
	out, copied := tags, false
	for i, t := range tags {
		v := tracking.TruncateValue(t.Value, tracking.MaxTagValueLength)
		if v == t.Value {
			continue
		}
		if !copied {
			out, copied = append([]tracking.Tag(nil), tags...), true
		}
		out[i].Value = v
	}
	return out
}

// logParams inserts the params that are new, and refuses the whole batch when
// one would change a logged value. Most batches log only new keys, so the
// params are inserted first, skipping keys logged before, and the logged
// values are read back and compared only when a key was skipped or the batch
// gives a key two values; an error rolls the caller's transaction back,
// insert included.
func logParams(ctx context.Context, tx *txn, runID string, eid, start int64, params []tracking.Param) error {
	if len(params) == 0 {
		return nil
	}
	first := make(map[string]string, len(params))
	var fresh []tracking.Param
	twice := false
	for _, p := range params {
		v, ok := first[p.Key]
		switch {
		case !ok:
			first[p.Key] = p.Value
			fresh = append(fresh, p)
		case v != p.Value:
			twice = true
		}
	}
	// The first value of each key goes in before anything is read: in a
	// rowWriteTx another transaction may be logging the same key, and the
	// unique key makes this insert wait for it, so the values read below
	// are the ones that stay.
	n, err := insertParams(ctx, tx, runID, eid, start, fresh)
	if err != nil || !twice && n == int64(len(fresh)) {
		return err
	}
	// Some key was logged before, or the batch changes one itself: compare
	// in batch order, as MLflow words it.
	old, err := existingParams(ctx, tx, runID, params)
	if err != nil {
		return err
	}
	var changed []string
	for _, p := range params {
		if v := old[p.Key]; v != p.Value {
			changed = append(changed, fmt.Sprintf("{'key': '%s', 'old_value': '%s', 'new_value': '%s'}", p.Key, v, p.Value))
		}
	}
	if len(changed) > 0 {
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"Changing param values is not allowed. Params were already logged='[%s]' for run ID='%s'.",
			strings.Join(changed, ", "), runID)
	}
	return nil
}

// existingParams returns the stored values of the given params' keys.
func existingParams(ctx context.Context, tx *txn, runID string, params []tracking.Param) (map[string]string, error) {
	keys := make([]string, len(params))
	for i, p := range params {
		keys[i] = p.Key
	}
	old := map[string]string{}
	err := forChunks(keys, func(chunk []any) error {
		return tx.each(ctx, `SELECT key, value FROM params WHERE run_uuid = ? AND key IN (`+placeholders(len(chunk))+`)`,
			append([]any{runID}, chunk...), func(rows *sql.Rows) error {
				var k, v string
				if err := rows.Scan(&k, &v); err != nil {
					return err
				}
				old[k] = v
				return nil
			})
	})
	return old, err
}

// insertParams inserts params of run runID, of experiment eid started at
// start, with the copies of both that the params_walk index orders them by,
// skipping keys logged before; it returns how many rows it inserted.
func insertParams(ctx context.Context, tx *txn, runID string, eid, start int64, params []tracking.Param) (int64, error) {
	// In key order, the rows fill the primary key's and params_walk's
	// leaves in turn, as insertMetrics explains.
	sorted := slices.SortedFunc(slices.Values(params), func(a, b tracking.Param) int { return strings.Compare(a.Key, b.Key) })
	return insertRows(ctx, tx, `INSERT INTO params (run_uuid, key, value, experiment_id, start_time) VALUES `, 5, len(sorted),
		` ON CONFLICT (run_uuid, key) DO NOTHING`,
		func(i int, args []any) []any { return append(args, runID, sorted[i].Key, sorted[i].Value, eid, start) })
}

// putTags inserts or overwrites run tags, the last one winning for a key
// given twice. mlflow.runName also renames the run.
func putTags(ctx context.Context, tx *txn, runID string, tags []tracking.Tag) error {
	uniq := lastTags(tags)
	for _, t := range uniq {
		if t.Key == runNameTag {
			if _, err := tx.exec(ctx, (`UPDATE runs SET name = ? WHERE run_uuid = ?`), t.Value, runID); err != nil {
				return err
			}
		}
	}
	return insertTags(ctx, tx, runID, uniq)
}

// lastTags returns the last tag of each key, in key order: the order a run
// reads them back in, and the order every writer locks tag rows in, so that
// two transactions upserting the same tags of a run without the writer lock
// wait for each other instead of deadlocking.
func lastTags(tags []tracking.Tag) []tracking.Tag {
	last := make(map[string]int, len(tags))
	for i, t := range tags {
		last[t.Key] = i
	}
	var uniq []tracking.Tag
	for i, t := range tags {
		if last[t.Key] == i {
			uniq = append(uniq, t)
		}
	}
	slices.SortFunc(uniq, func(a, b tracking.Tag) int { return strings.Compare(a.Key, b.Key) })
	return uniq
}

// insertTags inserts or overwrites run tags with distinct keys, leaving the
// run's name as it is.
func insertTags(ctx context.Context, tx *txn, runID string, uniq []tracking.Tag) error {
	_, err := insertRows(ctx, tx, `INSERT INTO tags (run_uuid, key, value) VALUES `, 3, len(uniq),
		` ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value`,
		func(i int, args []any) []any { return append(args, runID, uniq[i].Key, uniq[i].Value) })
	return err
}

// metricColumns are the columns of metrics and latest_metrics, in the order
// metricArgs appends them. Most metrics name no model or dataset; those
// bind only the first six columns (the rest default to the empty string), a third fewer
// parameters per row.
var metricColumns = [2]string{
	`(run_uuid, key, step, timestamp, value, is_nan)`,
	`(run_uuid, key, step, timestamp, value, is_nan, model_id, dataset_name, dataset_digest)`,
}

func metricArgs(args []any, runID string, m tracking.Metric, assoc int) []any {
	v, isNaN := storedValue(m.Value)
	args = append(args, runID, m.Key, m.Step, m.Timestamp, v, isNaN)
	if assoc == 1 {
		args = append(args, m.ModelID, m.DatasetName, m.DatasetDigest)
	}
	return args
}

// associations is 1 when a metric names a model or dataset, else 0: the
// index of the metricColumns to write.
func associations(metrics []tracking.Metric) int {
	for _, m := range metrics {
		if m.ModelID != "" || m.DatasetName != "" || m.DatasetDigest != "" {
			return 1
		}
	}
	return 0
}

// insertMetrics appends metrics to the history, skipping exact repeats, and
// moves each key's latest value forward when the batch holds a greater
// (step, timestamp, value).
func insertMetrics(ctx context.Context, tx *txn, runID string, metrics []tracking.Metric) error {
	if len(metrics) == 0 {
		return nil
	}
	assoc := associations(metrics)
	ncols := 6 + 3*assoc
	sorted := historyOrder(metrics)
	_, err := insertRows(ctx, tx, `INSERT INTO metrics `+metricColumns[assoc]+` VALUES `, ncols, len(metrics),
		` ON CONFLICT DO NOTHING`,
		func(i int, args []any) []any { return metricArgs(args, runID, metrics[sorted[i]], assoc) })
	if err != nil {
		return err
	}
	latest := latestOfKeys(metrics)
	_, err = insertRows(ctx, tx, `INSERT INTO latest_metrics `+metricColumns[assoc]+` VALUES `, ncols, len(latest),
		latestMetricsUpsert,
		func(i int, args []any) []any { return metricArgs(args, runID, metrics[latest[i]], assoc) })
	return err
}

// latestMetricsUpsert is the tail of an INSERT INTO latest_metrics that
// moves a key's latest value forward only to a greater (step, timestamp,
// value), as MLflow orders them.
const latestMetricsUpsert = ` ON CONFLICT (run_uuid, key) DO UPDATE SET
			step = excluded.step, timestamp = excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan,
			model_id = excluded.model_id, dataset_name = excluded.dataset_name, dataset_digest = excluded.dataset_digest
		WHERE excluded.step > latest_metrics.step
			OR (excluded.step = latest_metrics.step AND excluded.timestamp > latest_metrics.timestamp)
			OR (excluded.step = latest_metrics.step AND excluded.timestamp = latest_metrics.timestamp
				AND excluded.value > latest_metrics.value)`

// historyOrder returns the indexes of metrics in the history's primary-key
// order (the run's, then key, step). A training loop's batch interleaves its
// keys step by step, and inserted as sent every row lands on another leaf of
// the b-tree than the last; sorted, each key's rows fill one leaf after
// another. A log-batch of 1000 metrics costs about a seventh less CPU.
func historyOrder(metrics []tracking.Metric) []int32 {
	sorted := make([]int32, len(metrics))
	for i := range sorted {
		sorted[i] = int32(i)
	}
	slices.SortFunc(sorted, func(a, b int32) int {
		x, y := &metrics[a], &metrics[b]
		if c := strings.Compare(x.Key, y.Key); c != 0 {
			return c
		}
		return cmp.Compare(x.Step, y.Step)
	})
	return sorted
}

// latestOfKeys returns, for each key of metrics in key order, the index of
// its most recent metric: one candidate per key, since a multi-row upsert
// may not touch a row twice. Keys go in key order, as the history's rows,
// so that two batches of one run without the writer lock lock rows in one
// order.
func latestOfKeys(metrics []tracking.Metric) []int32 {
	latest := map[string]int{}
	var order []string
	for i, m := range metrics {
		j, ok := latest[m.Key]
		if !ok {
			order = append(order, m.Key)
		}
		if !ok || metricAfter(m, metrics[j]) {
			latest[m.Key] = i
		}
	}
	slices.Sort(order)
	out := make([]int32, len(order))
	for i, k := range order {
		out[i] = int32(latest[k])
	}
	return out
}

// metricAfter reports whether a is more recent than b, comparing (step,
// timestamp, stored value) as MLflow does.
func metricAfter(a, b tracking.Metric) bool {
	if a.Step != b.Step {
		return a.Step > b.Step
	}
	if a.Timestamp != b.Timestamp {
		return a.Timestamp > b.Timestamp
	}
	av, _ := storedValue(a.Value)
	bv, _ := storedValue(b.Value)
	return av > bv
}

// rowsPerInsert bounds a multi-row INSERT, keeping its parameters (at most
// 9 columns) under SQLite's 32766 and PostgreSQL's 65535.
const rowsPerInsert = 200

// insertRows inserts n rows of cols columns with multi-row INSERT statements
// head VALUES (...), (...) tail; add appends row i's values to args. Full
// chunks share one statement text, so it is prepared once per connection.
// It returns how many rows the statements inserted or changed.
func insertRows(ctx context.Context, tx *txn, head string, cols, n int, tail string, add func(i int, args []any) []any) (int64, error) {
	row := "(" + placeholders(cols) + ")"
	args := make([]any, 0, cols*min(n, rowsPerInsert))
	var total int64
	for start := 0; start < n; start += rowsPerInsert {
		end := min(start+rowsPerInsert, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = add(i, args)
		}
		res, err := tx.exec(ctx, head+strings.Repeat(row+", ", end-start-1)+row+tail, args...)
		if err != nil {
			return total, err
		}
		k, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += k
	}
	return total, nil
}

// LogInputs links datasets and logged models to an active run as inputs.
// Datasets are shared within the experiment by (name, digest); a dataset
// already linked to the run keeps its first tags.
func (s *TrackingService) LogInputs(ctx context.Context, runID string, datasets []tracking.DatasetInput, models []tracking.ModelInput) (err error) {
	defer weir.Wrap(&err, "LogInputs(%q)", runID)
	if err := tracking.ValidateRunID(runID); err != nil {
		return err
	}
	if err := tracking.ValidateDatasetInputs(datasets); err != nil {
		return err
	}
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		eid, err := activeRun(ctx, tx, runID)
		if err != nil {
			return err
		}
		seen := map[[2]string]bool{}
		for _, in := range datasets {
			k := [2]string{in.Dataset.Name, in.Dataset.Digest}
			if seen[k] {
				continue // the first of a repeated (name, digest) wins, as in MLflow
			}
			seen[k] = true
			if err := linkDataset(ctx, tx, eid, runID, in); err != nil {
				return err
			}
		}
		for _, m := range models {
			if m.ModelID == "" {
				return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'model_id'.")
			}
			if _, err := tx.exec(ctx, (`INSERT INTO model_inputs (run_uuid, model_id) VALUES (?, ?)
				ON CONFLICT DO NOTHING`), runID, m.ModelID); err != nil {
				return err
			}
		}
		return nil
	})
}

// linkDataset finds or creates the dataset in experiment eid and links it to
// the run with the input's tags, unless it is linked already.
func linkDataset(ctx context.Context, tx *txn, eid int64, runID string, in tracking.DatasetInput) error {
	ds := in.Dataset
	var dsID string
	err := tx.scanOne(ctx, `SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?`,
		[]any{eid, ds.Name, ds.Digest}, &dsID)
	if err == sql.ErrNoRows {
		if dsID, err = newRunID(); err != nil {
			return err
		}
		_, err = tx.exec(ctx, (`INSERT INTO datasets
			(dataset_uuid, experiment_id, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), dsID, eid, ds.Name, ds.Digest, ds.SourceType, ds.Source, ds.Schema, ds.Profile)
	}
	if err != nil {
		return err
	}
	var n int
	if err := tx.scanOne(ctx, `SELECT COUNT(*) FROM inputs WHERE run_uuid = ? AND dataset_uuid = ?`, []any{runID, dsID}, &n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	inputID, err := newRunID()
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, (`INSERT INTO inputs (input_uuid, dataset_uuid, run_uuid) VALUES (?, ?, ?)`), inputID, dsID, runID); err != nil {
		return err
	}
	for _, t := range in.Tags {
		if _, err := tx.exec(ctx, (`INSERT INTO input_tags (input_uuid, name, value) VALUES (?, ?, ?)
			ON CONFLICT (input_uuid, name) DO UPDATE SET value = excluded.value`), inputID, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

// LogOutputs records logged models that an active run produced.
func (s *TrackingService) LogOutputs(ctx context.Context, runID string, models []tracking.ModelOutput) (err error) {
	defer weir.Wrap(&err, "LogOutputs(%q)", runID)
	if err := tracking.ValidateRunID(runID); err != nil {
		return err
	}
	for _, m := range models {
		if m.ModelID == "" {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'model_id'.")
		}
	}
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		if _, err := activeRun(ctx, tx, runID); err != nil {
			return err
		}
		_, err := insertRows(ctx, tx, `INSERT INTO model_outputs (run_uuid, model_id, step) VALUES `, 3, len(models),
			` ON CONFLICT DO NOTHING`,
			func(i int, args []any) []any { return append(args, runID, models[i].ModelID, models[i].Step) })
		return err
	})
}
