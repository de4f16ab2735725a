package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// sample estimates how long mlflow server takes to stream a metric history
// too long to read whole. Its get-history pages are SQL offsets, so a page
// costs more the further in it starts, and reading 10M points page by page
// takes hours. sample reads a few pages spread over the history, each once,
// by the page token MLflow 3.17.2 makes for that offset (base64 of
// {"offset": N}; MLflow calls the format internal, so this is for that
// version), checks each answer against the data, and sums a cost that is
// linear in the offset between the sampled pages over every page.

type sampleConfig struct {
	url            string
	points, page   int
	pages          int
	timeout        time.Duration
	tokenForOffset func(int) string
}

func parseSample(args []string, stderr io.Writer) (sampleConfig, error) {
	c := sampleConfig{tokenForOffset: mlflowOffsetToken}
	fs := flag.NewFlagSet("scale sample-history", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.url, "url", "", "mlflow server's base URL")
	fs.IntVar(&c.points, "points", 10000, "points of the store's metric history (scale gen -points)")
	fs.IntVar(&c.page, "history-page", 100000, "max_results of each page")
	fs.IntVar(&c.pages, "pages", 5, "pages to read, spread from the first to the last")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Minute, "longest wait for one page")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	switch {
	case c.url == "":
		return c, errors.New("-url is required")
	case c.points < 1 || c.page < 1 || c.pages < 2:
		return c, errors.New("-points and -history-page must be positive and -pages at least 2")
	}
	return c, nil
}

// mlflowOffsetToken is the page token MLflow 3.17.2 gives for the page that
// starts at offset.
func mlflowOffsetToken(offset int) string {
	if offset == 0 {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf(`{"offset": %d}`, offset)))
}

// samplePages returns k page numbers spread evenly from 0 to n-1.
func samplePages(n, k int) []int {
	k = min(k, n)
	if k == 1 {
		return []int{0}
	}
	out := make([]int, k)
	for i := range k {
		out[i] = i * (n - 1) / (k - 1)
	}
	return out
}

// estimateTotal sums, over pages 0..n-1, a cost that is linear between the
// sampled pages (sorted, the first 0 and the last n-1).
func estimateTotal(pages []int, cost []time.Duration, n int) time.Duration {
	var total float64
	for i := range len(pages) - 1 {
		a, b := pages[i], pages[i+1]
		ca, cb := float64(cost[i]), float64(cost[i+1])
		for p := a; p < b; p++ {
			total += ca + (cb-ca)*float64(p-a)/float64(b-a)
		}
	}
	total += float64(cost[len(cost)-1])
	return time.Duration(total)
}

func runSample(ctx context.Context, cfg sampleConfig, stdout, stderr io.Writer) error {
	c := newClient(cfg.url, cfg.timeout)
	n := (cfg.points + cfg.page - 1) / cfg.page
	pages := samplePages(n, cfg.pages)
	cost := make([]time.Duration, len(pages))
	for i, p := range pages {
		offset := p * cfg.page
		fmt.Fprintf(stderr, "sample-history: page %d of %d (offset %d)...\n", p+1, n, offset)
		d, err := readPage(ctx, c, offset, min(cfg.page, cfg.points-offset), cfg)
		if err != nil {
			return fmt.Errorf("page %d (offset %d): %w", p+1, offset, err)
		}
		cost[i] = d
	}
	fmt.Fprintf(stdout, "| page | first point | ms |\n|--:|--:|--:|\n")
	for i, p := range pages {
		fmt.Fprintf(stdout, "| %d of %d | %d | %.0f |\n", p+1, n, p*cfg.page, float64(cost[i])/float64(time.Millisecond))
	}
	fmt.Fprintf(stdout, "\nall %d pages, estimated (cost linear between the sampled pages): %.0f s\n",
		n, estimateTotal(pages, cost, n).Seconds())
	return nil
}

// readPage reads the page that starts at offset and checks that it holds
// steps offset..offset+want-1, each once.
func readPage(ctx context.Context, c *client, offset, want int, cfg sampleConfig) (time.Duration, error) {
	q := url.Values{"run_id": {historyRunID()}, "metric_key": {historyKey}, "max_results": {strconv.Itoa(cfg.page)}}
	if tok := cfg.tokenForOffset(offset); tok != "" {
		q.Set("page_token", tok)
	}
	data, elapsed, err := c.do(ctx, http.MethodGet, "/api/2.0/mlflow/metrics/get-history?"+q.Encode(), nil)
	if err != nil {
		return elapsed, err
	}
	var out struct {
		Metrics []struct {
			Step json.RawMessage `json:"step"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return elapsed, fmt.Errorf("decoding answer: %w", err)
	}
	if len(out.Metrics) != want {
		return elapsed, fmt.Errorf("answered %d points, want %d", len(out.Metrics), want)
	}
	seen := make([]bool, want)
	for _, m := range out.Metrics {
		s, err := strconv.Atoi(strings.Trim(string(m.Step), `"`))
		if len(m.Step) == 0 {
			s, err = 0, nil // proto3 JSON leaves out a zero step
		}
		if err != nil || s < offset || s >= offset+want || seen[s-offset] {
			return elapsed, fmt.Errorf("answered step %s, outside %d..%d or repeated", m.Step, offset, offset+want-1)
		}
		seen[s-offset] = true
	}
	return elapsed, nil
}
