package ui

import (
	"context"
	"net/http"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// RunStats is what the experiments list shows of an experiment's runs.
type RunStats struct {
	Count        int
	More         bool  // Count is a lower bound
	LastActivity int64 // ms since the epoch; 0 when there are no runs
}

// RunCounter is implemented by stores that can count runs without loading
// them: for each experiment, its active runs and the latest start or end
// time among them (ms since the epoch). It uses only standard types, so a
// store implements it without importing this package. The UI uses it when
// Tracking has it; otherwise it reads up to statsLimit runs per experiment
// and shows "N+" beyond.
type RunCounter interface {
	CountRuns(ctx context.Context, experimentIDs []string) (counts map[string]int, lastActivity map[string]int64, err error)
}

// statsLimit bounds the runs read per experiment when the store cannot
// count: reading runs loads their metrics and params too.
const statsLimit = 200

type experimentRow struct {
	*tracking.Experiment
	Stats RunStats
}

type experimentsData struct {
	Query   string
	Deleted bool
	Rows    []experimentRow
	Error   string // a malformed search, shown next to the box
	Next    string
}

func (h *Handler) experimentsPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	q := r.URL.Query()
	d := &experimentsData{Query: strings.TrimSpace(q.Get("q")), Deleted: q.Get("view") == "deleted"}
	s := tracking.ExperimentSearch{MaxResults: 200, PageToken: q.Get("page"), OrderBy: []string{"last_update_time DESC"}}
	if d.Query != "" {
		s.Filter = "name ILIKE " + likeLiteral(d.Query)
	}
	if d.Deleted {
		s.ViewType = tracking.DeletedOnly
	}
	exps, next, err := h.Tracking.SearchExperiments(r.Context(), s)
	if err != nil {
		if weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			return nil, err
		}
		d.Error = weir.ErrorMessage(err)
	}
	d.Next = next
	stats, err := h.runStats(r.Context(), exps)
	if err != nil {
		return nil, err
	}
	for _, e := range exps {
		d.Rows = append(d.Rows, experimentRow{e, stats[e.ID]})
	}
	return &view{Template: "experiments", Title: "Experiments", Data: d}, nil
}

func (h *Handler) runStats(ctx context.Context, exps []*tracking.Experiment) (map[string]RunStats, error) {
	ids := make([]string, len(exps))
	for i, e := range exps {
		ids[i] = e.ID
	}
	if rc, ok := h.Tracking.(RunCounter); ok {
		counts, last, err := rc.CountRuns(ctx, ids)
		if err != nil {
			return nil, err
		}
		out := map[string]RunStats{}
		for _, id := range ids {
			out[id] = RunStats{Count: counts[id], LastActivity: last[id]}
		}
		return out, nil
	}
	out := map[string]RunStats{}
	for _, e := range exps {
		runs, next, err := h.Tracking.SearchRuns(ctx, tracking.RunSearch{
			ExperimentIDs: []string{e.ID}, MaxResults: statsLimit, OrderBy: []string{"attributes.start_time DESC"}})
		if err != nil {
			return nil, err
		}
		st := RunStats{Count: len(runs), More: next != ""}
		for _, run := range runs {
			st.LastActivity = max(st.LastActivity, run.Info.StartTime)
			if run.Info.EndTime != nil {
				st.LastActivity = max(st.LastActivity, *run.Info.EndTime)
			}
		}
		out[e.ID] = st
	}
	return out, nil
}

func (h *Handler) createExperiment(r *http.Request) (string, error) {
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if name == "" {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "An experiment needs a name.")
	}
	id, err := h.Tracking.CreateExperiment(r.Context(), name, "", nil)
	if err != nil {
		return "", err
	}
	return "/experiments/" + id, nil
}

func (h *Handler) renameExperiment(r *http.Request) (string, error) {
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if name == "" {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "An experiment needs a name.")
	}
	if err := h.Tracking.UpdateExperiment(r.Context(), r.PathValue("id"), name); err != nil {
		return "", err
	}
	return "/experiments/" + r.PathValue("id"), nil
}

func (h *Handler) deleteExperiment(r *http.Request) (string, error) {
	if err := h.Tracking.DeleteExperiment(r.Context(), r.PathValue("id")); err != nil {
		return "", err
	}
	return "/experiments?view=deleted", nil
}

func (h *Handler) restoreExperiment(r *http.Request) (string, error) {
	if err := h.Tracking.RestoreExperiment(r.Context(), r.PathValue("id")); err != nil {
		return "", err
	}
	return "/experiments/" + r.PathValue("id"), nil
}

// likeLiteral quotes text as a "contains" pattern of the search language,
// with whichever quote the text does not hold.
func likeLiteral(text string) string {
	if !strings.Contains(text, "'") {
		return "'%" + text + "%'"
	}
	return "\"%" + strings.ReplaceAll(text, "\"", "") + "%\""
}
