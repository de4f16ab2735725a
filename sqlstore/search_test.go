package sqlstore

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// seededRuns is the fixture of the search matrix: runs with known metrics,
// params, tags, attributes and datasets, by name.
type seededRuns struct {
	expA, expB string
	ids        map[string]string // run name -> run id
}

// seedRuns creates, in experiment A: alpha, Beta, gamma, delta (gamma and
// delta start at the same time) and the deleted eps; in experiment B: other.
func seedRuns(t *testing.T, svc tracking.Service) seededRuns {
	ctx := context.Background()
	s := seededRuns{expA: mustCreateExperiment(t, svc, "A"), expB: mustCreateExperiment(t, svc, "B"), ids: map[string]string{}}
	type spec struct {
		name, user, exp string
		start           int64
		status          tracking.RunStatus
		end             int64
		metrics         map[string]float64
		params, tags    map[string]string
		datasets        [][3]string // name, digest, context
	}
	specs := []spec{
		{"alpha", "ann", s.expA, 100, tracking.StatusFinished, 200, map[string]float64{"acc": 0.9, "loss": math.NaN()},
			map[string]string{"model": "rf", "depth": "3"}, map[string]string{"team": "Risk", "env": "prod"}, [][3]string{{"bank", "abc", "training"}}},
		{"Beta", "bob", s.expA, 200, "", 0, map[string]float64{"acc": 0.7, "loss": 0.5},
			map[string]string{"model": "lr"}, map[string]string{"team": "risk"}, [][3]string{{"bank", "def", "eval"}}},
		{"gamma", "ann", s.expA, 300, tracking.StatusFailed, 400, map[string]float64{"acc": 0.8},
			map[string]string{"model": "RF", "depth": "5"}, nil, nil},
		{"delta", "cy", s.expA, 300, "", 0, nil, nil, map[string]string{"env": "dev"}, nil},
		{"eps", "cy", s.expA, 50, "", 0, map[string]float64{"acc": 1}, nil, nil, nil},
		{"other", "dan", s.expB, 500, "", 0, map[string]float64{"acc": 0.95}, nil, nil, nil},
	}
	for _, sp := range specs {
		id := mustCreateRun(t, svc, tracking.RunCreate{ExperimentID: sp.exp, RunName: sp.name, UserID: sp.user, StartTime: sp.start}).Info.RunID
		s.ids[sp.name] = id
		var ms []tracking.Metric
		for k, v := range sp.metrics {
			ms = append(ms, tracking.Metric{Key: k, Value: v, Timestamp: 1})
		}
		var ps []tracking.Param
		for k, v := range sp.params {
			ps = append(ps, tracking.Param{Key: k, Value: v})
		}
		var ts []tracking.Tag
		for k, v := range sp.tags {
			ts = append(ts, tracking.Tag{Key: k, Value: v})
		}
		if err := svc.LogBatch(ctx, id, ms, ps, ts); err != nil {
			t.Fatal(err)
		}
		var ins []tracking.DatasetInput
		for _, d := range sp.datasets {
			ins = append(ins, tracking.DatasetInput{
				Tags:    []tracking.Tag{{Key: "mlflow.data.context", Value: d[2]}},
				Dataset: tracking.Dataset{Name: d[0], Digest: d[1], SourceType: "local", Source: "x"}})
		}
		if len(ins) > 0 {
			if err := svc.LogInputs(ctx, id, ins, nil); err != nil {
				t.Fatal(err)
			}
		}
		if sp.status != "" {
			st, end := sp.status, sp.end
			if _, err := svc.UpdateRun(ctx, id, tracking.RunUpdate{Status: &st, EndTime: &end}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := svc.DeleteRun(ctx, s.ids["eps"]); err != nil {
		t.Fatal(err)
	}
	return s
}

// tie returns gamma and delta, which start at the same time, in run_id order.
func (s seededRuns) tie() []string {
	if s.ids["gamma"] < s.ids["delta"] {
		return []string{"gamma", "delta"}
	}
	return []string{"delta", "gamma"}
}

// names returns the names of runs.
func runNames(runs []*tracking.Run) []string {
	names := []string{}
	for _, r := range runs {
		names = append(names, r.Info.RunName)
	}
	return names
}

func cat(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			out = append(out, p)
		case []string:
			out = append(out, p...)
		}
	}
	if out == nil {
		return []string{}
	}
	return out
}

func testSearchRunsMatrix(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	s := seedRuns(t, svc)
	tie := s.tie()
	tests := []struct {
		filter  string
		orderBy []string
		want    []string
	}{
		{"", nil, cat(tie, "Beta", "alpha")},
		{"metrics.acc > 0.75", nil, cat("gamma", "alpha")},
		{"metrics.acc >= 0.7 AND metrics.acc < 0.85", nil, cat("gamma", "Beta")},
		{"metrics.acc = 0.9", nil, cat("alpha")},
		{"metrics.acc <= 0.7", nil, cat("Beta")},
		{"metrics.loss != 0.5", nil, cat("alpha")}, // NaN is != everything
		{"metrics.loss = 0", nil, cat()},           // NaN is stored as 0 but never equals it
		{"metrics.loss < 1", nil, cat("Beta")},
		{"params.model = 'rf'", nil, cat("alpha")},
		{"params.model LIKE 'r%'", nil, cat("alpha")},
		{"params.model ILIKE 'r%'", nil, cat("gamma", "alpha")},
		{"params.model LIKE '_f'", nil, cat("alpha")},
		{"params.model != 'lr'", nil, cat("gamma", "alpha")},
		{"params.depth IS NULL", nil, cat("delta", "Beta")},
		{"params.depth IS NOT NULL", nil, cat("gamma", "alpha")},
		{"tags.team = 'risk'", nil, cat("Beta")},
		{"tags.team ILIKE 'RISK'", nil, cat("Beta", "alpha")},
		{"tags.env IS NULL", nil, cat("gamma", "Beta")},
		{"tags.`mlflow.runName` = 'gamma'", nil, cat("gamma")},
		{"attributes.run_name = 'Beta'", nil, cat("Beta")},
		{"run_name ILIKE 'beta'", nil, cat("Beta")},
		{"run_name LIKE 'b%'", nil, cat()},
		{"attributes.user_id = 'ann'", nil, cat("gamma", "alpha")},
		{"attributes.status = 'FINISHED'", nil, cat("alpha")},
		{"attributes.status != 'RUNNING'", nil, cat("gamma", "alpha")},
		{"attributes.start_time >= 200", nil, cat(tie, "Beta")},
		{"attributes.end_time > 0", nil, cat("gamma", "alpha")},
		{fmt.Sprintf("attributes.run_id IN ('%s', '%s')", s.ids["alpha"], s.ids["Beta"]), nil, cat("Beta", "alpha")},
		{fmt.Sprintf("attributes.run_id NOT IN ('%s')", s.ids["alpha"]), nil, cat(tie, "Beta")},
		{fmt.Sprintf("attributes.run_id = '%s'", s.ids["gamma"]), nil, cat("gamma")},
		{"attributes.artifact_uri LIKE '%/artifacts'", nil, cat(tie, "Beta", "alpha")},
		{"datasets.name = 'bank'", nil, cat("Beta", "alpha")},
		{"datasets.digest = 'abc'", nil, cat("alpha")},
		{"datasets.context = 'eval'", nil, cat("Beta")},
		{"datasets.context IN ('eval', 'training')", nil, cat("Beta", "alpha")},
		{"datasets.name LIKE 'BANK'", nil, cat()},
		{"metrics.acc > 0 AND params.model ILIKE 'r%' AND tags.team IS NOT NULL", nil, cat("alpha")},

		{"", []string{"metrics.acc"}, cat("Beta", "gamma", "alpha", "delta")},
		{"", []string{"metrics.acc DESC"}, cat("alpha", "gamma", "Beta", "delta")},
		{"", []string{"metrics.loss"}, cat("Beta", "alpha", tie)}, // NaN after numbers, missing after NaN
		{"", []string{"metrics.loss DESC"}, cat("Beta", "alpha", tie)},
		{"", []string{"params.model"}, cat("gamma", "Beta", "alpha", "delta")},
		{"", []string{"params.model DESC"}, cat("alpha", "Beta", "gamma", "delta")},
		{"", []string{"tags.team", "start_time"}, cat("alpha", "Beta", tie)},
		{"", []string{"attributes.end_time DESC"}, cat("gamma", "alpha", "delta", "Beta")},
		{"", []string{"run_name"}, cat("Beta", "alpha", "delta", "gamma")},
		{"", []string{"start_time"}, cat("alpha", "Beta", tie)},
		{"", []string{"user_id DESC", "metrics.acc"}, cat("delta", "Beta", "gamma", "alpha")},
		{"metrics.acc > 0", []string{"metrics.acc DESC"}, cat("alpha", "gamma", "Beta")},
	}
	for _, tt := range tests {
		t.Run(tt.filter+"|"+strings.Join(tt.orderBy, ","), func(t *testing.T) {
			runs, next, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{s.expA}, Filter: tt.filter, OrderBy: tt.orderBy})
			if err != nil {
				t.Fatal(err)
			}
			if got := runNames(runs); !slices.Equal(got, tt.want) || next != "" {
				t.Errorf("got %v (next %q), want %v", got, next, tt.want)
			}
		})
	}

	views := []struct {
		exps []string
		view tracking.ViewType
		want []string
	}{
		{[]string{s.expA}, tracking.DeletedOnly, cat("eps")},
		{[]string{s.expA}, tracking.AllViews, cat(tie, "Beta", "alpha", "eps")},
		{[]string{s.expA, s.expB}, tracking.ActiveOnly, cat("other", tie, "Beta", "alpha")},
		{[]string{s.expB, "999"}, 0, cat("other")},
		{nil, 0, cat()},
	}
	for _, v := range views {
		runs, _, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: v.exps, ViewType: v.view})
		if err != nil {
			t.Fatal(err)
		}
		if got := runNames(runs); !slices.Equal(got, v.want) {
			t.Errorf("experiments %v view %d: got %v, want %v", v.exps, v.view, got, v.want)
		}
	}
	// MLflow parses every ID first: one that is not an integer fails the search.
	_, _, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{s.expB, "not-a-number"}})
	wantCode(t, err, weir.ErrInvalidParameterValue)

	// A page of runs carries all their data.
	runs, _, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{s.expA}, Filter: "attributes.run_name = 'alpha'"})
	if err != nil {
		t.Fatal(err)
	}
	got, want := runs[0], mustGetRun(t, svc, s.ids["alpha"])
	if *got.Info.EndTime != *want.Info.EndTime {
		t.Errorf("searched run end time = %d, want %d", *got.Info.EndTime, *want.Info.EndTime)
	}
	got.Info.EndTime, want.Info.EndTime = nil, nil
	if fmt.Sprint(got.Info, got.Data.Params, got.Data.Tags, got.Inputs) != fmt.Sprint(want.Info, want.Data.Params, want.Data.Tags, want.Inputs) ||
		len(got.Data.Metrics) != 2 {
		t.Errorf("searched run = %+v\nwant %+v", got, want)
	}
}

func testSearchRunsArgs(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	tests := []struct {
		name string
		s    tracking.RunSearch
	}{
		{"negative max", tracking.RunSearch{MaxResults: -1}},
		{"max over cap", tracking.RunSearch{MaxResults: 50001}},
		{"bad token", tracking.RunSearch{PageToken: "not a token"}},
		{"bad filter", tracking.RunSearch{Filter: "metrics.acc > 'x'"}},
		{"bad order", tracking.RunSearch{OrderBy: []string{"nonsense.x"}}},
		{"duplicate order", tracking.RunSearch{OrderBy: []string{"metrics.a", "metrics.a DESC"}}},
		{"bad view", tracking.RunSearch{ViewType: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.s.ExperimentIDs = []string{"0"}
			_, _, err := svc.SearchRuns(ctx, tt.s)
			wantCode(t, err, weir.ErrInvalidParameterValue)
		})
	}
	if _, _, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{"0"}, MaxResults: 50000}); err != nil {
		t.Errorf("max_results 50000: %v", err)
	}
}

func testSearchRunsPaging(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	exp := mustCreateExperiment(t, svc, "paging")
	const n = 2500
	want := make([]string, n)
	for i := range n {
		// Start times repeat so that run_id has to break ties.
		r := mustCreateRun(t, svc, tracking.RunCreate{ExperimentID: exp, RunName: fmt.Sprintf("r%d", i), StartTime: int64(1 + i%10)})
		want[i] = r.Info.RunID
	}
	slices.SortFunc(want, func(a, b string) int { return strings.Compare(a, b) })
	// Expected order: start_time DESC, then run_id.
	starts := map[string]int64{}
	all, _, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{exp}, MaxResults: 50000})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != n {
		t.Fatalf("one page of all: %d runs, want %d", len(all), n)
	}
	for _, r := range all {
		starts[r.Info.RunID] = r.Info.StartTime
	}
	slices.SortStableFunc(want, func(a, b string) int { return int(starts[b] - starts[a]) })

	for _, size := range []int{1000, 999, 2500, 2501} {
		var got []string
		token, pages := "", 0
		for {
			runs, next, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{exp}, MaxResults: size, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, r := range runs {
				got = append(got, r.Info.RunID)
			}
			if next == "" {
				break
			}
			token = next
		}
		if wantPages := (n + size - 1) / size; pages != wantPages {
			t.Errorf("max %d: %d pages, want %d", size, pages, wantPages)
		}
		if !slices.Equal(got, want) {
			t.Errorf("max %d: paged runs differ from start_time DESC, run_id order", size)
		}
	}
	// The default page is 1000 runs.
	runs, next, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{exp}})
	if err != nil || len(runs) != 1000 || next == "" {
		t.Errorf("default page: %d runs, next %q, err %v; want 1000 and a token", len(runs), next, err)
	}
}
