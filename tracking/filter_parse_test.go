package tracking

import (
	"reflect"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
)

// Helpers that build expected comparisons.
func cStr(e Entity, key, op, v string) Comparison {
	return Comparison{Entity: e, Key: key, Op: op, Value: Value{Kind: StringValue, Str: v}}
}

func cNum(e Entity, key, op string, v float64) Comparison {
	return Comparison{Entity: e, Key: key, Op: op, Value: Value{Kind: NumberValue, Num: v}}
}

func cList(e Entity, key, op string, v ...string) Comparison {
	return Comparison{Entity: e, Key: key, Op: op, Value: Value{Kind: ListValue, List: v}}
}

func cNull(e Entity, key, op string) Comparison {
	return Comparison{Entity: e, Key: key, Op: op}
}

// filterCase is one filter and either the comparisons it parses to or a
// fragment of the error message it must give.
type filterCase struct {
	filter  string
	want    []Comparison
	wantErr string
	// differs marks cases where MLflow's parser accepts what we reject or
	// the other way round; TestFilterCasesAgainstMLflow holds us to it.
	differs bool
}

func runFilterCases(t *testing.T, parse func(string) ([]Comparison, error), cases []filterCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.filter, func(t *testing.T) {
			got, err := parse(tc.filter)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("parse(%q) = %+v, want error containing %q", tc.filter, got, tc.wantErr)
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
				t.Fatalf("parse(%q) error: %v", tc.filter, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parse(%q)\n got %+v\nwant %+v", tc.filter, got, tc.want)
			}
		})
	}
}

// Every case was run through the installed MLflow 3.17.2's parser
// (TestFilterCasesAgainstMLflow does it again when WEIR_MLFLOW_PYTHON is
// set). Cases without differs give the same comparisons there, once MLflow's
// later steps are applied (its stores upper-case comparators and resolve
// aliases; we do it here), or an error there too. Cases with differs are
// those where its parser is laxer (comparators it leaves to the stores,
// stray or missing ANDs, empty keys) or stricter (tabs inside IS NOT NULL,
// version_number IN lists) than ours.
var runCases = []filterCase{
	{filter: "", want: nil},
	{filter: "   \t\n", want: nil, differs: true},

	// Entities and their aliases. MLflow: all of these.
	{filter: "metrics.acc > 0.9", want: []Comparison{cNum(EntityMetric, "acc", ">", 0.9)}},
	{filter: "metric.acc >= -1e3", want: []Comparison{cNum(EntityMetric, "acc", ">=", -1000)}},
	{filter: "params.p = 'a'", want: []Comparison{cStr(EntityParam, "p", "=", "a")}},
	{filter: "param.p = 'a'", want: []Comparison{cStr(EntityParam, "p", "=", "a")}},
	{filter: `parameter.p = "a"`, want: []Comparison{cStr(EntityParam, "p", "=", "a")}},
	{filter: "parameters.p != 'a'", want: []Comparison{cStr(EntityParam, "p", "!=", "a")}},
	{filter: "tags.t = 'x'", want: []Comparison{cStr(EntityTag, "t", "=", "x")}},
	{filter: "tag.t = 'x'", want: []Comparison{cStr(EntityTag, "t", "=", "x")}},
	{filter: "attr.run_name = 'x'", want: []Comparison{cStr(EntityAttribute, "run_name", "=", "x")}},
	{filter: "attribute.status = 'FINISHED'", want: []Comparison{cStr(EntityAttribute, "status", "=", "FINISHED")}},
	{filter: "attributes.user_id = 'bob'", want: []Comparison{cStr(EntityAttribute, "user_id", "=", "bob")}},
	{filter: "run.artifact_uri LIKE 's3://%'", want: []Comparison{cStr(EntityAttribute, "artifact_uri", "LIKE", "s3://%")}},
	{filter: "datasets.name = 'bank'", want: []Comparison{cStr(EntityDataset, "name", "=", "bank")}},
	{filter: "dataset.digest != 'abc'", want: []Comparison{cStr(EntityDataset, "digest", "!=", "abc")}},
	{filter: "datasets.context LIKE 'tr%'", want: []Comparison{cStr(EntityDataset, "context", "LIKE", "tr%")}},
	{filter: "METRICS.x > 1", wantErr: "Invalid entity type 'METRICS'"}, // MLflow: prefixes are case-sensitive
	{filter: "foo.bar = 1", wantErr: "Invalid entity type 'foo'. Valid values are"},

	// Quoted identifiers. MLflow: all of these.
	{filter: `tags."my.key" = 'x'`, want: []Comparison{cStr(EntityTag, "my.key", "=", "x")}},
	{filter: "params.`a b` = 'x'", want: []Comparison{cStr(EntityParam, "a b", "=", "x")}},
	{filter: "`metrics`.`x` < 1", want: []Comparison{cNum(EntityMetric, "x", "<", 1)}},
	{filter: "`metrics`.x < 1", want: []Comparison{cNum(EntityMetric, "x", "<", 1)}},
	{filter: "tags.`mlflow.user` ILIKE '%bob%'", want: []Comparison{cStr(EntityTag, "mlflow.user", "ILIKE", "%bob%")}},
	{filter: `metrics."x y" > 1`, want: []Comparison{cNum(EntityMetric, "x y", ">", 1)}},
	{filter: "metrics.'x y' > 1", want: []Comparison{cNum(EntityMetric, "x y", ">", 1)}},
	{filter: "metrics.x.y > 1", want: []Comparison{cNum(EntityMetric, "x.y", ">", 1)}}, // split at the first dot
	{filter: "metrics.1x > 1", want: []Comparison{cNum(EntityMetric, "1x", ">", 1)}},
	{filter: "tags.é = 'x'", want: []Comparison{cStr(EntityTag, "é", "=", "x")}},
	{filter: "tags.`a-b:c/d` = 'x'", want: []Comparison{cStr(EntityTag, "a-b:c/d", "=", "x")}},
	{filter: `"tags".t = 'x'`, wantErr: `Invalid entity type '"tags"'`}, // only backticks quote an entity
	{filter: "tags.a-b = 'x'", wantErr: "must be quoted"},               // MLflow: error too
	{filter: "tags.a:b = 'x'", wantErr: "Expected comparison found ':'"},
	{filter: "tags.`` = 'a'", wantErr: "the key is empty", differs: true}, // stricter: no key can be empty
	{filter: "tags. = 'a'", wantErr: "expected a key after '.'", differs: true},
	{filter: ".x = 1", wantErr: "Invalid clause(s) in filter string: '.x'"},
	{filter: "tags.`abc = 'x'", wantErr: "Unterminated quoted string"},

	// Attributes and their aliases, canonicalised.
	{filter: "run_name = 'x'", want: []Comparison{cStr(EntityAttribute, "run_name", "=", "x")}},
	{filter: "`run name` = 'x'", want: []Comparison{cStr(EntityAttribute, "run_name", "=", "x")}},
	{filter: `"run name" = 'x'`, want: []Comparison{cStr(EntityAttribute, "run_name", "=", "x")}},
	{filter: "`Run name` = 'x'", want: []Comparison{cStr(EntityAttribute, "run_name", "=", "x")}},
	{filter: "`Run Name` = 'x'", want: []Comparison{cStr(EntityAttribute, "run_name", "=", "x")}},
	{filter: "attributes.`Run Name` = 'x'", want: []Comparison{cStr(EntityAttribute, "run_name", "=", "x")}},
	{filter: "created > 5", want: []Comparison{cNum(EntityAttribute, "start_time", ">", 5)}},
	{filter: "Created > 5", want: []Comparison{cNum(EntityAttribute, "start_time", ">", 5)}},
	{filter: "attributes.created > 5", want: []Comparison{cNum(EntityAttribute, "start_time", ">", 5)}},
	{filter: "attributes.start_time > 10", want: []Comparison{cNum(EntityAttribute, "start_time", ">", 10)}},
	{filter: "run.end_time <= 10.5", want: []Comparison{cNum(EntityAttribute, "end_time", "<=", 10.5)}},
	{filter: "run_id = \"abc\"", want: []Comparison{cStr(EntityAttribute, "run_id", "=", "abc")}},
	{filter: "foo = 'x'", wantErr: "Invalid attribute key 'foo' specified. Valid keys are"},
	{filter: "experiment_id = '1'", wantErr: "Invalid attribute key 'experiment_id'"},
	{filter: "RUN_NAME = 'x'", wantErr: "Invalid attribute key 'RUN_NAME'"},
	{filter: "start_time = 'x'", wantErr: "Expected numeric value type for numeric attribute: start_time. Found 'x'"},
	{filter: "run_name = 1", wantErr: "Expected a quoted string value for attributes. Got value 1"},
	{filter: "start_time LIKE 1", wantErr: "Invalid comparator 'LIKE'", differs: true},
	{filter: "run_id > 'a'", wantErr: "Invalid comparator '>'", differs: true},

	// Values: strings keep their escapes as written, as MLflow does.
	{filter: "tags.t = ''", want: []Comparison{cStr(EntityTag, "t", "=", "")}},
	{filter: "tags.t = 'it''s'", want: []Comparison{cStr(EntityTag, "t", "=", "it''s")}},
	{filter: `tags.t = 'it\'s'`, want: []Comparison{cStr(EntityTag, "t", "=", `it\'s`)}},
	{filter: `tags.t = "say ""hi"""`, want: []Comparison{cStr(EntityTag, "t", "=", `say ""hi""`)}},
	{filter: `tags.t = "a'b"`, want: []Comparison{cStr(EntityTag, "t", "=", "a'b")}},
	{filter: `tags.t = 'a"b'`, want: []Comparison{cStr(EntityTag, "t", "=", `a"b`)}},
	{filter: `tags.t = 'a\\'`, want: []Comparison{cStr(EntityTag, "t", "=", `a\\`)}},
	{filter: "tags.t = 'é ü'", want: []Comparison{cStr(EntityTag, "t", "=", "é ü")}},
	{filter: "tags.t = 'a AND b'", want: []Comparison{cStr(EntityTag, "t", "=", "a AND b")}},
	{filter: "params.learning_rate = '0.1'", want: []Comparison{cStr(EntityParam, "learning_rate", "=", "0.1")}},
	{filter: "tags.t = 'abc", wantErr: "Unterminated quoted string 'abc"},
	{filter: "params.p = a", wantErr: "Parameter value is either not quoted or unidentified quote types used for string value a"},
	{filter: "tags.t = `x`", wantErr: "not quoted or unidentified quote types"},
	{filter: "params.p = 1", wantErr: "Expected a quoted string value for param (e.g. 'my-value'). Got value 1"},
	{filter: "tags.t = 1.5", wantErr: "Expected a quoted string value for tag"},
	{filter: "datasets.name = 1", wantErr: "Expected a quoted string value for dataset attributes"},

	// Numbers.
	{filter: "metrics.x = 1e-3", want: []Comparison{cNum(EntityMetric, "x", "=", 0.001)}},
	{filter: "metrics.x = 1.5E3", want: []Comparison{cNum(EntityMetric, "x", "=", 1500)}},
	{filter: "metrics.x = .5", want: []Comparison{cNum(EntityMetric, "x", "=", 0.5)}},
	{filter: "metrics.x = 5.", want: []Comparison{cNum(EntityMetric, "x", "=", 5)}},
	{filter: "metrics.x = -5", want: []Comparison{cNum(EntityMetric, "x", "=", -5)}},
	{filter: "metrics.x>-1", want: []Comparison{cNum(EntityMetric, "x", ">", -1)}},
	{filter: "metrics.x = 00012", want: []Comparison{cNum(EntityMetric, "x", "=", 12)}},
	{filter: "metrics.x != -1.5e+10", want: []Comparison{cNum(EntityMetric, "x", "!=", -1.5e10)}, differs: true}, // wider
	{filter: "metrics.x = +5", wantErr: "Expected numeric value type for metric. Found +"},
	{filter: "metrics.x = - 1", wantErr: "Invalid number '-'"},
	{filter: "metrics.x = 1.2.3", wantErr: "Invalid number '1.2.3'"},
	{filter: "metrics.x = 0x10", wantErr: "Invalid number '0x10'"},
	{filter: "metrics.x = 1e", wantErr: "Invalid number '1e'"},
	{filter: "metrics.x>=1and params.p='a'", wantErr: "Invalid number '1and'"},
	{filter: "metrics.x = inf", wantErr: "Expected numeric value type for metric. Found inf"},
	{filter: "metrics.x = NaN", wantErr: "Expected numeric value type for metric. Found NaN"},
	{filter: "metrics.x = '1'", wantErr: "Expected numeric value type for metric. Found '1'"},

	// Comparators: case-insensitive, checked per entity.
	{filter: "params.p like 'a%'", want: []Comparison{cStr(EntityParam, "p", "LIKE", "a%")}},
	{filter: "params.p Like 'a%'", want: []Comparison{cStr(EntityParam, "p", "LIKE", "a%")}},
	{filter: "params.p ilike 'a%'", want: []Comparison{cStr(EntityParam, "p", "ILIKE", "a%")}},
	{filter: "tags.t LIKE'a'", want: []Comparison{cStr(EntityTag, "t", "LIKE", "a")}},
	{filter: "metrics.x>1", want: []Comparison{cNum(EntityMetric, "x", ">", 1)}},
	{filter: "metrics.x<=1", want: []Comparison{cNum(EntityMetric, "x", "<=", 1)}},
	{filter: "metrics.x LIKE '1'", wantErr: "Invalid comparator 'LIKE' not one of"},
	{filter: "metrics.x like 1", wantErr: "Invalid comparator 'LIKE'", differs: true},
	{filter: "params.p > 1", wantErr: "Invalid comparator '>'"},
	{filter: "params.p > '1'", wantErr: "Invalid comparator '>'", differs: true}, // stricter: MLflow's parser passes it, its store rejects it
	{filter: "tags.t < 'a'", wantErr: "Invalid comparator '<'", differs: true},
	{filter: "metrics.x == 5", wantErr: "Invalid comparator '=='", differs: true}, // stricter: parser passes, store rejects
	{filter: "metrics.x <> 5", wantErr: "Invalid comparator '<>'", differs: true},
	{filter: "metrics.x =! 5", wantErr: "Invalid comparator '=!'", differs: true},
	{filter: "metrics.x ~ 5", wantErr: "Expected comparison found '~'", differs: true},
	{filter: "metrics.x", wantErr: "expected a comparator after 'metrics.x'"},
	{filter: "metrics.x >", wantErr: "expected a value after '>'"},
	{filter: "params.p NOT LIKE 'a'", wantErr: "NOT is only allowed in NOT IN and IS NOT NULL", differs: true},
	{filter: "tags.t IS 'a'", wantErr: "expected IS NULL or IS NOT NULL"},

	// IS NULL and IS NOT NULL: tags and params only.
	{filter: "tags.x IS NULL", want: []Comparison{cNull(EntityTag, "x", "IS NULL")}},
	{filter: "tags.x is not null", want: []Comparison{cNull(EntityTag, "x", "IS NOT NULL")}},
	{filter: "params.p IS NOT NULL", want: []Comparison{cNull(EntityParam, "p", "IS NOT NULL")}},
	{filter: "tags.x IS   NOT\tNULL AND tags.y IS NULL", want: []Comparison{cNull(EntityTag, "x", "IS NOT NULL"), cNull(EntityTag, "y", "IS NULL")}, differs: true},
	{filter: "metrics.x IS NULL", wantErr: "IS NULL / IS NOT NULL is only supported for tags and params, not for metric 'x'"},
	{filter: "run_name IS NULL", wantErr: "not for attribute 'run_name'"},
	{filter: "datasets.name IS NOT NULL", wantErr: "not for dataset 'name'"},

	// IN and NOT IN: run_id and datasets only, lists of strings.
	{filter: "attributes.run_id IN ('a', 'b')", want: []Comparison{cList(EntityAttribute, "run_id", "IN", "a", "b")}},
	{filter: "attributes.run_id NOT IN ('a','b')", want: []Comparison{cList(EntityAttribute, "run_id", "NOT IN", "a", "b")}},
	{filter: "run_id in ('a')", want: []Comparison{cList(EntityAttribute, "run_id", "IN", "a")}},
	{filter: "run_id not  in ('a')", want: []Comparison{cList(EntityAttribute, "run_id", "NOT IN", "a")}},
	{filter: "run_id IN ('a',)", want: []Comparison{cList(EntityAttribute, "run_id", "IN", "a")}},
	{filter: "run_id IN ( 'a' , \"b\" )", want: []Comparison{cList(EntityAttribute, "run_id", "IN", "a", "b")}},
	{filter: `run_id IN ('it\'s')`, want: []Comparison{cList(EntityAttribute, "run_id", "IN", "it's")}}, // lists resolve escapes, as Python literals do
	{filter: "dataset.digest IN ('a','b')", want: []Comparison{cList(EntityDataset, "digest", "IN", "a", "b")}},
	{filter: "datasets.context NOT IN ('eval')", want: []Comparison{cList(EntityDataset, "context", "NOT IN", "eval")}},
	{filter: "run_id IN ()", wantErr: "expected a non-empty list of string values, but got empty list"},
	{filter: "run_id IN (1, 2)", wantErr: "but got different type in list: (1, 2)"},
	{filter: "run_id IN ('a', 1)", wantErr: "but got different type in list"},
	{filter: "run_id IN ('a' 'b')", wantErr: "but got ill-formed list", differs: true},
	{filter: "run_id IN ('a',,)", wantErr: "but got ill-formed list"},
	{filter: "run_id IN ('a'", wantErr: "but got ill-formed list"},
	{filter: "run_id IN (a)", wantErr: "but got ill-formed list"},
	{filter: "run_id IN 'a'", wantErr: "Expected a list of quoted string values after IN"},
	{filter: "run_id = ('a')", wantErr: "A list of values is only allowed after IN and NOT IN", differs: true},
	{filter: "status IN ('a')", wantErr: "Only ['run_id'] attributes support comparison with a list of quoted string values."},
	{filter: "start_time IN (1)", wantErr: "Invalid comparator 'IN'"},
	{filter: "tags.t IN ('a')", wantErr: "Invalid comparator 'IN'"},
	{filter: "metrics.x IN (1)", wantErr: "Invalid comparator 'IN'"},

	// AND, and everything that is not AND.
	{filter: "metrics.x = 1 and params.p = 'a' AND tags.t = 'b'", want: []Comparison{
		cNum(EntityMetric, "x", "=", 1), cStr(EntityParam, "p", "=", "a"), cStr(EntityTag, "t", "=", "b")}},
	{filter: "   metrics.x   >   1   ", want: []Comparison{cNum(EntityMetric, "x", ">", 1)}},
	{filter: "metrics.x>1\nAND\ttags.t='a'", want: []Comparison{cNum(EntityMetric, "x", ">", 1), cStr(EntityTag, "t", "=", "a")}},
	{filter: "datasets.name IN ('a', 'b') AND datasets.context = 'train'", want: []Comparison{
		cList(EntityDataset, "name", "IN", "a", "b"), cStr(EntityDataset, "context", "=", "train")}},
	{filter: "metrics.x = 1 OR params.p = 'a'", wantErr: "Invalid clause(s) in filter string: 'OR'"},
	{filter: "metrics.x = 1 or params.p = 'a'", wantErr: "Invalid clause(s) in filter string: 'or'"},
	{filter: "(metrics.x = 1)", wantErr: "Invalid clause(s) in filter string: '('"},
	{filter: "metrics.x = 1 AND (tags.t = 'a')", wantErr: "Invalid clause(s) in filter string: '('"},
	{filter: "metrics.x = 1;", wantErr: "Invalid clause(s) in filter string: ';'"},
	{filter: "metrics.x = 1; params.p = 'a'", wantErr: "Invalid clause(s) in filter string: ';'"},
	{filter: "metrics.x = 1 AND NOT tags.t = 'a'", wantErr: "Invalid clause(s) in filter string: 'NOT'"},
	{filter: "tags.a = 'x' AND", wantErr: "'AND' is not followed by a comparison", differs: true},     // stricter
	{filter: "AND tags.a = 'x'", wantErr: "Invalid clause(s) in filter string: 'AND'", differs: true}, // stricter
	{filter: "tags.a = 'x' AND AND tags.b = 'y'", wantErr: "Invalid clause(s) in filter string: 'AND'", differs: true},
	{filter: "tags.a = 'x' tags.b = 'y'", wantErr: "Invalid clause(s) in filter string: 'tags.b'", differs: true}, // stricter
	{filter: "tags.t = 'a' -- comment", wantErr: "Invalid clause(s) in filter string: '-'"},
	{filter: "tags.t = 'a' /* c */", wantErr: "Invalid clause(s) in filter string: '/'"},
	{filter: "tags.t = 'a\x00b'", wantErr: "contains a NUL character", differs: true},
	{filter: "tags.t = 'a\xffb'", wantErr: "not valid UTF-8", differs: true},
	{filter: "metrics.x = 1 ANDtags.t = 'a'", wantErr: "Invalid clause(s) in filter string: 'ANDtags.t'"},
}

func TestParseRunFilter(t *testing.T) {
	runFilterCases(t, ParseRunFilter, runCases)
}

var experimentCases = []filterCase{
	{filter: "", want: nil},
	{filter: "name = 'x'", want: []Comparison{cStr(EntityAttribute, "name", "=", "x")}},
	{filter: "attribute.name LIKE 'x%'", want: []Comparison{cStr(EntityAttribute, "name", "LIKE", "x%")}},
	{filter: "name ILIKE 'x%'", want: []Comparison{cStr(EntityAttribute, "name", "ILIKE", "x%")}},
	{filter: "name != \"x\"", want: []Comparison{cStr(EntityAttribute, "name", "!=", "x")}},
	{filter: "creation_time > 5", want: []Comparison{cNum(EntityAttribute, "creation_time", ">", 5)}},
	{filter: "last_update_time <= 1700000000000", want: []Comparison{cNum(EntityAttribute, "last_update_time", "<=", 1700000000000)}},
	{filter: "tags.t = 'a'", want: []Comparison{cStr(EntityTag, "t", "=", "a")}},
	{filter: "tag.t != 'a'", want: []Comparison{cStr(EntityTag, "t", "!=", "a")}},
	{filter: "`tags`.`a b` = 'x'", want: []Comparison{cStr(EntityTag, "a b", "=", "x")}, differs: true},
	{filter: "tags.`a.b` IS NULL", want: []Comparison{cNull(EntityTag, "a.b", "IS NULL")}},
	{filter: "tags.k IS NOT NULL AND name LIKE 'bank%'", want: []Comparison{cNull(EntityTag, "k", "IS NOT NULL"), cStr(EntityAttribute, "name", "LIKE", "bank%")}},
	// MLflow 3.17 searches experiment ids too; the store reads them as integers.
	{filter: "experiment_id = '1'", want: []Comparison{cStr(EntityAttribute, "experiment_id", "=", "1")}},
	{filter: "experiment_id = '01'", want: []Comparison{cStr(EntityAttribute, "experiment_id", "=", "1")}, differs: true},
	{filter: "experiment_id IN ('1','2')", want: []Comparison{cList(EntityAttribute, "experiment_id", "IN", "1", "2")}},
	{filter: "experiment_id NOT IN ('3')", want: []Comparison{cList(EntityAttribute, "experiment_id", "NOT IN", "3")}},
	{filter: "experiment_id = 'abc'", wantErr: "Invalid experiment ID 'abc'. Experiment ID must be a valid integer.", differs: true},
	{filter: "experiment_id IN ('1', 'x')", wantErr: "Invalid experiment ID 'x'", differs: true},
	{filter: "experiment_id LIKE '1%'", wantErr: "Invalid comparator 'LIKE'", differs: true},
	{filter: "creation_time > 5.5", wantErr: "Invalid value for numeric attribute 'creation_time': '5.5'", differs: true},
	{filter: "creation_time > 1e3", wantErr: "Invalid value for numeric attribute 'creation_time': '1e3'", differs: true},
	{filter: "creation_time > '5'", wantErr: "Expected numeric value type for numeric attribute: creation_time"},
	{filter: "name = 1", wantErr: "Expected a quoted string value for attributes"},
	{filter: "name IS NULL", wantErr: "IS NULL / IS NOT NULL is only supported for tags, not for attribute 'name'"},
	{filter: "name IN ('a')", wantErr: "Only ['experiment_id'] attributes support comparison with a list"},
	{filter: "name > 'a'", wantErr: "Invalid comparator '>'", differs: true},
	{filter: "tags.t > 'a'", wantErr: "Invalid comparator '>'", differs: true},
	{filter: "attr.name = 'x'", wantErr: "Invalid entity type 'attr'. Valid values are ['attribute', 'tag', 'tags']"},
	{filter: "metrics.x > 1", wantErr: "Invalid entity type 'metrics'"},
	{filter: "run_name = 'x'", wantErr: "Invalid attribute key 'run_name' specified. Valid keys are ['creation_time', 'experiment_id', 'last_update_time', 'name']"},
	{filter: "name = 'a' OR name = 'b'", wantErr: "Invalid clause(s) in filter string: 'OR'"},
}

func TestParseExperimentFilter(t *testing.T) {
	runFilterCases(t, ParseExperimentFilter, experimentCases)
}

var registeredModelCases = []filterCase{
	{filter: "", want: nil},
	{filter: "name = 'x'", want: []Comparison{cStr(EntityAttribute, "name", "=", "x")}},
	{filter: "attribute.name LIKE 'x%'", want: []Comparison{cStr(EntityAttribute, "name", "LIKE", "x%")}},
	{filter: "name ILIKE '%Bank%'", want: []Comparison{cStr(EntityAttribute, "name", "ILIKE", "%Bank%")}},
	{filter: "name IN ('a','b')", want: []Comparison{cList(EntityAttribute, "name", "IN", "a", "b")}},    // MLflow 3.17
	{filter: "`name` = 'x'", want: []Comparison{cStr(EntityAttribute, "name", "=", "x")}, differs: true}, // wider
	{filter: "tags.t = 'a'", want: []Comparison{cStr(EntityTag, "t", "=", "a")}},
	{filter: "tag.t LIKE 'a%'", want: []Comparison{cStr(EntityTag, "t", "LIKE", "a%")}},
	// What the Python client sends to leave prompts out.
	{filter: "tags.`mlflow.prompt.is_prompt` != 'true'", want: []Comparison{cStr(EntityTag, "mlflow.prompt.is_prompt", "!=", "true")}},
	{filter: "name = 'm' AND tags.`mlflow.prompt.is_prompt` != 'true'", want: []Comparison{
		cStr(EntityAttribute, "name", "=", "m"), cStr(EntityTag, "mlflow.prompt.is_prompt", "!=", "true")}},
	{filter: "tags.t IS NULL", wantErr: "IS NULL / IS NOT NULL is not supported when searching registered models"},
	{filter: "run_id = 'x'", wantErr: "Invalid attribute key 'run_id' specified. Valid keys are ['name']"},
	{filter: "creation_timestamp > 1", wantErr: "Invalid attribute key 'creation_timestamp'"},
	{filter: "name = 1", wantErr: "Expected a quoted string value for attributes"},
	{filter: "tags.t = 1", wantErr: "Expected a quoted string value for tag"},
	{filter: "tags.t IN ('a')", wantErr: "Invalid comparator 'IN'"},
	{filter: "metrics.x = 1", wantErr: "Invalid entity type 'metrics'"},
}

func TestParseRegisteredModelFilter(t *testing.T) {
	runFilterCases(t, ParseRegisteredModelFilter, registeredModelCases)
}

var modelVersionCases = []filterCase{
	{filter: "", want: nil},
	{filter: "name = 'x'", want: []Comparison{cStr(EntityAttribute, "name", "=", "x")}},
	{filter: "name IN ('a')", want: []Comparison{cList(EntityAttribute, "name", "IN", "a")}},
	{filter: "run_id IN ('a','b')", want: []Comparison{cList(EntityAttribute, "run_id", "IN", "a", "b")}},
	{filter: "run_id NOT IN ('a','b')", want: []Comparison{cList(EntityAttribute, "run_id", "NOT IN", "a", "b")}},
	{filter: "source_path LIKE 's3://%'", want: []Comparison{cStr(EntityAttribute, "source_path", "LIKE", "s3://%")}},
	{filter: "version_number = 1", want: []Comparison{cNum(EntityAttribute, "version_number", "=", 1)}},
	{filter: "version_number >= 3", want: []Comparison{cNum(EntityAttribute, "version_number", ">=", 3)}},
	{filter: "version_number = '1'", want: []Comparison{cNum(EntityAttribute, "version_number", "=", 1)}}, // MLflow coerces it
	{filter: "version_number IN (1,2)", want: []Comparison{cList(EntityAttribute, "version_number", "IN", "1", "2")}, differs: true},
	{filter: "version_number NOT IN ('1', 02)", want: []Comparison{cList(EntityAttribute, "version_number", "NOT IN", "1", "2")}, differs: true},
	{filter: "tags.t = 'a'", want: []Comparison{cStr(EntityTag, "t", "=", "a")}},
	{filter: "name='m' and version_number>1 and tags.`a b`!='c'", want: []Comparison{
		cStr(EntityAttribute, "name", "=", "m"), cNum(EntityAttribute, "version_number", ">", 1), cStr(EntityTag, "a b", "!=", "c")}},
	{filter: "version_number > 1.5", wantErr: "Invalid value for numeric attribute 'version_number': '1.5'", differs: true},
	{filter: "version_number = 'x'", wantErr: "Invalid value for numeric attribute 'version_number': 'x'", differs: true},
	{filter: "version_number IN ('x')", wantErr: "Invalid value for numeric attribute 'version_number': 'x'"},
	{filter: "version_number IN (1.5)", wantErr: "Invalid value for numeric attribute 'version_number': '1.5'"},
	{filter: "version_number LIKE '1'", wantErr: "Invalid comparator 'LIKE'", differs: true},
	{filter: "source_path IN ('a')", wantErr: "attributes support comparison with a list"},
	{filter: "run_id = 1", wantErr: "Expected a quoted string value for attributes"},
	{filter: "run_id > 'a'", wantErr: "Invalid comparator '>'", differs: true},
	{filter: "creation_timestamp > 1", wantErr: "Invalid attribute key 'creation_timestamp' specified. Valid keys are ['name', 'run_id', 'source_path', 'version_number']"},
	{filter: "tags.t IS NOT NULL", wantErr: "not supported when searching model versions"},
	{filter: "params.p = 'a'", wantErr: "Invalid entity type 'params'"},
}

func TestParseModelVersionFilter(t *testing.T) {
	runFilterCases(t, ParseModelVersionFilter, modelVersionCases)
}

func TestFilterErrorPosition(t *testing.T) {
	tests := []struct {
		filter string
		want   string
	}{
		{"metrics.x = 1 OR y", "(at character 15)"},
		{"tags.é = 'x' OR y", "(at character 14)"}, // characters, not bytes
		{"foo = 'x'", "(at character 1)"},
		{"metrics.x = 'a'", "(at character 13)"},
	}
	for _, tc := range tests {
		_, err := ParseRunFilter(tc.filter)
		if got := weir.ErrorMessage(err); !strings.HasSuffix(got, tc.want) {
			t.Errorf("ParseRunFilter(%q) error = %q, want suffix %q", tc.filter, got, tc.want)
		}
	}
}
