package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	neturl "net/url"
	"strconv"
	"sync"
	"time"
)

// Target is where a delivery goes.
type Target struct {
	ID     string // the webhook's ID, for logs
	URL    string
	Secret string // empty sends the delivery unsigned
}

// Delivery is one event for one target. Data is encoded with encoding/json
// as the payload's "data" field.
type Delivery struct {
	Target Target
	Event  Event
	Data   any
	// ID and Time, when set, are the delivery ID and the payload's
	// timestamp; unset, each delivery gets a random ID and the time it is
	// sent. Outbox deliveries set both, so every attempt, whichever server
	// makes it, carries the same bytes.
	ID   string
	Time time.Time
}

// Result is the outcome of a delivery.
type Result struct {
	Attempts int    // requests sent
	Status   int    // HTTP status of the last response; 0 when none came
	Body     string // body of the last response, cut at maxResponseBody bytes
	Err      error  // why the last attempt failed to get a response, if it did

	retryAfter string // the last response's Retry-After header
}

// Success reports whether the receiver accepted the delivery with a 2xx
// status. Redirects are not followed (see NewDispatcher), so a 3xx is no
// delivery.
func (r Result) Success() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// maxResponseBody bounds how much of a receiver's answer is kept.
const maxResponseBody = 64 << 10

// Dispatcher posts deliveries from a bounded queue with a few workers, so
// registry requests never wait for receivers. A failed attempt (no answer,
// a timeout, 429 or a 5xx) is retried after an exponential backoff, up to
// MaxAttempts; every retry resends the same delivery ID, timestamp and
// signature, so receivers can drop duplicates. Create it with
// NewDispatcher, set the fields, Open, and Close to drain.
type Dispatcher struct {
	// Client sends the requests; its Timeout bounds each attempt.
	Client *http.Client
	// MaxAttempts is how many requests one delivery may take.
	MaxAttempts int
	// Backoff is the wait before the first retry; each retry doubles it,
	// up to MaxBackoff, plus up to a quarter of random jitter so that
	// receivers recovering from an outage are not hit in lockstep.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// QueueSize bounds the deliveries waiting for a worker; when the queue
	// is full, new deliveries are dropped and logged rather than let a slow
	// receiver exhaust the server's memory.
	QueueSize int
	// Workers is how many deliveries are in flight at once.
	Workers int
	// DrainTimeout bounds how long Close waits for queued deliveries.
	DrainTimeout time.Duration
	// Logger receives one line per finished delivery, never the secret;
	// nil means slog.Default().
	Logger *slog.Logger
	// AllowPrivateNetworks lets deliveries reach loopback, private and
	// link-local addresses. Off by default, as in MLflow, so that whoever
	// may create webhooks cannot make the server probe its own network;
	// turn it on for receivers inside that network. It applies to the
	// Client NewDispatcher made, not to a Client set instead.
	AllowPrivateNetworks bool
	// Now is the clock for timestamps.
	Now func() time.Time
	// Done, when set, is called after each queued delivery finishes, and
	// after each outbox delivery is done for good, for metrics and tests.
	Done func(Delivery, Result)

	// Outbox, when set, is a durable queue of deliveries shared by every
	// server of one database, which Open starts polling (see outbox.go).
	Outbox Outbox
	// PollInterval is how often the outbox is polled when Wake is not
	// called; deliveries raised by another server wait at most this long.
	PollInterval time.Duration
	// Lease is how long a claimed outbox delivery stays with this server;
	// a server that dies holding one leaves it to be claimed again after
	// it. It must exceed the Client's Timeout.
	Lease time.Duration

	mu     sync.RWMutex
	wake   chan struct{}
	queue  chan Delivery
	closed bool
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewDispatcher returns a Dispatcher with MLflow's defaults: 30 s per
// attempt, 4 attempts (3 retries) backing off from 1 s to at most 60 s, a
// queue of 1000 and 4 workers, and only public receiver addresses.
func NewDispatcher() *Dispatcher {
	d := &Dispatcher{
		MaxAttempts:  4,
		Backoff:      time.Second,
		MaxBackoff:   time.Minute,
		QueueSize:    1000,
		Workers:      4,
		DrainTimeout: 10 * time.Second,
		PollInterval: time.Second,
		Lease:        2 * time.Minute,
		Now:          time.Now,
	}
	// Receivers are not followed through redirects: a redirect could lead
	// to an address the dial check would have refused only by name.
	d.Client = &http.Client{Timeout: 30 * time.Second, Transport: d.newTransport(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return d
}

// Open validates the settings and starts the workers.
func (d *Dispatcher) Open() error {
	switch {
	case d.Client == nil:
		return errors.New("webhook: Dispatcher.Client is nil")
	case d.MaxAttempts < 1:
		return fmt.Errorf("webhook: Dispatcher.MaxAttempts is %d, want at least 1", d.MaxAttempts)
	case d.QueueSize < 1 || d.Workers < 1:
		return fmt.Errorf("webhook: Dispatcher needs QueueSize and Workers of at least 1, have %d and %d", d.QueueSize, d.Workers)
	case d.Backoff < 0 || d.MaxBackoff < d.Backoff:
		return fmt.Errorf("webhook: Dispatcher backoff %v..%v is not a range", d.Backoff, d.MaxBackoff)
	case d.Outbox != nil && (d.PollInterval <= 0 || d.Lease <= 0):
		return fmt.Errorf("webhook: Dispatcher with an outbox needs a positive PollInterval and Lease, have %v and %v", d.PollInterval, d.Lease)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.queue != nil {
		return errors.New("webhook: Dispatcher is already open")
	}
	d.queue = make(chan Delivery, d.QueueSize)
	d.ctx, d.cancel = context.WithCancel(context.Background())
	for range d.Workers {
		d.wg.Add(1)
		go d.work()
	}
	if d.Outbox != nil {
		d.wake = make(chan struct{}, 1)
		d.wg.Add(1)
		go d.relay(d.ctx, d.Outbox, d.wake)
		d.Outbox.NotifyDeliveries(d.Wake)
	}
	return nil
}

// Enqueue queues dl for delivery and reports whether it was accepted: it
// is not when the dispatcher is not open, closing, or its queue is full.
// It never blocks.
func (d *Dispatcher) Enqueue(dl Delivery) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.queue == nil || d.closed {
		d.logger().Warn("webhook delivery dropped: dispatcher is not running",
			"webhook_id", dl.Target.ID, "event", dl.Event.String())
		return false
	}
	select {
	case d.queue <- dl:
		return true
	default:
		d.logger().Warn("webhook delivery dropped: queue is full",
			"webhook_id", dl.Target.ID, "event", dl.Event.String(), "queue_size", cap(d.queue))
		return false
	}
}

// Close stops taking deliveries, waits up to DrainTimeout for the queued
// ones, then abandons the rest and waits for the workers to stop. A closed
// Dispatcher may be opened again.
func (d *Dispatcher) Close() error {
	d.mu.Lock()
	if d.queue == nil || d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	close(d.queue)
	if d.wake != nil {
		close(d.wake) // the relay finishes its batch and stops
		d.wake = nil
	}
	d.mu.Unlock()

	drained := make(chan struct{})
	go func() { d.wg.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(d.DrainTimeout):
		d.cancel() // ends in-flight requests and backoff waits
		<-drained
	}
	d.cancel()
	d.mu.Lock()
	d.queue, d.closed = nil, false // Open may start it again
	d.mu.Unlock()
	return nil
}

func (d *Dispatcher) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.Default()
	}
	return d.Logger
}

func (d *Dispatcher) work() {
	defer d.wg.Done()
	for dl := range d.queue {
		res := d.deliver(d.ctx, dl, d.MaxAttempts)
		d.logResult(dl, res)
		if d.Done != nil {
			d.Done(dl, res)
		}
	}
}

// Send delivers dl at once, in one attempt without retries, and returns the
// receiver's answer: what a "test webhook" request reports.
func (d *Dispatcher) Send(ctx context.Context, dl Delivery) Result {
	return d.deliver(ctx, dl, 1)
}

// deliver posts dl up to attempts times.
func (d *Dispatcher) deliver(ctx context.Context, dl Delivery, attempts int) Result {
	if err := ValidateURL(dl.Target.URL); err != nil {
		return Result{Err: err}
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	t, id := dl.Time, dl.ID
	if t.IsZero() {
		t = now()
	}
	if id == "" {
		id = newDeliveryID()
	}
	payload, err := Payload(dl.Event, dl.Data, t)
	if err != nil {
		return Result{Err: err}
	}
	ts := strconv.FormatInt(t.Unix(), 10)
	var sig string
	if dl.Target.Secret != "" {
		sig = Sign(dl.Target.Secret, id, ts, payload)
	}
	var res Result
	for n := 1; n <= attempts; n++ {
		res = d.attempt(ctx, dl.Target.URL, payload, id, ts, sig)
		res.Attempts = n
		if !retryable(res) || n == attempts {
			break
		}
		if !sleep(ctx, d.backoff(n, res)) {
			break
		}
	}
	return res
}

// attempt sends one request.
func (d *Dispatcher) attempt(ctx context.Context, url string, payload []byte, id, ts, sig string) Result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return Result{Err: fmt.Errorf("webhook: build request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderDeliveryID, id)
	req.Header.Set(HeaderTimestamp, ts)
	if sig != "" {
		req.Header.Set(HeaderSignature, sig)
	}
	client := d.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// Keep the cause, not *url.Error's copy of the URL, whose query
		// may hold credentials.
		var uerr *neturl.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return Result{Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	return Result{Status: resp.StatusCode, Body: string(body), retryAfter: resp.Header.Get("Retry-After")}
}

// retryable says whether a failed attempt may succeed later: no answer, a
// timeout, rate limiting or a server error. Other 4xx answers and refused
// addresses will not change.
func retryable(r Result) bool {
	if r.Err != nil {
		return !errors.Is(r.Err, context.Canceled) && !errors.Is(r.Err, errPrivatePeer)
	}
	return r.Status == http.StatusTooManyRequests || r.Status >= 500
}

// backoff returns the wait after attempt n: Backoff doubled n-1 times,
// capped at MaxBackoff, plus jitter; a longer Retry-After (in seconds) from
// the receiver wins, within MaxBackoff.
func (d *Dispatcher) backoff(n int, r Result) time.Duration {
	wait := d.Backoff
	for i := 1; i < n && wait < d.MaxBackoff; i++ {
		wait *= 2
	}
	if wait > 0 {
		wait += rand.N(wait/4 + 1)
	}
	if secs, err := strconv.Atoi(r.retryAfter); err == nil && secs > 0 {
		if after := time.Duration(secs) * time.Second; after > wait {
			wait = after
		}
	}
	return min(wait, d.MaxBackoff)
}

// sleep waits for d or until ctx ends, and reports whether it waited.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// logResult writes one line per delivery: the URL without credentials, the
// outcome, never the secret or the payload.
func (d *Dispatcher) logResult(dl Delivery, r Result) {
	attrs := []any{"webhook_id", dl.Target.ID, "url", redact(dl.Target.URL),
		"event", dl.Event.String(), "attempts", r.Attempts, "status", r.Status}
	if r.Success() {
		d.logger().Info("webhook delivered", attrs...)
		return
	}
	if r.Err != nil {
		attrs = append(attrs, "err", r.Err.Error())
	}
	d.logger().Warn("webhook delivery failed", attrs...)
}
