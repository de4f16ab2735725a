package httpapi

import (
	"net/http"

	"github.com/weir-ml/weir/tracking"
)

// maxExperimentsPerPage is MLflow's cap on search-experiments max_results.
const maxExperimentsPerPage = 50000

func (s *Server) createExperiment(w *jsonWriter, r *http.Request) error {
	var req struct {
		Name             str       `json:"name"`
		ArtifactLocation str       `json:"artifact_location"`
		Tags             []wireTag `json:"tags"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	name := v.reqStr("name", req.Name)
	loc := v.str("artifact_location", req.ArtifactLocation)
	tags := v.tags("tags", req.Tags)
	if v.err != nil {
		return v.err
	}
	if loc != "" {
		if err := checkArtifactLocation(loc); err != nil {
			return err
		}
	}
	id, err := s.Tracking.CreateExperiment(r.Context(), name, loc, tags)
	if err != nil {
		return err
	}
	w.openObject()
	w.stringField("experiment_id", id)
	w.closeObject()
	return nil
}

func (s *Server) getExperiment(w *jsonWriter, r *http.Request) error {
	var req struct {
		ID str `json:"experiment_id"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	id := v.reqStr("experiment_id", req.ID)
	if v.err != nil {
		return v.err
	}
	exp, err := s.Tracking.GetExperiment(r.Context(), id)
	if err != nil {
		return err
	}
	writeExperiment(w, exp)
	return nil
}

func (s *Server) getExperimentByName(w *jsonWriter, r *http.Request) error {
	var req struct {
		Name str `json:"experiment_name"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	name := v.reqStr("experiment_name", req.Name)
	if v.err != nil {
		return v.err
	}
	exp, err := s.Tracking.GetExperimentByName(r.Context(), name)
	if err != nil {
		return err
	}
	writeExperiment(w, exp)
	return nil
}

func writeExperiment(w *jsonWriter, exp *tracking.Experiment) {
	w.openObject()
	w.key("experiment")
	w.experiment(exp)
	w.closeObject()
}

func (s *Server) searchExperiments(w *jsonWriter, r *http.Request) error {
	var req struct {
		MaxResults i64  `json:"max_results"`
		PageToken  str  `json:"page_token"`
		Filter     str  `json:"filter"`
		OrderBy    strs `json:"order_by"`
		ViewType   enum `json:"view_type"`
	}
	if err := decode(r, &req, "order_by"); err != nil {
		return err
	}
	var v validator
	q := tracking.ExperimentSearch{
		ViewType:   v.viewType("view_type", req.ViewType),
		MaxResults: int(v.i64("max_results", req.MaxResults)),
		OrderBy:    v.strs("order_by", req.OrderBy),
		Filter:     v.str("filter", req.Filter),
		PageToken:  v.str("page_token", req.PageToken),
	}
	if req.MaxResults.Set {
		v.maxResults(req.MaxResults.V, maxExperimentsPerPage)
	}
	if v.err != nil {
		return v.err
	}
	exps, next, err := s.Tracking.SearchExperiments(r.Context(), q)
	if err != nil {
		return err
	}
	w.openObject()
	if len(exps) > 0 {
		w.arrayField("experiments")
		for _, e := range exps {
			w.comma()
			w.experiment(e)
		}
		w.closeArray()
	}
	w.optStringField("next_page_token", next)
	w.closeObject()
	return nil
}

func (s *Server) updateExperiment(w *jsonWriter, r *http.Request) error {
	var req struct {
		ID      str `json:"experiment_id"`
		NewName str `json:"new_name"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	id := v.reqStr("experiment_id", req.ID)
	name := v.reqStr("new_name", req.NewName)
	if v.err != nil {
		return v.err
	}
	return s.Tracking.UpdateExperiment(r.Context(), id, name)
}

func (s *Server) deleteExperiment(w *jsonWriter, r *http.Request) error {
	id, err := experimentIDOnly(r)
	if err != nil {
		return err
	}
	return s.Tracking.DeleteExperiment(r.Context(), id)
}

func (s *Server) restoreExperiment(w *jsonWriter, r *http.Request) error {
	id, err := experimentIDOnly(r)
	if err != nil {
		return err
	}
	return s.Tracking.RestoreExperiment(r.Context(), id)
}

// experimentIDOnly reads a request whose only field is experiment_id.
func experimentIDOnly(r *http.Request) (string, error) {
	var req struct {
		ID str `json:"experiment_id"`
	}
	if err := decode(r, &req); err != nil {
		return "", err
	}
	var v validator
	id := v.reqStr("experiment_id", req.ID)
	return id, v.err
}

func (s *Server) setExperimentTag(w *jsonWriter, r *http.Request) error {
	var req struct {
		ID    str `json:"experiment_id"`
		Key   str `json:"key"`
		Value str `json:"value"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	id := v.reqStr("experiment_id", req.ID)
	key := v.reqStr("key", req.Key)
	value := v.str("value", req.Value)
	if v.err != nil {
		return v.err
	}
	return s.Tracking.SetExperimentTag(r.Context(), id, key, value)
}

func (s *Server) deleteExperimentTag(w *jsonWriter, r *http.Request) error {
	var req struct {
		ID  str `json:"experiment_id"`
		Key str `json:"key"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	id := v.reqStr("experiment_id", req.ID)
	key := v.reqStr("key", req.Key)
	if v.err != nil {
		return v.err
	}
	return s.Tracking.DeleteExperimentTag(r.Context(), id, key)
}
