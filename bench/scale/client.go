package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// client calls the few endpoints the benchmark times, over plain HTTP.
type client struct {
	base string
	hc   *http.Client
}

func newClient(base string, timeout time.Duration) *client {
	tr := &http.Transport{
		MaxIdleConnsPerHost: 2,
		// uvicorn drops idle keep-alive connections after 5 s; reusing
		// one as it closes would fail a call for the client's sake.
		IdleConnTimeout:    3 * time.Second,
		DisableCompression: true,
	}
	return &client{base: strings.TrimRight(base, "/"), hc: &http.Client{Transport: tr, Timeout: timeout}}
}

// do sends one request and reads the whole answer; elapsed runs from just
// before the request to the answer's last byte.
func (c *client) do(ctx context.Context, method, path string, body []byte) (data []byte, elapsed time.Duration, err error) {
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
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, time.Since(start), err
	}
	data, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed = time.Since(start)
	if err != nil {
		return nil, elapsed, fmt.Errorf("%s %s: reading answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, elapsed, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, snippet(data))
	}
	return data, elapsed, nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// waitReady polls the server until it answers a search or limit passes.
func (c *client) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		_, _, err := c.do(ctx, http.MethodPost, "/api/2.0/mlflow/experiments/search", []byte(`{"max_results":1}`))
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("server at %s not ready after %v: %w", c.base, limit, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// searchRuns sends one runs/search to path and checks that it answers the
// runs want, in order.
func (c *client) searchRuns(ctx context.Context, path string, exps []string, filter, order string, want []string) (time.Duration, error) {
	in := map[string]any{"experiment_ids": exps, "filter": filter, "max_results": searchPage,
		"order_by": []string{order}, "run_view_type": "ACTIVE_ONLY"}
	body, err := json.Marshal(in)
	if err != nil {
		return 0, err
	}
	data, elapsed, err := c.do(ctx, http.MethodPost, path, body)
	if err != nil {
		return elapsed, err
	}
	var out struct {
		Runs []struct {
			Info struct {
				RunID string `json:"run_id"`
			} `json:"info"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return elapsed, fmt.Errorf("runs/search: decoding answer: %w", err)
	}
	got := make([]string, len(out.Runs))
	for i, r := range out.Runs {
		got[i] = r.Info.RunID
	}
	return elapsed, sameRuns("runs/search "+filter+" order by "+order, got, want)
}

// sameRuns fails unless got lists the runs of want in the same order.
func sameRuns(what string, got, want []string) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s answered %d runs, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			return fmt.Errorf("%s answered run %s at position %d, want %s", what, got[i], i+1, want[i])
		}
	}
	return nil
}

// runLink finds the run pages a Weir runs page links to.
var runLink = regexp.MustCompile(`/runs/([0-9a-f]{32})\b`)

// runsPage loads Weir's runs page of experiment exp, 100 runs, in order
// (empty: the default) and checks that it lists the runs want, in order.
func (c *client) runsPage(ctx context.Context, exp int, order string, want []string) (time.Duration, error) {
	q := url.Values{"n": {strconv.Itoa(searchPage)}}
	if order != "" {
		q.Set("order", order)
	}
	data, elapsed, err := c.do(ctx, http.MethodGet, fmt.Sprintf("/experiments/%d?%s", exp, q.Encode()), nil)
	if err != nil {
		return elapsed, err
	}
	var got []string
	for _, m := range runLink.FindAllSubmatch(data, -1) {
		if id := string(m[1]); len(got) == 0 || got[len(got)-1] != id {
			got = append(got, id)
		}
	}
	return elapsed, sameRuns("the runs page ordered by "+cmpOr(order, "default"), got, want)
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// history reads every page of a metric's history (get-history, pageSize
// points a page) and checks that it holds steps 0 to points-1, each once.
func (c *client) history(ctx context.Context, runID, key string, pageSize, points int) (time.Duration, error) {
	var total time.Duration
	seen := make([]bool, points)
	got, token := 0, ""
	for pages := 0; ; pages++ {
		q := url.Values{"run_id": {runID}, "metric_key": {key}, "max_results": {strconv.Itoa(pageSize)}}
		if token != "" {
			q.Set("page_token", token)
		}
		data, elapsed, err := c.do(ctx, http.MethodGet, "/api/2.0/mlflow/metrics/get-history?"+q.Encode(), nil)
		total += elapsed
		if err != nil {
			return total, err
		}
		var out struct {
			Metrics []struct {
				Key  string          `json:"key"`
				Step json.RawMessage `json:"step"`
			} `json:"metrics"`
			NextPageToken string `json:"next_page_token"`
		}
		if err := json.Unmarshal(data, &out); err != nil {
			return total, fmt.Errorf("get-history page %d: decoding answer: %w", pages+1, err)
		}
		for _, m := range out.Metrics {
			s, err := strconv.Atoi(strings.Trim(string(m.Step), `"`))
			if len(m.Step) == 0 {
				s, err = 0, nil // proto3 JSON leaves out a zero step
			}
			if err != nil || m.Key != key || s < 0 || s >= points || seen[s] {
				return total, fmt.Errorf("get-history answered key %q step %s, unexpected or repeated", m.Key, m.Step)
			}
			seen[s] = true
			got++
		}
		if out.NextPageToken == "" {
			break
		}
		if pages > points/pageSize+2 {
			return total, fmt.Errorf("get-history still gives a next page after %d pages", pages+1)
		}
		token = out.NextPageToken
	}
	if got != points {
		return total, fmt.Errorf("get-history answered %d points, want %d", got, points)
	}
	return total, nil
}
