package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The scale benchmarks (BenchmarkSearchScale, BenchmarkHistoryScale) run on
// stores of issue 17's shape: WEIR_BENCH_RUNS runs (a comma-separated list
// of sizes, say 100000,1000000) in one experiment, each with 10 params, 10
// metrics and 5 tags, and a run with a WEIR_BENCH_POINTS-point history.
// Without WEIR_BENCH_RUNS they skip, so go test stays fast.
//
// A store is built once by SQL that generates its rows inside the database
// (a recursive CTE on SQLite, generate_series on PostgreSQL), which puts a
// million runs in minutes, and kept for later runs: a SQLite file under
// $TMPDIR/weir-bench, or a PostgreSQL schema weir_bench_<runs>_<version> in
// the database WEIR_TEST_POSTGRES_URL names (WEIR_BENCH_STORE=postgres).
// Opening a kept store applies any newer migration to it.

// scaleVersion names the generated data's shape; change it when the shape
// changes, so that stores built by older code are not reused.
const scaleVersion = 1

// scaleExperiment and historyExperiment are the IDs the builder gives the
// experiment of the runs and the one of the history run.
const (
	scaleExperiment   = 1
	historyExperiment = 2
	historyRunID      = "00000000000000000000000000history"
)

// scaleSizes returns the sizes WEIR_BENCH_RUNS asks for, or skips b.
func scaleSizes(b *testing.B) []int {
	env := os.Getenv("WEIR_BENCH_RUNS")
	if env == "" {
		b.Skip("WEIR_BENCH_RUNS is not set (say WEIR_BENCH_RUNS=100000,1000000)")
	}
	var sizes []int
	for _, f := range strings.Split(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1000 {
			b.Fatalf("WEIR_BENCH_RUNS=%q: want sizes of at least 1000, comma-separated", env)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// historyPoints is the length of the history run's metric "loss".
func historyPoints(b *testing.B) int {
	env := os.Getenv("WEIR_BENCH_POINTS")
	if env == "" {
		return 1000000
	}
	n, err := strconv.Atoi(env)
	if err != nil || n < 1 {
		b.Fatalf("WEIR_BENCH_POINTS=%q: want a positive number", env)
	}
	return n
}

// scaleStore opens the kept store of runs runs and points history points,
// building it first if it does not exist yet.
func scaleStore(b *testing.B, runs, points int) *DB {
	b.Helper()
	uri, fresh := scaleURI(b, runs, points)
	db := mustOpen(b, uri)
	var done int
	err := db.readTx(context.Background(), func(tx *txn) error {
		return tx.scanOne(context.Background(), `SELECT COUNT(*) FROM experiments WHERE name = 'scale-done'`, nil, &done)
	})
	if err != nil {
		b.Fatal(err)
	}
	if done == 1 {
		return db
	}
	if !fresh {
		b.Fatalf("the kept store %s is incomplete (an interrupted build?): remove it", RedactURI(uri))
	}
	start := time.Now()
	if err := buildScaleStore(db, runs, points); err != nil {
		b.Fatalf("building a store of %d runs: %v", runs, err)
	}
	b.Logf("built a %s store of %d runs and a %d-point history in %v", db.dialect.name, runs, points, time.Since(start).Round(time.Second))
	return db
}

// scaleURI returns the URI of the kept store, and whether it is new.
func scaleURI(b *testing.B, runs, points int) (uri string, fresh bool) {
	name := fmt.Sprintf("weir_bench_%d_%d_v%d", runs, points, scaleVersion)
	switch store := os.Getenv("WEIR_BENCH_STORE"); store {
	case "", "sqlite":
		dir := filepath.Join(os.TempDir(), "weir-bench")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(dir, name+".db")
		_, err := os.Stat(path)
		return "sqlite:///" + path, errors.Is(err, os.ErrNotExist)
	case "postgres":
		base := os.Getenv(postgresEnv)
		if base == "" {
			b.Fatalf("WEIR_BENCH_STORE=postgres needs %s", postgresEnv)
		}
		admin, err := sql.Open("pgx", base)
		if err != nil {
			b.Fatal(err)
		}
		defer admin.Close()
		var exists bool
		if err := admin.QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, name).Scan(&exists); err != nil {
			b.Fatal(err)
		}
		if !exists {
			if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
				b.Fatal(err)
			}
		}
		u, err := url.Parse(base)
		if err != nil {
			b.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", name)
		u.RawQuery = q.Encode()
		return u.String(), !exists
	default:
		b.Fatalf("WEIR_BENCH_STORE=%q: want sqlite or postgres", store)
	}
	return "", false
}

// buildScaleStore fills an empty store. Run i (from 0) is named run-i,
// started at 1700000000000 + i seconds, FAILED when i%10 == 3, RUNNING when
// i%50 == 7, FINISHED otherwise; its params are p0 (rf, lr, gbdt or xgb by
// i%4), p1 (i%10), p2..p9 (i*k%10^(k/2+1) for pk); its metrics m0..m9 are
// scattered over [0, 1) (m0 a permutation of i/1000003); its tags are
// mlflow.runName, mlflow.user (user-(i%20)), team (team-(i%7)), stage (dev
// or prod by i%2) and mlflow.source.name.
func buildScaleStore(db *DB, runs, points int) error {
	ctx := context.Background()
	d := db.dialect
	hex8 := func(x string) string {
		if d.name == "postgres" {
			return `lpad(to_hex(` + x + `), 8, '0')`
		}
		return `printf('%08x', ` + x + `)`
	}
	// A run ID looks random (its index order is not its start order) but
	// is a function of i, so every build is the same store.
	runID := hex8(`(i * 2654435761) % 4294967296`) + ` || ` + hex8(`i`) + ` || ` + hex8(`(i * 40503) % 4294967296`) + ` || '00000000'`
	start := `(1700000000000 + i * 1000)`
	// One statement a table, all keys of a run together and in primary
	// key order, into tables without their secondary indexes: b-trees
	// filled from left to right, and indexes built by sorting once.
	keys := func(n int) string {
		var vs []string
		for k := range n {
			vs = append(vs, "("+strconv.Itoa(k)+")")
		}
		return "k(k) AS (VALUES " + strings.Join(vs, ", ") + ")"
	}
	series := func(n int, with, insert string) string {
		if with != "" {
			with = ", " + with
		}
		if d.name == "postgres" {
			return `WITH s(i) AS (SELECT generate_series(0::bigint, ` + strconv.Itoa(n-1) + `))` + with + ` ` + insert
		}
		return `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ` + strconv.Itoa(n-1) + `)` + with + ` ` + insert
	}
	var stmts []string
	stmts = append(stmts, `INSERT INTO experiments (experiment_id, name, creation_time, last_update_time) VALUES
		(1, 'scale', 1700000000000, 1700000000000), (2, 'history', 1700000000000, 1700000000000)`)
	stmts = append(stmts, series(runs, "", `INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage)
		SELECT `+runID+`, 'run-' || i, 1, 'user-' || (i % 20),
			CASE WHEN i % 10 = 3 THEN 'FAILED' WHEN i % 50 = 7 THEN 'RUNNING' ELSE 'FINISHED' END,
			`+start+`, `+start+` + 60000, '', 'active' FROM s ORDER BY 1`))
	stmts = append(stmts, series(runs, keys(10), `INSERT INTO params (run_uuid, key, value, experiment_id, start_time)
		SELECT `+runID+`, 'p' || k, CASE k
			WHEN 0 THEN CASE i % 4 WHEN 0 THEN 'rf' WHEN 1 THEN 'lr' WHEN 2 THEN 'gbdt' ELSE 'xgb' END
			WHEN 1 THEN '' || (i % 10)
			ELSE '' || ((i * (k + 1)) % CASE WHEN k < 4 THEN 100 WHEN k < 6 THEN 1000 WHEN k < 8 THEN 10000 ELSE 100000 END)
		END, 1, `+start+` FROM s CROSS JOIN k ORDER BY 1, 2`))
	for _, table := range []string{"metrics", "latest_metrics"} {
		stmts = append(stmts, series(runs, keys(10), `INSERT INTO `+table+` (run_uuid, key, step, timestamp, value)
			SELECT `+runID+`, 'm' || k, 0, `+start+`,
				CAST((i * 7919 + k * 104729) % 1000003 AS DOUBLE PRECISION) / 1000003
			FROM s CROSS JOIN k ORDER BY 1, 2`))
	}
	stmts = append(stmts, series(runs, keys(5), `INSERT INTO tags (run_uuid, key, value)
		SELECT `+runID+`,
			CASE k WHEN 0 THEN 'mlflow.runName' WHEN 1 THEN 'mlflow.source.name' WHEN 2 THEN 'mlflow.user' WHEN 3 THEN 'stage' ELSE 'team' END,
			CASE k WHEN 0 THEN 'run-' || i WHEN 1 THEN 'train.py' WHEN 2 THEN 'user-' || (i % 20)
				WHEN 3 THEN CASE i % 2 WHEN 0 THEN 'dev' ELSE 'prod' END ELSE 'team-' || (i % 7) END
		FROM s CROSS JOIN k ORDER BY 1, 2`))
	stmts = append(stmts, `INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, artifact_uri, lifecycle_stage)
		VALUES ('`+historyRunID+`', 'history', 2, 'bench', 'FINISHED', 1700000000000, '', 'active')`)
	stmts = append(stmts, series(points, "", `INSERT INTO metrics (run_uuid, key, step, timestamp, value)
		SELECT '`+historyRunID+`', 'loss', i, 1700000000000 + i, CAST(i % 1000 AS DOUBLE PRECISION) / 1000 FROM s`))
	stmts = append(stmts, `INSERT INTO latest_metrics (run_uuid, key, step, timestamp, value)
		VALUES ('`+historyRunID+`', 'loss', `+strconv.Itoa(points-1)+`, `+strconv.Itoa(1700000000000+points-1)+`, 0.999)`)
	indexes, err := dropIndexes(db, "runs", "params", "tags", "metrics", "latest_metrics")
	if err != nil {
		return err
	}
	stmts = append(stmts, indexes...)
	stmts = append(stmts, `INSERT INTO experiments (experiment_id, name, creation_time, last_update_time)
		VALUES (3, 'scale-done', 1700000000000, 1700000000000)`)
	if d.name == "sqlite" {
		stmts = append([]string{"PRAGMA cache_size = -1000000"}, stmts...)
	}
	for _, s := range stmts {
		if err := db.writeTx(ctx, func(tx *txn) error {
			_, err := tx.conn.ExecContext(ctx, s)
			return err
		}); err != nil {
			return fmt.Errorf("%.80s...: %w", strings.Join(strings.Fields(s), " "), err)
		}
	}
	return db.writeTx(ctx, func(tx *txn) error {
		_, err := tx.conn.ExecContext(ctx, "ANALYZE")
		return err
	})
}

// dropIndexes drops the secondary indexes of tables and returns the
// statements that create them again, as the catalog holds them.
func dropIndexes(db *DB, tables ...string) (create []string, err error) {
	ctx := context.Background()
	in := "'" + strings.Join(tables, "', '") + "'"
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (` + in + `)`
	if db.dialect.name == "postgres" {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN (` + in + `)
			AND indexname NOT IN (SELECT conname FROM pg_constraint)`
	}
	var names []string
	err = db.readTx(ctx, func(tx *txn) error {
		return tx.each(ctx, q, nil, func(rows *sql.Rows) error {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				return err
			}
			names = append(names, name)
			create = append(create, def)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if err := db.writeTx(ctx, func(tx *txn) error {
			_, err := tx.conn.ExecContext(ctx, "DROP INDEX "+name)
			return err
		}); err != nil {
			return nil, err
		}
	}
	return create, nil
}
