package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// TestMetricsRebuildKeepsHistory opens a database made by the tracking
// schema alone, with metrics logged, and checks that the logged-model
// migration, which rebuilds the metrics table, keeps every row.
func TestMetricsRebuildKeepsHistory(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	schema, err := migrations.ReadFile("migrations/sqlite/0001_tracking.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		string(schema),
		`CREATE TABLE schema_migrations (name TEXT NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		`INSERT INTO schema_migrations VALUES ('0001_tracking.sql', 1)`,
		`INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES (0, 'Default', 'x', 1, 1)`,
		`INSERT INTO runs (run_uuid, experiment_id, status, start_time) VALUES ('r1', 0, 'RUNNING', 1)`,
		`INSERT INTO metrics (run_uuid, key, step, timestamp, value, is_nan, model_id) VALUES
			('r1', 'loss', 0, 10, 0.5, 0, ''), ('r1', 'loss', 1, 11, 0, 1, ''), ('r1', 'auc', 0, 10, 0.9, 0, 'm-1')`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	db := mustOpen(t, "sqlite:///"+path)
	tr := NewTrackingService(db)
	hist, _, err := tr.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: "r1", Key: "loss"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Value != 0.5 || hist[1].Step != 1 {
		t.Errorf("loss history after migration = %+v, want both rows", hist)
	}
	var n int
	err = db.readTx(ctx, func(tx *txn) error {
		return tx.scanOne(ctx, `SELECT COUNT(*) FROM metrics WHERE model_id = 'm-1' AND model_id <> ''`, nil, &n)
	})
	if err != nil || n != 1 {
		t.Errorf("metrics of model m-1 after migration = %d, %v; want 1", n, err)
	}
}
