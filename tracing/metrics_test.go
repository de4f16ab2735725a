package tracing

import (
	"reflect"
	"testing"
)

// TestAggregate groups rows by dimensions and time buckets; percentiles
// interpolate linearly between ranks as NumPy's np.percentile does (for
// [1, 2, 3, 4]: P50 2.5, P90 3.7).
func TestAggregate(t *testing.T) {
	rows := []MetricRow{
		{Dims: map[string]string{DimTraceStatus: "OK"}, Time: 1_000, Value: 1},
		{Dims: map[string]string{DimTraceStatus: "OK"}, Time: 61_000, Value: 4},
		{Dims: map[string]string{DimTraceStatus: "ERROR"}, Time: 2_000, Value: 2},
		{Dims: map[string]string{DimTraceStatus: "OK"}, Time: 3_000, Value: 3},
		{Dims: map[string]string{DimTraceStatus: "OK"}, Time: 4_000, Value: 2},
	}
	req := MetricsRequest{View: ViewTraces, Metric: MetricLatency, Dimensions: []string{DimTraceStatus},
		Aggregations: []Aggregation{{Type: "COUNT"}, {Type: "SUM"}, {Type: "AVG"}, {Type: "MIN"}, {Type: "MAX"},
			{Type: "PERCENTILE", Percentile: 50}, {Type: "PERCENTILE", Percentile: 90}}}
	if err := req.Check(); err != nil {
		t.Fatal(err)
	}
	got := Aggregate(req, rows)
	want := []DataPoint{
		{Metric: MetricLatency, Dimensions: map[string]string{DimTraceStatus: "ERROR"},
			Values: map[string]float64{"COUNT": 1, "SUM": 2, "AVG": 2, "MIN": 2, "MAX": 2, "P50": 2, "P90": 2}},
		{Metric: MetricLatency, Dimensions: map[string]string{DimTraceStatus: "OK"},
			Values: map[string]float64{"COUNT": 4, "SUM": 10, "AVG": 2.5, "MIN": 1, "MAX": 4, "P50": 2.5, "P90": 3.7}},
	}
	for i := range want {
		for k, v := range want[i].Values {
			if d := got[i].Values[k] - v; d > 1e-12 || d < -1e-12 {
				t.Errorf("%v %s = %v, want %v", got[i].Dimensions, k, got[i].Values[k], v)
			}
		}
		if !reflect.DeepEqual(got[i].Dimensions, want[i].Dimensions) {
			t.Errorf("point %d dims %v, want %v", i, got[i].Dimensions, want[i].Dimensions)
		}
	}
	// Minute buckets from 0 to 2 min: the 61 s row falls in the second.
	req = MetricsRequest{View: ViewTraces, Metric: MetricTraceCount, Aggregations: []Aggregation{{Type: "COUNT"}},
		IntervalSeconds: 60, StartMs: 0, EndMs: 120_000}
	got = Aggregate(req, rows)
	if len(got) != 2 || got[0].Dimensions[DimTimeBucket] != "1970-01-01T00:00:00+00:00" || got[0].Values["COUNT"] != 4 ||
		got[1].Dimensions[DimTimeBucket] != "1970-01-01T00:01:00+00:00" || got[1].Values["COUNT"] != 1 {
		t.Errorf("buckets %+v", got)
	}
	for _, bad := range []MetricsRequest{
		{View: "RUNS", Metric: MetricTraceCount, Aggregations: []Aggregation{{Type: "COUNT"}}},
		{View: ViewTraces, Metric: "tokens", Aggregations: []Aggregation{{Type: "COUNT"}}},
		{View: ViewTraces, Metric: MetricTraceCount, Aggregations: []Aggregation{{Type: "AVG"}}},
		{View: ViewTraces, Metric: MetricTraceCount, Aggregations: []Aggregation{{Type: "COUNT"}}, Dimensions: []string{DimSpanName}},
		{View: ViewTraces, Metric: MetricLatency, Aggregations: []Aggregation{{Type: "PERCENTILE", Percentile: 101}}},
		{View: ViewTraces, Metric: MetricTraceCount, Aggregations: []Aggregation{{Type: "COUNT"}}, IntervalSeconds: 60},
	} {
		if err := bad.Check(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
