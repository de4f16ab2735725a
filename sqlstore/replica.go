package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	weir "github.com/weir-ml/weir"
)

// A read replica takes the read transactions off the primary. Its
// consistency rule is a WAL fence, so that a replica never shows a state
// older than the primary's at the moment a read begins:
//
//  1. on the primary, pg_current_wal_insert_lsn() is read: every transaction
//     committed so far, by this process or any other sharing the database,
//     ends at or before that position;
//  2. on the replica, pg_last_wal_replay_lsn() is read, outside any
//     transaction and alongside step 1, then again until it reaches the
//     fence (for ReplicaWait at most);
//  3. then the replica's REPEATABLE READ transaction begins. Its snapshot is
//     taken after the replay position was seen, so it holds every commit
//     replayed by then: all those before the fence.
//
// A client that wrote and then reads therefore sees its write, whichever
// Weir process it talks to, without sending anything that would identify
// it: MLflow's clients send no session cookie or token, and Weir processes
// behind a load balancer keep no per-client state. The price is one trivial
// query on the replica per read transaction and one on the primary per
// batch of reads that began together (fenceBatch), sent alongside; the
// read's own queries run on the replica.
//
// A replica that fails, is no longer a standby, or has not replayed the
// fence within ReplicaWait is skipped for ReplicaRetry (a second at most
// after a lag): reads then run on the primary, and the Logger hears of it
// once per outage.

// replicaConnectTimeout bounds a connection attempt to the replica, and a
// look at its replay position, so that an unreachable host delays one read
// by at most about this much per ReplicaRetry.
const replicaConnectTimeout = 2 * time.Second

// replica is the open read replica of a DB.
type replica struct {
	uri     string  // redacted, for messages
	pool    *sql.DB // the replica's connections
	conns   chan *conn
	n       int
	primary primaryIdentity
	wait    time.Duration
	retry   time.Duration
	log     *slog.Logger

	fences    fenceBatch
	skipUntil atomic.Int64 // UnixNano before which reads go to the primary
	down      atomic.Bool  // the last attempt failed (and was logged)
	// replicaReads and primaryReads count read transactions by where they
	// ran, for tests and operators.
	replicaReads, primaryReads atomic.Int64
}

// primaryIdentity is what a replica's connection must agree with: the
// cluster it copies, the database, and the search_path the tables are
// found by. walSegment and walPage are the sizes of the primary's WAL
// segments and pages, for walFence.
type primaryIdentity struct {
	systemID            int64
	database            string
	searchPath          string
	walSegment, walPage int64
}

const identityQuery = `SELECT (SELECT system_identifier FROM pg_control_system()), current_database(), current_setting('search_path')`

// openReplica connects the read replica of a PostgreSQL DB. A replica that
// answers but is not a streaming replica of the same database fails Open;
// one that does not answer is logged and retried later, as when it fails
// after Open.
func (db *DB) openReplica(ctx context.Context) (err error) {
	defer weir.Wrap(&err, "read replica %q", RedactURI(db.ReadReplicaURI))
	if db.dialect.name != "postgres" {
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"a read replica needs a PostgreSQL backend store, not %s", db.dialect.name)
	}
	dsn, err := postgresDSN(db.ReadReplicaURI)
	if err != nil {
		return err
	}
	var id primaryIdentity
	c, err := take(ctx, db.readers, db.done)
	if err != nil {
		return err
	}
	err = c.QueryRowContext(ctx, identityQuery+`, (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'), current_setting('wal_block_size')::bigint`).
		Scan(&id.systemID, &id.database, &id.searchPath, &id.walSegment, &id.walPage)
	db.readers <- c
	if err != nil {
		return fmt.Errorf("reading the primary's identity: %w", err)
	}
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	n := db.readConns()
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxLifetime(0)
	r := &replica{
		uri: RedactURI(db.ReadReplicaURI), pool: pool, conns: make(chan *conn, n), n: n, primary: id,
		wait: db.ReplicaWait, retry: db.ReplicaRetry, log: db.Logger,
	}
	if r.wait <= 0 {
		r.wait = 100 * time.Millisecond
	}
	if r.retry <= 0 {
		r.retry = 5 * time.Second
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	r.fences.query = func(ctx context.Context) (int64, error) { return db.walFence(ctx, id) }
	// Connections are made when first needed, so a replica that is down
	// now does not stop the server.
	for range n {
		r.conns <- &conn{pool: pool}
	}
	c = <-r.conns
	err = r.connect(ctx, c)
	if err == nil {
		err = r.catchUp(ctx, db, c, id)
	}
	r.conns <- c
	switch {
	case err == nil:
		r.log.Info("read replica connected: reads run on it once it has replayed the primary's WAL fence", "replica", r.uri)
	case weir.ErrorCode(err) == weir.ErrInvalidParameterValue:
		r.close()
		return err
	default:
		r.fail(err)
	}
	db.mu.Lock()
	db.replica = r
	db.mu.Unlock()
	return nil
}

// connect gives c, a slot with no connection, a new connection to the
// replica, and checks that the server is a standby of the primary's cluster
// serving the same database and search_path.
func (r *replica) connect(ctx context.Context, c *conn) error {
	cctx, cancel := context.WithTimeout(ctx, replicaConnectTimeout)
	defer cancel()
	sc, err := r.pool.Conn(cctx)
	if err != nil {
		return err
	}
	var got primaryIdentity
	var standby bool
	err = sc.QueryRowContext(cctx, identityQuery+`, pg_is_in_recovery()`).
		Scan(&got.systemID, &got.database, &got.searchPath, &standby)
	if err == nil {
		err = r.primary.check(got, standby)
	}
	if err != nil {
		sc.Close()
		return err
	}
	c.Conn, c.stmts = sc, map[string]*sql.Stmt{}
	return nil
}

// replicaStartWait is how long Open waits for the replica to replay what
// the primary wrote before it, the migrations among them: a replica a
// moment behind a fresh schema would otherwise fail the first reads' fence
// and be skipped for a while.
const replicaStartWait = 10 * time.Second

// catchUp waits up to replicaStartWait for the replica, on c, to replay
// the primary's current fence.
func (r *replica) catchUp(ctx context.Context, db *DB, c *conn, id primaryIdentity) error {
	fence, err := db.walFence(ctx, id)
	if err != nil {
		return err
	}
	return r.await(ctx, c, fence, replicaStartWait)
}

// check says how a replica's identity differs from the primary's, if it
// does.
func (p primaryIdentity) check(got primaryIdentity, standby bool) error {
	switch {
	case !standby:
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"the server is not a standby (pg_is_in_recovery() is false): name a streaming replica of the backend store")
	case got.systemID != p.systemID:
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"the server copies another cluster (system identifier %d, the backend store's is %d)", got.systemID, p.systemID)
	case got.database != p.database:
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"database %q differs from the backend store's %q", got.database, p.database)
	case got.searchPath != p.searchPath:
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"search_path %q differs from the backend store's %q", got.searchPath, p.searchPath)
	}
	return nil
}

// drop closes c's connection, if any, leaving an empty slot.
func (c *conn) drop() {
	if c.Conn != nil {
		c.close()
	}
	c.Conn, c.stmts = nil, nil
}

// replicaTx runs fn in a read transaction on the replica when the replica is
// usable and has replayed the primary's fence; served is false when the
// caller should run it on the primary instead.
func (db *DB) replicaTx(ctx context.Context, r *replica, done chan struct{}, fn func(*txn) error) (served bool, err error) {
	if time.Now().UnixNano() < r.skipUntil.Load() {
		return false, nil
	}
	c, err := take(ctx, r.conns, done)
	if err != nil {
		return true, err
	}
	// The fence and the replay position are read at once: a replay
	// position at or past the fence covers it whichever was read first.
	call := r.fences.start()
	replayed, err := r.replayed(ctx, c)
	fence, ferr := r.fences.wait(ctx, call)
	if ferr != nil {
		r.conns <- c
		if ctx.Err() != nil {
			return true, ctx.Err()
		}
		// The primary path reports the primary's trouble.
		return false, nil
	}
	if err == nil && replayed < fence {
		err = r.await(ctx, c, fence, r.wait)
	}
	if err == nil {
		_, err = c.ExecContext(ctx, db.dialect.beginRead)
		if err != nil {
			c.drop()
		}
	}
	if err != nil {
		r.conns <- c
		if ctx.Err() != nil {
			return true, ctx.Err()
		}
		r.fail(err)
		return false, nil
	}
	r.recovered()
	r.replicaReads.Add(1)
	return true, db.finish(ctx, r.conns, c, fn)
}

// walFence returns the primary's WAL insert position, which every
// transaction committed so far ends at or before. Right after a page or
// segment boundary the position points past the page header, where no
// replay position can be until the next record is written, so the fence is
// moved back to the boundary: a record ending there is replayed to exactly
// it.
func (db *DB) walFence(ctx context.Context, id primaryIdentity) (int64, error) {
	db.mu.Lock()
	ch, done := db.readers, db.done
	db.mu.Unlock()
	c, err := take(ctx, ch, done)
	if err != nil {
		return 0, err
	}
	var lsn int64
	c, err = db.redo(ctx, c, func(c *conn) error {
		return c.QueryRowContext(ctx, `SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint`).Scan(&lsn)
	})
	ch <- c
	if err != nil {
		return 0, err
	}
	return pageStart(lsn, id.walSegment, id.walPage), nil
}

// Sizes of the WAL page headers: PostgreSQL's SizeOfXLogShortPHD and
// SizeOfXLogLongPHD (the first page of a segment).
const (
	walShortHeader = 24
	walLongHeader  = 40
)

// pageStart moves an insert position that sits right after a page header
// back to the page's start. No record can end inside a header, so a
// position there means "nothing written on this page yet".
func pageStart(lsn, walSegment, walPage int64) int64 {
	switch {
	case walSegment > 0 && lsn%walSegment == walLongHeader:
		return lsn - walLongHeader
	case walPage > 0 && lsn%walPage == walShortHeader:
		return lsn - walShortHeader
	}
	return lsn
}

// await waits until the replica has replayed the WAL up to fence, polling
// pg_last_wal_replay_lsn() on c, connecting c first if it has no
// connection. A connection that fails is replaced once; a replica that has
// not reached the fence within wait is lagging (a *lagError).
func (r *replica) await(ctx context.Context, c *conn, fence int64, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	pause := 200 * time.Microsecond
	for {
		lsn, err := r.replayed(ctx, c)
		if err != nil {
			return err
		}
		if lsn >= fence {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return &lagError{replayed: lsn, fence: fence, wait: wait}
		}
		t := time.NewTimer(min(pause, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		pause = min(2*pause, 5*time.Millisecond)
	}
}

// replayed returns the replica's replay position, outside any transaction.
func (r *replica) replayed(ctx context.Context, c *conn) (int64, error) {
	fresh := c.Conn == nil
	if fresh {
		if err := r.connect(ctx, c); err != nil {
			return 0, err
		}
	}
	// Bounded, so that a replica cut off by the network is given up on
	// instead of holding every read until the client leaves.
	qctx, cancel := context.WithTimeout(ctx, replicaConnectTimeout)
	defer cancel()
	var lsn sql.NullInt64
	err := c.QueryRowContext(qctx, `SELECT (pg_last_wal_replay_lsn() - '0/0')::bigint`).Scan(&lsn)
	if err == nil && !lsn.Valid {
		err = errors.New("the server is no longer a standby (pg_last_wal_replay_lsn() is null)")
	}
	if err == nil {
		return lsn.Int64, nil
	}
	c.drop()
	if fresh || qctx.Err() != nil {
		return 0, err
	}
	// A connection pinned since before the replica restarted: one new one.
	return r.replayed(ctx, c)
}

// formatLSN writes a WAL position as PostgreSQL does (16/B374D848).
func formatLSN(lsn int64) string { return fmt.Sprintf("%X/%X", uint64(lsn)>>32, uint32(lsn)) }

// lagError says the replica had not replayed a fence in time.
type lagError struct {
	replayed, fence int64
	wait            time.Duration
}

func (e *lagError) Error() string {
	return fmt.Sprintf("lagging: replayed the WAL to %s, %d bytes short of the primary's %s after %v",
		formatLSN(e.replayed), e.fence-e.replayed, formatLSN(e.fence), e.wait)
}

// lagRetry is how long reads skip a replica that lagged, at most: looking
// again costs a read one fence and at most ReplicaWait, not a connection
// attempt, so a lagging replica is retried sooner than an unreachable one.
const lagRetry = time.Second

// fail sends reads to the primary for r.retry (lagRetry at most after a
// lag), and logs the first failure of an outage.
func (r *replica) fail(err error) {
	skip := r.retry
	var lag *lagError
	if errors.As(err, &lag) {
		skip = min(skip, lagRetry)
	}
	r.skipUntil.Store(time.Now().Add(skip).UnixNano())
	if r.down.CompareAndSwap(false, true) {
		r.log.Warn("read replica unavailable: reads go to the primary", "replica", r.uri, "err", err, "retry", skip)
	}
}

// recovered logs the end of an outage.
func (r *replica) recovered() {
	if r.down.CompareAndSwap(true, false) {
		r.log.Info("read replica serves reads again", "replica", r.uri)
	}
}

// close waits for the replica's transactions in flight and closes its
// connections.
func (r *replica) close() error {
	var errs []error
	for range r.n {
		c := <-r.conns
		if c.Conn != nil {
			errs = append(errs, c.close())
		}
	}
	return errors.Join(append(errs, r.pool.Close())...)
}
