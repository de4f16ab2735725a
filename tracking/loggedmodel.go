package tracking

import "context"

// Logged model statuses, named as on MLflow's wire.
const (
	LoggedModelPending      = "LOGGED_MODEL_PENDING"
	LoggedModelReady        = "LOGGED_MODEL_READY"
	LoggedModelUploadFailed = "LOGGED_MODEL_UPLOAD_FAILED"
)

// ModelRegistration names a registry version created from a logged model.
type ModelRegistration struct {
	Name    string
	Version string
}

// LoggedModel is an MLflow 3 logged model: a model's files, params, metrics
// and tags, linked to the run that produced it. IDs are "m-" + 32 hex digits.
type LoggedModel struct {
	ModelID                string
	ExperimentID           string
	Name                   string
	CreationTimestampMs    int64
	LastUpdatedTimestampMs int64
	ArtifactURI            string
	Status                 string
	StatusMessage          string
	CreatorID              int64
	ModelType              string
	SourceRunID            string
	Tags                   []Tag
	Params                 []Param
	Metrics                []Metric
	Registrations          []ModelRegistration
}

// LoggedModelCreate is what CreateLoggedModel takes.
type LoggedModelCreate struct {
	ExperimentID string
	Name         string // generated when empty
	ModelType    string
	SourceRunID  string
	Params       []Param
	Tags         []Tag
}

// LoggedModelOrder is one ordering key of a logged-model search.
type LoggedModelOrder struct {
	FieldName     string // e.g. "creation_timestamp" or "metrics.auc"
	Ascending     bool
	DatasetName   string
	DatasetDigest string
}

// LoggedModelSearch is a search over logged models. MaxResults 0 means 50.
type LoggedModelSearch struct {
	ExperimentIDs []string
	Filter        string
	Datasets      []Dataset // restricts metric filters and orderings to these datasets
	OrderBy       []LoggedModelOrder
	MaxResults    int
	PageToken     string
}

// LoggedModelService stores MLflow 3 logged models.
type LoggedModelService interface {
	CreateLoggedModel(ctx context.Context, c LoggedModelCreate) (*LoggedModel, error)
	GetLoggedModel(ctx context.Context, modelID string) (*LoggedModel, error)
	FinalizeLoggedModel(ctx context.Context, modelID, status string) (*LoggedModel, error)
	DeleteLoggedModel(ctx context.Context, modelID string) error
	SearchLoggedModels(ctx context.Context, s LoggedModelSearch) (models []*LoggedModel, nextPageToken string, err error)
	SetLoggedModelTags(ctx context.Context, modelID string, tags []Tag) (*LoggedModel, error)
	DeleteLoggedModelTag(ctx context.Context, modelID, key string) error
	LogLoggedModelParams(ctx context.Context, modelID string, params []Param) error
}
