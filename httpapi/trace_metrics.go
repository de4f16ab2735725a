package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/auth"
	"github.com/weir-ml/weir/tracing"
)

// queryTraceMetrics is QueryTraceMetrics (POST /mlflow/traces/metrics):
// counts and latency statistics of traces, spans and assessments, grouped
// by dimensions and time buckets, as MLflow's UI charts them.
func (s *Server) queryTraceMetrics(w *jsonWriter, r *http.Request) error {
	ms, ok := s.Traces.(tracing.MetricsService)
	if !ok {
		return notServed(r)
	}
	var req struct {
		ExperimentIDs []string `json:"experiment_ids"`
		ViewType      string   `json:"view_type"`
		MetricName    string   `json:"metric_name"`
		Aggregations  []struct {
			AggregationType string  `json:"aggregation_type"`
			PercentileValue float64 `json:"percentile_value"`
		} `json:"aggregations"`
		Dimensions          []string    `json:"dimensions"`
		Filters             []string    `json:"filters"`
		TimeIntervalSeconds json.Number `json:"time_interval_seconds"`
		StartTimeMs         json.Number `json:"start_time_ms"`
		EndTimeMs           json.Number `json:"end_time_ms"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	mr := tracing.MetricsRequest{ExperimentIDs: req.ExperimentIDs, View: req.ViewType, Metric: req.MetricName,
		Dimensions: req.Dimensions, Filters: req.Filters}
	if mr.View == "" {
		mr.View = tracing.ViewTraces
	}
	for _, a := range req.Aggregations {
		mr.Aggregations = append(mr.Aggregations, tracing.Aggregation{Type: a.AggregationType, Percentile: a.PercentileValue})
	}
	for _, f := range []struct {
		name string
		n    json.Number
		dst  *int64
	}{{"time_interval_seconds", req.TimeIntervalSeconds, &mr.IntervalSeconds}, {"start_time_ms", req.StartTimeMs, &mr.StartMs}, {"end_time_ms", req.EndTimeMs, &mr.EndMs}} {
		if f.n == "" {
			continue
		}
		v, err := f.n.Int64()
		if err != nil {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid value %s for parameter '%s' supplied.", f.n, f.name)
		}
		*f.dst = v
	}
	points, err := ms.QueryTraceMetrics(r.Context(), mr)
	if err != nil {
		return err
	}
	w.openObject()
	w.arrayField("data_points")
	for _, p := range points {
		w.element()
		w.stringField("metric_name", p.Metric)
		writeStringMap(w, "dimensions", p.Dimensions)
		keys := make([]string, 0, len(p.Values))
		for k := range p.Values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		w.objectField("values")
		for _, k := range keys {
			w.comma()
			w.b = appendJSONString(w.b, k)
			w.b = append(w.b, ':')
			w.b = appendJSONFloat(w.b, p.Values[k])
		}
		w.closeObject()
		w.closeObject()
	}
	w.closeArray()
	w.closeObject()
	return nil
}

// QueryTraceMetrics needs READ on every experiment queried.
func (t *guardedTraces) QueryTraceMetrics(ctx context.Context, req tracing.MetricsRequest) ([]tracing.DataPoint, error) {
	ms, ok := t.inner.(tracing.MetricsService)
	if !ok {
		return nil, errDenied
	}
	for _, id := range req.ExperimentIDs {
		if err := t.exp(ctx, id, auth.ActionRead); err != nil {
			return nil, err
		}
	}
	return ms.QueryTraceMetrics(ctx, req)
}

// calculateFilterCorrelation is CalculateTraceFilterCorrelation (POST
// /mlflow/traces/calculate-filter-correlation): how two trace filters
// co-occur, as normalized pointwise mutual information.
func (s *Server) calculateFilterCorrelation(w *jsonWriter, r *http.Request) error {
	cs, ok := s.Traces.(tracing.CorrelationService)
	if !ok {
		return notServed(r)
	}
	var req struct {
		ExperimentIDs []string `json:"experiment_ids"`
		Filter1       string   `json:"filter_string1"`
		Filter2       string   `json:"filter_string2"`
		BaseFilter    string   `json:"base_filter"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	c, err := cs.CorrelateTraceFilters(r.Context(), req.ExperimentIDs, req.Filter1, req.Filter2, req.BaseFilter)
	if err != nil {
		return err
	}
	w.openObject()
	w.floatField("npmi", c.NPMI)
	w.floatField("npmi_smoothed", c.NPMISmoothed)
	w.intField("filter1_count", int64(c.Filter1Count))
	w.intField("filter2_count", int64(c.Filter2Count))
	w.intField("joint_count", int64(c.JointCount))
	w.intField("total_count", int64(c.TotalCount))
	w.closeObject()
	return nil
}

// CorrelateTraceFilters needs READ on every experiment counted.
func (t *guardedTraces) CorrelateTraceFilters(ctx context.Context, experimentIDs []string, f1, f2, base string) (*tracing.Correlation, error) {
	cs, ok := t.inner.(tracing.CorrelationService)
	if !ok {
		return nil, errDenied
	}
	for _, id := range experimentIDs {
		if err := t.exp(ctx, id, auth.ActionRead); err != nil {
			return nil, err
		}
	}
	return cs.CorrelateTraceFilters(ctx, experimentIDs, f1, f2, base)
}
