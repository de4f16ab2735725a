// Package evaldata holds MLflow 3's GenAI evaluation datasets (named sets of
// records, each the inputs of a question and what the answer should be) and
// registered scorers (judges kept as serialized JSON, versioned per
// experiment). It declares the services stores implement and the parts of
// MLflow's semantics that are not storage: how records merge, the schema
// and digest of a dataset, and the dataset search language.
package evaldata

import (
	"context"
	"encoding/json"
)

// Dataset is an evaluation dataset's metadata; its records are read apart.
type Dataset struct {
	ID   string
	Name string
	Tags map[string]string
	// Schema and Profile are JSON objects as MLflow keeps them: the types
	// of the fields records hold, and {"num_records": N}. Empty until
	// records arrive.
	Schema, Profile string
	// Digest changes with every change of the dataset (MLflow's: the
	// first 8 hex digits of SHA-256 of "name:last_update_time").
	Digest string
	// CreatedTime and LastUpdateTime are milliseconds since the epoch.
	CreatedTime, LastUpdateTime int64
	CreatedBy, LastUpdatedBy    string
	// ExperimentIDs are the experiments the dataset was created in. Only
	// CreateDataset fills it, as MLflow's server does; the rest of the
	// time GetExperimentIDs reads them.
	ExperimentIDs []string
}

// Record is one example of a dataset. Inputs, Outputs, Expectations and
// Source are JSON as the client sent them (Inputs and Expectations are
// objects; Outputs any value); nil means absent.
type Record struct {
	ID, DatasetID string
	Inputs        json.RawMessage
	Outputs       json.RawMessage
	Expectations  json.RawMessage
	Tags          map[string]string
	// Source is {"source_type": ..., "source_data": {...}}; SourceID and
	// SourceType are read from it (a trace's id, for TRACE sources).
	Source               json.RawMessage
	SourceID, SourceType string
	// CreatedTime and LastUpdateTime are milliseconds since the epoch.
	CreatedTime, LastUpdateTime int64
	CreatedBy, LastUpdatedBy    string
}

// SearchRequest is a search of datasets. ExperimentIDs, when set, keeps the
// datasets linked to any of them.
type SearchRequest struct {
	ExperimentIDs []string
	Filter        string
	MaxResults    int
	OrderBy       []string
	PageToken     string
}

// UpsertResult counts what UpsertRecords did.
type UpsertResult struct {
	Inserted, Updated int
}

// Service stores evaluation datasets. sqlstore's DatasetService implements
// it on SQLite and PostgreSQL.
type Service interface {
	// CreateDataset creates a dataset under a new id ("d-" and 32 hex
	// digits), linked to the experiments named.
	CreateDataset(ctx context.Context, name string, tags map[string]string, experimentIDs []string) (*Dataset, error)
	GetDataset(ctx context.Context, id string) (*Dataset, error)
	// DeleteDataset deletes a dataset and its records; deleting one that
	// does not exist is not an error, as in MLflow.
	DeleteDataset(ctx context.Context, id string) error
	SearchDatasets(ctx context.Context, req SearchRequest) (ds []Dataset, nextPageToken string, err error)
	// SetDatasetTags adds or replaces tags.
	SetDatasetTags(ctx context.Context, id string, tags map[string]string) error
	// DeleteDatasetTag removes a tag; a missing tag or dataset is not an
	// error, as in MLflow.
	DeleteDatasetTag(ctx context.Context, id, key string) error
	// UpsertRecords adds records, merging each into the record with the
	// same inputs when there is one (see Merge), and updates the
	// dataset's schema, profile and digest.
	UpsertRecords(ctx context.Context, id string, records []RecordInput) (UpsertResult, error)
	// GetRecords returns up to maxResults records in creation order and
	// the token of the next page, "" after the last.
	GetRecords(ctx context.Context, id string, maxResults int, pageToken string) (recs []Record, nextPageToken string, err error)
	DeleteRecords(ctx context.Context, id string, recordIDs []string) (int, error)
	GetExperimentIDs(ctx context.Context, id string) ([]string, error)
	// AddToExperiments and RemoveFromExperiments link and unlink, and
	// return the dataset.
	AddToExperiments(ctx context.Context, id string, experimentIDs []string) (*Dataset, error)
	RemoveFromExperiments(ctx context.Context, id string, experimentIDs []string) (*Dataset, error)
}
