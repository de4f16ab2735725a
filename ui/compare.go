package ui

import (
	"html/template"
	"net/http"

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
	init.Show = longestHistory(d.Runs)
	if !anyHistory(d.Runs) { // values logged once: the key metric's bars say most
		if k := keyMetrics(nil, d.Runs, 1); len(k) > 0 {
			init.Show = k
		}
	}
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

// anyHistory reports whether some run logged a metric past step 0, the
// mark of a history worth a line.
func anyHistory(runs []*tracking.Run) bool {
	for _, run := range runs {
		for _, m := range run.Data.Metrics {
			if m.Step > 0 {
				return true
			}
		}
	}
	return false
}
