package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"hash"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// quick keeps each measured operation to a few calls.
var quick = limits{duration: 20 * time.Millisecond, maxDuration: time.Second, minOps: 5}

func mustBench(t *testing.T, url string, ops string) *report {
	t.Helper()
	cfg := config{
		url: url, label: "fake", clients: 3, lim: quick, timeout: 10 * time.Second,
		wait: time.Second, opsList: ops, searchRuns: 200, searchPage: 10, historyPoints: 7000,
	}
	rep, err := bench(context.Background(), cfg, new(strings.Builder))
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	return rep
}

func TestBenchAgainstHealthyServer(t *testing.T) {
	_, url := newFakeServer(t)
	rep := mustBench(t, url, "")
	want := 0
	for _, op := range operations(0, 0) {
		if !op.optIn {
			want++
		}
	}
	if got := len(rep.Results); got != want {
		t.Fatalf("got %d results, want %d (the opt-in operations only when -ops names them)", got, want)
	}
	checkHealthy(t, rep)
}

// The artifact and registry operations, but the 100 MB ones, which cost a
// test too much memory and time for no more coverage.
func TestBenchArtifactsAndRegistry(t *testing.T) {
	_, url := newFakeServer(t)
	rep := mustBench(t, url, "upload1m,download1m,search-models,search-versions")
	if got, want := len(rep.Results), 4; got != want {
		t.Fatalf("got %d results, want %d", got, want)
	}
	checkHealthy(t, rep)
	for _, r := range rep.Results[:2] {
		if got, want := r.MBPerSec, r.OpsPerSec; got != want {
			t.Errorf("%s: got %v MB/s, want %v (one MB per call)", r.Key, got, want)
		}
	}
	if got := rep.Results[2].MBPerSec; got != 0 {
		t.Errorf("search-models: got %v MB/s, want none", got)
	}
}

func checkHealthy(t *testing.T, rep *report) {
	t.Helper()
	for _, r := range rep.Results {
		if r.Errors != 0 || r.OK < quick.minOps {
			t.Errorf("%s: got %d ok, %d errors (%s), want at least %d ok and no errors",
				r.Key, r.OK, r.Errors, r.FirstError, quick.minOps)
		}
		if r.P50Ms <= 0 || r.P99Ms < r.P50Ms || r.OpsPerSec <= 0 {
			t.Errorf("%s: got p50 %v, p99 %v, %v ops/s; want positive and ordered", r.Key, r.P50Ms, r.P99Ms, r.OpsPerSec)
		}
	}
}

// A server that fails or answers wrongly must show errors, not speed.
func TestBenchCountsMisbehaviour(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(*fakeServer)
		op      string
		errLike string
	}{
		{"log-batch fails", func(f *fakeServer) { f.failBatch = true }, "log-batch-10", "HTTP 500"},
		{"filter ignored", func(f *fakeServer) { f.ignoreFilter = true }, "search-runs", "which the filter excludes"},
		{"history short", func(f *fakeServer) { f.dropPoint = true }, "metric-history", "6999 points, want 7000"},
		{"download short", func(f *fakeServer) { f.truncateFile = true }, "download1m", "1048575 bytes, want 1048576"},
		{"LIKE ignored", func(f *fakeServer) { f.ignoreLike = true }, "search-models", "1000 items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, url := newFakeServer(t)
			// Seed while the server behaves, then break it.
			cfg := config{url: url, clients: 2, timeout: 5 * time.Second, searchRuns: 200, searchPage: 10, historyPoints: 7000}
			e := &env{c: newClient(url, 2, cfg.timeout), clients: 2, tag: "t",
				searchRuns: cfg.searchRuns, searchPage: cfg.searchPage, historyPoints: cfg.historyPoints}
			exp, err := e.c.createExperiment(context.Background(), "ops")
			if err != nil {
				t.Fatal(err)
			}
			e.opsExp = exp
			ops, err := selectOps(tt.op, cfg.searchRuns, cfg.historyPoints)
			if err != nil {
				t.Fatal(err)
			}
			op := ops[0]
			if op.seed != nil {
				if err := op.seed(context.Background(), e); err != nil {
					t.Fatal(err)
				}
				op.seed = nil
			}
			tt.breakIt(f)
			r := measure(context.Background(), op, e, quick)
			if r.OK != 0 || r.Errors == 0 {
				t.Errorf("got %d ok, %d errors; want 0 ok and some errors", r.OK, r.Errors)
			}
			if !strings.Contains(r.FirstError, tt.errLike) {
				t.Errorf("got first error %q, want it to mention %q", r.FirstError, tt.errLike)
			}
		})
	}
}

// Failures during the warm-up are the server's too: they must not vanish.
func TestBenchCountsWarmupFailures(t *testing.T) {
	f, url := newFakeServer(t)
	f.failBatch = true
	e := &env{c: newClient(url, 2, 5*time.Second), clients: 2}
	exp, err := e.c.createExperiment(context.Background(), "ops")
	if err != nil {
		t.Fatal(err)
	}
	e.opsExp = exp
	ops, err := selectOps("log-batch-params", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	lim := quick
	lim.warmup = 20 * time.Millisecond
	r := measure(context.Background(), ops[0], e, lim)
	if r.WarmupErrors == 0 || r.Errors == 0 || r.failed() != r.Errors+r.WarmupErrors {
		t.Errorf("got %d warm-up and %d measured errors (failed %d), want both counted", r.WarmupErrors, r.Errors, r.failed())
	}
	rep := &report{Label: "fake", Results: []result{r}}
	if got, want := cell(rep, opRef{key: r.Key}, func(x result) float64 { return x.OpsPerSec }), "failed ("; !strings.HasPrefix(got, want) {
		t.Errorf("got cell %q, want it to start with %q", got, want)
	}
}

func TestLimitsStop(t *testing.T) {
	l := limits{duration: 10 * time.Second, maxDuration: 30 * time.Second, minOps: 100, maxOps: 1000}
	tests := []struct {
		elapsed time.Duration
		started int
		want    bool
	}{
		{time.Second, 0, false},
		{time.Second, 1000, true},     // max calls
		{11 * time.Second, 99, false}, // duration passed, too few samples
		{11 * time.Second, 100, true}, // duration passed, enough samples
		{30 * time.Second, 3, true},   // hard cap whatever the count
		{29 * time.Second, 50, false}, // still gathering samples
		{5 * time.Second, 500, false}, // enough samples, too early
		{10*time.Second - time.Nanosecond, 999, false},
	}
	for _, tt := range tests {
		if got := l.stop(tt.elapsed, tt.started); got != tt.want {
			t.Errorf("stop(%v, %d) = %v, want %v", tt.elapsed, tt.started, got, tt.want)
		}
	}
}

func TestPercentile(t *testing.T) {
	ds := func(ns ...int) []time.Duration {
		var out []time.Duration
		for _, n := range ns {
			out = append(out, time.Duration(n))
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i + 1)
	}
	tests := []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{ds(7), 50, 7},
		{ds(7), 99, 7},
		{ds(1, 2), 50, 1},
		{ds(1, 2, 3, 4), 50, 2},
		{ds(1, 2, 3, 4), 99, 4},
		{hundred, 50, 50},
		{hundred, 99, 99},
		{hundred, 100, 100},
	}
	for _, tt := range tests {
		if got := percentile(tt.sorted, tt.p); got != tt.want {
			t.Errorf("percentile(%d values, %v) = %v, want %v", len(tt.sorted), tt.p, got, tt.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	r := result{latencies: []time.Duration{4 * time.Millisecond, time.Millisecond, 2 * time.Millisecond, time.Millisecond}}
	r.summarize(2 * time.Second)
	got := []float64{float64(r.OK), r.MeanMs, r.P50Ms, r.P99Ms, r.MaxMs, r.OpsPerSec}
	want := []float64{4, 2, 1, 4, 4, 2}
	if !slices.Equal(got, want) {
		t.Errorf("got ok, mean, p50, p99, max, ops/s = %v, want %v", got, want)
	}
	if got, want := r.LatenciesMs, []float64{1, 1, 2, 4}; !slices.Equal(got, want) {
		t.Errorf("got latencies %v ms, want %v", got, want)
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		in        string
		pid, ppid int
		ok        bool
	}{
		{"1234 (weir) S 1 1234 1234 0", 1234, 1, true},
		{"77 (a (b) c) R 12 77 77", 77, 12, true},
		{"garbage", 0, 0, false},
		{"12 (x)", 0, 0, false},
	}
	for _, tt := range tests {
		pid, ppid, ok := parseStat([]byte(tt.in))
		if pid != tt.pid || ppid != tt.ppid || ok != tt.ok {
			t.Errorf("parseStat(%q) = %d, %d, %v, want %d, %d, %v", tt.in, pid, ppid, ok, tt.pid, tt.ppid, tt.ok)
		}
	}
}

func TestReadMemoryOfThisProcess(t *testing.T) {
	if _, err := readMemory(1); err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	m, err := readMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.Processes < 1 || m.RSSKB <= 0 {
		t.Errorf("got %+v, want at least one process with resident memory", m)
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 10000: "10,000", 100000: "100,000", 1234567: "1,234,567"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestJudgeBars(t *testing.T) {
	rep := func(label string, opsPerSec, p50 float64, errs int, rssKB int64) *report {
		return &report{Label: label, IdleMemory: &memory{RSSKB: rssKB, Processes: 1},
			Results: []result{{Key: "create-run", Name: "create run", OK: 100, Errors: errs, OpsPerSec: opsPerSec, P50Ms: p50}}}
	}
	tests := []struct {
		name string
		reps []*report
		want []string
	}{
		{"all met", []*report{rep("weir", 1000, 1, 0, 20<<10), rep("mlflow", 50, 20, 0, 2<<20), rep("fasttrackml", 900, 1.1, 0, 30<<10)},
			[]string{"≥10× mlflow (throughput and p50) | met", "≥1× fasttrackml (throughput and p50) | met", "under 40 MB | met (20.0 MB)"}},
		{"too slow", []*report{rep("weir", 100, 8, 0, 50<<10), rep("mlflow", 50, 20, 0, 2<<20), rep("fasttrackml", 900, 1.1, 0, 30<<10)},
			[]string{"mlflow (throughput and p50) | missed: create run (2.0× / 2.5×)", "fasttrackml (throughput and p50) | missed: create run (0.1× / 0.1×)", "missed (50.0 MB)"}},
		{"errors are not speed", []*report{rep("weir", 1000, 1, 3, 20<<10), rep("mlflow", 50, 20, 0, 2<<20)},
			[]string{"mlflow (throughput and p50) | not comparable", "fasttrackml was not measured"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := judgeBars(tt.reps, "weir", "mlflow=10,fasttrackml=1", 40)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("got\n%s\nwant it to contain %q", got, w)
				}
			}
		})
	}
	if _, err := judgeBars([]*report{rep("weir", 1, 1, 0, 1)}, "weir", "mlflow", 40); err == nil {
		t.Error("got no error for a bar without a factor, want one")
	}
}

func TestJudgeArtifactBars(t *testing.T) {
	rep := func(label string, up, down float64, errs int) *report {
		return &report{Label: label, Results: []result{
			{Key: "upload100m", Name: "artifact upload, 100 MB", OK: 16, Errors: errs, MBPerSec: up},
			{Key: "download100m", Name: "artifact download, 100 MB", OK: 16, MBPerSec: down},
			// Issue #2's bar must not judge the opt-in registry rows,
			// nor issue #3's bar the rows that move no bytes.
			{Key: "search-models", Name: "search registered models", OK: 100, OpsPerSec: 1, P50Ms: 1},
		}}
	}
	tests := []struct {
		name string
		reps []*report
		want []string
	}{
		{"met and missed", []*report{rep("weir", 240, 700, 0), rep("mlflow", 100, 200, 0)},
			[]string{"≥3× mlflow (MB/s) | missed: artifact upload, 100 MB (2.4×). met: artifact download, 100 MB (3.5×)"}},
		{"errors are not speed", []*report{rep("weir", 900, 900, 1), rep("mlflow", 100, 100, 0)},
			[]string{"not comparable (not run or failed calls): artifact upload, 100 MB. met: artifact download"}},
		{"other not measured", []*report{rep("weir", 900, 900, 0)}, []string{"not judged: mlflow was not measured"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := judgeArtifactBars(tt.reps, "weir", "mlflow=3")
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("got\n%s\nwant it to contain %q", got, w)
				}
			}
			if strings.Contains(got, "search registered models") {
				t.Errorf("got\n%s\nwant no registry row in the artifact bar", got)
			}
		})
	}
	two := []*report{rep("weir", 1, 1, 0), rep("mlflow", 1, 1, 0)}
	if got, _ := judgeBars(two, "weir", "mlflow=10", 40); !strings.Contains(got, "| not judged: none of its operations") {
		t.Errorf("got\n%s\nwant issue #2's bar not judged, since it skips the opt-in operations", got)
	}
	if _, err := judgeArtifactBars(two, "weir", "mlflow"); err == nil {
		t.Error("got no error for a bar without a factor, want one")
	}
}

// A download of the right length but the wrong bytes must fail when hashed.
func TestVerifyDownload(t *testing.T) {
	p := newPayload(1000)
	if q := newPayload(1000); q.sum != p.sum {
		t.Fatalf("got payload sums %s and %s, want the same bytes every time", p.sum, q.sum)
	}
	hashOf := func(b []byte) hash.Hash { h := sha256.New(); h.Write(b); return h }
	bad := bytes.Clone(p.data)
	bad[500] ^= 1
	tests := []struct {
		name    string
		n       int64
		h       hash.Hash
		errLike string
	}{
		{"whole", 1000, hashOf(p.data), ""},
		{"length only", 1000, nil, ""},
		{"short", 999, nil, "999 bytes, want 1000"},
		{"one byte flipped", 1000, hashOf(bad), "SHA-256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifyDownload(tt.n, tt.h, p)
			switch {
			case tt.errLike == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.errLike != "" && (err == nil || !strings.Contains(err.Error(), tt.errLike)):
				t.Errorf("got %v, want an error mentioning %q", err, tt.errLike)
			}
		})
	}
}
