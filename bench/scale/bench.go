package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// benchConfig is the bench subcommand's command line.
type benchConfig struct {
	url, label, server, engine string
	runs, points               int
	reps, warmup               int
	maxTime, timeout, wait     time.Duration
	historyPage                int
	db, jsonOut                string
	skip                       string
}

func parseBench(args []string, stderr io.Writer) (benchConfig, error) {
	var c benchConfig
	fs := flag.NewFlagSet("scale bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.url, "url", "", "base URL of the server, e.g. http://127.0.0.1:5000")
	fs.StringVar(&c.server, "server", "weir", "weir or mlflow: which runs page to load (Weir's page, or the search mlflow's UI sends)")
	fs.StringVar(&c.label, "label", "", "name in the output (default: -server)")
	fs.StringVar(&c.engine, "engine", "", "database engine, for the report: sqlite or postgresql (default: from -db)")
	fs.IntVar(&c.runs, "runs", 10000, "runs in the generated store (scale gen -runs)")
	fs.IntVar(&c.points, "points", 10000, "points of its metric history (scale gen -points)")
	fs.IntVar(&c.reps, "reps", 50, "timed calls per operation, at most...")
	fs.DurationVar(&c.maxTime, "max-time", 30*time.Second, "...and no more once this long was spent on one operation (at least one call is timed)")
	fs.IntVar(&c.warmup, "warmup", 2, "untimed calls per operation first (caches, connections)")
	fs.IntVar(&c.historyPage, "history-page", 100000, "max_results of each get-history page")
	fs.DurationVar(&c.timeout, "timeout", 15*time.Minute, "timeout of one HTTP call")
	fs.DurationVar(&c.wait, "wait", 5*time.Minute, "wait this long for the server to answer before starting")
	fs.StringVar(&c.db, "db", "", "the store's database URI: also report its size on disk")
	fs.StringVar(&c.skip, "skip", "", "comma-separated operations not to run (search, history, page-first, page-sorted)")
	fs.StringVar(&c.jsonOut, "json", "", "write the measurements to this JSON file (for scale report)")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	switch {
	case c.url == "":
		return c, errors.New("-url is required")
	case c.server != "weir" && c.server != "mlflow":
		return c, fmt.Errorf("-server %q: want weir or mlflow", c.server)
	case c.runs < 1 || c.points < 1 || c.reps < 1 || c.warmup < 0 || c.historyPage < 1:
		return c, errors.New("-runs, -points, -reps and -history-page must be positive, -warmup not negative")
	}
	if c.label == "" {
		c.label = c.server
	}
	if c.engine == "" {
		c.engine = "sqlite"
		if _, ok := postgresURI(c.db); ok {
			c.engine = "postgresql"
		}
	}
	return c, nil
}

// benchReport is what one bench run measured, for -json and report.
type benchReport struct {
	Label       string     `json:"label"`
	Server      string     `json:"server"`
	Engine      string     `json:"engine"`
	Runs        int        `json:"runs"`
	Points      int        `json:"points"`
	Matched     int        `json:"search_matched"` // runs the search filter matches
	HistoryPage int        `json:"history_page"`
	Reps        int        `json:"reps"`
	MaxTime     string     `json:"max_time"`
	Date        string     `json:"date"`
	GoVersion   string     `json:"go_version"`
	CPUs        int        `json:"cpus"`
	LoadBefore  string     `json:"load_before"`
	LoadAfter   string     `json:"load_after"`
	Size        *storeSize `json:"size,omitempty"`
	Results     []opResult `json:"results"`
}

// opResult is one operation's timings.
type opResult struct {
	Key        string    `json:"op"`
	OK         int       `json:"ok"`
	Errors     int       `json:"errors"`
	P50Ms      float64   `json:"p50_ms"`
	P99Ms      float64   `json:"p99_ms"`
	MeanMs     float64   `json:"mean_ms"`
	MaxMs      float64   `json:"max_ms"`
	Capped     bool      `json:"capped,omitempty"` // stopped by -max-time before -reps calls
	FirstError string    `json:"first_error,omitempty"`
	Latencies  []float64 `json:"latencies_ms,omitempty"`
}

// op is one timed operation: call returns the time spent in HTTP exchanges
// and an error when the answer is wrong.
type op struct {
	key  string
	call func(ctx context.Context) (time.Duration, error)
}

func runBench(ctx context.Context, cfg benchConfig, stdout, log io.Writer) error {
	c := newClient(cfg.url, cfg.timeout)
	if err := c.waitReady(ctx, cfg.wait); err != nil {
		return err
	}
	rep := &benchReport{
		Label: cfg.label, Server: cfg.server, Engine: cfg.engine, Runs: cfg.runs, Points: cfg.points,
		HistoryPage: cfg.historyPage, Reps: cfg.reps, MaxTime: cfg.maxTime.String(),
		Date: time.Now().UTC().Format(time.RFC3339), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
		LoadBefore: loadAverage(),
	}
	if cfg.db != "" {
		sz, err := measureSize(ctx, cfg.db, cfg.runs, cfg.points)
		if err != nil {
			return err
		}
		rep.Size = &sz
	}
	var ops []op
	var err error
	ops, rep.Matched, err = operations(c, cfg)
	if err != nil {
		return err
	}
	skip := strings.Split(cfg.skip, ",")
	for _, o := range ops {
		if slices.Contains(skip, o.key) {
			continue
		}
		r := measure(ctx, o, cfg)
		fmt.Fprintf(log, "scale bench: %s %s %d runs: %-14s ok %4d errors %2d  p50 %10.2f ms  p99 %10.2f ms\n",
			cfg.label, cfg.engine, cfg.runs, o.key, r.OK, r.Errors, r.P50Ms, r.P99Ms)
		if r.FirstError != "" {
			fmt.Fprintf(log, "scale bench:   first error: %s\n", r.FirstError)
		}
		rep.Results = append(rep.Results, r)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	rep.LoadAfter = loadAverage()
	if cfg.jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	_, err = io.WriteString(stdout, markdown([]*benchReport{rep}))
	return err
}

// operations returns the timed operations with the answers they must give.
func operations(c *client, cfg benchConfig) (ops []op, matched int, err error) {
	wantSearch, matched := expectedSearch(cfg.runs, searchPage)
	wantFirst := expectedPage(cfg.runs, searchPage)
	wantSorted := expectedSorted(cfg.runs, searchPage)
	if len(wantSearch) == 0 || len(wantFirst) == 0 {
		return nil, 0, fmt.Errorf("a store of %d runs is too small: the search matches none", cfg.runs)
	}
	allExps := []string{"1", "2", "3"}
	main := []string{fmt.Sprint(mainExperiment)}
	ops = []op{
		{"search", func(ctx context.Context) (time.Duration, error) {
			return c.searchRuns(ctx, "/api/2.0/mlflow/runs/search", allExps, searchFilter, searchOrder, wantSearch)
		}},
		{"history", func(ctx context.Context) (time.Duration, error) {
			return c.history(ctx, historyRunID(), historyKey, cfg.historyPage, cfg.points)
		}},
	}
	if cfg.server == "weir" {
		ops = append(ops,
			op{"page-first", func(ctx context.Context) (time.Duration, error) {
				return c.runsPage(ctx, mainExperiment, "", wantFirst)
			}},
			op{"page-sorted", func(ctx context.Context) (time.Duration, error) {
				return c.runsPage(ctx, mainExperiment, "metrics.`m1` DESC", wantSorted)
			}})
	} else {
		ops = append(ops,
			op{"page-first", func(ctx context.Context) (time.Duration, error) {
				return c.searchRuns(ctx, "/ajax-api/2.0/mlflow/runs/search", main, "", "attributes.start_time DESC", wantFirst)
			}},
			op{"page-sorted", func(ctx context.Context) (time.Duration, error) {
				return c.searchRuns(ctx, "/ajax-api/2.0/mlflow/runs/search", main, "", "metrics.`m1` DESC", wantSorted)
			}})
	}
	return ops, matched, nil
}

// measure warms o up, then times it one call at a time until cfg.reps calls
// or cfg.maxTime. Wrong answers are counted, never timed.
func measure(ctx context.Context, o op, cfg benchConfig) opResult {
	r := opResult{Key: o.key}
	fail := func(err error) {
		r.Errors++
		if r.FirstError == "" {
			r.FirstError = err.Error()
		}
	}
	for range cfg.warmup {
		if _, err := o.call(ctx); err != nil {
			fail(err)
		}
	}
	var lat []time.Duration
	start := time.Now()
	for i := 0; i < cfg.reps && ctx.Err() == nil; i++ {
		if i > 0 && time.Since(start) >= cfg.maxTime {
			r.Capped = true
			break
		}
		d, err := o.call(ctx)
		if err != nil {
			fail(err)
			continue
		}
		lat = append(lat, d)
	}
	r.summarize(lat)
	return r
}

// summarize fills the latency fields from the successful calls' times.
func (r *opResult) summarize(lat []time.Duration) {
	r.OK = len(lat)
	if r.OK == 0 {
		return
	}
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
		r.Latencies = append(r.Latencies, math.Round(ms(d)*1000)/1000)
	}
	r.MeanMs = ms(sum / time.Duration(r.OK))
	r.P50Ms = ms(percentile(lat, 50))
	r.P99Ms = ms(percentile(lat, 99))
	r.MaxMs = ms(lat[r.OK-1])
}

// percentile is the nearest-rank p-th percentile of sorted (not empty), the
// definition bench/tracking uses: with fewer than 100 calls p99 is the
// slowest call.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(1, min(rank, len(sorted)))-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// loadAverage returns /proc/loadavg's first three fields, or "unknown": the
// machine is shared, so every report says how busy it was.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
