package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// BenchmarkE2EMetricHistory fetches a 100,000-point history over HTTP from
// a server on SQLite, as bench/tracking's metric-history operation does,
// reading the answer's bytes without decoding them.
func BenchmarkE2EMetricHistory(b *testing.B) {
	ctx := context.Background()
	srv, _ := MustOpenServer(b)
	run, err := srv.Tracking.CreateRun(ctx, tracking.RunCreate{ExperimentID: "0"})
	if err != nil {
		b.Fatal(err)
	}
	const points, per = 100000, 1000
	for start := 0; start < points; start += per {
		ms := make([]tracking.Metric, per)
		for i := range ms {
			s := int64(start + i)
			ms[i] = tracking.Metric{Key: "loss", Value: float64(s%1000) / 1000, Timestamp: 1700000000000, Step: s}
		}
		if err := srv.Tracking.LogBatch(ctx, run.Info.RunID, ms, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	url := srv.URL() + "/api/2.0/mlflow/metrics/get-history?run_id=" + run.Info.RunID + "&metric_key=loss"
	var n int64
	for b.Loop() {
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, %v", resp.StatusCode, err)
		}
	}
	b.SetBytes(n)
}
