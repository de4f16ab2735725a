package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// client speaks the few MLflow REST endpoints the benchmark drives, over plain
// HTTP/JSON, so it can point at any MLflow-compatible server.
type client struct {
	base string
	hc   *http.Client
	// user and password, when user is set, go with every request as HTTP
	// basic auth, as MLflow's client sends MLFLOW_TRACKING_USERNAME and
	// MLFLOW_TRACKING_PASSWORD (a server with authentication on).
	user, password string
}

// newClient returns a client for the server at base that keeps up to conns
// connections alive, so every benchmark client reuses its own connection.
func newClient(base string, conns int, timeout time.Duration) *client {
	tr := &http.Transport{
		MaxIdleConns:        2 * conns,
		MaxIdleConnsPerHost: 2 * conns,
		// Servers drop idle keep-alive connections (uvicorn, under mlflow
		// server, after 5 s); a POST sent on one just as it closes fails
		// with EOF and is not retried. Letting go of them first keeps such
		// client-made failures out of the error counts.
		IdleConnTimeout: 3 * time.Second,
		// Every server then sends the same plain JSON; gzip on loopback only
		// burns the CPU that server and load generator share.
		DisableCompression: true,
	}
	return &client{
		base: strings.TrimRight(base, "/"),
		hc:   &http.Client{Transport: tr, Timeout: timeout},
	}
}

// apiError is an answer with a non-2xx status. It keeps the start of the body
// so a failing server's own error message reaches the report.
type apiError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Body)
}

// exchange sends one request and reads the whole answer. elapsed runs from
// just before the request is written to the last byte of the response, so it
// excludes building the request and checking the answer.
func (c *client) exchange(ctx context.Context, method, path string, body []byte) (data []byte, elapsed time.Duration, err error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.do(req, method, path)
}

// do sends a built request and reads the whole answer, timed as exchange
// says.
func (c *client) do(req *http.Request, method, path string) (data []byte, elapsed time.Duration, err error) {
	if c.user != "" {
		req.SetBasicAuth(c.user, c.password)
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, time.Since(start), err
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	elapsed = time.Since(start)
	if err != nil {
		return nil, elapsed, fmt.Errorf("%s %s: reading answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return buf.Bytes(), elapsed, &apiError{Method: method, Path: path, Status: resp.StatusCode, Body: snippet(buf.Bytes())}
	}
	return buf.Bytes(), elapsed, nil
}

// snippet shortens a body for an error message.
func snippet(b []byte) string {
	const max = 300
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

// post sends in as JSON to path and decodes the answer into out, unless out is nil.
func (c *client) post(ctx context.Context, path string, in, out any) (time.Duration, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return 0, err
	}
	return c.postRaw(ctx, path, body, out)
}

// postRaw is post for a body that was encoded beforehand.
func (c *client) postRaw(ctx context.Context, path string, body []byte, out any) (time.Duration, error) {
	data, elapsed, err := c.exchange(ctx, http.MethodPost, path, body)
	if err != nil {
		return elapsed, err
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return elapsed, fmt.Errorf("POST %s: decoding answer: %w (body %s)", path, err, snippet(data))
		}
	}
	return elapsed, nil
}

const api = "/api/2.0/mlflow"

// metric is one MLflow metric value on the wire.
type metric struct {
	Key       string  `json:"key"`
	Value     float64 `json:"value"`
	Timestamp flexInt `json:"timestamp"`
	Step      flexInt `json:"step"`
}

// param is one MLflow parameter on the wire.
type param struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// run is the part of an MLflow run the benchmark reads back.
type run struct {
	Info struct {
		RunID        string `json:"run_id"`
		ExperimentID string `json:"experiment_id"`
	} `json:"info"`
	Data struct {
		Metrics []metric `json:"metrics"`
		Params  []param  `json:"params"`
	} `json:"data"`
}

// flexInt decodes an int64 sent either as a JSON number or, as protobuf's JSON
// mapping allows for int64, as a string.
type flexInt int64

// UnmarshalJSON accepts 12, "12" and null.
func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	*f = flexInt(n)
	return nil
}

// MarshalJSON writes a JSON number, which every MLflow server accepts.
func (f flexInt) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(f), 10), nil
}

// ready reports whether the server answers a trivial API call.
func (c *client) ready(ctx context.Context) error {
	_, err := c.post(ctx, api+"/experiments/search", map[string]any{"max_results": 1}, nil)
	return err
}

// createExperiment creates an experiment and returns its ID.
func (c *client) createExperiment(ctx context.Context, name string) (string, error) {
	var out struct {
		ExperimentID string `json:"experiment_id"`
	}
	if _, err := c.post(ctx, api+"/experiments/create", map[string]any{"name": name}, &out); err != nil {
		return "", err
	}
	if out.ExperimentID == "" {
		return "", fmt.Errorf("experiments/create answered without an experiment_id")
	}
	return out.ExperimentID, nil
}

// createRun creates a run in experiment expID and returns its ID.
func (c *client) createRun(ctx context.Context, expID string) (string, time.Duration, error) {
	in := map[string]any{"experiment_id": expID, "start_time": time.Now().UnixMilli()}
	var out struct {
		Run run `json:"run"`
	}
	elapsed, err := c.post(ctx, api+"/runs/create", in, &out)
	if err != nil {
		return "", elapsed, err
	}
	if out.Run.Info.RunID == "" {
		return "", elapsed, fmt.Errorf("runs/create answered without run.info.run_id")
	}
	return out.Run.Info.RunID, elapsed, nil
}

// batchBody encodes a runs/log-batch request.
//
// It appends the JSON by hand: encoding/json calls flexInt's MarshalJSON
// and re-validates its output for every field, about a millisecond of CPU
// per 1000-metric batch that the generator would take from the server
// under test on a small machine.
func batchBody(runID string, metrics []metric, params []param) ([]byte, error) {
	b := make([]byte, 0, 64+80*len(metrics)+48*len(params))
	b = append(b, `{"run_id":`...)
	b = appendJSONString(b, runID)
	if len(metrics) > 0 {
		b = append(b, `,"metrics":[`...)
		for i, m := range metrics {
			if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
				return nil, fmt.Errorf("metric %s: %v has no JSON number", m.Key, m.Value)
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"key":`...)
			b = appendJSONString(b, m.Key)
			b = append(b, `,"value":`...)
			b = strconv.AppendFloat(b, m.Value, 'g', -1, 64)
			b = append(b, `,"timestamp":`...)
			b = strconv.AppendInt(b, int64(m.Timestamp), 10)
			b = append(b, `,"step":`...)
			b = strconv.AppendInt(b, int64(m.Step), 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(params) > 0 {
		b = append(b, `,"params":[`...)
		for i, p := range params {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"key":`...)
			b = appendJSONString(b, p.Key)
			b = append(b, `,"value":`...)
			b = appendJSONString(b, p.Value)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as a JSON string: plain ASCII as it is, the
// rest through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// logBatch sends an encoded runs/log-batch request.
func (c *client) logBatch(ctx context.Context, body []byte) (time.Duration, error) {
	return c.postRaw(ctx, api+"/runs/log-batch", body, nil)
}

// searchRuns returns the first page of runs in expID that match filter.
func (c *client) searchRuns(ctx context.Context, expID, filter string, max int) ([]run, time.Duration, error) {
	in := map[string]any{"experiment_ids": []string{expID}, "filter": filter, "max_results": max}
	var out struct {
		Runs []run `json:"runs"`
	}
	elapsed, err := c.post(ctx, api+"/runs/search", in, &out)
	return out.Runs, elapsed, err
}

// historyPage is one get-history answer. body is kept so callers choose how
// deeply to check it.
type historyPage struct {
	body      []byte
	nextToken string
}

// metricHistory fetches every page of a metric's history and returns the
// pages; elapsed is the sum of the page exchanges.
func (c *client) metricHistory(ctx context.Context, runID, key string) ([]historyPage, time.Duration, error) {
	var pages []historyPage
	var total time.Duration
	token := ""
	for {
		q := url.Values{"run_id": {runID}, "run_uuid": {runID}, "metric_key": {key}}
		if token != "" {
			q.Set("page_token", token)
		}
		data, elapsed, err := c.exchange(ctx, http.MethodGet, api+"/metrics/get-history?"+q.Encode(), nil)
		total += elapsed
		if err != nil {
			return nil, total, err
		}
		page := historyPage{body: data}
		// Decoding 100,000 points just to find the token would cost the load
		// generator more CPU than some servers spend answering; look first.
		if bytes.Contains(data, []byte(`"next_page_token"`)) {
			var tok struct {
				NextPageToken string `json:"next_page_token"`
			}
			if err := json.Unmarshal(data, &tok); err != nil {
				return nil, total, fmt.Errorf("get-history: decoding answer: %w", err)
			}
			page.nextToken = tok.NextPageToken
		}
		pages = append(pages, page)
		if page.nextToken == "" || len(pages) > 10000 {
			return pages, total, nil
		}
		token = page.nextToken
	}
}
