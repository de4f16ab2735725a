package ui

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// maxSeries bounds runs × keys of one chart request.
const maxSeries = 60

// seriesJSON is one downsampled line of a chart.
type seriesJSON struct {
	Run     string    `json:"run"`
	RunName string    `json:"runName"`
	Key     string    `json:"key"`
	Points  int       `json:"points"` // in the requested range, before downsampling
	X       []float64 `json:"x"`
	Y       []float64 `json:"y"`
}

// series answers the charts' requests: /ui-data/series?run=ID&key=K[&x=step|time|rel][&from=X&to=X][&points=N].
// The whole history is read from the store and downsampled here, so a
// 100,000-point metric costs the browser about ChartPoints points; zooming
// asks again for the narrower range, at full detail where it has it.
func (h *Handler) series(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	out, err := h.buildSeries(r, q.Get("x"), q["run"], q["key"])
	if err != nil {
		writeJSONError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{"x": xAxis(q.Get("x")), "series": out})
}

func xAxis(x string) string {
	switch x {
	case "time", "rel":
		return x
	}
	return "step"
}

func (h *Handler) buildSeries(r *http.Request, x string, runIDs, keys []string) ([]seriesJSON, error) {
	q := r.URL.Query()
	if len(runIDs) == 0 || len(keys) == 0 {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "A chart needs at least one run and one metric key.")
	}
	if len(runIDs)*len(keys) > maxSeries {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "A chart draws at most %d lines; choose fewer runs or metrics.", maxSeries)
	}
	lo, hi := math.Inf(-1), math.Inf(1)
	if v, err := strconv.ParseFloat(q.Get("from"), 64); err == nil {
		lo = v
	}
	if v, err := strconv.ParseFloat(q.Get("to"), 64); err == nil {
		hi = v
	}
	points := h.ChartPoints
	if n, err := strconv.Atoi(q.Get("points")); err == nil && n >= 3 {
		points = min(n, 5000)
	}
	out := []seriesJSON{}
	for _, id := range runIDs {
		run, err := h.Tracking.GetRun(r.Context(), id)
		if err != nil {
			return nil, err
		}
		for _, key := range keys {
			hist, err := h.history(r.Context(), run, key)
			if err != nil {
				return nil, err
			}
			xs, ys := axisValues(distinctPoints(hist), xAxis(x), run.Info.StartTime, lo, hi)
			n := len(xs)
			xs, ys = lttb(xs, ys, points)
			out = append(out, seriesJSON{Run: id, RunName: runName(run), Key: key, Points: n, X: xs, Y: ys})
		}
	}
	return out, nil
}

// axisValues turns a history into (x, y) sorted by x within [lo, hi].
// Values JSON cannot carry (NaN, ±Inf) are left out of the line.
func axisValues(hist []tracking.Metric, x string, start int64, lo, hi float64) ([]float64, []float64) {
	type pt struct{ x, y float64 }
	pts := make([]pt, 0, len(hist))
	for _, m := range hist {
		if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			continue
		}
		var xv float64
		switch x {
		case "time":
			xv = float64(m.Timestamp)
		case "rel":
			xv = float64(m.Timestamp-start) / 1000
		default:
			xv = float64(m.Step)
		}
		if xv < lo || xv > hi {
			continue
		}
		pts = append(pts, pt{xv, m.Value})
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].x < pts[j].x })
	xs, ys := make([]float64, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		xs[i], ys[i] = p.x, p.y
	}
	return xs, ys
}

// distinctPoints drops points that repeat the step, time and value of
// another point at that step and time. MLflow 3's log_model logs a run's
// metrics again with the new model's model_id, so a value logged once comes
// back twice: drawn as a line, the pair is a line of length zero and the
// chart looks empty. Stores return histories ordered by step and time, so
// repeats are neighbours and one pass finds them without a map.
func distinctPoints(hist []tracking.Metric) []tracking.Metric {
	var out []tracking.Metric // nil until the first repeat: most histories have none
	group := 0                // where the current step and time start in hist
	for i, m := range hist {
		if i == 0 || m.Step != hist[i-1].Step || m.Timestamp != hist[i-1].Timestamp {
			group = i
		}
		repeat := slices.ContainsFunc(hist[group:i], func(o tracking.Metric) bool { return o.Value == m.Value })
		switch {
		case repeat && out == nil:
			out = append(make([]tracking.Metric, 0, len(hist)), hist[:i]...)
		case !repeat && out != nil:
			out = append(out, m)
		}
	}
	if out == nil {
		return hist
	}
	return out
}

func writeJSONError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch weir.ErrorCode(err) {
	case weir.ErrResourceDoesNotExist:
		status = http.StatusNotFound
	case weir.ErrInvalidParameterValue, weir.ErrBadRequest:
		status = http.StatusBadRequest
	case weir.ErrPermissionDenied:
		status = http.StatusForbidden
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error_code": weir.ErrorCode(err), "message": weir.ErrorMessage(err)})
}

// historyComplete reports whether the store holds no more than n points of
// the run's history of key: whether a cached history of n points is still
// all of it. Histories only grow, and another server sharing the database
// may have added a point that does not change the latest value (an
// earlier step), so a cached copy is checked against the store, not
// against what this server saw. Asking for the point after the first n is
// one index probe, far cheaper than reading the history again.
func (h *Handler) historyComplete(ctx context.Context, runID, key string, n int) bool {
	more, _, err := h.Tracking.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: runID, Key: key,
		MaxResults: 1, PageToken: tracking.EncodePageToken(n)})
	return err == nil && len(more) == 0
}

// history reads a run's whole history of key, through the cache.
func (h *Handler) history(ctx context.Context, run *tracking.Run, key string) ([]tracking.Metric, error) {
	latest, ok := latestOf(run, key)
	if ok {
		if hist, ok := h.histories.get(run.Info.RunID, key, latest); ok && h.historyComplete(ctx, run.Info.RunID, key, len(hist)) {
			return hist, nil
		}
	}
	hist, _, err := h.Tracking.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: run.Info.RunID, Key: key})
	if err != nil {
		return nil, err
	}
	if ok {
		h.histories.put(run.Info.RunID, key, latest, hist)
	}
	return hist, nil
}
