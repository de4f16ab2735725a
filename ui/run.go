package ui

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/weir-ml/weir/tracking"
)

type runData struct {
	Run        *tracking.Run
	Exp        *tracking.Experiment
	Name       string
	Parent     string
	ParentName string
	Children   []*tracking.Run
	User       string
	Source     string
	GitCommit  string
	Note       string
	Params     []tracking.Param
	Metrics    []tracking.Metric       // every metric's latest value
	Singles    []metricGroup           // metrics logged once, as a value table
	Lines      []tracking.Metric       // latest values of the metrics with a history to draw
	Tags       []tracking.Tag          // the user's tags
	SysTags    []tracking.Tag          // mlflow.* tags
	Chart      template.JS             // the chart's initial state, for the JSON data block
	Models     []*tracking.LoggedModel // MLflow 3 logged models the run produced
}

// chartInit is what chart.js reads from the page to draw its first chart.
type chartInit struct {
	Runs []string `json:"runs"`
	Keys []string `json:"keys"` // every metric key offered
	Show []string `json:"show"` // the keys drawn first
}

func (h *Handler) runPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	ctx := r.Context()
	run, err := h.Tracking.GetRun(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	exp, err := h.Tracking.GetExperiment(ctx, run.Info.ExperimentID)
	if err != nil {
		return nil, err
	}
	d := &runData{Run: run, Exp: exp, Name: runName(run)}
	tags := run.Data.Tags
	d.Parent = tagValue(tags, tagParent)
	d.User = run.Info.UserID
	if d.User == "" {
		d.User = tagValue(tags, tagUser)
	}
	d.Source, d.GitCommit, d.Note = tagValue(tags, tagSource), tagValue(tags, tagGitCommit), tagValue(tags, tagNote)
	if d.Parent != "" {
		if p, err := h.Tracking.GetRun(ctx, d.Parent); err == nil {
			d.ParentName = runName(p)
		}
	}
	d.Children, _, err = h.Tracking.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{exp.ID},
		Filter: "tags.`" + tagParent + "` = '" + run.Info.RunID + "'", MaxResults: 100})
	if err != nil {
		return nil, err
	}
	d.Params = append(d.Params, run.Data.Params...)
	sort.Slice(d.Params, func(i, j int) bool { return d.Params[i].Key < d.Params[j].Key })
	d.Metrics = append(d.Metrics, run.Data.Metrics...)
	sort.Slice(d.Metrics, func(i, j int) bool { return d.Metrics[i].Key < d.Metrics[j].Key })
	for _, t := range tags {
		if strings.HasPrefix(t.Key, "mlflow.") {
			d.SysTags = append(d.SysTags, t)
		} else {
			d.Tags = append(d.Tags, t)
		}
	}
	sort.Slice(d.Tags, func(i, j int) bool { return d.Tags[i].Key < d.Tags[j].Key })
	sort.Slice(d.SysTags, func(i, j int) bool { return d.SysTags[i].Key < d.SysTags[j].Key })
	init := chartInit{Runs: []string{run.Info.RunID}, Keys: []string{}, Show: []string{}}
	var singles []tracking.Metric
	for _, m := range d.Metrics {
		if h.hasHistory(ctx, run.Info.RunID, m, len(d.Metrics)) {
			init.Keys = append(init.Keys, m.Key)
		} else {
			singles = append(singles, m)
		}
	}
	d.Lines, d.Singles = keep(d.Metrics, init.Keys), groupMetrics(singles)
	// Draw first the metric with the longest history: a single value
	// makes a dull chart.
	init.Show = longestHistory([]*tracking.Run{{Data: tracking.RunData{Metrics: d.Lines}}})
	d.Chart = jsonJS(init)
	d.Models = h.loggedModels(ctx, run)
	return &view{
		Template: "run", Title: d.Name, Data: d,
		Crumbs: []crumb{{"Experiments", "/experiments"}, {exp.Name, "/experiments/" + exp.ID}},
	}, nil
}

// jsonJS encodes v for a <script type="application/json"> block.
// encoding/json escapes <, > and &, so the block cannot be closed early.
func jsonJS(v any) template.JS {
	b, _ := json.Marshal(v)
	return template.JS(b)
}

// historyChecks bounds the metrics of one run whose histories are read to
// tell a line from a single value; past it, every metric is offered as a
// line, as before the check.
const historyChecks = 200

// hasHistory reports whether a metric has more than one distinct point,
// reading no more than the first few. Single values (every metric of a
// pipeline run, an evaluation's scores) go to a table instead of a chart
// of one dot.
func (h *Handler) hasHistory(ctx context.Context, runID string, m tracking.Metric, metrics int) bool {
	if metrics > historyChecks {
		return true
	}
	hist, _, err := h.Tracking.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: runID, Key: m.Key, MaxResults: 8})
	if err != nil {
		return true // the chart will say what is wrong
	}
	return len(distinctPoints(hist)) > 1
}

// metricGroup is the single-valued metrics that share a prefix (the text
// before the first dot): "holdout.gbdt.roc_auc" is in group "holdout".
type metricGroup struct {
	Name    string // "" for keys without a dot
	Metrics []metricValue
}

// metricValue is one row of the value table.
type metricValue struct {
	tracking.Metric
	Name  string // the key without the group's prefix
	Share bool   // the value lies in [0, 1], so a bar shows it
}

func groupMetrics(ms []tracking.Metric) []metricGroup {
	var groups []metricGroup
	at := map[string]int{}
	for _, m := range ms {
		g, name, ok := strings.Cut(m.Key, ".")
		if !ok {
			g, name = "", m.Key
		}
		i, seen := at[g]
		if !seen {
			i = len(groups)
			at[g] = i
			groups = append(groups, metricGroup{Name: g})
		}
		groups[i].Metrics = append(groups[i].Metrics, metricValue{Metric: m, Name: name, Share: m.Value >= 0 && m.Value <= 1})
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].Name < groups[j].Name })
	return groups
}

// keep returns the metrics whose keys are in keys.
func keep(ms []tracking.Metric, keys []string) []tracking.Metric {
	var out []tracking.Metric
	for _, m := range ms {
		if slices.Contains(keys, m.Key) {
			out = append(out, m)
		}
	}
	return out
}

// loggedModels finds the logged models a run produced: those whose source
// run it is, and those its outputs name. Without a LoggedModelService, or
// when the search fails, the section is simply left out.
func (h *Handler) loggedModels(ctx context.Context, run *tracking.Run) []*tracking.LoggedModel {
	if h.LoggedModels == nil {
		return nil
	}
	models, _, err := h.LoggedModels.SearchLoggedModels(ctx, tracking.LoggedModelSearch{
		ExperimentIDs: []string{run.Info.ExperimentID},
		Filter:        "source_run_id = " + quoteLiteral(run.Info.RunID), MaxResults: 100})
	if err != nil {
		h.Logger.Warn("ui: logged models of a run", "run", run.Info.RunID, "err", err)
	}
	for _, out := range run.Outputs.ModelOutputs {
		if slices.ContainsFunc(models, func(m *tracking.LoggedModel) bool { return m.ModelID == out.ModelID }) {
			continue
		}
		if m, err := h.LoggedModels.GetLoggedModel(ctx, out.ModelID); err == nil {
			models = append(models, m)
		}
	}
	sort.SliceStable(models, func(i, j int) bool { return models[i].CreationTimestampMs < models[j].CreationTimestampMs })
	return models
}
