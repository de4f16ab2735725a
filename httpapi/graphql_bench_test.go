package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// BenchmarkGraphQLSearchRuns measures the web UI's runs query on a page of
// 100 runs (10 metrics, 10 params, 5 tags each) against a fake store, to
// compare with BenchmarkSearchRuns: the GraphQL layer reads the REST
// answer back and writes it again.
func BenchmarkGraphQLSearchRuns(b *testing.B) {
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
	body, _ := json.Marshal(map[string]any{"query": `query Runs($data: MlflowSearchRunsInput!) { mlflowSearchRuns(input: $data) {
		runs { info { runName status runUuid experimentId artifactUri endTime lifecycleStage startTime userId }
			data { metrics { key value step timestamp } params { key value } tags { key value } } } nextPageToken } }`,
		"variables": map[string]any{"data": map[string]any{"experimentIds": []string{"1"}, "maxResults": 100}}})
	b.ReportAllocs()
	var n int
	for b.Loop() {
		req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors":[`)) {
			b.Fatalf("status %d: %.300s", rec.Code, rec.Body)
		}
		n = rec.Body.Len()
	}
	b.SetBytes(int64(n))
}
