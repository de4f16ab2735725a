package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/weir-ml/weir/sqlstore"
)

// genConfig says which store to generate.
type genConfig struct {
	schema string // "weir" or "mlflow"
	uri    string
	runs   int
	points int
}

// runTables are the tables the generator fills, in both schemas.
var runTables = []string{"runs", "params", "tags", "metrics", "latest_metrics"}

// generate fills an empty store with cfg.runs runs and a cfg.points-point
// history. A Weir store gets its schema from sqlstore's own migrations; an
// MLflow store must already have MLflow's (`mlflow db upgrade URI`).
func generate(ctx context.Context, cfg genConfig, log io.Writer) (err error) {
	defer wrap(&err, "generating %s store %s", cfg.schema, sqlstore.RedactURI(cfg.uri))
	var s schema
	switch cfg.schema {
	case "weir":
		db := sqlstore.NewDB(cfg.uri)
		if err := db.Open(ctx); err != nil {
			return err
		}
		if err := db.Close(); err != nil {
			return err
		}
		s = weirSchema
	case "mlflow":
		s = mlflowSchema
	default:
		return fmt.Errorf("schema %q: want weir or mlflow", cfg.schema)
	}
	b, err := openBulk(ctx, cfg.uri, true)
	if err != nil {
		return err
	}
	defer b.close()
	if n, err := b.count(ctx, "runs"); err != nil {
		return fmt.Errorf("reading the runs table (for mlflow, run `mlflow db upgrade` first): %w", err)
	} else if n > 0 {
		return fmt.Errorf("the store already holds %d runs; generate into an empty database", n)
	}
	start := time.Now()
	step := func(what string) {
		fmt.Fprintf(log, "scale gen: %s %s: %s (%.1fs)\n", cfg.schema, sqlstore.RedactURI(cfg.uri), what, time.Since(start).Seconds())
	}
	if err := s.experiments(ctx, b); err != nil {
		return err
	}
	defs, err := b.dropIndexes(ctx, runTables)
	if err != nil {
		return fmt.Errorf("dropping indexes for the load: %w", err)
	}
	order, ids := idOrder(cfg.runs)
	for _, t := range s.tables(cfg.runs, cfg.points, order, ids) {
		if err := b.load(ctx, t.name, t.cols, t.n, t.row); err != nil {
			return err
		}
		step(fmt.Sprintf("%d rows in %s", t.n, t.name))
	}
	if err := b.restoreIndexes(ctx, defs); err != nil {
		return err
	}
	step(fmt.Sprintf("%d indexes rebuilt, statistics refreshed", len(defs)))
	return s.finish(ctx, b)
}

// table is one table's load: n rows, row filling each.
type table struct {
	name string
	cols []string
	n    int
	row  func(i int, dst []any)
}

// schema is what differs between Weir's tables and MLflow's.
type schema struct {
	experiments func(ctx context.Context, b bulk) error
	tables      func(runs, points int, order []int, ids []string) []table
	finish      func(ctx context.Context, b bulk) error
}

// idOrder returns the run indexes sorted by run ID. Both schemas' tables are
// clustered on keys that hold the run ID (Weir's first, MLflow's after the
// key), so loading in this order appends to the b-trees instead of
// splitting pages all over them.
// It also returns every run's ID, by index, computed once.
func idOrder(runs int) (order []int, ids []string) {
	ids = make([]string, runs)
	order = make([]int, runs)
	for r := range runs {
		ids[r], order[r] = runID(r), r
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case ids[a] < ids[b]:
			return -1
		case ids[a] > ids[b]:
			return 1
		}
		return 0
	})
	return order, ids
}

func artifactLocation(exp int) string { return fmt.Sprintf("mlflow-artifacts:/%d", exp) }

func artifactURI(exp int, id string) string {
	return fmt.Sprintf("mlflow-artifacts:/%d/%s/artifacts", exp, id)
}

// historyRows is how the history run's points follow the runs' metrics in
// the metrics table: rows [runs*numMetrics, +points).
func historyStep(i, runs int) (s int, ok bool) {
	s = i - runs*numMetrics
	return s, s >= 0
}

// weirSchema writes sqlstore's tables (sqlstore/migrations).
var weirSchema = schema{
	experiments: func(ctx context.Context, b bulk) error {
		for id := 1; id <= historyExperiment; id++ {
			if err := b.exec(ctx, `INSERT INTO experiments
				(experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
				VALUES (?, ?, ?, 'active', ?, ?)`,
				int64(id), experimentName(id), artifactLocation(id), baseTime, baseTime); err != nil {
				return fmt.Errorf("creating experiment %d: %w", id, err)
			}
		}
		return nil
	},
	tables: func(runs, points int, order []int, ids []string) []table {
		hid := historyRunID()
		return []table{
			{"runs", []string{"run_uuid", "name", "experiment_id", "user_id", "status", "start_time", "end_time", "artifact_uri", "lifecycle_stage"},
				runs + 1, func(i int, d []any) {
					if i == runs {
						fill(d, hid, "history", int64(historyExperiment), "user-00", "FINISHED", baseTime, baseTime+int64(points), artifactURI(historyExperiment, hid), "active")
						return
					}
					r := order[i]
					fill(d, ids[r], runName(r), int64(runExperiment(r)), runUser(r), runStatus(r), runStart(r), runEnd(r), artifactURI(runExperiment(r), ids[r]), "active")
				}},
			{"params", []string{"run_uuid", "key", "value", "experiment_id", "start_time"},
				runs * numParams, func(i int, d []any) {
					r, k := order[i/numParams], i%numParams
					fill(d, ids[r], paramKey(k), paramValue(r, k), int64(runExperiment(r)), runStart(r))
				}},
			{"tags", []string{"run_uuid", "key", "value"},
				runs*numTags + 1, func(i int, d []any) {
					if i == runs*numTags {
						fill(d, hid, tagKeys[0], "history")
						return
					}
					r, k := order[i/numTags], i%numTags
					fill(d, ids[r], tagKeys[k], tagValue(r, k))
				}},
			{"metrics", []string{"run_uuid", "key", "step", "timestamp", "value", "is_nan"},
				runs*numMetrics + points, func(i int, d []any) {
					if s, ok := historyStep(i, runs); ok {
						fill(d, hid, historyKey, int64(s), historyTime(s), historyValue(s), int64(0))
						return
					}
					r, k := order[i/numMetrics], i%numMetrics
					fill(d, ids[r], metricKey(k), int64(0), metricTime(r), metricValue(r, k), int64(0))
				}},
			{"latest_metrics", []string{"run_uuid", "key", "step", "timestamp", "value", "is_nan"},
				runs*numMetrics + min(points, 1), func(i int, d []any) {
					if i == runs*numMetrics {
						s := points - 1
						fill(d, hid, historyKey, int64(s), historyTime(s), historyValue(s), int64(0))
						return
					}
					r, k := order[i/numMetrics], i%numMetrics
					fill(d, ids[r], metricKey(k), int64(0), metricTime(r), metricValue(r, k), int64(0))
				}},
		}
	},
	finish: func(ctx context.Context, b bulk) error {
		if sb, ok := b.(*sqliteBulk); ok {
			// Weir runs SQLite in WAL mode; the load ran without a journal.
			return sb.exec(ctx, "PRAGMA journal_mode = WAL")
		}
		return nil
	},
}

// mlflowSchema writes MLflow 3's SQLAlchemy tables, as `mlflow db upgrade`
// creates them (mlflow/store/tracking/dbmodels/models.py).
var mlflowSchema = schema{
	experiments: func(ctx context.Context, b bulk) error {
		for id := 0; id <= historyExperiment; id++ {
			name := experimentName(id)
			if id == 0 {
				name = "Default"
			}
			if err := b.exec(ctx, `INSERT INTO experiments
				(experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace)
				VALUES (?, ?, ?, 'active', ?, ?, 'default') ON CONFLICT DO NOTHING`,
				int64(id), name, artifactLocation(id), baseTime, baseTime); err != nil {
				return fmt.Errorf("creating experiment %d: %w", id, err)
			}
		}
		return nil
	},
	tables: func(runs, points int, order []int, ids []string) []table {
		hid := historyRunID()
		// MLflow's keys start with the metric, param or tag key: rows go
		// key by key, each in run-ID order.
		byKey := func(i int) (r, k int) { return order[i%runs], i / runs }
		return []table{
			{"runs", []string{"run_uuid", "name", "source_type", "source_name", "entry_point_name", "user_id", "status",
				"start_time", "end_time", "source_version", "lifecycle_stage", "artifact_uri", "experiment_id"},
				runs + 1, func(i int, d []any) {
					if i == runs {
						fill(d, hid, "history", "UNKNOWN", "", "", "user-00", "FINISHED", baseTime, baseTime+int64(points), "", "active", artifactURI(historyExperiment, hid), int64(historyExperiment))
						return
					}
					r := order[i]
					fill(d, ids[r], runName(r), "UNKNOWN", "", "", runUser(r), runStatus(r), runStart(r), runEnd(r), "", "active", artifactURI(runExperiment(r), ids[r]), int64(runExperiment(r)))
				}},
			{"params", []string{"key", "value", "run_uuid"},
				runs * numParams, func(i int, d []any) {
					r, k := byKey(i)
					fill(d, paramKey(k), paramValue(r, k), ids[r])
				}},
			{"tags", []string{"key", "value", "run_uuid"},
				runs*numTags + 1, func(i int, d []any) {
					if i == runs*numTags {
						fill(d, tagKeys[0], "history", hid)
						return
					}
					r, k := byKey(i)
					fill(d, tagKeys[k], tagValue(r, k), ids[r])
				}},
			{"metrics", []string{"key", "value", "timestamp", "run_uuid", "step", "is_nan"},
				runs*numMetrics + points, func(i int, d []any) {
					if s, ok := historyStep(i, runs); ok {
						fill(d, historyKey, historyValue(s), historyTime(s), hid, int64(s), false)
						return
					}
					r, k := byKey(i)
					fill(d, metricKey(k), metricValue(r, k), metricTime(r), ids[r], int64(0), false)
				}},
			{"latest_metrics", []string{"key", "value", "timestamp", "step", "is_nan", "run_uuid"},
				runs*numMetrics + min(points, 1), func(i int, d []any) {
					if i == runs*numMetrics {
						s := points - 1
						fill(d, historyKey, historyValue(s), historyTime(s), int64(s), false, hid)
						return
					}
					r, k := byKey(i)
					fill(d, metricKey(k), metricValue(r, k), metricTime(r), int64(0), false, ids[r])
				}},
		}
	},
	finish: func(ctx context.Context, b bulk) error {
		if _, ok := b.(*pgBulk); ok {
			// Experiments were given explicit IDs; keep the sequence past them.
			return b.exec(ctx, `SELECT setval(pg_get_serial_sequence('experiments', 'experiment_id'),
				(SELECT MAX(experiment_id) FROM experiments))`)
		}
		return nil
	},
}

// fill copies vals into dst.
func fill(dst []any, vals ...any) { copy(dst, vals) }
