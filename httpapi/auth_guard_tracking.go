package httpapi

import (
	"context"

	"github.com/weir-ml/weir/auth"
	"github.com/weir-ml/weir/tracking"
)

// guardedTracking is a tracking.Service that lets each call through only
// when the caller in the context has the permission MLflow's basic-auth
// app asks for: READ to read, EDIT to change, MANAGE to delete or restore,
// on the experiment (a run's permissions are its experiment's). Searches
// return only what the caller may read.
type guardedTracking struct {
	inner tracking.Service
	g     *guard
}

func (t *guardedTracking) exp(ctx context.Context, id string, a auth.Action) error {
	return t.g.check(ctx, auth.Experiment, id, a)
}

func (t *guardedTracking) run(ctx context.Context, id string, a auth.Action) error {
	return t.g.checkRun(ctx, id, a)
}

// CreateExperiment lets any user create an experiment, and gives its
// creator MANAGE on it.
func (t *guardedTracking) CreateExperiment(ctx context.Context, name, loc string, tags []tracking.Tag) (string, error) {
	if principalFrom(ctx) == nil || principalFrom(ctx).readOnly() {
		return "", errDenied
	}
	id, err := t.inner.CreateExperiment(ctx, name, loc, tags)
	if err != nil {
		return "", err
	}
	return id, t.g.owner(ctx, auth.Experiment, id)
}

func (t *guardedTracking) GetExperiment(ctx context.Context, id string) (*tracking.Experiment, error) {
	if err := t.exp(ctx, id, auth.ActionRead); err != nil {
		return nil, err
	}
	return t.inner.GetExperiment(ctx, id)
}

func (t *guardedTracking) GetExperimentByName(ctx context.Context, name string) (*tracking.Experiment, error) {
	e, err := t.inner.GetExperimentByName(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := t.exp(ctx, e.ID, auth.ActionRead); err != nil {
		return nil, err
	}
	return e, nil
}

func (t *guardedTracking) SearchExperiments(ctx context.Context, s tracking.ExperimentSearch) ([]*tracking.Experiment, string, error) {
	return fillPage(ctx, s.MaxResults, s.PageToken,
		func(max int, token string) ([]*tracking.Experiment, string, error) {
			s.MaxResults, s.PageToken = max, token
			return t.inner.SearchExperiments(ctx, s)
		},
		func(e *tracking.Experiment) (bool, error) { return t.g.readable(ctx, auth.Experiment, e.ID) })
}

func (t *guardedTracking) UpdateExperiment(ctx context.Context, id, newName string) error {
	if err := t.exp(ctx, id, auth.ActionUpdate); err != nil {
		return err
	}
	return t.inner.UpdateExperiment(ctx, id, newName)
}

func (t *guardedTracking) DeleteExperiment(ctx context.Context, id string) error {
	if err := t.exp(ctx, id, auth.ActionDelete); err != nil {
		return err
	}
	return t.inner.DeleteExperiment(ctx, id)
}

func (t *guardedTracking) RestoreExperiment(ctx context.Context, id string) error {
	if err := t.exp(ctx, id, auth.ActionDelete); err != nil {
		return err
	}
	return t.inner.RestoreExperiment(ctx, id)
}

func (t *guardedTracking) SetExperimentTag(ctx context.Context, id, key, value string) error {
	if err := t.exp(ctx, id, auth.ActionUpdate); err != nil {
		return err
	}
	return t.inner.SetExperimentTag(ctx, id, key, value)
}

func (t *guardedTracking) DeleteExperimentTag(ctx context.Context, id, key string) error {
	if err := t.exp(ctx, id, auth.ActionUpdate); err != nil {
		return err
	}
	return t.inner.DeleteExperimentTag(ctx, id, key)
}

// CreateRun needs EDIT on the experiment, as in MLflow.
func (t *guardedTracking) CreateRun(ctx context.Context, c tracking.RunCreate) (*tracking.Run, error) {
	if err := t.exp(ctx, c.ExperimentID, auth.ActionUpdate); err != nil {
		return nil, err
	}
	r, err := t.inner.CreateRun(ctx, c)
	if err == nil {
		t.g.remember(r.Info.RunID, r.Info.ExperimentID)
	}
	return r, err
}

func (t *guardedTracking) GetRun(ctx context.Context, id string) (*tracking.Run, error) {
	r, err := t.inner.GetRun(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := t.exp(ctx, r.Info.ExperimentID, auth.ActionRead); err != nil {
		return nil, err
	}
	return r, nil
}

func (t *guardedTracking) UpdateRun(ctx context.Context, id string, u tracking.RunUpdate) (*tracking.RunInfo, error) {
	if err := t.run(ctx, id, auth.ActionUpdate); err != nil {
		return nil, err
	}
	return t.inner.UpdateRun(ctx, id, u)
}

func (t *guardedTracking) DeleteRun(ctx context.Context, id string) error {
	if err := t.run(ctx, id, auth.ActionDelete); err != nil {
		return err
	}
	return t.inner.DeleteRun(ctx, id)
}

func (t *guardedTracking) RestoreRun(ctx context.Context, id string) error {
	if err := t.run(ctx, id, auth.ActionDelete); err != nil {
		return err
	}
	return t.inner.RestoreRun(ctx, id)
}

// SearchRuns searches only the listed experiments the caller may read.
func (t *guardedTracking) SearchRuns(ctx context.Context, s tracking.RunSearch) ([]*tracking.Run, string, error) {
	ids, err := t.g.filterIDs(ctx, s.ExperimentIDs)
	if err != nil {
		return nil, "", err
	}
	if len(ids) == 0 && len(s.ExperimentIDs) > 0 {
		return nil, "", nil
	}
	s.ExperimentIDs = ids
	return t.inner.SearchRuns(ctx, s)
}

func (t *guardedTracking) LogMetric(ctx context.Context, id string, m tracking.Metric) error {
	if err := t.run(ctx, id, auth.ActionUpdate); err != nil {
		return err
	}
	return t.inner.LogMetric(ctx, id, m)
}

func (t *guardedTracking) LogParam(ctx context.Context, id string, p tracking.Param) error {
	if err := t.run(ctx, id, auth.ActionUpdate); err != nil {
		return err
	}
	return t.inner.LogParam(ctx, id, p)
}

func (t *guardedTracking) SetTag(ctx context.Context, id string, tag tracking.Tag) error {
	if err := t.run(ctx, id, auth.ActionUpdate); err != nil {
		return err
	}
	return t.inner.SetTag(ctx, id, tag)
}

func (t *guardedTracking) DeleteTag(ctx context.Context, id, key string) error {
	if err := t.run(ctx, id, auth.ActionUpdate); err != nil {
		return err
	}
	return t.inner.DeleteTag(ctx, id, key)
}

func (t *guardedTracking) LogBatch(ctx context.Context, id string, m []tracking.Metric, p []tracking.Param, tags []tracking.Tag) error {
	if err := t.run(ctx, id, auth.ActionUpdate); err != nil {
		return err
	}
	return t.inner.LogBatch(ctx, id, m, p, tags)
}

func (t *guardedTracking) LogInputs(ctx context.Context, id string, d []tracking.DatasetInput, m []tracking.ModelInput) error {
	if err := t.run(ctx, id, auth.ActionUpdate); err != nil {
		return err
	}
	return t.inner.LogInputs(ctx, id, d, m)
}

func (t *guardedTracking) LogOutputs(ctx context.Context, id string, m []tracking.ModelOutput) error {
	if err := t.run(ctx, id, auth.ActionUpdate); err != nil {
		return err
	}
	return t.inner.LogOutputs(ctx, id, m)
}

func (t *guardedTracking) GetMetricHistory(ctx context.Context, q tracking.MetricHistoryQuery) ([]tracking.Metric, string, error) {
	if err := t.run(ctx, q.RunID, auth.ActionRead); err != nil {
		return nil, "", err
	}
	return t.inner.GetMetricHistory(ctx, q)
}

func (t *guardedTracking) GetMetricHistoryBulkInterval(ctx context.Context, q tracking.BulkIntervalQuery) ([]tracking.Metric, error) {
	for _, id := range q.RunIDs {
		if err := t.run(ctx, id, auth.ActionRead); err != nil {
			return nil, err
		}
	}
	return t.inner.GetMetricHistoryBulkInterval(ctx, q)
}

// guardedStreamingTracking adds the streamed metric history of stores
// that have it (historyStreamer), and the UI's run counts, behind the same
// checks.
type guardedStreamingTracking struct {
	guardedTracking
	streamer historyStreamer
}

func (t *guardedStreamingTracking) EachMetricHistory(ctx context.Context, q tracking.MetricHistoryQuery, fn func(*tracking.Metric) error) (string, error) {
	if err := t.run(ctx, q.RunID, auth.ActionRead); err != nil {
		return "", err
	}
	return t.streamer.EachMetricHistory(ctx, q, fn)
}

// runCounter is the UI's RunCounter, which sqlstore implements.
type runCounter interface {
	CountRuns(ctx context.Context, experimentIDs []string) (map[string]int, map[string]int64, error)
}

// CountRuns counts the runs of the listed experiments the caller may read.
func (t *guardedStreamingTracking) CountRuns(ctx context.Context, ids []string) (map[string]int, map[string]int64, error) {
	rc, ok := t.inner.(runCounter)
	if !ok {
		return map[string]int{}, map[string]int64{}, nil
	}
	ids, err := t.g.filterIDs(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	return rc.CountRuns(ctx, ids)
}

// guardTracking wraps a tracking service with permission checks, keeping
// the streamed history when the store has it.
func guardTracking(inner tracking.Service, g *guard) tracking.Service {
	gt := guardedTracking{inner: inner, g: g}
	if st, ok := inner.(historyStreamer); ok {
		return &guardedStreamingTracking{guardedTracking: gt, streamer: st}
	}
	return &gt
}

// SearchDatasetSummaries needs READ on every experiment named.
func (t *guardedTracking) SearchDatasetSummaries(ctx context.Context, experimentIDs []string) ([]tracking.DatasetSummary, error) {
	ds, ok := t.inner.(tracking.DatasetSummaryService)
	if !ok {
		return nil, errDenied
	}
	for _, id := range experimentIDs {
		if err := t.exp(ctx, id, auth.ActionRead); err != nil {
			return nil, err
		}
	}
	return ds.SearchDatasetSummaries(ctx, experimentIDs)
}
