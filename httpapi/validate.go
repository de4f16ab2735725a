package httpapi

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// docsHint ends every schema error, as in MLflow.
const docsHint = " See the API docs for more information about request parameters."

// validator checks request fields in order and keeps the first error, so a
// handler reads as a list of checks followed by one error test.
type validator struct {
	err error
}

func (v *validator) fail(msg string) {
	if v.err == nil {
		v.err = &weir.Error{Code: weir.ErrInvalidParameterValue, Message: msg}
	}
}

func (v *validator) missing(name string) {
	v.fail("Missing value for required parameter '" + name + "'." + docsHint)
}

// badType reports raw, a JSON value of the wrong type, the way MLflow does:
// the value compacted, then the Python type name of the value.
func (v *validator) badType(name string, raw []byte) {
	v.fail(invalidValue(name, raw, " Hint: Value was of type '"+pyTypeName(raw)+"'.") + docsHint)
}

// invalidValue words an invalid parameter as MLflow's invalid_value does.
func invalidValue(name string, raw []byte, detail string) string {
	return "Invalid value " + compactJSON(raw) + " for parameter '" + name + "' supplied: " + detail
}

// str returns an optional string field's value.
func (v *validator) str(name string, f str) string {
	if f.bad != nil {
		v.badType(name, f.bad)
	}
	return f.V
}

// reqStr returns a required string field's value; "" counts as missing.
func (v *validator) reqStr(name string, f str) string {
	if f.bad == nil && f.V == "" {
		v.missing(name)
	}
	return v.str(name, f)
}

// runID returns run_id, falling back to the legacy run_uuid when run_id is
// absent, and requires one of them.
func (v *validator) runID(runID, runUUID str) string {
	if !runID.Set && runID.bad == nil && runUUID.Set {
		runID = runUUID
	}
	return v.reqStr("run_id", runID)
}

// i64 returns an optional integer field's value.
func (v *validator) i64(name string, f i64) int64 {
	if f.bad != nil {
		v.badType(name, f.bad)
	}
	return f.V
}

// reqI64 returns a required integer field's value.
func (v *validator) reqI64(name string, f i64) int64 {
	if !f.Set && f.bad == nil {
		v.missing(name)
	}
	return v.i64(name, f)
}

// reqF64 returns a required double field's value.
func (v *validator) reqF64(name string, f f64) float64 {
	if !f.Set && f.bad == nil {
		v.missing(name)
	}
	if f.bad != nil {
		v.badType(name, f.bad)
	}
	return f.V
}

// strs returns an optional repeated string field's value.
func (v *validator) strs(name string, f strs) []string {
	if f.bad != nil {
		v.badType(name, f.bad)
	}
	return f.V
}

// pyTypeName names the Python type json.loads gives for raw.
func pyTypeName(raw []byte) string {
	if len(raw) == 0 {
		return "NoneType"
	}
	switch raw[0] {
	case '"':
		return "str"
	case '[':
		return "list"
	case '{':
		return "dict"
	case 't', 'f':
		return "bool"
	case 'n':
		return "NoneType"
	}
	if bytes.ContainsAny(raw, ".eE") {
		return "float"
	}
	return "int"
}

// compactJSON re-encodes raw like Python's json.dumps(sort_keys=True,
// separators=(",", ":")): compact, object keys sorted, numbers as written.
func compactJSON(raw []byte) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return strconv.Quote(string(raw))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return strconv.Quote(string(raw))
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n"))
}

// viewType parses a ViewType by name or number; absent means ActiveOnly.
func (v *validator) viewType(name string, f enum) tracking.ViewType {
	if f.bad != nil {
		v.badType(name, f.bad)
		return 0
	}
	if !f.Set {
		return tracking.ActiveOnly
	}
	switch f.V {
	case "ACTIVE_ONLY", "1":
		return tracking.ActiveOnly
	case "DELETED_ONLY", "2":
		return tracking.DeletedOnly
	case "ALL", "3":
		return tracking.AllViews
	}
	v.fail(invalidValue(name, quoteJSON(f.V), "must be one of ACTIVE_ONLY, DELETED_ONLY or ALL.") + docsHint)
	return 0
}

// runStatus parses an optional RunStatus by name or number.
func (v *validator) runStatus(name string, f enum) *tracking.RunStatus {
	if f.bad != nil {
		v.badType(name, f.bad)
		return nil
	}
	if !f.Set {
		return nil
	}
	statuses := []tracking.RunStatus{tracking.StatusRunning, tracking.StatusScheduled,
		tracking.StatusFinished, tracking.StatusFailed, tracking.StatusKilled}
	for i, st := range statuses {
		if f.V == string(st) || f.V == strconv.Itoa(i+1) {
			return &st
		}
	}
	v.fail(invalidValue(name, quoteJSON(f.V), "must be one of RUNNING, SCHEDULED, FINISHED, FAILED or KILLED.") + docsHint)
	return nil
}

// tags converts request tags, checking that keys and values are strings.
func (v *validator) tags(name string, items []wireTag) []tracking.Tag {
	if len(items) == 0 {
		return nil
	}
	out := make([]tracking.Tag, len(items))
	for i, t := range items {
		v.itemStr(name, i, "key", t.Key)
		v.itemStr(name, i, "value", t.Value)
		out[i] = tracking.Tag{Key: t.Key.V, Value: t.Value.V}
	}
	return out
}

// quoteJSON returns s as a JSON string literal.
func quoteJSON(s string) []byte { return appendJSONString(nil, s) }

// itemStr type-checks the string field of the i-th element of a list,
// building the element's name only on error.
func (v *validator) itemStr(list string, i int, field string, f str) {
	if f.bad != nil {
		v.badType(itemName(list, i, field), f.bad)
	}
}

// itemName names a field of a list element as MLflow does: metrics[0].value.
func itemName(list string, i int, field string) string {
	return list + "[" + strconv.Itoa(i) + "]." + field
}

// maxResults checks a page size against 1..limit, worded as MLflow's stores.
func (v *validator) maxResults(n, limit int64) {
	switch {
	case n < 1:
		v.fail("Invalid value " + strconv.FormatInt(n, 10) + " for parameter 'max_results' supplied. It must be a positive integer")
	case n > limit:
		v.fail("Invalid value " + strconv.FormatInt(n, 10) + " for parameter 'max_results' supplied. It must be at most " + strconv.FormatInt(limit, 10))
	}
}

func (v *validator) itemI64(list string, i int, field string, f i64) {
	if f.bad != nil {
		v.badType(itemName(list, i, field), f.bad)
	}
}

func (v *validator) itemF64(list string, i int, field string, f f64) {
	if f.bad != nil {
		v.badType(itemName(list, i, field), f.bad)
	}
}
