package tracking

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseTraceFilter(t *testing.T) {
	tests := []struct {
		filter string
		want   []Comparison
	}{
		{"trace.status = 'OK'", []Comparison{{EntityAttribute, "status", "=", Value{Kind: StringValue, Str: "OK"}}}},
		{"timestamp > 100 AND attributes.execution_time_ms <= 5", []Comparison{
			{EntityAttribute, "timestamp_ms", ">", Value{Kind: NumberValue, Num: 100}},
			{EntityAttribute, "execution_time_ms", "<=", Value{Kind: NumberValue, Num: 5}}}},
		{"tags.`mlflow.traceName` LIKE 'pre%'", []Comparison{{EntityTag, "mlflow.traceName", "LIKE", Value{Kind: StringValue, Str: "pre%"}}}},
		{"metadata.mlflow.sourceRun = 'abc'", []Comparison{{EntityMetadata, "mlflow.sourceRun", "=", Value{Kind: StringValue, Str: "abc"}}}},
		{"request_metadata.k IS NULL", []Comparison{{EntityMetadata, "k", "IS NULL", Value{}}}},
		{"span.type IN ('LLM', 'TOOL')", []Comparison{{EntitySpan, "type", "IN", Value{Kind: ListValue, List: []string{"LLM", "TOOL"}}}}},
		{"run_id = 'r1'", []Comparison{{EntityAttribute, "run_id", "=", Value{Kind: StringValue, Str: "r1"}}}},
	}
	for _, tt := range tests {
		got, err := ParseTraceFilter(tt.filter)
		if err != nil {
			t.Errorf("%q: %v", tt.filter, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", tt.filter, got, tt.want)
		}
	}
	for _, bad := range []struct{ filter, want string }{
		{"metrics.a > 1", "Invalid entity type 'metrics'"},
		{"span.colour = 'x'", "Invalid span attribute 'colour'"},
		{"timestamp_ms > 'x'", "timestamp_ms"},
		{"trace.colour = 'red'", "Invalid attribute key 'colour'"},
		{"trace.text = 'x'", "Invalid comparator '='"},
		{"tags.a > 'b'", "Invalid comparator '>'"},
	} {
		if _, err := ParseTraceFilter(bad.filter); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: err = %v, want one mentioning %q", bad.filter, err, bad.want)
		}
	}
	keys, err := ParseTraceOrderBy([]string{"timestamp DESC", "trace.execution_time_ms"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []OrderKey{{EntityAttribute, "timestamp_ms", true}, {EntityAttribute, "execution_time_ms", false}}; !reflect.DeepEqual(keys, want) {
		t.Errorf("order by %+v, want %+v", keys, want)
	}
}
