package sqlstore

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// fenceTimeout bounds one fence query, which serves reads of several
// requests and so cannot run under any one request's context.
const fenceTimeout = 10 * time.Second

// fenceBatch coalesces the primary's fence queries. A read needs a fence
// read on the primary after the read began; one query answers every read
// that arrived before it was sent, so under many concurrent reads the
// primary answers one fence query per round trip instead of one per read,
// and holds one connection for them instead of several.
type fenceBatch struct {
	query func(context.Context) (int64, error)

	mu      sync.Mutex
	busy    bool       // a query is in flight
	waiting *fenceCall // the call the next query answers, if reads wait for it
	sent    atomic.Int64
}

// fenceCall is one fence query and the reads waiting for its answer.
type fenceCall struct {
	done chan struct{} // closed when lsn and err are set
	lsn  int64
	err  error
}

// start returns the call that will answer a read beginning now: a query
// sent now, or, while one is in flight, the one sent after it.
func (b *fenceBatch) start() *fenceCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.waiting == nil {
		b.waiting = &fenceCall{done: make(chan struct{})}
	}
	call := b.waiting
	if !b.busy {
		b.busy, b.waiting = true, nil
		go b.run(call)
	}
	return call
}

// wait returns call's answer.
func (b *fenceBatch) wait(ctx context.Context, call *fenceCall) (int64, error) {
	select {
	case <-call.done:
		return call.lsn, call.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// run sends call's query, then the queries that reads arrived for
// meanwhile, one after another, until none is waiting.
func (b *fenceBatch) run(call *fenceCall) {
	for call != nil {
		ctx, cancel := context.WithTimeout(context.Background(), fenceTimeout)
		b.sent.Add(1)
		call.lsn, call.err = b.query(ctx)
		cancel()
		close(call.done)
		b.mu.Lock()
		call, b.waiting = b.waiting, nil
		b.busy = call != nil
		b.mu.Unlock()
	}
}
