package httpapi

import (
	"context"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// fakeTracking is a tracking.Service whose methods are the funcs set on it;
// an unset func fails the call, so a test states every call it expects.
type fakeTracking struct {
	CreateExperimentFn    func(ctx context.Context, name, artifactLocation string, tags []tracking.Tag) (string, error)
	GetExperimentFn       func(ctx context.Context, id string) (*tracking.Experiment, error)
	GetExperimentByNameFn func(ctx context.Context, name string) (*tracking.Experiment, error)
	SearchExperimentsFn   func(ctx context.Context, s tracking.ExperimentSearch) ([]*tracking.Experiment, string, error)
	UpdateExperimentFn    func(ctx context.Context, id, newName string) error
	DeleteExperimentFn    func(ctx context.Context, id string) error
	RestoreExperimentFn   func(ctx context.Context, id string) error
	SetExperimentTagFn    func(ctx context.Context, id, key, value string) error
	DeleteExperimentTagFn func(ctx context.Context, id, key string) error

	CreateRunFn  func(ctx context.Context, c tracking.RunCreate) (*tracking.Run, error)
	GetRunFn     func(ctx context.Context, runID string) (*tracking.Run, error)
	UpdateRunFn  func(ctx context.Context, runID string, u tracking.RunUpdate) (*tracking.RunInfo, error)
	DeleteRunFn  func(ctx context.Context, runID string) error
	RestoreRunFn func(ctx context.Context, runID string) error
	SearchRunsFn func(ctx context.Context, s tracking.RunSearch) ([]*tracking.Run, string, error)

	LogMetricFn  func(ctx context.Context, runID string, m tracking.Metric) error
	LogParamFn   func(ctx context.Context, runID string, p tracking.Param) error
	SetTagFn     func(ctx context.Context, runID string, t tracking.Tag) error
	DeleteTagFn  func(ctx context.Context, runID, key string) error
	LogBatchFn   func(ctx context.Context, runID string, metrics []tracking.Metric, params []tracking.Param, tags []tracking.Tag) error
	LogInputsFn  func(ctx context.Context, runID string, datasets []tracking.DatasetInput, models []tracking.ModelInput) error
	LogOutputsFn func(ctx context.Context, runID string, models []tracking.ModelOutput) error

	GetMetricHistoryFn             func(ctx context.Context, q tracking.MetricHistoryQuery) ([]tracking.Metric, string, error)
	GetMetricHistoryBulkIntervalFn func(ctx context.Context, q tracking.BulkIntervalQuery) ([]tracking.Metric, error)
}

var _ tracking.Service = (*fakeTracking)(nil)

func unexpected(method string) error {
	return weir.Errorf(weir.ErrUnsupported, "fakeTracking: unexpected call to %s", method)
}

func (f *fakeTracking) CreateExperiment(ctx context.Context, name, artifactLocation string, tags []tracking.Tag) (string, error) {
	if f.CreateExperimentFn == nil {
		return "", unexpected("CreateExperiment")
	}
	return f.CreateExperimentFn(ctx, name, artifactLocation, tags)
}

func (f *fakeTracking) GetExperiment(ctx context.Context, id string) (*tracking.Experiment, error) {
	if f.GetExperimentFn == nil {
		return nil, unexpected("GetExperiment")
	}
	return f.GetExperimentFn(ctx, id)
}

func (f *fakeTracking) GetExperimentByName(ctx context.Context, name string) (*tracking.Experiment, error) {
	if f.GetExperimentByNameFn == nil {
		return nil, unexpected("GetExperimentByName")
	}
	return f.GetExperimentByNameFn(ctx, name)
}

func (f *fakeTracking) SearchExperiments(ctx context.Context, s tracking.ExperimentSearch) ([]*tracking.Experiment, string, error) {
	if f.SearchExperimentsFn == nil {
		return nil, "", unexpected("SearchExperiments")
	}
	return f.SearchExperimentsFn(ctx, s)
}

func (f *fakeTracking) UpdateExperiment(ctx context.Context, id, newName string) error {
	if f.UpdateExperimentFn == nil {
		return unexpected("UpdateExperiment")
	}
	return f.UpdateExperimentFn(ctx, id, newName)
}

func (f *fakeTracking) DeleteExperiment(ctx context.Context, id string) error {
	if f.DeleteExperimentFn == nil {
		return unexpected("DeleteExperiment")
	}
	return f.DeleteExperimentFn(ctx, id)
}

func (f *fakeTracking) RestoreExperiment(ctx context.Context, id string) error {
	if f.RestoreExperimentFn == nil {
		return unexpected("RestoreExperiment")
	}
	return f.RestoreExperimentFn(ctx, id)
}

func (f *fakeTracking) SetExperimentTag(ctx context.Context, id, key, value string) error {
	if f.SetExperimentTagFn == nil {
		return unexpected("SetExperimentTag")
	}
	return f.SetExperimentTagFn(ctx, id, key, value)
}

func (f *fakeTracking) DeleteExperimentTag(ctx context.Context, id, key string) error {
	if f.DeleteExperimentTagFn == nil {
		return unexpected("DeleteExperimentTag")
	}
	return f.DeleteExperimentTagFn(ctx, id, key)
}

func (f *fakeTracking) CreateRun(ctx context.Context, c tracking.RunCreate) (*tracking.Run, error) {
	if f.CreateRunFn == nil {
		return nil, unexpected("CreateRun")
	}
	return f.CreateRunFn(ctx, c)
}

func (f *fakeTracking) GetRun(ctx context.Context, runID string) (*tracking.Run, error) {
	if f.GetRunFn == nil {
		return nil, unexpected("GetRun")
	}
	return f.GetRunFn(ctx, runID)
}

func (f *fakeTracking) UpdateRun(ctx context.Context, runID string, u tracking.RunUpdate) (*tracking.RunInfo, error) {
	if f.UpdateRunFn == nil {
		return nil, unexpected("UpdateRun")
	}
	return f.UpdateRunFn(ctx, runID, u)
}

func (f *fakeTracking) DeleteRun(ctx context.Context, runID string) error {
	if f.DeleteRunFn == nil {
		return unexpected("DeleteRun")
	}
	return f.DeleteRunFn(ctx, runID)
}

func (f *fakeTracking) RestoreRun(ctx context.Context, runID string) error {
	if f.RestoreRunFn == nil {
		return unexpected("RestoreRun")
	}
	return f.RestoreRunFn(ctx, runID)
}

func (f *fakeTracking) SearchRuns(ctx context.Context, s tracking.RunSearch) ([]*tracking.Run, string, error) {
	if f.SearchRunsFn == nil {
		return nil, "", unexpected("SearchRuns")
	}
	return f.SearchRunsFn(ctx, s)
}

func (f *fakeTracking) LogMetric(ctx context.Context, runID string, m tracking.Metric) error {
	if f.LogMetricFn == nil {
		return unexpected("LogMetric")
	}
	return f.LogMetricFn(ctx, runID, m)
}

func (f *fakeTracking) LogParam(ctx context.Context, runID string, p tracking.Param) error {
	if f.LogParamFn == nil {
		return unexpected("LogParam")
	}
	return f.LogParamFn(ctx, runID, p)
}

func (f *fakeTracking) SetTag(ctx context.Context, runID string, t tracking.Tag) error {
	if f.SetTagFn == nil {
		return unexpected("SetTag")
	}
	return f.SetTagFn(ctx, runID, t)
}

func (f *fakeTracking) DeleteTag(ctx context.Context, runID, key string) error {
	if f.DeleteTagFn == nil {
		return unexpected("DeleteTag")
	}
	return f.DeleteTagFn(ctx, runID, key)
}

func (f *fakeTracking) LogBatch(ctx context.Context, runID string, metrics []tracking.Metric, params []tracking.Param, tags []tracking.Tag) error {
	if f.LogBatchFn == nil {
		return unexpected("LogBatch")
	}
	return f.LogBatchFn(ctx, runID, metrics, params, tags)
}

func (f *fakeTracking) LogInputs(ctx context.Context, runID string, datasets []tracking.DatasetInput, models []tracking.ModelInput) error {
	if f.LogInputsFn == nil {
		return unexpected("LogInputs")
	}
	return f.LogInputsFn(ctx, runID, datasets, models)
}

func (f *fakeTracking) LogOutputs(ctx context.Context, runID string, models []tracking.ModelOutput) error {
	if f.LogOutputsFn == nil {
		return unexpected("LogOutputs")
	}
	return f.LogOutputsFn(ctx, runID, models)
}

func (f *fakeTracking) GetMetricHistory(ctx context.Context, q tracking.MetricHistoryQuery) ([]tracking.Metric, string, error) {
	if f.GetMetricHistoryFn == nil {
		return nil, "", unexpected("GetMetricHistory")
	}
	return f.GetMetricHistoryFn(ctx, q)
}

func (f *fakeTracking) GetMetricHistoryBulkInterval(ctx context.Context, q tracking.BulkIntervalQuery) ([]tracking.Metric, error) {
	if f.GetMetricHistoryBulkIntervalFn == nil {
		return nil, unexpected("GetMetricHistoryBulkInterval")
	}
	return f.GetMetricHistoryBulkIntervalFn(ctx, q)
}
