package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracing"
	"github.com/weir-ml/weir/tracking"
)

// wireAssessment is an Assessment message as MLflow's client sends it.
type wireAssessment struct {
	AssessmentID   string `json:"assessment_id"`
	AssessmentName string `json:"assessment_name"`
	TraceID        string `json:"trace_id"`
	SpanID         string `json:"span_id"`
	Source         *struct {
		SourceType string `json:"source_type"`
		SourceID   string `json:"source_id"`
	} `json:"source"`
	CreateTime     string            `json:"create_time"`
	LastUpdateTime string            `json:"last_update_time"`
	Feedback       json.RawMessage   `json:"feedback"`
	Expectation    json.RawMessage   `json:"expectation"`
	Rationale      string            `json:"rationale"`
	Error          json.RawMessage   `json:"error"`
	Metadata       map[string]string `json:"metadata"`
	Overrides      string            `json:"overrides"`
	Valid          *bool             `json:"valid"`
}

// assessmentSources are AssessmentSource.SourceType's names.
var assessmentSources = map[string]bool{"SOURCE_TYPE_UNSPECIFIED": true, "HUMAN": true, "LLM_JUDGE": true, "CODE": true}

func (w *wireAssessment) assessment() (tracing.Assessment, error) {
	a := tracing.Assessment{ID: w.AssessmentID, TraceID: w.TraceID, Name: w.AssessmentName, SpanID: w.SpanID,
		Feedback: nonNull(w.Feedback), Expectation: nonNull(w.Expectation), Error: nonNull(w.Error),
		Rationale: w.Rationale, Metadata: w.Metadata, Overrides: w.Overrides, Valid: w.Valid}
	if w.Source != nil {
		if !assessmentSources[w.Source.SourceType] {
			return a, weir.Errorf(weir.ErrInvalidParameterValue,
				"Invalid assessment source type '%s': want HUMAN, LLM_JUDGE or CODE.", w.Source.SourceType)
		}
		a.SourceType, a.SourceID = w.Source.SourceType, w.Source.SourceID
	}
	for _, t := range []struct {
		name, v string
		dst     *int64
	}{{"create_time", w.CreateTime, &a.CreateTime}, {"last_update_time", w.LastUpdateTime, &a.LastUpdateTime}} {
		if t.v == "" {
			continue
		}
		ts, err := time.Parse(time.RFC3339Nano, t.v)
		if err != nil {
			return a, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid %s '%s': want an RFC 3339 timestamp.", t.name, t.v)
		}
		*t.dst = ts.UnixMilli()
	}
	for _, v := range []struct {
		name string
		raw  json.RawMessage
	}{{"feedback", a.Feedback}, {"expectation", a.Expectation}, {"error", a.Error}} {
		if len(v.raw) > 0 && v.raw[0] != '{' {
			return a, weir.Errorf(weir.ErrInvalidParameterValue, "Field 'assessment.%s' must be a JSON object.", v.name)
		}
	}
	return a, nil
}

func nonNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return raw
}

// writeAssessment writes an Assessment message in MLflow's field order.
func writeAssessment(w *jsonWriter, a *tracing.Assessment) {
	w.openObject()
	w.stringField("assessment_id", a.ID)
	w.stringField("assessment_name", a.Name)
	w.stringField("trace_id", a.TraceID)
	w.optStringField("span_id", a.SpanID)
	w.objectField("source")
	w.stringField("source_type", a.SourceType)
	w.optStringField("source_id", a.SourceID)
	w.closeObject()
	w.stringField("create_time", protoTimestamp(a.CreateTime))
	w.stringField("last_update_time", protoTimestamp(a.LastUpdateTime))
	for _, f := range []struct {
		k   string
		raw json.RawMessage
	}{{"feedback", a.Feedback}, {"expectation", expectationJSON(a.Expectation)}} {
		if len(f.raw) > 0 {
			w.key(f.k)
			w.b = appendCompactJSON(w.b, f.raw)
		}
	}
	w.optStringField("rationale", a.Rationale)
	if len(a.Error) > 0 {
		w.key("error")
		w.b = appendCompactJSON(w.b, a.Error)
	}
	if len(a.Metadata) > 0 {
		writeStringMap(w, "metadata", a.Metadata)
	}
	w.optStringField("overrides", a.Overrides)
	if a.Valid != nil {
		w.boolField("valid", *a.Valid)
	}
	w.closeObject()
}

// appendCompactJSON appends a JSON value the server decoded once, without
// its whitespace.
func appendCompactJSON(b []byte, raw json.RawMessage) []byte {
	out, err := json.Marshal(raw) // RawMessage marshals compacted and checked
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, out...)
}

func (s *Server) assessments(r *http.Request) (tracing.AssessmentService, error) {
	as, ok := s.Traces.(tracing.AssessmentService)
	if !ok {
		return nil, notServed(r)
	}
	return as, nil
}

func (s *Server) createAssessment(w *jsonWriter, r *http.Request) error {
	as, err := s.assessments(r)
	if err != nil {
		return err
	}
	var req struct {
		Assessment *wireAssessment `json:"assessment"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Assessment == nil {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'assessment'.")
	}
	a, err := req.Assessment.assessment()
	if err != nil {
		return err
	}
	a.TraceID = r.PathValue("trace_id")
	out, err := as.CreateAssessment(r.Context(), a)
	if err != nil {
		return err
	}
	return answerAssessment(w, out)
}

func answerAssessment(w *jsonWriter, a *tracing.Assessment) error {
	w.openObject()
	w.key("assessment")
	writeAssessment(w, a)
	w.closeObject()
	return nil
}

func (s *Server) getAssessment(w *jsonWriter, r *http.Request) error {
	as, err := s.assessments(r)
	if err != nil {
		return err
	}
	a, err := as.GetAssessment(r.Context(), r.PathValue("trace_id"), r.PathValue("assessment_id"))
	if err != nil {
		return err
	}
	return answerAssessment(w, a)
}

// maskFields are update_mask paths as clients spell them (lowerCamelCase
// or snake_case), by their folded form.
var maskFields = map[string]string{
	"assessmentname": tracing.MaskName, "feedback": tracing.MaskFeedback, "expectation": tracing.MaskExpectation,
	"rationale": tracing.MaskRationale, "metadata": tracing.MaskMetadata,
}

func (s *Server) updateAssessment(w *jsonWriter, r *http.Request) error {
	as, err := s.assessments(r)
	if err != nil {
		return err
	}
	var req struct {
		Assessment *wireAssessment `json:"assessment"`
		UpdateMask string          `json:"update_mask"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Assessment == nil {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'assessment'.")
	}
	u, err := req.Assessment.assessment()
	if err != nil {
		return err
	}
	u.TraceID, u.ID = r.PathValue("trace_id"), r.PathValue("assessment_id")
	var mask []string
	for _, p := range strings.Split(req.UpdateMask, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		f, ok := maskFields[strings.ToLower(strings.ReplaceAll(p, "_", ""))]
		if !ok {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Field '%s' of an assessment cannot be updated.", p)
		}
		mask = append(mask, f)
	}
	out, err := as.UpdateAssessment(r.Context(), u, mask)
	if err != nil {
		return err
	}
	return answerAssessment(w, out)
}

func (s *Server) deleteAssessment(w *jsonWriter, r *http.Request) error {
	as, err := s.assessments(r)
	if err != nil {
		return err
	}
	return as.DeleteAssessment(r.Context(), r.PathValue("trace_id"), r.PathValue("assessment_id"))
}

// expectationJSON writes an expectation's value message as MLflow's server
// answers it: a value that is an object or a list goes out as
// serialized_value, its JSON text in Python's json.dumps form.
func expectationJSON(raw json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return raw
	}
	v, ok := m["value"]
	if !ok || len(m) != 1 || len(v) == 0 || (v[0] != '{' && v[0] != '[') {
		return raw
	}
	text, err := pyDumps(v)
	if err != nil {
		return raw
	}
	out, err := json.Marshal(map[string]any{"serialized_value": map[string]string{
		"serialization_format": "JSON_FORMAT", "value": text}})
	if err != nil {
		return raw
	}
	return out
}

// pyDumps re-writes a JSON value as Python's json.dumps would: ", " and
// ": " separators, keys in their order, non-ASCII escaped, numbers as
// written.
func pyDumps(raw json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var b strings.Builder
	// first[i] says whether the container at depth i has no member yet;
	// key[i] whether the next string at that depth is an object key.
	var first, isObj, expectKey []bool
	sep := func() {
		n := len(first) - 1
		if n < 0 {
			return
		}
		if isObj[n] && !expectKey[n] {
			return // a value right after its key
		}
		if !first[n] {
			b.WriteString(", ")
		}
		first[n] = false
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				sep()
				b.WriteRune(rune(t))
				first, isObj, expectKey = append(first, true), append(isObj, t == '{'), append(expectKey, t == '{')
				continue
			default:
				b.WriteRune(rune(t))
				first, isObj, expectKey = first[:len(first)-1], isObj[:len(isObj)-1], expectKey[:len(expectKey)-1]
			}
		case string:
			n := len(first) - 1
			if n >= 0 && isObj[n] && expectKey[n] {
				sep()
				b.WriteString(tracking.PyJSONString(t) + ": ")
				expectKey[n] = false
				continue
			}
			sep()
			b.WriteString(tracking.PyJSONString(t))
		case json.Number:
			sep()
			b.WriteString(t.String())
		case bool:
			sep()
			b.WriteString(map[bool]string{true: "true", false: "false"}[t])
		case nil:
			sep()
			b.WriteString("null")
		}
		if n := len(first) - 1; n >= 0 && isObj[n] {
			expectKey[n] = true // a value ends; a key comes next
		}
	}
}
