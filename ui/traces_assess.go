package ui

import (
	"encoding/json"
	"strings"

	"github.com/weir-ml/weir/tracing"
)

// assessmentRow is one assessment of a trace as its page lists it.
type assessmentRow struct {
	Name      string
	Kind      string // feedback or expectation
	Value     string // the value as compact JSON, a string without its quotes
	Source    string
	Rationale string
	Span      string
	// Overridden marks feedback another assessment replaced.
	Overridden bool
	Error      string
}

// assessmentRows lists a trace's assessments, oldest first, with their
// values written for people.
func assessmentRows(as []tracing.Assessment) []assessmentRow {
	rows := make([]assessmentRow, 0, len(as))
	for _, a := range as {
		r := assessmentRow{Name: a.Name, Rationale: a.Rationale, Span: a.SpanID, Kind: "feedback",
			Source: strings.ToLower(strings.ReplaceAll(a.SourceType, "_", " "))}
		if a.SourceID != "" && a.SourceID != "default" {
			r.Source += " · " + a.SourceID
		}
		raw := a.Feedback
		if len(a.Expectation) > 0 {
			r.Kind, raw = "expectation", a.Expectation
		}
		r.Value = assessmentValue(raw)
		r.Overridden = a.Valid != nil && !*a.Valid
		if len(a.Error) > 0 {
			var e struct {
				Code    string `json:"error_code"`
				Message string `json:"error_message"`
			}
			if json.Unmarshal(a.Error, &e) == nil {
				r.Error = strings.TrimSpace(e.Code + " " + e.Message)
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// assessmentValue reads the value of a feedback or expectation message:
// {"value": ...}, or an expectation's {"serialized_value": {"value": "..."}}.
func assessmentValue(raw json.RawMessage) string {
	var m struct {
		Value      json.RawMessage `json:"value"`
		Serialized *struct {
			Value string `json:"value"`
		} `json:"serialized_value"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	if m.Serialized != nil {
		return m.Serialized.Value
	}
	var s string
	if json.Unmarshal(m.Value, &s) == nil {
		return s
	}
	return string(m.Value)
}
