// Command tracking is a load generator for MLflow-compatible tracking servers.
//
// It drives any server that speaks MLflow's REST API over plain HTTP/JSON with
// N concurrent clients and prints, per operation, the mean, p50 and p99
// latency, the throughput and the number of failed calls:
//
//	go run ./bench/tracking -url http://127.0.0.1:5000 -clients 8 -duration 10s
//
// Operations: create run; log-batch of 10 metrics; log-batch of 1000 metrics;
// log-batch of 100 params; search runs with a filter over 10,000 runs; get the
// history of a 100,000-point metric. The last two are seeded first, untimed.
//
// Opt-in operations (issue #3), run only when -ops names them: upload and
// download of 1 MB and 100 MB files through the mlflow-artifacts proxy,
// reported in MB/s as well; search of 1,000 registered models with a
// name LIKE filter; search of a model's versions by name.
// Every answer is checked (status, and for reads the content), and a failed
// call counts as an error, not as a fast call.
//
// With -pid it also reads the server's idle memory from /proc before the load
// and again after it. With -combine it merges the JSON outputs of several
// servers into one comparison table (see run.sh).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// config holds the command line.
type config struct {
	url, label, jsonOut, opsList string
	user, passwordEnv            string
	clients                      int
	lim                          limits
	timeout, wait, settle        time.Duration
	searchRuns, searchPage       int
	historyPoints                int
	searchExp, historyRun        string
	traceExp                     string
	pid                          int
	combine, base, bars          string
	artifactBars                 string
	barRSSMB                     float64
	freePort                     bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cli(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "tracking:", err)
		}
		os.Exit(2)
	}
}

// cli parses args and does what they ask.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	switch {
	case cfg.freePort:
		return printFreePort(stdout)
	case cfg.combine != "":
		return runCombine(cfg, stdout)
	}
	rep, err := bench(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	if cfg.jsonOut != "" {
		if err := writeJSON(cfg.jsonOut, rep); err != nil {
			return err
		}
	}
	_, err = io.WriteString(stdout, rep.markdown())
	return err
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("tracking", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.url, "url", "", "base URL of the MLflow-compatible server, e.g. http://127.0.0.1:5000")
	fs.StringVar(&c.label, "label", "", "name of the server in the output (default: the URL)")
	fs.StringVar(&c.user, "user", "", "send HTTP basic auth as this user (a server with authentication on)")
	fs.StringVar(&c.passwordEnv, "password-env", "MLFLOW_TRACKING_PASSWORD", "environment variable holding -user's password")
	fs.IntVar(&c.clients, "clients", 8, "concurrent clients")
	fs.DurationVar(&c.lim.duration, "duration", 10*time.Second, "measure each operation at least this long...")
	fs.IntVar(&c.lim.minOps, "min-ops", 200, "...and until this many calls started (p99 needs samples)...")
	fs.DurationVar(&c.lim.maxDuration, "max-duration", time.Minute, "...but never longer than this per operation")
	fs.IntVar(&c.lim.maxOps, "max-ops", 0, "stop an operation after this many calls (0: no limit)")
	fs.DurationVar(&c.lim.warmup, "warmup", time.Second, "untimed calls per operation before measuring")
	fs.DurationVar(&c.timeout, "timeout", 2*time.Minute, "timeout of one HTTP call")
	fs.StringVar(&c.opsList, "ops", "", "comma-separated operations to run (default: all but the opt-in artifact and registry ones): "+strings.Join(opKeys(), ","))
	fs.IntVar(&c.searchRuns, "search-runs", 10000, "runs seeded for the search operation")
	fs.IntVar(&c.searchPage, "search-page", 100, "max_results of each search")
	fs.IntVar(&c.historyPoints, "history-points", 100000, "points seeded for the metric-history operation")
	fs.StringVar(&c.searchExp, "search-exp", "", "experiment already seeded for search (see seed_mlflow.py); default: seed one")
	fs.StringVar(&c.historyRun, "history-run", "", "run already seeded for metric history (see seed_mlflow.py); default: seed one")
	fs.IntVar(&traceSeed, "trace-seed", traceSeed, "traces seeded for the trace search operations")
	fs.StringVar(&c.traceExp, "trace-exp", "", "experiment already seeded with -trace-seed traces (see seed_mlflow_traces.py); default: seed one")
	fs.StringVar(&c.jsonOut, "json", "", "also write the raw numbers to this JSON file")
	fs.IntVar(&c.pid, "pid", 0, "server process ID: report its idle and after-load memory from /proc")
	fs.DurationVar(&c.wait, "wait", 2*time.Minute, "wait this long for the server to answer before starting")
	fs.DurationVar(&c.settle, "settle", 30*time.Second, "with -pid, wait at most this long for idle memory to settle")
	fs.StringVar(&c.combine, "combine", "", "instead of a load, combine JSON outputs: label=file.json,label=file.json,...")
	fs.StringVar(&c.base, "base", "weir", "with -combine, the server the ratios compare against the others")
	fs.StringVar(&c.bars, "bars", "mlflow=10,fasttrackml=1", "with -combine, how many times faster than each other server the base must be (issue #2)")
	fs.StringVar(&c.artifactBars, "artifact-bars", "mlflow=3", "with -combine, how many times another server's artifact MB/s the base must move (issue #3)")
	fs.Float64Var(&c.barRSSMB, "bar-rss-mb", 40, "with -combine, the base's idle RSS bar in MB (issue #2)")
	fs.BoolVar(&c.freePort, "free-port", false, "print a free loopback TCP port and exit")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if c.freePort || c.combine != "" {
		return c, nil
	}
	switch {
	case c.url == "":
		return c, errors.New("-url is required")
	case c.clients < 1:
		return c, errors.New("-clients must be at least 1")
	case c.lim.duration <= 0 || c.lim.maxDuration < c.lim.duration:
		return c, errors.New("-duration must be positive and at most -max-duration")
	case c.searchRuns < 1 || c.searchPage < 1 || c.historyPoints < 1 || traceSeed < 2*tracesPage:
		return c, errors.New("-search-runs, -search-page and -history-points must be positive, -trace-seed at least 200")
	case c.lim.minOps < 0 || c.lim.maxOps < 0:
		return c, errors.New("-min-ops and -max-ops cannot be negative")
	}
	if c.label == "" {
		c.label = c.url
	}
	if _, err := selectOps(c.opsList, c.searchRuns, c.historyPoints); err != nil {
		return c, err
	}
	return c, nil
}

func opKeys() []string {
	var keys []string
	for _, op := range operations(0, 0) {
		keys = append(keys, op.key)
	}
	return keys
}

// selectOps returns the operations named in list, in table order.
func selectOps(list string, searchRuns, historyPoints int) ([]operation, error) {
	all := operations(searchRuns, historyPoints)
	if strings.TrimSpace(list) == "" {
		var def []operation
		for _, op := range all {
			if !op.optIn {
				def = append(def, op)
			}
		}
		return def, nil
	}
	want := map[string]bool{}
	for _, k := range strings.Split(list, ",") {
		want[strings.TrimSpace(k)] = true
	}
	var ops []operation
	for _, op := range all {
		if want[op.key] {
			ops = append(ops, op)
			delete(want, op.key)
		}
	}
	for k := range want {
		return nil, fmt.Errorf("unknown operation %q in -ops (known: %s)", k, strings.Join(opKeys(), ","))
	}
	return ops, nil
}

// bench waits for the server, reads its idle memory, and measures every
// selected operation in turn.
func bench(ctx context.Context, cfg config, log io.Writer) (*report, error) {
	ops, err := selectOps(cfg.opsList, cfg.searchRuns, cfg.historyPoints)
	if err != nil {
		return nil, err
	}
	c := newClient(cfg.url, cfg.clients, cfg.timeout)
	if cfg.user != "" {
		c.user, c.password = cfg.user, os.Getenv(cfg.passwordEnv)
	}
	if err := waitReady(ctx, c, cfg.wait, cfg.pid); err != nil {
		return nil, err
	}
	rep := &report{
		Label: cfg.label, URL: cfg.url, Clients: cfg.clients,
		Date: time.Now().UTC().Format(time.RFC3339), GoVersion: runtime.Version(),
		CPUs: runtime.NumCPU(), SearchRuns: cfg.searchRuns, SearchPage: cfg.searchPage,
		SearchFilter: searchFilter, HistoryPoints: cfg.historyPoints,
		Warmup: cfg.lim.warmup.String(), Duration: cfg.lim.duration.String(),
		MaxDuration: cfg.lim.maxDuration.String(), MinOps: cfg.lim.minOps, MaxOps: cfg.lim.maxOps,
		LoadBefore: loadAverage(),
	}
	if cfg.pid > 0 {
		m, err := settledMemory(ctx, cfg.pid, cfg.settle)
		if err != nil {
			return nil, fmt.Errorf("reading idle memory: %w", err)
		}
		rep.IdleMemory = &m
		fmt.Fprintf(log, "%s: idle RSS %.1f MB in %d processes\n", cfg.label, m.MB(), m.Processes)
	}
	tag := fmt.Sprintf("%d", time.Now().UnixNano())
	e := &env{
		c: c, clients: cfg.clients, tag: tag,
		searchRuns: cfg.searchRuns, searchPage: cfg.searchPage, historyPoints: cfg.historyPoints,
		searchExp: cfg.searchExp, historyRun: cfg.historyRun, traceExp: cfg.traceExp,
	}
	if e.opsExp, err = c.createExperiment(ctx, "weir-bench-ops-"+tag); err != nil {
		return nil, fmt.Errorf("creating the benchmark experiment: %w", err)
	}
	for _, op := range ops {
		lim := cfg.lim
		if op.minOps > 0 {
			lim.minOps = op.minOps
		}
		r := measure(ctx, op, e, lim)
		fmt.Fprintf(log, "%s: %-36s ok %6d  errors %4d  p50 %9.2f ms  p99 %9.2f ms  %9.1f ops/s %8.1f MB/s  (seed %.1fs)\n",
			cfg.label, op.name, r.OK, r.failed(), r.P50Ms, r.P99Ms, r.OpsPerSec, r.MBPerSec, r.SeedSeconds)
		if r.FirstError != "" {
			fmt.Fprintf(log, "%s:   first error: %s\n", cfg.label, r.FirstError)
		}
		rep.Results = append(rep.Results, r)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	rep.LoadAfter = loadAverage()
	if cfg.pid > 0 {
		if m, err := readMemory(cfg.pid); err == nil {
			rep.LoadedMemory = &m
		} else {
			fmt.Fprintf(log, "%s: reading memory after the load: %v\n", cfg.label, err)
		}
	}
	return rep, nil
}

// waitReady polls the server until it answers or limit passes. With pid > 0
// it gives up as soon as that process is gone: a server that crashed at
// start-up should not cost the whole limit.
func waitReady(ctx context.Context, c *client, limit time.Duration, pid int) error {
	deadline := time.Now().Add(limit)
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := c.ready(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if pid > 0 {
			if _, serr := os.Stat(fmt.Sprintf("/proc/%d", pid)); serr != nil {
				return fmt.Errorf("server process %d exited before answering: %w", pid, err)
			}
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

// printFreePort asks the kernel for a free loopback port, so run.sh never
// collides with a server another engineer left running.
func printFreePort(w io.Writer) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	_, err = fmt.Fprintln(w, port)
	return err
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
