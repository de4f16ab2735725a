package evaldata

import (
	"bytes"
	"encoding/json"
)

// schema is a dataset's schema as MLflow writes it: the type of each field
// of inputs, outputs and expectations (outputs is a type name instead when
// records' outputs are not objects), first seen first kept.
type schema struct {
	Inputs       map[string]string `json:"inputs"`
	Outputs      json.RawMessage   `json:"outputs"`
	Expectations map[string]string `json:"expectations"`
	Version      string            `json:"version"`
}

// UpdateSchema adds the fields of upserted records to a dataset's schema
// (JSON, "" for none) and returns it; "" when there is still nothing.
func UpdateSchema(old string, records []RecordInput) (string, error) {
	if old == "" && len(records) == 0 {
		return "", nil
	}
	s := schema{Inputs: map[string]string{}, Outputs: json.RawMessage("{}"), Expectations: map[string]string{}, Version: "1.0"}
	if old != "" {
		if err := json.Unmarshal([]byte(old), &s); err != nil {
			return "", err
		}
	}
	for _, r := range records {
		if err := addFields(s.Inputs, r.Inputs); err != nil {
			return "", err
		}
		if err := addFields(s.Expectations, r.Expectations); err != nil {
			return "", err
		}
		if !r.HasOutputs || r.Outputs == nil {
			continue
		}
		if isObject(r.Outputs) {
			outs := map[string]string{}
			if isObject(s.Outputs) {
				json.Unmarshal(s.Outputs, &outs)
			}
			if err := addFields(outs, r.Outputs); err != nil {
				return "", err
			}
			s.Outputs, _ = json.Marshal(outs)
		} else if string(bytes.TrimSpace(s.Outputs)) == "{}" {
			s.Outputs, _ = json.Marshal(typeName(r.Outputs))
		}
	}
	b, err := json.Marshal(s)
	return string(b), err
}

func addFields(types map[string]string, obj json.RawMessage) error {
	if obj == nil {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(obj, &fields); err != nil {
		return err
	}
	for k, v := range fields {
		if _, ok := types[k]; !ok {
			types[k] = typeName(v)
		}
	}
	return nil
}

// typeName is MLflow's name for the type of a JSON value.
func typeName(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "null"
	}
	switch v[0] {
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean"
	case '"':
		return "string"
	case '[':
		return "array"
	case '{':
		return "object"
	}
	if bytes.ContainsAny(v, ".eE") {
		return "float"
	}
	return "integer"
}
