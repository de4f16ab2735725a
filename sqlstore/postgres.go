package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"net/url"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	weir "github.com/weir-ml/weir"
)

// postgres is PostgreSQL's dialect. Most writers are serialised as SQLite's
// are: those store methods were written for one writer at a time and read
// before they write: experiment ids (MAX + 1) and name checks,
// registered-model names and renames, version numbers
// (registered_models.last_version), datasets shared by name and digest,
// stage archiving and alias moves. So beginWrite takes a transaction-scoped advisory lock that
// makes the write transactions of every process sharing the tables run one
// after another, as BEGIN IMMEDIATE does in SQLite, with no retry loop and
// no serialization failures. Read Committed is then enough: each statement
// after the lock sees every earlier writer's commit. Reads run in one
// Repeatable Read snapshot, as a SQLite read transaction does, and never
// wait for the lock. openPostgres fills in the lock key.
//
// Writes that touch one run and read nothing but that run's or its
// experiment's lifecycle (create run, log metrics, params and tags) need no
// writer lock: beginRowWrite starts them in Read Committed without it, and
// they lock the one row whose state they check (see txn.rowLock). Their
// inserts are upserts that PostgreSQL's unique indexes already order (a
// write-once param is inserted before it is compared), made in key order so
// that two of them cannot deadlock; they run alongside each other and
// alongside the locked writers, on any replica. The busiest of them are
// first tried as one statement outside a transaction (onestatement.go).
var postgres = dialect{
	name:               "postgres",
	dollarParams:       true,
	beginRead:          "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	beginRowWrite:      "BEGIN ISOLATION LEVEL READ COMMITTED",
	oneStatementWrites: true,
}

// isPostgresURI reports whether uri names a PostgreSQL database.
func isPostgresURI(uri string) bool {
	scheme, _, ok := strings.Cut(uri, "://")
	if !ok {
		return false
	}
	base, _, _ := strings.Cut(scheme, "+")
	return base == "postgresql" || base == "postgres"
}

// postgresDSN turns MLflow's PostgreSQL URIs into one pgx accepts: the
// SQLAlchemy driver suffix (postgresql+psycopg2://, +pg8000, +psycopg) names a
// Python driver and is dropped.
func postgresDSN(uri string) (string, error) {
	scheme, rest, ok := strings.Cut(uri, "://")
	base, driver, _ := strings.Cut(scheme, "+")
	if !ok || base != "postgresql" && base != "postgres" {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "database URI %q is not a PostgreSQL URI", RedactURI(uri))
	}
	switch driver {
	case "", "psycopg2", "psycopg", "pg8000", "asyncpg", "pgx":
	default:
		return "", weir.Errorf(weir.ErrInvalidParameterValue,
			"database URI %q: unknown driver %q (want postgresql://user:password@host:port/database)", RedactURI(uri), driver)
	}
	return "postgresql://" + rest, nil
}

// RedactURI returns a database URI fit for logs and error messages: a
// PostgreSQL URI's password, if any, is replaced by "xxxxx".
func RedactURI(uri string) string {
	if !isPostgresURI(uri) {
		return uri
	}
	u, err := url.Parse(uri)
	if err != nil {
		// Keep only the scheme: the rest may hold a password url could not find.
		scheme, _, _ := strings.Cut(uri, "://")
		return scheme + "://(unparsable)"
	}
	return u.Redacted()
}

// openPostgres opens the writer and reader connections to a PostgreSQL
// database and sets the dialect, with the advisory lock key of this database
// and schema.
func (db *DB) openPostgres(ctx context.Context) error {
	dsn, err := postgresDSN(db.URI)
	if err != nil {
		return err
	}
	n := db.readConns()
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	db.pools = append(db.pools, pool)
	pool.SetMaxOpenConns(1 + n)
	pool.SetMaxIdleConns(1 + n)
	pool.SetConnMaxLifetime(0)
	if err := pool.PingContext(ctx); err != nil {
		return err
	}
	var where string
	if err := pool.QueryRowContext(ctx, `SELECT current_database() || '.' || COALESCE(current_schema(), '')`).Scan(&where); err != nil {
		return err
	}
	if strings.HasSuffix(where, ".") {
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"database URI %q: no schema to create tables in (check search_path)", RedactURI(db.URI))
	}
	db.dialect = postgres
	db.dialect.beginWrite = fmt.Sprintf("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(%d)", writerLockKey(where))
	db.writer = make(chan *conn, 1)
	if err := db.pin(ctx, pool, db.writer); err != nil {
		return err
	}
	db.readers = make(chan *conn, n)
	db.nconns = 1 + n
	for range n {
		if err := db.pin(ctx, pool, db.readers); err != nil {
			return err
		}
	}
	return nil
}

// writerLockKey is the advisory lock key of the Weir tables in one database
// and schema, so that stores in other schemas of the same database (tests,
// several servers) do not wait for each other.
func writerLockKey(where string) int64 {
	h := fnv.New64a()
	h.Write([]byte("weir sqlstore writer " + where))
	return int64(h.Sum64())
}
