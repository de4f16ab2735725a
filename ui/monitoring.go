package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// Monitoring runs are ordinary runs that name the model they watch in a
// tag; each is one window. Their metrics follow a naming convention:
// drift_share, drift.<feature> (a feature's drift score) and window.<metric>
// (performance in the window, e.g. window.roc_auc), as weir monitor report logs them.
//
// Weir's pipeline (weir demo) instead replays monitoring once into the run
// that a model version comes from: it tags that run with TagDecision and
// logs monitoring/monitoring.html and .json; the page shows those too.
const (
	TagDecision       = "weir.monitoring.decision"
	TagMonitorModel   = "weir.monitoring.model"
	TagMonitorVersion = "weir.monitoring.model_version"
	MetricDriftShare  = "drift_share"
	DriftPrefix       = "drift."
	PerfPrefix        = "window."
)

// maxWindows bounds the monitoring runs one page shows.
const maxWindows = 500

type windowRow struct {
	Run        *tracking.Run
	Name       string
	Version    string
	DriftShare string
	Reports    []crumb
}

type monitoringData struct {
	Model     string
	Windows   []windowRow
	Decisions []decisionRow
	Trends    template.JS
}

// decisionRow is a version's source run that holds a monitoring replay.
type decisionRow struct {
	Run      *tracking.Run
	Name     string
	Versions []string
	Decision string
	Reports  []crumb
}

// trendPoint is one window in the trend charts.
type trendPoint struct {
	Time    int64              `json:"t"`
	Name    string             `json:"name"`
	Metrics map[string]float64 `json:"metrics"`
}

func (h *Handler) monitoringPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	ctx := r.Context()
	name := r.URL.Query().Get("name")
	if h.Registry != nil {
		if _, err := h.Registry.GetRegisteredModel(ctx, name); err != nil {
			return nil, err
		}
	}
	exps, _, err := h.Tracking.SearchExperiments(ctx, tracking.ExperimentSearch{MaxResults: 1000})
	if err != nil {
		return nil, err
	}
	d := &monitoringData{Model: name}
	if d.Decisions, err = h.decisions(r, name); err != nil {
		return nil, err
	}
	var runs []*tracking.Run
	if len(exps) > 0 {
		ids := make([]string, len(exps))
		for i, e := range exps {
			ids[i] = e.ID
		}
		runs, _, err = h.Tracking.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: ids,
			Filter: "tags.`" + TagMonitorModel + "` = " + quoteLiteral(name), MaxResults: maxWindows,
			OrderBy: []string{"attributes.start_time ASC"}})
		if err != nil {
			return nil, err
		}
	}
	var trend []trendPoint
	for _, run := range runs {
		row := windowRow{Run: run, Name: runName(run), Version: tagValue(run.Data.Tags, TagMonitorVersion)}
		pt := trendPoint{Time: run.Info.StartTime, Name: row.Name, Metrics: map[string]float64{}}
		for _, m := range run.Data.Metrics {
			if m.Key == MetricDriftShare || strings.HasPrefix(m.Key, DriftPrefix) || strings.HasPrefix(m.Key, PerfPrefix) {
				if finite(m.Value) {
					pt.Metrics[m.Key] = m.Value
				}
			}
			if m.Key == MetricDriftShare {
				row.DriftShare = fmtNum(m.Value)
			}
		}
		row.Reports = h.reports(r, run, "")
		d.Windows = append(d.Windows, row)
		trend = append(trend, pt)
	}
	sort.SliceStable(trend, func(i, j int) bool { return trend[i].Time < trend[j].Time })
	if trend == nil {
		trend = []trendPoint{}
	}
	d.Trends = jsonJS(trend)
	return &view{Template: "monitoring", Title: "Monitoring", Data: d,
		Crumbs: []crumb{{"Models", "/models"}, {name, modelURL(name)}}}, nil
}

// decisions finds the source runs of the model's versions that carry a
// monitoring decision.
func (h *Handler) decisions(r *http.Request, name string) ([]decisionRow, error) {
	if h.Registry == nil {
		return nil, nil
	}
	versions, _, err := h.Registry.SearchModelVersions(r.Context(), registry.Search{
		Filter: "name = " + quoteLiteral(name), MaxResults: 200, OrderBy: []string{"version_number DESC"}})
	if err != nil {
		return nil, err
	}
	var out []decisionRow
	seen := map[string]int{} // run ID -> index in out, or -1
	for _, v := range versions {
		if v.RunID == "" {
			continue
		}
		if i, ok := seen[v.RunID]; ok {
			if i >= 0 {
				out[i].Versions = append(out[i].Versions, v.Version)
			}
			continue
		}
		seen[v.RunID] = -1
		run, err := h.Tracking.GetRun(r.Context(), v.RunID)
		if err != nil {
			continue // a deleted source run leaves the version without lineage
		}
		decision := tagValue(run.Data.Tags, TagDecision)
		if decision == "" {
			continue
		}
		seen[v.RunID] = len(out)
		out = append(out, decisionRow{Run: run, Name: runName(run), Versions: []string{v.Version},
			Decision: decision, Reports: h.reports(r, run, "monitoring")})
	}
	return out, nil
}

// reports links the HTML and JSON reports in a folder of a run's artifacts
// ("" is the top).
func (h *Handler) reports(r *http.Request, run *tracking.Run, dir string) []crumb {
	root, err := h.runArtifactRoot(run)
	if err != nil {
		return nil
	}
	entries, err := h.Artifacts.List(r.Context(), joinPath(root, dir))
	if err != nil {
		return nil
	}
	var out []crumb
	for _, e := range entries {
		rel := strings.TrimPrefix(strings.TrimPrefix(e.Path, root), "/")
		switch strings.ToLower(path.Ext(rel)) {
		case ".html", ".htm", ".json":
			if !e.IsDir {
				out = append(out, crumb{rel, "/runs/" + run.Info.RunID + "/artifacts?path=" + url.QueryEscape(rel)})
			}
		}
	}
	return out
}
