// Package sqlstore stores Weir's tracking data in SQL databases: SQLite and
// PostgreSQL. The SQL is kept portable; what differs sits behind the small
// dialect type and in one migrations folder per dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	weir "github.com/weir-ml/weir"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DB is a connection to a tracking database. Create it with NewDB, set the
// exported fields, then call Open.
type DB struct {
	// URI names the database in MLflow's form: sqlite:///relative/path.db,
	// sqlite:////absolute/path.db, sqlite:///:memory: or
	// postgresql://user:password@host:port/database (also postgres:// and
	// postgresql+psycopg2://).
	URI string
	// DefaultArtifactRoot is where experiments created without an artifact
	// location keep their artifacts: <root>/<experiment id>.
	DefaultArtifactRoot string
	// Now is the clock, replaceable in tests.
	Now func() time.Time
	// ReadReplicaURI, when set, names a PostgreSQL streaming replica of the
	// URI's database (postgresql://...): read transactions go to it once it
	// has replayed every write committed before they began; see replica.go.
	ReadReplicaURI string
	// ReplicaWait is how long a read waits for the replica to replay the
	// writes committed before it, before it goes to the primary instead and
	// the replica counts as lagging (default 100 ms).
	ReplicaWait time.Duration
	// ReplicaRetry is how long reads skip a replica that was unreachable
	// before they try it again (default 5 s); one that lagged is tried
	// again after a second at most.
	ReplicaRetry time.Duration
	// Logger hears when the read replica stops or resumes serving reads
	// (default slog.Default()).
	Logger *slog.Logger
	// Connections is how many connections to keep to a database file or
	// PostgreSQL server: one for the writes that take the writer lock, the
	// rest for reads and, on PostgreSQL, row writes (as many of those go to
	// a read replica). 0 means max(4, CPUs) + 1; at least 2. Servers that
	// share one PostgreSQL divide its connections between them
	// (docs/scaling.md).
	Connections int

	dialect dialect
	pools   []*sql.DB // what Close closes last

	// Connections are pinned and handed out through channels: writer holds
	// exactly one, so writers queue in Go instead of failing with "database
	// is locked"; readers holds a few that WAL lets read alongside the
	// writer. For :memory: both are the same single connection. On
	// PostgreSQL, rowWriteTx writes through readers too.
	mu      sync.Mutex // guards the fields below against Close
	writer  chan *conn
	readers chan *conn
	nconns  int
	replica *replica      // nil without ReadReplicaURI
	done    chan struct{} // closed by Close
	wakes   []func()      // called after a commit that added webhook deliveries
}

// NewDB returns a DB for uri with MLflow's default artifact root
// ("mlflow-artifacts:/") and the system clock.
func NewDB(uri string) *DB {
	return &DB{URI: uri, DefaultArtifactRoot: "mlflow-artifacts:/", Now: time.Now,
		ReplicaWait: 100 * time.Millisecond, ReplicaRetry: 5 * time.Second}
}

// Open connects, applies the pending migrations and creates the Default
// experiment ("0") if it is missing.
func (db *DB) Open(ctx context.Context) (err error) {
	defer weir.Wrap(&err, "sqlstore: open %q", RedactURI(db.URI))
	if db.Now == nil {
		db.Now = time.Now
	}
	db.done = make(chan struct{})
	if isPostgresURI(db.URI) {
		if err := db.openPostgres(ctx); err != nil {
			db.Close()
			return err
		}
	} else {
		path, memory, err := parseSQLiteURI(db.URI)
		if err != nil {
			return err
		}
		db.dialect = sqlite
		if err := db.connect(ctx, path, memory); err != nil {
			db.Close()
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
	if db.ReadReplicaURI != "" {
		if err := db.openReplica(ctx); err != nil {
			db.Close()
			return err
		}
	}
	return nil
}

// readConns is how many reader connections to keep (see Connections).
func (db *DB) readConns() int {
	if db.Connections > 0 {
		return max(1, db.Connections-1)
	}
	return max(4, runtime.NumCPU())
}

// connect opens the writer and reader connections.
func (db *DB) connect(ctx context.Context, path string, memory bool) error {
	if memory {
		sdb, err := openSQLite(":memory:", 1)
		if err != nil {
			return err
		}
		db.pools = append(db.pools, sdb)
		db.writer, db.nconns = make(chan *conn, 1), 1
		db.readers = db.writer
		return db.pin(ctx, sdb, db.writer)
	}
	wdb, err := openSQLite(path, 1)
	if err != nil {
		return err
	}
	db.pools = append(db.pools, wdb)
	db.writer = make(chan *conn, 1)
	if err := db.pin(ctx, wdb, db.writer); err != nil {
		return err
	}
	n := db.readConns()
	rdb, err := openSQLite(path, n)
	if err != nil {
		return err
	}
	db.pools = append(db.pools, rdb)
	db.readers = make(chan *conn, n)
	db.nconns = 1 + n
	for range n {
		if err := db.pin(ctx, rdb, db.readers); err != nil {
			return err
		}
	}
	return nil
}

// pin takes one connection out of pool for good and puts it in ch.
func (db *DB) pin(ctx context.Context, pool *sql.DB, ch chan *conn) error {
	c, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	ch <- &conn{Conn: c, pool: pool, stmts: map[string]*sql.Stmt{}}
	return nil
}

// Close waits for the transactions in flight, runs the dialect's closing
// statement (SQLite refreshes its planner statistics), then closes every
// connection.
func (db *DB) Close() error {
	db.mu.Lock()
	writer, readers, n, r := db.writer, db.readers, db.nconns, db.replica
	db.writer, db.readers, db.nconns, db.replica = nil, nil, 0, nil
	if db.done != nil {
		select {
		case <-db.done:
		default:
			close(db.done)
		}
	}
	db.mu.Unlock()

	var errs []error
	if r != nil {
		errs = append(errs, r.close())
	}
	var conns []*conn
	for range n {
		select {
		case c := <-writer:
			if db.dialect.onClose != "" {
				_, err := c.ExecContext(context.Background(), db.dialect.onClose)
				errs = append(errs, err)
			}
			conns = append(conns, c)
		case c := <-readers:
			conns = append(conns, c)
		}
	}
	for _, c := range conns {
		errs = append(errs, c.close())
	}
	for _, p := range db.pools {
		errs = append(errs, p.Close())
	}
	db.pools = nil
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
		return "", true, nil
	}
	if strings.ContainsAny(rest, "?#") {
		return "", false, weir.Errorf(weir.ErrInvalidParameterValue,
			"database URI %q: query strings are not supported", uri)
	}
	return rest, false, nil
}

// sqliteMmapSize is how much of a database file SQLite reads through a
// memory map: 2 GiB less 64 KiB, the most SQLite's build allows. A page read
// from the map skips the page cache, whose global mutex every connection
// takes on each page it touches; a trace search over 100,000 traces took
// 40% less time with it. Pages past the map, and pages still in the WAL,
// are read as before.
const sqliteMmapSize = 0x7fff0000

// openSQLite opens a pool of at most conns connections with a busy timeout,
// foreign keys and, for files, WAL and a memory map on every connection.
func openSQLite(path string, conns int) (*sql.DB, error) {
	dsn := "file::memory:?_pragma=foreign_keys(1)"
	if path != ":memory:" {
		dsn = "file:" + (&url.URL{Path: path}).EscapedPath() +
			"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)" +
			"&_pragma=mmap_size(" + strconv.Itoa(sqliteMmapSize) + ")"
	}
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
func (db *DB) writeTx(ctx context.Context, fn func(*txn) error) error {
	return db.inTx(ctx, true, db.dialect.beginWrite, fn)
}

// rowWriteTx runs fn in a write transaction that, on PostgreSQL, takes no
// writer lock and runs on one of the reader connections, so that it neither
// waits for nor holds up the locked writers of this or any other process.
// fn must then lock the rows whose state it checks with tx.rowLock, and
// write only with statements whose outcome does not depend on reads made
// without such a lock (inserts and upserts that unique keys decide). On
// SQLite it is writeTx.
func (db *DB) rowWriteTx(ctx context.Context, fn func(*txn) error) error {
	if db.dialect.beginRowWrite == "" {
		return db.writeTx(ctx, fn)
	}
	return db.inTx(ctx, false, db.dialect.beginRowWrite, func(tx *txn) error {
		tx.rowLocks = true
		return fn(tx)
	})
}

// readTx runs fn in a transaction, so that its queries see one snapshot. With
// a read replica, the transaction runs there when the replica can serve it
// (see replicaTx), else on the primary.
func (db *DB) readTx(ctx context.Context, fn func(*txn) error) error {
	db.mu.Lock()
	r, done := db.replica, db.done
	db.mu.Unlock()
	if r != nil {
		if served, err := db.replicaTx(ctx, r, done, fn); served {
			return err
		}
		r.primaryReads.Add(1)
	}
	return db.inTx(ctx, false, db.dialect.beginRead, fn)
}

var errClosed = errors.New("sqlstore: database is not open")

func (db *DB) inTx(ctx context.Context, write bool, begin string, fn func(*txn) error) error {
	db.mu.Lock()
	ch, done := db.readers, db.done
	if write {
		ch = db.writer
	}
	db.mu.Unlock()
	c, err := take(ctx, ch, done)
	if err != nil {
		return err
	}
	c, err = db.begin(ctx, c, begin)
	if err != nil {
		ch <- c
		return err
	}
	return db.finish(ctx, ch, c, fn)
}

// take waits for a connection from ch.
func take(ctx context.Context, ch chan *conn, done chan struct{}) (*conn, error) {
	if ch == nil {
		return nil, errClosed
	}
	select {
	case c := <-ch:
		return c, nil
	case <-done:
		return nil, errClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// finish runs fn in the transaction open on c, commits it when fn returns
// nil, and puts c back in ch.
func (db *DB) finish(ctx context.Context, ch chan *conn, c *conn, fn func(*txn) error) error {
	// Whatever happens in fn, even a panic, the connection goes back to its
	// channel with no transaction open. The rollback runs even when ctx is
	// what failed.
	committed := false
	defer func() {
		if !committed {
			c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
		ch <- c
	}()
	tx := &txn{conn: c, d: db.dialect}
	if err := fn(tx); err != nil {
		return err
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	committed = true
	if tx.raised {
		db.raised()
	}
	return nil
}
