package httpapi

import (
	"net/http"
	"strconv"

	"github.com/weir-ml/weir/tracking"
)

// maxRunsPerPage is MLflow's cap on search-runs max_results.
const maxRunsPerPage = 50000

func (s *Server) createRun(w *jsonWriter, r *http.Request) error {
	var req struct {
		ExperimentID str       `json:"experiment_id"`
		UserID       str       `json:"user_id"`
		RunName      str       `json:"run_name"`
		StartTime    i64       `json:"start_time"`
		Tags         []wireTag `json:"tags"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	c := tracking.RunCreate{
		ExperimentID: v.str("experiment_id", req.ExperimentID),
		StartTime:    v.i64("start_time", req.StartTime),
		RunName:      v.str("run_name", req.RunName),
		UserID:       v.str("user_id", req.UserID),
		Tags:         v.tags("tags", req.Tags),
	}
	if v.err != nil {
		return v.err
	}
	run, err := s.Tracking.CreateRun(r.Context(), c)
	if err != nil {
		return err
	}
	writeRun(w, run)
	return nil
}

func writeRun(w *jsonWriter, run *tracking.Run) {
	w.openObject()
	w.key("run")
	w.run(run)
	w.closeObject()
}

// runRef is the run_id (or legacy run_uuid) that most run requests carry.
type runRef struct {
	RunID   str `json:"run_id"`
	RunUUID str `json:"run_uuid"`
}

func (s *Server) getRun(w *jsonWriter, r *http.Request) error {
	var req runRef
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	id := v.runID(req.RunID, req.RunUUID)
	if v.err != nil {
		return v.err
	}
	run, err := s.Tracking.GetRun(r.Context(), id)
	if err != nil {
		return err
	}
	writeRun(w, run)
	return nil
}

func (s *Server) updateRun(w *jsonWriter, r *http.Request) error {
	var req struct {
		runRef
		Status  enum `json:"status"`
		EndTime i64  `json:"end_time"`
		RunName str  `json:"run_name"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	// Only the fields present are updated: MLflow's client sends just the
	// ones it means to change, and zero is a valid end_time.
	var v validator
	id := v.runID(req.RunID, req.RunUUID)
	var u tracking.RunUpdate
	if endTime := v.i64("end_time", req.EndTime); req.EndTime.Set {
		u.EndTime = &endTime
	}
	u.Status = v.runStatus("status", req.Status)
	if name := v.str("run_name", req.RunName); req.RunName.Set {
		u.RunName = &name
	}
	if v.err != nil {
		return v.err
	}
	info, err := s.Tracking.UpdateRun(r.Context(), id, u)
	if err != nil {
		return err
	}
	w.openObject()
	w.key("run_info")
	w.runInfo(info)
	w.closeObject()
	return nil
}

func (s *Server) deleteRun(w *jsonWriter, r *http.Request) error {
	id, err := runIDOnly(r)
	if err != nil {
		return err
	}
	return s.Tracking.DeleteRun(r.Context(), id)
}

func (s *Server) restoreRun(w *jsonWriter, r *http.Request) error {
	id, err := runIDOnly(r)
	if err != nil {
		return err
	}
	return s.Tracking.RestoreRun(r.Context(), id)
}

// runIDOnly reads a request whose only field is the run ID.
func runIDOnly(r *http.Request) (string, error) {
	var req runRef
	if err := decode(r, &req); err != nil {
		return "", err
	}
	var v validator
	id := v.runID(req.RunID, req.RunUUID)
	return id, v.err
}

func (s *Server) searchRuns(w *jsonWriter, r *http.Request) error {
	var req struct {
		ExperimentIDs strs `json:"experiment_ids"`
		Filter        str  `json:"filter"`
		RunViewType   enum `json:"run_view_type"`
		MaxResults    i64  `json:"max_results"`
		OrderBy       strs `json:"order_by"`
		PageToken     str  `json:"page_token"`
	}
	if err := decode(r, &req, "experiment_ids", "order_by"); err != nil {
		return err
	}
	var v validator
	q := tracking.RunSearch{
		ExperimentIDs: v.strs("experiment_ids", req.ExperimentIDs),
		Filter:        v.str("filter", req.Filter),
		MaxResults:    int(v.i64("max_results", req.MaxResults)),
		OrderBy:       v.strs("order_by", req.OrderBy),
		ViewType:      v.viewType("run_view_type", req.RunViewType),
		PageToken:     v.str("page_token", req.PageToken),
	}
	if n := req.MaxResults.V; req.MaxResults.Set && n > maxRunsPerPage {
		// MLflow words its cap check as a type error; keep its words.
		v.badType("max_results", strconv.AppendInt(nil, n, 10))
	} else if req.MaxResults.Set {
		v.maxResults(n, maxRunsPerPage)
	}
	if v.err != nil {
		return v.err
	}
	runs, next, err := s.Tracking.SearchRuns(r.Context(), q)
	if err != nil {
		return err
	}
	w.openObject()
	if len(runs) > 0 {
		w.arrayField("runs")
		for _, run := range runs {
			w.comma()
			w.run(run)
		}
		w.closeArray()
	}
	w.optStringField("next_page_token", next)
	w.closeObject()
	return nil
}
