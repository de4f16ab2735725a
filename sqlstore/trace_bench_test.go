package sqlstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/weir-ml/weir/tracing"
)

// BenchmarkSearchTraces is a page of 100 traces out of b's traces of one
// experiment, filtered by status and time and newest first, as the trace
// table of the UI and search_traces ask for it. bench/tracking times the
// same search over HTTP against mlflow server.
func BenchmarkSearchTraces(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("traces=%d", n), func(b *testing.B) {
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
			req := tracing.SearchRequest{ExperimentIDs: []string{exp}, MaxResults: 100,
				Filter:  fmt.Sprintf("trace.status = 'OK' AND timestamp_ms > %d", 1_700_000_000_000+n/2*1000),
				OrderBy: []string{"timestamp_ms DESC"}}
			b.ResetTimer()
			for b.Loop() {
				infos, _, err := svc.SearchTraces(ctx, req)
				if err != nil || len(infos) != 100 {
					b.Fatalf("%d traces, %v", len(infos), err)
				}
			}
		})
	}
}
