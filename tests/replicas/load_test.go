package replicas_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const api = "/api/2.0/mlflow/"

// client speaks MLflow's REST API to one base URL.
type client struct {
	base string
	http *http.Client
}

func newClient(base string) *client {
	t := &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 0, IdleConnTimeout: 30 * time.Second}
	return &client{base: base, http: &http.Client{Transport: t, Timeout: 30 * time.Second}}
}

// httpError is an answer other than 200.
type httpError struct {
	status int
	body   string
}

func (e *httpError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.body) }

// call sends a request and decodes the answer into out, if given.
func (c *client) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return &httpError{resp.StatusCode, string(b)}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// ackedRun is a run whose creation was acknowledged.
type ackedRun struct {
	id     string
	logged bool    // whether its log-batch was acknowledged too
	metric float64 // the value of metrics m0..m2
	param  string  // the value of params p0, p1
}

// ackedVersion is an acknowledged model version.
type ackedVersion struct{ name, version string }

// failure is a request that got no 200.
type failure struct {
	at  time.Time
	op  string
	err error
}

// load is what the clients did: the acknowledged writes and the failures.
type load struct {
	mu       sync.Mutex
	runs     []ackedRun
	versions []ackedVersion
	failures []failure
	ops      atomic.Int64 // acknowledged requests
	reads    atomic.Int64 // of which reads
}

func (l *load) fail(op string, err error) {
	l.mu.Lock()
	l.failures = append(l.failures, failure{time.Now(), op, err})
	l.mu.Unlock()
}

// models are the registered models that writers add versions to.
var models = []string{"replica-m0", "replica-m1", "replica-m2", "replica-m3"}

// setup creates the experiment and the models the load writes to and
// returns the experiment's ID.
func setup(ctx context.Context, c *client) (string, error) {
	var exp struct {
		ExperimentID string `json:"experiment_id"`
	}
	if err := c.call(ctx, "POST", api+"experiments/create", map[string]any{"name": "replicas"}, &exp); err != nil {
		return "", err
	}
	for _, m := range models {
		if err := c.call(ctx, "POST", api+"registered-models/create", map[string]any{"name": m}, nil); err != nil {
			return "", err
		}
	}
	return exp.ExperimentID, nil
}

// write is one writer's loop until ctx ends: create a run, log a batch of
// metrics and params to it, and every fourth time add a model version.
func (l *load) write(ctx context.Context, c *client, w int, expID string) {
	for i := 0; ctx.Err() == nil; i++ {
		var run struct {
			Run struct {
				Info struct {
					RunID string `json:"run_id"`
				} `json:"info"`
			} `json:"run"`
		}
		if !l.do(ctx, "runs/create", c.call(ctx, "POST", api+"runs/create",
			map[string]any{"experiment_id": expID, "start_time": time.Now().UnixMilli()}, &run)) {
			continue
		}
		ack := ackedRun{id: run.Run.Info.RunID, metric: float64(w*100000 + i), param: fmt.Sprintf("w%d-%d", w, i)}
		var metrics []map[string]any
		for k := range 3 {
			metrics = append(metrics, map[string]any{"key": "m" + strconv.Itoa(k), "value": ack.metric,
				"timestamp": time.Now().UnixMilli(), "step": i})
		}
		params := []map[string]any{{"key": "p0", "value": ack.param}, {"key": "p1", "value": ack.param}}
		ack.logged = l.do(ctx, "runs/log-batch", c.call(ctx, "POST", api+"runs/log-batch",
			map[string]any{"run_id": ack.id, "metrics": metrics, "params": params}, nil))
		l.mu.Lock()
		l.runs = append(l.runs, ack)
		l.mu.Unlock()
		if !ack.logged || i%4 != 3 {
			continue
		}
		name := models[w%len(models)]
		var mv struct {
			ModelVersion struct {
				Version string `json:"version"`
			} `json:"model_version"`
		}
		if l.do(ctx, "model-versions/create", c.call(ctx, "POST", api+"model-versions/create",
			map[string]any{"name": name, "source": "s3://replicas/model"}, &mv)) {
			l.mu.Lock()
			l.versions = append(l.versions, ackedVersion{name, mv.ModelVersion.Version})
			l.mu.Unlock()
		}
	}
}

// read is one reader's loop until ctx ends: get an acknowledged run, which
// must be there whichever replica answers, search runs, and read a model's
// latest versions.
func (l *load) read(ctx context.Context, c *client, expID string) {
	for i := 0; ctx.Err() == nil; i++ {
		l.mu.Lock()
		var run ackedRun
		if len(l.runs) > 0 {
			run = l.runs[rand.IntN(len(l.runs))]
		}
		l.mu.Unlock()
		var ok bool
		switch {
		case i%3 == 0 && run.id != "":
			ok = l.do(ctx, "runs/get", c.call(ctx, "GET", api+"runs/get?run_id="+run.id, nil, nil))
		case i%3 == 1:
			ok = l.do(ctx, "runs/search", c.call(ctx, "POST", api+"runs/search",
				map[string]any{"experiment_ids": []string{expID}, "max_results": 20, "order_by": []string{"metrics.m0 DESC"}}, nil))
		default:
			ok = l.do(ctx, "registered-models/get-latest-versions", c.call(ctx, "GET", api+"registered-models/get-latest-versions?name="+
				url.QueryEscape(models[i%len(models)]), nil, nil))
		}
		if ok {
			l.reads.Add(1)
		}
	}
}

// do counts an acknowledged request or records a failure; a request cut
// short by the end of the load is neither.
func (l *load) do(ctx context.Context, op string, err error) bool {
	if err == nil {
		l.ops.Add(1)
		return true
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return false
	}
	l.fail(op, err)
	return false
}

// probe drives clients that ask base for /health until ctx ends: requests
// that reach a replica and touch no database.
func (l *load) probe(ctx context.Context, base string, clients int) {
	c := newClient(base)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				l.do(ctx, "health", c.call(ctx, "GET", "/health", nil, nil))
			}
		})
	}
	wg.Wait()
}

// run drives writers and readers against base until ctx ends.
func (l *load) run(ctx context.Context, base string, writers, readers int, expID string) {
	c := newClient(base)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() { l.write(ctx, c, w, expID) })
	}
	for range readers {
		wg.Go(func() { l.read(ctx, c, expID) })
	}
	wg.Wait()
}
