//go:build unix

package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/sqlstore"
)

// BenchmarkE2EMetricHistoryScale fetches the 1M-point history of a store
// that sqlstore's scale benchmarks built (issue 17: under 1 s), over HTTP,
// whole and following page tokens 25,000 points at a time. Name the store
// with WEIR_HTTP_BENCH_SCALE_DB, a SQLite file or a PostgreSQL URI:
//
//	WEIR_BENCH_RUNS=100000 go test ./sqlstore -run '^$' -bench HistoryScale -benchtime 1x
//	WEIR_HTTP_BENCH_SCALE_DB=$TMPDIR/weir-bench/weir_bench_100000_1000000_v1.db \
//		go test ./httpapi -run '^$' -bench MetricHistoryScale -benchtime 3x
func BenchmarkE2EMetricHistoryScale(b *testing.B) {
	uri := os.Getenv("WEIR_HTTP_BENCH_SCALE_DB")
	if uri == "" {
		b.Skip("WEIR_HTTP_BENCH_SCALE_DB is not set")
	}
	if _, err := os.Stat(uri); err == nil {
		uri = "sqlite:///" + uri
	}
	db := sqlstore.NewDB(uri)
	if err := db.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	srv := httpapi.NewServer()
	srv.Addr = "127.0.0.1:0"
	srv.Tracking = sqlstore.NewTrackingService(db)
	srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := srv.Open(); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	base := srv.URL() + "/api/2.0/mlflow/metrics/get-history?run_id=00000000000000000000000000history&metric_key=loss"
	get := func(u string) (body []byte) {
		resp, err := http.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, err = io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, %v", resp.StatusCode, err)
		}
		return body
	}
	b.Run("whole", func(b *testing.B) {
		var n int
		reportProcessCPU(b)
		for b.Loop() {
			n = len(get(base))
		}
		b.SetBytes(int64(n))
	})
	b.Run("pages of 25000", func(b *testing.B) {
		reportProcessCPU(b)
		for b.Loop() {
			token, pages := "", 0
			for {
				u := base + "&max_results=25000"
				if token != "" {
					u += "&page_token=" + url.QueryEscape(token)
				}
				pages++
				if token = nextToken(get(u)); token == "" {
					break
				}
			}
			if pages != 40 {
				b.Fatalf("got %d pages, want 40", pages)
			}
		}
	})
}

// nextToken returns the next_page_token of a history answer, which comes
// after its points, without decoding them.
func nextToken(body []byte) string {
	i := bytes.LastIndex(body, []byte(`"next_page_token"`))
	if i < 0 {
		return ""
	}
	var tail struct {
		Next string `json:"next_page_token"`
	}
	if json.Unmarshal(append([]byte("{"), body[i:]...), &tail) != nil {
		return ""
	}
	return tail.Next
}

// reportProcessCPU reports the CPU time (user + system) of the process,
// server and client, per operation: on a loaded machine the wall time
// stretches with the other work, the CPU time much less.
func reportProcessCPU(b *testing.B) {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return 0
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	b.Cleanup(func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpu()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		}
	})
}
