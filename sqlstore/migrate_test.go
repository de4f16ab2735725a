package sqlstore

import (
	"context"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// newestMigration returns the newest migration of the dialect, without
// ".sql".
func newestMigration(tb testing.TB, dialect string) string {
	tb.Helper()
	names, err := fs.Glob(migrations, "migrations/"+dialect+"/*.sql")
	if err != nil || len(names) == 0 {
		tb.Fatalf("migrations of %s: %v", dialect, err)
	}
	return strings.TrimSuffix(path.Base(names[len(names)-1]), ".sql")
}

// testNewerSchemaRefused: a schema that a newer Weir migrated (a migration
// name this binary does not have) is refused at Open with a message that
// names both versions, and nothing is changed.
func testNewerSchemaRefused(t *testing.T, uri, dialect string) {
	ctx := context.Background()
	db := NewDB(uri)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	err := db.writeTx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ('0012_x.sql', 1), ('0011_w.sql', 1)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	again := NewDB(uri)
	err = again.Open(ctx)
	if err == nil {
		again.Close()
		t.Fatal("Open of a newer schema succeeded, want an error")
	}
	want := "database schema is at 0012_x, newer than this weir (knows up to " + newestMigration(t, dialect) + "): upgrade weir"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("Open error: got %q, want it to contain %q", err, want)
	}
}

func TestNewerSchemaRefusedSQLite(t *testing.T) {
	testNewerSchemaRefused(t, "sqlite:///"+filepath.Join(t.TempDir(), "weir.db"), "sqlite")
}

func TestNewerSchemaRefusedPostgres(t *testing.T) {
	testNewerSchemaRefused(t, mustPostgresSchema(t), "postgres")
}

func TestCheckNotNewer(t *testing.T) {
	known := map[string]bool{"0001_a.sql": true, "0002_b.sql": true}
	cases := []struct {
		name    string
		applied []string
		want    string // "" for no error
	}{
		{"fresh", nil, ""},
		{"behind", []string{"0001_a.sql"}, ""},
		{"same", []string{"0001_a.sql", "0002_b.sql"}, ""},
		{"one newer", []string{"0001_a.sql", "0002_b.sql", "0003_c.sql"}, "database schema is at 0003_c, newer than this weir (knows up to 0002_b): upgrade weir"},
		{"a gap filled by another branch", []string{"0001_a.sql", "0001b_z.sql"}, "database schema is at 0001b_z, newer than this weir (knows up to 0002_b): upgrade weir"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			applied := map[string]bool{}
			for _, a := range tc.applied {
				applied[a] = true
			}
			err := checkNotNewer(applied, known, "0002_b.sql")
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestConcurrentStartupPostgres opens several stores at once on one fresh
// schema, as replicas starting together do: each must open, and the
// migrations must be applied exactly once.
func TestConcurrentStartupPostgres(t *testing.T) {
	uri := mustPostgresSchema(t)
	ctx := context.Background()
	const replicas = 6
	dbs := make([]*DB, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() {
			dbs[i] = NewDB(uri)
			errs[i] = dbs[i].Open(ctx)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: Open: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	var rows, distinct, experiments int
	err := dbs[0].readTx(ctx, func(tx *txn) error {
		if err := tx.scanOne(ctx, `SELECT COUNT(*), COUNT(DISTINCT name) FROM schema_migrations`, nil, &rows, &distinct); err != nil {
			return err
		}
		return tx.scanOne(ctx, `SELECT COUNT(*) FROM experiments`, nil, &experiments)
	})
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(migrations, "migrations/postgres/*.sql")
	if rows != len(names) || distinct != len(names) {
		t.Errorf("schema_migrations: got %d rows (%d names), want %d", rows, distinct, len(names))
	}
	if experiments != 1 {
		t.Errorf("experiments: got %d, want the one Default", experiments)
	}
}
