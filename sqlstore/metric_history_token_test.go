package sqlstore

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// TestHistoryTokens pages through a history whose points share steps and
// timestamps and hold NaN and ±Inf, with GetMetricHistory and
// EachMetricHistory, and checks that the pages put together are the whole
// history, in order. Tokens of another key, and MLflow's plain offset
// tokens, page by offset.
func TestHistoryTokens(t *testing.T) { testHistoryTokens(t, newSQLiteService) }

func TestHistoryTokensPostgres(t *testing.T) { testHistoryTokens(t, newPostgresService) }

func testHistoryTokens(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t).(*TrackingService)
	run := mustCreateRun(t, svc, tracking.RunCreate{}).Info.RunID
	var ms []tracking.Metric
	for i := range 60 {
		v := float64(i % 5)
		switch i % 13 {
		case 3:
			v = math.NaN()
		case 7:
			v = math.Inf(1)
		case 11:
			v = math.Inf(-1)
		}
		ms = append(ms, tracking.Metric{Key: "m", Value: v, Step: int64(i / 4), Timestamp: int64(i % 3)})
		ms = append(ms, tracking.Metric{Key: "other", Value: float64(i), Step: int64(i), Timestamp: 1})
	}
	if err := svc.LogBatch(ctx, run, ms, nil, nil); err != nil {
		t.Fatal(err)
	}
	all, _, err := svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: run, Key: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 60 {
		t.Fatalf("whole history: got %d points, want 60", len(all))
	}
	want := pointList(all)
	for _, size := range []int{1, 4, 7, 59, 60} {
		for _, each := range []bool{false, true} {
			q := tracking.MetricHistoryQuery{RunID: run, Key: "m", MaxResults: size}
			var got []string
			for pages := 0; ; pages++ {
				var page []tracking.Metric
				var next string
				var err error
				if each {
					next, err = svc.EachMetricHistory(ctx, q, func(m *tracking.Metric) error { page = append(page, *m); return nil })
				} else {
					page, next, err = svc.GetMetricHistory(ctx, q)
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, pointList(page)...)
				if next == "" {
					break
				}
				if pages > 60 {
					t.Fatal("paging does not end")
				}
				q.PageToken = next
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("pages of %d (each %v): got %v, want %v", size, each, got, want)
			}
		}
	}

	// A token of key m given for key other pages other by offset.
	_, token, err := svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: run, Key: "m", MaxResults: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{token, tracking.EncodePageToken(10)} {
		page, _, err := svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: run, Key: "other", MaxResults: 5, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		if got := steps(page); fmt.Sprint(got) != "[10 11 12 13 14]" {
			t.Errorf("key other from token %s: steps %v, want [10 11 12 13 14]", tok, got)
		}
	}
}

// pointList renders points for comparison, NaN included.
func pointList(ms []tracking.Metric) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = fmt.Sprintf("%d/%d/%v", m.Step, m.Timestamp, m.Value)
	}
	return out
}
