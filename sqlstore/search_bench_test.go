package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/weir-ml/weir/tracking"
)

// scaleSearches are the searches of issue 17 and of the UI's runs page,
// 100 runs a page, on the stores of scale_bench_test.go.
var scaleSearches = []struct {
	name    string
	filter  string
	orderBy []string
	page    int // the page timed, from 1, reached through page tokens
}{
	{"metric+param order by metric", "metrics.m0 > 0.5 AND params.p0 = 'rf'", []string{"metrics.m1 DESC"}, 1},
	{"metric+param order by metric page 2", "metrics.m0 > 0.5 AND params.p0 = 'rf'", []string{"metrics.m1 DESC"}, 2},
	{"metric+param order by metric page 10", "metrics.m0 > 0.5 AND params.p0 = 'rf'", []string{"metrics.m1 DESC"}, 10},
	{"list by start_time", "", nil, 1},
	{"list by start_time page 10", "", nil, 10},
	{"order by metric", "", []string{"metrics.m3 DESC"}, 1},
	{"order by metric asc", "", []string{"metrics.m3 ASC"}, 1},
	{"tag equality", "tags.team = 'team-3'", nil, 1},
	{"rare tag equality", "tags.`mlflow.runName` = 'run-4242'", nil, 1},
	{"status", "attributes.status = 'FAILED'", nil, 1},
	{"run name LIKE", "attributes.run_name LIKE 'run-4242%'", nil, 1},
	{"param equality order by metric", "params.p1 = '7'", []string{"metrics.m2 ASC"}, 1},
	{"order by start_time DESC, as MLflow's UI asks", "", []string{"attributes.start_time DESC"}, 1},
	{"order by start_time ASC", "", []string{"attributes.start_time ASC"}, 1},
	{"order by param", "", []string{"params.p3 DESC"}, 1},
	{"order by run name", "", []string{"attributes.run_name ASC"}, 1},
}

func BenchmarkSearchScale(b *testing.B) {
	ctx := context.Background()
	for _, n := range scaleSizes(b) {
		db := scaleStore(b, n, historyPoints(b))
		svc := NewTrackingService(db)
		for _, c := range scaleSearches {
			b.Run(fmt.Sprintf("runs=%d/%s", n, c.name), func(b *testing.B) {
				s := tracking.RunSearch{ExperimentIDs: []string{fmt.Sprint(scaleExperiment)}, Filter: c.filter, OrderBy: c.orderBy, MaxResults: 100}
				for range c.page - 1 {
					_, next, err := svc.SearchRuns(ctx, s)
					if err != nil {
						b.Fatal(err)
					}
					s.PageToken = next
				}
				got := 0
				var times []time.Duration
				reportCPU(b)
				for b.Loop() {
					start := time.Now()
					runs, _, err := svc.SearchRuns(ctx, s)
					if err != nil {
						b.Fatal(err)
					}
					times = append(times, time.Since(start))
					got = len(runs)
				}
				reportMedian(b, times)
				if got == 0 {
					b.Fatal("no runs matched")
				}
			})
		}
	}
}

func BenchmarkHistoryScale(b *testing.B) {
	ctx := context.Background()
	points := historyPoints(b)
	for _, n := range scaleSizes(b)[:1] {
		svc := NewTrackingService(scaleStore(b, n, points))
		q := tracking.MetricHistoryQuery{RunID: historyRunID, Key: "loss"}
		b.Run(fmt.Sprintf("points=%d/each", points), func(b *testing.B) {
			reportCPU(b)
			for b.Loop() {
				got := 0
				if _, err := svc.EachMetricHistory(ctx, q, func(*tracking.Metric) error { got++; return nil }); err != nil {
					b.Fatal(err)
				}
				if got != points {
					b.Fatalf("got %d points, want %d", got, points)
				}
			}
		})
		b.Run(fmt.Sprintf("points=%d/pages of 25000", points), func(b *testing.B) {
			reportCPU(b)
			for b.Loop() {
				got := 0
				q := q
				q.MaxResults = 25000
				for {
					ms, next, err := svc.GetMetricHistory(ctx, q)
					if err != nil {
						b.Fatal(err)
					}
					got += len(ms)
					if next == "" {
						break
					}
					q.PageToken = next
				}
				if got != points {
					b.Fatalf("got %d points, want %d", got, points)
				}
			}
		})
	}
}

// reportMedian reports the median of times as p50-ms, which issue 17's bar
// names; ns/op is their mean.
func reportMedian(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
}
