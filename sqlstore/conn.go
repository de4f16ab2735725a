package sqlstore

import (
	"context"
	"database/sql"
	"errors"
)

// maxCachedStmts bounds each connection's prepared statements. Queries with
// IN lists pad them to a power of two (see padIn), so the number of distinct
// texts stays small; past the bound, statements are prepared for one use.
const maxCachedStmts = 512

// conn is one pinned connection with the statements prepared on it. Parsing
// SQL costs about as much as running a small query in SQLite, so every query
// text is prepared once per connection and reused.
type conn struct {
	*sql.Conn
	pool  *sql.DB              // where a broken connection's replacement comes from
	stmts map[string]*sql.Stmt // only the goroutine holding conn uses it
}

func (c *conn) close() error {
	var errs []error
	for _, s := range c.stmts {
		errs = append(errs, s.Close())
	}
	return errors.Join(append(errs, c.Conn.Close())...)
}

// txn is a transaction on a conn. Queries are written with ? placeholders and
// rebound for the dialect.
type txn struct {
	conn *conn
	d    dialect
	// rowLocks says the transaction holds no writer lock (rowWriteTx on
	// PostgreSQL), so the rows whose state it checks must be locked.
	rowLocks bool
	// raised says the transaction added webhook deliveries to the outbox
	// (see raise), so that the relays hear of them once it commits.
	raised bool
}

// Row lock strengths for rowLock: share lets other row writers of the same
// row run alongside and blocks only changes to it (delete, restore, rename,
// lifecycle); update also serialises them, for a transaction that will
// change the row itself (two share lockers upgrading would deadlock).
const (
	lockShare  = " FOR SHARE"
	lockUpdate = " FOR NO KEY UPDATE"
)

// rowLock returns the locking clause to append to a SELECT of the row whose
// state a rowWriteTx checks: strength when the transaction holds no writer
// lock, else nothing (the writer lock, or SQLite's, already orders it
// against every other change).
func (t *txn) rowLock(strength string) string {
	if !t.rowLocks {
		return ""
	}
	return strength
}

// stmt returns the prepared statement for q, and whether the caller must
// close it after use.
func (t *txn) stmt(ctx context.Context, q string) (s *sql.Stmt, once bool, err error) {
	// Statements are cached under the text as written: rebinding it first
	// would cost each use a copy of the text.
	if s := t.conn.stmts[q]; s != nil {
		return s, false, nil
	}
	s, err = t.conn.PrepareContext(ctx, t.d.rebind(q))
	if err != nil {
		return nil, false, err
	}
	if len(t.conn.stmts) >= maxCachedStmts {
		return s, true, nil
	}
	t.conn.stmts[q] = s
	return s, false, nil
}

// exec runs a statement.
func (t *txn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	s, once, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	if once {
		defer s.Close()
	}
	return s.ExecContext(ctx, args...)
}

// scanOne runs a query that returns at most one row and scans it into dest;
// it returns sql.ErrNoRows when there is none.
func (t *txn) scanOne(ctx context.Context, q string, args []any, dest ...any) error {
	found := false
	err := t.each(ctx, q, args, func(rows *sql.Rows) error {
		if found {
			return nil
		}
		found = true
		return rows.Scan(dest...)
	})
	if err == nil && !found {
		return sql.ErrNoRows
	}
	return err
}

// each runs a query and calls scan on each row.
func (t *txn) each(ctx context.Context, q string, args []any, scan func(*sql.Rows) error) error {
	s, once, err := t.stmt(ctx, q)
	if err != nil {
		return err
	}
	if once {
		defer s.Close()
	}
	rows, err := s.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
