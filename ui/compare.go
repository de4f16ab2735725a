package ui

import (
	"context"
	"html/template"
	"net/http"
	"sort"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// maxCompare bounds how many runs one comparison loads.
const maxCompare = 20

// compareRow is one param or metric across the compared runs.
type compareRow struct {
	Key     string
	Values  []string
	Differs bool
}

type compareData struct {
	Runs    []*tracking.Run
	Names   []string
	Params  []compareRow
	Metrics []compareRow
	Chart   template.JS
	Table   template.JS // runs as {id, name, params, metrics} for the plots
}

// runPoint is one run in the parallel-coordinates and scatter plots.
type runPoint struct {
	ID      string             `json:"id"`
	Name    string             `json:"name"`
	Params  map[string]string  `json:"params"`
	Metrics map[string]float64 `json:"metrics"`
}

func (h *Handler) comparePage(w http.ResponseWriter, r *http.Request) (*view, error) {
	ids := r.URL.Query()["run"]
	if len(ids) < 2 {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Choose at least two runs to compare.")
	}
	if len(ids) > maxCompare {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Compare at most %d runs at a time.", maxCompare)
	}
	d := &compareData{}
	params, metrics := map[string]bool{}, map[string]bool{}
	var points []runPoint
	for _, id := range ids {
		run, err := h.Tracking.GetRun(r.Context(), id)
		if err != nil {
			return nil, err
		}
		d.Runs = append(d.Runs, run)
		d.Names = append(d.Names, runName(run))
		pt := runPoint{ID: id, Name: runName(run), Params: map[string]string{}, Metrics: map[string]float64{}}
		for _, p := range run.Data.Params {
			params[p.Key] = true
			pt.Params[p.Key] = p.Value
		}
		for _, m := range run.Data.Metrics {
			metrics[m.Key] = true
			if finite(m.Value) {
				pt.Metrics[m.Key] = m.Value
			}
		}
		points = append(points, pt)
	}
	for _, k := range sortedKeys(params) {
		d.Params = append(d.Params, compareValues(k, d.Runs, column{Kind: "param", Key: k}))
	}
	metricKeys := sortedKeys(metrics)
	for _, k := range metricKeys {
		d.Metrics = append(d.Metrics, compareValues(k, d.Runs, column{Kind: "metric", Key: k}))
	}
	init := chartInit{Runs: ids, Keys: append([]string{}, metricKeys...), Show: []string{}}
	init.Show = h.firstHistory(r.Context(), d.Runs)
	d.Chart = jsonJS(init)
	d.Table = jsonJS(points)
	return &view{Template: "compare", Title: "Compare runs", Data: d,
		Crumbs: []crumb{{"Experiments", "/experiments"}}}, nil
}

func compareValues(key string, runs []*tracking.Run, c column) compareRow {
	row := compareRow{Key: key}
	for i, run := range runs {
		v := cell(run, c)
		row.Values = append(row.Values, v)
		if i > 0 && v != row.Values[0] {
			row.Differs = true
		}
	}
	return row
}

// longestHistory names the metric logged at the highest step in any of the
// runs: the one whose chart shows most. It is empty when there are none.
func longestHistory(runs []*tracking.Run) []string {
	var best *tracking.Metric
	for _, run := range runs {
		for i, m := range run.Data.Metrics {
			if best == nil || m.Step > best.Step || (m.Step == best.Step && m.Key < best.Key) {
				best = &run.Data.Metrics[i]
			}
		}
	}
	if best == nil {
		return []string{}
	}
	return []string{best.Key}
}

// firstHistory names the metric to draw first when comparing: the one
// logged at the highest step that has a history, else (every metric was
// logged once: bars) the runs' key metric.
func (h *Handler) firstHistory(ctx context.Context, runs []*tracking.Run) []string {
	type cand struct {
		m   tracking.Metric
		run string
	}
	best := map[string]cand{}
	for _, run := range runs {
		for _, m := range run.Data.Metrics {
			if b, ok := best[m.Key]; !ok || m.Step > b.m.Step {
				best[m.Key] = cand{m, run.Info.RunID}
			}
		}
	}
	cands := make([]cand, 0, len(best))
	for _, c := range best {
		cands = append(cands, c)
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i].m, cands[j].m
		return a.Step > b.Step || (a.Step == b.Step && a.Key < b.Key)
	})
	for i, c := range cands {
		if i == 20 { // enough reads: the rest are shorter anyway
			break
		}
		if h.hasHistory(ctx, c.run, c.m, 0) {
			return []string{c.m.Key}
		}
	}
	if k := keyMetrics(nil, runs, 1); len(k) > 0 {
		return k
	}
	return []string{}
}
