package replicas_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/weir-ml/weir/webhook"
)

// receiver records webhook deliveries.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests int
	ids      map[string]int      // delivery ID -> requests
	events   map[string][]string // "name/version" -> delivery IDs
	bad      []string
}

const secret = "replica-secret"

func newReceiver(t *testing.T) *receiver {
	r := &receiver{ids: map[string]int{}, events: map[string][]string{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		id := req.Header.Get(webhook.HeaderDeliveryID)
		var p struct {
			Data struct{ Name, Version string }
		}
		err := json.Unmarshal(body, &p)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.requests++
		if err != nil || !webhook.Verify(secret, id, req.Header.Get(webhook.HeaderTimestamp), body, req.Header.Get(webhook.HeaderSignature)) {
			r.bad = append(r.bad, string(body))
			return
		}
		if r.ids[id]++; r.ids[id] == 1 {
			key := p.Data.Name + "/" + p.Data.Version
			r.events[key] = append(r.events[key], id)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

// TestKillReplicaMidLoad is issue 17's proof: 3 replicas on one PostgreSQL
// and one S3 bucket behind HAProxy, 32 writers and 16 readers; replica 1
// is killed with SIGKILL mid-load and restarted. Then every acknowledged
// run, metric, param and model version is in the database, the only
// failed requests are those the killed replica held, and each model
// version's webhook event reached the receiver once.
func TestKillReplicaMidLoad(t *testing.T) {
	haproxy := needs(t)
	c := startCluster(t, haproxy, 3)
	rcv := newReceiver(t)
	ctx := context.Background()
	api := newClient(c.url())
	expID, err := setup(ctx, api)
	if err != nil {
		t.Fatal(err)
	}
	hook := map[string]any{"name": "replicas", "url": rcv.URL, "secret": secret,
		"events": []map[string]string{{"entity": "MODEL_VERSION", "action": "CREATED"}}}
	if err := api.call(ctx, "POST", "/api/2.0/mlflow/webhooks", hook, nil); err != nil {
		t.Fatal(err)
	}

	const loadTime, killAt, downFor = 16 * time.Second, 5 * time.Second, 2 * time.Second
	l := &load{}
	lctx, cancel := context.WithTimeout(ctx, loadTime)
	defer cancel()
	done := make(chan struct{})
	go func() { l.run(lctx, c.url(), 32, 16, expID); close(done) }()
	time.Sleep(killAt)
	killed := time.Now()
	c.kill(1)
	time.Sleep(downFor)
	c.start(1)
	c.waitHealthy(1)
	restarted := time.Now()
	<-done
	t.Logf("load: %d acknowledged requests in %v, %d runs, %d model versions; replica 1 down %v",
		l.ops.Load(), loadTime, len(l.runs), len(l.versions), restarted.Sub(killed).Round(time.Millisecond))

	checkFailures(t, l, killed)
	checkWrites(t, api, l)
	checkPaging(t, api, l, expID)
	checkDeliveries(t, rcv, l, c.lease)
}

// checkFailures allows only failures of requests that the killed replica
// held: a 502 from HAProxy or a broken connection, within 3 seconds of
// the kill (they come at once; the margin is for a busy machine); at most
// one per client.
func checkFailures(t *testing.T, l *load, killed time.Time) {
	t.Helper()
	for _, f := range l.failures {
		var he *httpError
		cut := errors.As(f.err, &he) && he.status == http.StatusBadGateway ||
			errors.Is(f.err, syscall.ECONNRESET) || errors.Is(f.err, io.ErrUnexpectedEOF) || isNetError(f.err)
		if !cut || f.at.Before(killed) || f.at.After(killed.Add(3*time.Second)) {
			t.Errorf("%s failed %v after the kill: %v", f.op, f.at.Sub(killed).Round(time.Millisecond), f.err)
		}
	}
	if len(l.failures) > 48 {
		t.Errorf("%d failed requests, more than the 48 clients could have had in flight on the killed replica", len(l.failures))
	}
	t.Logf("failed requests (cut by the kill): %d", len(l.failures))
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

// checkWrites reads back every acknowledged write.
func checkWrites(t *testing.T, api *client, l *load) {
	t.Helper()
	ctx := context.Background()
	missing := 0
	for _, r := range l.runs {
		var got struct {
			Run struct {
				Data struct {
					Metrics []struct {
						Key   string  `json:"key"`
						Value float64 `json:"value"`
					} `json:"metrics"`
					Params []struct{ Key, Value string } `json:"params"`
				} `json:"data"`
			} `json:"run"`
		}
		if err := api.call(ctx, "GET", "/api/2.0/mlflow/runs/get?run_id="+r.id, nil, &got); err != nil {
			t.Errorf("acknowledged run %s: %v", r.id, err)
			missing++
			continue
		}
		if !r.logged {
			continue
		}
		metrics, params := 0, 0
		for _, m := range got.Run.Data.Metrics {
			if m.Value == r.metric {
				metrics++
			}
		}
		for _, p := range got.Run.Data.Params {
			if p.Value == r.param {
				params++
			}
		}
		if metrics != 3 || params != 2 {
			t.Errorf("run %s: got %d of 3 metrics and %d of 2 params that were acknowledged", r.id, metrics, params)
			missing++
		}
	}
	for _, v := range l.versions {
		if err := api.call(ctx, "GET", "/api/2.0/mlflow/model-versions/get?name="+v.name+"&version="+v.version, nil, nil); err != nil {
			t.Errorf("acknowledged model version %s/%s: %v", v.name, v.version, err)
			missing++
		}
	}
	if missing > 20 {
		t.Fatalf("%d acknowledged writes missing; stopping here", missing)
	}
	logged := 0
	for _, r := range l.runs {
		if r.logged {
			logged++
		}
	}
	t.Logf("read back: %d runs (%d with 3 metrics and 2 params), %d model versions", len(l.runs), logged, len(l.versions))
}

// checkPaging pages through the experiment's runs 50 at a time through
// the load balancer, so that consecutive pages come from different
// replicas: each page token must work on any replica, and every
// acknowledged run must come exactly once.
func checkPaging(t *testing.T, api *client, l *load, expID string) {
	t.Helper()
	ctx := context.Background()
	seen := map[string]int{}
	token, pages := "", 0
	for {
		var page struct {
			Runs []struct {
				Info struct {
					RunID string `json:"run_id"`
				} `json:"info"`
			} `json:"runs"`
			NextPageToken string `json:"next_page_token"`
		}
		req := map[string]any{"experiment_ids": []string{expID}, "max_results": 50, "order_by": []string{"attributes.start_time DESC"}}
		if token != "" {
			req["page_token"] = token
		}
		if err := api.call(ctx, "POST", "/api/2.0/mlflow/runs/search", req, &page); err != nil {
			t.Fatalf("search page %d: %v", pages+1, err)
		}
		pages++
		for _, r := range page.Runs {
			seen[r.Info.RunID]++
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	for _, r := range l.runs {
		if seen[r.id] != 1 {
			t.Errorf("run %s came %d times in the paged search, want once", r.id, seen[r.id])
		}
	}
	t.Logf("paged search: %d runs in %d pages of 50, through every replica", len(seen), pages)
}

// checkDeliveries waits for the webhook events: every acknowledged version
// must be delivered, each event under one delivery ID. A replica killed
// after a receiver answered but before it recorded the outcome makes the
// receiver see that delivery again, with the same ID; those repeats are
// counted, and there can be no more than the deliveries in flight.
func checkDeliveries(t *testing.T, rcv *receiver, l *load, lease time.Duration) {
	t.Helper()
	deadline := time.Now().Add(lease + 15*time.Second)
	for {
		rcv.mu.Lock()
		n := 0
		for _, v := range l.versions {
			if len(rcv.events[v.name+"/"+v.version]) > 0 {
				n++
			}
		}
		rcv.mu.Unlock()
		if n == len(l.versions) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for _, v := range l.versions {
		if ids := rcv.events[v.name+"/"+v.version]; len(ids) != 1 {
			t.Errorf("model version %s/%s: %d distinct deliveries, want 1", v.name, v.version, len(ids))
		}
	}
	repeats := rcv.requests - len(rcv.ids) - len(rcv.bad)
	if len(rcv.bad) > 0 {
		t.Errorf("%d deliveries with a bad signature or body, first %q", len(rcv.bad), rcv.bad[0])
	}
	if repeats > 4 {
		t.Errorf("%d repeated deliveries, more than the 4 one replica sends at once", repeats)
	}
	t.Logf("webhooks: %d events (%d acknowledged versions), %d requests, %d repeats of a delivery ID",
		len(rcv.events), len(l.versions), rcv.requests, repeats)
}
