package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// Limits of the metric history endpoints, as in MLflow.
const (
	maxBulkIntervalRuns    = 100
	maxBulkIntervalResults = 2500
	maxBulkHistoryRuns     = 100
	maxBulkHistoryResults  = 25000
)

func (s *Server) getMetricHistory(w *jsonWriter, r *http.Request) error {
	var req struct {
		runRef
		MetricKey  str `json:"metric_key"`
		PageToken  str `json:"page_token"`
		MaxResults i64 `json:"max_results"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	q := tracking.MetricHistoryQuery{
		RunID:      v.runID(req.RunID, req.RunUUID),
		Key:        v.reqStr("metric_key", req.MetricKey),
		PageToken:  v.str("page_token", req.PageToken),
		MaxResults: int(v.i64("max_results", req.MaxResults)),
	}
	// Absent max_results means the whole history; an explicit 0 would page
	// forever, so MLflow rejects it.
	if req.MaxResults.Set && req.MaxResults.V <= 0 {
		v.fail("Invalid value " + strconv.FormatInt(req.MaxResults.V, 10) +
			" for parameter 'max_results' supplied. It must be a positive integer.")
	}
	if v.err != nil {
		return v.err
	}
	if st, ok := s.Tracking.(historyStreamer); ok {
		return streamMetricHistory(w, r, st, q)
	}
	metrics, next, err := s.Tracking.GetMetricHistory(r.Context(), q)
	if err != nil {
		return err
	}
	w.openObject()
	w.metrics("metrics", metrics)
	w.optStringField("next_page_token", next)
	w.closeObject()
	return nil
}

// historyStreamer is a tracking store that can hand out a metric history
// point by point as it reads it (sqlstore's does).
type historyStreamer interface {
	EachMetricHistory(ctx context.Context, q tracking.MetricHistoryQuery, fn func(*tracking.Metric) error) (next string, err error)
}

func (s *Server) getMetricHistoryBulkInterval(w *jsonWriter, r *http.Request) error {
	var req struct {
		RunIDs     strs `json:"run_ids"`
		MetricKey  str  `json:"metric_key"`
		StartStep  i64  `json:"start_step"`
		EndStep    i64  `json:"end_step"`
		MaxResults i64  `json:"max_results"`
	}
	if err := decode(r, &req, "run_ids"); err != nil {
		return err
	}
	var v validator
	if !req.RunIDs.Set && req.RunIDs.bad == nil {
		v.missing("run_ids")
	}
	q := tracking.BulkIntervalQuery{RunIDs: v.strs("run_ids", req.RunIDs)}
	if n := len(q.RunIDs); n > maxBulkIntervalRuns {
		v.fail("GetMetricHistoryBulkInterval request must specify at most " +
			strconv.Itoa(maxBulkIntervalRuns) + " run_ids. Received " + strconv.Itoa(n) + " run_ids." + docsHint)
	}
	q.Key = v.reqStr("metric_key", req.MetricKey)
	start, end := v.i64("start_step", req.StartStep), v.i64("end_step", req.EndStep)
	q.MaxResults = int(v.i64("max_results", req.MaxResults))
	if req.MaxResults.Set && (q.MaxResults < 1 || q.MaxResults > maxBulkIntervalResults) {
		v.fail("max_results must be between 1 and " + strconv.Itoa(maxBulkIntervalResults) + "." + docsHint)
	}
	if v.err != nil {
		return v.err
	}
	switch {
	case req.StartStep.Set && req.EndStep.Set:
		if start > end {
			return weir.Errorf(weir.ErrInvalidParameterValue,
				"end_step must be greater than start_step. Found start_step=%d and end_step=%d.", start, end)
		}
		q.StartStep, q.EndStep = &start, &end
	case req.StartStep.Set || req.EndStep.Set:
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"If either start step or end step are specified, both must be specified.")
	}
	metrics, err := s.Tracking.GetMetricHistoryBulkInterval(r.Context(), q)
	if err != nil {
		return err
	}
	w.openObject()
	w.metrics("metrics", metrics)
	w.closeObject()
	return nil
}

// getMetricHistoryBulk is the web UI's older bulk endpoint: whole histories
// of one metric for several runs, ordered by run, then time, step and value.
func (s *Server) getMetricHistoryBulk(w *jsonWriter, r *http.Request) error {
	q := r.URL.Query()
	runIDs := q["run_id"]
	switch {
	case len(runIDs) == 0:
		return weir.Errorf(weir.ErrInvalidParameterValue, "GetMetricHistoryBulk request must specify at least one run_id.")
	case len(runIDs) > maxBulkHistoryRuns:
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"GetMetricHistoryBulk request cannot specify more than %d run_ids. Received %d run_ids.", maxBulkHistoryRuns, len(runIDs))
	case !q.Has("metric_key"):
		return weir.Errorf(weir.ErrInvalidParameterValue, "GetMetricHistoryBulk request must specify a metric_key.")
	}
	limit := maxBulkHistoryResults
	if s := q.Get("max_results"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid value %q for parameter 'max_results' supplied. It must be a positive integer.", s)
		}
		limit = min(n, maxBulkHistoryResults)
	}
	runIDs = slices.Clone(runIDs)
	slices.Sort(runIDs)
	var all []tracking.Metric
	for _, id := range runIDs {
		hist, _, err := s.Tracking.GetMetricHistory(r.Context(), tracking.MetricHistoryQuery{
			RunID: id, Key: q.Get("metric_key"), MaxResults: limit})
		if err != nil {
			return err
		}
		slices.SortStableFunc(hist, compareMetricPoints)
		for i := range hist {
			hist[i].RunID = id
		}
		all = append(all, hist...)
		if len(all) >= limit {
			all = all[:limit]
			break
		}
	}
	w.openObject()
	w.arrayField("metrics")
	for i := range all {
		w.comma()
		w.metric(&all[i])
	}
	w.closeArray()
	w.closeObject()
	return nil
}

func compareMetricPoints(a, b tracking.Metric) int {
	switch {
	case a.Timestamp != b.Timestamp:
		return cmpInt(a.Timestamp, b.Timestamp)
	case a.Step != b.Step:
		return cmpInt(a.Step, b.Step)
	case a.Value < b.Value:
		return -1
	case a.Value > b.Value:
		return 1
	}
	return 0
}

func cmpInt(a, b int64) int {
	if a < b {
		return -1
	}
	return 1
}
