package webhook

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// receiver is an httptest server that answers with statuses[i] to the i-th
// request (200 after the list ends) and records what it got.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []*http.Request
	bodies   [][]byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		n := len(r.got)
		r.got = append(r.got, req)
		r.bodies = append(r.bodies, body)
		r.mu.Unlock()
		status := http.StatusOK
		if n < len(r.statuses) {
			status = r.statuses[n]
		}
		w.WriteHeader(status)
		io.WriteString(w, "answer "+http.StatusText(status))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newTestDispatcher returns an open Dispatcher with millisecond backoffs
// whose finished deliveries arrive on the returned channel.
func newTestDispatcher(t *testing.T) (*Dispatcher, chan Result) {
	t.Helper()
	d := NewDispatcher()
	d.Backoff, d.MaxBackoff = time.Millisecond, 4*time.Millisecond
	d.Client = &http.Client{Timeout: 2 * time.Second}
	d.Logger = quietLogger()
	done := make(chan Result, 16)
	d.Done = func(_ Delivery, r Result) { done <- r }
	if err := d.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, done
}

func wait(t *testing.T, done chan Result) Result {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("delivery did not finish")
		return Result{}
	}
}

// TestRetryThenSuccess: a receiver that fails twice (503, then 500) and
// then accepts gets three identical, correctly signed requests.
func TestRetryThenSuccess(t *testing.T) {
	rcv := newReceiver(t, http.StatusServiceUnavailable, http.StatusInternalServerError)
	d, done := newTestDispatcher(t)
	fixed := time.Unix(1700000000, 0)
	d.Now = func() time.Time { return fixed }
	dl := Delivery{Target: Target{ID: "wh-1", URL: rcv.URL + "/hook", Secret: "s3cr3t"},
		Event: Event{"MODEL_VERSION", "CREATED"}, Data: map[string]string{"name": "m", "version": "1"}}
	if !d.Enqueue(dl) {
		t.Fatal("Enqueue refused")
	}
	res := wait(t, done)
	if !res.Success() || res.Attempts != 3 || res.Status != 200 || res.Body != "answer OK" {
		t.Fatalf("result: got %+v, want success after 3 attempts", res)
	}
	if got := rcv.requests(); got != 3 {
		t.Fatalf("requests: got %d, want 3", got)
	}
	first := rcv.got[0]
	id, ts := first.Header.Get(HeaderDeliveryID), first.Header.Get(HeaderTimestamp)
	if ts != "1700000000" || id == "" || first.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers: got %v", first.Header)
	}
	for i, req := range rcv.got {
		if req.Method != http.MethodPost || req.URL.Path != "/hook" {
			t.Errorf("request %d: got %s %s", i, req.Method, req.URL.Path)
		}
		if req.Header.Get(HeaderDeliveryID) != id || req.Header.Get(HeaderTimestamp) != ts {
			t.Errorf("request %d: a retry changed the delivery ID or timestamp", i)
		}
		if !Verify("s3cr3t", id, ts, rcv.bodies[i], req.Header.Get(HeaderSignature)) {
			t.Errorf("request %d: signature %q does not verify", i, req.Header.Get(HeaderSignature))
		}
	}
	want := `{"entity":"model_version","action":"created","timestamp":"2023-11-14T22:13:20.000000+00:00","data":{"name":"m","version":"1"}}`
	if string(rcv.bodies[0]) != want {
		t.Errorf("payload: got %s\nwant %s", rcv.bodies[0], want)
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	rcv := newReceiver(t, 502, 502, 502, 502, 502, 502)
	d, done := newTestDispatcher(t)
	d.Enqueue(Delivery{Target: Target{URL: rcv.URL}, Event: Event{"REGISTERED_MODEL", "CREATED"}})
	res := wait(t, done)
	if res.Success() || res.Attempts != 4 || res.Status != 502 {
		t.Errorf("result: got %+v, want failure after 4 attempts", res)
	}
	if got := rcv.requests(); got != 4 {
		t.Errorf("requests: got %d, want 4", got)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	rcv := newReceiver(t, http.StatusBadRequest)
	d, done := newTestDispatcher(t)
	d.Enqueue(Delivery{Target: Target{URL: rcv.URL}, Event: Event{"REGISTERED_MODEL", "CREATED"}})
	res := wait(t, done)
	if res.Success() || res.Attempts != 1 || res.Status != 400 {
		t.Errorf("result: got %+v, want one failed attempt", res)
	}
	if got := rcv.requests(); got != 1 {
		t.Errorf("requests: got %d, want 1", got)
	}
}

func TestTimeoutsAreRetried(t *testing.T) {
	var calls atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			time.Sleep(300 * time.Millisecond)
		}
	}))
	defer slow.Close()
	d, done := newTestDispatcher(t)
	d.Client.Timeout = 100 * time.Millisecond
	d.Enqueue(Delivery{Target: Target{URL: slow.URL}, Event: Event{"MODEL_VERSION", "CREATED"}})
	res := wait(t, done)
	if !res.Success() || res.Attempts != 2 {
		t.Errorf("result: got %+v, want success on the second attempt", res)
	}
}

func TestUnsignedWithoutSecret(t *testing.T) {
	rcv := newReceiver(t)
	d, done := newTestDispatcher(t)
	d.Enqueue(Delivery{Target: Target{URL: rcv.URL}, Event: Event{"MODEL_VERSION", "CREATED"}})
	wait(t, done)
	if sig, ok := rcv.got[0].Header[HeaderSignature]; ok {
		t.Errorf("signature header without a secret: %q", sig)
	}
}

func TestSendIsOneAttempt(t *testing.T) {
	rcv := newReceiver(t, http.StatusInternalServerError)
	d := NewDispatcher()
	d.AllowPrivateNetworks = true
	d.Logger = quietLogger()
	res := d.Send(context.Background(), Delivery{Target: Target{URL: rcv.URL}, Event: Event{"MODEL_VERSION", "CREATED"}})
	if res.Success() || res.Attempts != 1 || res.Status != 500 || res.Body != "answer Internal Server Error" {
		t.Errorf("result: got %+v", res)
	}
	res = d.Send(context.Background(), Delivery{Target: Target{URL: "ftp://x/y"}})
	if res.Success() || res.Attempts != 0 || res.Err == nil || !strings.Contains(res.Err.Error(), "scheme") {
		t.Errorf("bad URL: got %+v", res)
	}
	// An unreachable receiver is an error, without the URL's query.
	res = d.Send(context.Background(), Delivery{Target: Target{URL: "http://127.0.0.1:1/x?token=abc"}})
	if res.Success() || res.Err == nil || strings.Contains(res.Err.Error(), "token") {
		t.Errorf("unreachable: got %+v", res)
	}
}

// TestQueueBounded fills a one-slot queue behind a blocked worker: the
// next delivery is refused, not buffered without bound.
func TestQueueBounded(t *testing.T) {
	release := make(chan struct{})
	blocked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer blocked.Close()
	defer close(release)
	d := NewDispatcher()
	d.QueueSize, d.Workers = 1, 1
	d.Logger = quietLogger()
	started := make(chan struct{}, 4)
	d.Client = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		started <- struct{}{}
		return http.DefaultTransport.RoundTrip(r)
	})}
	if err := d.Open(); err != nil {
		t.Fatal(err)
	}
	dl := Delivery{Target: Target{URL: blocked.URL}, Event: Event{"MODEL_VERSION", "CREATED"}}
	if !d.Enqueue(dl) {
		t.Fatal("first delivery refused")
	}
	<-started // the worker holds the first; the queue is empty again
	if !d.Enqueue(dl) {
		t.Fatal("second delivery refused with room in the queue")
	}
	if d.Enqueue(dl) {
		t.Error("third delivery accepted beyond the queue's bound")
	}
	d.DrainTimeout = 10 * time.Millisecond
	d.Close() // gives up on the blocked deliveries after DrainTimeout
	if d.Enqueue(dl) {
		t.Error("delivery accepted after Close")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestOpenValidates(t *testing.T) {
	for name, change := range map[string]func(*Dispatcher){
		"no client":      func(d *Dispatcher) { d.Client = nil },
		"no attempts":    func(d *Dispatcher) { d.MaxAttempts = 0 },
		"no queue":       func(d *Dispatcher) { d.QueueSize = 0 },
		"no workers":     func(d *Dispatcher) { d.Workers = 0 },
		"inverted range": func(d *Dispatcher) { d.MaxBackoff = d.Backoff / 2 },
	} {
		d := NewDispatcher()
		change(d)
		if err := d.Open(); err == nil {
			d.Close()
			t.Errorf("%s: Open succeeded", name)
		}
	}
	d := NewDispatcher()
	if d.Enqueue(Delivery{}) {
		t.Error("Enqueue before Open accepted a delivery")
	}
}

func TestBackoff(t *testing.T) {
	d := NewDispatcher()
	d.Backoff, d.MaxBackoff = 100*time.Millisecond, time.Second
	cases := []struct {
		n          int
		retryAfter string
		lo, hi     time.Duration
	}{
		{1, "", 100 * time.Millisecond, 125 * time.Millisecond},
		{2, "", 200 * time.Millisecond, 250 * time.Millisecond},
		{3, "", 400 * time.Millisecond, 500 * time.Millisecond},
		{5, "", time.Second, time.Second},
		{1, "1", time.Second, time.Second},
		{1, "3600", time.Second, time.Second},
		{1, "soon", 100 * time.Millisecond, 125 * time.Millisecond},
	}
	for _, tc := range cases {
		got := d.backoff(tc.n, Result{retryAfter: tc.retryAfter})
		if got < tc.lo || got > tc.hi {
			t.Errorf("backoff(%d, Retry-After %q): got %v, want %v..%v", tc.n, tc.retryAfter, got, tc.lo, tc.hi)
		}
	}
}

// TestLogsHoldNoSecrets: outcome lines name the webhook and the URL without
// credentials, and never the secret, whether the delivery fails or not.
func TestLogsHoldNoSecrets(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	rcv := newReceiver(t, http.StatusBadRequest)
	d, done := newTestDispatcher(t)
	d.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil))
	for _, u := range []string{rcv.URL + "/x?token=tok3n", "http://user:passw0rd@127.0.0.1:1/y?token=tok3n", rcv.URL + "/ok"} {
		d.Enqueue(Delivery{Target: Target{ID: "wh-9", URL: u, Secret: "s3cr3t-value"}, Event: Event{"MODEL_VERSION", "CREATED"}})
		wait(t, done)
	}
	mu.Lock()
	logs := buf.String()
	mu.Unlock()
	for _, leak := range []string{"s3cr3t-value", "tok3n", "passw0rd"} {
		if strings.Contains(logs, leak) {
			t.Errorf("logs contain %q:\n%s", leak, logs)
		}
	}
	if strings.Count(logs, "webhook_id=wh-9") != 3 || !strings.Contains(logs, "webhook delivery failed") {
		t.Errorf("logs do not report every outcome:\n%s", logs)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestPrivateNetworksRefused: by default a delivery never connects to a
// loopback receiver, and is not retried; allowed, it is delivered.
func TestPrivateNetworksRefused(t *testing.T) {
	rcv := newReceiver(t)
	d := NewDispatcher()
	d.Backoff = time.Millisecond
	dl := Delivery{Target: Target{URL: rcv.URL}, Event: Event{"MODEL_VERSION", "CREATED"}}
	res := d.deliver(context.Background(), dl, 4)
	if res.Success() || res.Attempts != 1 || !strings.Contains(fmt.Sprint(res.Err), "not public") || rcv.requests() != 0 {
		t.Errorf("default: got %+v and %d requests, want one refused attempt", res, rcv.requests())
	}
	d.AllowPrivateNetworks = true
	if res := d.Send(context.Background(), dl); !res.Success() || rcv.requests() != 1 {
		t.Errorf("allowed: got %+v", res)
	}
}

func TestCheckPublic(t *testing.T) {
	cases := []struct {
		addr   string
		public bool
	}{
		{"93.184.216.34:443", true},
		{"[2606:2800:220:1:248:1893:25c8:1946]:443", true},
		{"127.0.0.1:80", false},
		{"[::1]:80", false},
		{"10.1.2.3:80", false},
		{"172.16.0.1:80", false},
		{"192.168.1.1:80", false},
		{"169.254.169.254:80", false}, // cloud metadata
		{"[fe80::1]:80", false},
		{"[fc00::1]:80", false},
		{"0.0.0.0:80", false},
		{"100.64.0.1:80", false},
		{"[::ffff:127.0.0.1]:80", false},
		{"[64:ff9b::a00:1]:80", false},
		{"224.0.0.1:80", false},
		{"255.255.255.255:80", false},
		{"not-an-address", false},
	}
	for _, tc := range cases {
		if got := checkPublic(tc.addr) == nil; got != tc.public {
			t.Errorf("checkPublic(%s): got public=%v, want %v", tc.addr, got, tc.public)
		}
	}
}

func TestRedirectsNotFollowed(t *testing.T) {
	target := newReceiver(t)
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer redirect.Close()
	d := NewDispatcher()
	d.AllowPrivateNetworks = true
	res := d.Send(context.Background(), Delivery{Target: Target{URL: redirect.URL}, Event: Event{"MODEL_VERSION", "CREATED"}})
	if res.Success() || res.Status != http.StatusTemporaryRedirect || target.requests() != 0 {
		t.Errorf("got %+v and %d requests at the redirect target", res, target.requests())
	}
}

func TestReopen(t *testing.T) {
	rcv := newReceiver(t)
	d, done := newTestDispatcher(t)
	dl := Delivery{Target: Target{URL: rcv.URL}, Event: Event{"MODEL_VERSION", "CREATED"}}
	for i := range 2 {
		if !d.Enqueue(dl) {
			t.Fatalf("round %d: Enqueue refused", i)
		}
		wait(t, done)
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if d.Enqueue(dl) {
			t.Fatalf("round %d: Enqueue accepted after Close", i)
		}
		if err := d.Open(); err != nil {
			t.Fatalf("round %d: reopen: %v", i, err)
		}
	}
	if got := rcv.requests(); got != 2 {
		t.Errorf("requests: got %d, want 2", got)
	}
}
