package ui

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/tracking"
)

// The page benchmarks run the UI over the real SQLite store, through a
// real HTTP server, and report what a browser sees: time to first byte
// (server time plus loopback) and the bytes of the response.
//
//	go test ./ui -run '^$' -bench 'Page' -benchtime 20x
//
// Seeding 10,000 runs takes a while; WEIR_UI_BENCH_DB names a file to keep
// the seeded store between runs.

const (
	benchRuns       = 10_000
	benchMetricKeys = 500 // distinct metric keys across the experiment
	benchPerRun     = 50  // metrics logged by each run
	benchParams     = 10
	benchHistory    = 100_000
)

var benchWorld struct {
	once           sync.Once
	svc            tracking.Service
	expID, longRun string
	tmpDir         string // removed by TestMain
	err            error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchWorld.tmpDir != "" {
		os.RemoveAll(benchWorld.tmpDir)
	}
	os.Exit(code)
}

// benchStore opens (and seeds once) the store the page benchmarks share.
func benchStore(b *testing.B) (tracking.Service, string, string) {
	b.Helper()
	w := &benchWorld
	w.once.Do(func() {
		path := os.Getenv("WEIR_UI_BENCH_DB")
		if path == "" {
			dir, err := os.MkdirTemp("", "weir-ui-bench-")
			if err != nil {
				w.err = err
				return
			}
			w.tmpDir, path = dir, filepath.Join(dir, "bench.db")
		}
		_, statErr := os.Stat(path)
		db := sqlstore.NewDB("sqlite:///" + path)
		db.DefaultArtifactRoot = "mlflow-artifacts:/"
		if w.err = db.Open(context.Background()); w.err != nil {
			return
		}
		w.svc = sqlstore.NewTrackingService(db)
		if statErr == nil {
			w.expID, w.longRun, w.err = findBenchWorld(w.svc)
			return
		}
		start := time.Now()
		w.expID, w.longRun, w.err = seedBenchWorld(w.svc)
		fmt.Fprintf(os.Stderr, "seeded %d runs and a %d-point history in %v (%s)\n", benchRuns, benchHistory, time.Since(start).Round(time.Second), path)
	})
	if w.err != nil {
		b.Fatal(w.err)
	}
	return w.svc, w.expID, w.longRun
}

func seedBenchWorld(svc tracking.Service) (expID, longRun string, err error) {
	ctx := context.Background()
	if expID, err = svc.CreateExperiment(ctx, "bench-10k", "", nil); err != nil {
		return
	}
	t0 := int64(1767225600000)
	for i := range benchRuns {
		run, err := svc.CreateRun(ctx, tracking.RunCreate{ExperimentID: expID, RunName: fmt.Sprintf("run-%05d", i), StartTime: t0 + int64(i)*1000})
		if err != nil {
			return "", "", err
		}
		var ms []tracking.Metric
		for j := range benchPerRun {
			k := (i*7 + j) % benchMetricKeys
			ms = append(ms, tracking.Metric{Key: fmt.Sprintf("m_%03d", k), Value: math.Sin(float64(i + j)), Timestamp: t0, Step: 0})
		}
		var ps []tracking.Param
		for j := range benchParams {
			ps = append(ps, tracking.Param{Key: fmt.Sprintf("p_%02d", j), Value: fmt.Sprint((i + j) % 17)})
		}
		if err := svc.LogBatch(ctx, run.Info.RunID, ms, ps, nil); err != nil {
			return "", "", err
		}
	}
	run, err := svc.CreateRun(ctx, tracking.RunCreate{ExperimentID: expID, RunName: "long-history", StartTime: t0})
	if err != nil {
		return "", "", err
	}
	for k := 0; k < benchHistory; k += 1000 {
		var ms []tracking.Metric
		for s := k; s < k+1000; s++ {
			ms = append(ms, tracking.Metric{Key: "loss", Value: 1/float64(s+1) + 0.01*math.Sin(float64(s)/50), Timestamp: t0 + int64(s), Step: int64(s)})
		}
		if err := svc.LogBatch(ctx, run.Info.RunID, ms, nil, nil); err != nil {
			return "", "", err
		}
	}
	return expID, run.Info.RunID, nil
}

func findBenchWorld(svc tracking.Service) (string, string, error) {
	ctx := context.Background()
	exp, err := svc.GetExperimentByName(ctx, "bench-10k")
	if err != nil {
		return "", "", err
	}
	runs, _, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{exp.ID}, Filter: "attributes.run_name = 'long-history'"})
	if err != nil || len(runs) != 1 {
		return "", "", fmt.Errorf("the kept bench store has no long-history run (%v); delete it", err)
	}
	return exp.ID, runs[0].Info.RunID, nil
}

// fetch GETs url and returns the time to the first response byte and the
// body size.
func fetch(b *testing.B, client *http.Client, u string) (time.Duration, int64) {
	var start time.Time
	var ttfb time.Duration
	trace := &httptrace.ClientTrace{GotFirstResponseByte: func() { ttfb = time.Since(start) }}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", u, nil)
	start = time.Now()
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Fatalf("GET %s: %s", u, res.Status)
	}
	return ttfb, n
}

func benchPage(b *testing.B, path string) { benchPageWith(b, path, false) }

// benchPageWith measures path; cold uses a new Handler for every request,
// so that nothing a Handler caches helps.
func benchPageWith(b *testing.B, path string, cold bool) {
	svc, expID, longRun := benchStore(b)
	var h http.Handler = NewHandler(svc, nil, nil)
	if cold {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { NewHandler(svc, nil, nil).ServeHTTP(w, r) })
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	u := srv.URL + fmt.Sprintf(path, url.PathEscape(expID), longRun)
	var total time.Duration
	var size int64
	b.ResetTimer()
	for b.Loop() {
		t, n := fetch(b, srv.Client(), u)
		total += t
		size = n
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ttfb-ms")
	b.ReportMetric(float64(size)/1024, "KiB")
}

// BenchmarkRunsPage10k is the runs table of an experiment with 10,000
// runs and 500 distinct metrics, at the default 50 runs a page.
func BenchmarkRunsPage10k(b *testing.B) { benchPage(b, "/experiments/%s?x=%.0s") }

// BenchmarkRunsPage10kSortedByMetric sorts the 10,000 runs by a metric
// that a tenth of them logged, with chosen columns.
func BenchmarkRunsPage10kSortedByMetric(b *testing.B) {
	benchPage(b, "/experiments/%s?order=metrics.%%60m_042%%60+DESC&m=m_042&m=m_043&p=p_01&x=%.0s")
}

// BenchmarkRunsPage10kLastPage500 shows 500 runs a page, the most a page allows.
func BenchmarkRunsPage10kPage500(b *testing.B) { benchPage(b, "/experiments/%s?n=500&x=%.0s") }

// BenchmarkRunPage100k is the run page of a run whose metric has 100,000 points.
func BenchmarkRunPage100k(b *testing.B) { benchPage(b, "/runs/%.0s%s") }

// BenchmarkRunChart100k is the chart data that page then fetches: the
// whole history read from the store and downsampled to 1,000 points.
func BenchmarkRunChart100k(b *testing.B) {
	benchPageWith(b, "/ui-data/series?x=%.0s&run=%s&key=loss", true)
}

// BenchmarkRunChart100kZoom is a zoom into a tenth of that history right
// after: the history comes from the Handler's cache.
func BenchmarkRunChart100kZoom(b *testing.B) {
	benchPage(b, "/ui-data/series?x=%.0s&run=%s&key=loss&from=40000&to=50000")
}

// BenchmarkExperimentsPage10k lists experiments, one of which has 10,000
// runs: without a RunCounter the store is asked for up to 200 of them.
func BenchmarkExperimentsPage10k(b *testing.B) { benchPage(b, "/experiments?x=%.0s%.0s") }
