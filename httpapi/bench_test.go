package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// BenchmarkLogBatch measures decoding and validating a log-batch of 1000
// metrics (the MLflow maximum) through the handler, the store a no-op.
func BenchmarkLogBatch(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"run_id":"0123456789abcdef0123456789abcdef","metrics":[`)
	for i := range 1000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"key":"metric_%d","value":%g,"timestamp":1700000000%03d,"step":%d}`, i%10, float64(i)*0.001, i, i)
	}
	sb.WriteString(`]}`)
	body := []byte(sb.String())
	fake := &fakeTracking{LogBatchFn: func(context.Context, string, []tracking.Metric, []tracking.Param, []tracking.Tag) error {
		return nil
	}}
	h := newTestServer(b, fake).Handler()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/2.0/mlflow/runs/log-batch", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkSearchRuns measures encoding a page of 100 runs, each with 10
// metrics, 10 params and 5 tags, through the handler.
func BenchmarkSearchRuns(b *testing.B) {
	runs := make([]*tracking.Run, 100)
	for i := range runs {
		r := bareRun()
		r.Info.RunID = fmt.Sprintf("%032x", i)
		for j := range 10 {
			r.Data.Metrics = append(r.Data.Metrics, tracking.Metric{Key: fmt.Sprintf("m%d", j), Value: float64(j) / 7, Timestamp: 1700000000000, Step: int64(j)})
			r.Data.Params = append(r.Data.Params, tracking.Param{Key: fmt.Sprintf("p%d", j), Value: "0.125"})
		}
		for j := range 5 {
			r.Data.Tags = append(r.Data.Tags, tracking.Tag{Key: fmt.Sprintf("mlflow.t%d", j), Value: "some tag value"})
		}
		runs[i] = r
	}
	fake := &fakeTracking{SearchRunsFn: func(context.Context, tracking.RunSearch) ([]*tracking.Run, string, error) {
		return runs, "next", nil
	}}
	h := newTestServer(b, fake).Handler()
	body := []byte(`{"experiment_ids":["1"],"max_results":100}`)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/2.0/mlflow/runs/search", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		n = rec.Body.Len()
	}
	b.SetBytes(int64(n))
}

// BenchmarkMetricHistory measures encoding a 10,000-point metric history.
func BenchmarkMetricHistory(b *testing.B) {
	hist := make([]tracking.Metric, 10000)
	for i := range hist {
		hist[i] = tracking.Metric{Key: "loss", Value: float64(i) / 1000, Timestamp: 1700000000000 + int64(i), Step: int64(i),
			RunID: "0123456789abcdef0123456789abcdef"}
	}
	fake := &fakeTracking{GetMetricHistoryFn: func(context.Context, tracking.MetricHistoryQuery) ([]tracking.Metric, string, error) {
		return hist, "", nil
	}}
	h := newTestServer(b, fake).Handler()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		req := httptest.NewRequest("GET", "/api/2.0/mlflow/metrics/get-history?run_id=r&metric_key=loss", nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		n = rec.Body.Len()
	}
	b.SetBytes(int64(n))
}
