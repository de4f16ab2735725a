package main

import (
	"context"
	"fmt"
)

// storeSize is what a generated store takes on disk: the run tables (runs,
// params, tags, metrics, latest_metrics) with their indexes.
type storeSize struct {
	Bytes        int64   `json:"bytes"`
	MetricsBytes int64   `json:"metrics_bytes"` // the metrics table and its indexes
	MetricsRows  int     `json:"metrics_rows"`
	PerPoint     float64 `json:"bytes_per_point"` // metrics bytes per metrics row
	PerRun       float64 `json:"bytes_per_run"`   // the rest, and the runs' own metric rows, per run
}

// measureSize reads the run tables' sizes: SQLite's dbstat pages (tables and
// their indexes) or PostgreSQL's pg_total_relation_size. A history point
// costs a metrics row; a run costs everything else: Bytes less the history's
// points, over the runs.
func measureSize(ctx context.Context, uri string, runs, points int) (sz storeSize, err error) {
	defer wrap(&err, "measuring the store's size")
	b, err := openBulk(ctx, uri, false)
	if err != nil {
		return sz, err
	}
	defer b.close()
	for _, t := range runTables {
		n, err := b.tableBytes(ctx, t)
		if err != nil {
			return sz, err
		}
		sz.Bytes += n
		if t == "metrics" {
			sz.MetricsBytes = n
		}
	}
	if sz.MetricsRows, err = b.count(ctx, "metrics"); err != nil {
		return sz, err
	}
	if want := runs*numMetrics + points; sz.MetricsRows != want {
		return sz, fmt.Errorf("metrics holds %d rows, want %d: not the store -runs and -points describe", sz.MetricsRows, want)
	}
	sz.PerPoint = float64(sz.MetricsBytes) / float64(sz.MetricsRows)
	sz.PerRun = (float64(sz.Bytes) - float64(points)*sz.PerPoint) / float64(runs)
	return sz, nil
}

func (b *sqliteBulk) tableBytes(ctx context.Context, table string) (n int64, err error) {
	err = b.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(pgsize), 0) FROM dbstat
		WHERE name IN (SELECT name FROM sqlite_master WHERE tbl_name = ?)`, table).Scan(&n)
	return n, err
}

func (b *pgBulk) tableBytes(ctx context.Context, table string) (n int64, err error) {
	err = b.c.QueryRow(ctx, `SELECT pg_total_relation_size(to_regclass($1))`, table).Scan(&n)
	return n, err
}
