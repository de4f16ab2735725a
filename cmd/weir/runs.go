//go:build !weir_serve

package main

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/weir-ml/weir/tracking"
)

type runsCmd struct {
	List   runsListCmd   `cmd:"" help:"List runs, newest first: of every experiment, or of those given with -x."`
	Get    runsGetCmd    `cmd:"" help:"Show one run with its params, metrics and tags."`
	Delete runsDeleteCmd `cmd:"" help:"Delete a run (soft delete)."`
}

type runsListCmd struct {
	trackingFlags
	ExperimentID []string `name:"experiment-id" short:"x" help:"Only the runs of this experiment (repeatable; default: every active experiment)."`
	Filter       string   `help:"MLflow search filter, e.g. \"metrics.auc > 0.7 and params.model = 'gbdt'\"."`
	OrderBy      []string `help:"Ordering, e.g. \"metrics.auc DESC\" (repeatable)."`
	View         string   `help:"Which runs: active, deleted or all." default:"active" enum:"active,deleted,all"`
	Max          int      `help:"Maximum number of runs." default:"100"`
}

func (c *runsListCmd) Run(g *globals) error {
	svc, done, err := c.open(g.ctx)
	if err != nil {
		return err
	}
	defer done()
	ids := c.ExperimentID
	if len(ids) == 0 {
		if ids, err = allExperimentIDs(g.ctx, svc, viewType(c.View)); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return writeRuns(g, c.Output, nil)
	}
	runs, _, err := svc.SearchRuns(g.ctx, tracking.RunSearch{
		ExperimentIDs: ids, Filter: c.Filter, OrderBy: c.OrderBy,
		ViewType: viewType(c.View), MaxResults: c.Max,
	})
	if err != nil {
		return err
	}
	return writeRuns(g, c.Output, runs)
}

// writeRuns prints runs as a table or as {"runs": [...]}.
func writeRuns(g *globals, format string, runs []*tracking.Run) error {
	if format == "json" {
		out := make([]any, len(runs))
		for i, r := range runs {
			out[i] = runJSON(r)
		}
		return writeJSON(g.stdout, map[string]any{"runs": out})
	}
	t := newTable(g.stdout, "RUN ID", "NAME", "EXPERIMENT", "STATUS", "STARTED", "METRICS")
	for _, r := range runs {
		t.row(r.Info.RunID, r.Info.RunName, r.Info.ExperimentID, string(r.Info.Status),
			formatMillis(r.Info.StartTime), metricSummary(r.Data.Metrics, 3))
	}
	return t.flush()
}

// allExperimentIDs returns the IDs of every experiment that can hold runs
// of the view, page by page: runs list searches them all when no -x is
// given, as the demo logs to an experiment of its own and a default of 0
// would show nothing. Deleted runs may sit in deleted experiments.
func allExperimentIDs(ctx context.Context, svc tracking.Service, view tracking.ViewType) ([]string, error) {
	if view != tracking.ActiveOnly {
		view = tracking.AllViews
	}
	var ids []string
	token := ""
	for {
		exps, next, err := svc.SearchExperiments(ctx, tracking.ExperimentSearch{ViewType: view, MaxResults: 1000, PageToken: token})
		if err != nil {
			return nil, err
		}
		for _, e := range exps {
			ids = append(ids, e.ID)
		}
		if next == "" || len(exps) == 0 {
			return ids, nil
		}
		token = next
	}
}

type runsGetCmd struct {
	trackingFlags
	RunID string `arg:"" help:"Run ID."`
}

func (c *runsGetCmd) Run(g *globals) error {
	svc, done, err := c.open(g.ctx)
	if err != nil {
		return err
	}
	defer done()
	r, err := svc.GetRun(g.ctx, c.RunID)
	if err != nil {
		return err
	}
	if c.Output == "json" {
		return writeJSON(g.stdout, map[string]any{"run": runJSON(r)})
	}
	w := g.stdout
	fmt.Fprintf(w, "Run:        %s (%s)\n", r.Info.RunID, r.Info.RunName)
	fmt.Fprintf(w, "Experiment: %s\n", r.Info.ExperimentID)
	fmt.Fprintf(w, "Status:     %s (%s)\n", r.Info.Status, r.Info.LifecycleStage)
	fmt.Fprintf(w, "Started:    %s\n", formatMillis(r.Info.StartTime))
	if r.Info.EndTime != nil {
		fmt.Fprintf(w, "Ended:      %s\n", formatMillis(*r.Info.EndTime))
	}
	fmt.Fprintf(w, "Artifacts:  %s\n", r.Info.ArtifactURI)
	section := func(title string, kv [][2]string) {
		if len(kv) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s:\n", title)
		t := newTable(w, "KEY", "VALUE")
		for _, p := range kv {
			t.row(p[0], p[1])
		}
		t.flush()
	}
	var params, metrics, tags [][2]string
	for _, p := range r.Data.Params {
		params = append(params, [2]string{p.Key, p.Value})
	}
	for _, m := range r.Data.Metrics {
		metrics = append(metrics, [2]string{m.Key, formatFloat(m.Value)})
	}
	for _, t := range r.Data.Tags {
		tags = append(tags, [2]string{t.Key, t.Value})
	}
	section("Params", params)
	section("Metrics", metrics)
	section("Tags", tags)
	return nil
}

type runsDeleteCmd struct {
	trackingFlags
	RunID string `arg:"" help:"Run ID."`
}

func (c *runsDeleteCmd) Run(g *globals) error {
	svc, done, err := c.open(g.ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := svc.DeleteRun(g.ctx, c.RunID); err != nil {
		return err
	}
	if c.Output == "json" {
		return writeJSON(g.stdout, map[string]any{"run_id": c.RunID, "lifecycle_stage": "deleted"})
	}
	return nil
}

// metricSummary shows the first n metrics: plain names (holdout_roc_auc,
// valid_roc_auc) before grouped ones (holdout.gbdt.roc_auc), and the
// baseline's last, so a pipeline run does not open with baseline.brier.
func metricSummary(ms []tracking.Metric, n int) string {
	rank := func(key string) int {
		switch {
		case strings.HasPrefix(key, "baseline."):
			return 2
		case strings.Contains(key, "."):
			return 1
		}
		return 0
	}
	sorted := append([]tracking.Metric(nil), ms...)
	sort.Slice(sorted, func(i, j int) bool {
		if ri, rj := rank(sorted[i].Key), rank(sorted[j].Key); ri != rj {
			return ri < rj
		}
		return sorted[i].Key < sorted[j].Key
	})
	var parts []string
	for i, m := range sorted {
		if i == n {
			parts = append(parts, fmt.Sprintf("(+%d)", len(sorted)-n))
			break
		}
		parts = append(parts, m.Key+"="+formatShort(m.Value))
	}
	return strings.Join(parts, " ")
}

func runJSON(r *tracking.Run) map[string]any {
	info := map[string]any{
		"run_id":          r.Info.RunID,
		"run_name":        r.Info.RunName,
		"experiment_id":   r.Info.ExperimentID,
		"user_id":         r.Info.UserID,
		"status":          string(r.Info.Status),
		"start_time":      r.Info.StartTime,
		"artifact_uri":    r.Info.ArtifactURI,
		"lifecycle_stage": r.Info.LifecycleStage,
	}
	if r.Info.EndTime != nil {
		info["end_time"] = *r.Info.EndTime
	}
	metrics := make([]any, len(r.Data.Metrics))
	for i, m := range r.Data.Metrics {
		var v any = m.Value
		if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			v = formatFloat(m.Value) // JSON has no NaN or Infinity
		}
		metrics[i] = map[string]any{"key": m.Key, "value": v, "timestamp": m.Timestamp, "step": m.Step}
	}
	params := make([]any, len(r.Data.Params))
	for i, p := range r.Data.Params {
		params[i] = map[string]any{"key": p.Key, "value": p.Value}
	}
	return map[string]any{
		"info": info,
		"data": map[string]any{"metrics": metrics, "params": params, "tags": tagsJSON(r.Data.Tags)},
	}
}

func tagsJSON(tags []tracking.Tag) []any {
	out := make([]any, len(tags))
	for i, t := range tags {
		out[i] = map[string]any{"key": t.Key, "value": t.Value}
	}
	return out
}
