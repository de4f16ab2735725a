package webhook

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Outbox is a durable queue of deliveries that every server of one database
// shares: the registry writes a delivery in the transaction of the change it
// announces, and each server's Dispatcher claims due deliveries for a lease,
// sends them and records the outcome. A delivery is claimed by one server
// at a time; one whose server died mid-send is claimed again once its lease
// ends, so receivers see it at least once and, after a crash, possibly
// twice, with the same delivery ID.
type Outbox interface {
	// ClaimDeliveries leases up to max due deliveries to this server until
	// lease has passed, and counts an attempt on each.
	ClaimDeliveries(ctx context.Context, max int, lease time.Duration) ([]Claimed, error)
	// FinishDelivery records the outcome of an attempt: done for good when
	// retryAt is zero, else due again at retryAt. It is a no-op when the
	// lease was lost to another server.
	FinishDelivery(ctx context.Context, c Claimed, r Result, retryAt time.Time) error
	// NotifyDeliveries registers wake, which the outbox calls after a
	// change that added deliveries has committed, so that the relay polls
	// at once instead of at its next interval, and only when there is
	// something to claim.
	NotifyDeliveries(wake func())
}

// Claimed is a delivery leased from an Outbox.
type Claimed struct {
	Delivery
	// Attempt counts the attempts, this one included.
	Attempt int
	// Claim is the lease's token, which FinishDelivery checks.
	Claim string
}

// Wake tells the outbox relay to poll now: the outbox calls it (see
// Outbox.NotifyDeliveries) after a change that added deliveries has
// committed. It never blocks.
func (d *Dispatcher) Wake() {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.wake == nil {
		return
	}
	select {
	case d.wake <- struct{}{}:
	default: // a poll is pending already
	}
}

// relay polls ob until wake is closed or ctx ends: it claims up to Workers
// deliveries, sends each once, and records each outcome, retrying failed
// ones later through the outbox rather than in memory, so a retry survives
// this server.
func (d *Dispatcher) relay(ctx context.Context, ob Outbox, wake <-chan struct{}) {
	defer d.wg.Done()
	for {
		n, err := d.relayBatch(ctx, ob)
		if err != nil && ctx.Err() == nil {
			d.logger().Warn("webhook outbox poll failed", "err", err.Error())
		}
		if n == d.Workers && err == nil && ctx.Err() == nil {
			continue // more may be due
		}
		t := time.NewTimer(d.PollInterval)
		select {
		case _, ok := <-wake:
			t.Stop()
			if !ok {
				return
			}
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

// relayBatch claims and sends one batch, and returns how many it claimed.
func (d *Dispatcher) relayBatch(ctx context.Context, ob Outbox) (int, error) {
	claimed, err := ob.ClaimDeliveries(ctx, d.Workers, d.Lease)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(claimed))
	for i, c := range claimed {
		wg.Go(func() { errs[i] = d.relayOne(ctx, ob, c) })
	}
	wg.Wait()
	return len(claimed), errors.Join(errs...)
}

// relayOne sends c once and records the outcome.
func (d *Dispatcher) relayOne(ctx context.Context, ob Outbox, c Claimed) error {
	res := d.deliver(ctx, c.Delivery, 1)
	res.Attempts = c.Attempt
	var retryAt time.Time
	switch {
	case ctx.Err() != nil:
		// Closing: hand the delivery back for any server to send.
		retryAt = d.Now()
	case !res.Success() && retryable(res) && c.Attempt < d.MaxAttempts:
		retryAt = d.Now().Add(d.backoff(c.Attempt, res))
	}
	// The outcome is recorded even while closing: otherwise the delivery
	// would wait for its lease to end.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := ob.FinishDelivery(fctx, c, res, retryAt); err != nil {
		return err
	}
	if retryAt.IsZero() {
		d.logResult(c.Delivery, res)
		if d.Done != nil {
			d.Done(c.Delivery, res)
		}
	}
	return nil
}
