package evaldata

import "context"

// ScorerVersion is one registered version of a scorer: MLflow keeps a
// scorer's serialized form (JSON written by the client) and never runs it
// on the server.
type ScorerVersion struct {
	ExperimentID string
	Name         string
	Version      int
	ScorerID     string
	// Serialized is the scorer as the client serialized it, stored as
	// sent.
	Serialized string
	// CreationTime is milliseconds since the epoch.
	CreationTime int64
}

// ScorerService stores registered scorers. sqlstore's DatasetService
// implements it beside Service.
type ScorerService interface {
	// RegisterScorer stores a new version of the experiment's scorer
	// name, one more than its highest.
	RegisterScorer(ctx context.Context, experimentID, name, serialized string) (*ScorerVersion, error)
	// ListScorers returns the latest version of each scorer of the
	// experiments, by experiment then name; no experiments means all
	// active ones.
	ListScorers(ctx context.Context, experimentIDs []string) ([]ScorerVersion, error)
	// ListScorerVersions returns every version of a scorer, oldest first.
	ListScorerVersions(ctx context.Context, experimentID, name string) ([]ScorerVersion, error)
	// GetScorer returns a version of a scorer, the latest when version is 0.
	GetScorer(ctx context.Context, experimentID, name string, version int) (*ScorerVersion, error)
	// DeleteScorer deletes a version, or every version when version is 0.
	DeleteScorer(ctx context.Context, experimentID, name string, version int) error
}
