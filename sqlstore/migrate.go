package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

// migrations holds the schema, one folder per dialect, files applied in name
// order (0001_..., 0002_...).
//
//go:embed migrations
var migrations embed.FS

// migrate applies, in one transaction, every migration of the dialect that is
// not yet recorded in schema_migrations.
func (db *DB) migrate(ctx context.Context) error {
	dir := path.Join("migrations", db.dialect.name)
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	return db.writeTx(ctx, func(tx *txn) error {
		if _, err := tx.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			name TEXT NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		for _, name := range names {
			base := path.Base(name)
			var n int
			if err := tx.scanOne(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = ?`, []any{base}, &n); err != nil {
				return err
			}
			if n > 0 {
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
