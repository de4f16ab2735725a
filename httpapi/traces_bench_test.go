package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/sqlstore"
)

// BenchmarkE2ESearchTraces asks a weir server for a page of 100 traces,
// newest first, by tag and status, as bench/tracking's search-traces-tag
// operation does, from 8 clients at once. The store is the SQLite file
// named by WEIR_BENCH_TRACE_DB (a copy of a store seeded by bench/tracking
// with -trace-seed 100000, or any store whose experiment 1 has traces with
// a team tag); the benchmark is skipped without it. Run it with
// -cpuprofile to see where a search's time goes between store and wire.
func BenchmarkE2ESearchTraces(b *testing.B) {
	path := os.Getenv("WEIR_BENCH_TRACE_DB")
	if path == "" {
		b.Skip("WEIR_BENCH_TRACE_DB names no store")
	}
	db := sqlstore.NewDB("sqlite:///" + path)
	if err := db.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	srv := httpapi.NewServer()
	srv.Addr = "127.0.0.1:0"
	srv.Tracking = sqlstore.NewTrackingService(db)
	srv.Traces = sqlstore.NewTraceService(db)
	srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := srv.Open(); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	exp := os.Getenv("WEIR_BENCH_TRACE_EXPERIMENT")
	if exp == "" {
		exp = "1"
	}
	body := `{"locations":[{"type":"MLFLOW_EXPERIMENT","mlflow_experiment":{"experiment_id":"` + exp + `"}}],` +
		`"filter":"tags.team = 'blue' AND trace.status = 'OK'","max_results":100,"order_by":["timestamp_ms DESC"]}`
	url := srv.URL() + "/api/3.0/mlflow/traces/search"
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		var buf bytes.Buffer
		for pb.Next() {
			resp, err := http.Post(url, "application/json", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			buf.Reset()
			_, err = buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || bytes.Count(buf.Bytes(), []byte(`"trace_id"`)) != 100 {
				b.Errorf("status %d, %d bytes, %v", resp.StatusCode, buf.Len(), err)
				return
			}
		}
	})
}
