package tracking

import (
	"reflect"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
)

type orderCase struct {
	orderBy []string
	want    []OrderKey
	wantErr string
}

func runOrderCases(t *testing.T, parse func([]string) ([]OrderKey, error), cases []orderCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(strings.Join(tc.orderBy, "|"), func(t *testing.T) {
			got, err := parse(tc.orderBy)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("parse(%q) = %+v, want error containing %q", tc.orderBy, got, tc.wantErr)
				}
				if code := weir.ErrorCode(err); code != weir.ErrInvalidParameterValue {
					t.Errorf("error code = %s, want %s", code, weir.ErrInvalidParameterValue)
				}
				if msg := weir.ErrorMessage(err); !strings.Contains(msg, tc.wantErr) {
					t.Errorf("error = %q, want it to contain %q", msg, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse(%q) error: %v", tc.orderBy, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parse(%q)\n got %+v\nwant %+v", tc.orderBy, got, tc.want)
			}
		})
	}
}

// Accepted cases agree with MLflow 3.17.2's parse_order_by_for_search_runs,
// except that aliases come back canonical.
func TestParseRunOrderBy(t *testing.T) {
	runOrderCases(t, ParseRunOrderBy, []orderCase{
		{orderBy: nil, want: nil},
		{orderBy: []string{"metrics.x DESC"}, want: []OrderKey{{EntityMetric, "x", true}}},
		{orderBy: []string{"metrics.`my metric` desc"}, want: []OrderKey{{EntityMetric, "my metric", true}}},
		{orderBy: []string{"metrics.x  DESC"}, want: []OrderKey{{EntityMetric, "x", true}}},
		{orderBy: []string{"metric.x.y"}, want: []OrderKey{{EntityMetric, "x.y", false}}},
		{orderBy: []string{`params."a b" DESC`}, want: []OrderKey{{EntityParam, "a b", true}}},
		{orderBy: []string{"tags.`a.b`"}, want: []OrderKey{{EntityTag, "a.b", false}}},
		{orderBy: []string{"`tags`.`mlflow.runName` ASC"}, want: []OrderKey{{EntityTag, "mlflow.runName", false}}},
		{orderBy: []string{"created"}, want: []OrderKey{{EntityAttribute, "start_time", false}}},
		{orderBy: []string{"Created ASC"}, want: []OrderKey{{EntityAttribute, "start_time", false}}},
		{orderBy: []string{"run_name asc"}, want: []OrderKey{{EntityAttribute, "run_name", false}}},
		{orderBy: []string{"run_id Asc"}, want: []OrderKey{{EntityAttribute, "run_id", false}}},
		{orderBy: []string{"attributes.status"}, want: []OrderKey{{EntityAttribute, "status", false}}},
		{orderBy: []string{"attr.end_time DESC"}, want: []OrderKey{{EntityAttribute, "end_time", true}}},
		{orderBy: []string{"  start_time   DeSc  "}, want: []OrderKey{{EntityAttribute, "start_time", true}}},
		{orderBy: []string{"metrics.acc DESC", "params.lr", "start_time DESC"}, want: []OrderKey{
			{EntityMetric, "acc", true}, {EntityParam, "lr", false}, {EntityAttribute, "start_time", true}}},
		{orderBy: []string{""}, wantErr: "Invalid order_by clause ''. Could not be parsed."},
		{orderBy: []string{"start_time DESCC"}, wantErr: "Invalid ordering key in order_by clause 'start_time DESCC'."},
		{orderBy: []string{"start_time DESC x"}, wantErr: "Invalid order_by clause 'start_time DESC x'. Could not be parsed."},
		{orderBy: []string{"start_time, end_time"}, wantErr: "Invalid ordering key"},
		{orderBy: []string{"`run name`"}, wantErr: "Invalid attribute key 'run name'"}, // MLflow: not orderable either
		{orderBy: []string{"experiment_id"}, wantErr: "Invalid attribute key 'experiment_id'"},
		{orderBy: []string{"datasets.name"}, wantErr: "Invalid order_by entity type 'dataset'"},
		{orderBy: []string{"foo.x"}, wantErr: "Invalid entity type 'foo'"},
		{orderBy: []string{"(start_time)"}, wantErr: "Could not be parsed"},
		{orderBy: []string{"metrics.`x DESC"}, wantErr: "Could not be parsed"},
		{orderBy: []string{"tags.`a\x00`"}, wantErr: "contains a NUL character"},
		{orderBy: []string{"metrics.x DESC", "bad"}, wantErr: "Invalid attribute key 'bad'"},
	})
}

func TestParseExperimentOrderBy(t *testing.T) {
	runOrderCases(t, ParseExperimentOrderBy, []orderCase{
		{orderBy: []string{"name"}, want: []OrderKey{{EntityAttribute, "name", false}}},
		{orderBy: []string{"experiment_id DESC"}, want: []OrderKey{{EntityAttribute, "experiment_id", true}}},
		{orderBy: []string{"creation_time desc", "last_update_time"}, want: []OrderKey{
			{EntityAttribute, "creation_time", true}, {EntityAttribute, "last_update_time", false}}},
		{orderBy: []string{"attribute.name ASC"}, want: []OrderKey{{EntityAttribute, "name", false}}},
		{orderBy: []string{"tags.x DESC"}, wantErr: "Invalid order_by entity type 'tag'"}, // MLflow's store rejects it
		{orderBy: []string{"start_time"}, wantErr: "Invalid attribute key 'start_time'"},
		{orderBy: []string{"name UP"}, wantErr: "Invalid ordering key"},
	})
}

func TestParseRegisteredModelOrderBy(t *testing.T) {
	runOrderCases(t, ParseRegisteredModelOrderBy, []orderCase{
		{orderBy: []string{"name asc"}, want: []OrderKey{{EntityAttribute, "name", false}}},
		{orderBy: []string{"creation_timestamp"}, want: []OrderKey{{EntityAttribute, "creation_timestamp", false}}},
		{orderBy: []string{"timestamp DESC"}, want: []OrderKey{{EntityAttribute, "creation_timestamp", true}}},
		{orderBy: []string{"last_updated_timestamp DESC"}, want: []OrderKey{{EntityAttribute, "last_updated_timestamp", true}}},
		{orderBy: []string{"version_number"}, wantErr: "Invalid attribute key 'version_number'"},
		{orderBy: []string{"tags.x"}, wantErr: "Invalid order_by entity type 'tag'"},
	})
}

func TestParseModelVersionOrderBy(t *testing.T) {
	runOrderCases(t, ParseModelVersionOrderBy, []orderCase{
		{orderBy: []string{"version_number DESC"}, want: []OrderKey{{EntityAttribute, "version_number", true}}},
		{orderBy: []string{"last_updated_timestamp DESC", "name ASC", "version_number DESC"}, want: []OrderKey{
			{EntityAttribute, "last_updated_timestamp", true}, {EntityAttribute, "name", false}, {EntityAttribute, "version_number", true}}},
		{orderBy: []string{"creation_timestamp"}, want: []OrderKey{{EntityAttribute, "creation_timestamp", false}}},
		{orderBy: []string{"timestamp"}, wantErr: "Invalid attribute key 'timestamp'"},
		{orderBy: []string{"run_id"}, wantErr: "Invalid attribute key 'run_id'"},
	})
}

// FuzzParseRunOrderBy checks that no order_by entry panics the parser, that
// errors are INVALID_PARAMETER_VALUE, and that a parsed key written back
// canonically parses to the same key.
func FuzzParseRunOrderBy(f *testing.F) {
	for _, s := range []string{"metrics.x DESC", "metrics.`my metric` desc", "created", "tags.`a.b` ASC", "start_time DESCC", "`run name`", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, entry string) {
		got, err := ParseRunOrderBy([]string{entry})
		if err != nil {
			if code := weir.ErrorCode(err); code != weir.ErrInvalidParameterValue {
				t.Fatalf("ParseRunOrderBy(%q) error code %s (%v)", entry, code, err)
			}
			return
		}
		if len(got) != 1 {
			t.Fatalf("ParseRunOrderBy(%q) = %+v, want one key", entry, got)
		}
		k := got[0]
		text, ok := renderQuoted(k.Key, '`', '"')
		if !ok {
			return
		}
		if k.Entity != EntityAttribute {
			text = string(k.Entity) + "s." + text
		}
		if k.Desc {
			text += " DESC"
		}
		again, err := ParseRunOrderBy([]string{text})
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("%q parsed to %+v, but its rendering %q gives %+v, %v", entry, got, text, again, err)
		}
	})
}
