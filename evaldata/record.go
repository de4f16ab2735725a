package evaldata

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/weir-ml/weir"
)

// TagUser is the tag MLflow's client sets to the user's name; it becomes a
// record's and a dataset's created_by and last_updated_by.
const TagUser = "mlflow.user"

// Source types of a record, as MLflow names them.
var sourceTypes = map[string]bool{"TRACE": true, "HUMAN": true, "DOCUMENT": true, "CODE": true, "UNSPECIFIED": true}

// RecordInput is one record of an upsert, decoded and checked. Has* say
// which keys the client sent, since MLflow's merge tells an absent
// "outputs" from a null one.
type RecordInput struct {
	Inputs       json.RawMessage // an object; {} when absent
	HasOutputs   bool
	Outputs      json.RawMessage // nil for null
	Expectations json.RawMessage // an object, or nil
	Tags         map[string]string
	Source       json.RawMessage // {"source_type", "source_data"}, or nil
	SourceID     string
	SourceType   string
}

// ParseRecords decodes the records of an upsert: a JSON array of objects,
// sent as a string inside the request (MLflow's wire form).
func ParseRecords(s string) ([]RecordInput, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue,
			"Field 'records' must be a JSON array of records: %s.", problem(err))
	}
	out := make([]RecordInput, len(raw))
	for i, r := range raw {
		in, err := parseRecord(r)
		if err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Record %d of 'records': %s", i, err)
		}
		out[i] = in
	}
	return out, nil
}

func problem(err error) string {
	var se *json.SyntaxError
	if e, ok := err.(*json.SyntaxError); ok {
		se = e
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	if _, ok := err.(*json.UnmarshalTypeError); ok {
		return "it is not an array"
	}
	return err.Error()
}

func parseRecord(raw json.RawMessage) (RecordInput, error) {
	var in RecordInput
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return in, fmt.Errorf("want a JSON object with 'inputs'")
	}
	in.Inputs = json.RawMessage("{}")
	if v := nonNull(fields["inputs"]); v != nil {
		if !isObject(v) {
			return in, fmt.Errorf("'inputs' must be a JSON object")
		}
		in.Inputs = v
	}
	if v, ok := fields["outputs"]; ok {
		in.HasOutputs, in.Outputs = true, nonNull(v)
	}
	if v := nonNull(fields["expectations"]); v != nil {
		if !isObject(v) {
			return in, fmt.Errorf("'expectations' must be a JSON object")
		}
		in.Expectations = v
	}
	if v := nonNull(fields["tags"]); v != nil {
		tags, err := TagValues(v)
		if err != nil {
			return in, fmt.Errorf("'tags': %v", err)
		}
		in.Tags = tags
	}
	if v := nonNull(fields["source"]); v != nil {
		if err := in.parseSource(v); err != nil {
			return in, err
		}
	}
	return in, nil
}

// parseSource normalises a record's source to MLflow's two keys and reads
// its id: a trace's trace_id, else source_data's source_id.
func (in *RecordInput) parseSource(v json.RawMessage) error {
	var src struct {
		SourceType string                     `json:"source_type"`
		SourceData map[string]json.RawMessage `json:"source_data"`
	}
	if err := json.Unmarshal(v, &src); err != nil {
		return fmt.Errorf("'source' must be an object with a string 'source_type' and an object 'source_data'")
	}
	if !sourceTypes[src.SourceType] {
		return fmt.Errorf("unknown source_type '%s': want TRACE, HUMAN, DOCUMENT or CODE", src.SourceType)
	}
	if src.SourceData == nil {
		src.SourceData = map[string]json.RawMessage{}
	}
	key := "source_id"
	if src.SourceType == "TRACE" {
		key = "trace_id"
	}
	if id := src.SourceData[key]; len(id) > 0 && id[0] == '"' {
		json.Unmarshal(id, &in.SourceID)
	}
	in.SourceType = src.SourceType
	in.Source, _ = json.Marshal(src)
	return nil
}

func nonNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return raw
}

func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

// TagValues decodes a JSON object of tags. Values that are not strings are
// kept as MLflow's server keeps them, as Python's str() of the value for
// numbers and booleans; null values are dropped.
func TagValues(raw json.RawMessage) (map[string]string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("want a JSON object of tags")
	}
	tags := make(map[string]string, len(m))
	for k, v := range m {
		switch {
		case string(v) == "null":
		case string(v) == "true":
			tags[k] = "True"
		case string(v) == "false":
			tags[k] = "False"
		case len(v) > 0 && v[0] == '"':
			var s string
			json.Unmarshal(v, &s)
			tags[k] = s
		default:
			tags[k] = string(v)
		}
	}
	return tags, nil
}

// InputHash identifies a record by its inputs: SHA-256 of the inputs with
// their keys sorted, so the same inputs in any key order are one record.
func InputHash(inputs json.RawMessage) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(inputs))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	canon, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:]), nil
}

// NewRecord is the record an upsert inserts: outputs default to {} when
// absent, and the user tag names who created it.
func NewRecord(in RecordInput, now int64) Record {
	r := Record{Inputs: in.Inputs, Outputs: json.RawMessage("{}"), Expectations: in.Expectations,
		Tags: in.Tags, Source: in.Source, SourceID: in.SourceID, SourceType: in.SourceType,
		CreatedTime: now, LastUpdateTime: now}
	if in.HasOutputs {
		r.Outputs = in.Outputs
	}
	if r.Tags == nil {
		r.Tags = map[string]string{}
	}
	r.CreatedBy = r.Tags[TagUser]
	r.LastUpdatedBy = r.CreatedBy
	return r
}

// Merge folds an upserted record into the stored one with the same inputs,
// as MLflow does: outputs are replaced when sent (null clears them),
// expectations and tags are merged key by key, and the user tag, when
// sent, names the last updater.
func (r *Record) Merge(in RecordInput, now int64) error {
	if in.HasOutputs {
		r.Outputs = in.Outputs
	}
	if in.Expectations != nil && string(bytes.TrimSpace(in.Expectations)) != "{}" {
		merged, err := mergeObjects(r.Expectations, in.Expectations)
		if err != nil {
			return err
		}
		r.Expectations = merged
	}
	if len(in.Tags) > 0 {
		if r.Tags == nil {
			r.Tags = map[string]string{}
		}
		for k, v := range in.Tags {
			r.Tags[k] = v
		}
		if u, ok := in.Tags[TagUser]; ok {
			r.LastUpdatedBy = u
		}
	}
	r.LastUpdateTime = now
	return nil
}

func mergeObjects(old, add json.RawMessage) (json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if old != nil {
		if err := json.Unmarshal(old, &m); err != nil {
			return nil, err
		}
	}
	var n map[string]json.RawMessage
	if err := json.Unmarshal(add, &n); err != nil {
		return nil, err
	}
	for k, v := range n {
		m[k] = v
	}
	return json.Marshal(m)
}

// Digest is MLflow's digest of a dataset: the first 8 hex digits of
// SHA-256 of "name:lastUpdateTime".
func Digest(name string, lastUpdateTime int64) string {
	sum := sha256.Sum256([]byte(name + ":" + strconv.FormatInt(lastUpdateTime, 10)))
	return hex.EncodeToString(sum[:])[:8]
}
