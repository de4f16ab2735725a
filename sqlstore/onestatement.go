package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
	"github.com/weir-ml/weir/webhook"
)

// On PostgreSQL the busiest writes (create run, log a batch, create a model
// version) are first tried as one statement: a data-modifying WITH that
// locks the row it checks, inserts everything and answers whether it did,
// run on its own with no BEGIN or COMMIT. That is one round trip instead of
// five or six, and each round trip costs both processes a wake-up: with
// several replicas sharing a machine's cores, it was most of what a write
// cost (docs/scaling.md). The statement does its work only in the common
// case; when it does nothing (the row is missing or not active, a param was
// logged before, a webhook listens), the method runs its ordinary
// transaction, which finds the same state and answers exactly as before.

// errGeneralPath says a one-statement write did nothing and the caller must
// run its ordinary transaction.
var errGeneralPath = errors.New("sqlstore: the one-statement write did not apply")

// oneStatement runs fn, which must send exactly one statement, on a row
// writer's connection outside any transaction, so that the statement commits
// alone. It returns errGeneralPath when fn did, when the statement broke a
// unique key (a param logged before: the ordinary transaction compares
// values), and when the connection had ended before the statement reached
// the server (a restart or an idle timeout), after replacing it. Only
// PostgreSQL has one-statement writes; on SQLite it returns errGeneralPath.
func (db *DB) oneStatement(ctx context.Context, fn func(*txn) error) error {
	if !db.dialect.oneStatementWrites {
		return errGeneralPath
	}
	db.mu.Lock()
	ch, done := db.readers, db.done
	db.mu.Unlock()
	c, err := take(ctx, ch, done)
	if err != nil {
		return err
	}
	defer func() { ch <- c }()
	err = fn(&txn{conn: c, d: db.dialect, rowLocks: true})
	var pe *pgconn.PgError
	switch {
	case err == nil, errors.Is(err, errGeneralPath):
		return err
	case errors.As(err, &pe) && pe.Severity != "FATAL":
		// The server answered: the connection is fine, the statement
		// rolled back.
		if pe.Code == "23505" { // unique_violation
			return errGeneralPath
		}
		return err
	case ctx.Err() != nil || c.PingContext(ctx) == nil:
		return err
	}
	fresh, ferr := c.pool.Conn(ctx)
	if ferr != nil {
		return err
	}
	c.close()
	c = &conn{Conn: fresh, pool: c.pool, stmts: map[string]*sql.Stmt{}}
	if notSent(err) {
		return errGeneralPath
	}
	return err
}

// notSent reports whether err proves that a statement never ran: it failed
// before a byte was sent, or the server had ended the session (57P01
// admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now) before it
// read the statement. Any other broken connection leaves the outcome
// unknown, and the write is not tried again.
func notSent(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "57P0")
	}
	return pgconn.SafeToRetry(err)
}

// createRunStatement inserts a run and its tags (distinct keys) in an
// active experiment, locking the experiment's row as CreateRun's
// transaction does; the run's artifact URI is joinURI(joinURI(location,
// id), "artifacts") written in SQL. It returns errGeneralPath when the
// experiment is missing or not active.
const createRunStatement = `WITH e AS (
	SELECT artifact_location FROM experiments
	WHERE experiment_id = $1::bigint AND lifecycle_stage = 'active' FOR SHARE
), r AS (
	INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage)
	SELECT $2::text, $3::text, $1::bigint, $4::text, 'RUNNING', $5::bigint, NULL,
		CASE WHEN artifact_location = '' OR right(artifact_location, 1) = '/' THEN artifact_location
			ELSE artifact_location || '/' END || $2::text || '/artifacts',
		'active'
	FROM e
	RETURNING artifact_uri
), t AS (
	INSERT INTO tags (run_uuid, key, value)
	SELECT $2::text, x.key, x.value FROM r, unnest($6::text[], $7::text[]) AS x(key, value)
)
SELECT artifact_uri FROM r`

func createRunOneStatement(ctx context.Context, db *DB, eid int64, id, name, user string, start int64, uniq []tracking.Tag) (uri string, err error) {
	if !db.dialect.oneStatementWrites {
		return "", errGeneralPath
	}
	keys, values := tagArrays(uniq)
	err = db.oneStatement(ctx, func(tx *txn) error {
		err := tx.scanOne(ctx, createRunStatement, []any{eid, id, name, user, start, keys, values}, &uri)
		if isNoRows(err) {
			return errGeneralPath
		}
		return err
	})
	return uri, err
}

// logBatchStatement is LogBatch for an active run when no param key repeats
// and no tag renames the run: params inserted (a key logged before breaks
// the unique key, and the ordinary transaction compares values), metrics
// appended and the latest moved forward, tags upserted, all in the orders
// LogBatch's transaction uses, under a share lock of the run's row. It
// counts 0 when the run is missing or not active, and then inserts nothing.
const logBatchStatement = `WITH r AS (
	SELECT experiment_id, start_time FROM runs WHERE run_uuid = $1::text AND lifecycle_stage = 'active' FOR SHARE
), p AS (
	INSERT INTO params (run_uuid, key, value, experiment_id, start_time)
	SELECT $1::text, x.key, x.value, r.experiment_id, r.start_time FROM r, unnest($2::text[], $3::text[]) AS x(key, value)
), m AS (
	INSERT INTO metrics (run_uuid, key, step, timestamp, value, is_nan, model_id, dataset_name, dataset_digest)
	SELECT $1::text, x.* FROM r,
		unnest($4::text[], $5::bigint[], $6::bigint[], $7::float8[], $8::bigint[], $9::text[], $10::text[], $11::text[])
			AS x(key, step, timestamp, value, is_nan, model_id, dataset_name, dataset_digest)
	ON CONFLICT DO NOTHING
), l AS (
	INSERT INTO latest_metrics (run_uuid, key, step, timestamp, value, is_nan, model_id, dataset_name, dataset_digest)
	SELECT $1::text, x.* FROM r,
		unnest($12::text[], $13::bigint[], $14::bigint[], $15::float8[], $16::bigint[], $17::text[], $18::text[], $19::text[])
			AS x(key, step, timestamp, value, is_nan, model_id, dataset_name, dataset_digest)` + latestMetricsUpsert + `
), t AS (
	INSERT INTO tags (run_uuid, key, value)
	SELECT $1::text, x.key, x.value FROM r, unnest($20::text[], $21::text[]) AS x(key, value)
	ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value
)
SELECT count(*) FROM r`

func logBatchOneStatement(ctx context.Context, db *DB, runID string, metrics []tracking.Metric, params []tracking.Param, tags []tracking.Tag) error {
	if !db.dialect.oneStatementWrites || tagLock(tags) != lockShare {
		return errGeneralPath
	}
	sorted := slices.SortedFunc(slices.Values(params), func(a, b tracking.Param) int { return strings.Compare(a.Key, b.Key) })
	pk, pv := make([]string, len(sorted)), make([]string, len(sorted))
	for i, p := range sorted {
		if i > 0 && p.Key == sorted[i-1].Key {
			return errGeneralPath // a key given twice: the transaction compares its values
		}
		pk[i], pv[i] = p.Key, p.Value
	}
	history := metricArrays(metrics, historyOrder(metrics))
	latest := metricArrays(metrics, latestOfKeys(metrics))
	tk, tv := tagArrays(lastTags(tags))
	args := append(append(append([]any{runID, pk, pv}, history...), latest...), tk, tv)
	return db.oneStatement(ctx, func(tx *txn) error {
		var n int
		if err := tx.scanOne(ctx, logBatchStatement, args, &n); err != nil {
			return err
		}
		if n == 0 {
			return errGeneralPath
		}
		return nil
	})
}

// metricArrays returns the metrics at idx as the eight column arrays that
// logBatchStatement unnests, from key to dataset_digest.
func metricArrays(metrics []tracking.Metric, idx []int32) []any {
	n := len(idx)
	keys, steps, times, values, nans := make([]string, n), make([]int64, n), make([]int64, n), make([]float64, n), make([]int64, n)
	models, names, digests := make([]string, n), make([]string, n), make([]string, n)
	for i, j := range idx {
		m := &metrics[j]
		v, isNaN := storedValue(m.Value)
		keys[i], steps[i], times[i], values[i], nans[i] = m.Key, m.Step, m.Timestamp, v, int64(isNaN)
		models[i], names[i], digests[i] = m.ModelID, m.DatasetName, m.DatasetDigest
	}
	return []any{keys, steps, times, values, nans, models, names, digests}
}

// tagArrays returns the keys and the values of tags.
func tagArrays(tags []tracking.Tag) (keys, values []string) {
	keys, values = make([]string, len(tags)), make([]string, len(tags))
	for i, t := range tags {
		keys[i], values[i] = t.Key, t.Value
	}
	return keys, values
}

// createVersionStatement registers the next version of a model, with its
// tags (distinct keys), when no active webhook listens for new versions
// (their outbox rows carry the version number in a JSON body). The UPDATE
// that claims the number locks the model's row, as createVersion's does.
// It returns no row when the model is missing or a webhook listens, and
// then changes nothing.
const createVersionStatement = `WITH m AS (
	UPDATE registered_models SET last_version = last_version + 1, last_updated_time = $1::bigint
	WHERE name = $2::text AND NOT EXISTS (
		SELECT 1 FROM webhooks w JOIN webhook_events x ON x.webhook_id = w.webhook_id
		WHERE w.status = 'ACTIVE' AND x.entity = $3::text AND x.action = $4::text)
	RETURNING last_version
), v AS (
	INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, current_stage, source,
		storage_location, run_id, run_link, status, model_id)
	SELECT $2::text, m.last_version, $1::bigint, $1::bigint, $5::text, 'None', $6::text, $6::text, $7::text, $8::text, 'READY', ''
	FROM m
), t AS (
	INSERT INTO model_version_tags (name, version, key, value)
	SELECT $2::text, m.last_version, x.key, x.value FROM m, unnest($9::text[], $10::text[]) AS x(key, value)
)
SELECT last_version FROM m`

func createVersionOneStatement(ctx context.Context, db *DB, now int64, c registry.VersionCreate, tags []registry.Tag) (version int64, err error) {
	if !db.dialect.oneStatementWrites || !remoteSource(c) {
		return 0, errGeneralPath
	}
	keys, values := make([]string, len(tags)), make([]string, len(tags))
	for i, t := range tags {
		keys[i], values[i] = t.Key, t.Value
	}
	ev := webhook.VersionCreated
	err = db.oneStatement(ctx, func(tx *txn) error {
		err := tx.scanOne(ctx, createVersionStatement,
			[]any{now, c.Name, ev.Entity, ev.Action, c.Description, c.Source, c.RunID, c.RunLink, keys, values}, &version)
		if isNoRows(err) {
			return errGeneralPath
		}
		return err
	})
	return version, err
}
