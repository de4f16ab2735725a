package sqlstore

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestFenceBatch checks the batching rule: a read that begins while a fence
// query is in flight gets the answer of a query sent after it began, never
// the one in flight, and all such reads share that one query.
func TestFenceBatch(t *testing.T) {
	var sent atomic.Int64
	release := make(chan struct{})
	b := &fenceBatch{query: func(context.Context) (int64, error) {
		n := sent.Add(1) // the query's answer is its number
		<-release
		return n, nil
	}}
	ctx := context.Background()

	first := b.start()
	waitFor(t, func() bool { return sent.Load() == 1 })
	later := make([]*fenceCall, 5)
	for i := range later {
		later[i] = b.start()
	}
	if got := sent.Load(); got != 1 {
		t.Fatalf("queries sent while one was in flight: got %d, want 1", got)
	}
	release <- struct{}{}
	if got, err := b.wait(ctx, first); got != 1 || err != nil {
		t.Errorf("first read's fence: got %d, %v; want 1 (the query in flight when it began)", got, err)
	}
	release <- struct{}{}
	for i, call := range later {
		if got, err := b.wait(ctx, call); got != 2 || err != nil {
			t.Errorf("read %d, begun during query 1: got the answer of query %d, %v; want 2", i, got, err)
		}
	}
	if got := sent.Load(); got != 2 {
		t.Errorf("queries sent for 6 reads: got %d, want 2", got)
	}

	// Idle again: the next read sends its own query at once.
	close(release)
	if got, err := b.wait(ctx, b.start()); got != 3 || err != nil {
		t.Errorf("read after the batches: got %d, %v; want 3", got, err)
	}

	// A read whose context ends stops waiting.
	stuck := &fenceBatch{query: func(ctx context.Context) (int64, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	}}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := stuck.wait(cctx, stuck.start()); err != context.DeadlineExceeded {
		t.Errorf("read with an ended context: got %v, want %v", err, context.DeadlineExceeded)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(tb testing.TB, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			tb.Fatal("condition not reached within 5 s")
		}
	}
}
