package tracking

import (
	"reflect"
	"testing"

	"github.com/weir-ml/weir"
)

func TestParseLoggedModelFilter(t *testing.T) {
	tests := []struct {
		filter string
		want   []Comparison
	}{
		{"", nil},
		{"name = 'rf'", []Comparison{{EntityAttribute, "name", "=", Value{Kind: StringValue, Str: "rf"}}}},
		{"attributes.status != 'LOGGED_MODEL_READY'", []Comparison{{EntityAttribute, "status", "!=", Value{Kind: StringValue, Str: "LOGGED_MODEL_READY"}}}},
		{"creation_time > 5", []Comparison{{EntityAttribute, "creation_timestamp", ">", Value{Kind: NumberValue, Num: 5}}}},
		{"last_updated_timestamp <= 7", []Comparison{{EntityAttribute, "last_updated_timestamp", "<=", Value{Kind: NumberValue, Num: 7}}}},
		{"metrics.auc >= 0.8 AND params.depth = '5'", []Comparison{
			{EntityMetric, "auc", ">=", Value{Kind: NumberValue, Num: 0.8}},
			{EntityParam, "depth", "=", Value{Kind: StringValue, Str: "5"}},
		}},
		{"tags.`my tag` IN ('a', 'b')", []Comparison{{EntityTag, "my tag", "IN", Value{Kind: ListValue, List: []string{"a", "b"}}}}},
		{"model_id not in ('m-1')", []Comparison{{EntityAttribute, "model_id", "NOT IN", Value{Kind: ListValue, List: []string{"m-1"}}}}},
		{"source_run_id ILIKE '%ab%'", []Comparison{{EntityAttribute, "source_run_id", "ILIKE", Value{Kind: StringValue, Str: "%ab%"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			got, err := ParseLoggedModelFilter(tt.filter)
			if err != nil {
				t.Fatalf("ParseLoggedModelFilter(%q): %v", tt.filter, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseLoggedModelFilter(%q) = %+v, want %+v", tt.filter, got, tt.want)
			}
		})
	}
}

func TestParseLoggedModelFilterErrors(t *testing.T) {
	for _, filter := range []string{
		"metric.auc > 1",          // singular prefixes are not logged-model entities
		"metrics.auc = 'high'",    // metrics are numeric
		"metrics.auc LIKE 'a%'",   // and take numeric comparators
		"params.p > '1'",          // params are strings
		"params.p IS NULL",        // no IS NULL for logged models
		"creation_time = 'x'",     // numeric attribute
		"creation_time > 1.5",     // whole milliseconds
		"artifact_location = 'x'", // not searchable
		"name = 'a' OR name = 'b'",
		"name = rf",
	} {
		t.Run(filter, func(t *testing.T) {
			_, err := ParseLoggedModelFilter(filter)
			if got := weir.ErrorCode(err); got != weir.ErrInvalidParameterValue {
				t.Errorf("ParseLoggedModelFilter(%q) error code = %q (%v), want %q", filter, got, err, weir.ErrInvalidParameterValue)
			}
		})
	}
}

func TestParseLoggedModelOrderField(t *testing.T) {
	tests := []struct {
		field   string
		want    OrderKey
		wantErr bool
	}{
		{"creation_time", OrderKey{Entity: EntityAttribute, Key: "creation_timestamp"}, false},
		{"name", OrderKey{Entity: EntityAttribute, Key: "name"}, false},
		{"metrics.auc", OrderKey{Entity: EntityMetric, Key: "auc"}, false},
		{"metrics.`val auc`", OrderKey{Entity: EntityMetric, Key: "val auc"}, false},
		{"params.depth", OrderKey{}, true},
		{"artifact_location", OrderKey{}, true},
		{"", OrderKey{}, true},
	}
	for _, tt := range tests {
		got, err := ParseLoggedModelOrderField(tt.field)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseLoggedModelOrderField(%q) error = %v, want error %v", tt.field, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseLoggedModelOrderField(%q) = %+v, want %+v", tt.field, got, tt.want)
		}
	}
}
