package tracking

import "context"

// DatasetSummary is one dataset the runs of an experiment used, with the
// context it was used in (mlflow.data.context: training, evaluation...),
// as MLflow's UI lists them.
type DatasetSummary struct {
	ExperimentID string
	Name         string
	Digest       string
	// Context is "" when the input has no mlflow.data.context tag.
	Context string
}

// MaxDatasetSummaries bounds a SearchDatasetSummaries answer, as MLflow's.
const MaxDatasetSummaries = 1000

// DatasetSummaryService is implemented by stores that can list the
// datasets of experiments' runs (the UI's search-datasets endpoint).
type DatasetSummaryService interface {
	SearchDatasetSummaries(ctx context.Context, experimentIDs []string) ([]DatasetSummary, error)
}
