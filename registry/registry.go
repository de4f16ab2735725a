// Package registry is the domain of the model registry: registered models,
// their versions, stages, aliases and tags, and the webhooks that announce
// changes. It imports only the standard library and the tracking domain.
package registry

import (
	"context"

	"github.com/weir-ml/weir/tracking"
)

// Tag is a key/value pair on a registered model or a model version.
type Tag = tracking.Tag

// Stages of a model version. Input is matched case-insensitively and
// canonicalised to these spellings.
const (
	StageNone       = "None"
	StageStaging    = "Staging"
	StageProduction = "Production"
	StageArchived   = "Archived"
)

// Model version statuses.
const (
	StatusPendingRegistration = "PENDING_REGISTRATION"
	StatusFailedRegistration  = "FAILED_REGISTRATION"
	StatusReady               = "READY"
)

// Alias points a name such as "champion" at one version of a model.
type Alias struct {
	Alias   string
	Version string
}

// RegisteredModel is a named model with versions.
type RegisteredModel struct {
	Name                 string
	CreationTimestamp    int64
	LastUpdatedTimestamp int64
	UserID               string
	Description          string
	LatestVersions       []ModelVersion // the latest version of each stage
	Tags                 []Tag
	Aliases              []Alias
}

// ModelVersion is one numbered version of a registered model.
type ModelVersion struct {
	Name                 string
	Version              string // a decimal number, as on MLflow's wire
	CreationTimestamp    int64
	LastUpdatedTimestamp int64
	UserID               string
	CurrentStage         string
	Description          string
	Source               string
	RunID                string
	Status               string
	StatusMessage        string
	Tags                 []Tag
	RunLink              string
	Aliases              []string
	ModelID              string
}

// VersionCreate is what CreateModelVersion takes.
type VersionCreate struct {
	Name        string
	Source      string
	RunID       string
	Tags        []Tag
	RunLink     string
	Description string
	ModelID     string
}

// Search is a search over registered models or model versions. MaxResults 0
// means the API's default.
type Search struct {
	Filter     string
	OrderBy    []string
	MaxResults int
	PageToken  string
}

// Service stores registered models and versions. Errors are *weir.Error with
// MLflow's codes and messages.
type Service interface {
	CreateRegisteredModel(ctx context.Context, name, description string, tags []Tag) (*RegisteredModel, error)
	GetRegisteredModel(ctx context.Context, name string) (*RegisteredModel, error)
	RenameRegisteredModel(ctx context.Context, name, newName string) (*RegisteredModel, error)
	UpdateRegisteredModel(ctx context.Context, name, description string) (*RegisteredModel, error)
	DeleteRegisteredModel(ctx context.Context, name string) error
	SearchRegisteredModels(ctx context.Context, s Search) (models []*RegisteredModel, nextPageToken string, err error)
	// GetLatestVersions returns the latest version in each of stages, or in
	// every stage when stages is empty.
	GetLatestVersions(ctx context.Context, name string, stages []string) ([]*ModelVersion, error)
	SetRegisteredModelTag(ctx context.Context, name string, t Tag) error
	DeleteRegisteredModelTag(ctx context.Context, name, key string) error

	CreateModelVersion(ctx context.Context, c VersionCreate) (*ModelVersion, error)
	GetModelVersion(ctx context.Context, name, version string) (*ModelVersion, error)
	UpdateModelVersion(ctx context.Context, name, version, description string) (*ModelVersion, error)
	DeleteModelVersion(ctx context.Context, name, version string) error
	SearchModelVersions(ctx context.Context, s Search) (versions []*ModelVersion, nextPageToken string, err error)
	GetModelVersionDownloadURI(ctx context.Context, name, version string) (string, error)
	TransitionModelVersionStage(ctx context.Context, name, version, stage string, archiveExisting bool) (*ModelVersion, error)
	SetModelVersionTag(ctx context.Context, name, version string, t Tag) error
	DeleteModelVersionTag(ctx context.Context, name, version, key string) error

	SetRegisteredModelAlias(ctx context.Context, name, alias, version string) error
	DeleteRegisteredModelAlias(ctx context.Context, name, alias string) error
	GetModelVersionByAlias(ctx context.Context, name, alias string) (*ModelVersion, error)
}

// WebhookEvent is an (entity, action) pair a webhook subscribes to, e.g.
// ("MODEL_VERSION", "CREATED").
type WebhookEvent struct {
	Entity string
	Action string
}

// Webhook statuses.
const (
	WebhookActive   = "ACTIVE"
	WebhookDisabled = "DISABLED"
)

// Webhook is a registered URL that receives signed POSTs on registry events.
// Secret is write-only: it is never returned by the API or logged.
type Webhook struct {
	ID                   string
	Name                 string
	Description          string
	URL                  string
	Events               []WebhookEvent
	Status               string
	Secret               string
	CreationTimestamp    int64
	LastUpdatedTimestamp int64
}

// WebhookUpdate changes the fields that are non-nil.
type WebhookUpdate struct {
	Name        *string
	Description *string
	URL         *string
	Events      []WebhookEvent // nil keeps the events
	Secret      *string
	Status      *string
}

// WebhookTestResult is the outcome of a test delivery.
type WebhookTestResult struct {
	Success        bool
	ResponseStatus int
	ResponseBody   string
	ErrorMessage   string
}

// WebhookService stores webhooks.
type WebhookService interface {
	CreateWebhook(ctx context.Context, w Webhook) (*Webhook, error)
	ListWebhooks(ctx context.Context, maxResults int, pageToken string) (hooks []*Webhook, nextPageToken string, err error)
	GetWebhook(ctx context.Context, id string) (*Webhook, error)
	UpdateWebhook(ctx context.Context, id string, u WebhookUpdate) (*Webhook, error)
	DeleteWebhook(ctx context.Context, id string) error
	// WebhooksFor returns the active webhooks subscribed to an event, with
	// their secrets, for delivery.
	WebhooksFor(ctx context.Context, e WebhookEvent) ([]*Webhook, error)
}
