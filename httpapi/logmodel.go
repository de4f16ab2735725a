package httpapi

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// loggedModelsTag is the run tag where MLflow 2 clients' log-model calls
// are recorded, as a JSON list of model summaries.
const loggedModelsTag = "mlflow.log-model.history"

func (s *Server) logModel(w *jsonWriter, r *http.Request) error {
	var req struct {
		runRef
		ModelJSON str `json:"model_json"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	id := v.runID(req.RunID, req.RunUUID)
	modelJSON := v.reqStr("model_json", req.ModelJSON)
	if v.err != nil {
		return v.err
	}
	summary, err := modelSummary(modelJSON)
	if err != nil {
		return err
	}
	run, err := s.Tracking.GetRun(r.Context(), id)
	if err != nil {
		return err
	}
	history, err := appendModelHistory(run.Data.Tags, summary)
	if err != nil {
		return err
	}
	return s.Tracking.SetTag(r.Context(), id, tracking.Tag{Key: loggedModelsTag, Value: history})
}

// modelSummary checks an MLmodel document sent as JSON and keeps what the
// run tag records: run_id, utc_time_created, artifact_path, model_uuid and
// the flavors without their bulky "config" entries.
func modelSummary(modelJSON string) (map[string]any, error) {
	var model map[string]any
	if err := json.Unmarshal([]byte(modelJSON), &model); err != nil || model == nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue,
			"Malformed model info. \n %s \n is not a valid JSON.", modelJSON)
	}
	var missing []string
	for _, k := range []string{"artifact_path", "flavors", "run_id", "utc_time_created"} {
		if _, ok := model[k]; !ok {
			missing = append(missing, "'"+k+"'")
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, weir.Errorf(weir.ErrInvalidParameterValue,
			"Model json is missing mandatory fields: {%s}", strings.Join(missing, ", "))
	}
	summary := map[string]any{}
	for _, k := range []string{"run_id", "utc_time_created", "artifact_path", "model_uuid"} {
		if val, ok := model[k]; ok {
			summary[k] = val
		}
	}
	flavors := map[string]any{}
	if fl, ok := model["flavors"].(map[string]any); ok {
		for name, conf := range fl {
			if c, ok := conf.(map[string]any); ok {
				trimmed := make(map[string]any, len(c))
				for k, val := range c {
					if k != "config" {
						trimmed[k] = val
					}
				}
				conf = trimmed
			}
			flavors[name] = conf
		}
	}
	summary["flavors"] = flavors
	return summary, nil
}

// appendModelHistory adds summary to the JSON list in the run's
// log-model history tag, starting a new list if the tag is absent.
func appendModelHistory(tags []tracking.Tag, summary map[string]any) (string, error) {
	var history []any
	for _, t := range tags {
		if t.Key == loggedModelsTag {
			if err := json.Unmarshal([]byte(t.Value), &history); err != nil {
				return "", weir.Errorf(weir.ErrInvalidState,
					"The run's %s tag does not hold a JSON list.", loggedModelsTag)
			}
		}
	}
	history = append(history, summary)
	b, err := json.Marshal(history)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
