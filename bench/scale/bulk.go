package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// bulk loads generated rows into one database as fast as its engine allows:
// multi-row INSERTs in large transactions on SQLite, COPY on PostgreSQL.
// Secondary indexes are dropped before the load and built again after it
// from their own definitions, which is far cheaper than keeping them up to
// date row by row; whatever indexes the schema has (its migrations may add
// more) come back exactly as they were.
type bulk interface {
	// load writes n rows into table; row fills dst, one value per column,
	// for the i-th row.
	load(ctx context.Context, table string, cols []string, n int, row func(i int, dst []any)) error
	// exec runs one statement.
	exec(ctx context.Context, q string, args ...any) error
	// count returns the number of rows of table.
	count(ctx context.Context, table string) (int, error)
	// dropIndexes drops the secondary indexes of tables and returns their
	// definitions for restoreIndexes.
	dropIndexes(ctx context.Context, tables []string) ([]string, error)
	// tableBytes returns the bytes table and its indexes take on disk.
	tableBytes(ctx context.Context, table string) (int64, error)
	// restoreIndexes builds the indexes again and refreshes the planner's
	// statistics, as a long-lived database would have them.
	restoreIndexes(ctx context.Context, defs []string) error
	close() error
}

// openBulk connects to uri: sqlite:///PATH or postgresql://... With load
// false it only reads, and leaves the database's settings alone.
func openBulk(ctx context.Context, uri string, load bool) (bulk, error) {
	if pg, ok := postgresURI(uri); ok {
		c, err := pgx.Connect(ctx, pg)
		if err != nil {
			return nil, err
		}
		if !load {
			return &pgBulk{c: c}, nil
		}
		// COPY skips the foreign-key triggers: the generator writes
		// consistent rows, and checking 40 million of them one by one
		// would cost more than the load.
		if _, err := c.Exec(ctx, "SET session_replication_role = replica"); err != nil {
			c.Close(ctx)
			return nil, fmt.Errorf("disabling foreign-key triggers for the load (needs a superuser): %w", err)
		}
		return &pgBulk{c: c}, nil
	}
	path, err := sqlitePath(uri)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if !load {
		return &sqliteBulk{db: db}, nil
	}
	// The file is thrown away if the load fails half-way: no journal, no
	// syncs, a big page cache.
	for _, p := range []string{"PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF", "PRAGMA cache_size = -400000", "PRAGMA foreign_keys = OFF"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	return &sqliteBulk{db: db}, nil
}

// postgresURI returns uri in the form pgx reads, and whether it is one of
// PostgreSQL's (MLflow's postgresql+psycopg2:// included).
func postgresURI(uri string) (string, bool) {
	for _, p := range []string{"postgresql+psycopg2://", "postgresql://", "postgres://"} {
		if rest, ok := strings.CutPrefix(uri, p); ok {
			return "postgresql://" + rest, true
		}
	}
	return "", false
}

// sqlitePath returns the file of an MLflow-style sqlite:///PATH URI
// (sqlite:////abs/path for an absolute one).
func sqlitePath(uri string) (string, error) {
	path, ok := strings.CutPrefix(uri, "sqlite:///")
	if !ok || path == "" || strings.Contains(path, ":memory:") {
		return "", fmt.Errorf("database URI %q: want sqlite:///PATH or postgresql://...", uri)
	}
	return path, nil
}

// sqliteBulk loads with multi-row INSERT statements, a fixed number of rows
// per statement (one prepared statement reused), committing every
// sqliteCommitRows rows so the page cache stays bounded.
type sqliteBulk struct{ db *sql.DB }

const (
	sqliteRowsPerInsert = 200
	sqliteCommitRows    = 500_000
)

func (b *sqliteBulk) load(ctx context.Context, table string, cols []string, n int, row func(int, []any)) (err error) {
	defer wrap(&err, "loading %d rows into %s", n, table)
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	full := head + strings.TrimSuffix(strings.Repeat(one+",", sqliteRowsPerInsert), ",")
	args := make([]any, len(cols)*sqliteRowsPerInsert)
	for start := 0; start < n; start += sqliteCommitRows {
		end := min(n, start+sqliteCommitRows)
		tx, err := b.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, full)
		if err != nil {
			tx.Rollback()
			return err
		}
		for i := start; i < end; i += sqliteRowsPerInsert {
			k := min(sqliteRowsPerInsert, end-i)
			for j := range k {
				row(i+j, args[j*len(cols):(j+1)*len(cols)])
			}
			if k == sqliteRowsPerInsert {
				_, err = stmt.ExecContext(ctx, args...)
			} else {
				q := head + strings.TrimSuffix(strings.Repeat(one+",", k), ",")
				_, err = tx.ExecContext(ctx, q, args[:k*len(cols)]...)
			}
			if err != nil {
				tx.Rollback()
				return err
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

func (b *sqliteBulk) exec(ctx context.Context, q string, args ...any) error {
	_, err := b.db.ExecContext(ctx, q, args...)
	return err
}

func (b *sqliteBulk) count(ctx context.Context, table string) (n int, err error) {
	err = b.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
	return n, err
}

func (b *sqliteBulk) dropIndexes(ctx context.Context, tables []string) ([]string, error) {
	// Automatic indexes (primary keys, UNIQUE) have no SQL and stay.
	rows, err := b.db.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (`+placeholders(len(tables))+`)
		ORDER BY name`, anys(tables)...)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := b.db.ExecContext(ctx, `DROP INDEX "`+name+`"`); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

func (b *sqliteBulk) restoreIndexes(ctx context.Context, defs []string) error {
	for _, def := range defs {
		if _, err := b.db.ExecContext(ctx, def); err != nil {
			return fmt.Errorf("rebuilding index %q: %w", def, err)
		}
	}
	_, err := b.db.ExecContext(ctx, "ANALYZE")
	return err
}

func (b *sqliteBulk) close() error { return b.db.Close() }

// pgBulk loads with COPY (binary, through pgx).
type pgBulk struct{ c *pgx.Conn }

func (b *pgBulk) load(ctx context.Context, table string, cols []string, n int, row func(int, []any)) (err error) {
	defer wrap(&err, "loading %d rows into %s", n, table)
	i := 0
	dst := make([]any, len(cols))
	got, err := b.c.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		row(i, dst)
		i++
		return dst, nil
	}))
	if err == nil && got != int64(n) {
		err = fmt.Errorf("COPY wrote %d rows", got)
	}
	return err
}

func (b *pgBulk) exec(ctx context.Context, q string, args ...any) error {
	_, err := b.c.Exec(ctx, pgRebind(q), args...)
	return err
}

func (b *pgBulk) count(ctx context.Context, table string) (n int, err error) {
	err = b.c.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
	return n, err
}

func (b *pgBulk) dropIndexes(ctx context.Context, tables []string) ([]string, error) {
	// Indexes behind a constraint (primary keys, UNIQUE) stay.
	rows, err := b.c.Query(ctx, `SELECT i.indexname, i.indexdef FROM pg_indexes i
		WHERE i.schemaname = current_schema() AND i.tablename = ANY($1)
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
		ORDER BY i.indexname`, tables)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := b.c.Exec(ctx, `DROP INDEX "`+name+`"`); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

func (b *pgBulk) restoreIndexes(ctx context.Context, defs []string) error {
	if _, err := b.c.Exec(ctx, "SET maintenance_work_mem = '256MB'"); err != nil {
		return err
	}
	for _, def := range defs {
		if _, err := b.c.Exec(ctx, def); err != nil {
			return fmt.Errorf("rebuilding index %q: %w", def, err)
		}
	}
	// VACUUM too: it sets the visibility map, which index-only scans need
	// and which a database that has lived a while has.
	_, err := b.c.Exec(ctx, "VACUUM ANALYZE")
	return err
}

func (b *pgBulk) close() error { return b.c.Close(context.Background()) }

// pgRebind turns ? placeholders into $1, $2, ... (the generator's own
// statements hold no ? in literals).
func pgRebind(q string) string {
	var sb strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			fmt.Fprintf(&sb, "$%d", n)
			continue
		}
		sb.WriteRune(c)
	}
	return sb.String()
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// wrap prefixes *err with what was being done, once, at the top.
func wrap(err *error, format string, args ...any) {
	if *err != nil && !errors.Is(*err, context.Canceled) {
		*err = fmt.Errorf(format+": %w", append(args, *err)...)
	}
}
