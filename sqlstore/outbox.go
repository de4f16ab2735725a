package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"time"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/webhook"
)

var _ webhook.Outbox = (*RegistryService)(nil)

// outboxRetention is how long delivered rows are kept, for operators who
// look at what was sent, before a claim prunes them.
const outboxRetention = 24 * time.Hour

// raise records ev with data for every active webhook subscribed to it, in
// the caller's transaction: the delivery exists exactly when the change
// does. Each row gets its delivery ID now, so that every attempt at it,
// from any server, carries the same X-MLflow-Delivery-Id.
func raise(ctx context.Context, tx *txn, now int64, ev webhook.Event, data any) error {
	var hooks []string
	err := tx.each(ctx, `SELECT w.webhook_id FROM webhooks w JOIN webhook_events x ON x.webhook_id = w.webhook_id
		WHERE w.status = 'ACTIVE' AND x.entity = ? AND x.action = ? ORDER BY w.creation_timestamp, w.webhook_id`,
		[]any{ev.Entity, ev.Action}, func(rows *sql.Rows) error {
			var id string
			err := rows.Scan(&id)
			hooks = append(hooks, id)
			return err
		})
	if err != nil || len(hooks) == 0 {
		return err
	}
	body, err := json.Marshal(data)
	if err != nil {
		return err
	}
	for _, hook := range hooks {
		id, err := newDeliveryID()
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO webhook_outbox
			(delivery_id, webhook_id, entity, action, data, created_at, next_attempt_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, id, hook, ev.Entity, ev.Action, string(body), now, now); err != nil {
			return err
		}
	}
	tx.raised = true
	return nil
}

// NotifyDeliveries registers wake, called after each transaction that
// added outbox rows commits, for every registered wake (the delivery
// loops of the servers on this DB).
func (s *RegistryService) NotifyDeliveries(wake func()) {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	s.db.wakes = append(s.db.wakes, wake)
}

// raised calls the registered wakes; the caller's transaction, which added
// outbox rows, has committed.
func (db *DB) raised() {
	db.mu.Lock()
	wakes := slices.Clone(db.wakes)
	db.mu.Unlock()
	for _, wake := range wakes {
		wake()
	}
}

// newDeliveryID returns a random UUID in its dashed form, as MLflow's
// delivery IDs are.
func newDeliveryID() (string, error) {
	h, err := newRunID()
	if err != nil {
		return "", err
	}
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// outboxTx runs fn in a transaction that claims or finishes outbox rows.
// On PostgreSQL it is a Read Committed transaction without the writer lock:
// rows are claimed with FOR UPDATE SKIP LOCKED, so the servers sharing the
// database claim disjoint rows without waiting for each other or for the
// registry's writers. SQLite has one writer at a time, which is the same
// guarantee.
func (db *DB) outboxTx(ctx context.Context, fn func(*txn) error) error {
	if db.dialect.name == "postgres" {
		return db.inTx(ctx, false, "BEGIN ISOLATION LEVEL READ COMMITTED", fn)
	}
	return db.writeTx(ctx, fn)
}

// outboxDue is the condition of rows a server may claim at time ?: pending,
// due, and not leased to anyone.
const outboxDue = `done_at IS NULL AND next_attempt_at <= ? AND lease_until <= ?`

// ClaimDeliveries leases up to max due deliveries, oldest first, to the
// caller until lease has passed, counting an attempt on each. A quick read
// comes first, so that servers polling an empty outbox never write.
func (s *RegistryService) ClaimDeliveries(ctx context.Context, max int, lease time.Duration) (claimed []webhook.Claimed, err error) {
	defer weir.Wrap(&err, "ClaimDeliveries")
	db := s.db
	now := db.nowMillis()
	var due int
	err = db.readTx(ctx, func(tx *txn) error {
		return tx.scanOne(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM webhook_outbox WHERE `+outboxDue+` LIMIT 1) d`,
			[]any{now, now}, &due)
	})
	if err != nil || due == 0 {
		return nil, err
	}
	token, err := newRunID()
	if err != nil {
		return nil, err
	}
	lock := ""
	if db.dialect.name == "postgres" {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	err = db.outboxTx(ctx, func(tx *txn) error {
		var ids []any
		err := tx.each(ctx, `SELECT delivery_id FROM webhook_outbox WHERE `+outboxDue+
			` ORDER BY next_attempt_at, created_at, delivery_id LIMIT ?`+lock, []any{now, now, max}, func(rows *sql.Rows) error {
			var id string
			err := rows.Scan(&id)
			ids = append(ids, id)
			return err
		})
		if err != nil || len(ids) == 0 {
			return err
		}
		args := append([]any{token, now + lease.Milliseconds()}, ids...)
		if _, err := tx.exec(ctx, `UPDATE webhook_outbox SET claim = ?, lease_until = ?, attempts = attempts + 1
			WHERE delivery_id IN (`+placeholders(len(ids))+`)`, args...); err != nil {
			return err
		}
		claimed, err = claimedRows(ctx, tx, token)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `DELETE FROM webhook_outbox WHERE done_at IS NOT NULL AND done_at < ?`,
			now-outboxRetention.Milliseconds())
		return err
	})
	return claimed, err
}

// claimedRows reads the rows leased under token, with their webhook's URL
// and secret as they are now.
func claimedRows(ctx context.Context, tx *txn, token string) ([]webhook.Claimed, error) {
	var out []webhook.Claimed
	err := tx.each(ctx, `SELECT o.delivery_id, o.webhook_id, w.url, w.secret, o.entity, o.action, o.data, o.created_at, o.attempts
		FROM webhook_outbox o JOIN webhooks w ON w.webhook_id = o.webhook_id
		WHERE o.claim = ? ORDER BY o.next_attempt_at, o.created_at, o.delivery_id`, []any{token}, func(rows *sql.Rows) error {
		var c webhook.Claimed
		var data string
		var created int64
		if err := rows.Scan(&c.ID, &c.Target.ID, &c.Target.URL, &c.Target.Secret, &c.Event.Entity, &c.Event.Action,
			&data, &created, &c.Attempt); err != nil {
			return err
		}
		c.Data, c.Time, c.Claim = json.RawMessage(data), time.UnixMilli(created), token
		out = append(out, c)
		return nil
	})
	return out, err
}

// FinishDelivery records an attempt's outcome: done when retryAt is zero,
// else pending again from retryAt. A delivery whose lease passed to another
// server is left to that server.
func (s *RegistryService) FinishDelivery(ctx context.Context, c webhook.Claimed, r webhook.Result, retryAt time.Time) (err error) {
	defer weir.Wrap(&err, "FinishDelivery(%q)", c.ID)
	db := s.db
	msg := ""
	if r.Err != nil {
		msg = r.Err.Error()
	}
	return db.outboxTx(ctx, func(tx *txn) error {
		if retryAt.IsZero() {
			_, err := tx.exec(ctx, `UPDATE webhook_outbox SET done_at = ?, claim = '', lease_until = 0, last_status = ?, last_error = ?
				WHERE delivery_id = ? AND claim = ?`, db.nowMillis(), r.Status, msg, c.ID, c.Claim)
			return err
		}
		_, err := tx.exec(ctx, `UPDATE webhook_outbox SET next_attempt_at = ?, claim = '', lease_until = 0, last_status = ?, last_error = ?
			WHERE delivery_id = ? AND claim = ?`, retryAt.UnixMilli(), r.Status, msg, c.ID, c.Claim)
		return err
	})
}
