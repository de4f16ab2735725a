package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// TestParamsWalkMigration opens a database made by migrations 0001 to 0003,
// with params logged, and checks that 0004 copies each run's experiment and
// start time into its params, so that searches by param equality, which
// now read them, find the old runs in order.
func TestParamsWalkMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	var stmts []string
	for _, name := range []string{"0001_tracking.sql", "0002_registry.sql", "0003_logged_models.sql"} {
		schema, err := migrations.ReadFile("migrations/sqlite/" + name)
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, string(schema))
	}
	stmts = append(stmts,
		`CREATE TABLE schema_migrations (name TEXT NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		`INSERT INTO schema_migrations VALUES ('0001_tracking.sql', 1), ('0002_registry.sql', 1), ('0003_logged_models.sql', 1)`,
		`INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES
			(0, 'Default', 'x', 1, 1), (1, 'e1', 'y', 1, 1)`,
		`INSERT INTO runs (run_uuid, experiment_id, status, start_time) VALUES
			('r1', 1, 'RUNNING', 10), ('r2', 1, 'RUNNING', 30), ('r3', 1, 'RUNNING', 20), ('r4', 0, 'RUNNING', 40)`,
		`INSERT INTO params (run_uuid, key, value) VALUES
			('r1', 'p', 'x'), ('r2', 'p', 'x'), ('r3', 'p', 'y'), ('r4', 'p', 'x'), ('r3', 'q', 'x')`,
	)
	for _, q := range stmts {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	db := mustOpen(t, "sqlite:///"+path)
	var bad int
	err = db.readTx(ctx, func(tx *txn) error {
		return tx.scanOne(ctx, `SELECT COUNT(*) FROM params p JOIN runs r ON r.run_uuid = p.run_uuid
			WHERE p.experiment_id <> r.experiment_id OR p.start_time <> r.start_time`, nil, &bad)
	})
	if err != nil || bad != 0 {
		t.Errorf("params whose copies differ from their run after migration = %d, %v; want 0", bad, err)
	}
	runs, _, err := NewTrackingService(db).SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{"1"}, Filter: "params.p = 'x'"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, r.Info.RunID)
	}
	if len(got) != 2 || got[0] != "r2" || got[1] != "r1" {
		t.Errorf("params.p = 'x' in experiment 1 found %v, want [r2 r1]", got)
	}
}
