// Package tracking is the domain of experiment tracking: experiments, runs,
// their metrics, params, tags and dataset inputs, the Service that stores them,
// and MLflow's search filter language. It imports only the standard library.
package tracking

import "context"

// Lifecycle stages of experiments and runs.
const (
	StageActive  = "active"
	StageDeleted = "deleted"
)

// ViewType selects runs or experiments by lifecycle stage.
type ViewType int

// View types, numbered as on MLflow's wire.
const (
	ActiveOnly  ViewType = 1
	DeletedOnly ViewType = 2
	AllViews    ViewType = 3
)

// RunStatus is a run's status, named as on MLflow's wire.
type RunStatus string

// Run statuses.
const (
	StatusRunning   RunStatus = "RUNNING"
	StatusScheduled RunStatus = "SCHEDULED"
	StatusFinished  RunStatus = "FINISHED"
	StatusFailed    RunStatus = "FAILED"
	StatusKilled    RunStatus = "KILLED"
)

// Tag is a key/value pair on an experiment, run or dataset input.
type Tag struct {
	Key   string
	Value string
}

// Param is a write-once run parameter.
type Param struct {
	Key   string
	Value string
}

// Experiment groups runs.
type Experiment struct {
	ID               string
	Name             string
	ArtifactLocation string
	LifecycleStage   string
	CreationTime     int64 // ms since the epoch
	LastUpdateTime   int64 // ms since the epoch
	Tags             []Tag
}

// Metric is one logged value of a metric. Value may be NaN or ±Inf.
type Metric struct {
	Key           string
	Value         float64
	Timestamp     int64 // ms since the epoch
	Step          int64
	RunID         string // set on history and bulk-interval results
	ModelID       string
	DatasetName   string
	DatasetDigest string
}

// RunInfo is a run's metadata.
type RunInfo struct {
	RunID          string
	RunName        string
	ExperimentID   string
	UserID         string
	Status         RunStatus
	StartTime      int64
	EndTime        *int64 // nil while the run has no end time
	ArtifactURI    string
	LifecycleStage string
}

// RunData holds a run's latest metrics, params and tags.
type RunData struct {
	Metrics []Metric // the latest value of each key
	Params  []Param
	Tags    []Tag
}

// Dataset describes a dataset used by a run.
type Dataset struct {
	Name       string
	Digest     string
	SourceType string
	Source     string
	Schema     string
	Profile    string
}

// DatasetInput links a dataset to a run, with tags such as mlflow.data.context.
type DatasetInput struct {
	Tags    []Tag
	Dataset Dataset
}

// ModelInput names a logged model that a run used.
type ModelInput struct {
	ModelID string
}

// ModelOutput names a logged model that a run produced, at a step.
type ModelOutput struct {
	ModelID string
	Step    int64
}

// RunInputs are a run's dataset and model inputs.
type RunInputs struct {
	DatasetInputs []DatasetInput
	ModelInputs   []ModelInput
}

// RunOutputs are a run's model outputs.
type RunOutputs struct {
	ModelOutputs []ModelOutput
}

// Run is a run with everything that was logged to it.
type Run struct {
	Info    RunInfo
	Data    RunData
	Inputs  RunInputs
	Outputs RunOutputs
}

// RunCreate is what CreateRun takes. An empty ExperimentID means "0"; a zero
// StartTime means now; an empty RunName means a generated one, unless Tags hold
// mlflow.runName.
type RunCreate struct {
	ExperimentID string
	UserID       string
	RunName      string
	StartTime    int64
	Tags         []Tag
}

// RunUpdate changes the fields that are non-nil.
type RunUpdate struct {
	Status  *RunStatus
	EndTime *int64
	RunName *string
}

// ExperimentSearch is a search over experiments. MaxResults 0 means the
// default (1000).
type ExperimentSearch struct {
	Filter     string
	OrderBy    []string
	ViewType   ViewType // 0 means ActiveOnly
	MaxResults int
	PageToken  string
}

// RunSearch is a search over runs. MaxResults 0 means the default (1000).
type RunSearch struct {
	ExperimentIDs []string
	Filter        string
	OrderBy       []string
	ViewType      ViewType // 0 means ActiveOnly
	MaxResults    int
	PageToken     string
}

// MetricHistoryQuery pages through one metric's history. MaxResults 0 means
// the whole history.
type MetricHistoryQuery struct {
	RunID      string
	Key        string
	MaxResults int
	PageToken  string
}

// BulkIntervalQuery samples a metric's history over several runs.
// StartStep and EndStep are both nil or both set; MaxResults 0 means 2500.
type BulkIntervalQuery struct {
	RunIDs     []string
	Key        string
	StartStep  *int64
	EndStep    *int64
	MaxResults int
}

// Service stores experiments and runs. Every method returns *weir.Error values
// with MLflow's codes and messages for anything the caller did wrong
// (missing entities, invalid values, inactive runs).
type Service interface {
	CreateExperiment(ctx context.Context, name, artifactLocation string, tags []Tag) (id string, err error)
	GetExperiment(ctx context.Context, id string) (*Experiment, error)
	GetExperimentByName(ctx context.Context, name string) (*Experiment, error)
	SearchExperiments(ctx context.Context, s ExperimentSearch) (exps []*Experiment, nextPageToken string, err error)
	UpdateExperiment(ctx context.Context, id, newName string) error
	DeleteExperiment(ctx context.Context, id string) error
	RestoreExperiment(ctx context.Context, id string) error
	SetExperimentTag(ctx context.Context, id, key, value string) error
	DeleteExperimentTag(ctx context.Context, id, key string) error

	CreateRun(ctx context.Context, c RunCreate) (*Run, error)
	GetRun(ctx context.Context, runID string) (*Run, error)
	UpdateRun(ctx context.Context, runID string, u RunUpdate) (*RunInfo, error)
	DeleteRun(ctx context.Context, runID string) error
	RestoreRun(ctx context.Context, runID string) error
	SearchRuns(ctx context.Context, s RunSearch) (runs []*Run, nextPageToken string, err error)

	LogMetric(ctx context.Context, runID string, m Metric) error
	LogParam(ctx context.Context, runID string, p Param) error
	SetTag(ctx context.Context, runID string, t Tag) error
	DeleteTag(ctx context.Context, runID, key string) error
	// LogBatch writes params, metrics and tags in one transaction. Metrics
	// already stored with the same (key, step, timestamp, value) are skipped,
	// so a client's retry is harmless.
	LogBatch(ctx context.Context, runID string, metrics []Metric, params []Param, tags []Tag) error
	LogInputs(ctx context.Context, runID string, datasets []DatasetInput, models []ModelInput) error
	LogOutputs(ctx context.Context, runID string, models []ModelOutput) error

	GetMetricHistory(ctx context.Context, q MetricHistoryQuery) (metrics []Metric, nextPageToken string, err error)
	GetMetricHistoryBulkInterval(ctx context.Context, q BulkIntervalQuery) ([]Metric, error)
}
