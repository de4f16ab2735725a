package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"testing"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// logSteps logs metric key at steps 0..n-1 (value = step, timestamp = 1000 -
// step, so timestamps do not follow steps).
func logSteps(tb testing.TB, svc tracking.Service, runID, key string, n int) {
	tb.Helper()
	for start := 0; start < n; start += 1000 {
		var ms []tracking.Metric
		for i := start; i < min(start+1000, n); i++ {
			ms = append(ms, tracking.Metric{Key: key, Value: float64(i), Timestamp: int64(1000000 - i), Step: int64(i)})
		}
		if err := svc.LogBatch(context.Background(), runID, ms, nil, nil); err != nil {
			tb.Fatal(err)
		}
	}
}

func steps(ms []tracking.Metric) []int64 {
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.Step)
	}
	return out
}

func values(ms []tracking.Metric) []float64 {
	out := []float64{}
	for _, m := range ms {
		out = append(out, m.Value)
	}
	return out
}

func testMetricHistory(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	id := mustCreateRun(t, svc, tracking.RunCreate{}).Info.RunID
	logSteps(t, svc, id, "loss", 25)
	// Two values at step 3 are ordered by timestamp.
	if err := svc.LogMetric(ctx, id, tracking.Metric{Key: "loss", Value: -1, Timestamp: 1, Step: 3}); err != nil {
		t.Fatal(err)
	}
	all, next, err := svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "loss"})
	if err != nil || next != "" || len(all) != 26 {
		t.Fatalf("whole history: %d points, next %q, %v; want 26 and no token", len(all), next, err)
	}
	if all[3].Value != -1 || all[4].Value != 3 || all[0].RunID != id || all[0].Key != "loss" {
		t.Errorf("history around step 3 = %+v %+v", all[3], all[4])
	}
	if !slices.IsSortedFunc(all, func(a, b tracking.Metric) int { return int(a.Step - b.Step) }) {
		t.Errorf("history not ordered by step: %v", steps(all))
	}
	var paged []tracking.Metric
	token := ""
	for pages := 1; ; pages++ {
		ms, next, err := svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "loss", MaxResults: 10, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, ms...)
		if next == "" {
			if pages != 3 {
				t.Errorf("%d pages of 10, want 3", pages)
			}
			break
		}
		token = next
	}
	if fmt.Sprint(paged) != fmt.Sprint(all) {
		t.Errorf("paged history differs from the whole history")
	}
	// A page token with MaxResults 0 returns the rest.
	_, token, _ = svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "loss", MaxResults: 20})
	rest, _, err := svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "loss", PageToken: token})
	if err != nil || len(rest) != 6 {
		t.Errorf("rest after 20: %d points, %v; want 6", len(rest), err)
	}
	none, _, err := svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "nope"})
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("unknown key: %v, %v; want an empty list", none, err)
	}
	// MLflow does not look the run up: an unknown run has an empty history.
	none, _, err = svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: "ffffffffffffffffffffffffffffffff", Key: "loss"})
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("unknown run: %v, %v; want an empty list", none, err)
	}
	_, _, err = svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "loss", PageToken: "garbage!"})
	wantCode(t, err, weir.ErrInvalidParameterValue)
	_, _, err = svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "loss", MaxResults: -1})
	wantCode(t, err, weir.ErrInvalidParameterValue)
}

func testBulkInterval(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	r1 := mustCreateRun(t, svc, tracking.RunCreate{}).Info.RunID
	r2 := mustCreateRun(t, svc, tracking.RunCreate{}).Info.RunID
	logSteps(t, svc, r1, "loss", 10)
	logSteps(t, svc, r2, "loss", 3000)
	i64 := func(v int64) *int64 { return &v }

	tests := []struct {
		name      string
		q         tracking.BulkIntervalQuery
		wantSteps map[string][]int64 // per run; nil = only check counts
		wantCount map[string]int
	}{
		{"all of a short history", tracking.BulkIntervalQuery{RunIDs: []string{r1}, Key: "loss"},
			map[string][]int64{r1: {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, nil},
		{"sampled keeps first and last", tracking.BulkIntervalQuery{RunIDs: []string{r1}, Key: "loss", MaxResults: 4},
			map[string][]int64{r1: {0, 3, 6, 9}}, nil}, // NTILE(4) of 10 rows: buckets start at 0, 3, 6, 8; 8 is replaced by the last
		{"sampled of 5", tracking.BulkIntervalQuery{RunIDs: []string{r1}, Key: "loss", MaxResults: 5},
			map[string][]int64{r1: {0, 2, 4, 6, 9}}, nil},
		{"sampled of 3", tracking.BulkIntervalQuery{RunIDs: []string{r1}, Key: "loss", MaxResults: 3},
			map[string][]int64{r1: {0, 4, 9}}, nil},
		{"one point", tracking.BulkIntervalQuery{RunIDs: []string{r1}, Key: "loss", MaxResults: 1},
			map[string][]int64{r1: {9}}, nil},
		{"step range", tracking.BulkIntervalQuery{RunIDs: []string{r1}, Key: "loss", StartStep: i64(2), EndStep: i64(5)},
			map[string][]int64{r1: {2, 3, 4, 5}}, nil},
		{"default cap", tracking.BulkIntervalQuery{RunIDs: []string{r1, r2}, Key: "loss"},
			nil, map[string]int{r1: 10, r2: 2500}},
		{"unknown key", tracking.BulkIntervalQuery{RunIDs: []string{r1}, Key: "nope"},
			map[string][]int64{}, nil},
		{"unknown run has no points", tracking.BulkIntervalQuery{RunIDs: []string{r1, "ffffffffffffffffffffffffffffffff"}, Key: "loss"},
			map[string][]int64{r1: {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := svc.GetMetricHistoryBulkInterval(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			byRun := map[string][]tracking.Metric{}
			for _, m := range ms {
				byRun[m.RunID] = append(byRun[m.RunID], m)
			}
			for run, want := range tt.wantSteps {
				if got := steps(byRun[run]); !slices.Equal(got, want) {
					t.Errorf("steps = %v, want %v", got, want)
				}
			}
			if tt.wantSteps != nil && len(byRun) != len(tt.wantSteps) {
				t.Errorf("points for %d runs, want %d", len(byRun), len(tt.wantSteps))
			}
			for run, want := range tt.wantCount {
				got := byRun[run]
				if len(got) != want {
					t.Errorf("run %s: %d points, want %d", run, len(got), want)
					continue
				}
				if got[0].Step != 0 || got[len(got)-1].Step != int64(max(want, 10)-1) && run == r1 {
					t.Errorf("run %s: first/last step %d/%d", run, got[0].Step, got[len(got)-1].Step)
				}
			}
		})
	}
	// Several values per step are sampled by row, as MLflow 3.17's SQL store
	// does (its output for this history is (0, 0) (1, 3) (2, 6) (3, 9)).
	var dup []tracking.Metric
	for i := range 10 {
		dup = append(dup, tracking.Metric{Key: "dup", Value: float64(i), Timestamp: 5, Step: int64(i / 3)})
	}
	if err := svc.LogBatch(ctx, r1, dup, nil, nil); err != nil {
		t.Fatal(err)
	}
	ms, err := svc.GetMetricHistoryBulkInterval(ctx, tracking.BulkIntervalQuery{RunIDs: []string{r1}, Key: "dup", MaxResults: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(steps(ms), values(ms)), "[0 1 2 3] [0 3 6 9]"; got != want {
		t.Errorf("sample of repeated steps = %s, want %s", got, want)
	}

	last := func(ms []tracking.Metric) int64 { return ms[len(ms)-1].Step }
	ms, _ = svc.GetMetricHistoryBulkInterval(ctx, tracking.BulkIntervalQuery{RunIDs: []string{r2}, Key: "loss"})
	if ms[0].Step != 0 || last(ms) != 2999 {
		t.Errorf("sample of 3000 spans steps %d..%d, want 0..2999", ms[0].Step, last(ms))
	}

	many := make([]string, 101)
	for i := range many {
		many[i] = r1
	}
	errs := []struct {
		name string
		q    tracking.BulkIntervalQuery
		code string
	}{
		{"no runs", tracking.BulkIntervalQuery{Key: "loss"}, weir.ErrInvalidParameterValue},
		{"101 runs", tracking.BulkIntervalQuery{RunIDs: many, Key: "loss"}, weir.ErrInvalidParameterValue},
		{"no key", tracking.BulkIntervalQuery{RunIDs: []string{r1}}, weir.ErrInvalidParameterValue},
		{"max too big", tracking.BulkIntervalQuery{RunIDs: []string{r1}, Key: "loss", MaxResults: 2501}, weir.ErrInvalidParameterValue},
		{"max negative", tracking.BulkIntervalQuery{RunIDs: []string{r1}, Key: "loss", MaxResults: -3}, weir.ErrInvalidParameterValue},
		{"start only", tracking.BulkIntervalQuery{RunIDs: []string{r1}, Key: "loss", StartStep: i64(1)}, weir.ErrInvalidParameterValue},
		{"end before start", tracking.BulkIntervalQuery{RunIDs: []string{r1}, Key: "loss", StartStep: i64(5), EndStep: i64(1)}, weir.ErrInvalidParameterValue},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.GetMetricHistoryBulkInterval(ctx, tt.q)
			wantCode(t, err, tt.code)
		})
	}
}
