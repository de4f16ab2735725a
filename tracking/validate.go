package tracking

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/weir-ml/weir"
)

// Limits on what may be logged, as MLflow's server enforces them. Lengths
// count characters (Unicode code points), as Python's len does.
const (
	MaxMetricsPerBatch          = 1000
	MaxParamsTagsPerBatch       = 100 // params, and separately tags
	MaxEntitiesPerBatch         = 1000
	MaxDatasetsPerBatch         = 1000
	MaxEntityKeyLength          = 250 // metric, param and run tag keys
	MaxParamValueLength         = 6000
	MaxTagValueLength           = 8000
	MaxExperimentNameLength     = 500
	MaxExperimentTagKeyLength   = 250
	MaxExperimentTagValueLength = 20000 // MLflow 3.17; older servers allowed 5000
	MaxRegistryTagKeyLength     = 250
	MaxRegistryTagValueLength   = 100000
	MaxModelAliasLength         = 255
	MaxDatasetNameLength        = 500
	MaxDatasetDigestLength      = 36
	MaxDatasetSourceLength      = 65535
	MaxDatasetSchemaLength      = 1048575
	MaxDatasetProfileLength     = 16777215
	MaxInputTagKeyLength        = 255
	MaxInputTagValueLength      = 500
)

func invalid(format string, args ...any) error {
	return weir.Errorf(weir.ErrInvalidParameterValue, format, args...)
}

// ValidateMetric checks a metric's key and timestamp. Its value may be NaN
// or ±Inf.
func ValidateMetric(m Metric) error { return validateMetric(m, "") }

func validateMetric(m Metric, prefix string) error {
	if err := validateKeyName(m.Key, prefix+"name"); err != nil {
		return err
	}
	if m.Timestamp < 0 {
		return invalid("Invalid value %d for parameter '%stimestamp' supplied: metric '%s' (value=%s). Timestamp must be a nonnegative long (64-bit integer) ",
			m.Timestamp, prefix, m.Key, pyFloat(m.Value))
	}
	return checkLength("Metric name", m.Key, MaxEntityKeyLength)
}

// ValidateParam checks a param's key and the length of its value.
func ValidateParam(p Param) error { return validateParam(p, "") }

func validateParam(p Param, prefix string) error {
	if err := validateKeyName(p.Key, prefix+"key"); err != nil {
		return err
	}
	if err := checkLength("Param key", p.Key, MaxEntityKeyLength); err != nil {
		return err
	}
	return checkLength("Param value", p.Value, MaxParamValueLength)
}

// ValidateTag checks a run tag's key and the length of its value.
func ValidateTag(t Tag) error { return validateTag(t, "") }

func validateTag(t Tag, prefix string) error {
	if err := validateKeyName(t.Key, prefix+"key"); err != nil {
		return err
	}
	if err := checkLength(prefix+"key", t.Key, MaxEntityKeyLength); err != nil {
		return err
	}
	return checkLength(prefix+"value", t.Value, MaxTagValueLength)
}

// ValidateExperimentName checks that an experiment name has 1 to 500
// characters.
func ValidateExperimentName(name string) error {
	if name == "" {
		return invalid("Invalid experiment name: ''")
	}
	return checkLength("name", name, MaxExperimentNameLength)
}

// ValidateExperimentTag checks an experiment tag's key and lengths.
func ValidateExperimentTag(t Tag) error {
	if err := validateKeyName(t.Key, "key"); err != nil {
		return err
	}
	if err := checkLength("key", t.Key, MaxExperimentTagKeyLength); err != nil {
		return err
	}
	return checkLength("value", t.Value, MaxExperimentTagValueLength)
}

// ValidateRegistryTag checks a registered model or model version tag.
func ValidateRegistryTag(t Tag) error {
	if err := validateKeyName(t.Key, "key"); err != nil {
		return err
	}
	if err := checkLength("key", t.Key, MaxRegistryTagKeyLength); err != nil {
		return err
	}
	return checkLength("value", t.Value, MaxRegistryTagValueLength)
}

// ValidateBatch checks a log-batch request: every metric, param and tag,
// then the per-kind and total counts, then that no param key repeats. The
// order is MLflow's, so the same bad request gets the same message.
func ValidateBatch(metrics []Metric, params []Param, tags []Tag) error {
	for i, m := range metrics {
		if err := validateMetric(m, fmt.Sprintf("metrics[%d].", i)); err != nil {
			return err
		}
	}
	for i, p := range params {
		if err := validateParam(p, fmt.Sprintf("params[%d].", i)); err != nil {
			return err
		}
	}
	for i, t := range tags {
		if err := validateTag(t, fmt.Sprintf("tags[%d].", i)); err != nil {
			return err
		}
	}
	for _, l := range []struct {
		what  string
		limit int
		n     int
	}{
		{"metrics", MaxMetricsPerBatch, len(metrics)},
		{"params", MaxParamsTagsPerBatch, len(params)},
		{"tags", MaxParamsTagsPerBatch, len(tags)},
		{"metrics, params, and tags", MaxEntitiesPerBatch, len(metrics) + len(params) + len(tags)},
	} {
		if err := checkBatchLimit(l.what, l.limit, l.n); err != nil {
			return err
		}
	}
	seen := make(map[string]bool, len(params))
	var dupes []string
	for _, p := range params {
		if seen[p.Key] {
			dupes = append(dupes, pyStr(p.Key))
		}
		seen[p.Key] = true
	}
	if len(dupes) > 0 {
		return invalid("Duplicate parameter keys have been submitted: [%s]. Please ensure the request contains only one param value per param key.", strings.Join(dupes, ", "))
	}
	return nil
}

func checkBatchLimit(what string, limit, n int) error {
	if n > limit {
		return invalid("A batch logging request can contain at most %d %s. Got %d %s. Please split up %s across multiple requests and try again.", limit, what, n, what, what)
	}
	return nil
}

// ValidateDatasetInputs checks a log-inputs request: at most 1000 datasets,
// the four required dataset fields, and the size limits of datasets and
// their input tags.
func ValidateDatasetInputs(inputs []DatasetInput) error {
	if err := checkBatchLimit("datasets", MaxDatasetsPerBatch, len(inputs)); err != nil {
		return err
	}
	for i, in := range inputs {
		p := fmt.Sprintf("datasets[%d].", i)
		d := in.Dataset
		for _, f := range []struct {
			name, value string
			limit       int
			required    bool
		}{
			{"name", d.Name, MaxDatasetNameLength, true},
			{"digest", d.Digest, MaxDatasetDigestLength, true},
			{"source_type", d.SourceType, 0, true},
			{"source", d.Source, MaxDatasetSourceLength, true},
			{"schema", d.Schema, MaxDatasetSchemaLength, false},
			{"profile", d.Profile, MaxDatasetProfileLength, false},
		} {
			if f.required && f.value == "" {
				return invalid("Missing value for required parameter '%sdataset.%s'.", p, f.name)
			}
			if f.limit > 0 {
				if err := checkLength(p+"dataset."+f.name, f.value, f.limit); err != nil {
					return err
				}
			}
		}
		for j, t := range in.Tags {
			tp := fmt.Sprintf("%stags[%d].", p, j)
			if t.Key == "" {
				return invalid("Missing value for required parameter '%skey'.", tp)
			}
			if err := checkLength(tp+"key", t.Key, MaxInputTagKeyLength); err != nil {
				return err
			}
			if err := checkLength(tp+"value", t.Value, MaxInputTagValueLength); err != nil {
				return err
			}
		}
	}
	return nil
}

// ValidateRunID checks a run ID against ^[a-zA-Z0-9][\w\-]{0,255}$.
func ValidateRunID(id string) error {
	if !idShape(id, 256) {
		return invalid("Invalid value %s for parameter 'run_id' supplied.", pyJSON(id))
	}
	return nil
}

// ValidateExperimentID checks an experiment ID against
// ^[a-zA-Z0-9][\w\-]{0,63}$.
func ValidateExperimentID(id string) error {
	if !idShape(id, 64) {
		return invalid("Invalid experiment ID: '%s'", id)
	}
	return nil
}

// idShape reports whether id is an ASCII letter or digit followed by at
// most max-1 word characters or dashes.
func idShape(id string, max int) bool {
	if id == "" {
		return false
	}
	c := id[0]
	if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
		return false
	}
	n := 0
	for _, r := range id[1:] {
		if r != '-' && !isPyWord(r) {
			return false
		}
		n++
	}
	return n <= max-1
}

// canonicalExperimentID reads an experiment ID used as a filter value. Our
// IDs are integers, so "01" is experiment 1, as in MLflow's SQL store.
func canonicalExperimentID(s string) (string, *weir.Error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "Invalid experiment ID '%s'. Experiment ID must be a valid integer.", s)
	}
	return strconv.FormatInt(n, 10), nil
}

// ValidateModelAlias checks a registered model alias: word characters and
// dashes only, at most 255 characters, and not a name the registry
// reserves ("latest" in any case, or a version such as v3).
func ValidateModelAlias(alias string) error {
	if alias == "" {
		return invalid("Registered model alias name cannot be empty.")
	}
	for _, r := range alias {
		if r != '-' && !isPyWord(r) {
			return invalid("Invalid alias name: '%s'. Names may only contain alphanumerics, underscores (_), and dashes (-).", alias)
		}
	}
	if err := checkLength("Registered model alias name", alias, MaxModelAliasLength); err != nil {
		return err
	}
	if strings.EqualFold(alias, "latest") {
		return invalid("'latest' alias name (case insensitive) is reserved.")
	}
	if isVersionAlias(alias) {
		return invalid("Version alias name '%s' is reserved.", alias)
	}
	return nil
}

// isVersionAlias reports whether alias matches ^[vV]\d+$.
func isVersionAlias(alias string) bool {
	if len(alias) < 2 || alias[0] != 'v' && alias[0] != 'V' {
		return false
	}
	for _, r := range alias[1:] {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// isPyWord reports whether r matches Python's \w on str: letters, numbers
// and the underscore.
func isPyWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// validateKeyName applies MLflow's rules for metric, param and tag keys:
// only word characters and / . - space :, and a normalized relative path,
// since some stores treat keys as file names.
func validateKeyName(key, field string) error {
	for _, r := range key {
		switch {
		case isPyWord(r), r == '/', r == '.', r == '-', r == ' ', r == ':':
		default:
			return invalid("Invalid value %s for parameter '%s' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).", pyJSON(key), field)
		}
	}
	if key == "" {
		return invalid("Missing value for required parameter '%s'.", field)
	}
	norm := path.Clean(key)
	if norm != key || norm == "." || strings.HasPrefix(norm, "..") || strings.HasPrefix(norm, "/") {
		return invalid("Invalid value %s for parameter '%s' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to %s",
			pyJSON(key), field, pyStr(norm))
	}
	return nil
}

// checkLength rejects values longer than limit characters.
func checkLength(what, value string, limit int) error {
	if len(value) > limit && utf8.RuneCountInString(value) > limit {
		return invalid("'%s' exceeds the maximum length of %d characters", what, limit)
	}
	return nil
}

// TruncateValue cuts s to at most limit characters. MLflow's server
// truncates param values longer than MaxParamValueLength and run tag values
// longer than MaxTagValueLength (with a warning) instead of rejecting them,
// unless MLFLOW_TRUNCATE_LONG_VALUES is off; a store that wants to behave
// the same calls this before ValidateParam or ValidateTag.
func TruncateValue(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit {
			return s[:i]
		}
		n++
	}
	return s
}
