package sqlstore

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/weir-ml/weir/tracing"
)

// BenchmarkSearchTraces is a page of 100 traces out of b's traces of one
// experiment, newest first, as the trace table of the UI and search_traces
// ask for it: filtered by status and time, and by a tag and status.
// bench/tracking times the same searches over HTTP against mlflow server.
func BenchmarkSearchTraces(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		ctx := context.Background()
		db := MustOpenDB(b)
		exp := mustCreateExperiment(b, NewTrackingService(db), "traces")
		svc := NewTraceService(db)
		const batch = 1000
		for start := 0; start < n; start += batch {
			spans := make([]tracing.Span, 0, batch)
			for i := start; i < start+batch; i++ {
				code := int32(1)
				if i%3 == 0 {
					code = 2
				}
				spans = append(spans, testSpan(i, 0, uint64(1_700_000_000_000+i*1000), "CHAIN", code))
			}
			if err := svc.LogSpans(ctx, exp, spans); err != nil {
				b.Fatal(err)
			}
		}
		// Every trace gets a team tag, a quarter of them "blue", beside the
		// tags the server adds.
		err := db.writeTx(ctx, func(tx *txn) error {
			for _, q := range []string{
				`INSERT INTO trace_tags (trace_id, key, value) SELECT trace_id, 'team',
				 CASE timestamp_ms / 1000 % 4 WHEN 0 THEN 'red' WHEN 1 THEN 'green' WHEN 2 THEN 'blue' ELSE 'gold' END FROM traces`,
			} {
				if _, err := tx.exec(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for _, search := range []struct{ name, filter string }{
			{"status-time", fmt.Sprintf("trace.status = 'OK' AND timestamp_ms > %d", 1_700_000_000_000+n/2*1000)},
			{"tag-status", "tags.team = 'blue' AND trace.status = 'OK'"},
		} {
			b.Run(fmt.Sprintf("traces=%d/%s", n, search.name), func(b *testing.B) {
				req := tracing.SearchRequest{ExperimentIDs: []string{exp}, MaxResults: 100,
					Filter: search.filter, OrderBy: []string{"timestamp_ms DESC"}}
				for b.Loop() {
					infos, _, err := svc.SearchTraces(ctx, req)
					if err != nil || len(infos) != 100 {
						b.Fatalf("%d traces, %v", len(infos), err)
					}
				}
			})
			// 8 clients at once, as bench/tracking drives the server: what
			// the reader pool and SQLite let through in parallel.
			b.Run(fmt.Sprintf("traces=%d/%s/clients=8", n, search.name), func(b *testing.B) {
				req := tracing.SearchRequest{ExperimentIDs: []string{exp}, MaxResults: 100,
					Filter: search.filter, OrderBy: []string{"timestamp_ms DESC"}}
				b.SetParallelism((8 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						infos, _, err := svc.SearchTraces(ctx, req)
						if err != nil || len(infos) != 100 {
							b.Errorf("%d traces, %v", len(infos), err)
							return
						}
					}
				})
			})
		}
	}
}
