package httpapi_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/tracking"
)

// The end-to-end benchmarks time whole HTTP calls made with the Client:
// against a Weir server on SQLite by default, or against any MLflow-
// compatible server named by WEIR_BENCH_URL (mlflow server, FastTrackML), so
// the same code measures each:
//
//	go test ./httpapi -run '^$' -bench E2E
//	WEIR_BENCH_URL=http://127.0.0.1:5001 go test ./httpapi -run '^$' -bench E2E

func benchClient(b *testing.B) *httpapi.Client {
	b.Helper()
	if url := os.Getenv("WEIR_BENCH_URL"); url != "" {
		return httpapi.NewClient(url)
	}
	srv, _ := MustOpenServer(b)
	return httpapi.NewClient(srv.URL())
}

func benchRun(b *testing.B, c *httpapi.Client) (expID, runID string) {
	b.Helper()
	ctx := context.Background()
	expID, err := c.CreateExperiment(ctx, fmt.Sprintf("bench-%d", time.Now().UnixNano()), "", nil)
	if err != nil {
		b.Fatal(err)
	}
	run, err := c.CreateRun(ctx, tracking.RunCreate{ExperimentID: expID})
	if err != nil {
		b.Fatal(err)
	}
	return expID, run.Info.RunID
}

// BenchmarkE2ELogBatch logs 1000 metrics per call (MLflow's batch limit).
func BenchmarkE2ELogBatch(b *testing.B) {
	c := benchClient(b)
	_, runID := benchRun(b, c)
	ctx := context.Background()
	metrics := make([]tracking.Metric, 1000)
	i := int64(0)
	for b.Loop() {
		for j := range metrics {
			metrics[j] = tracking.Metric{Key: fmt.Sprintf("m%d", j%10), Value: float64(j) / 3, Timestamp: 1700000000000 + i, Step: i}
			i++
		}
		if err := c.LogBatch(ctx, runID, metrics, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(metrics))/b.Elapsed().Seconds(), "metrics/s")
}

// BenchmarkE2ESearchRuns fetches a page of 100 runs, each with 10 metrics,
// 10 params and 5 tags.
func BenchmarkE2ESearchRuns(b *testing.B) {
	c := benchClient(b)
	expID, _ := benchRun(b, c)
	ctx := context.Background()
	for r := range 99 {
		run, err := c.CreateRun(ctx, tracking.RunCreate{ExperimentID: expID})
		if err != nil {
			b.Fatal(err)
		}
		var ms []tracking.Metric
		var ps []tracking.Param
		var ts []tracking.Tag
		for j := range 10 {
			ms = append(ms, tracking.Metric{Key: fmt.Sprintf("m%d", j), Value: float64(r*j) / 7, Timestamp: 1700000000000})
			ps = append(ps, tracking.Param{Key: fmt.Sprintf("p%d", j), Value: fmt.Sprint(r)})
		}
		for j := range 5 {
			ts = append(ts, tracking.Tag{Key: fmt.Sprintf("t%d", j), Value: "some tag value"})
		}
		if err := c.LogBatch(ctx, run.Info.RunID, ms, ps, ts); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		runs, _, err := c.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{expID}, MaxResults: 100})
		if err != nil {
			b.Fatal(err)
		}
		if len(runs) != 100 {
			b.Fatalf("got %d runs, want 100", len(runs))
		}
	}
}

// BenchmarkE2ELogMetric logs one metric per call, as mlflow.log_metric does.
func BenchmarkE2ELogMetric(b *testing.B) {
	c := benchClient(b)
	_, runID := benchRun(b, c)
	ctx := context.Background()
	i := int64(0)
	for b.Loop() {
		if err := c.LogMetric(ctx, runID, tracking.Metric{Key: "loss", Value: 0.5, Timestamp: 1700000000000 + i, Step: i}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
