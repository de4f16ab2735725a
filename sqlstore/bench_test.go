package sqlstore

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// The benchmarks use a SQLite file, as a server would, or a fresh schema of
// the PostgreSQL database named by WEIR_TEST_POSTGRES_URL when
// WEIR_BENCH_STORE=postgres.

// benchDB opens the database the benchmarks run on.
func benchDB(b *testing.B) *DB {
	b.Helper()
	switch store := os.Getenv("WEIR_BENCH_STORE"); store {
	case "", "sqlite":
		return MustOpenDB(b)
	case "postgres":
		if os.Getenv(postgresEnv) == "" {
			b.Fatalf("WEIR_BENCH_STORE=postgres needs %s", postgresEnv)
		}
		return MustOpenPostgres(b)
	default:
		b.Fatalf("WEIR_BENCH_STORE=%q: want sqlite or postgres", store)
		return nil
	}
}

func BenchmarkCreateRun(b *testing.B) {
	ctx := context.Background()
	svc := NewTrackingService(benchDB(b))
	tags := []tracking.Tag{{Key: "mlflow.user", Value: "bench"}, {Key: "mlflow.source.name", Value: "bench.py"}}
	reportCPU(b)
	for b.Loop() {
		if _, err := svc.CreateRun(ctx, tracking.RunCreate{ExperimentID: "0", UserID: "bench", Tags: tags}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLogBatch(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprintf("metrics=%d", n), func(b *testing.B) {
			ctx := context.Background()
			svc := NewTrackingService(benchDB(b))
			id := mustCreateRun(b, svc, tracking.RunCreate{}).Info.RunID
			ms := make([]tracking.Metric, n)
			step := int64(0)
			reportCPU(b)
			for b.Loop() {
				for i := range ms {
					ms[i] = tracking.Metric{Key: fmt.Sprintf("m%d", i%10), Value: float64(i), Timestamp: 1700000000000 + step, Step: step}
					step++
				}
				if err := svc.LogBatch(ctx, id, ms, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "metrics/s")
		})
	}
}

// BenchmarkLogBatchParams logs 100 new params per call, as bench/tracking's
// log-batch-params operation does.
func BenchmarkLogBatchParams(b *testing.B) {
	ctx := context.Background()
	svc := NewTrackingService(benchDB(b))
	id := mustCreateRun(b, svc, tracking.RunCreate{}).Info.RunID
	ps := make([]tracking.Param, 100)
	call := 0
	reportCPU(b)
	for b.Loop() {
		for j := range ps {
			ps[j] = tracking.Param{Key: fmt.Sprintf("p%d_%d", call, j), Value: fmt.Sprintf("value-%d", j)}
		}
		call++
		if err := svc.LogBatch(ctx, id, nil, ps, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// seedSearchRuns inserts n runs into experiment exp, each with metrics acc
// and loss, params model and depth and a tag, in one transaction through the
// store's own helpers, so that seeding takes seconds.
func seedSearchRuns(b *testing.B, db *DB, exp int64, n int) {
	ctx := context.Background()
	err := db.writeTx(ctx, func(tx *txn) error {
		for i := range n {
			id, err := newRunID()
			if err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `INSERT INTO runs
				(run_uuid, name, experiment_id, user_id, status, start_time, artifact_uri, lifecycle_stage)
				VALUES (?, ?, ?, 'bench', 'FINISHED', ?, '', 'active')`, id, fmt.Sprintf("run-%d", i), exp, int64(i)); err != nil {
				return err
			}
			models := []string{"rf", "lr", "gbdt"}
			if _, err := insertParams(ctx, tx, id, exp, int64(i), []tracking.Param{
				{Key: "model", Value: models[i%3]}, {Key: "depth", Value: fmt.Sprint(i % 10)}}); err != nil {
				return err
			}
			if err := putTags(ctx, tx, id, []tracking.Tag{{Key: runNameTag, Value: fmt.Sprintf("run-%d", i)}}); err != nil {
				return err
			}
			if err := insertMetrics(ctx, tx, id, []tracking.Metric{
				{Key: "acc", Value: float64(i%1000) / 1000, Timestamp: 1}, {Key: "loss", Value: float64(i % 97), Timestamp: 1}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	analyzeForBench(b, db)
}

// analyzeForBench refreshes PostgreSQL's planner statistics after a bulk
// seed, as autovacuum would within a minute on a server; without them the
// first plans assume near-empty tables. SQLite's planner needs none here.
func analyzeForBench(b *testing.B, db *DB) {
	if db.dialect.name != "postgres" {
		return
	}
	if err := db.writeTx(context.Background(), func(tx *txn) error {
		_, err := tx.conn.ExecContext(context.Background(), "ANALYZE")
		return err
	}); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkSearchRuns(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b)
	svc := NewTrackingService(db)
	expID := mustCreateExperiment(b, svc, "search")
	seedSearchRuns(b, db, 1, 10000)
	cases := []struct {
		name    string
		filter  string
		orderBy []string
	}{
		{"metric filter", "metrics.acc > 0.9", nil},                                 // 10% of the runs
		{"metric and param", "metrics.acc > 0.5 AND params.model = 'rf'", nil},      // ~17%
		{"order by metric", "params.model = 'gbdt'", []string{"metrics.loss DESC"}}, // ~33%
		{"like tag", "tags.`mlflow.runName` LIKE 'run-99%'", nil},                   // 111 runs
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			n := 0
			reportCPU(b)
			for b.Loop() {
				runs, _, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{expID}, Filter: c.filter, OrderBy: c.orderBy, MaxResults: 100})
				if err != nil {
					b.Fatal(err)
				}
				n = len(runs)
			}
			if n == 0 {
				b.Fatal("no runs matched")
			}
		})
	}
}

func BenchmarkGetMetricHistory(b *testing.B) {
	ctx := context.Background()
	svc := NewTrackingService(benchDB(b))
	id := mustCreateRun(b, svc, tracking.RunCreate{}).Info.RunID
	const points = 100000
	logSteps(b, svc, id, "loss", points)
	reportCPU(b)
	for b.Loop() {
		ms, _, err := svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "loss"})
		if err != nil {
			b.Fatal(err)
		}
		if len(ms) != points {
			b.Fatalf("%d points, want %d", len(ms), points)
		}
	}
}

func BenchmarkGetRun(b *testing.B) {
	ctx := context.Background()
	svc := NewTrackingService(benchDB(b))
	id := mustCreateRun(b, svc, tracking.RunCreate{}).Info.RunID
	var ms []tracking.Metric
	var ps []tracking.Param
	var ts []tracking.Tag
	for i := range 10 {
		ms = append(ms, tracking.Metric{Key: fmt.Sprintf("m%d", i), Value: float64(i), Timestamp: 1})
		ps = append(ps, tracking.Param{Key: fmt.Sprintf("p%d", i), Value: "v"})
		ts = append(ts, tracking.Tag{Key: fmt.Sprintf("t%d", i), Value: "v"})
	}
	if err := svc.LogBatch(ctx, id, ms, ps, ts); err != nil {
		b.Fatal(err)
	}
	reportCPU(b)
	for b.Loop() {
		if _, err := svc.GetRun(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchRunsLoadShape is bench/tracking's search operation: 10,000
// runs created about two per millisecond, each with a run-name tag, metric
// m spread over [0, 1) in a scattered order and param p cycling through
// four values, searched with "metrics.m > 0.5 and params.p = 'x'" for a
// page of 100 (one run in eight matches).
func BenchmarkSearchRunsLoadShape(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b)
	svc := NewTrackingService(db)
	expID := mustCreateExperiment(b, svc, "search")
	const n = 10000
	eid, err := parseExperimentID(expID)
	if err != nil {
		b.Fatal(err)
	}
	err = db.writeTx(ctx, func(tx *txn) error {
		for i := range n {
			id, err := newRunID()
			if err != nil {
				return err
			}
			start := 1700000000000 + int64(i/2)
			if _, err := tx.exec(ctx, `INSERT INTO runs
				(run_uuid, name, experiment_id, user_id, status, start_time, artifact_uri, lifecycle_stage)
				VALUES (?, ?, ?, '', 'RUNNING', ?, '', 'active')`, id, fmt.Sprintf("run-%d", i), eid, start); err != nil {
				return err
			}
			if err := putTags(ctx, tx, id, []tracking.Tag{{Key: runNameTag, Value: fmt.Sprintf("run-%d", i)}}); err != nil {
				return err
			}
			if _, err := insertParams(ctx, tx, id, eid, start, []tracking.Param{{Key: "p", Value: []string{"x", "y", "z", "w"}[i%4]}}); err != nil {
				return err
			}
			m := float64((i*7919)%n) / n
			if err := insertMetrics(ctx, tx, id, []tracking.Metric{{Key: "m", Value: m, Timestamp: 1700000000000}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	analyzeForBench(b, db)
	search := tracking.RunSearch{ExperimentIDs: []string{expID}, Filter: "metrics.m > 0.5 and params.p = 'x'", MaxResults: 100}
	reportCPU(b)
	for b.Loop() {
		runs, _, err := svc.SearchRuns(ctx, search)
		if err != nil {
			b.Fatal(err)
		}
		if len(runs) != 100 {
			b.Fatalf("got %d runs, want 100", len(runs))
		}
	}
}
