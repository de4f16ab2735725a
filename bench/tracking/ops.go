package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// step performs one timed operation; i counts this client's calls, warm-up
// included, so every call can write new data. It returns the time spent in
// HTTP exchanges only.
type step func(ctx context.Context, i int) (time.Duration, error)

// operation is one row of the benchmark.
type operation struct {
	key  string // short name for -ops and the JSON output
	name string // row label in the table
	// seed, when set, loads the data the operation reads. It runs once,
	// untimed, before any client prepares.
	seed func(ctx context.Context, e *env) error
	// prepare runs untimed once per client and returns its step.
	prepare func(ctx context.Context, e *env, worker int) (step, error)
	// optIn operations run only when -ops names them (issue #3's
	// artifact and registry rows), so the default run stays issue #2's.
	optIn bool
	// bytes is what one call moves, for the MB/s column; 0 for API calls.
	bytes int64
	// minOps, when set, replaces -min-ops: a hundred 100 MB calls would
	// take minutes on a slow server for no better p50.
	minOps int
}

// env is what the operations share: the client, the experiment the write
// operations use, and what seeding left behind for the read operations.
type env struct {
	c       *client
	clients int
	tag     string // makes experiment names unique per invocation
	opsExp  string

	searchRuns   int
	searchPage   int
	searchExp    string
	searchWanted int // runs the filter matches in searchExp

	historyPoints int
	historyRun    string

	payloadMu      sync.Mutex
	payloads       map[int]payload // by size, see env.payload
	downloads      map[int]string  // proxy path of the seeded file, by size
	registrySeeded bool

	traceExp string // the experiment seedTraces filled (traces.go)
}

// searchFilter is the query the search operation times; seedSearch makes
// about a quarter of the runs above 0.5 carry p = 'x'.
const searchFilter = "metrics.m > 0.5 and params.p = 'x'"

const historyKey = "loss"

// mb is the artifact operations' megabyte: 2^20 bytes, as "a 1 MB file"
// is usually meant; MB/s divides by the same unit.
const mb = 1 << 20

// operations returns every operation in the order the table lists them,
// with the search and history sizes in their names.
func operations(searchRuns, historyPoints int) []operation {
	return []operation{
		{key: "create-run", name: "create run", prepare: prepareCreateRun},
		{key: "log-batch-10", name: "log-batch, 10 metrics", prepare: prepareMetricBatch(10, 10)},
		{key: "log-batch-1000", name: "log-batch, 1000 metrics", prepare: prepareMetricBatch(10, 100)},
		{key: "log-batch-params", name: "log-batch, 100 params", prepare: prepareParamBatch(100)},
		{key: "search-runs", name: fmt.Sprintf("search runs (filter, %s runs)", thousands(searchRuns)), seed: seedSearch, prepare: prepareSearch},
		{key: "metric-history", name: fmt.Sprintf("metric history (%s points)", thousands(historyPoints)), seed: seedHistory, prepare: prepareHistory},
		{key: "upload1m", name: "artifact upload, 1 MB", prepare: prepareUpload(mb), optIn: true, bytes: mb},
		{key: "upload100m", name: "artifact upload, 100 MB", prepare: prepareUpload(100 * mb), optIn: true, bytes: 100 * mb, minOps: 16},
		{key: "download1m", name: "artifact download, 1 MB", seed: seedDownload(mb), prepare: prepareDownload(mb), optIn: true, bytes: mb},
		{key: "download100m", name: "artifact download, 100 MB", seed: seedDownload(100 * mb), prepare: prepareDownload(100 * mb), optIn: true, bytes: 100 * mb, minOps: 16},
		{key: "search-models", name: fmt.Sprintf("search registered models (name LIKE, %s models)", thousands(registryModels)), seed: seedRegistry, prepare: prepareModelSearch, optIn: true},
		{key: "trace-ingest", name: fmt.Sprintf("trace ingest (%d spans: OTLP + StartTraceV3)", spansPerTrace), prepare: prepareTraceIngest, optIn: true},
		{key: "search-traces", name: fmt.Sprintf("search traces (status, time, %s traces)", thousands(traceSeed)), seed: seedTraces, prepare: prepareTraceSearch, optIn: true},
		{key: "search-traces-tag", name: fmt.Sprintf("search traces (tag, status, %s traces)", thousands(traceSeed)), seed: seedTraces, prepare: prepareTraceTagSearch, optIn: true},
		{key: "search-versions", name: fmt.Sprintf("search model versions (by name, %d versions)", registryVersions), seed: seedRegistry, prepare: prepareVersionSearch, optIn: true},
	}
}

func prepareCreateRun(ctx context.Context, e *env, worker int) (step, error) {
	return func(ctx context.Context, i int) (time.Duration, error) {
		_, elapsed, err := e.c.createRun(ctx, e.opsExp)
		return elapsed, err
	}, nil
}

// prepareMetricBatch logs keys×steps new metric values per call into a run of
// the client's own, like a training loop flushing its buffered steps.
func prepareMetricBatch(keys, steps int) func(context.Context, *env, int) (step, error) {
	return func(ctx context.Context, e *env, worker int) (step, error) {
		runID, _, err := e.c.createRun(ctx, e.opsExp)
		if err != nil {
			return nil, err
		}
		ms := make([]metric, keys*steps)
		return func(ctx context.Context, i int) (time.Duration, error) {
			now := flexInt(time.Now().UnixMilli())
			for s := 0; s < steps; s++ {
				for k := 0; k < keys; k++ {
					ms[s*keys+k] = metric{
						Key:       fmt.Sprintf("m%d", k),
						Value:     float64((i*steps+s)%997) / 997,
						Timestamp: now,
						Step:      flexInt(i*steps + s),
					}
				}
			}
			body, err := batchBody(runID, ms, nil)
			if err != nil {
				return 0, err
			}
			return e.c.logBatch(ctx, body)
		}, nil
	}
}

// prepareParamBatch logs n new parameters per call; MLflow parameters cannot
// change once set, so every call uses new keys.
func prepareParamBatch(n int) func(context.Context, *env, int) (step, error) {
	return func(ctx context.Context, e *env, worker int) (step, error) {
		runID, _, err := e.c.createRun(ctx, e.opsExp)
		if err != nil {
			return nil, err
		}
		ps := make([]param, n)
		return func(ctx context.Context, i int) (time.Duration, error) {
			for j := range ps {
				ps[j] = param{Key: fmt.Sprintf("p%d_%d", i, j), Value: fmt.Sprintf("value-%d", j)}
			}
			body, err := batchBody(runID, nil, ps)
			if err != nil {
				return 0, err
			}
			return e.c.logBatch(ctx, body)
		}, nil
	}
}

// searchSeedRun says what seedSearch logs into the r-th run: m spreads evenly
// over [0, 1) in a scattered order, p cycles through four values.
func searchSeedRun(r, n int) (m float64, p string) {
	return float64((r*7919)%n) / float64(n), []string{"x", "y", "z", "w"}[r%4]
}

// seedSearch fills a fresh experiment with e.searchRuns runs, each with one
// metric m and one parameter p, and counts how many the filter matches.
// When the experiment was seeded beforehand (-search-exp), it only counts.
func seedSearch(ctx context.Context, e *env) error {
	e.searchWanted = 0
	for r := 0; r < e.searchRuns; r++ {
		if m, p := searchSeedRun(r, e.searchRuns); m > 0.5 && p == "x" {
			e.searchWanted++
		}
	}
	if e.searchExp != "" {
		return nil
	}
	exp, err := e.c.createExperiment(ctx, "weir-bench-search-"+e.tag)
	if err != nil {
		return err
	}
	e.searchExp = exp
	return parallel(ctx, e.clients, e.searchRuns, func(ctx context.Context, r int) error {
		runID, _, err := e.c.createRun(ctx, exp)
		if err != nil {
			return err
		}
		m, p := searchSeedRun(r, e.searchRuns)
		body, err := batchBody(runID,
			[]metric{{Key: "m", Value: m, Timestamp: flexInt(time.Now().UnixMilli())}},
			[]param{{Key: "p", Value: p}})
		if err != nil {
			return err
		}
		_, err = e.c.logBatch(ctx, body)
		return err
	})
}

func prepareSearch(ctx context.Context, e *env, worker int) (step, error) {
	return func(ctx context.Context, i int) (time.Duration, error) {
		runs, elapsed, err := e.c.searchRuns(ctx, e.searchExp, searchFilter, e.searchPage)
		if err != nil {
			return elapsed, err
		}
		return elapsed, checkSearch(runs, min(e.searchPage, e.searchWanted))
	}, nil
}

// checkSearch fails unless runs is a full page of runs that all match
// searchFilter: a server that ignores the filter must not look fast.
func checkSearch(runs []run, want int) error {
	if len(runs) != want {
		return fmt.Errorf("search answered %d runs, want %d", len(runs), want)
	}
	for _, r := range runs {
		m, hasM := 0.0, false
		for _, x := range r.Data.Metrics {
			if x.Key == "m" {
				m, hasM = x.Value, true
			}
		}
		p := ""
		for _, x := range r.Data.Params {
			if x.Key == "p" {
				p = x.Value
			}
		}
		if !hasM || m <= 0.5 || p != "x" {
			return fmt.Errorf("search answered run %s with m=%v (present %v), p=%q, which the filter excludes", r.Info.RunID, m, hasM, p)
		}
	}
	return nil
}

// seedHistory logs e.historyPoints values of one metric into one run, a
// thousand per batch (MLflow's per-request limit), unless the run was seeded
// beforehand (-history-run).
func seedHistory(ctx context.Context, e *env) error {
	if e.historyRun != "" {
		return nil
	}
	runID, _, err := e.c.createRun(ctx, e.opsExp)
	if err != nil {
		return err
	}
	e.historyRun = runID
	const per = 1000
	batches := (e.historyPoints + per - 1) / per
	return parallel(ctx, e.clients, batches, func(ctx context.Context, b int) error {
		ms := make([]metric, 0, per)
		now := flexInt(time.Now().UnixMilli())
		for s := b * per; s < min((b+1)*per, e.historyPoints); s++ {
			ms = append(ms, metric{Key: historyKey, Value: float64(s%1000) / 1000, Timestamp: now, Step: flexInt(s)})
		}
		body, err := batchBody(runID, ms, nil)
		if err != nil {
			return err
		}
		_, err = e.c.logBatch(ctx, body)
		return err
	})
}

func prepareHistory(ctx context.Context, e *env, worker int) (step, error) {
	return func(ctx context.Context, i int) (time.Duration, error) {
		pages, elapsed, err := e.c.metricHistory(ctx, e.historyRun, historyKey)
		if err != nil {
			return elapsed, err
		}
		// Every tenth answer is checked point by point (the first falls in
		// the warm-up, whose failures count too); the others are only
		// counted, cheaply, to leave the CPU to the server.
		if i%10 == 0 {
			return elapsed, checkHistory(pages, e.historyPoints)
		}
		return elapsed, countHistory(pages, e.historyPoints)
	}, nil
}

// countHistory checks the number of points by counting "key" members, one
// per metric object in a get-history answer.
func countHistory(pages []historyPage, want int) error {
	got := 0
	for _, p := range pages {
		got += bytes.Count(p.body, []byte(`"key"`))
	}
	if got != want {
		return fmt.Errorf("metric history answered %d points, want %d", got, want)
	}
	return nil
}

// checkHistory decodes every page and checks that each step from 0 to want-1
// came back exactly once under the right key.
func checkHistory(pages []historyPage, want int) error {
	seen := make([]bool, want)
	got := 0
	for _, p := range pages {
		var out struct {
			Metrics []metric `json:"metrics"`
		}
		if err := json.Unmarshal(p.body, &out); err != nil {
			return fmt.Errorf("get-history: decoding answer: %w", err)
		}
		for _, m := range out.Metrics {
			s := int(m.Step)
			if m.Key != historyKey || s < 0 || s >= want || seen[s] {
				return fmt.Errorf("metric history answered key %q step %d, unexpected or repeated", m.Key, s)
			}
			seen[s] = true
			got++
		}
	}
	if got != want {
		return fmt.Errorf("metric history answered %d points, want %d", got, want)
	}
	return nil
}

// thousands writes n with comma separators, as the brief and the tables do.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
