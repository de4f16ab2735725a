package webhook

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// memOutbox is an in-memory Outbox: one delivery, leased to one claimer.
type memOutbox struct {
	mu       sync.Mutex
	pending  []Claimed
	due      map[string]time.Time
	finished map[string]int // finishes that retired the delivery
}

func (o *memOutbox) ClaimDeliveries(ctx context.Context, max int, lease time.Duration) ([]Claimed, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Claimed
	for i := range o.pending {
		c := &o.pending[i]
		if o.finished[c.ID] > 0 || time.Now().Before(o.due[c.ID]) || len(out) == max {
			continue
		}
		c.Attempt++
		o.due[c.ID] = time.Now().Add(lease)
		out = append(out, *c)
	}
	return out, nil
}

func (o *memOutbox) NotifyDeliveries(func()) {}

func (o *memOutbox) FinishDelivery(ctx context.Context, c Claimed, r Result, retryAt time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if retryAt.IsZero() {
		o.finished[c.ID]++
		return nil
	}
	o.due[c.ID] = retryAt
	return nil
}

// TestRelayRetriesThroughTheOutbox: an outbox delivery that fails is
// retried from the outbox with the same delivery ID, timestamp and
// signature, and retired once the receiver accepts it.
func TestRelayRetriesThroughTheOutbox(t *testing.T) {
	type got struct{ id, ts, sig, body string }
	var mu sync.Mutex
	var reqs []got
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, got{r.Header.Get(HeaderDeliveryID), r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), string(body)})
		n := len(reqs)
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer rcv.Close()

	created := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	ob := &memOutbox{due: map[string]time.Time{}, finished: map[string]int{}, pending: []Claimed{{Delivery: Delivery{
		Target: Target{ID: "h1", URL: rcv.URL, Secret: "s3cret"}, Event: VersionCreated,
		Data: map[string]string{"name": "m"}, ID: "11111111-2222-4333-8444-555555555555", Time: created}}}}
	done := make(chan Result, 1)
	d := NewDispatcher()
	d.AllowPrivateNetworks = true
	d.Client.Transport = d.newTransport()
	d.Backoff, d.MaxBackoff, d.PollInterval = time.Millisecond, time.Millisecond, 5*time.Millisecond
	d.Outbox = ob
	d.Done = func(_ Delivery, r Result) { done <- r }
	if err := d.Open(); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Wake()
	select {
	case r := <-done:
		if !r.Success() || r.Attempts != 2 {
			t.Errorf("result: got status %d after %d attempts, want 200 after 2", r.Status, r.Attempts)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery finished in 10 s")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reqs) != 2 {
		t.Fatalf("receiver got %d requests, want 2", len(reqs))
	}
	if reqs[0] != reqs[1] {
		t.Errorf("retry differs from the first attempt: got %+v, want %+v", reqs[1], reqs[0])
	}
	const wantBody = `{"entity":"model_version","action":"created","timestamp":"2026-12-06T12:00:00.000000+00:00","data":{"name":"m"}}`
	if reqs[0].id != "11111111-2222-4333-8444-555555555555" || reqs[0].body != wantBody ||
		!Verify("s3cret", reqs[0].id, reqs[0].ts, []byte(reqs[0].body), reqs[0].sig) {
		t.Errorf("request: got %+v, want the outbox's delivery ID, body %s and a valid signature", reqs[0], wantBody)
	}
	if ob.finished["11111111-2222-4333-8444-555555555555"] != 1 {
		t.Errorf("finished %d times, want once", ob.finished["11111111-2222-4333-8444-555555555555"])
	}
}
