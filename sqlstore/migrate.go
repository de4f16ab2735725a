package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// migrations holds the schema, one folder per dialect, files applied in name
// order (0001_..., 0002_...).
//
//go:embed migrations
var migrations embed.FS

// migrate applies, in one transaction, every migration of the dialect that is
// not yet recorded in schema_migrations. Replicas sharing a database may
// start together: the write transaction begins with the writer lock (BEGIN
// IMMEDIATE on SQLite, pg_advisory_xact_lock with the fixed key of the
// database and schema on PostgreSQL), so the first replica applies the
// migrations while the others wait and then find nothing left to do. A
// schema holding a migration this binary does not know was made by a newer
// Weir: the store refuses it rather than run against tables it does not
// understand.
func (db *DB) migrate(ctx context.Context) error {
	dir := path.Join("migrations", db.dialect.name)
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	known := map[string]bool{}
	for _, name := range names {
		known[path.Base(name)] = true
	}
	return db.writeTx(ctx, func(tx *txn) error {
		if _, err := tx.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			name TEXT NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		applied := map[string]bool{}
		err := tx.each(ctx, `SELECT name FROM schema_migrations`, nil, func(rows *sql.Rows) error {
			var name string
			err := rows.Scan(&name)
			applied[name] = true
			return err
		})
		if err != nil {
			return err
		}
		if err := checkNotNewer(applied, known, path.Base(names[len(names)-1])); err != nil {
			return err
		}
		for _, name := range names {
			base := path.Base(name)
			if applied[base] {
				continue
			}
			body, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			// A file holds many statements, which only an unprepared
			// exec without arguments runs (PostgreSQL's simple protocol).
			if _, err := tx.conn.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", base, err)
			}
			if _, err := tx.exec(ctx, (`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`), base, db.nowMillis()); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkNotNewer refuses a schema that holds a migration this binary does
// not know, naming the newest one applied and the newest one known.
func checkNotNewer(applied, known map[string]bool, newestKnown string) error {
	var unknown []string
	for name := range applied {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return fmt.Errorf("database schema is at %s, newer than this weir (knows up to %s): upgrade weir",
		strings.TrimSuffix(unknown[len(unknown)-1], ".sql"), strings.TrimSuffix(newestKnown, ".sql"))
}

// createDefaultExperiment creates experiment "0", named "Default", which
// clients use when no experiment is set.
func (db *DB) createDefaultExperiment(ctx context.Context) error {
	return db.writeTx(ctx, func(tx *txn) error {
		var n int
		if err := tx.scanOne(ctx, `SELECT COUNT(*) FROM experiments WHERE experiment_id = 0`, nil, &n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		now := db.nowMillis()
		_, err := tx.exec(ctx, (`INSERT INTO experiments
			(experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
			VALUES (0, 'Default', ?, 'active', ?, ?)`), joinURI(db.DefaultArtifactRoot, "0"), now, now)
		return err
	})
}
