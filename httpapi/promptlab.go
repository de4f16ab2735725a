package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// promptlabPython is the Python version the prompt-lab model's MLmodel and
// environments record (mlflow server writes its own interpreter's; Weir's
// pyfunc models record the same minor version, mlmodel.PyfuncPython).
const promptlabPython = "3.11"

// promptlabRequest is the UI's CreatePromptlabRun body, read as MLflow's
// handler reads it: loosely typed JSON values.
type promptlabRequest map[string]any

// createPromptlabRun answers POST /ajax-api/2.0/mlflow/runs/create-promptlab-run,
// which MLflow's UI sends to record a prompt-engineering evaluation: a
// finished run with the model's parameters, route and prompt template as
// params, MLflow's prompt-engineering tags, the evaluation table as
// eval_results_table.json and a "promptlab" pyfunc model under model/, as
// mlflow server logs them. Validation and its messages are MLflow's.
func (s *Server) createPromptlabRun(w *jsonWriter, r *http.Request) error {
	var req promptlabRequest
	if err := decodeWith(r, func(body []byte) error {
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&req); err != nil || req == nil {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Malformed request body: want a JSON object.")
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range []string{"experiment_id", "prompt_template", "prompt_parameters", "model_route", "model_input", "mlflow_version"} {
		if pyFalsy(req[k]) {
			return weir.Errorf(weir.ErrInvalidParameterValue, "CreatePromptlabRun request must specify %s.", k)
		}
	}
	promptParams, err := req.params("prompt_parameters")
	if err != nil {
		return err
	}
	modelParams, err := req.params("model_parameters")
	if err != nil {
		return err
	}
	outputParams, err := req.params("model_output_parameters")
	if err != nil {
		return err
	}
	tags, err := req.params("tags")
	if err != nil {
		return err
	}
	c := tracking.RunCreate{
		ExperimentID: pyStr(req["experiment_id"]),
		UserID:       "unknown",
		StartTime:    time.Now().UnixMilli(),
	}
	if v, ok := req["user_id"]; ok {
		c.UserID = pyStr(v)
	}
	if v, ok := req["run_name"]; ok && v != nil {
		c.RunName = pyStr(v)
	}
	if v, ok := req["start_time"]; ok {
		n, ok := v.(json.Number)
		t, err := n.Int64()
		if !ok || err != nil {
			return weir.Errorf(weir.ErrInvalidParameterValue, "CreatePromptlabRun field 'start_time' must be an integer (milliseconds since the epoch).")
		}
		c.StartTime = t
	}
	for _, p := range tags {
		c.Tags = append(c.Tags, tracking.Tag{Key: p.Key, Value: p.Value})
	}
	run, err := s.Tracking.CreateRun(r.Context(), c)
	if err != nil {
		return err
	}
	lab := promptlab{
		runID: run.Info.RunID, template: pyStr(req["prompt_template"]), route: pyStr(req["model_route"]),
		input: pyStr(req["model_input"]), prompt: promptParams, model: modelParams, outputs: outputParams,
	}
	if v, ok := req["model_output"]; ok && v != nil {
		out := pyStr(v)
		lab.output = &out
	}
	status := tracking.StatusFinished
	if err := s.logPromptlab(r.Context(), run, &lab); err != nil {
		// MLflow marks the run failed and still answers it.
		s.logger().Warn("prompt-lab run failed", "run_id", run.Info.RunID, "err", err)
		status = tracking.StatusFailed
	}
	end := time.Now().UnixMilli()
	if _, err := s.Tracking.UpdateRun(r.Context(), run.Info.RunID, tracking.RunUpdate{Status: &status, EndTime: &end}); err != nil {
		return err
	}
	run, err = s.Tracking.GetRun(r.Context(), run.Info.RunID)
	if err != nil {
		return err
	}
	writeRun(w, run)
	return nil
}

// params reads a list of {"key", "value"} objects, values as Python's str()
// writes them.
func (req promptlabRequest) params(field string) ([]tracking.Param, error) {
	raw, ok := req[field]
	if !ok || raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "CreatePromptlabRun field '%s' must be a list of {\"key\", \"value\"} objects.", field)
	}
	out := make([]tracking.Param, 0, len(list))
	for i, item := range list {
		obj, ok := item.(map[string]any)
		key, isStr := obj["key"].(string)
		if !ok || !isStr || key == "" {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "CreatePromptlabRun field '%s[%d]' needs a string \"key\".", field, i)
		}
		out = append(out, tracking.Param{Key: key, Value: pyStr(obj["value"])})
	}
	return out, nil
}

// pyFalsy is Python's "not value" for a decoded JSON value.
func pyFalsy(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case bool:
		return !v
	case json.Number:
		f, err := v.Float64()
		return err == nil && f == 0
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

// pyStr is Python's str() of a decoded JSON value, for the scalars a
// request holds (strings, numbers, booleans, null); lists and objects are
// written as compact JSON.
func pyStr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case string:
		return v
	case bool:
		if v {
			return "True"
		}
		return "False"
	case json.Number:
		s := v.String()
		if !strings.ContainsAny(s, ".eE") {
			return s
		}
		f, err := v.Float64()
		if err != nil {
			return s
		}
		return pyFloatRepr(f)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// pyFloatRepr is Python's repr of a float.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	mant, expText, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
	exp, _ := strconv.Atoi(expText)
	if exp < -4 || exp >= 16 {
		return fmt.Sprintf("%se%+03d", mant, exp)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// promptlab is what a prompt-lab run records.
type promptlab struct {
	runID, template, route, input string
	output                        *string
	prompt, model, outputs        []tracking.Param
}

// logPromptlab logs the params, tags and artifacts of a prompt-lab run, in
// MLflow's order: params and tags, the log-model history, then the files.
func (s *Server) logPromptlab(ctx context.Context, run *tracking.Run, lab *promptlab) error {
	params := append(append([]tracking.Param(nil), lab.model...),
		tracking.Param{Key: "model_route", Value: lab.route}, tracking.Param{Key: "prompt_template", Value: lab.template})
	tags := []tracking.Tag{
		{Key: "mlflow.loggedArtifacts", Value: `[{"path": "eval_results_table.json", "type": "table"}]`},
		{Key: "mlflow.runSourceType", Value: "PROMPT_ENGINEERING"},
	}
	if err := s.Tracking.LogBatch(ctx, run.Info.RunID, nil, params, tags); err != nil {
		return err
	}
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return err
	}
	u[6], u[8] = u[6]&0x0f|0x40, u[8]&0x3f|0x80 // a version 4 UUID, as MLflow's
	modelUUID := hex.EncodeToString(u[:])
	created := time.Now().UTC().Format("2006-01-02 15:04:05.000000")
	// record_logged_model runs before the flavors are added: MLflow's
	// history entry has none.
	history := `[{"run_id": ` + tracking.PyJSONString(lab.runID) + `, "artifact_path": "model", "utc_time_created": ` +
		tracking.PyJSONString(created) + `, "model_uuid": ` + tracking.PyJSONString(modelUUID) + `, "flavors": {}}]`
	if err := s.Tracking.SetTag(ctx, run.Info.RunID, tracking.Tag{Key: loggedModelsTag, Value: history}); err != nil {
		return err
	}
	store, root, err := s.artifactRoot(run.Info.ArtifactURI)
	if err != nil {
		return err
	}
	for name, body := range lab.files(modelUUID, created) {
		if err := store.Put(ctx, path.Join(root, name), strings.NewReader(body)); err != nil {
			return err
		}
	}
	return nil
}
