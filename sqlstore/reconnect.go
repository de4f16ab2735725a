package sqlstore

import (
	"context"
	"database/sql"
)

// begin starts a transaction on c. Pinned connections live as long as the
// DB, so a PostgreSQL server that restarts, or a proxy that drops idle
// connections, would otherwise break them for good: see redo. Nothing has
// run in a transaction whose BEGIN failed, so the retry cannot apply
// anything twice. begin returns the connection to put back in the channel.
func (db *DB) begin(ctx context.Context, c *conn, stmt string) (*conn, error) {
	return db.redo(ctx, c, func(c *conn) error {
		_, err := c.ExecContext(ctx, stmt)
		return err
	})
}

// redo runs do on c; when it fails on PostgreSQL and c no longer answers a
// ping, c is replaced by a new connection from its pool and do is tried once
// more. do must be safe to repeat after a failure. redo returns the
// connection to put back in the channel, c itself when it could not be
// replaced (the next transaction tries again).
func (db *DB) redo(ctx context.Context, c *conn, do func(*conn) error) (*conn, error) {
	err := do(c)
	if err == nil || db.dialect.name != "postgres" || ctx.Err() != nil || c.PingContext(ctx) == nil {
		return c, err
	}
	fresh, ferr := c.pool.Conn(ctx)
	if ferr != nil {
		return c, err
	}
	c.close()
	c = &conn{Conn: fresh, pool: c.pool, stmts: map[string]*sql.Stmt{}}
	return c, do(c)
}
