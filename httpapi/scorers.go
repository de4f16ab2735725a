package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/evaldata"
)

func (s *Server) needScorers(fn apiFunc) apiFunc {
	return func(w *jsonWriter, r *http.Request) error {
		if _, ok := s.Datasets.(evaldata.ScorerService); !ok {
			return notServed(r)
		}
		return fn(w, r)
	}
}

func (s *Server) scorers() evaldata.ScorerService { return s.Datasets.(evaldata.ScorerService) }

// checkSerializedScorer refuses what MLflow's server refuses: a scorer
// that is not JSON, and a decorator scorer (@scorer), whose serialized
// form carries Python source ("call_source") that whoever loads it runs.
func checkSerializedScorer(serialized string) error {
	var v any
	if err := json.Unmarshal([]byte(serialized), &v); err != nil {
		return weir.Errorf(weir.ErrInvalidParameterValue, "serialized_scorer must be valid JSON")
	}
	if hasCallSource(v) {
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"Custom scorer registration (using @scorer decorator) is disabled: its serialized form carries Python code "+
				"that runs when the scorer is loaded. Register a built-in or make_judge() scorer instead.")
	}
	return nil
}

// hasCallSource says whether any object in v, at any depth (ensembles nest
// scorers), has a non-null call_source.
func hasCallSource(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		if cs, ok := t["call_source"]; ok && cs != nil {
			return true
		}
		for _, e := range t {
			if hasCallSource(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if hasCallSource(e) {
				return true
			}
		}
	}
	return false
}

func (s *Server) registerScorer(w *jsonWriter, r *http.Request) error {
	var req struct {
		ExperimentID string `json:"experiment_id"`
		Name         string `json:"name"`
		Serialized   string `json:"serialized_scorer"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"experiment_id", req.ExperimentID}, {"name", req.Name}, {"serialized_scorer", req.Serialized}} {
		if f.v == "" {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter '%s'.", f.name)
		}
	}
	if err := checkSerializedScorer(req.Serialized); err != nil {
		return err
	}
	sv, err := s.scorers().RegisterScorer(r.Context(), req.ExperimentID, req.Name, req.Serialized)
	if err != nil {
		return err
	}
	w.openObject()
	w.intField("version", int64(sv.Version))
	w.stringField("scorer_id", sv.ScorerID)
	w.stringField("experiment_id", sv.ExperimentID)
	w.stringField("name", sv.Name)
	w.stringField("serialized_scorer", sv.Serialized)
	w.intField("creation_time", sv.CreationTime)
	w.closeObject()
	return nil
}

// writeScorer writes a Scorer message; its experiment_id is a number on
// MLflow's wire.
func writeScorer(w *jsonWriter, sv *evaldata.ScorerVersion) {
	w.openObject()
	w.key("experiment_id")
	w.b = append(w.b, sv.ExperimentID...)
	w.stringField("scorer_name", sv.Name)
	w.intField("scorer_version", int64(sv.Version))
	w.stringField("serialized_scorer", sv.Serialized)
	w.intField("creation_time", sv.CreationTime)
	w.stringField("scorer_id", sv.ScorerID)
	w.closeObject()
}

func writeScorerList(w *jsonWriter, list []evaldata.ScorerVersion) {
	w.openObject()
	if len(list) > 0 {
		w.arrayField("scorers")
		for i := range list {
			w.comma()
			w.first = true
			writeScorer(w, &list[i])
		}
		w.closeArray()
	}
	w.closeObject()
}

func (s *Server) listScorers(w *jsonWriter, r *http.Request) error {
	q := r.URL.Query()
	one, many := q.Get("experiment_id"), q["experiment_ids"]
	if one != "" && len(many) > 0 {
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"Cannot specify both 'experiment_id' and 'experiment_ids': name one experiment or several.")
	}
	ids := many
	if one != "" {
		ids = []string{one}
	}
	list, err := s.scorers().ListScorers(r.Context(), ids)
	if err != nil {
		return err
	}
	writeScorerList(w, list)
	return nil
}

// scorerQuery reads experiment_id, name and an optional version from the
// query string, or from a JSON body (DELETE sends one).
func scorerQuery(r *http.Request) (expID, name string, version int, err error) {
	var req struct {
		ExperimentID string          `json:"experiment_id"`
		Name         string          `json:"name"`
		Version      json.RawMessage `json:"version"`
	}
	if r.Method != http.MethodGet {
		if err := decodeOptionalJSON(r, &req); err != nil {
			return "", "", 0, err
		}
	}
	q := r.URL.Query()
	if req.ExperimentID == "" {
		req.ExperimentID = q.Get("experiment_id")
	}
	if req.Name == "" {
		req.Name = q.Get("name")
	}
	v := strings.Trim(string(bytes.TrimSpace(req.Version)), `"`)
	if v == "" || v == "null" {
		v = q.Get("version")
	}
	for _, f := range []struct{ name, v string }{{"experiment_id", req.ExperimentID}, {"name", req.Name}} {
		if f.v == "" {
			return "", "", 0, weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter '%s'.", f.name)
		}
	}
	if v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return "", "", 0, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid value '%s' for parameter 'version': want a version number (1, 2, ...).", v)
		}
		version = n
	}
	return req.ExperimentID, req.Name, version, nil
}

func (s *Server) listScorerVersions(w *jsonWriter, r *http.Request) error {
	expID, name, _, err := scorerQuery(r)
	if err != nil {
		return err
	}
	list, err := s.scorers().ListScorerVersions(r.Context(), expID, name)
	if err != nil {
		return err
	}
	writeScorerList(w, list)
	return nil
}

func (s *Server) getScorer(w *jsonWriter, r *http.Request) error {
	expID, name, version, err := scorerQuery(r)
	if err != nil {
		return err
	}
	sv, err := s.scorers().GetScorer(r.Context(), expID, name, version)
	if err != nil {
		return err
	}
	w.openObject()
	w.key("scorer")
	w.first = true
	writeScorer(w, sv)
	w.closeObject()
	return nil
}

func (s *Server) deleteScorer(w *jsonWriter, r *http.Request) error {
	expID, name, version, err := scorerQuery(r)
	if err != nil {
		return err
	}
	return s.scorers().DeleteScorer(r.Context(), expID, name, version)
}

// onlineScorerConfigs answers that no scorer runs online: Weir stores
// scorers but never runs them. MLflow's client asks after listing.
func (s *Server) onlineScorerConfigs(w *jsonWriter, r *http.Request) error {
	w.openObject()
	w.arrayField("configs")
	w.closeArray()
	w.closeObject()
	return nil
}
