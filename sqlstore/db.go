// Package sqlstore stores Weir's tracking data in SQL databases. SQLite is the
// only dialect today; the SQL is kept portable and dialect differences sit
// behind the small dialect type so that PostgreSQL can be added.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"

	weir "github.com/weir-ml/weir"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DB is a connection to a tracking database. Create it with NewDB, set the
// exported fields, then call Open.
type DB struct {
	// URI names the database in MLflow's form: sqlite:///relative/path.db,
	// sqlite:////absolute/path.db or sqlite:///:memory:.
	URI string
	// DefaultArtifactRoot is where experiments created without an artifact
	// location keep their artifacts: <root>/<experiment id>.
	DefaultArtifactRoot string
	// Now is the clock, replaceable in tests.
	Now func() time.Time

	// write has exactly one connection, so writers queue in Go instead of
	// failing with "database is locked"; read is a pool that WAL lets run
	// alongside the writer. For :memory: both are the same one connection.
	write   *sql.DB
	read    *sql.DB
	dialect dialect
}

// NewDB returns a DB for uri with MLflow's default artifact root
// ("mlflow-artifacts:/") and the system clock.
func NewDB(uri string) *DB {
	return &DB{URI: uri, DefaultArtifactRoot: "mlflow-artifacts:/", Now: time.Now}
}

// Open connects, applies the pending migrations and creates the Default
// experiment ("0") if it is missing.
func (db *DB) Open(ctx context.Context) (err error) {
	defer weir.Wrap(&err, "sqlstore: open %q", db.URI)
	if db.Now == nil {
		db.Now = time.Now
	}
	path, memory, err := parseSQLiteURI(db.URI)
	if err != nil {
		return err
	}
	db.dialect = sqlite
	if memory {
		if db.write, err = openSQLite(":memory:", "", 1); err != nil {
			return err
		}
		db.read = db.write
	} else {
		if db.write, err = openSQLite(path, "&_txlock=immediate", 1); err != nil {
			return err
		}
		if db.read, err = openSQLite(path, "", max(4, runtime.NumCPU())); err != nil {
			db.write.Close()
			return err
		}
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return err
	}
	if err := db.createDefaultExperiment(ctx); err != nil {
		db.Close()
		return err
	}
	return nil
}

// Close closes the connections.
func (db *DB) Close() error {
	var errs []error
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	db.read, db.write = nil, nil
	return errors.Join(errs...)
}

// parseSQLiteURI turns MLflow's sqlite:/// URIs into a file path.
func parseSQLiteURI(uri string) (path string, memory bool, err error) {
	rest, ok := strings.CutPrefix(uri, "sqlite:///")
	if !ok {
		if uri == "sqlite://" {
			return "", true, nil
		}
		return "", false, weir.Errorf(weir.ErrInvalidParameterValue,
			"unsupported database URI %q: want sqlite:///relative/path.db, sqlite:////absolute/path.db or sqlite:///:memory:", uri)
	}
	if rest == ":memory:" || rest == "" {
		return "", rest == ":memory:" || rest == "", nil
	}
	if strings.ContainsAny(rest, "?#") {
		return "", false, weir.Errorf(weir.ErrInvalidParameterValue,
			"database URI %q: query strings are not supported", uri)
	}
	return rest, false, nil
}

// openSQLite opens a pool of at most conns connections with WAL, a busy
// timeout and foreign keys on every connection.
func openSQLite(path, extra string, conns int) (*sql.DB, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	if path != ":memory:" {
		dsn += "&_pragma=journal_mode(WAL)"
	} else {
		dsn = "file::memory:?_pragma=foreign_keys(1)"
	}
	dsn += extra
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sdb.SetMaxOpenConns(conns)
	sdb.SetMaxIdleConns(conns)
	sdb.SetConnMaxLifetime(0)
	if err := sdb.Ping(); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return sdb, nil
}

// nowMillis is the clock in milliseconds since the epoch, MLflow's time unit.
func (db *DB) nowMillis() int64 { return db.Now().UnixMilli() }

// writeTx runs fn in a write transaction, committing when fn returns nil.
func (db *DB) writeTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return db.inTx(ctx, db.write, false, fn)
}

// readTx runs fn in a read-only transaction, so its queries see one snapshot.
func (db *DB) readTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return db.inTx(ctx, db.read, db.read != db.write, fn)
}

func (db *DB) inTx(ctx context.Context, pool *sql.DB, readOnly bool, fn func(*sql.Tx) error) error {
	if pool == nil {
		return errors.New("sqlstore: database is not open")
	}
	tx, err := pool.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
