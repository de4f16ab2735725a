package ui

import (
	"encoding/json"
	"html/template"
	"net/http"
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
	Metrics    []tracking.Metric
	Tags       []tracking.Tag // the user's tags
	SysTags    []tracking.Tag // mlflow.* tags
	Chart      template.JS    // the chart's initial state, for the JSON data block
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
	for _, m := range d.Metrics {
		init.Keys = append(init.Keys, m.Key)
	}
	// Draw first the metric with the longest history: a single value
	// makes a dull chart.
	init.Show = longestHistory([]*tracking.Run{run})
	d.Chart = jsonJS(init)
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
