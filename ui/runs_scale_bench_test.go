package ui

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/weir-ml/weir/sqlstore"
)

// BenchmarkRunsPageScale measures the runs page on a store that sqlstore's
// scale benchmarks built (issue 17: under 100 ms at 100,000 runs sorted by
// a metric). WEIR_UI_BENCH_SCALE_DB names the SQLite file, or the
// PostgreSQL URI of the kept schema:
//
//	WEIR_BENCH_RUNS=100000 go test ./sqlstore -run '^$' -bench SearchScale -benchtime 1x
//	WEIR_UI_BENCH_SCALE_DB=$TMPDIR/weir-bench/weir_bench_100000_1000000_v1.db \
//		go test ./ui -run '^$' -bench RunsPageScale -benchtime 20x
//
// Those stores hold their runs in experiment 1, with metrics m0..m9.
func BenchmarkRunsPageScale(b *testing.B) {
	uri := os.Getenv("WEIR_UI_BENCH_SCALE_DB")
	if uri == "" {
		b.Skip("WEIR_UI_BENCH_SCALE_DB is not set")
	}
	if _, err := os.Stat(uri); err == nil {
		uri = "sqlite:///" + uri
	}
	db := sqlstore.NewDB(uri)
	if err := db.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(NewHandler(sqlstore.NewTrackingService(db), nil, nil))
	defer srv.Close()
	for _, c := range []struct{ name, query string }{
		{"first load", ""},
		{"sorted by metric", "?order=metrics.%60m3%60+DESC"},
		{"sorted by metric asc, columns", "?order=metrics.%60m3%60+ASC&m=m3&m=m4&p=p0"},
		{"sorted by metric, 500 a page", "?order=metrics.%60m3%60+DESC&n=500"},
		{"filtered, sorted by metric", "?filter=params.p0+%3D+%27rf%27&order=metrics.%60m3%60+DESC"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var total time.Duration
			var size int64
			for b.Loop() {
				t, n := fetch(b, srv.Client(), srv.URL+"/experiments/1"+c.query)
				total += t
				size = n
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ttfb-ms")
			b.ReportMetric(float64(size)/1024, "KiB")
		})
	}
}
