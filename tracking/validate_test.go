package tracking

import (
	"math"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
)

// checkErr fails unless err is nil when want is "", or an
// INVALID_PARAMETER_VALUE *weir.Error whose message contains want.
func checkErr(t *testing.T, what string, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("%s: unexpected error %v", what, err)
		}
		return
	}
	if err == nil {
		t.Errorf("%s: no error, want one containing %q", what, want)
		return
	}
	if code := weir.ErrorCode(err); code != weir.ErrInvalidParameterValue {
		t.Errorf("%s: code %s, want %s", what, code, weir.ErrInvalidParameterValue)
	}
	if got := weir.ErrorMessage(err); !strings.Contains(got, want) {
		t.Errorf("%s: error %q, want it to contain %q", what, got, want)
	}
}

const badChars = "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/)."

// Full messages below are MLflow 3.17.2's, from mlflow.utils.validation on
// the same inputs.
func TestValidateMetric(t *testing.T) {
	tests := []struct {
		m    Metric
		want string
	}{
		{Metric{Key: "acc", Value: 0.9, Timestamp: 1}, ""},
		{Metric{Key: "val/loss:1 a-b_c.d", Value: 1, Timestamp: 0}, ""},
		{Metric{Key: "é", Value: 1}, ""},
		{Metric{Key: "nan", Value: math.NaN()}, ""},
		{Metric{Key: "inf", Value: math.Inf(1)}, ""},
		{Metric{Key: "inf", Value: math.Inf(-1), Step: -3}, ""},
		{Metric{Key: "a*b", Value: 1}, `Invalid value "a*b" for parameter 'name' supplied: ` + badChars},
		{Metric{Key: "a\nb", Value: 1}, `Invalid value "a\nb" for parameter 'name' supplied`},
		{Metric{Key: "", Value: 1}, "Missing value for required parameter 'name'."},
		{Metric{Key: "a", Value: 1, Timestamp: -1}, "Invalid value -1 for parameter 'timestamp' supplied: metric 'a' (value=1.0). Timestamp must be a nonnegative long (64-bit integer) "},
		{Metric{Key: "a", Value: math.NaN(), Timestamp: -5}, "metric 'a' (value=nan)."},
		{Metric{Key: "a", Value: 1e-5, Timestamp: -1}, "(value=1e-05)"},
		{Metric{Key: "a", Value: 1e16, Timestamp: -1}, "(value=1e+16)"},
		{Metric{Key: "a", Value: 123.456, Timestamp: -1}, "(value=123.456)"},
		{Metric{Key: "../a", Value: 1}, `Invalid value "../a" for parameter 'name' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '../a'`},
		{Metric{Key: "a/", Value: 1}, "This name would resolve to 'a'"},
		{Metric{Key: "a//b", Value: 1}, "This name would resolve to 'a/b'"},
		{Metric{Key: "./a", Value: 1}, "This name would resolve to 'a'"},
		{Metric{Key: "/a", Value: 1}, "This name would resolve to '/a'"},
		{Metric{Key: ".", Value: 1}, "This name would resolve to '.'"},
		{Metric{Key: strings.Repeat("x", 250), Value: 1}, ""},
		{Metric{Key: strings.Repeat("x", 251), Value: 1}, "'Metric name' exceeds the maximum length of 250 characters"},
		{Metric{Key: strings.Repeat("é", 250), Value: 1}, ""}, // characters, not bytes
	}
	for _, tc := range tests {
		checkErr(t, "ValidateMetric("+tc.m.Key+")", ValidateMetric(tc.m), tc.want)
	}
}

func TestValidateParamAndTag(t *testing.T) {
	long := func(n int) string { return strings.Repeat("v", n) }
	params := []struct {
		p    Param
		want string
	}{
		{Param{"lr", "0.1"}, ""},
		{Param{"p:q", ""}, ""},
		{Param{"lr", long(6000)}, ""},
		{Param{"lr", long(6001)}, "'Param value' exceeds the maximum length of 6000 characters"},
		{Param{long(251), "x"}, "'Param key' exceeds the maximum length of 250 characters"},
		{Param{"a$b", "x"}, `Invalid value "a$b" for parameter 'key' supplied: ` + badChars},
		{Param{"日本", "x"}, ""},
		{Param{"", "x"}, "Missing value for required parameter 'key'."},
	}
	for _, tc := range params {
		checkErr(t, "ValidateParam("+tc.p.Key+")", ValidateParam(tc.p), tc.want)
	}
	tags := []struct {
		t    Tag
		want string
	}{
		{Tag{"mlflow.runName", "x"}, ""},
		{Tag{"t", long(8000)}, ""},
		{Tag{"t", long(8001)}, "'value' exceeds the maximum length of 8000 characters"},
		{Tag{long(251), "x"}, "'key' exceeds the maximum length of 250 characters"},
		{Tag{"a\nb", "x"}, `Invalid value "a\nb" for parameter 'key' supplied`},
		{Tag{"x/../y", "x"}, "This name would resolve to 'y'"},
	}
	for _, tc := range tags {
		checkErr(t, "ValidateTag("+tc.t.Key+")", ValidateTag(tc.t), tc.want)
	}
}

func TestValidateExperiment(t *testing.T) {
	checkErr(t, "name ok", ValidateExperimentName("bank-marketing"), "")
	checkErr(t, "name 500", ValidateExperimentName(strings.Repeat("n", 500)), "")
	checkErr(t, "name empty", ValidateExperimentName(""), "Invalid experiment name: ''")
	checkErr(t, "name 501", ValidateExperimentName(strings.Repeat("n", 501)), "'name' exceeds the maximum length of 500 characters")
	checkErr(t, "name any chars", ValidateExperimentName("/Users/me/exp #1 ü"), "")

	checkErr(t, "tag ok", ValidateExperimentTag(Tag{"mlflow.note.content", "hi"}), "")
	checkErr(t, "tag value long", ValidateExperimentTag(Tag{"k", strings.Repeat("v", 20000)}), "")
	checkErr(t, "tag value too long", ValidateExperimentTag(Tag{"k", strings.Repeat("v", 20001)}), "'value' exceeds the maximum length of 20000 characters")
	checkErr(t, "tag key too long", ValidateExperimentTag(Tag{strings.Repeat("k", 251), "v"}), "'key' exceeds the maximum length of 250 characters")
	checkErr(t, "tag key chars", ValidateExperimentTag(Tag{"a?", "v"}), badChars)
}

func TestValidateRegistryTag(t *testing.T) {
	checkErr(t, "ok", ValidateRegistryTag(Tag{"stage", "prod"}), "")
	checkErr(t, "value 100000", ValidateRegistryTag(Tag{"k", strings.Repeat("v", 100000)}), "")
	checkErr(t, "value 100001", ValidateRegistryTag(Tag{"k", strings.Repeat("v", 100001)}), "'value' exceeds the maximum length of 100000 characters")
	checkErr(t, "key 251", ValidateRegistryTag(Tag{strings.Repeat("k", 251), "v"}), "'key' exceeds the maximum length of 250 characters")
	checkErr(t, "key chars", ValidateRegistryTag(Tag{"a|b", "v"}), badChars)
}

func TestValidateBatch(t *testing.T) {
	metrics := func(n int) []Metric {
		ms := make([]Metric, n)
		for i := range ms {
			ms[i] = Metric{Key: "m", Value: float64(i), Timestamp: 1, Step: int64(i)}
		}
		return ms
	}
	params := func(n int) []Param {
		ps := make([]Param, n)
		for i := range ps {
			ps[i] = Param{Key: "p" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Value: "v"}
		}
		return ps
	}
	tags := func(n int) []Tag {
		ts := make([]Tag, n)
		for i := range ts {
			ts[i] = Tag{Key: "t", Value: "v"}
		}
		return ts
	}
	tests := []struct {
		name string
		m    []Metric
		p    []Param
		t    []Tag
		want string
	}{
		{"empty", nil, nil, nil, ""},
		{"at limits", metrics(800), params(100), tags(100), ""},
		{"too many metrics", metrics(1001), nil, nil, "A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics across multiple requests and try again."},
		{"too many params", nil, params(101), nil, "at most 100 params. Got 101 params."},
		{"too many tags", nil, nil, tags(101), "at most 100 tags. Got 101 tags."},
		{"too many in total", metrics(900), params(100), tags(1), "at most 1000 metrics, params, and tags. Got 1001 metrics, params, and tags."},
		{"bad metric", []Metric{{Key: "ok", Timestamp: 1}, {Key: "b@d", Timestamp: 1}}, nil, nil,
			`Invalid value "b@d" for parameter 'metrics[1].name' supplied: ` + badChars},
		{"bad timestamp", []Metric{{Key: "a", Value: 2, Timestamp: -2}}, nil, nil, "parameter 'metrics[0].timestamp' supplied: metric 'a' (value=2.0)"},
		{"bad param", nil, []Param{{"p:q", "v"}, {"./x", "v"}}, nil, `Invalid value "./x" for parameter 'params[1].key' supplied: Names may be treated as files`},
		{"long param value", nil, []Param{{"p", strings.Repeat("v", 6001)}}, nil, "'Param value' exceeds the maximum length of 6000 characters"},
		{"bad tag", nil, nil, []Tag{{"", "v"}}, "Missing value for required parameter 'tags[0].key'."},
		{"long tag value", nil, nil, []Tag{{"t", strings.Repeat("v", 8001)}}, "'tags[0].value' exceeds the maximum length of 8000 characters"},
		{"duplicate params", nil, []Param{{"a", "1"}, {"a", "2"}, {"b", "1"}, {"b", "1"}}, nil,
			"Duplicate parameter keys have been submitted: ['a', 'b']. Please ensure the request contains only one param value per param key."},
		{"duplicate tags are fine", nil, nil, []Tag{{"t", "1"}, {"t", "2"}}, ""},
		// Entities are checked before counts, as MLflow does.
		{"bad entity before limit", append(metrics(1001), Metric{Key: "*"}), nil, nil, "metrics[1001].name"},
	}
	for _, tc := range tests {
		checkErr(t, tc.name, ValidateBatch(tc.m, tc.p, tc.t), tc.want)
	}
}

func TestValidateDatasetInputs(t *testing.T) {
	ok := Dataset{Name: "bank", Digest: "abc123", SourceType: "local", Source: `{"uri": "bank.csv"}`}
	with := func(f func(*Dataset)) []DatasetInput {
		d := ok
		f(&d)
		return []DatasetInput{{Dataset: d, Tags: []Tag{{"mlflow.data.context", "train"}}}}
	}
	many := make([]DatasetInput, 1001)
	for i := range many {
		many[i] = DatasetInput{Dataset: ok}
	}
	tests := []struct {
		name string
		in   []DatasetInput
		want string
	}{
		{"none", nil, ""},
		{"ok", with(func(*Dataset) {}), ""},
		{"at limit", many[:1000], ""},
		{"too many", many, "A batch logging request can contain at most 1000 datasets. Got 1001 datasets."},
		{"no name", with(func(d *Dataset) { d.Name = "" }), "Missing value for required parameter 'datasets[0].dataset.name'."},
		{"no digest", with(func(d *Dataset) { d.Digest = "" }), "'datasets[0].dataset.digest'"},
		{"no source type", with(func(d *Dataset) { d.SourceType = "" }), "'datasets[0].dataset.source_type'"},
		{"no source", with(func(d *Dataset) { d.Source = "" }), "'datasets[0].dataset.source'"},
		{"long name", with(func(d *Dataset) { d.Name = strings.Repeat("n", 501) }), "'datasets[0].dataset.name' exceeds the maximum length of 500 characters"},
		{"long digest", with(func(d *Dataset) { d.Digest = strings.Repeat("d", 37) }), "exceeds the maximum length of 36 characters"},
		{"long source", with(func(d *Dataset) { d.Source = strings.Repeat("s", 65536) }), "exceeds the maximum length of 65535 characters"},
		{"long schema", with(func(d *Dataset) { d.Schema = strings.Repeat("s", 1048576) }), "exceeds the maximum length of 1048575 characters"},
		{"schema at limit", with(func(d *Dataset) { d.Schema = strings.Repeat("s", 1048575) }), ""},
		{"long profile", with(func(d *Dataset) { d.Profile = strings.Repeat("p", 16777216) }), "exceeds the maximum length of 16777215 characters"},
		{"long tag key", []DatasetInput{{Dataset: ok, Tags: []Tag{{strings.Repeat("k", 256), "v"}}}}, "'datasets[0].tags[0].key' exceeds the maximum length of 255 characters"},
		{"long tag value", []DatasetInput{{Dataset: ok, Tags: []Tag{{"k", strings.Repeat("v", 501)}}}}, "'datasets[0].tags[0].value' exceeds the maximum length of 500 characters"},
		{"empty tag key", []DatasetInput{{Dataset: ok, Tags: []Tag{{"", "v"}}}}, "'datasets[0].tags[0].key'"},
	}
	for _, tc := range tests {
		checkErr(t, tc.name, ValidateDatasetInputs(tc.in), tc.want)
	}
}

func TestValidateIDs(t *testing.T) {
	runIDs := []struct {
		id   string
		want string
	}{
		{"0123456789abcdef0123456789abcdef", ""},
		{"a", ""},
		{"A-b_c", ""},
		{"a" + strings.Repeat("b", 255), ""},
		{"a" + strings.Repeat("b", 256), `Invalid value "abbb`},
		{"", `Invalid value "" for parameter 'run_id' supplied.`},
		{"abc!", `Invalid value "abc!" for parameter 'run_id' supplied.`},
		{"-abc", "for parameter 'run_id' supplied."},
		{"_abc", "for parameter 'run_id' supplied."},
		{"abc\n", "for parameter 'run_id' supplied."},
		{"a/b", "for parameter 'run_id' supplied."},
	}
	for _, tc := range runIDs {
		checkErr(t, "ValidateRunID("+tc.id+")", ValidateRunID(tc.id), tc.want)
	}
	expIDs := []struct {
		id   string
		want string
	}{
		{"0", ""},
		{"123", ""},
		{"a" + strings.Repeat("b", 63), ""},
		{"a" + strings.Repeat("b", 64), "Invalid experiment ID: 'abbb"},
		{"-1", "Invalid experiment ID: '-1'"},
		{"", "Invalid experiment ID: ''"},
		{"1 2", "Invalid experiment ID: '1 2'"},
	}
	for _, tc := range expIDs {
		checkErr(t, "ValidateExperimentID("+tc.id+")", ValidateExperimentID(tc.id), tc.want)
	}
}

func TestValidateModelAlias(t *testing.T) {
	tests := []struct {
		alias string
		want  string
	}{
		{"champion", ""},
		{"prod-2024_v", ""},
		{"v", ""},
		{"vx1", ""},
		{"version1", ""},
		{"latest2", ""},
		{"ünïcode", ""},
		{"", "Registered model alias name cannot be empty."},
		{"a b", "Invalid alias name: 'a b'. Names may only contain alphanumerics, underscores (_), and dashes (-)."},
		{"a.b", "Invalid alias name: 'a.b'."},
		{"latest", "'latest' alias name (case insensitive) is reserved."},
		{"LATEST", "'latest' alias name (case insensitive) is reserved."},
		{"v1", "Version alias name 'v1' is reserved."},
		{"V12", "Version alias name 'V12' is reserved."},
		{strings.Repeat("a", 255), ""},
		{strings.Repeat("a", 256), "'Registered model alias name' exceeds the maximum length of 255 characters"},
	}
	for _, tc := range tests {
		checkErr(t, "ValidateModelAlias("+tc.alias+")", ValidateModelAlias(tc.alias), tc.want)
	}
}

func TestPyHelpers(t *testing.T) {
	floats := []struct {
		v    float64
		want string
	}{
		{1, "1.0"}, {0, "0.0"}, {-2.5, "-2.5"}, {0.1, "0.1"}, {1e-4, "0.0001"}, {1e-5, "1e-05"},
		{1e15, "1000000000000000.0"}, {1e16, "1e+16"}, {1.5e300, "1.5e+300"},
		{math.NaN(), "nan"}, {math.Inf(1), "inf"}, {math.Inf(-1), "-inf"},
	}
	for _, tc := range floats {
		if got := pyFloat(tc.v); got != tc.want {
			t.Errorf("pyFloat(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	jsons := []struct{ s, want string }{
		{"abc", `"abc"`}, {`a"b\c`, `"a\"b\\c"`}, {"a\nb\tc", `"a\nb\tc"`},
		{"é", `"\u00e9"`}, {"😀", `"\ud83d\ude00"`}, {"\x01", `"\u0001"`},
	}
	for _, tc := range jsons {
		if got := pyJSON(tc.s); got != tc.want {
			t.Errorf("pyJSON(%q) = %s, want %s", tc.s, got, tc.want)
		}
	}
	strs := []struct{ s, want string }{
		{"a", "'a'"}, {"it's", `"it's"`}, {`a'b"c`, `'a\'b"c'`}, {`a\b`, `'a\\b'`},
	}
	for _, tc := range strs {
		if got := pyStr(tc.s); got != tc.want {
			t.Errorf("pyStr(%q) = %s, want %s", tc.s, got, tc.want)
		}
	}
}

func TestTruncateValue(t *testing.T) {
	tests := []struct {
		s     string
		limit int
		want  string
	}{
		{"abc", 5, "abc"},
		{"abc", 3, "abc"},
		{"abcdef", 3, "abc"},
		{"ééééé", 3, "ééé"}, // characters, not bytes
		{"ééé", 3, "ééé"},
		{"", 0, ""},
		{"a", 0, ""},
	}
	for _, tc := range tests {
		if got := TruncateValue(tc.s, tc.limit); got != tc.want {
			t.Errorf("TruncateValue(%q, %d) = %q, want %q", tc.s, tc.limit, got, tc.want)
		}
	}
	long := strings.Repeat("v", MaxParamValueLength+10)
	if err := ValidateParam(Param{"p", TruncateValue(long, MaxParamValueLength)}); err != nil {
		t.Errorf("a truncated param value is still rejected: %v", err)
	}
}
