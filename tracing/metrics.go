package tracing

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
)

// Metric views, names, dimensions and aggregations of MLflow's trace
// metrics query (QueryTraceMetrics), as its UI charts ask for them.
const (
	ViewTraces      = "TRACES"
	ViewSpans       = "SPANS"
	ViewAssessments = "ASSESSMENTS"

	MetricTraceCount      = "trace_count"
	MetricLatency         = "latency"
	MetricSpanCount       = "span_count"
	MetricAssessmentCount = "assessment_count"

	DimTraceName      = "trace_name"
	DimTraceStatus    = "trace_status"
	DimSpanName       = "span_name"
	DimSpanType       = "span_type"
	DimSpanStatus     = "span_status"
	DimAssessmentName = "assessment_name"
	// DimTimeBucket is the start of a time_interval_seconds bucket, in ISO
	// 8601 UTC.
	DimTimeBucket = "time_bucket"
)

// Aggregation is one statistic of a metric: COUNT, SUM, AVG, MIN, MAX or
// PERCENTILE (with Percentile from 0 to 100).
type Aggregation struct {
	Type       string
	Percentile float64
}

// Label names the aggregation in a data point's values, as MLflow does:
// the type, or P and the percentile.
func (a Aggregation) Label() string {
	if a.Type == "PERCENTILE" {
		return "P" + strconv.FormatFloat(a.Percentile, 'f', -1, 64)
	}
	return a.Type
}

// MetricsRequest is a trace metrics query.
type MetricsRequest struct {
	ExperimentIDs []string
	View, Metric  string
	Aggregations  []Aggregation
	Dimensions    []string
	// Filters are trace search filters, all of which a trace must match.
	Filters []string
	// IntervalSeconds, when set, buckets the rows by time between StartMs
	// and EndMs (both required then).
	IntervalSeconds int64
	StartMs, EndMs  int64
}

// DataPoint is one group of a metrics query: its dimensions' values and
// its aggregations' values by label.
type DataPoint struct {
	Metric     string
	Dimensions map[string]string
	Values     map[string]float64
}

// MetricsService answers trace metrics queries.
type MetricsService interface {
	QueryTraceMetrics(ctx context.Context, req MetricsRequest) ([]DataPoint, error)
}

// metricSpec says what a view's metric may be aggregated and grouped by.
type metricSpec struct {
	aggs map[string]bool
	dims map[string]bool
}

func set(keys ...string) map[string]bool {
	m := map[string]bool{}
	for _, k := range keys {
		m[k] = true
	}
	return m
}

var (
	numericAggs = set("COUNT", "SUM", "AVG", "MIN", "MAX", "PERCENTILE")
	traceDims   = set(DimTraceName, DimTraceStatus)
	spanDims    = set(DimSpanName, DimSpanType, DimSpanStatus)
	// metricSpecs are the views and metrics Weir answers.
	metricSpecs = map[string]map[string]metricSpec{
		ViewTraces: {MetricTraceCount: {set("COUNT"), traceDims}, MetricLatency: {numericAggs, traceDims}},
		ViewSpans:  {MetricSpanCount: {set("COUNT"), spanDims}, MetricLatency: {numericAggs, spanDims}},
		ViewAssessments: {
			MetricAssessmentCount: {set("COUNT"), set(DimAssessmentName)},
		},
	}
)

// Check validates a request as MLflow's server does.
func (r *MetricsRequest) Check() error {
	metrics, ok := metricSpecs[r.View]
	if !ok {
		return fmt.Errorf("view_type must be one of TRACES, SPANS or ASSESSMENTS, got '%s'", r.View)
	}
	spec, ok := metrics[r.Metric]
	if !ok {
		names := make([]string, 0, len(metrics))
		for n := range metrics {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("metric_name of view %s must be one of %s, got '%s'", r.View, joinQuoted(names), r.Metric)
	}
	if len(r.Aggregations) == 0 {
		return fmt.Errorf("at least one aggregation is required")
	}
	for _, a := range r.Aggregations {
		if !spec.aggs[a.Type] {
			return fmt.Errorf("aggregation_type '%s' is not supported for %s", a.Type, r.Metric)
		}
		if a.Type == "PERCENTILE" && (a.Percentile < 0 || a.Percentile > 100 || math.IsNaN(a.Percentile)) {
			return fmt.Errorf("percentile_value must be between 0 and 100, got %v", a.Percentile)
		}
	}
	for _, d := range r.Dimensions {
		if !spec.dims[d] {
			return fmt.Errorf("dimension '%s' is not supported for %s of %s", d, r.Metric, r.View)
		}
	}
	if r.IntervalSeconds < 0 || r.IntervalSeconds > 0 && (r.StartMs == 0 || r.EndMs == 0) {
		return fmt.Errorf("start_time_ms and end_time_ms are required if time_interval_seconds is set")
	}
	return nil
}

func joinQuoted(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += "'" + v + "'"
	}
	return out
}

// MetricRow is one trace, span or assessment a query aggregates: its
// dimensions' values, its time in milliseconds and its value (a latency in
// milliseconds; counts ignore it).
type MetricRow struct {
	Dims  map[string]string
	Time  int64
	Value float64
}

// Aggregate groups rows by the request's dimensions (and time bucket) and
// computes its aggregations, in the order of the groups' dimension values.
func Aggregate(req MetricsRequest, rows []MetricRow) []DataPoint {
	type group struct {
		dims   map[string]string
		values []float64
	}
	groups := map[string]*group{}
	var keys []string
	for _, r := range rows {
		dims := map[string]string{}
		key := ""
		if req.IntervalSeconds > 0 {
			step := req.IntervalSeconds * 1000
			b := req.StartMs + (r.Time-req.StartMs)/step*step
			dims[DimTimeBucket] = isoMillis(b)
			key += fmt.Sprintf("%020d\x00", b)
		}
		for _, d := range req.Dimensions {
			dims[d] = r.Dims[d]
			key += r.Dims[d] + "\x00"
		}
		g, ok := groups[key]
		if !ok {
			g = &group{dims: dims}
			groups[key] = g
			keys = append(keys, key)
		}
		g.values = append(g.values, r.Value)
	}
	sort.Strings(keys)
	out := make([]DataPoint, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		p := DataPoint{Metric: req.Metric, Dimensions: g.dims, Values: map[string]float64{}}
		for _, a := range req.Aggregations {
			p.Values[a.Label()] = aggregate(a, g.values)
		}
		out = append(out, p)
	}
	return out
}

func aggregate(a Aggregation, v []float64) float64 {
	switch a.Type {
	case "COUNT":
		return float64(len(v))
	case "SUM", "AVG":
		s := 0.0
		for _, x := range v {
			s += x
		}
		if a.Type == "AVG" {
			return s / float64(len(v))
		}
		return s
	case "MIN", "MAX":
		m := v[0]
		for _, x := range v[1:] {
			if a.Type == "MIN" && x < m || a.Type == "MAX" && x > m {
				m = x
			}
		}
		return m
	}
	// PERCENTILE: linear interpolation between the closest ranks, as
	// PostgreSQL's percentile_cont and NumPy's default.
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	pos := a.Percentile / 100 * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	return s[lo] + (s[hi]-s[lo])*(pos-float64(lo))
}

// isoMillis writes milliseconds since the epoch as Python's isoformat of a
// UTC datetime, as MLflow labels time buckets.
func isoMillis(ms int64) string {
	t := timeUTC(ms)
	if ms%1000 != 0 {
		return t.Format("2006-01-02T15:04:05.000000+00:00")
	}
	return t.Format("2006-01-02T15:04:05+00:00")
}

func timeUTC(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
